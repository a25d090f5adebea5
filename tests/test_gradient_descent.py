"""Gradient descent on y = a·x: hand-computed numbers, then the lab's handlers called directly."""

import math

import gradio as gr
import plotly.graph_objects as go
import pytest

from core.gradient_descent import (best_a, critical_lr, gd_run, loss, make_points,
                                   next_token_pairs, slope_of_loss, step_factor)
from playground import gd_tab as tab

# Three points on y = 2x, by hand: mean(x²) = (1 + 4 + 9) / 3 = 14/3, mean(x·y) = 28/3.
XS, YS = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]


def test_loss_is_the_mean_squared_error():
    assert loss(2.0, XS, YS) == 0.0
    assert loss(1.0, XS, YS) == pytest.approx((1 + 4 + 9) / 3)       # residuals 1, 2, 3


def test_slope_matches_the_formula_and_a_finite_difference():
    xs, ys = make_points(8, noise=0.5, seed=3)
    for a in (-1.0, 0.5, 1.0, 2.0, 3.7):
        h = 1e-6
        numeric = (loss(a + h, xs, ys) - loss(a - h, xs, ys)) / (2 * h)
        assert slope_of_loss(a, xs, ys) == pytest.approx(numeric, rel=1e-6, abs=1e-6)
    # 2a·mean(x²) − 2·mean(x·y) at a = 1: 2·14/3 − 2·28/3 = −28/3
    assert slope_of_loss(1.0, XS, YS) == pytest.approx(-28 / 3)


def test_one_full_batch_step_by_hand():
    records = gd_run(XS, YS, a0=1.0, lr=0.1, steps=1)
    assert [r.step for r in records] == [0, 1]
    assert records[0].a == 1.0 and records[0].slope is None
    # a ← 1 − 0.1 · (−28/3) = 1 + 2.8/3
    assert records[1].slope == pytest.approx(-28 / 3)
    assert records[1].a == pytest.approx(1 + 2.8 / 3)
    assert records[1].loss == pytest.approx(loss(1 + 2.8 / 3, XS, YS))
    assert records[1].batch == (0, 1, 2)
    # the distance to a* = 2 was multiplied by 1 − 2η·mean(x²)
    assert (records[1].a - 2) / (1.0 - 2) == pytest.approx(step_factor(0.1, XS))


def test_the_lowest_point_and_the_critical_rate():
    assert best_a(XS, YS) == pytest.approx(2.0)
    assert critical_lr(XS) == pytest.approx(3 / 14)
    xs, ys = make_points(10, noise=0.3, seed=0)
    assert xs == pytest.approx([0.2 * i for i in range(1, 11)])
    assert 1.8 < best_a(xs, ys) < 2.2 and best_a(xs, ys) != 2.0      # noise moves it a little
    assert make_points(10, noise=0.0)[1] == pytest.approx([2 * x for x in xs])


def test_a_good_learning_rate_converges_to_two():
    records = gd_run(XS, YS, a0=1.0, lr=0.1, steps=100)
    assert len(records) == 101 and not any(r.diverged for r in records)
    assert records[-1].a == pytest.approx(2.0, abs=1e-9)
    assert records[-1].loss < records[0].loss


def test_above_the_critical_rate_the_run_diverges_and_says_where():
    lr = critical_lr(XS) * 1.5
    records = gd_run(XS, YS, a0=1.0, lr=lr, steps=1000)
    last = records[-1]
    assert last.diverged and not any(r.diverged for r in records[:-1])
    assert last.step == len(records) - 1 < 1000
    assert abs(last.a) > 1e6 or last.loss > 1e12
    # just below it, the same run converges (zig-zagging: the factor is negative)
    below = gd_run(XS, YS, a0=1.0, lr=critical_lr(XS) * 0.9, steps=1000)
    assert not below[-1].diverged and below[-1].a == pytest.approx(2.0, abs=1e-6)


def test_mini_batches_are_noisy_and_repeat_with_the_same_seed():
    xs, ys = make_points(10, noise=0.3, seed=4)
    full = gd_run(xs, ys, 1.0, 0.1, 30, batch_size=10, seed=7)
    single = gd_run(xs, ys, 1.0, 0.1, 30, batch_size=1, seed=7)
    assert [r.a for r in single] != pytest.approx([r.a for r in full])
    assert all(len(r.batch) == 1 for r in single[1:])
    assert gd_run(xs, ys, 1.0, 0.1, 30, batch_size=1, seed=7) == single
    assert gd_run(xs, ys, 1.0, 0.1, 30, batch_size=1, seed=8) != single
    # full batch does not depend on the seed
    assert gd_run(xs, ys, 1.0, 0.1, 30, batch_size=10, seed=8) == full
    triple = gd_run(xs, ys, 1.0, 0.1, 30, batch_size=3, seed=7)
    assert all(len(set(r.batch)) == 3 for r in triple[1:])


