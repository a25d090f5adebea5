"""Workshop links: a URL sets the tab, the corpus, the preset and every number with a Range;
bad values fall back with a notice and never raise; the copy button writes a link that
gives the same setup back; every tab registered its card and its links."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl, urlsplit

import pytest

import app
from core.config import PRESETS
from core.pretraining import OWN_TEXT, story_for
from playground.i18n import t
from playground.links import link_for, page_base, read_tab, resolve


@pytest.fixture(scope="module")
def tabs():
    return app.build_app().ctx.tabs


def _by_name(entry, setup):
    return {link.name: setup.values[link.component] for link in entry.links}


def test_every_tab_registered_its_card_and_links(tabs):
    assert list(tabs) == ["tokenizer", "pretrain", "sampling", "attention", "inside", "embeddings",
                          "ablation", "spam", "instruct", "align", "gd-lab"]
    for entry in tabs.values():
        assert entry.card_key and t(entry.card_key, "en") != t(entry.card_key, "zh")
        assert entry.links, f"{entry.id} registered no link"
        numbers = [link for link in entry.links if link.rng is not None]
        for link in numbers:      # every Range-backed widget's link reads its own range
            assert link.rng.low <= link.component.value <= link.rng.high


def test_a_link_sets_corpus_preset_and_sliders_and_the_cascade_fills_the_rest(tabs):
    entry = tabs["pretrain"]
    setup = resolve(entry, {"corpus": "tang", "preset": "tang-tutorial", "layers": "3",
                            "lr": "0.002"}, "en")
    values = _by_name(entry, setup)
    tutorial = PRESETS["tang-tutorial"]
    assert values["corpus"] == "tang" and values["preset"] == "tang-tutorial"
    assert values["layers"] == 3 and values["lr"] == 0.002            # the link's own values
    assert values["heads"] == tutorial.n_heads and values["emb"] == tutorial.emb_dim  # the preset's
    assert not setup.notices
    others = {component.label: value for component, value in setup.values.items()}
    assert story_for("tang").prompt_text in others.values()          # the corpus's prompt


def test_without_a_link_preset_the_corpus_chooses_it(tabs):
    values = _by_name(tabs["pretrain"], resolve(tabs["pretrain"], {"corpus": "tiny-shakespeare"}, "en"))
    assert values["preset"] == story_for("tiny-shakespeare").preset
    assert values["layers"] == PRESETS[story_for("tiny-shakespeare").preset].n_layers


def test_a_chinese_page_opens_on_the_tang_story(tabs):
    values = _by_name(tabs["pretrain"], resolve(tabs["pretrain"], {}, "zh"))
    assert values["corpus"] == "tang-five" and values["preset"] == story_for("tang-five").preset
    english = _by_name(tabs["pretrain"], resolve(tabs["pretrain"], {}, "en"))
    assert english["corpus"] == "the-verdict"


@pytest.mark.parametrize("params, name", [
    ({"layers": "99"}, "layers"), ({"layers": "2.5"}, "layers"), ({"layers": "many"}, "layers"),
    ({"emb": "100"}, "emb"), ({"lr": "nan"}, "lr"), ({"lr": "-1"}, "lr"),
    ({"preset": "huge"}, "preset"), ({"corpus": "../../etc/passwd"}, "corpus"),
])
def test_a_bad_value_falls_back_with_a_notice(tabs, params, name):
    entry = tabs["pretrain"]
    good = _by_name(entry, resolve(entry, {}, "en"))
    setup = resolve(entry, params, "en")
    assert _by_name(entry, setup)[name] == good[name]
    assert len(setup.notices) == 1 and name in setup.notices[0]


def test_pasted_or_uploaded_text_cannot_travel_in_a_link(tabs):
    entry = tabs["pretrain"]
    for private in (OWN_TEXT, "upload"):
        setup = resolve(entry, {"corpus": private}, "zh")
        assert _by_name(entry, setup)["corpus"] == "tang-five"
        assert "链接" in setup.notices[0]
    url, notices = link_for(entry, {**_by_name(entry, resolve(entry, {}, "en")),
                                    "corpus": OWN_TEXT}, "en", "http://x/")
    assert "corpus" not in dict(parse_qsl(urlsplit(url).query)) and notices


@pytest.mark.parametrize("tab_id, params, bad", [
    ("inside", {"tokenizer": "simple", "vocabulary": "tiny-shakespeare", "max_length": "8",
                "stride": "8", "layer": "3", "config": "hub:gpt2-124m", "seed": "7"},
     {"tokenizer": "bpe", "layer": "12", "config": "gpt-5"}),
    ("embeddings", {"vectors": "positions", "k": "25", "tokens": "100", "labelled": "0"},
     {"vectors": "words", "k": "51", "tokens": "15"}),
])
def test_a_link_sets_the_inside_and_embeddings_tabs(tabs, tab_id, params, bad):
    """Their choices and numbers travel in a link; the slider's own range (layer: GPT-2's 12)
    and the choice lists refuse the rest, each with a notice."""
    entry = tabs[tab_id]
    setup = resolve(entry, params, "en")
    values = _by_name(entry, setup)
    assert not setup.notices
    assert {name: str(values[name]) for name in params} == params
    defaults = _by_name(entry, resolve(entry, {}, "en"))
    refused = resolve(entry, bad, "en")
    assert {name: _by_name(entry, refused)[name] for name in bad} == {n: defaults[n] for n in bad}
    assert len(refused.notices) == len(bad)


def test_unknown_parameters_and_tabs_are_named_in_a_notice(tabs):
    setup = resolve(tabs["gd-lab"], {"tab": "gd-lab", "lang": "zh", "foo": "1", "__sign": "x"},
                    "en")
    assert len(setup.notices) == 1 and "foo" in setup.notices[0]
    assert read_tab(tabs, {"tab": "nope"}, "en")[0] == "tokenizer"
    assert read_tab(tabs, {"tab": "nope"}, "en")[1]
    assert read_tab(tabs, {"tab": "spam"}, "en") == ("spam", [])


def test_a_link_reader_never_raises(tabs):
    rng = random.Random(0)
    junk = ["", " ", "-0", "1e999", "0x10", "∞", "None", "[]", "'", "%00", "1" * 400, "true"]
    for entry in tabs.values():
        for _ in range(30):
            params = {link.name: rng.choice(junk) for link in entry.links if rng.random() < 0.5}
            setup = resolve(entry, params, rng.choice(["en", "zh"]))
            assert len(setup.notices) <= len(params)
            for link in entry.links:
                value = setup.values[link.component]
                if link.rng is not None:
                    assert link.rng.low <= value <= link.rng.high, (link.name, value)
                elif link.choices():
                    assert value in link.choices(), (link.name, value)


@pytest.mark.parametrize("tab_id", ["pretrain", "sampling", "gd-lab", "spam", "attention", "inside",
                                    "embeddings"])
def test_the_copied_link_gives_the_same_setup_back(tabs, tab_id):
    entry = tabs[tab_id]
    start = {"corpus": "tiny-shakespeare", "preset": "tiny"} if tab_id == "pretrain" else {}
    setup = _by_name(entry, resolve(entry, start, "zh"))
    numbers = [link for link in entry.links if link.rng is not None]
    changed = numbers[-1]
    setup[changed.name] = changed.rng.high
    url, notices = link_for(entry, setup, "zh", "http://127.0.0.1:7860/?tab=old&lang=en")
    assert not notices and url.startswith("http://127.0.0.1:7860/?")
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["tab"] == tab_id and params["lang"] == "zh"
    assert _by_name(entry, resolve(entry, params, "zh")) == setup
    assert len(params) <= 2 + 3        # only what differs from what the link gives anyway


def test_on_a_space_the_link_points_at_the_space_page(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "teacher/llm-playground")
    assert page_base("https://teacher-llm-playground.hf.space/?x=1") == \
        "https://huggingface.co/spaces/teacher/llm-playground"
    monkeypatch.delenv("SPACE_ID")
    assert page_base("http://127.0.0.1:7860/?x=1#top") == "http://127.0.0.1:7860/"
