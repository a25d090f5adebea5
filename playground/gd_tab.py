"""Gradient-descent lab: fit y = a·x by walking down the loss parabola, step by step.

Handlers read the widgets (sliders stop a browser at their ranges; API calls are
checked against the same ranges), call `core.gradient_descent` and draw the run as
one Plotly figure that animates in the browser: the loss parabola with the path of a
on the left, the points and the current line on the right.

Gradio hands a figure to `Plotly.react` without its frames, so the play button and
the step slider carry their frames inline (`Plotly.animate` takes frame objects as
well as names); `figure.frames` holds the same frames for any other Plotly viewer.
"""

from __future__ import annotations

import math

import gradio as gr
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.gradient_descent import (GDStep, best_a, critical_lr, gd_run, loss, make_points,
                                   next_token_pairs, step_factor)
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import read_number, read_whole


# The points: y = 2x + noise at x = 0.2, 0.4, …, 2.0. Their noise is drawn with a fixed
# seed (this one puts the best a near 2), so the seed widget only picks mini-batches.
N_POINTS, POINTS_SEED, TRUE_SLOPE = 10, 4, 2.0
# (low, high, default): the sliders' ranges, and what an API call may send
LR = (0.01, 1.5, 0.1)
BATCH = (1, N_POINTS, N_POINTS)
A0 = (-4.0, 8.0, 1.0)
STEPS = (1, 200, 25)
NOISE = (0.0, 1.0, 0.3)
SEED = (0, 2**31 - 1, 0)
MAX_SENTENCE_CHARS = 60
MAX_FRAMES = 50          # an animation of longer runs shows every k-th step
MAX_PATH_POINTS = 100    # the drawn path of a long run is thinned to this many points
CONVERGED_TOL = 1e-3     # |a − a*| under which a full-batch run has arrived
NEAR_TOL = 0.1           # … and a mini-batch run is near the bottom

PATH_COLOUR, NOW_COLOUR, BEST_COLOUR = "#2563eb", "#dc2626", "#16a34a"
CURVE_COLOUR, POINT_COLOUR, BATCH_COLOUR = "#94a3b8", "#64748b", "#f59e0b"


# ----- reading the input ---------------------------------------------------------------

def _number(value, key: str, low: float, high: float) -> float:
    return read_number(value, t(key), low, high)


def _whole(value, key: str, low: int, high: int) -> int:
    return read_whole(value, t(key), low, high)


