"""Classifier figures: the confusion matrix and the "why" strip of a message."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from playground.i18n import t
from playground.plots.style import HEAT_SCALE, base_layout

TOWARDS, AWAY = (220, 38, 38), (37, 99, 235)     # red: towards the class; blue: away from it


def confusion_figure(counts: list[list[int]], classes: list[str], title: str,
                     lang: str | None = None) -> go.Figure:
    """counts[true][predicted] as a heatmap with the numbers written in."""
    labels = [html.escape(c) for c in classes]
    total = max(1, sum(sum(row) for row in counts))
    text = [[f"{n}<br>{n / total:.0%}" for n in row] for row in counts]
    fig = go.Figure(go.Heatmap(z=counts, x=labels, y=labels, text=text, texttemplate="%{text}",
                               colorscale=HEAT_SCALE, showscale=False,
                               hovertemplate=t("spam.plot.cell_hover", lang) + "<extra></extra>"))
    fig = base_layout(fig, title, t("spam.plot.predicted", lang), t("spam.plot.true", lang),
                      height=320, legend=False, margin=dict(l=80, r=20, t=60, b=60))
    fig.update_yaxes(autorange="reversed")
    return fig


def _shade(delta: float, scale: float) -> str:
    strength = min(1.0, abs(delta) / scale) if scale > 0 else 0.0
    r, g, b = TOWARDS if delta > 0 else AWAY
    return f"rgba({r},{g},{b},{0.08 + 0.6 * strength:.2f})"


def why_html(pieces: list[str], deltas: list[float | None], class_name: str,
             lang: str | None = None) -> str:
    """Each token shaded by how much it pushed the message towards `class_name` (red)
    or away from it (blue); the number is on hover. A token whose delta is None was not
    explained: it is shown plain."""
    scale = max((abs(d) for d in deltas if d is not None), default=0.0)
    spans = []
    for piece, delta in zip(pieces, deltas):
        if delta is None:
            spans.append(f'<span class="why-skipped" title="{html.escape(t("spam.why_skipped", lang))}"'
                         f' style="color:#64748b;">{html.escape(piece)}</span>')
            continue
        tip = t("spam.why_tip", lang, delta=delta, name=class_name)
        spans.append(f'<span title="{html.escape(tip)}" style="background:{_shade(delta, scale)};'
                     f'padding:1px 0;border-radius:3px;">{html.escape(piece)}</span>')
    legend = html.escape(t("spam.why_legend", lang, name=class_name))
    return ('<div class="why-strip" style="white-space:pre-wrap;line-height:1.9;'
            f'font-family:ui-monospace,monospace;">{"".join(spans)}</div>'
            f'<div style="font-size:0.85em;color:#475569;margin-top:6px">{legend}</div>')
