"""The shape of a Tang poem (core/poetry.py) and the tutorial's recipe that uses it."""

import hashlib
import json

import pytest

from core.corpora import tang_parts
from core.poetry import (count_classical_lines, has_classical_shape, is_five_character_poem,
                         poem_lines, shape_share)

# sha256 of the tutorial recipe's parts (json, sorted keys) on the full data.json,
# taken before `is_five_character_poem` replaced the inline test: the 8,548-character
# vocabulary and every split depend on them staying byte for byte the same.
TANG_PARTS_SHA256 = "23b774205a7ed2fd92c0de3911b01aa61a4d649f8782c2fc7115500f9f549195"


@pytest.mark.parametrize("line, shaped", [
    ("床前明月光，疑是地上霜。", True),
    ("兩個黃鸝鳴翠柳，一行白鷺上青天。", True),
    ("床前明月□，疑是地上霜。", True),        # an unknown character is still a character
    ("床前明月光，疑是地上霜", False),          # not closed by 。
    ("床前明月光。疑是地上霜，", False),        # ， and 。 swapped
    ("床前明月光，兩個黃鸝鳴翠柳。", False),    # 5 + 7: the clauses differ
    ("床前明月，疑是地上。", False),            # 4 + 4
    ("床前明月光光，疑是地上霜霜。", False),    # 6 + 6
    ("床前，月光，疑是地上霜。", False),        # punctuation inside a clause
    ("床前明月光，疑是地上霜。床前明月光，疑是地上霜。", False),  # two couplets on one line
    ("七十十一十十百", False),
    ("", False),
])
def test_classical_shape(line, shaped):
    assert has_classical_shape(line) is shaped


def test_five_character_poem_is_the_tutorials_length_test():
    assert is_five_character_poem(["床前明月光，疑是地上霜。", "舉頭望明月，低頭思故鄉。"])
    assert not is_five_character_poem(["床前明月光，疑是地上霜。", "兩個黃鸝鳴翠柳，一行白鷺上青天。"])
    assert is_five_character_poem([])     # as the tutorial's all(): no line breaks the rule


def test_poem_lines_stop_at_the_blank_line_and_skip_the_title():
    sample = "月夜\n床前明月光，疑是地上霜。\n舉頭望明月\n\n靜夜思\n舉頭望明月，低頭思故鄉。"
    assert poem_lines(sample) == ["床前明月光，疑是地上霜。", "舉頭望明月"]
    assert count_classical_lines(sample) == (1, 2)


def test_a_sample_cut_by_its_length_loses_only_its_unfinished_line():
    assert poem_lines("月夜\n床前明月光，疑是地上霜。\n舉頭望") == ["床前明月光，疑是地上霜。"]
    assert poem_lines("月夜\n床前明月光，疑是地上霜。\n") == ["床前明月光，疑是地上霜。"]


def test_a_poem_with_no_lines_scores_zero():
    assert poem_lines("月夜\n\n") == [] and shape_share("月夜\n\n") == 0.0
    assert shape_share("月夜") == 0.0


def test_shape_share_pools_the_lines_of_several_samples():
    good = "月夜\n床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。\n\n"
    bad = "送別\n四年十首\n\n"
    assert shape_share(good) == 1.0 and shape_share(bad) == 0.0
    assert shape_share([good, bad]) == pytest.approx(2 / 3)


def test_tang_parts_unchanged_with_the_named_five_character_test(data_dir):
    poems = json.loads((data_dir / "tang" / "data.json").read_text(encoding="utf-8"))
    parts = tang_parts(poems)
    assert len(parts["vocabulary"]) == 8548
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")
    assert hashlib.sha256(blob).hexdigest() == TANG_PARTS_SHA256
