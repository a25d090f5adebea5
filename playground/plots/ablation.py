"""The ablation lab's figure: both models' loss curves on one plot, and the word-order
probe as a small table."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from playground.i18n import t
from playground.plots.style import PALETTE, base_layout

COLOURS = {"first": PALETTE["train"], "second": PALETTE["val"]}


def pair_figure(curves: dict[str, list[tuple[int, float, float]]], names: dict[str, str],
                lang: str | None = None) -> go.Figure:
    """Validation loss of each model (solid) and its training loss (dashed) against steps.

    `curves`: {"first": [(step, train, val), …], "second": …} (core.ablation.pair_curves);
    `names`: what each model is called on the page."""
    fig = go.Figure()
    for which, points in curves.items():
        steps = [p[0] for p in points]
        colour = COLOURS[which]
        fig.add_trace(go.Scatter(x=steps, y=[p[2] for p in points], mode="lines+markers",
                                 name=t("abl.plot.val", lang, name=names[which]),
                                 line=dict(color=colour, width=2)))
        fig.add_trace(go.Scatter(x=steps, y=[p[1] for p in points], mode="lines",
                                 name=t("abl.plot.train", lang, name=names[which]),
                                 line=dict(color=colour, width=1.5, dash="dash")))
    return base_layout(fig, t("abl.plot.title", lang), t("abl.plot.step", lang),
                       t("plot.loss", lang))


def word_order_html(sentences: tuple[str, str], results: dict[str, dict], names: dict[str, str],
                    label_of, lang: str | None = None) -> str:
    """For each model: its likeliest next tokens after each sentence, and how far apart
    its two predictions are (`results[which]`: core.probes.word_order_probe's result;
    `label_of(token_id)` shows a token)."""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in (
        t("abl.probe.model", lang), *sentences, t("abl.probe.distance", lang)))
    rows = []
    for which, result in results.items():
        tops = ["<br>".join(f"{html.escape(label_of(i))} {p:.0%}" for i, p in top)
                for top in result["top"]]
        cells = [html.escape(names[which]), *tops, f'{result["distance"]:.3f}']
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return ('<table class="word-order" style="border-collapse:collapse;font-size:0.92em">'
            '<style>.word-order td,.word-order th{border-bottom:1px solid #e5e7eb;padding:4px 10px;'
            'text-align:left;vertical-align:top;white-space:pre}</style>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
