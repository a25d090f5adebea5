"""Preference-alignment (DPO) figures: rewards and margin, preference and form, poems."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from playground.i18n import t
from playground.plots.style import PALETTE, base_layout

_TABLE_STYLE = ('<style>.dpo td,.dpo th{border-bottom:1px solid #e5e7eb;padding:4px 8px;'
                'vertical-align:top;text-align:left}.dpo td.poem{white-space:pre-wrap;'
                'font-family:ui-monospace,monospace}</style>')


def _line(fig: go.Figure, evals: list, key: str, name: str, colour: str, dash: str = "solid",
          yaxis: str = "y") -> None:
    points = [(e.step, e.metrics[key]) for e in evals if key in e.metrics]
    if points:
        fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points],
                                 mode="lines+markers", name=name, yaxis=yaxis,
                                 line=dict(color=colour, dash=dash)))


def rewards_figure(evals: list, lang: str | None = None) -> go.Figure:
    """The chosen and rejected rewards (β · log-ratio) of the training pairs and their
    margin at each evaluation; on the right axis the policy's mean log-probability of
    the chosen answers, whose fall is the usual sign of a run drifting too far."""
    fig = go.Figure()
    _line(fig, evals, "train_chosen_reward", t("dpo.plot.chosen", lang), PALETTE["train"])
    _line(fig, evals, "train_rejected_reward", t("dpo.plot.rejected", lang), PALETTE["val"])
    _line(fig, evals, "train_margin", t("dpo.plot.margin", lang), "#16a34a")
    _line(fig, evals, "train_chosen_logprob", t("dpo.plot.chosen_logprob", lang), "#6b7280",
          dash="dot", yaxis="y2")
    fig = base_layout(fig, t("dpo.plot.rewards_title", lang), t("dpo.plot.step", lang),
                      t("dpo.plot.reward", lang))
    fig.update_layout(yaxis2=dict(title=t("dpo.plot.logprob", lang), overlaying="y",
                                  side="right", showgrid=False), **_LEGEND_BELOW)
    return fig


# Four (or three) long entries in two figures side by side: below the plot, where they
# cannot run over the title.
_LEGEND_BELOW = dict(legend=dict(orientation="h", y=-0.28, yanchor="top", x=0.5, xanchor="center"),
                     height=430, margin=dict(l=60, r=60, t=50, b=110))


def preference_figure(evals: list, lang: str | None = None) -> go.Figure:
    """Preference accuracy on the training and evaluation pairs, and the share of
    five-character poems for the fixed titles, at each evaluation."""
    fig = go.Figure()
    _line(fig, evals, "train_accuracy", t("dpo.plot.train_accuracy", lang), PALETTE["train"])
    _line(fig, evals, "val_accuracy", t("dpo.plot.val_accuracy", lang), PALETTE["val"])
    _line(fig, evals, "five_share", t("dpo.plot.five_share", lang), "#16a34a", dash="dash")
    fig = base_layout(fig, t("dpo.plot.preference_title", lang), t("dpo.plot.step", lang),
                      t("dpo.plot.share", lang))
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    fig.update_layout(**_LEGEND_BELOW)
    return fig


def pairs_html(pairs: list[tuple[str, str, str]], lang: str | None = None) -> str:
    """Pairs side by side: the title, the chosen answer, the rejected one."""
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>"
                   for k in ("dpo.col_title", "dpo.col_chosen", "dpo.col_rejected"))
    body = "".join(f'<tr><td>{html.escape(title)}</td><td class="poem">{html.escape(chosen)}</td>'
                   f'<td class="poem">{html.escape(rejected)}</td></tr>'
                   for title, chosen, rejected in pairs)
    return (f'<div class="dpo dpo-pairs"><table style="width:100%;border-collapse:collapse">'
            f"{_TABLE_STYLE}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def poems_html(rows: list[tuple[str, str, bool]], lang: str | None = None,
               step: int | None = None) -> str:
    """The poems for the fixed titles: title, poem, ✓ when it is five-character."""
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>"
                   for k in ("dpo.col_title", "dpo.col_poem", "dpo.col_five"))
    body = "".join(f'<tr><td>{html.escape(title)}</td><td class="poem">{html.escape(poem) or "–"}</td>'
                   f'<td>{"✓" if five else ""}</td></tr>' for title, poem, five in rows)
    caption = (f"<caption>{html.escape(t('dpo.poems_at', lang, step=step))}</caption>"
               if step is not None else "")
    return (f'<div class="dpo dpo-poems" style="max-height:520px;overflow-y:auto">'
            f'<table style="width:100%;border-collapse:collapse">{_TABLE_STYLE}{caption}'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def before_after_html(rows: list[tuple[str, str, bool, str, bool]], lang: str | None = None) -> str:
    """The same titles and seed, before alignment and after, side by side."""
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>"
                   for k in ("dpo.col_title", "dpo.col_before", "dpo.col_after"))
    mark = lambda five: ' <b title="five">✓</b>' if five else ""  # noqa: E731
    body = "".join(
        f'<tr><td>{html.escape(title)}</td><td class="poem">{html.escape(before) or "–"}{mark(b5)}</td>'
        f'<td class="poem">{html.escape(after) or "–"}{mark(a5)}</td></tr>'
        for title, before, b5, after, a5 in rows)
    return (f'<div class="dpo dpo-before-after"><table style="width:100%;border-collapse:collapse">'
            f"{_TABLE_STYLE}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")
