"""The page's header and what happens when a page opens.

The header holds the title, the 中文 / English switch, the "copy a link to this setup"
button with the link it wrote (a Space runs in an iframe that may refuse the clipboard,
so the link is also shown) and a line for notices.

When a page opens (`opened`), one event decides the learner's id and language
(playground/language.py), opens the tab a link names, and sets every tab's controls
from the link and the language's defaults (playground/links.py) — a Chinese page opens
the Pretrain tab on the Tang poems. Values a link got wrong fall back with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from playground.i18n import LANGUAGES, t
from playground.language import TextSwitch, quiet_redraw, start_language
from playground.links import LANG, TAB, TabEntry, link_for, read_lang, read_tab, resolve
from playground.session import AppContext, ensure_learner_id, learner_key

LANG_STORAGE_KEY = "llm-playground-lang"
HEARTBEAT_S = 300.0
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}     # each in its own language, on purpose
# The page's address, read in the browser when the link button is pressed.
PAGE_URL_JS = "(...args) => [...args.slice(0, -1), window.location.href]"
COPY_JS = ("(link) => { if (link && navigator.clipboard) "
           "navigator.clipboard.writeText(link).catch(() => {}); }")
# Gradio's own words (an upload box's "Drop File Here", the footer) follow the browser's
# language; this asks Gradio's frontend to follow the page's instead. Gradio offers no
# public call for it, so this looks for its bundle's `changeLocale` and, if the bundle
# has changed, does nothing: the app's own text never depends on it.
GRADIO_WORDS_JS = """(lang) => {
  const core = performance.getEntriesByType('resource').map(r => r.name)
    .find(name => /\/assets\/core-[^/]*\.js$/.test(name));
  if (core) import(core).then(m => m.changeLocale && m.changeLocale(lang === 'zh' ? 'zh-CN' : 'en'))
    .catch(() => {});
}"""


@dataclass
class Header:
    lang_radio: gr.Radio
    link_btn: gr.Button
    link_box: gr.Textbox
    notice_md: gr.Markdown
    lang_store: gr.BrowserState
    current_tab: gr.State
    page_url: gr.Textbox


def build_header(ctx: AppContext) -> Header:
    """The header's components (call inside the page's gr.Blocks, before the tabs)."""
    lang = ctx.ui_lang
    with gr.Row(equal_height=True):
        gr.Markdown(f"# {t('app.title', lang)}\n{t('app.intro', lang)}")
        with gr.Column(scale=0, min_width=220):
            lang_radio = gr.Radio([(LANGUAGE_NAMES[code], code) for code in ("zh", "en")],
                                  value=lang, label="中文 / English", show_label=False,
                                  container=False, elem_id="language-switch")
            link_btn = gr.Button(t("link.button", lang), size="sm")
    link_box = gr.Textbox(label=t("link.box", lang), visible=False, interactive=False,
                          buttons=["copy"])
    notice_md = gr.Markdown(elem_id="page-notices")
    return Header(lang_radio, link_btn, link_box, notice_md,
                  gr.BrowserState(None, storage_key=LANG_STORAGE_KEY), gr.State(None),
                  gr.Textbox(visible=False))


def _setup_outputs(tabs: dict[str, TabEntry]) -> list:
    """Every component a link or a cascade may set, each once, in a fixed order."""
    seen: dict[int, object] = {}
    for entry in tabs.values():
        for link in entry.links:
            seen.setdefault(link.component._id, link.component)
        for cascade in entry.cascades.values():
            for component in cascade.outputs:
                seen.setdefault(component._id, component)
    return list(seen.values())


def _unchanged(component, value) -> bool:
    if isinstance(value, dict):       # a gr.update from a cascade
        return all(component.constructor_args.get(k, getattr(component, k, None)) == v
                   for k, v in value.items() if k != "__type__")
    return value == component.value


def wire(demo: gr.Blocks, ctx: AppContext, header: Header, texts: TextSwitch,
         tabs_layout: gr.Tabs) -> None:
    """The page's load, the language switch and the link button (call after every tab)."""
    setup_outputs = _setup_outputs(ctx.tabs)
    all_links = [link for entry in ctx.tabs.values() for link in entry.links]

    def opened(learner, stored, request: gr.Request):
        params = dict(request.query_params) if request else {}
        headers = request.headers if request else {}
        lang = start_language(params.get(LANG), stored, headers.get("accept-language"))
        tab_id, notices = read_tab(ctx.tabs, params, lang)
        notices += read_lang(params, lang)
        values: dict[int, object] = {}
        for entry in ctx.tabs.values():
            setup = resolve(entry, params if entry.id == tab_id else {}, lang)
            values.update({c._id: v for c, v in setup.values.items()})
            notices += setup.notices
        updates = [gr.skip() if _unchanged(c, values.get(c._id, c.value)) else values[c._id]
                   for c in setup_outputs]
        notice = "\n\n".join(f"⚠ {line}" for line in notices)
        # Only a link that names a tab moves the page there: a learner who clicked a tab
        # before this answer arrived stays where they clicked.
        tab = (gr.Tabs(selected=tab_id), tab_id) if TAB in params else (gr.skip(), gr.skip())
        return (ensure_learner_id(learner), lang, lang, lang, *tab, notice, *updates)

    opening = demo.load(opened, [ctx.learner, header.lang_store],
              [ctx.learner, ctx.lang, header.lang_store, header.lang_radio, tabs_layout,
               header.current_tab, header.notice_md, *setup_outputs],
              api_visibility="private", concurrency_limit=None, show_progress="hidden")

    # Pages poll only while a job can bring news; an open page still says it is here every
    # few minutes, so a learner reading without a job keeps their models (the registry
    # forgets a learner not seen for its learner_ttl, an hour by default).
    def still_here(learner, lang, request: gr.Request):
        try:
            ctx.registry.touch(learner_key(learner, request, lang))
        except gr.Error:
            pass
    gr.Timer(HEARTBEAT_S).tick(still_here, [ctx.learner, ctx.lang], None,
                               api_visibility="private", concurrency_limit=None,
                               show_progress="hidden")

    def switch(choice):
        lang = choice if choice in LANGUAGES else ctx.ui_lang
        return lang, lang
    header.lang_radio.input(switch, header.lang_radio, [ctx.lang, header.lang_store],
                            api_visibility="private", concurrency_limit=None,
                            show_progress="hidden")
    # Gradio's own words: to the page's language once it has opened, and at every switch.
    opening.then(None, header.lang_radio, None, js=GRADIO_WORDS_JS)
    header.lang_radio.change(None, header.lang_radio, None, js=GRADIO_WORDS_JS)
    # First every label and default text, then what the tabs' handlers draw, so a redraw
    # reads the text boxes as they are in the new language.
    switched = ctx.lang.change(lambda lang, *typed: texts.updates(lang, list(typed)),
                               [ctx.lang, *texts.swapped], texts.targets,
                               api_visibility="private", concurrency_limit=None,
                               show_progress="hidden")
    events = {}
    for hook in ctx.hooks:     # an `after` hook is always registered before its followers
        gated = hook.when_shown is not None
        kwargs = {**hook.inputs_kwargs, **({"_shown": hook.when_shown} if gated else {})}
        trigger = events[id(hook.after)] if hook.after is not None else switched
        events[id(hook)] = trigger.then(
            quiet_redraw(hook.fn, len(hook.outputs), gated), hook.inputs, hook.outputs,
            inputs_kwargs=kwargs or None, api_visibility="private", show_progress="hidden",
            concurrency_limit=None)

    for entry in ctx.tabs.values():
        entry.page.select(lambda tab_id=entry.id: tab_id, None, header.current_tab,
                          api_visibility="private", concurrency_limit=None,
                          show_progress="hidden")

    def write_link(tab_id, lang, *values):
        *values, page_url = values
        entry = ctx.tabs.get(tab_id) or next(iter(ctx.tabs.values()))
        current = {link.name: value for link, value in zip(all_links, values)
                   if any(link is mine for mine in entry.links)}
        link, notices = link_for(entry, current, lang, page_url)
        return (gr.update(value=link, visible=True),
                "\n\n".join(f"⚠ {line}" for line in notices))

    header.link_btn.click(write_link, [header.current_tab, ctx.lang,
                                       *(link.component for link in all_links), header.page_url],
                          [header.link_box, header.notice_md], js=PAGE_URL_JS,
                          api_visibility="private", concurrency_limit=None).then(
        None, header.link_box, None, js=COPY_JS)
