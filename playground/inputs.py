"""Reading numbers from widgets and API calls: sliders keep browsers in range, but an
API client can send anything, so every handler checks what it gets the same way.

Each tab keeps one `Range(low, high, default)` per number control; the slider is made
from it (`slider`), the handler checks against it (`read_in`, `read_number`,
`read_whole`) and a workshop link's value is checked against it too (`check_in`,
which never raises), so the three cannot disagree.
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
    low_open: bool = False      # True: `low` itself is refused (β of DPO: above 0)

    @property
    def whole(self) -> bool:
        """Whole numbers only: every bound, the default and the step are integers."""
        return all(float(x).is_integer() for x in (self.low, self.high, self.default,
                                                     self.step or 1))

    def check(self, value) -> float | int | None:
        """`value` (a number or its text) if it is in range, whole where the range is and
        on the slider's steps; None otherwise. Never raises."""
        number = _finite(value)
        if number is None or not self.low <= number <= self.high or (
                self.low_open and number == self.low):
            return None
        if self.step:
            steps = (number - self.low) / self.step
            if abs(steps - round(steps)) > 1e-6:
                return None
        if self.whole:
            return int(number) if number == int(number) else None
        return number


def slider(rng: Range, label: str, **kwargs) -> gr.Slider:
    """A slider with exactly the range its handler accepts (an open low bound: from its
    first step above it)."""
    low = rng.low + (rng.step or 1) if rng.low_open else rng.low
    return gr.Slider(low, rng.high, value=rng.default, step=rng.step or 1, label=label, **kwargs)


def number_box(rng: Range, label: str, whole: bool = True, **kwargs) -> gr.Number:
    """A number box with the range its handler accepts."""
    return gr.Number(rng.default, precision=0 if whole else None, minimum=rng.low,
                     maximum=rng.high, label=label, **kwargs)


def _finite(value) -> float | None:
    """A finite float from a number or its text; None for anything else (booleans too)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def read_number(value, label: str, low: float, high: float, lang: str | None = None) -> float:
    """A finite number in [low, high], or a gr.Error that names the field."""
    number = _finite(value)
    if number is None or not low <= number <= high:
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
    number = _finite(value)
    if rng.low_open and number is not None and number <= rng.low:
        raise gr.Error(t("err.above", lang, name=label, low=rng.low, high=rng.high, value=value))
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


def widget_values(names, values: dict, lang: str | None = None) -> dict:
    """A handler's widget values by name: `names` is a tuple of them, or a dataclass whose
    fields they are; `values` is {name: value}. A gr.Error names any that is missing."""
    import dataclasses

    if dataclasses.is_dataclass(names):
        names = [f.name for f in dataclasses.fields(names)]
    missing = [name for name in names if name not in values]
    if missing:
        raise gr.Error(t("pre.err.inputs", lang, names=", ".join(missing)))
    return {name: values[name] for name in names}


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
        return cfg.with_settings(self.steps, self.batch, self.lr, self.seed)
