"""Errors a learner can fix are shown as a message in the page, never a traceback.

`friendly` wraps every handler. Errors with a message for the learner become
`gr.Error`s: the core's job refusals through the string catalogue, in the learner's
language (the handler's `lang` argument), and the core's `ValueError`s as they are
(they say what is wrong with an input). Anything unexpected is logged with its
traceback for the operator and shown as one plain line.
"""

from __future__ import annotations

import functools
import inspect
import logging

import gradio as gr

from core.checkpoint import CheckpointError
from core.corpora import CorpusUnavailable
from core.jobs import JobBusy, JobTooBig, ModelStoreFull
from core.pretrained import PretrainedUnavailable
from playground.i18n import t

USER_ERRORS = (ValueError, TypeError, CorpusUnavailable, CheckpointError, JobBusy,
               PretrainedUnavailable)
log = logging.getLogger("llm_playground")


def extra_user_errors() -> tuple:
    """Errors of optional modules (the judge client) that carry a message for the learner."""
    try:
        from core.judge import JudgeError
    except ImportError:  # pragma: no cover
        return ()
    return (JudgeError,)


def message_for(err: BaseException, lang: str | None) -> str:
    """What the learner reads for `err`."""
    from core.estimates import format_bytes

    if isinstance(err, JobBusy):
        return t("err.job_busy", lang)
    if isinstance(err, JobTooBig):
        fits = (t("err.job_fits", lang, batch=err.fits_batch) if err.fits_batch
                else t("err.job_fits_none", lang))
        return t("err.job_too_big", lang, total=format_bytes(err.estimate.total),
                 weights=format_bytes(err.estimate.weights),
                 optimizer=format_bytes(err.estimate.optimizer),
                 activations=format_bytes(err.estimate.activations + err.estimate.logits),
                 free=format_bytes(err.available), fits=fits)
    if isinstance(err, ModelStoreFull):
        return t("err.models_full", lang, needed=format_bytes(err.needed),
                 room=format_bytes(err.room), limit=format_bytes(err.limit))
    return str(err)


def _lang_of(fn, args, kwargs) -> str | None:
    try:
        bound = inspect.signature(fn).bind_partial(*args, **kwargs)
    except TypeError:
        return None
    lang = bound.arguments.get("lang")
    return lang if isinstance(lang, str) else None


def _convert(fn, args, kwargs, err: BaseException):
    lang = _lang_of(fn, args, kwargs)
    if isinstance(err, USER_ERRORS + extra_user_errors()):
        return gr.Error(message_for(err, lang))
    log.exception("unexpected error in %s", getattr(fn, "__qualname__", fn))
    return gr.Error(t("err.unexpected", lang, kind=type(err).__name__))


def friendly(fn):
    """Turn errors into gr.Error messages (see the module docstring).

    Works for plain handlers and for generator handlers that stream their output.
    """
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def stream(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as err:
                raise _convert(fn, args, kwargs, err) from err
        return stream

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as err:
            raise _convert(fn, args, kwargs, err) from err
    return wrapper