def _learning_rate(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not 0 < number <= LR[1]:
        raise gr.Error(t("gd.err.lr", high=LR[1], value=value))
    return number


def _points(noise: float) -> tuple[list[float], list[float]]:
    return make_points(N_POINTS, slope=TRUE_SLOPE, noise=noise, seed=POINTS_SEED)


# ----- the figure ----------------------------------------------------------------------

def _shown(value: float) -> float | None:
    """A number as the figure stores it: 6 significant digits (the frames repeat a lot of
    numbers), None where it is not finite."""
    return float(f"{value:.6g}") if math.isfinite(value) else None


def _evenly(count: int, limit: int) -> list[int]:
    """At most limit + 1 indices from 0 to count − 1, evenly spread, both ends kept."""
    if count <= limit + 1:
        return list(range(count))
    return sorted({round(i * (count - 1) / limit) for i in range(limit + 1)})


def _a_range(records: list[GDStep], best: float) -> tuple[float, float]:
    """The a-axis: the start, the bottom and the path's swings, but not a blow-up."""
    start = max(abs(records[0].a - best), 0.5)
    reach = max((abs(r.a - best) for r in records if math.isfinite(r.a)), default=start)
    half = min(max(reach, 1.2 * start), 4 * start) * 1.1
    return best - half, best + half


def _static_traces(fig: go.Figure, xs, ys, records: list[GDStep], drawn: list[int], best: float,
                   a_low: float, a_high: float, lang: str | None) -> None:
    grid = [a_low + (a_high - a_low) * i / 200 for i in range(201)]
    fig.add_trace(go.Scatter(x=grid, y=[loss(a, xs, ys) for a in grid], mode="lines",
                             name=t("gd.plot.parabola", lang), line=dict(color=CURVE_COLOUR),
                             hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[best], y=[loss(best, xs, ys)], mode="markers",
                             name=t("gd.plot.best", lang),
                             marker=dict(color=BEST_COLOUR, size=11, symbol="star"),
                             hovertemplate=f"a* = {best:.4f}<extra></extra>"), row=1, col=1)
    # the whole route, faint, and where the hover text lives (the frames redraw only x, y)
    route = [records[i] for i in drawn]
    fig.add_trace(go.Scatter(x=[_shown(r.a) for r in route], y=[_shown(r.loss) for r in route],
                             mode="lines+markers", name=t("gd.plot.route", lang),
                             line=dict(color=PATH_COLOUR, width=1, dash="dot"), opacity=0.35,
                             marker=dict(size=5),
                             customdata=[[r.step, "—" if r.slope is None else f"{r.slope:.4g}"]
                                         for r in route],
                             hovertemplate=t("gd.plot.hover", lang) + "<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=t("gd.plot.points", lang),
                             marker=dict(color=POINT_COLOUR, size=8)), row=1, col=2)
    x_end = max(xs) * 1.05
    fig.add_trace(go.Scatter(x=[0, x_end], y=[0, TRUE_SLOPE * x_end], mode="lines",
                             name=t("gd.plot.true_line", lang),
                             line=dict(color=BEST_COLOUR, dash="dash", width=1.5)), row=1, col=2)


def _moving_traces(records: list[GDStep], upto: int, drawn: list[int], xs, ys) -> list[dict]:
    """The traces that change with the step: path, current a, the batch, the line."""
    path = [records[i] for i in drawn if i < upto] + [records[upto]]
    now = records[upto]
    x_end = max(xs) * 1.05
    a_now = _shown(now.a)
    return [
        dict(type="scatter", x=[_shown(r.a) for r in path], y=[_shown(r.loss) for r in path]),
        dict(type="scatter", x=[a_now], y=[_shown(now.loss)]),
        dict(type="scatter", x=[xs[i] for i in now.batch], y=[ys[i] for i in now.batch]),
        dict(type="scatter", x=[0, x_end], y=[0, None if a_now is None else a_now * x_end]),
    ]


def _frame_title(record: GDStep, steps: int, lang: str | None) -> str:
    return t("gd.plot.frame_title", lang, step=record.step, steps=steps, a=f"{record.a:.4g}",
             loss=f"{record.loss:.4g}")


def _lab_figure(xs: list[float], ys: list[float], records: list[GDStep], steps: int,
                lang: str | None = None) -> go.Figure:
    """Both panels, ending on the last step, with a frame per step (thinned past MAX_FRAMES)."""
    best = best_a(xs, ys)
    a_low, a_high = _a_range(records, best)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=(t("gd.plot.loss_title", lang), t("gd.plot.line_title", lang)))
    drawn = _evenly(len(records), MAX_PATH_POINTS)
    _static_traces(fig, xs, ys, records, drawn, best, a_low, a_high, lang)
    last = len(records) - 1
    first_moving = len(fig.data)
    styles = [
        dict(mode="lines+markers", name=t("gd.plot.path", lang), line=dict(color=PATH_COLOUR, width=1.5),
             marker=dict(size=6), hoverinfo="skip"),
        dict(mode="markers", name=t("gd.plot.now", lang), marker=dict(color=NOW_COLOUR, size=13),
             hoverinfo="skip"),
        dict(mode="markers", name=t("gd.plot.batch", lang),
             marker=dict(color=BATCH_COLOUR, size=13, line=dict(color="#92400e", width=1.5))),
        dict(mode="lines", name=t("gd.plot.fit", lang), line=dict(color=NOW_COLOUR, width=2.5)),
    ]
    for n, (trace, style) in enumerate(zip(_moving_traces(records, last, drawn, xs, ys), styles)):
        trace.pop("type")
        fig.add_trace(go.Scatter(**trace, **style), row=1, col=1 if n < 2 else 2)
    moving = list(range(first_moving, len(fig.data)))

    frame_steps = _evenly(len(records), MAX_FRAMES)
    frames = [dict(name=str(records[i].step), traces=moving,
                   data=_moving_traces(records, i, drawn, xs, ys),
                   layout=dict(title=dict(text=_frame_title(records[i], steps, lang)),
                               sliders=[dict(active=j)]))
              for j, i in enumerate(frame_steps)]
    fig.frames = [go.Frame(**frame) for frame in frames]
    _animation_controls(fig, frames, lang)

    y_low = min(0.0, *ys, records[0].a * max(xs)) - 0.5
    y_high = max(*ys, records[0].a * max(xs), best * max(xs)) + 0.5
    top = max(loss(a_low, xs, ys), loss(a_high, xs, ys)) * 1.08
    fig.update_xaxes(title_text="a", range=[a_low, a_high], row=1, col=1)
    fig.update_yaxes(title_text="L(a)", range=[-0.03 * top, top], row=1, col=1)
    fig.update_xaxes(title_text="x", range=[0, max(xs) * 1.05], row=1, col=2)
    fig.update_yaxes(title_text="y", range=[y_low, y_high], row=1, col=2)
    fig.update_layout(title=dict(text=_frame_title(records[-1], steps, lang), x=0.5, xanchor="center"),
                      height=660, template="plotly_white", margin=dict(l=55, r=20, t=100, b=230),
                      legend=dict(orientation="h", y=-0.5, yanchor="top", x=0.5, xanchor="center"))
    return fig


