"""The shape of a Tang poem: what the Tang story's samples are read for.

A regulated Tang poem is built of couplets. Each couplet is two clauses of the same
length, five characters (五言) or seven (七言), the first closed by "，" and the second
by "。":

    床前明月光，疑是地上霜。          5 + 5: a five-character couplet
    兩個黃鸝鳴翠柳，一行白鷺上青天。  7 + 7: a seven-character couplet

In the tutorial's data (`data.json`) a poem is a title and its lines ("paragraphs"),
one couplet a line; the pretraining text writes the title, then the lines, and leaves a
blank line before the next poem. So a sample that starts from a title and stops at its
blank line is one poem (`poem_lines`), and the share of its lines in the classical
shape (`shape_share`) says how far a model has got from "gibberish" to "poet".
"""

from __future__ import annotations

import re

CLAUSE_END, COUPLET_END = "，", "。"
# What cannot stand inside a clause: any punctuation or space. A clause's "character"
# is anything else (also "□", a character the vocabulary does not have).
_NOT_IN_CLAUSE = "，。、；：？！,.;:?!「」『』（）()《》…—·　 \n\t"
_CLAUSE = f"[^{re.escape(_NOT_IN_CLAUSE)}]"
_CLASSICAL_LINE = re.compile(
    f"(?:{_CLAUSE}{{5}}{CLAUSE_END}{_CLAUSE}{{5}}{COUPLET_END}"
    f"|{_CLAUSE}{{7}}{CLAUSE_END}{_CLAUSE}{{7}}{COUPLET_END})")
_FIVE_LINE = re.compile(f"{_CLAUSE}{{5}}{CLAUSE_END}{_CLAUSE}{{5}}{COUPLET_END}")
POEM_END = "\n\n"


def is_five_character_poem(paragraphs: list[str]) -> bool:
    """True when every line is 12 characters long (5 + "，" + 5 + "。"), the tutorial's
    test for a five-character poem (a poem with no lines passes, as in the tutorial)."""
    return all(len(line) == 12 for line in paragraphs)


def has_five_character_shape(line: str) -> bool:
    """True for one five-character couplet: two clauses of five characters, closed by ，
    and 。 (stricter than the 12-character test, which a line of punctuation passes)."""
    return _FIVE_LINE.fullmatch(line) is not None


def has_classical_shape(line: str) -> bool:
    """True for one couplet: two clauses of 5 or of 7 characters, closed by ， and 。"""
    return _CLASSICAL_LINE.fullmatch(line) is not None


def poem_lines(sample: str) -> list[str]:
    """The lines of the poem a sample holds: after its first line (the title), up to
    the poem's blank line. Blank lines are not lines of a poem; a sample that ran out of
    length before its blank line loses its last, unfinished line (the cut is not the
    model's)."""
    finished = POEM_END in sample
    lines = sample.split(POEM_END, 1)[0].split("\n")[1:]
    if not finished:
        lines = lines[:-1]
    return [line for line in lines if line]


def count_classical_lines(sample: str) -> tuple[int, int]:
    """(lines in the classical shape, all lines) of the poem in a sample."""
    lines = poem_lines(sample)
    return sum(has_classical_shape(line) for line in lines), len(lines)


def shape_share(samples: list[str] | str) -> float:
    """The share of poem lines in the classical shape, over one sample or several taken
    together; 0.0 when they hold no line at all."""
    counts = [count_classical_lines(s) for s in ([samples] if isinstance(samples, str) else samples)]
    total = sum(n for _, n in counts)
    return sum(k for k, _ in counts) / total if total else 0.0
