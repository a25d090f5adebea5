"""Simplified ↔ traditional Chinese characters, through OpenCC.

The Tang poems (全唐诗) are written in traditional characters, so a character model
trained on them has never seen many simplified forms: in 举头望明月 it knows neither
举 nor 头. Converting a prompt first (OpenCC's "s2t") lets the model read what a
learner types; "t2s" turns its traditional output back for reading.
"""

from __future__ import annotations

import functools
import threading

_LOCK = threading.Lock()


class ConversionUnavailable(RuntimeError):
    """The opencc package is not installed; the message says how to get it."""


@functools.lru_cache(maxsize=2)
def _converter(config: str):
    try:
        import opencc
    except ImportError as err:
        raise ConversionUnavailable(
            "Converting between simplified and traditional characters needs the opencc "
            "package: pip install opencc") from err
    return opencc.OpenCC(config)


def _convert(text: str, config: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected text (str), got {type(text).__name__}")
    if not text:
        return text
    converter = _converter(config)
    with _LOCK:   # one converter object is shared by every request
        return converter.convert(text)


def to_traditional(text: str) -> str:
    """Simplified → traditional characters (OpenCC "s2t"): 床前明月光 → 牀前明月光."""
    return _convert(text, "s2t")


def to_simplified(text: str) -> str:
    """Traditional → simplified characters (OpenCC "t2s"): 舉頭望明月 → 举头望明月."""
    return _convert(text, "t2s")
