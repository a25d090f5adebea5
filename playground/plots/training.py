"""Training figures: loss and metric curves, and the samples timeline."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from playground.i18n import t
from playground.plots.style import PALETTE, base_layout


def loss_figure(steps: list[tuple[int, float]], evals: list, log_y: bool = False,
                lang: str | None = None, per_example: bool = False) -> go.Figure:
    """Training loss of every step (faint), and train/validation loss at evaluations.

    The x axis is tokens seen, or examples seen with `per_example` (a classifier's
    examples are messages; its steps are drawn at the evaluations only)."""
    fig = go.Figure()
    if steps and not per_example:
        fig.add_trace(go.Scatter(x=[s[0] for s in steps], y=[s[1] for s in steps], mode="lines",
                                 name=t("plot.step_loss", lang),
                                 line=dict(color=PALETTE["train"], width=1), opacity=0.35))
    if evals:
        xs = [e.examples_seen if per_example else e.tokens_seen for e in evals]
        fig.add_trace(go.Scatter(x=xs, y=[e.train_loss for e in evals], mode="lines+markers",
                                 name=t("plot.train_loss", lang), line=dict(color=PALETTE["train"])))
        fig.add_trace(go.Scatter(x=xs, y=[e.val_loss for e in evals], mode="lines+markers",
                                 name=t("plot.val_loss", lang), line=dict(color=PALETTE["val"])))
    x_title = t("plot.examples_seen" if per_example else "plot.tokens_seen", lang)
    return base_layout(fig, t("plot.loss_title", lang), x_title, t("plot.loss", lang), log_y=log_y)


def metric_figure(evals: list, keys: tuple[str, str], title: str, y_title: str,
                  x_title: str, x_of=lambda e: e.examples_seen, percent: bool = True,
                  lang: str | None = None) -> go.Figure:
    """A metric (e.g. accuracy) of training and validation data at each evaluation.

    `keys` name the two entries of `EvalInfo.metrics` to draw (training, validation).
    """
    fig = go.Figure()
    names = (t("plot.train", lang), t("plot.val", lang))
    for key, name, colour in zip(keys, names, (PALETTE["train"], PALETTE["val"])):
        points = [(x_of(e), e.metrics[key]) for e in evals if key in e.metrics]
        if points:
            fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points],
                                     mode="lines+markers", name=name, line=dict(color=colour)))
    fig = base_layout(fig, title, x_title, y_title)
    if percent:
        fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    return fig


def samples_html(rows: list[tuple[int, float, str]], lang: str | None = None,
                 empty: str | None = None) -> str:
    """The samples timeline, newest first: step, loss and the text as written.

    Text keeps its line breaks (a poem stays a poem) and is HTML-escaped.
    """
    if not rows:
        return f'<div class="samples empty">{html.escape(empty or t("pre.no_samples", lang))}</div>'
    head = (f'<tr><th>{html.escape(t("pre.col_step", lang))}</th>'
            f'<th>{html.escape(t("pre.col_loss", lang))}</th>'
            f'<th>{html.escape(t("pre.col_sample", lang))}</th></tr>')
    body = "".join(
        f'<tr><td class="num">{step:,}</td><td class="num">{loss:.3f}</td>'
        f'<td class="text">{html.escape(text)}</td></tr>' for step, loss, text in rows)
    return ('<div class="samples" style="max-height:460px;overflow-y:auto;">'
            '<table style="width:100%;border-collapse:collapse;font-size:0.92em;">'
            '<style>.samples td,.samples th{border-bottom:1px solid #e5e7eb;padding:4px 8px;'
            'vertical-align:top;text-align:left}.samples td.num{white-space:nowrap;'
            'font-variant-numeric:tabular-nums;color:#475569}.samples td.text{white-space:pre-wrap;'
            'font-family:ui-monospace,monospace}</style>'
            f'<thead>{head}</thead><tbody>{body}</tbody></table></div>')


def sparkline_svg(values: list[float], width: int = 140, height: int = 30) -> str:
    """A small inline curve (SVG) of `values`, for a table cell: its shape, no axes."""
    points = [v for v in values if v == v]           # NaN would break the path
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    xs = [i * (width - 2) / (len(points) - 1) + 1 for i in range(len(points))]
    ys = [height - 1 - (v - low) * (height - 2) / span for v in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'<polyline fill="none" stroke="{PALETTE["train"]}" stroke-width="1.5" '
            f'points="{path}"/></svg>')
