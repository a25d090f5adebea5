"""LLM Playground: build, train and poke a GPT in the browser.

`build_app()` composes the tabs and returns the Blocks without serving it (tests
build it directly); `python app.py` launches it. Host and port come from Gradio's
usual GRADIO_SERVER_NAME / GRADIO_SERVER_PORT variables.
"""

from __future__ import annotations

import os

# No analytics, no telemetry: the app makes no outside request of its own.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402

from playground import gd_tab, pretrain_tab, sampling_tab, tokenizer_tab  # noqa: E402
from playground.i18n import t  # noqa: E402
from playground.session import AppContext, ensure_learner_id, learner_state  # noqa: E402

TABS = (tokenizer_tab, pretrain_tab, sampling_tab, gd_tab)


def build_app() -> gr.Blocks:
    """Every tab in one Blocks; each tab's build() gets the shared AppContext."""
    with gr.Blocks(title=t("app.title"), analytics_enabled=False) as demo:
        gr.Markdown(f"# {t('app.title')}\n{t('app.intro')}")
        ctx = AppContext(learner=learner_state())
        with gr.Tabs():
            for tab in TABS:
                tab.build(ctx)
        demo.load(ensure_learner_id, ctx.learner, ctx.learner, api_visibility="private")
    return demo


def main() -> None:
    from core.runtime import configure_cpu_threads, keep_freed_memory

    from playground.session import REGISTRY

    configure_cpu_threads()
    keep_freed_memory()
    REGISTRY.start_reaper()
    demo = build_app()
    demo.queue(default_concurrency_limit=4)
    demo.launch(theme=gr.themes.Soft())


if __name__ == "__main__":
    main()
