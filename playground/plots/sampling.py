"""Sampling figures: the next-token bar chart and the surprisal strip.

Both take plain numbers (a `core.analysis.NextTokenView`, lists of floats) and
return a Plotly figure or an HTML string; no tensor is touched here.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go

from core.analysis import NextTokenView
from playground.i18n import t
from playground.plots.style import PALETTE

PLAIN_COLOUR, KEPT_COLOUR = PALETTE["light"], PALETTE["train"]
CUT_K_COLOUR, CUT_P_COLOUR = PALETTE["faint"], PALETTE["muted"]
CUMULATIVE_COLOUR, DRAWN_COLOUR = PALETTE["accent"], PALETTE["val"]
# white → amber → red as the surprisal grows
SURPRISAL_STOPS = ((0.0, (255, 255, 255)), (0.5, (253, 224, 71)), (1.0, (220, 38, 38)))


def distribution_figure(view: NextTokenView, labels: list[str], temperature: float,
                        top_k: int | None, top_p: float | None,
                        lang: str | None = None) -> go.Figure:
    """Bars at T = 1 and at the chosen temperature for each shown token, side by side.

    Tokens removed by top-k are grey, those top-p removes after it are hatched; the
    orange line is the cumulative probability top-p reads, cut at p; the drawn token
    is outlined in red and labelled.
    """
    rows = view.rows
    xs = list(range(len(rows)))
    # a drawn token from outside the top is appended last, with its rank
    ticks = [html.escape(label) if row.rank == i + 1 else f"#{row.rank:,} {html.escape(label)}"
             for i, (row, label) in enumerate(zip(rows, labels))]
    drawn_at = next(i for i, row in enumerate(rows) if row.token_id == view.drawn_id)
    outline = [3 if i == drawn_at else 0 for i in xs]
    hover = [t("samp.plot.hover", lang, token=tick, id=row.token_id, rank=row.rank,
               plain=row.p_plain, tempered=row.p_tempered, final=row.p_final,
               temperature=temperature) for tick, row in zip(ticks, rows)]

    def colour(row) -> str:
        if not row.kept_by_top_k:
            return CUT_K_COLOUR
        return KEPT_COLOUR if row.kept_by_top_p else CUT_P_COLOUR

    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=xs, y=[row.p_plain for row in rows], name=t("samp.plot.plain", lang, h=view.entropy_plain),
        marker=dict(color=PLAIN_COLOUR, line=dict(color=DRAWN_COLOUR, width=outline)),
        hovertext=hover, hoverinfo="text"))
    tempered_name = (t("samp.plot.greedy", lang) if view.greedy else
                     t("samp.plot.tempered", lang, temperature=temperature, h=view.entropy_tempered))
    fig.add_trace(go.Bar(
        x=xs, y=[row.p_tempered for row in rows], name=tempered_name,
        marker=dict(color=[colour(row) for row in rows],
                    pattern=dict(shape=["/" if row.kept_by_top_k and not row.kept_by_top_p else ""
                                        for row in rows], fgcolor="#4b5563", size=6),
                    line=dict(color=DRAWN_COLOUR, width=outline)),
        hovertext=hover, hoverinfo="text"))
    if not view.greedy and any(not row.kept_by_top_k for row in rows):
        fig.add_trace(go.Bar(x=[None], y=[None], name=t("samp.plot.cut_k", lang),
                             marker=dict(color=CUT_K_COLOUR)))
    if not view.greedy and any(row.kept_by_top_k and not row.kept_by_top_p for row in rows):
        fig.add_trace(go.Bar(x=[None], y=[None], name=t("samp.plot.cut_p", lang),
                             marker=dict(color=CUT_P_COLOUR,
                                         pattern=dict(shape="/", fgcolor="#4b5563", size=6))))

    if top_p is not None and not view.greedy:
        fig.add_trace(go.Scatter(
            x=xs, y=[row.cumulative for row in rows], yaxis="y2", mode="lines+markers",
            name=t("samp.plot.cumulative", lang), line=dict(color=CUMULATIVE_COLOUR, width=2),
            marker=dict(size=5), hoverinfo="skip"))
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y2", y0=top_p, y1=top_p,
                      line=dict(color=CUMULATIVE_COLOUR, dash="dash", width=1))
        fig.add_annotation(xref="paper", x=1, yref="y2", y=top_p, xanchor="right", yanchor="bottom",
                           text=t("samp.plot.top_p_line", lang, p=top_p), showarrow=False,
                           font=dict(color=CUMULATIVE_COLOUR))
        _cutoff_line(fig, view.n_kept_top_p, len(rows), CUMULATIVE_COLOUR)
    if top_k is not None and not view.greedy:
        _cutoff_line(fig, view.n_kept_top_k, len(rows), "#6b7280",
                     t("samp.plot.top_k_line", lang, k=top_k))

    top = max(max(row.p_plain, row.p_tempered) for row in rows)
    drawn_row = rows[drawn_at]
    fig.add_annotation(x=drawn_at, y=max(drawn_row.p_plain, drawn_row.p_tempered), yref="y",
                       text=f"▼ {t('samp.plot.drawn', lang)}", showarrow=False, yanchor="bottom",
                       yshift=2, bgcolor="rgba(255,255,255,0.85)",
                       font=dict(color=DRAWN_COLOUR, size=13))
    fig.update_layout(
        title=t("samp.plot.title", lang, n=len(rows)), barmode="group", bargap=0.25, height=440,
        template="plotly_white", margin=dict(l=55, r=55, t=70, b=90),
        legend=dict(orientation="h", y=1.0, x=1, xanchor="right", yanchor="bottom"),
        yaxis=dict(title=t("samp.plot.prob", lang), range=[0, top * 1.15], tickformat=".0%"
                   if top >= 0.05 else ".2%"),
        yaxis2=dict(title=t("samp.plot.cum_axis", lang), overlaying="y", side="right",
                    range=[0, 1.05], tickformat=".0%", showgrid=False),
        xaxis=dict(title=t("samp.plot.token", lang), tickmode="array", tickvals=xs, ticktext=ticks,
                   tickangle=-45 if len(rows) > 12 else 0))
    return fig


def _cutoff_line(fig: go.Figure, n_kept: int, n_shown: int, colour: str, label: str | None = None) -> None:
    """A dotted line after the last kept token, when that falls inside the chart."""
    if n_kept >= n_shown:
        return
    x = n_kept - 0.5
    fig.add_shape(type="line", x0=x, x1=x, yref="paper", y0=0, y1=1,
                  line=dict(color=colour, dash="dot", width=2))
    if label:
        fig.add_annotation(x=x, yref="paper", y=1, text=label, showarrow=False, xanchor="left",
                           yanchor="top", bgcolor="rgba(255,255,255,0.85)", font=dict(color=colour))


def _surprisal_colour(fraction: float) -> str:
    fraction = min(1.0, max(0.0, fraction))
    for (f0, c0), (f1, c1) in zip(SURPRISAL_STOPS, SURPRISAL_STOPS[1:]):
        if fraction <= f1:
            w = (fraction - f0) / (f1 - f0)
            return "#" + "".join(f"{round(a + (b - a) * w):02x}" for a, b in zip(c0, c1))
    return "#dc2626"


def surprisal_html(pieces: list[tuple[str, float | None]], high: float,
                   lang: str | None = None) -> str:
    """A strip of tokens, each coloured by its surprisal in nats (None: not predicted).

    `high` is the surprisal shown as full red (ln of the vocabulary size: what a
    uniform guess scores). Every token text is HTML-escaped.
    """
    spans = []
    for text, nats in pieces:
        shown = html.escape(text).replace("\n", "↵<br>")
        if nats is None:
            tip, style = t("samp.first_token", lang), "color:#6b7280;border-bottom:1px dashed #9ca3af;"
        else:
            fraction = nats / high if high > 0 else 0.0
            tip = t("samp.token_tip", lang, nats=nats, p=math.exp(-nats))
            style = f"background:{_surprisal_colour(fraction)};" + ("color:#fff;" if fraction > 0.8 else "")
        spans.append(f'<span title="{html.escape(tip)}" style="{style}padding:1px 0;'
                     f'border-radius:3px;">{shown}</span>')
    legend = (f'<div style="display:flex;align-items:center;gap:8px;margin-top:10px;font-size:0.85em;">'
              f'<span>{html.escape(t("samp.legend_low", lang))}</span>'
              f'<span style="flex:0 0 160px;height:10px;border-radius:5px;background:linear-gradient(90deg,'
              f'{_surprisal_colour(0)},{_surprisal_colour(0.5)},{_surprisal_colour(1)});'
              f'border:1px solid #e5e7eb;"></span>'
              f'<span>{html.escape(t("samp.legend_high", lang, high=high))}</span></div>')
    return ('<div class="surprisal-strip" style="white-space:pre-wrap;line-height:1.9;'
            f'font-family:ui-monospace,monospace;font-size:0.95em;">{"".join(spans)}</div>{legend}')
