"""Errors a learner can fix are shown as a message in the page, never a traceback."""

from __future__ import annotations

import functools
import inspect

import gradio as gr

from core.checkpoint import CheckpointError
from core.corpora import CorpusUnavailable
from core.jobs import JobBusy

USER_ERRORS = (ValueError, TypeError, CorpusUnavailable, CheckpointError, JobBusy)


def friendly(fn):
    """Turn the core's clear ValueErrors (and friends) into gr.Error messages.

    Works for plain handlers and for generator handlers that stream their output.
    """
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def stream(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except USER_ERRORS as err:
                raise gr.Error(str(err)) from err
        return stream

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except USER_ERRORS as err:
            raise gr.Error(str(err)) from err
    return wrapper
