"""Plotly figures shared by the tabs. Each takes plain numbers, never tensors."""

from __future__ import annotations

import plotly.graph_objects as go

from playground.i18n import t

TRAIN_COLOUR, VAL_COLOUR = "#2563eb", "#dc2626"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, log_y: bool = False) -> go.Figure:
    fig.update_layout(title=title, margin=dict(l=50, r=20, t=50, b=45), height=380,
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
                      template="plotly_white")
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, type="log" if log_y else "linear")
    return fig


def loss_figure(steps: list[tuple[int, float]], evals: list, log_y: bool = False,
                lang: str | None = None) -> go.Figure:
    """Training loss of every step (faint), and train/validation loss at evaluations."""
    fig = go.Figure()
    if steps:
        fig.add_trace(go.Scatter(x=[s[0] for s in steps], y=[s[1] for s in steps], mode="lines",
                                 name=t("plot.step_loss", lang), line=dict(color=TRAIN_COLOUR, width=1),
                                 opacity=0.35))
    if evals:
        xs = [e.tokens_seen for e in evals]
        fig.add_trace(go.Scatter(x=xs, y=[e.train_loss for e in evals], mode="lines+markers",
                                 name=t("plot.train_loss", lang), line=dict(color=TRAIN_COLOUR)))
        fig.add_trace(go.Scatter(x=xs, y=[e.val_loss for e in evals], mode="lines+markers",
                                 name=t("plot.val_loss", lang), line=dict(color=VAL_COLOUR)))
    return _layout(fig, t("plot.loss_title", lang), t("plot.tokens_seen", lang),
                   t("plot.loss", lang), log_y)
