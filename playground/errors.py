"""Errors a learner can fix are shown as a message in the page, never a traceback.

`friendly` wraps every handler. Errors with a message for the learner become
`gr.Error`s in the learner's language (the handler's `lang` argument): the core's job
refusals and missing data through the string catalogue by their fields, the core's
`ValueError`s and a job's end reason through `CORE_MESSAGES` (`say`). Anything
unexpected is logged with its traceback for the operator and shown as one plain line.

`CORE_MESSAGES` is the one place that reads core's English: `core/` speaks English to
the command line and its logs, and writes its messages as plain strings; each entry
recognises one kind of them and names the catalogue key that says it (its named
groups fill the key's placeholders). A message no entry knows is shown as core wrote
it, introduced as core's own words on a Chinese page. tests/test_core_messages.py raises
each kind from core's own code (where a test can make it happen), so a change of wording
in core fails there, not silently.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class CoreMessage:
    """One kind of message core writes: the pattern that recognises it, its catalogue key."""

    key: str
    pattern: re.Pattern


def _kind(key: str, pattern: str) -> CoreMessage:
    return CoreMessage(key, re.compile(pattern, re.DOTALL))


CORE_MESSAGES: tuple[CoreMessage, ...] = (
    # how a job ended (core/train.py, core/jobs.py)
    _kind("core.stopped", r"stopped by request"),
    _kind("core.stopped_early", r"stopped before it started"),
    _kind("core.loss_nan", r"the loss became (?P<value>\S+) at step (?P<step>\d+)"),
    _kind("core.loss_exploded", r"the loss exploded to (?P<value>\S+) at step (?P<step>\d+) "
                                r"\(chance is (?P<chance>\S+)\): the learning rate is too high"),
    _kind("core.gradient", r"the gradient became (?P<value>\S+) at step (?P<step>\d+)"),
    _kind("core.other_process", r"another process saw the loss diverge"),
    _kind("core.weights_reset", r"the weights were reset to the last healthy evaluation"),
    _kind("core.killed_oom", r"training stopped unexpectedly: the job process was killed with "
                             r"SIGKILL \(by the operating system.*"),
    _kind("core.killed", r"training stopped unexpectedly: the job process was killed with "
                         r"(?P<signal>[\w ]+)"),
    _kind("core.exit_code", r"training stopped unexpectedly: the job process exited with code "
                            r"(?P<code>-?\d+)"),
    _kind("core.died", r"training stopped unexpectedly: .*"),
    _kind("core.no_start", r"the job could not start: .*"),
    # a learner's text and files (core/corpora.py, core/instruct.py)
    _kind("core.text_not_str", r"the text must be a string"),
    _kind("core.text_binary", r"the text contains NUL bytes.*"),
    _kind("core.text_short", r"the text is too short: give at least (?P<n>\d+) characters"),
    _kind("core.text_long", r"the text is too long: at most (?P<n>[\d,]+) characters"),
    _kind("core.file_large", r"the file is too large: (?P<size>[\d,]+) bytes, at most "
                             r"(?P<limit>[\d,]+)"),
    _kind("core.file_not_utf8", r"the file is not UTF-8 text.*"),
    _kind("core.json_invalid", r"the file is not valid JSON \(line (?P<line>\d+), column "
                               r"(?P<column>\d+).*"),
    _kind("core.json_not_list", r"the file must hold a JSON list of .*"),
    _kind("core.json_too_many", r"the file has (?P<n>[\d,]+) items; at most (?P<limit>[\d,]+) "
                                r"are accepted"),
    _kind("core.item_not_object", r"item (?P<n>\d+) is not an object with .*"),
    _kind("core.item_field", r"item (?P<n>\d+) needs a text '(?P<field>\w+)'"),
    _kind("core.item_long", r"item (?P<n>\d+)'s '(?P<field>\w+)' is longer than "
                            r"(?P<limit>[\d,]+) characters"),
    # settings that cannot make a run (core/config.py, core/objectives.py, core/data.py)
    _kind("core.heads_divide", r"emb_dim \((?P<emb>\d+)\) must be divisible by n_heads "
                               r"\((?P<heads>\d+)\).*"),
    _kind("core.split_short", r"the (?P<what>training|validation) split has (?P<n>\d+) tokens, "
                              r"fewer than one window of context (?P<context>\d+) \+ 1.*"),
    _kind("core.few_tokens", r"the text gives fewer than 2 tokens with this tokenizer"),
    # a model with an ablation switch off, where only the full GPT can go (core/config.py)
    _kind("core.switched_off", r".+ needs the full GPT, but this model was built with "
                               r"(?P<switches>[\w=, ]+) \(an ablation switch\)"),
    # the ablation pair (core/ablation.py)
    _kind("core.pair_second", r"the second model diverged at step (?P<step>\d+) \(loss (?P<loss>\S+), "
                              r"gradient norm (?P<norm>\S+)\)"),
    _kind("core.pair_first", r"the first model's loss became (?P<value>\S+) at step (?P<step>\d+)"),
    # GPT-2 from the Hub (core/pretrained.py)
    _kind("core.hub", r"Could not download '(?P<repo>[^']+)' from the Hugging Face Hub.*"),
)


def say(text: str, lang: str | None) -> str:
    """A message of core's (or a job's end reason) in the learner's language. A reason
    made of several ("…; the weights were reset …") is said part by part."""
    said = _say_one(str(text), lang)
    if said is not None:
        return said
    parts = str(text).split("; ")
    return t("core.join", lang).join(
        _say_one(part, lang) or (t("core.untranslated", lang, text=part) if lang == "zh" else part)
        for part in parts)


def _say_one(text: str, lang: str | None) -> str | None:
    for kind in CORE_MESSAGES:
        match = kind.pattern.fullmatch(text)
        if match is not None:
            values = match.groupdict()
            if "what" in values:
                values["what"] = t(f"core.split.{values['what']}", lang)
            return t(kind.key, lang, **values)
    return None


def message_for(err: BaseException, lang: str | None) -> str:
    """What the learner reads for `err`."""
    from core.estimates import format_bytes

    if isinstance(err, CorpusUnavailable):
        return t(f"core.data_{err.problem}", lang, name=err.name, file=err.relpath,
                 env="LLM_PLAYGROUND_DATA")
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
    return say(str(err), lang)


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
