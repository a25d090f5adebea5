"""Who is this learner, in which language, and what is shared between learners.

A learner is not a page load: Gradio's `session_hash` changes on every refresh, so a
learner id is kept in the browser (`gr.BrowserState`) and a refresh re-attaches to
the running job. API clients without a browser fall back to the session hash.

The one object shared by every session is the job registry (training jobs, each
learner's models, behind the registry's own lock). `app.build_app` makes it and hands
it to every tab in the `AppContext`, with the two per-learner values every handler
takes as inputs: the learner id and the language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import gradio as gr

from core.jobs import JobRegistry
from playground.i18n import check_lang, default_lang, t

STORAGE_KEY = "llm-playground-learner"


@dataclass
class AppContext:
    """What every tab's build() receives."""

    registry: JobRegistry
    learner: gr.BrowserState | None = None     # the learner id, kept in the browser
    lang: gr.State | None = None               # the learner's language ("en" / "zh")
    ui_lang: str = "en"                        # the language static labels are built in

    @classmethod
    def create(cls, registry: JobRegistry | None = None, lang: str | None = None) -> "AppContext":
        """The context for one app (call inside gr.Blocks: it makes two state components)."""
        ui_lang = check_lang(lang or default_lang())
        return cls(registry=registry or JobRegistry(),
                   learner=gr.BrowserState(None, storage_key=STORAGE_KEY),
                   lang=gr.State(ui_lang), ui_lang=ui_lang)


def ensure_learner_id(current: str | None) -> str:
    """demo.load handler: give a new browser its id, keep an existing one."""
    return current if isinstance(current, str) and len(current) >= 8 else uuid.uuid4().hex


def learner_key(browser_id: str | None, request: gr.Request | None, lang: str | None = None) -> str:
    if isinstance(browser_id, str) and len(browser_id) >= 8:
        return browser_id
    if request is not None and getattr(request, "session_hash", None):
        return f"session-{request.session_hash}"
    raise gr.Error(t("err.no_session", lang))
