"""Words of a text: how many of the words a character model writes are real ones.

A character model of tiny-shakespeare writes letter by letter; "real words" is the
first thing a learner looks for in its samples. `word_share` reads a sample's words
(runs of letters, with inner apostrophes as in "o'er" and "king's", case ignored) and
counts those that occur in the training text itself: "Than and me of that" scores
5 of 5, "Thay anf meo" 0 of 3.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


def words_of(text: str) -> list[str]:
    """The words of a text, lower-cased, in order."""
    return [w.lower() for w in _WORD.findall(text)]


def written_words(sample: str, prompt: str = "") -> list[str]:
    """The words the model wrote: after the prompt, leaving out a last word that the
    sample's length cut off (the cut is not the model's)."""
    written = sample[len(prompt):] if prompt and sample.startswith(prompt) else sample
    words = words_of(written)
    if words and written[-1:].isalpha():
        words = words[:-1]
    return words


def word_share(sample: str, known: set[str], prompt: str = "") -> tuple[int, int]:
    """(words that occur in the text, all words) of what the model wrote; `known` is
    `set(words_of(text))`."""
    words = written_words(sample, prompt)
    return sum(w in known for w in words), len(words)