def test_next_token_pairs_of_the_workshop_sentence():
    assert next_token_pairs("今天天气很好") == [
        ("BEGIN", "今"), ("今", "天"), ("今天", "天"), ("今天天", "气"), ("今天天气", "很"),
        ("今天天气很", "好"), ("今天天气很好", "END")]
    assert next_token_pairs("a") == [("BEGIN", "a"), ("a", "END")]


@pytest.mark.parametrize("call, message", [
    (lambda: gd_run(XS, YS, 1.0, 0.0, 10), "learning rate"),
    (lambda: gd_run(XS, YS, 1.0, -0.1, 10), "learning rate"),
    (lambda: gd_run(XS, YS, 1.0, math.nan, 10), "learning rate"),
    (lambda: gd_run(XS, YS, 1.0, 0.1, 0), "steps"),
    (lambda: gd_run(XS, YS, 1.0, 0.1, 1001), "steps"),
    (lambda: gd_run(XS, YS, 1.0, 0.1, 10, batch_size=0), "batch size"),
    (lambda: gd_run(XS, YS, 1.0, 0.1, 10, batch_size=4), "batch size"),
    (lambda: gd_run(XS, YS, math.inf, 0.1, 10), "a0"),
    (lambda: gd_run(XS, [2.0, math.nan, 6.0], 1.0, 0.1, 10), "every y"),
    (lambda: gd_run(XS, YS[:2], 1.0, 0.1, 10), "same length"),
    (lambda: gd_run([], [], 1.0, 0.1, 10), "at least one point"),
    (lambda: loss(1.0, [0.0, 0.0], [1.0, 2.0]), "non-zero"),
    (lambda: make_points(0), "number of points"),
    (lambda: make_points(5, noise=-1.0), "noise"),
    (lambda: next_token_pairs("  "), "empty"),
])
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ----- the tab's handlers, called directly ----------------------------------------------

def run_lab(lr=0.1, batch=10, a0=1.0, steps=25, noise=0.3, seed=0):
    return tab._run_lab("en", lr, batch, a0, steps, noise, seed)


def test_the_lab_returns_an_animated_figure_and_a_verdict():
    figure, status = run_lab()
    assert isinstance(figure, go.Figure)
    assert len(figure.frames) == 26                                 # steps 0 … 25
    assert figure.layout.sliders[0].steps[0].args[0][0]["name"] == "0"
    assert len(figure.layout.updatemenus[0].buttons[0].args[0]) == 26  # play carries its frames
    assert "Converged" in status
    moving = figure.frames[-1].traces
    assert figure.data[moving[0]].x[-1] == pytest.approx(2.02, abs=0.01)


def test_long_runs_are_thinned_and_mini_batches_are_explained():
    figure, status = run_lab(batch=1, steps=200)
    from playground.plots.gradient import MAX_FRAMES
    assert len(figure.frames) <= MAX_FRAMES + 1
    assert "1 of the 10 points" in status


def test_the_lab_explains_divergence_and_slowness():
    _, status = run_lab(lr=1.5)
    assert "Diverged at step" in status and "critical rate" in status
    _, status = run_lab(lr=0.7)
    assert "Running away" in status
    _, status = run_lab(lr=0.01)
    assert "Not there yet" in status


def test_the_pairs_table():
    table = tab._pairs("en", " 今天天气很好 ")
    rows = table["data"]
    assert rows[0] == [1, "BEGIN", "今"] and rows[-1] == [7, "今天天气很好", "END"]
    assert tab._pairs("zh", "今天")["headers"][1] == "上下文（模型读到的）"


@pytest.mark.parametrize("overrides", [dict(lr=0), dict(lr=math.nan), dict(lr="x"), dict(lr=5),
                                       dict(batch=0), dict(batch=2.5), dict(steps=0),
                                       dict(a0=math.inf), dict(seed=-1), dict(noise=None)])
def test_bad_lab_input_is_a_gradio_error(overrides):
    with pytest.raises(gr.Error):
        run_lab(**overrides)


@pytest.mark.parametrize("sentence", ["", "   ", None, "好" * 61])
def test_bad_sentence_is_a_gradio_error(sentence):
    with pytest.raises(gr.Error):
        tab._pairs("en", sentence)


def test_the_tab_builds_on_its_own():
    from core.jobs import JobRegistry
    from playground.session import AppContext
    with gr.Blocks() as demo:
        tab.build(AppContext.create(JobRegistry()))
    names = {dep.get("api_name") for dep in demo.config["dependencies"]}
    assert {"gd_run", "gd_pairs"} <= names


def test_the_figure_and_the_verdict_in_chinese():
    xs, ys = tab._points(0.3)
    records = gd_run(xs, ys, 1.0, 1.5, 25)
    from playground.plots import lab_figure
    figure = lab_figure(xs, ys, records, 25, tab.TRUE_SLOPE, lang="zh")
    assert "损失" in figure.layout.title.text
    assert "发散" in tab._status(xs, ys, records, 1.5, 10, lang="zh")
