"""LLM Playground: build, train and poke a GPT in the browser.

`build_app()` composes the tabs and returns the Blocks without serving it (tests
build it directly); `python app.py` launches it. Host and port come from Gradio's
usual GRADIO_SERVER_NAME / GRADIO_SERVER_PORT variables.

The top of this file imports nothing heavy on purpose: each training job's process
imports the main module again (Python's multiprocessing does), and gradio is not
needed there.
"""

from __future__ import annotations

import os

# No analytics, no telemetry: the app makes no outside request of its own.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Gradio's queue rebuilds a summary of past events (a pandas DataFrame of up to 10,000 of
# them, for its monitoring page) once this many events have run since the last one; the
# default, 1, rebuilds it after every event. With a room polling once a second that was
# more than a quarter of the server's busy time: rebuild it rarely.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "5000")

TAB_MODULES = ("tokenizer_tab", "pretrain_tab", "sampling_tab", "attention_tab", "inside_tab",
               "embeddings_tab", "ablation_tab", "spam_tab", "instruct_tab", "align_tab", "gd_tab")


def _page(registry, lang: str | None):
    """The page in one language: the header, then every tab; (demo, ctx, header, tabs)."""
    import importlib

    import gradio as gr

    from playground.header import build_header
    from playground.i18n import t
    from playground.session import AppContext

    # Files handed to browsers (downloads, exports) are copied into Gradio's cache:
    # every 10 minutes, those older than an hour are deleted.
    with gr.Blocks(title=t("app.title", lang), analytics_enabled=False,
                   delete_cache=(600, 3600)) as demo:
        ctx = AppContext.create(registry, lang)
        header = build_header(ctx)
        # Eleven tabs: on a narrow screen they wrap onto a second row rather than hide in a
        # "…" menu, so every tab an instructor names is in sight.
        with gr.Tabs(overflow_behavior="wrap") as tabs:
            for name in TAB_MODULES:
                importlib.import_module(f"playground.{name}").build(ctx)
    return demo, ctx, header, tabs


def build_app(registry=None, lang: str | None = None):
    """Every tab in one Blocks; each tab's build() gets the shared AppContext.

    The page is built once more in every other language: the language switch sends the
    difference (playground/language.py)."""
    from core.jobs import JobRegistry
    from playground.header import wire
    from playground.i18n import LANGUAGES
    from playground.language import TextSwitch

    registry = registry or JobRegistry()
    demo, ctx, header, tabs = _page(registry, lang)
    builds = {ctx.ui_lang: demo}
    builds.update({other: _page(registry, other)[0] for other in LANGUAGES if other != ctx.ui_lang})
    hooked = {component._id for hook in ctx.hooks for component in hook.outputs}
    hooked.add(header.lang_radio._id)          # the page's load sets it
    switch = TextSwitch(demo, builds, hooked)
    with demo:
        wire(demo, ctx, header, switch, tabs)
    demo.registry, demo.ctx, demo.text_switch = ctx.registry, ctx, switch
    return demo


def main() -> None:
    import threading

    import gradio as gr

    from core.jobs import warm_up
    from core.runtime import configure_cpu_threads, keep_freed_memory
    from playground.instructor import mount_instructor
    from playground.pretrain_tab import MAX_LOAD_BYTES

    configure_cpu_threads()
    keep_freed_memory()
    # The job processes' forkserver imports torch once; start it now, not at the first Start.
    threading.Thread(target=warm_up, name="forkserver-warm-up", daemon=True).start()
    demo = build_app()
    demo.registry.start_reaper()
    # Events without their own limit share this one; the cheap read-only ones (tokenize,
    # poll, the sampling views) set none, so a room never queues behind one learner.
    demo.queue(default_concurrency_limit=4, max_size=256)
    theme = gr.themes.Soft()
    # With LLM_PLAYGROUND_INSTRUCTOR_TOKEN set, the instructor's page, mounted at its own
    # path before the learners' app; without it, nothing (and `instructor` is empty).
    instructor = mount_instructor(demo.registry, theme)
    try:
        # Gradio refuses a bigger upload before it is written anywhere; the largest file
        # the app takes is a checkpoint to Load.
        # No run history: Gradio 6 would keep every public call's inputs in the browser's
        # storage, a Hub token typed for Push among them (a token is for its call only).
        demo.launch(theme=theme, max_file_size=MAX_LOAD_BYTES, run_history=False, **instructor)
    finally:
        demo.registry.shutdown()


if __name__ == "__main__":
    main()
