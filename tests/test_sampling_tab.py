"""Sampling lab: handlers called directly, then through the API and in a browser."""

import json
import time

import gradio as gr
import plotly.graph_objects as go
import pytest
import torch

from core.jobs import JobRegistry
from playground.sampling_tab import SamplingLab
from playground.session import AppContext

LEARNER = "learner-sampling-tab"
REGISTRY = JobRegistry()
lab = SamplingLab(AppContext(REGISTRY))
PROMPT = "I had always thought"     # every token is in the untrained model's vocabulary
VIEW = dict(temperature=0.8, top_k=20, top_p=0.9, seed=123, bars=25, simplified=False)
COMPARE = [0, 0, 1.0, 0.8, 40, 0.95, 1.5, 0, 1.0]


def next_token(prompt=PROMPT, choice="fresh", **overrides):
    v = {**VIEW, **overrides}
    return lab.next_token(None, LEARNER, "en", choice, prompt, v["temperature"], v["top_k"],
                          v["top_p"], v["seed"], v["bars"], v["simplified"])


def step(prompt=PROMPT, **overrides):
    v = {**VIEW, **overrides}
    return lab.step(None, LEARNER, "en", "fresh", prompt, v["temperature"], v["top_k"],
                    v["top_p"], v["seed"], v["bars"], v["simplified"])


def compare(prompt=PROMPT, seed=7, n=8, settings=COMPARE):
    from playground.sampling_tab import COMPARE_NAMES
    return lab.compare(None, LEARNER, "en", "fresh", prompt, seed, n, False,
                       **dict(zip(COMPARE_NAMES, settings)))


def test_distribution_figure_marks_filters_and_the_drawn_token():
    figure, notices, summary = next_token()
    assert isinstance(figure, go.Figure)
    bars = [trace for trace in figure.data if trace.type == "bar" and trace.x[0] is not None]
    assert len(bars) == 2 and len(bars[0].x) == 25            # T = 1 and T = 0.8, side by side
    assert bars[0].name.startswith("T = 1") and "entropy" in bars[1].name
    assert "#d1d5db" in bars[1].marker.color                  # top-k greys out tokens 21..25
    assert any(trace.name.startswith("cumulative") for trace in figure.data)
    assert "drawn" in "".join(a.text for a in figure.layout.annotations)
    assert notices == ""
    assert "Drawn:" in summary and "Top-k keeps 20" in summary


def test_step_appends_the_drawn_token():
    new_prompt, figure, _, summary = step()
    assert new_prompt.startswith(PROMPT) and len(new_prompt) > len(PROMPT)
    assert isinstance(figure, go.Figure) and "Drawn:" in summary
    assert step()[0] == new_prompt                             # same seed, same token


def stream(seed, prompt=PROMPT, n=30, choice="fresh", learner=LEARNER, simplified=False):
    return lab.generate(None, learner, "en", choice, prompt, 0.8, 20, 0.9, seed, n, simplified)


def test_generate_streams_tokens_as_they_come():
    outputs = [text for text, _ in stream(1)]
    assert outputs[0].startswith(PROMPT) and len(outputs[0]) > len(PROMPT)
    assert len(outputs[-1]) > len(outputs[0])
    assert [text for text, _ in stream(1)][-1] == outputs[-1]      # seeded: the same text


@pytest.mark.slow
def test_the_first_streamed_token_comes_without_a_stall():
    next(stream(1))                                           # loads the model once
    # One intra-op thread: on a shared CPU whose other core is busy, OpenMP with two
    # threads stalls ~0.4 s per forward pass whatever the model; this measures our path.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    first_token_s = []
    try:
        for seed in range(3):                                 # best of three: a busy CPU adds noise
            handler = stream(seed)
            start = time.perf_counter()
            next(handler)
            first_token_s.append(time.perf_counter() - start)
            handler.close()
    finally:
        torch.set_num_threads(threads)
    assert min(first_token_s) < 2.5     # aim: ~5 ms; the bound only catches a stall


