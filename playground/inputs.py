"""Reading numbers from widgets and API calls: sliders keep browsers in range, but an
API client can send anything, so every handler checks what it gets the same way.

Each tab keeps one `Range(low, high, default)` per number control; the slider is made
from it (`slider`) and the handler checks against it (`read_number`, `read_whole`),
so the two cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import gradio as gr

from playground.i18n import t


class Range(NamedTuple):
    low: float
    high: float
    default: float
    step: float | None = None


def slider(rng: Range, label: str, **kwargs) -> gr.Slider:
    """A slider with exactly the range its handler accepts."""
    return gr.Slider(rng.low, rng.high, value=rng.default, step=rng.step or 1, label=label,
                     **kwargs)


def number_box(rng: Range, label: str, whole: bool = True, **kwargs) -> gr.Number:
    """A number box with the range its handler accepts."""
    return gr.Number(rng.default, precision=0 if whole else None, minimum=rng.low,
                     maximum=rng.high, label=label, **kwargs)


def read_number(value, label: str, low: float, high: float, lang: str | None = None) -> float:
    """A finite number in [low, high], or a gr.Error that names the field."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not low <= number <= high:
        shown = value[:40] + "…" if isinstance(value, str) and len(value) > 40 else value
        raise gr.Error(t("err.range", lang, name=label, low=low, high=high, value=shown))
    return number


def read_whole(value, label: str, low: int, high: int, lang: str | None = None) -> int:
    """A whole number in [low, high], or a gr.Error that names the field."""
    number = read_number(value, label, low, high, lang)
    if number != int(number):
        raise gr.Error(t("err.whole", lang, name=label, low=low, high=high, value=value))
    return int(number)


def read_in(rng: Range, value, label: str, lang: str | None = None, whole: bool = True):
    """`value` checked against its control's Range."""
    reader = read_whole if whole else read_number
    return reader(value, label, rng.low, rng.high, lang)


def read_index(rng: Range, value, label: str, top: int, notices: list[str],
               lang: str | None = None) -> int:
    """A layer, head or position index checked against its control's Range; past the
    model's last one (`top`) it becomes the last one, with a notice."""
    number = read_in(rng, value, label, lang)
    if number > top:
        notices.append(t("att.notice.clamped", lang, name=label, top=top, value=number))
        return top
    return number


def widget_values(names, values, lang: str | None = None) -> dict:
    """A handler's widget values by name: `names` is a tuple in the widgets' order, or a
    dataclass whose field order is theirs. A gr.Error when their number is wrong."""
    import dataclasses

    if dataclasses.is_dataclass(names):
        names = [f.name for f in dataclasses.fields(names)]
    if len(values) != len(names):
        raise gr.Error(t("pre.err.inputs", lang, n=len(names), got=len(values)))
    return dict(zip(names, values))


class TrainingRanges(NamedTuple):
    """The ranges of a fine-tune's steps, batch, learning rate and seed."""

    steps: Range
    batch: Range
    lr: Range
    seed: Range = Range(0, 2**31 - 1, 123)

    def read(self, v: dict, lang: str | None = None) -> "TrainingSettings":
        """steps, batch, lr and seed of the widget values `v`, checked."""
        return TrainingSettings(
            steps=read_in(self.steps, v["steps"], t("spam.steps", lang), lang),
            batch=read_in(self.batch, v["batch"], t("spam.batch", lang), lang),
            lr=read_number(v["lr"], t("spam.lr", lang), self.lr.low, self.lr.high, lang),
            seed=read_in(self.seed, v["seed"], t("spam.seed", lang), lang))


@dataclass(frozen=True)
class TrainingSettings:
    """A fine-tune's steps, batch, peak learning rate and seed, checked."""

    steps: int
    batch: int
    lr: float
    seed: int

    def apply(self, cfg):
        """A TrainConfig with these settings (warm-up and evaluation within the run)."""
        cfg = cfg.replace(max_steps=self.steps, batch_size=self.batch, lr=self.lr, seed=self.seed)
        return cfg.replace(warmup_steps=min(cfg.warmup_steps, self.steps // 10),
                           eval_every=min(cfg.eval_every, self.steps))
