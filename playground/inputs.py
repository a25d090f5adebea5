"""Reading numbers from widgets and API calls: sliders keep browsers in range, but an
API client can send anything, so every handler checks what it gets the same way."""

from __future__ import annotations

import math

import gradio as gr

from playground.i18n import t


def read_number(value, label: str, low: float, high: float) -> float:
    """A finite number in [low, high], or a gr.Error that names the field."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not low <= number <= high:
        shown = value[:40] + "…" if isinstance(value, str) and len(value) > 40 else value
        raise gr.Error(t("err.range", name=label, low=low, high=high, value=shown))
    return number


def read_whole(value, label: str, low: int, high: int) -> int:
    """A whole number in [low, high], or a gr.Error that names the field."""
    number = read_number(value, label, low, high)
    if number != int(number):
        raise gr.Error(t("err.whole", name=label, low=low, high=high, value=value))
    return int(number)
