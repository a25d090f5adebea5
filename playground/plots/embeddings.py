"""Embedding maps: tokens (or positions) as points on the plane of their two main
directions of spread, coloured by a simple class, and the film of a map forming while
a model trains. Plain numbers in, Plotly out.

The film carries its frames inline in the play button (Gradio drops `figure.frames`);
every frame moves the same points, one trace per class, on fixed axes.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from core.embeddings import CLASSES
from playground.i18n import t
from playground.plots.style import PALETTE, base_layout, play_menu

CLASS_COLOURS = {
    "vowel": PALETTE["val"], "consonant": PALETTE["train"], "digit": PALETTE["test"],
    "punctuation": PALETTE["accent"], "space": PALETTE["muted"], "cjk": "#7c3aed",
    "word": "#0891b2", "piece": "#db2777", "other": PALETTE["ink"],
}
POSITION_SCALE = "Viridis"
FRAME_MS = 400


def _axis_range(points: list[list[list[float]]]) -> list[float]:
    """One symmetric range that holds every point of every frame, with a margin."""
    reach = max((abs(v) for frame in points for point in frame for v in point), default=1.0)
    return [-1.12 * reach, 1.12 * reach]


def _by_class(classes: list[str]) -> list[tuple[str, list[int]]]:
    """(class, the indices of its points), in the order of CLASSES, empty ones left out."""
    groups = [(name, [i for i, c in enumerate(classes) if c == name]) for name in CLASSES]
    return [(name, rows) for name, rows in groups if rows]


def _class_traces(points: list[list[float]], groups) -> list[dict]:
    """The moving part of a frame: each class's x and y."""
    return [dict(type="scatter", x=[points[i][0] for i in rows], y=[points[i][1] for i in rows])
            for _, rows in groups]


def _square(fig: go.Figure, axis: list[float]) -> None:
    """Equal scales on both axes (a circle stays a circle), no ticks: only the
    arrangement means anything, not the numbers."""
    fig.update_xaxes(range=axis, showticklabels=False, zeroline=False, title_text="")
    fig.update_yaxes(range=axis, showticklabels=False, zeroline=False, scaleanchor="x",
                     scaleratio=1, title_text="")


def token_map(points: list[list[float]], labels: list[str], classes: list[str],
              labelled: list[bool], hover: list[str], title: str, lang: str | None = None,
              axis: list[float] | None = None) -> go.Figure:
    """Tokens as points, one colour per class; `labelled` points show their token,
    every point shows `hover` (the token and its nearest neighbours)."""
    groups = _by_class(classes)
    fig = go.Figure()
    for (name, rows), moving in zip(groups, _class_traces(points, groups)):
        moving.pop("type")
        fig.add_trace(go.Scatter(
            **moving, mode="markers+text", name=t(f"emb.class.{name}", lang),
            text=[html.escape(labels[i]) if labelled[i] else "" for i in rows],
            textposition="top center", textfont=dict(size=11, color=CLASS_COLOURS[name]),
            marker=dict(color=CLASS_COLOURS[name], size=8, opacity=0.85),
            hovertext=[hover[i] for i in rows], hoverinfo="text"))
    fig = base_layout(fig, title, height=620, margin=dict(l=20, r=20, t=60, b=40))
    fig.update_layout(legend=dict(orientation="h", y=-0.02, x=0.5, xanchor="center", yanchor="top"))
    _square(fig, axis or _axis_range([points]))
    return fig


def position_map(points: list[list[float]], labelled: list[bool], hover: list[str], title: str,
                 lang: str | None = None) -> go.Figure:
    """Position vectors as points joined in order, coloured from the first position
    to the last: learned positions that vary smoothly draw a smooth curve."""
    positions = list(range(len(points)))
    fig = go.Figure(go.Scatter(
        x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers+text",
        line=dict(color=PALETTE["faint"], width=1),
        marker=dict(color=positions, colorscale=POSITION_SCALE, size=8,
                    colorbar=dict(title=t("emb.plot.position", lang), thickness=12)),
        text=[str(i) if labelled[i] else "" for i in positions], textposition="top center",
        hovertext=hover, hoverinfo="text"))
    fig = base_layout(fig, title, height=620, legend=False, margin=dict(l=20, r=20, t=60, b=20))
    _square(fig, _axis_range([points]))
    return fig


def map_film(frames: list[list[list[float]]], labels: list[str], classes: list[str],
             labelled: list[bool], titles: list[str], shown: int,
             lang: str | None = None) -> go.Figure:
    """The map at frame `shown`, with a play button that runs every frame from the
    first (each frame: its points and its title) on axes that hold them all."""
    axis = _axis_range(frames)
    hover = [f"{html.escape(label)} · {t(f'emb.class.{cls}', lang)}"
             for label, cls in zip(labels, classes)]
    fig = token_map(frames[shown], labels, classes, labelled, hover, titles[shown], lang, axis)
    groups = _by_class(classes)
    moving = list(range(len(groups)))
    inline = [dict(name=str(n), traces=moving, data=_class_traces(points, groups),
                   layout=dict(title=dict(text=titles[n])))
              for n, points in enumerate(frames)]
    fig.frames = [go.Frame(**frame) for frame in inline]
    fig.update_layout(updatemenus=[play_menu(inline, t("emb.plot.play", lang),
                                             t("emb.plot.pause", lang), FRAME_MS,
                                             x=0, xanchor="left", y=1.0, yanchor="bottom")],
                      margin=dict(l=20, r=20, t=90, b=40))
    return fig