def _animation_controls(fig: go.Figure, frames: list[dict], lang: str | None) -> None:
    """Play/pause buttons and a step slider, each carrying its frames inline."""
    duration = int(min(500, max(120, 8000 / len(frames))))
    play = dict(frame=dict(duration=duration, redraw=True), transition=dict(duration=0),
                fromcurrent=False, mode="immediate")
    jump = dict(frame=dict(duration=0, redraw=True), transition=dict(duration=0), mode="immediate")
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", showactive=False,
                          x=0, xanchor="left", y=-0.2, yanchor="top", pad=dict(r=10, t=0),
                          buttons=[dict(label=t("gd.plot.play", lang), method="animate",
                                        args=[frames, play]),
                                   dict(label=t("gd.plot.pause", lang), method="animate",
                                        args=[[None], jump])])],
        # tick labels hidden (transparent): the current step shows above the rail instead
        sliders=[dict(active=len(frames) - 1, x=0.25, len=0.75, y=-0.2, yanchor="top",
                      pad=dict(t=0, b=0), font=dict(color="rgba(0,0,0,0)"), ticklen=3,
                      currentvalue=dict(prefix=t("gd.plot.slider", lang),
                                        font=dict(size=13, color="#334155")),
                      steps=[dict(label=frame["name"], method="animate", args=[[frame], jump])
                             for frame in frames])])


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
def _run_lab(lr, batch_size, a0, steps, noise, seed):
    """Handler: one run of gradient descent → (animated figure, what happened)."""
    lr = _learning_rate(lr)
    batch_size = _whole(batch_size, "gd.batch", *BATCH[:2])
    a0 = _number(a0, "gd.a0", *A0[:2])
    steps = _whole(steps, "gd.steps", *STEPS[:2])
    noise = _number(noise, "gd.noise", *NOISE[:2])
    seed = _whole(seed, "gd.seed", *SEED[:2])
    xs, ys = _points(noise)
    records = gd_run(xs, ys, a0, lr, steps, batch_size, seed)
    return _lab_figure(xs, ys, records, steps), _status(xs, ys, records, lr, batch_size)


@friendly
def _pairs(sentence):
    """Handler: the sentence's (context → next token) examples as table rows."""
    if sentence is not None and not isinstance(sentence, str):
        raise gr.Error(t("gd.err.empty_sentence"))
    if not sentence or not sentence.strip():
        raise gr.Error(t("gd.err.empty_sentence"))
    sentence = sentence.strip()
    if len(sentence) > MAX_SENTENCE_CHARS:
        raise gr.Error(t("gd.err.too_long", n=len(sentence), limit=MAX_SENTENCE_CHARS))
    return [[n, context, answer] for n, (context, answer) in enumerate(next_token_pairs(sentence), 1)]


def build(ctx=None) -> None:
    """The tab's widgets and wiring (call inside a gr.Blocks); ctx is not needed."""
    crit = critical_lr(_points(NOISE[2])[0])
    with gr.Tab(t("gd.tab"), id="gd-lab"):
        gr.Markdown(t("gd.intro"))
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                lr_sl = gr.Slider(*LR[:2], value=LR[2], step=0.01, label=t("gd.lr"),
                                  info=t("gd.lr_info", crit=crit))
                batch_sl = gr.Slider(*BATCH[:2], value=BATCH[2], step=1, label=t("gd.batch"),
                                     info=t("gd.batch_info", n=N_POINTS))
                a0_sl = gr.Slider(*A0[:2], value=A0[2], step=0.1, label=t("gd.a0"))
                steps_sl = gr.Slider(*STEPS[:2], value=STEPS[2], step=1, label=t("gd.steps"))
                noise_sl = gr.Slider(*NOISE[:2], value=NOISE[2], step=0.05, label=t("gd.noise"),
                                     info=t("gd.noise_info"))
                seed_num = gr.Number(SEED[2], precision=0, minimum=SEED[0], maximum=SEED[1],
                                     label=t("gd.seed"))
                run_btn = gr.Button(t("gd.run"), variant="primary")
            with gr.Column(scale=3):
                figure, status = _run_lab(LR[2], BATCH[2], A0[2], STEPS[2], NOISE[2], SEED[2])
                lab_plot = gr.Plot(figure, label=t("gd.plot"))
                status_md = gr.Markdown(status)

        gr.Markdown(t("gd.pairs_title"))
        with gr.Row():
            sentence_box = gr.Textbox(t("gd.default_sentence"), label=t("gd.sentence"), scale=4)
            pairs_btn = gr.Button(t("gd.pairs_btn"), scale=1)
        pairs_df = gr.Dataframe(_pairs(t("gd.default_sentence")), label=t("gd.pairs_table"),
                                headers=[t("gd.col_n"), t("gd.col_context"), t("gd.col_next")],
                                interactive=False, max_height=360)

        lab_inputs = [lr_sl, batch_sl, a0_sl, steps_sl, noise_sl, seed_num]
        gr.on([run_btn.click, seed_num.submit] + [s.release for s in lab_inputs[:-1]], _run_lab,
              lab_inputs, [lab_plot, status_md], api_name="gd_run")
        gr.on([pairs_btn.click, sentence_box.submit], _pairs, sentence_box, pairs_df,
              api_name="gd_pairs")
