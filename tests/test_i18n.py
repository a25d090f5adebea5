"""Every UI string exists in English and Simplified Chinese with the same fields."""

from string import Formatter

import pytest

from playground.i18n import STRINGS, t


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_both_languages_with_the_same_placeholders(key):
    entry = STRINGS[key]
    assert set(entry) == {"en", "zh"}
    fields = [{f for _, f, _, _ in Formatter().parse(entry[lang]) if f} for lang in ("en", "zh")]
    assert fields[0] == fields[1]


def test_unknown_key_is_an_error_and_languages_switch():
    with pytest.raises(KeyError):
        t("no.such.key")
    assert t("pre.tab", "zh") == "预训练" and t("pre.tab", "en") == "Pretrain"
