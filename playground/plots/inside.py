"""Figures of the "Inside the GPT" tab: the embedding lookup, one attention head step by
step, a vector through LayerNorm, the shortcut demo's gradients and the logit lens.
Plain numbers in (lists, floats, strings), Plotly out; values on hover.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.i18n import t
from playground.plots.attention import MASKED_COLOUR
from playground.plots.style import DIVERGING_SCALE, HEAT_SCALE, PALETTE, base_layout


def _rounded(matrix: list[list[float]], digits: int = 4) -> list[list[float | None]]:
    """Values rounded for the page; −inf (a masked score) and NaN as None (drawn grey)."""
    return [[round(float(v), digits) if math.isfinite(v) else None for v in row]
            for row in matrix]


def _top(*matrices: list[list[float]]) -> float:
    """The largest |value| of the finite numbers: a symmetric colour range around 0."""
    values = [abs(v) for m in matrices for row in m for v in row if math.isfinite(v)]
    return max(values, default=1.0) or 1.0


def tick_labels(labels: list[str]) -> list[str]:
    """'i:token' for each token: a category axis would merge two equal tokens."""
    return [f"{i}:{html.escape(label)}" for i, label in enumerate(labels)]


def embedding_lookup_figure(token_rows: list[list[float]], position_rows: list[list[float]],
                            inputs: list[list[float]], labels: list[str],
                            lang: str | None = None) -> go.Figure:
    """Three heatmaps, tokens down and dimensions across: the token-embedding rows, the
    position rows, and their sum (what the first block reads)."""
    ticks = tick_labels(labels)
    titles = [t("inside.plot.tok_rows", lang), t("inside.plot.pos_rows", lang),
              t("inside.plot.inputs", lang)]
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, subplot_titles=titles,
                        horizontal_spacing=0.03)
    top = _top(token_rows, position_rows, inputs)
    for col, matrix in enumerate((token_rows, position_rows, inputs), start=1):
        fig.add_trace(go.Heatmap(
            z=_rounded(matrix, 3), y=ticks, colorscale=DIVERGING_SCALE, zmin=-top, zmax=top,
            showscale=col == 3, colorbar=dict(thickness=12),
            hovertemplate=t("inside.plot.emb_hover", lang) + "<extra></extra>"), row=1, col=col)
    fig = base_layout(fig, t("inside.plot.lookup_title", lang), legend=False,
                      height=max(300, 130 + 24 * len(labels)),
                      margin=dict(l=110, r=20, t=80, b=45))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=11))
    fig.update_xaxes(title_text=t("inside.plot.dims_axis", lang))
    return fig


def attention_step_figure(raw: list[list[float]], scaled: list[list[float]],
                          masked: list[list[float]], weights: list[list[float]],
                          values: list[list[float]], context: list[list[float]],
                          labels: list[str], query: int, lang: str | None = None) -> go.Figure:
    """One head, step by step. Top: the score matrices (queries down, keys across) from
    Q·Kᵀ to the softmax weights, the chosen query's row outlined. Below: the values of
    the keys the query may see, each with its weight, and their weighted sum."""
    ticks = tick_labels(labels)
    titles = [t(f"inside.plot.{key}", lang) for key in ("raw", "scaled", "masked", "weights")]
    titles.append(t("inside.plot.weighted_sum", lang, query=ticks[query]))
    fig = make_subplots(rows=2, cols=4, specs=[[{}, {}, {}, {}], [{"colspan": 4}, None, None, None]],
                        subplot_titles=titles, horizontal_spacing=0.025, vertical_spacing=0.14,
                        row_heights=[0.5, 0.5])
    top = _top(raw, scaled)
    hover = t("inside.plot.score_hover", lang) + "<extra></extra>"
    for col, matrix in enumerate((raw, scaled, masked), start=1):
        fig.add_trace(go.Heatmap(z=_rounded(matrix), x=ticks, y=ticks, colorscale=DIVERGING_SCALE,
                                 zmin=-top, zmax=top, showscale=False, hoverongaps=False,
                                 hovertemplate=hover), row=1, col=col)
    fig.add_trace(go.Heatmap(z=_rounded(weights), x=ticks, y=ticks, colorscale=HEAT_SCALE,
                             zmin=0, zmax=1, showscale=False, hovertemplate=hover),
                  row=1, col=4)
    # the values of the keys 0..query, scaled by nothing: the weight is on the label
    rows = [f"{ticks[k]} × {weights[query][k]:.3f}" for k in range(query + 1)]
    z = [list(values[k]) for k in range(query + 1)] + [[math.nan] * len(values[0]),
                                                       list(context[query])]
    rows += [" ", t("inside.plot.context_row", lang)]
    fig.add_trace(go.Heatmap(z=_rounded(z), y=rows, colorscale=DIVERGING_SCALE,
                             zmin=-_top(values), zmax=_top(values), hoverongaps=False,
                             colorbar=dict(thickness=12, len=0.45, y=0.22),
                             hovertemplate=t("inside.plot.value_hover", lang) + "<extra></extra>"),
                  row=2, col=1)
    n = len(labels)
    height = 330 + 18 * (query + 3) + (8 * n if n > 16 else 0)
    fig = base_layout(fig, "", legend=False, height=height, margin=dict(l=130, r=20, t=40, b=30))
    for col in range(1, 5):
        fig.update_xaxes(showticklabels=False, row=1, col=col)
        fig.update_yaxes(autorange="reversed", showticklabels=col == 1, tickfont=dict(size=10),
                         row=1, col=col)
        fig.add_shape(type="rect", x0=-0.5, x1=n - 0.5, y0=query - 0.5, y1=query + 0.5,
                      line=dict(color=PALETTE["val"], width=2), row=1, col=col)
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=10), row=2, col=1)
    fig.update_xaxes(title_text=t("inside.plot.dims_axis", lang), row=2, col=1)
    fig.update_layout(plot_bgcolor=MASKED_COLOUR)
    fig.update_annotations(font_size=12)
    return fig


def layer_norm_figure(x: list[float], normalised: list[float], output: list[float], title: str,
                      lang: str | None = None) -> go.Figure:
    """A token vector's values, dimension by dimension, before LayerNorm (on the right
    axis: its own scale), normalised (mean 0, variance 1), and after the learned scale
    and shift. Before and normalised have the same shape: only the scale changed."""
    dims = list(range(len(x)))
    fig = go.Figure()
    for values, key, colour, axis in ((x, "ln_before", PALETTE["muted"], "y2"),
                                      (normalised, "ln_normalised", PALETTE["train"], "y"),
                                      (output, "ln_output", PALETTE["val"], "y")):
        fig.add_trace(go.Scatter(x=dims, y=[round(v, 4) for v in values], mode="lines+markers",
                                 marker=dict(size=3), line=dict(color=colour, width=1),
                                 name=t(f"inside.plot.{key}", lang), yaxis=axis))
    fig = base_layout(fig, title, t("inside.plot.dims_axis", lang), t("inside.plot.value", lang),
                      height=340, margin=dict(l=50, r=60, t=50, b=45))
    fig.update_layout(yaxis2=dict(title=t("inside.plot.ln_before_axis", lang), overlaying="y",
                                  side="right", showgrid=False,
                                  title_font=dict(color=PALETTE["muted"])))
    return fig


def shortcut_figure(without: list[float], with_shortcut: list[float],
                    lang: str | None = None) -> go.Figure:
    """Mean |gradient| of each layer's weights, without and with shortcut connections
    (log scale: without them the first layers get almost nothing)."""
    layers = [t("inside.plot.layer_n", lang, n=i + 1) for i in range(len(without))]
    fig = go.Figure()
    for values, key, colour in ((without, "no_shortcut", PALETTE["muted"]),
                                (with_shortcut, "with_shortcut", PALETTE["train"])):
        fig.add_trace(go.Bar(x=layers, y=values, name=t(f"inside.plot.{key}", lang),
                             marker_color=colour, text=[f"{v:.2g}" for v in values],
                             textposition="outside",
                             hovertemplate="%{x}: %{y:.3g}<extra></extra>"))
    fig = base_layout(fig, t("inside.plot.shortcut_title", lang), None,
                      t("inside.plot.grad_axis", lang), height=360, log_y=True)
    values = [v for v in without + with_shortcut if v > 0] or [1.0]
    # room above the tallest bar for its label (the axis is in powers of ten)
    fig.update_yaxes(range=[math.log10(min(values)) - 0.4, math.log10(max(values)) + 0.6])
    fig.update_layout(barmode="group")
    return fig


def logit_lens_figure(labels: list[str], top_labels: list[list[list[str]]],
                      top_probs: list[list[list[float]]], final_labels: list[str],
                      final_rank: list[list[int]], final_prob: list[list[float]],
                      lang: str | None = None) -> go.Figure:
    """Positions down, layers across (embeddings, then block 1 … L). Each cell: the
    token that layer would predict next and the rank of the model's final prediction
    there; colour = the top token's probability; hover = the top 5."""
    ticks = tick_labels(labels)
    n_rows = len(top_labels)
    layers = [t("inside.plot.lens_emb", lang)] + [str(l) for l in range(1, n_rows)]
    z, text, hover = [], [], []
    for pos in range(len(labels)):
        z.append([round(top_probs[l][pos][0], 4) for l in range(n_rows)])
        text.append([f"{html.escape(top_labels[l][pos][0])}<br>#{final_rank[l][pos]}"
                     for l in range(n_rows)])
        hover.append([t("inside.plot.lens_hover", lang, layer=layers[l], position=ticks[pos],
                        top="<br>".join(f"{html.escape(tok)} {p:.3f}" for tok, p in
                                        zip(top_labels[l][pos], top_probs[l][pos])),
                        final=html.escape(final_labels[pos]), rank=final_rank[l][pos],
                        p=final_prob[l][pos]) for l in range(n_rows)])
    fig = go.Figure(go.Heatmap(z=z, x=layers, y=ticks, text=text, texttemplate="%{text}",
                               textfont=dict(size=11), colorscale=HEAT_SCALE, zmin=0, zmax=1,
                               customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                               colorbar=dict(title=t("inside.plot.lens_prob", lang), thickness=12)))
    fig = base_layout(fig, t("inside.plot.lens_title", lang), t("inside.plot.lens_layers", lang),
                      None, legend=False, height=max(320, 140 + 40 * len(labels)),
                      margin=dict(l=120, r=20, t=60, b=50))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=11))
    fig.update_xaxes(side="top", type="category")
    return fig
