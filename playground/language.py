"""The page's language: where it starts, and the switch that redraws it in place.

Where a page starts (DECISIONS 27): the link's `?lang=`, then the choice this browser
made before (kept in a `gr.BrowserState`), then the browser's `Accept-Language` (any
zh* is Chinese), then LLM_PLAYGROUND_LANG, then English.

How the switch works. Gradio serves one page description to every learner, built in
one language; `app.build_app` builds the same page once more in each other language
and `TextSwitch` compares them component by component. Whatever differs (labels,
help texts, choices' names, placeholders, table headers, examples, titles, the text
of static Markdown and buttons) is sent as updates when a learner's language changes,
in one event, with no reload: the session keeps its job, its models and what the
learner typed. A text box still holding its default text gets the new language's
default; typed text stays. What handlers draw (figures, status lines, verdicts) is
redrawn by the tabs' `ctx.on_language` hooks. Gradio's own `gr.I18n` was tried first
(gradio 6.31): it switches labels, info, choices, Markdown and buttons in the browser,
but shows table headers as raw keys, shows a plot's label as "[object Object]" until a
switch, formats no values into a text, and can be switched only through its settings
panel or a function inside a content-hashed bundle file; the catalogue (`t()`) would
still be needed for everything a handler returns.
"""

from __future__ import annotations

import functools
import inspect
from typing import Callable

import gradio as gr

from playground.i18n import LANGUAGES, default_lang

TEXT_PROPS = ("label", "info", "placeholder", "choices", "headers", "samples")
STATIC_TEXT = (gr.Markdown, gr.HTML, gr.Button)    # their value is text a handler never sets


def accept_language(header: str | None) -> str | None:
    """The first language of an Accept-Language header the app speaks (zh-CN, zh-TW… → zh)."""
    ranked = []
    for n, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, n, tag.strip().lower().split("-")[0]))
    for quality, _, lang in sorted(ranked):
        if quality < 0 and lang in LANGUAGES:
            return lang
    return None


def start_language(link: str | None, stored: str | None, header: str | None) -> str:
    """The language a page opens in (see the module docstring)."""
    for lang in (link, stored, accept_language(header)):
        if lang in LANGUAGES:
            return lang
    return default_lang()


def _ordered(demo: gr.Blocks) -> list:
    return [demo.blocks[key] for key in sorted(demo.blocks)]


def _text(block, prop: str):
    return block.constructor_args.get(prop)


class TextSwitch:
    """The updates that turn the page into another language (see the module docstring).

    `builds` holds the same page built in each language (the served one among them);
    `hooked` the ids of components a language hook redraws or the page's load sets
    (their value and choices are theirs)."""

    def __init__(self, page: gr.Blocks, builds: dict[str, gr.Blocks], hooked: set[int]):
        ordered = {lang: _ordered(demo) for lang, demo in builds.items()}
        served = _ordered(page)
        for lang, blocks in ordered.items():
            kinds = [type(b).__name__ for b in blocks]
            if kinds != [type(b).__name__ for b in served]:
                raise RuntimeError(f"the page built in {lang!r} differs in its components: "
                                   "a tab's layout must not depend on the language")
        outputs = {block._id for fn in page.fns.values() for block in fn.outputs}
        self.languages = list(builds)
        self.targets: list = []             # components that change with the language
        self.props: list[dict[str, dict]] = []   # per target: {lang: {prop: value}}
        self.swapped: list = []             # text boxes whose default text is swapped
        self.unowned: list = []             # drawn by handlers, differing, and not redrawn
        for i, block in enumerate(served):
            if block.stateful:
                continue
            per_lang = {lang: ordered[lang][i] for lang in self.languages}
            differs = [prop for prop in TEXT_PROPS + ("value",)
                       if len({repr(_text(b, prop)) for b in per_lang.values()}) > 1]
            if block._id in hooked:
                differs = [p for p in differs if p not in ("choices", "value")]
            elif "value" in differs:
                if isinstance(block, gr.Textbox):
                    self.swapped.append(block)      # switched while it holds a default
                elif not (isinstance(block, STATIC_TEXT) and block._id not in outputs):
                    self.unowned.append(block)
                    differs.remove("value")
            if differs:
                self.targets.append(block)
                self.props.append({lang: {p: _text(b, p) for p in differs}
                                   for lang, b in per_lang.items()})

    def updates(self, lang: str, typed: list) -> list:
        """One update per target for `lang`; `typed` are the swapped boxes' current texts."""
        current = dict(zip((b._id for b in self.swapped), typed))
        out = []
        for block, props in zip(self.targets, self.props):
            update = dict(props[lang])
            if "value" in update and block._id in current:
                defaults = {repr(p["value"]) for p in props.values()}
                if repr(current[block._id]) not in defaults:
                    del update["value"]       # the learner's own text stays
            out.append(gr.update(**update))
        return out


def quiet_redraw(fn: Callable, n_outputs: int, gated: bool) -> Callable:
    """A redraw after a language switch: a problem (no model yet, offline) leaves the
    outputs as they are rather than greeting the learner with an error; with `gated`,
    an empty `_shown` input means there is nothing to redraw."""
    skip = gr.skip() if n_outputs == 1 else tuple(gr.skip() for _ in range(n_outputs))

    @functools.wraps(fn)
    def redraw(*args, _shown=None, **kwargs):
        if gated and not _shown:
            return skip
        try:
            result = fn(*args, **kwargs)
            if inspect.isgenerator(result):
                for result in result:
                    pass
            return result
        except Exception:   # noqa: BLE001 - a redraw never raises; the next action will say why
            return skip
    if gated:
        signature = inspect.signature(fn)
        params = list(signature.parameters.values())
        rest = [p for p in params if p.kind == p.VAR_KEYWORD]
        shown = inspect.Parameter("_shown", inspect.Parameter.KEYWORD_ONLY, default=None)
        redraw.__signature__ = signature.replace(
            parameters=[*(p for p in params if p.kind != p.VAR_KEYWORD), shown, *rest])
    return redraw
