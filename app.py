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

TAB_MODULES = ("tokenizer_tab", "pretrain_tab", "sampling_tab", "attention_tab", "embeddings_tab",
               "spam_tab", "instruct_tab", "gd_tab")


def build_app(registry=None, lang: str | None = None):
    """Every tab in one Blocks; each tab's build() gets the shared AppContext."""
    import importlib

    import gradio as gr

    from playground.i18n import t
    from playground.session import AppContext, ensure_learner_id

    with gr.Blocks(title=t("app.title", lang), analytics_enabled=False) as demo:
        ctx = AppContext.create(registry, lang)
        gr.Markdown(f"# {t('app.title', ctx.ui_lang)}\n{t('app.intro', ctx.ui_lang)}")
        with gr.Tabs():
            for name in TAB_MODULES:
                importlib.import_module(f"playground.{name}").build(ctx)
        demo.load(ensure_learner_id, ctx.learner, ctx.learner, api_visibility="private")
    demo.registry = ctx.registry
    return demo


def main() -> None:
    import threading

    import gradio as gr

    from core.job_process import warm_up
    from core.runtime import configure_cpu_threads, keep_freed_memory

    configure_cpu_threads()
    keep_freed_memory()
    # The job processes' forkserver imports torch once; start it now, not at the first Start.
    threading.Thread(target=warm_up, name="forkserver-warm-up", daemon=True).start()
    demo = build_app()
    demo.registry.start_reaper()
    # Events without their own limit share this one; the cheap read-only ones (tokenize,
    # poll, the sampling views) set none, so a room never queues behind one learner.
    demo.queue(default_concurrency_limit=4, max_size=256)
    try:
        demo.launch(theme=gr.themes.Soft())
    finally:
        demo.registry.shutdown()


if __name__ == "__main__":
    main()
