"""Who is this learner, in which language, and what each tab registers with the app.

A learner is not a page load: Gradio's `session_hash` changes on every refresh, so a
learner id is kept in the browser (`gr.BrowserState`) and a refresh re-attaches to
the running job. API clients without a browser fall back to the session hash.

The one object shared by every session is the job registry (training jobs, each
learner's models, behind the registry's own lock). `app.build_app` makes it and hands
it to every tab in the `AppContext`, with the two per-learner values every handler
takes as inputs: the learner id and the language.

Registering a tab
-----------------
A tab's `build(ctx)` registers what the app needs to know about it through four calls,
so links, the "copy a link" button, lesson cards and the language switch share one
table (`ctx.tabs`) and a new tab gets all of them with a few lines:

- `with ctx.tab(tab_id, title_key, card_key) as page:` opens the tab (`gr.Tab`) with its
  collapsible lesson card (`card_key`, a catalogue entry) on top. `tab_id` is what a
  link's `?tab=` names; the tab's panel in the page is `#{tab_id}-tab`.
- `ctx.link(name, component, rng=None, *, private=(), default=None)` lets a URL set
  `component` as `?name=value`: a number is checked against its `Range`; a choice
  against the component's choices, except `private` ones (pasted text, uploads), which
  cannot travel in a URL; `default` maps a language to the default it has there
  ({"zh": "tang"}). Links resolve in the order they are registered; use the widget's
  API name (its handler's parameter) as `name`, so a link and a script say the same.
- `ctx.cascade(trigger, fn, outputs)`: when the learner picks a value of `trigger`,
  `fn(lang, value)` gives the `outputs`' new values (a corpus chooses its preset, a
  preset its sizes). Wired on `.input` (the learner's own changes), so a link's values
  are not overwritten; a link runs the same cascade before its later values apply.
- `ctx.on_language(fn, inputs, outputs, *, inputs_kwargs=None, when_shown=None,
  after=None)`: after a language switch, `fn` redraws `outputs` (figures, status lines,
  lists built by handlers) in the new language; with `when_shown`, only if that
  component shows something already; with `after` (what an earlier call returned),
  once that redraw is done. Every label, choice, help text, title and static text is
  switched by the app itself.

Static text is written with `t(key, ctx.ui_lang)` as before: the app builds the page once
per language and the switch sends the difference (playground/language.py), so a tab's
layout must not depend on the language; a default that does (the Tang story in Chinese)
is a link's `default=`, applied when a page opens.

    with ctx.tab("gd-lab", "gd.tab", "gd.card"):
        lr_sl = ctx.link("lr", slider(LR, t("gd.lr", lang)), LR)
        ...
        ctx.on_language(_run_lab, [ctx.lang, *lab_inputs], [lab_plot, status_md])
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import gradio as gr

from core.jobs import JobRegistry
from playground.i18n import check_lang, default_lang, t
from playground.inputs import Range
from playground.links import Cascade, Link, TabEntry

STORAGE_KEY = "llm-playground-learner"


@dataclass
class LanguageHook:
    fn: Callable
    inputs: list
    outputs: list
    inputs_kwargs: dict = field(default_factory=dict)
    when_shown: object = None
    after: "LanguageHook | None" = None


@dataclass
class AppContext:
    """What every tab's build() receives."""

    registry: JobRegistry
    learner: gr.BrowserState | None = None     # the learner id, kept in the browser
    lang: gr.State | None = None               # the learner's language ("en" / "zh")
    ui_lang: str = "en"                        # the language static labels are built in
    tabs: dict[str, TabEntry] = field(default_factory=dict)   # in the page's order
    hooks: list[LanguageHook] = field(default_factory=list)
    _open: TabEntry | None = None
    _cascade_events: dict = field(default_factory=dict)    # a cascade's event, by trigger id

    @classmethod
    def create(cls, registry: JobRegistry | None = None, lang: str | None = None) -> "AppContext":
        """The context for one app (call inside gr.Blocks: it makes two state components)."""
        ui_lang = check_lang(lang or default_lang())
        return cls(registry=registry or JobRegistry(),
                   learner=gr.BrowserState(None, storage_key=STORAGE_KEY),
                   lang=gr.State(ui_lang), ui_lang=ui_lang)

    # ----- the registration API (see the module docstring) -------------------------
    @contextmanager
    def tab(self, tab_id: str, title_key: str, card_key: str | None = None) -> Iterator[gr.Tab]:
        """Open tab `tab_id` titled `t(title_key)`, its lesson card on top."""
        entry = TabEntry(tab_id, title_key, card_key)
        self.tabs[tab_id] = entry
        with gr.Tab(t(title_key, self.ui_lang), id=tab_id, elem_id=f"{tab_id}-tab") as page:
            entry.page, self._open = page, entry
            if card_key:
                with gr.Accordion(t("lesson.title", self.ui_lang), open=False,
                                  elem_classes=["lesson-card"]):
                    gr.Markdown(t(card_key, self.ui_lang))
            try:
                yield page
            finally:
                self._open = None

    def link(self, name: str, component, rng: Range | None = None, *, private: tuple = (),
             default: dict | None = None):
        """Let a URL set `component` as `?name=…` (returns the component)."""
        entry = self._entry("link")
        if entry.link(name) is not None:
            raise ValueError(f"tab {entry.id!r} already has a link named {name!r}")
        entry.links.append(Link(name, component, rng, tuple(private), dict(default or {})))
        return component

    def cascade(self, trigger, fn: Callable, outputs: list) -> None:
        """When the learner picks a value of `trigger`, fn(lang, value) sets `outputs`.
        A cascade whose outputs hold another's trigger runs that one next (the corpus sets
        the preset, and the preset its sizes), as a click on it would: a value set by a
        handler fires no `.input` of its own."""
        cascades = self._entry("cascade").cascades
        cascade = Cascade(trigger, fn, _as_list(outputs))
        cascades[trigger._id] = cascade
        event = trigger.input(fn, [self.lang, trigger], outputs, api_visibility="private",
                              concurrency_limit=None)
        self._cascade_events[trigger._id] = event
        for other in list(cascades.values()):
            if other is not cascade and trigger._id in {o._id for o in other.outputs}:
                self._then(self._cascade_events[other.trigger._id], cascade)
            if other is not cascade and other.trigger._id in {o._id for o in cascade.outputs}:
                self._then(event, other)

    def _then(self, event, cascade: Cascade) -> None:
        event.then(cascade.fn, [self.lang, cascade.trigger], cascade.outputs,
                   api_visibility="private", concurrency_limit=None, show_progress="hidden")

    def on_language(self, fn: Callable, inputs: list, outputs: list, *,
                    inputs_kwargs: dict | None = None, when_shown=None,
                    after: "LanguageHook | None" = None) -> "LanguageHook":
        """After a language switch, fn(*inputs, **inputs_kwargs) redraws `outputs` (see the
        module docstring). The app runs it once the labels and default texts have switched
        (and once hook `after` has, for a redraw that reads what that one writes)."""
        hook = LanguageHook(fn, _as_list(inputs), _as_list(outputs), dict(inputs_kwargs or {}),
                            when_shown, after)
        self.hooks.append(hook)
        return hook

    def _entry(self, what: str) -> TabEntry:
        if self._open is None:
            raise RuntimeError(f"ctx.{what}() belongs inside `with ctx.tab(...)`")
        return self._open


def _as_list(components) -> list:
    return list(components) if isinstance(components, (list, tuple)) else [components]


def ensure_learner_id(current: str | None) -> str:
    """demo.load handler: give a new browser its id, keep an existing one."""
    return current if isinstance(current, str) and len(current) >= 8 else uuid.uuid4().hex


def learner_key(browser_id: str | None, request: gr.Request | None, lang: str | None = None) -> str:
    if isinstance(browser_id, str) and len(browser_id) >= 8:
        return browser_id
    if request is not None and getattr(request, "session_hash", None):
        return f"session-{request.session_hash}"
    raise gr.Error(t("err.no_session", lang))
