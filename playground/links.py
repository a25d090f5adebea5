"""Workshop links: a URL that opens the app on one tab in a given setup, and the button
that writes the current setup into one.

    ?tab=pretrain&corpus=tang&preset=tang-char&layers=3&lang=zh

`tab` and `lang` are the app's; every other parameter belongs to the tab the link
opens, under the name the tab registered it with (`AppContext.link`, see
playground/session.py). The same table serves three readers:
- `resolve` turns a link's parameters into the values of the tab's controls. A control
  the link does not set gets its default: the built one, the language's (`default=`),
  or what an earlier control's cascade chose (a corpus chooses its preset, a preset its
  sizes), exactly as if the learner had picked the earlier value by hand. A value that
  is unknown, out of its `Range`, off the slider's steps or private (pasted or
  uploaded text cannot travel in a URL) falls back to the default with a notice;
  nothing here raises.
- `link_for` writes a setup back as a link: only what differs from what the link
  would give anyway, so links stay short and read like the setup.
- the lesson card of a tab sits in the same `TabEntry`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode

import gradio as gr

from playground.i18n import LANGUAGES, t
from playground.inputs import Range

TAB, LANG = "tab", "lang"
SPACE_ENV = "SPACE_ID"


@dataclass
class Link:
    """One control a URL may set."""

    name: str                                   # the URL parameter (and the API name)
    component: gr.components.Component
    rng: Range | None = None                    # numbers: checked against the control's Range
    private: tuple = ()                         # choices that cannot travel in a link
    default: dict = field(default_factory=dict)  # language → default, where not the built one

    def built(self, lang: str):
        return self.default.get(lang, self.component.value)

    def choices(self) -> list:
        return [value for _, value in getattr(self.component, "choices", None) or []]

    def parse(self, raw: str):
        """The value `raw` stands for, or None when it is not allowed here."""
        if self.rng is not None:
            return self.rng.check(raw)
        if raw in self.private:
            return None
        choices = self.choices()
        if choices:
            return raw if raw in choices else None
        return raw

    def format(self, value) -> str:
        if self.rng is not None and self.rng.whole:
            return str(int(value))
        return repr(float(value)) if self.rng is not None else str(value)

    def same(self, a, b) -> bool:
        if self.rng is not None:
            try:
                return abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(b)))
            except (TypeError, ValueError):
                return False
        return a == b

    def shown(self, value) -> str:
        """A value as a notice shows it: a choice by its label in the page."""
        labels = {v: label for label, v in getattr(self.component, "choices", None) or []}
        return str(labels.get(value, value))


@dataclass
class Cascade:
    """What choosing a value of `trigger` sets: fn(lang, value) gives the `outputs`' values."""

    trigger: gr.components.Component
    fn: Callable
    outputs: list


@dataclass
class TabEntry:
    """What a tab registered: its id, title, lesson card, links and cascades."""

    id: str
    title_key: str
    card_key: str | None = None
    links: list[Link] = field(default_factory=list)
    cascades: dict[int, Cascade] = field(default_factory=dict)   # by the trigger's id
    page: gr.Tab | None = None

    def link(self, name: str) -> Link | None:
        return next((link for link in self.links if link.name == name), None)


@dataclass
class Resolved:
    """A setup: the value of every control a link or a cascade set, and what was refused."""

    values: dict = field(default_factory=dict)          # component → value or gr.update
    params: dict[str, str] = field(default_factory=dict)  # for link_for: what a link needs
    notices: list[str] = field(default_factory=list)


def resolve(entry: TabEntry, params: dict[str, str], lang: str,
            writing: bool = False) -> Resolved:
    """The tab's controls as the link `params` sets them (see the module docstring).

    With `writing`, `params` are the page's current values and the result's `params`
    hold the ones a link must carry to give them back."""
    out, defaults = Resolved(), {}
    for name in params:
        if not writing and name not in (TAB, LANG) and not name.startswith("__") \
                and entry.link(name) is None:
            out.notices.append(t("link.notice.unknown", lang, name=name,
                                 tab=t(entry.title_key, lang)))
    for link in entry.links:
        default = defaults.get(link.component._id, link.built(lang))
        value, raw = default, params.get(link.name)
        if raw is not None:
            parsed = link.parse(raw)
            if parsed is None and raw in link.private:
                out.notices.append(t("link.notice.private", lang, default=link.shown(default)))
            elif parsed is None:
                out.notices.append(_refusal(link, raw, default, lang))
            elif not link.same(parsed, default):
                value = parsed
                out.params[link.name] = link.format(parsed)
        out.values[link.component] = value
        cascade = entry.cascades.get(link.component._id)
        if cascade is not None:
            for component, result in zip(cascade.outputs, cascade.fn(lang, value)):
                defaults[component._id] = result
                out.values[component] = result
    return out


def _refusal(link: Link, raw, default, lang: str) -> str:
    shown = raw if len(str(raw)) <= 40 else str(raw)[:40] + "…"
    if link.rng is not None:
        low, high = (int(x) if link.rng.whole else x for x in (link.rng.low, link.rng.high))
        return t("link.notice.range", lang, name=link.name, value=shown, low=low, high=high,
                 default=link.shown(default))
    return t("link.notice.choice", lang, name=link.name, value=shown,
             default=link.shown(default))


def link_for(entry: TabEntry, current: dict[str, object], lang: str, page_url: str
             ) -> tuple[str, list[str]]:
    """A link that opens `entry` with the `current` values ({name: value}) of its controls,
    and the notices for what could not go in it."""
    setup = resolve(entry, current, lang, writing=True)
    query = {TAB: entry.id, LANG: lang, **setup.params}
    return f"{page_base(page_url)}?{urlencode(query)}", setup.notices


def page_base(page_url: str | None) -> str:
    """Where a link points: on a Space its public page (the Space runs in an iframe whose
    own address a learner cannot open, and the page hands its query to the app only on
    first load); elsewhere the address the page was opened at, without its query."""
    space = os.environ.get(SPACE_ENV)
    if space:
        return f"https://huggingface.co/spaces/{space}"
    base = (page_url or "").split("?", 1)[0].split("#", 1)[0]
    return base or "/"


def read_tab(entries: dict[str, TabEntry], params: dict[str, str], lang: str
             ) -> tuple[str, list[str]]:
    """The tab a link opens (the first one when it names none), and a notice if it named
    one that does not exist."""
    first = next(iter(entries))
    wanted = params.get(TAB)
    if wanted is None or wanted in entries:
        return wanted or first, []
    return first, [t("link.notice.tab", lang, value=str(wanted)[:40],
                     default=t(entries[first].title_key, lang))]


def read_lang(params: dict[str, str], lang: str) -> list[str]:
    """A notice when the link names a language the app does not have."""
    wanted = params.get(LANG)
    if wanted is None or wanted in LANGUAGES:
        return []
    return [t("link.notice.lang", lang, value=str(wanted)[:40])]
