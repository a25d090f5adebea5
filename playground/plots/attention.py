"""Attention and position figures: the layer × head grid, one enlarged map, and the
positional encodings (heatmap, waves, similarity). Plain numbers in, Plotly out.

Masked cells (a query may not look at later keys) are left empty, so the grey
background shows the causal triangle.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go

from playground.i18n import t
from playground.plots.style import DIVERGING_SCALE, HEAT_SCALE, PALETTE, base_layout

MASKED_COLOUR = "#e5e7eb"
GAP = 1                       # empty cells between two tiles of the grid


def _masked(matrix: list[list[float]]) -> list[list[float | None]]:
    """Cells above the diagonal (the future) as None: drawn as the grey background."""
    return [[None if k > q else value for k, value in enumerate(row)]
            for q, row in enumerate(matrix)]


def attention_grid(weights: list, lang: str | None = None, averaged: bool = False,
                   step: int | None = None) -> go.Figure:
    """Every layer (rows) × head (columns) as one tiled heatmap.

    `weights`: [layer][head][query][key] (with `averaged`, one "head" per layer: the
    mean of its heads). One trace, so even GPT-2's 12 × 12 heads draw quickly.
    """
    n_layers, n_heads = len(weights), len(weights[0])
    T = len(weights[0][0])
    size = T + GAP
    z = [[None] * (n_heads * size - GAP) for _ in range(n_layers * size - GAP)]
    for layer in range(n_layers):
        for head in range(n_heads):
            tile = weights[layer][head]
            for q in range(T):
                row = z[layer * size + q]
                for k in range(q + 1):
                    row[head * size + k] = round(float(tile[q][k]), 4)
    x_ticks = [head * size + (T - 1) / 2 for head in range(n_heads)]
    y_ticks = [layer * size + (T - 1) / 2 for layer in range(n_layers)]
    fig = go.Figure(go.Heatmap(
        z=z, colorscale=HEAT_SCALE, zmin=0, zmax=1, hoverongaps=False,
        colorbar=dict(title=t("att.plot.weight", lang), thickness=12),
        hovertemplate=t("att.plot.grid_hover", lang) + "<extra></extra>"))
    title = t("att.plot.grid_title_avg" if averaged else "att.plot.grid_title", lang,
              layers=n_layers, heads=n_heads, tokens=T)
    if step is not None:
        title += " · " + t("att.plot.at_step", lang, step=step)
    height = max(320, min(1400, 90 + n_layers * (size * 7 if T <= 16 else size * 4)))
    fig = base_layout(fig, title, t("att.plot.heads_axis", lang), t("att.plot.layers_axis", lang),
                      height=height, legend=False, margin=dict(l=70, r=20, t=60, b=55))
    fig.update_xaxes(tickmode="array", tickvals=x_ticks,
                     ticktext=["avg" if averaged else str(h) for h in range(n_heads)],
                     showgrid=False, zeroline=False)
    fig.update_yaxes(tickmode="array", tickvals=y_ticks, ticktext=[str(l) for l in range(n_layers)],
                     autorange="reversed", showgrid=False, zeroline=False)
    fig.update_layout(plot_bgcolor=MASKED_COLOUR)
    return fig


def attention_heatmap(matrix: list[list[float]], labels: list[str], title: str,
                      lang: str | None = None) -> go.Figure:
    """One head's (or a layer's average) weights: queries down, keys across, the
    tokens on both axes, the value on hover."""
    T = len(matrix)
    ticks = [f"{i}:{html.escape(label)}" for i, label in enumerate(labels)]
    hover = [[t("att.plot.cell_hover", lang, query=ticks[q], looked_at=ticks[k], value=matrix[q][k])
              if k <= q else t("att.plot.masked_hover", lang) for k in range(T)] for q in range(T)]
    fig = go.Figure(go.Heatmap(
        z=_masked([[round(float(v), 4) for v in row] for row in matrix]), x=ticks, y=ticks,
        colorscale=HEAT_SCALE, zmin=0, zmax=1, text=hover, hoverinfo="text", hoverongaps=False,
        colorbar=dict(title=t("att.plot.weight", lang), thickness=12)))
    side = max(360, min(900, 140 + 22 * T))
    fig = base_layout(fig, title, t("att.plot.keys_axis", lang), t("att.plot.queries_axis", lang),
                      height=side, legend=False, margin=dict(l=110, r=20, t=60, b=110))
    fig.update_yaxes(autorange="reversed", showgrid=False, tickfont=dict(size=11))
    fig.update_xaxes(tickangle=-60, showgrid=False, tickfont=dict(size=11))
    fig.update_layout(plot_bgcolor=MASKED_COLOUR)
    return fig


def encoding_heatmap(encoding: list[list[float]], title: str, lang: str | None = None) -> go.Figure:
    """A positional encoding: positions down, dimensions across."""
    values = [v for row in encoding for v in row]
    top = max(1e-9, max(abs(v) for v in values)) if values else 1.0
    fig = go.Figure(go.Heatmap(
        z=[[round(float(v), 4) for v in row] for row in encoding], colorscale=DIVERGING_SCALE,
        zmin=-top, zmax=top, colorbar=dict(thickness=12),
        hovertemplate=t("att.plot.pe_hover", lang) + "<extra></extra>"))
    fig = base_layout(fig, title, t("att.plot.dims_axis", lang), t("att.plot.positions_axis", lang),
                      height=360, legend=False)
    fig.update_yaxes(autorange="reversed")
    return fig


def waves_figure(encoding: list[list[float]], dims: list[int], title: str,
                 lang: str | None = None) -> go.Figure:
    """Chosen dimensions of an encoding as curves over the positions."""
    palette = [PALETTE["train"], PALETTE["val"], PALETTE["test"], PALETTE["accent"],
               PALETTE["points"], "#7c3aed", "#0891b2", "#be185d"]
    fig = go.Figure()
    positions = list(range(len(encoding)))
    for n, dim in enumerate(dims):
        fig.add_trace(go.Scatter(x=positions, y=[row[dim] for row in encoding], mode="lines",
                                 name=t("att.plot.dim", lang, dim=dim),
                                 line=dict(color=palette[n % len(palette)], width=2)))
    fig = base_layout(fig, title, t("att.plot.positions_axis", lang), t("att.plot.value", lang),
                      height=360, margin=dict(l=50, r=20, t=50, b=90))
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center", yanchor="top"))
    return fig


def similarity_heatmap(similarity: list[list[float]], title: str,
                       lang: str | None = None) -> go.Figure:
    """Every pair of positions compared (dot product): bright = alike."""
    values = [v for row in similarity for v in row]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if math.isclose(low, high):
        high = low + 1.0
    fig = go.Figure(go.Heatmap(
        z=[[round(float(v), 4) for v in row] for row in similarity], colorscale=HEAT_SCALE,
        zmin=low, zmax=high, colorbar=dict(thickness=12),
        hovertemplate=t("att.plot.sim_hover", lang) + "<extra></extra>"))
    fig = base_layout(fig, title, t("att.plot.positions_axis", lang),
                      t("att.plot.positions_axis", lang), height=360, legend=False)
    fig.update_yaxes(autorange="reversed", scaleanchor="x")
    return fig