def test_compare_repeats_exactly_for_the_same_seed():
    first = compare()
    assert compare() == first
    assert first[0] != first[2]                                # greedy vs T = 1.5
    assert "Seed 7" in first[3] and "greedy" in first[3]
    assert compare(seed=8)[1:3] != first[1:3]


def test_surprisal_strip_reports_loss_and_escapes_the_text():
    html_strip, summary = lab.surprisal(None, LEARNER, "en", "fresh", PROMPT, False)
    assert html_strip.count("<span title=") == 4                # I · ␣had · ␣always · ␣thought
    assert "average loss" in summary and "perplexity" in summary
    from playground.plots import surprisal_html
    strip = surprisal_html([("<b>", None), ('"&', 1.0)], high=2.0)
    assert "<b>" not in strip and "&lt;b&gt;" in strip and "&quot;&amp;" in strip


@pytest.mark.parametrize("overrides, message", [
    (dict(prompt=""), "type a prompt"),
    (dict(prompt="   "), "type a prompt"),
    (dict(prompt="x" * 20_000), "too long"),
    (dict(prompt="你好"), "None of this text is in the model's vocabulary"),
    (dict(temperature=99), "temperature must be a number from 0 to 3"),
    (dict(temperature=float("nan")), "temperature must be a number"),
    (dict(temperature="hot"), "temperature must be a number"),
    (dict(top_k=-1), "top-k must be a number from 0 to 200"),
    (dict(top_k=2.5), "top-k must be a whole number"),
    (dict(top_p=0), "top-p must be a number from 0.01 to 1"),
    (dict(seed=-3), "seed must be a number"),
    (dict(bars=10_000), "tokens shown must be a number from 5 to 50"),
    (dict(choice=None), "Choose a model first"),
    (dict(choice="live"), "no training job yet"),
    (dict(choice="saved:9"), "refresh the list"),
    (dict(choice="gpt2-124m"), "GPT-2 could not be loaded"),
])
def test_bad_input_gets_a_clear_message(overrides, message):
    with pytest.raises(gr.Error, match=message):
        next_token(**overrides)


def test_bad_input_for_the_other_handlers():
    with pytest.raises(gr.Error, match="tokens to generate must be a number from 1 to 300"):
        next(stream(1, n=5000))
    with pytest.raises(gr.Error, match="type a prompt"):
        next(stream(1, prompt=""))
    with pytest.raises(gr.Error, match="temperature"):
        compare(settings=[0, 0, 1.0, -1, 40, 0.95, 1.5, 0, 1.0])
    with pytest.raises(gr.Error, match="at least two tokens"):
        lab.surprisal(None, LEARNER, "en", "fresh", "I", False)
    with pytest.raises(gr.Error, match="text to score"):
        lab.surprisal(None, LEARNER, "en", "fresh", "", False)


def test_long_prompts_are_cut_and_greedy_is_stated():
    long_prompt = " ".join([PROMPT] * 40)                    # > 64 tokens of context
    _, notices, summary = next_token(long_prompt, temperature=0)
    assert "only the last 64 tokens are used" in notices
    assert "greedy" in summary and "100.0%" in summary
    _, notices, _ = next_token(PROMPT + " 你好")
    assert "not in this model's vocabulary" in notices


@pytest.fixture
def tang_learner():
    """A learner whose saved model reads Tang characters (random weights)."""
    from core.config import get_preset
    from core.jobs import SavedModel
    from core.model import GPTModel
    from core.tokenizer import CharTokenizer

    tokenizer = CharTokenizer(sorted(set("牀前明月光疑是地上霜舉頭望低思故鄉，。")) + ["\0"],
                              name="tang-char")
    torch.manual_seed(0)
    model = GPTModel(get_preset("tiny", vocab_size=tokenizer.n_vocab)).eval()
    saved = SavedModel("tang", model, tokenizer)
    REGISTRY.add_model("learner-tang-test", saved)
    return "learner-tang-test", f"saved:{saved.id}"


