"""Who is this learner, and what is shared between learners.

A learner is not a page load: Gradio's `session_hash` changes on every refresh, so a
learner id is kept in the browser (`gr.BrowserState`) and a refresh re-attaches to
the running job. API clients without a browser fall back to the session hash.

`REGISTRY` is the one object shared by every session: training jobs and each
learner's finished models, behind the registry's own lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import gradio as gr

from core.jobs import JobRegistry

REGISTRY = JobRegistry()
STORAGE_KEY = "llm-playground-learner"


@dataclass
class AppContext:
    """What every tab's build() receives."""

    learner: gr.BrowserState


def learner_state() -> gr.BrowserState:
    return gr.BrowserState(None, storage_key=STORAGE_KEY)


def ensure_learner_id(current: str | None) -> str:
    """demo.load handler: give a new browser its id, keep an existing one."""
    return current if isinstance(current, str) and len(current) >= 8 else uuid.uuid4().hex


def learner_key(browser_id: str | None, request: gr.Request | None) -> str:
    if isinstance(browser_id, str) and len(browser_id) >= 8:
        return browser_id
    if request is not None and getattr(request, "session_hash", None):
        return f"session-{request.session_hash}"
    raise gr.Error("no session: reload the page")
