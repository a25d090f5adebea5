"""The gradient-descent lab's figure: the loss parabola with the path of a (left), the
points and the current line (right), one frame per step.

Gradio hands a figure to `Plotly.react` without its frames, so the play button and
the step slider carry their frames inline (`Plotly.animate` takes frame objects as
well as names); `figure.frames` holds the same frames for any other Plotly viewer.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.gradient_descent import GDStep, best_a, loss
from playground.i18n import t
from playground.plots.style import PALETTE, play_menu

MAX_FRAMES = 50          # an animation of longer runs shows every k-th step
MAX_PATH_POINTS = 100    # the drawn path of a long run is thinned to this many points
PATH_COLOUR, NOW_COLOUR, BEST_COLOUR = PALETTE["train"], PALETTE["val"], PALETTE["test"]
CURVE_COLOUR, POINT_COLOUR, BATCH_COLOUR = PALETTE["curve"], PALETTE["points"], PALETTE["accent"]


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
                   a_low: float, a_high: float, true_slope: float, lang: str | None) -> None:
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
    fig.add_trace(go.Scatter(x=[0, x_end], y=[0, true_slope * x_end], mode="lines",
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


def lab_figure(xs: list[float], ys: list[float], records: list[GDStep], steps: int,
               true_slope: float, lang: str | None = None) -> go.Figure:
    """Both panels, ending on the last step, with a frame per step (thinned past MAX_FRAMES)."""
    best = best_a(xs, ys)
    a_low, a_high = _a_range(records, best)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=(t("gd.plot.loss_title", lang), t("gd.plot.line_title", lang)))
    drawn = _evenly(len(records), MAX_PATH_POINTS)
    _static_traces(fig, xs, ys, records, drawn, best, a_low, a_high, true_slope, lang)
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
    jump = dict(frame=dict(duration=0, redraw=True), transition=dict(duration=0), mode="immediate")
    fig.update_layout(
        updatemenus=[play_menu(frames, t("gd.plot.play", lang), t("gd.plot.pause", lang), duration,
                               x=0, xanchor="left", y=-0.2, yanchor="top")],
        # tick labels hidden (transparent): the current step shows above the rail instead
        sliders=[dict(active=len(frames) - 1, x=0.25, len=0.75, y=-0.2, yanchor="top",
                      pad=dict(t=0, b=0), font=dict(color="rgba(0,0,0,0)"), ticklen=3,
                      currentvalue=dict(prefix=t("gd.plot.slider", lang),
                                        font=dict(size=13, color="#334155")),
                      steps=[dict(label=frame["name"], method="animate", args=[[frame], jump])
                             for frame in frames])])