def test_simplified_prompt_reaches_a_tang_model_as_traditional(tang_learner):
    learner, choice = tang_learner
    _, notices, _ = lab.next_token(None, learner, "en", choice, "举头望明月", 1.0, 0, 1.0, 1, 10,
                                   False)
    assert "traditional" in notices and "舉頭望明月" in notices
    texts = [text for text, _ in stream(1, "举头", 8, choice, learner, simplified=True)]
    assert texts[-1].startswith("举头")                       # shown in simplified
    traditional = [text for text, _ in stream(1, "举头", 8, choice, learner)]
    assert traditional[-1].startswith("舉頭")


def test_messages_come_in_the_learners_language():
    with pytest.raises(gr.Error, match="请先输入提示词"):
        lab.next_token(None, LEARNER, "zh", "fresh", "", 0.8, 20, 0.9, 1, 10, False)


# ----- through the API of the running app ----------------------------------------------

@pytest.fixture(scope="module")
def client(live_app):
    from gradio_client import Client
    return Client(live_app, verbose=False)


@pytest.mark.slow
def test_api_distribution_step_and_seeded_comparison(client):
    plot, notices, summary = client.predict(None, "fresh", PROMPT, 0.8, 20, 0.9, 123, 25, False,
                                            api_name="/next_token")
    figure = json.loads(plot["plot"])
    assert sum(trace["type"] == "bar" for trace in figure["data"]) >= 2
    assert "Drawn:" in summary

    new_prompt, plot, _, _ = client.predict(None, "fresh", PROMPT, 0.8, 20, 0.9, 123, 25, False,
                                            api_name="/step")
    assert new_prompt.startswith(PROMPT) and len(new_prompt) > len(PROMPT)

    args = (None, "fresh", PROMPT, 7, 15, False, *COMPARE)
    first = client.predict(*args, api_name="/compare")
    assert client.predict(*args, api_name="/compare") == first
    assert all(first[:3])

    text, _ = client.predict(None, "fresh", PROMPT, 0.8, 20, 0.9, 1, 10, False, api_name="/generate")
    assert text.startswith(PROMPT)
    strip, summary = client.predict(None, "fresh", PROMPT, False, api_name="/surprisal")
    assert "perplexity" in summary and "<span" in strip


@pytest.mark.slow
def test_api_bad_values_are_messages(client):
    from gradio_client.exceptions import AppError
    # Gradio checks slider ranges itself; the handler's own check backs it up
    with pytest.raises(AppError, match="greater than maximum value 3|temperature must be"):
        client.predict(None, "fresh", PROMPT, 50, 20, 0.9, 123, 25, False, api_name="/next_token")
    with pytest.raises(AppError, match="type a prompt"):
        client.predict(None, "fresh", "", 1.0, 20, 0.9, 1, 10, False, api_name="/generate")


@pytest.mark.browser
@pytest.mark.slow
def test_browser_draws_the_next_token_bars(live_app):
    from browser import open_page, outside_requests, save_screenshot

    with open_page(live_app, viewport=(1400, 1000)) as (page, requests):
        page.get_by_role("tab", name="Sampling lab").click()
        prompt = page.get_by_label("Prompt", exact=True)
        prompt.fill("It was no great surprise to me")
        page.get_by_role("button", name="Show next-token distribution").click()
        # wait until plotly has drawn both bar series (25 tokens each), not a fixed sleep
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot .barlayer .point').length >= 50",
            timeout=60_000)
        page.get_by_text("Drawn:").wait_for()
        page.get_by_role("button", name="Generate", exact=True).click()
        generated = page.get_by_label("Generated text (prompt + continuation)")
        page.wait_for_function(
            "el => el.value.length > 40", arg=generated.element_handle(), timeout=30_000)
        page.get_by_role("button", name="Compare the three settings").click()
        page.get_by_text("Seed 123,").wait_for()
        page.get_by_role("button", name="Colour by surprisal").click()
        page.locator(".surprisal-strip span").first.wait_for()
        page.get_by_text("perplexity", exact=False).first.wait_for()
        save_screenshot(page, "sampling-tab.png")
        assert outside_requests(requests) == []
