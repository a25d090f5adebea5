"""One look for every figure: the palette and the layout helper all builders use."""

from __future__ import annotations

import plotly.graph_objects as go

PALETTE = {
    # data series
    "train": "#2563eb",        # blue: training, "kept", the path
    "val": "#dc2626",          # red: validation, "drawn", "now"
    "test": "#16a34a",         # green: test, the best point, the true line
    "light": "#93c5fd",        # light blue: a plain (unfiltered) series
    "accent": "#f59e0b",       # amber: cumulative lines, the current batch
    "muted": "#9ca3af",        # grey: what was removed or is out of play
    "faint": "#d1d5db",
    "ink": "#334155",          # text and outlines
    "curve": "#94a3b8",
    "points": "#64748b",
}
# A heatmap's colours: white (0) → dark blue (1).
HEAT_SCALE = [[0.0, "#ffffff"], [0.25, "#c7d7fe"], [0.6, "#4f7df0"], [1.0, "#1e3a8a"]]
# Diverging: red (−) → white (0) → blue (+).
DIVERGING_SCALE = [[0.0, "#b91c1c"], [0.5, "#ffffff"], [1.0, "#1d4ed8"]]


def base_layout(fig: go.Figure, title: str, x_title: str | None = None,
                y_title: str | None = None, *, height: int = 380, log_y: bool = False,
                legend: bool = True, margin: dict | None = None) -> go.Figure:
    """The shared layout: white template, title, axis titles, legend on top right."""
    fig.update_layout(title=title, height=height, template="plotly_white",
                      margin=margin or dict(l=50, r=20, t=50, b=45), showlegend=legend,
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def play_menu(frames: list[dict], play: str, pause: str, duration: int, **place) -> dict:
    """Play and pause buttons for an animation. Gradio hands a figure to `Plotly.react`
    without its frames, so the buttons carry the frames inline (`Plotly.animate` takes
    frame objects as well as names). `place`: the menu's x, y and anchors."""
    go_on = dict(frame=dict(duration=duration, redraw=True), transition=dict(duration=0),
                 fromcurrent=False, mode="immediate")
    stop = dict(frame=dict(duration=0, redraw=True), transition=dict(duration=0), mode="immediate")
    return dict(type="buttons", direction="left", showactive=False, pad=dict(r=10, t=0),
                buttons=[dict(label=play, method="animate", args=[frames, go_on]),
                         dict(label=pause, method="animate", args=[[None], stop])], **place)
