"""Gradient-descent lab: fit y = a·x by walking down the loss parabola, step by step.

Handlers read the widgets (sliders stop a browser at their ranges; API calls are
checked against the same ranges), call `core.gradient_descent` and draw the run with
`playground.plots.lab_figure`, one Plotly figure that animates in the browser.
"""

from __future__ import annotations

import math

import gradio as gr

from core.gradient_descent import (GDStep, best_a, critical_lr, gd_run, make_points,
                                   next_token_pairs, step_factor)
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import Range, number_box, read_in, slider
from playground.plots import lab_figure
from playground.session import AppContext

# The points: y = 2x + noise at x = 0.2, 0.4, …, 2.0. Their noise is drawn with a fixed
# seed (this one puts the best a near 2), so the seed widget only picks mini-batches.
N_POINTS, POINTS_SEED, TRUE_SLOPE = 10, 4, 2.0
# One range per control: the slider is made from it and the handler checks against it.
LR = Range(0.01, 1.5, 0.1, 0.01)
BATCH = Range(1, N_POINTS, N_POINTS)
A0 = Range(-4.0, 8.0, 1.0, 0.1)
STEPS = Range(1, 200, 25)
NOISE = Range(0.0, 1.0, 0.3, 0.05)
SEED = Range(0, 2**31 - 1, 0)
MAX_SENTENCE_CHARS = 60
CONVERGED_TOL = 1e-3     # |a − a*| under which a full-batch run has arrived
NEAR_TOL = 0.1           # … and a mini-batch run is near the bottom


# ----- reading the input ---------------------------------------------------------------

def _learning_rate(value, lang: str | None) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not 0 < number <= LR.high:
        raise gr.Error(t("gd.err.lr", lang, high=LR.high, value=value))
    return number


def _points(noise: float) -> tuple[list[float], list[float]]:
    return make_points(N_POINTS, slope=TRUE_SLOPE, noise=noise, seed=POINTS_SEED)


# ----- the verdict ---------------------------------------------------------------------

def _status(xs, ys, records: list[GDStep], lr: float, batch_size: int,
            lang: str | None = None) -> str:
    best = best_a(xs, ys)
    last = records[-1]
    values = dict(steps=last.step, a=last.a, best=best, loss=last.loss, lr=lr,
                  crit=critical_lr(xs), factor=step_factor(lr, xs), b=batch_size, n=len(xs))
    if last.diverged:
        key = "gd.status.diverged" if lr > values["crit"] else "gd.status.diverged_batch"
        return t(key, lang, step=last.step, **{k: v for k, v in values.items() if k != "steps"})
    distance = abs(last.a - best)
    if batch_size == len(xs) and distance < CONVERGED_TOL:
        return t("gd.status.converged", lang, **values)
    if batch_size < len(xs) and distance < NEAR_TOL:
        return t("gd.status.near", lang, **values)
    if last.loss > records[0].loss:
        return t("gd.status.growing", lang, loss0=records[0].loss, **values)
    return t("gd.status.slow", lang, dist=distance, **values)


# ----- handlers ------------------------------------------------------------------------

@friendly
def _run_lab(lang, lr, batch, a0, steps, noise, seed):
    """Handler: one run of gradient descent → (animated figure, what happened)."""
    lr = _learning_rate(lr, lang)
    batch_size = read_in(BATCH, batch, t("gd.batch", lang), lang)
    a0 = read_in(A0, a0, t("gd.a0", lang), lang, whole=False)
    steps = read_in(STEPS, steps, t("gd.steps", lang), lang)
    noise = read_in(NOISE, noise, t("gd.noise", lang), lang, whole=False)
    seed = read_in(SEED, seed, t("gd.seed", lang), lang)
    xs, ys = _points(noise)
    records = gd_run(xs, ys, a0, lr, steps, batch_size, seed)
    return (lab_figure(xs, ys, records, steps, TRUE_SLOPE, lang),
            _status(xs, ys, records, lr, batch_size, lang))


@friendly
def _pairs(lang, sentence):
    """Handler: the sentence's (context → next token) examples as table rows."""
    if not isinstance(sentence, str) or not sentence.strip():
        raise gr.Error(t("gd.err.empty_sentence", lang))
    sentence = sentence.strip()
    if len(sentence) > MAX_SENTENCE_CHARS:
        raise gr.Error(t("gd.err.too_long", lang, n=len(sentence), limit=MAX_SENTENCE_CHARS))
    rows = [[n, context, answer] for n, (context, answer) in enumerate(next_token_pairs(sentence), 1)]
    return {"headers": [t(k, lang) for k in ("gd.col_n", "gd.col_context", "gd.col_next")],
            "data": rows}


def build(ctx: AppContext) -> None:
    """The tab's widgets and wiring (call inside a gr.Blocks)."""
    lang = ctx.ui_lang
    crit = critical_lr(_points(NOISE.default)[0])
    with ctx.tab("gd-lab", "gd.tab", "gd.card"):
        gr.Markdown(t("gd.intro", lang))
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                lr_sl = slider(LR, t("gd.lr", lang), info=t("gd.lr_info", lang, crit=crit))
                batch_sl = slider(BATCH, t("gd.batch", lang), info=t("gd.batch_info", lang, n=N_POINTS))
                a0_sl = slider(A0, t("gd.a0", lang))
                steps_sl = slider(STEPS, t("gd.steps", lang))
                noise_sl = slider(NOISE, t("gd.noise", lang), info=t("gd.noise_info", lang))
                seed_num = number_box(SEED, t("gd.seed", lang))
                run_btn = gr.Button(t("gd.run", lang), variant="primary")
            with gr.Column(scale=3):
                figure, status = _run_lab(lang, *(r.default for r in (LR, BATCH, A0, STEPS, NOISE, SEED)))
                lab_plot = gr.Plot(figure, label=t("gd.plot", lang))
                status_md = gr.Markdown(status)

        gr.Markdown(t("gd.pairs_title", lang))
        with gr.Row():
            sentence_box = gr.Textbox(t("gd.default_sentence", lang), label=t("gd.sentence", lang), scale=4)
            pairs_btn = gr.Button(t("gd.pairs_btn", lang), scale=1)
        pairs_df = gr.Dataframe(_pairs(lang, t("gd.default_sentence", lang)),
                                label=t("gd.pairs_table", lang), interactive=False, max_height=360)

        lab_inputs = [lr_sl, batch_sl, a0_sl, steps_sl, noise_sl, seed_num]
        for name, widget, rng in zip(("lr", "batch", "a0", "steps", "noise", "seed"), lab_inputs,
                                     (LR, BATCH, A0, STEPS, NOISE, SEED)):
            ctx.link(name, widget, rng)
        gr.on([run_btn.click, seed_num.submit] + [s.release for s in lab_inputs[:-1]], _run_lab,
              [ctx.lang, *lab_inputs], [lab_plot, status_md], api_name="gd_run",
              concurrency_limit=None)
        gr.on([pairs_btn.click, sentence_box.submit], _pairs, [ctx.lang, sentence_box], pairs_df,
              api_name="gd_pairs", concurrency_limit=None)
        ctx.on_language(_run_lab, [ctx.lang, *lab_inputs], [lab_plot, status_md])
        ctx.on_language(_pairs, [ctx.lang, sentence_box], pairs_df)
