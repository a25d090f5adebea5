"""The built app's wiring, without a server: what a page shows when it opens, and the
app's own housekeeping settings."""

import re

import gradio as gr
import plotly.graph_objects as go
import pytest

from core.jobs import JobRegistry
from page import Page


@pytest.fixture(scope="module")
def demo():
    from app import build_app
    return build_app(JobRegistry())


def test_the_tokenizer_tab_opens_on_its_example(demo):
    """Its tables and counts are filled when the page is built: the example's tokens."""
    from playground.i18n import t
    from playground.tokenizer_tab import tokenize

    page = Page(demo, "learner-wiring")
    fn = page.api("tokenize")
    expected = tokenize("en", t("tok.default_text", "en"), "the-verdict")
    counts, bpe_marked, char_marked, bpe_table, char_table, words_marked = (
        page.values[c._id] for c in fn.outputs)
    assert counts == expected[0] and "BPE tokens" in counts
    assert [m["token"] for m in bpe_marked] == [text for text, _ in expected[1]]
    assert [m["token"] for m in char_marked] == [text for text, _ in expected[2]]
    assert [m["token"] for m in words_marked] == [text for text, _ in expected[5]]
    assert bpe_table["data"] == expected[3]["data"] and char_table["data"] == expected[4]["data"]
    assert bpe_table["data"][0][1] == 15496                   # "Hello" in GPT-2's BPE


def test_the_sampling_lab_shows_a_result_when_it_opens(demo):
    """Selecting the tab runs its first views on the default prompt and model."""
    page = Page(demo, "learner-wiring")
    tab = page.tab("sampling")
    handlers = page.fns(tab, "select")
    names = {fn.name for fn in handlers}
    assert {"next_token", "surprisal"} <= names
    page.fire(tab, "select")
    next_token = next(fn for fn in handlers if fn.name == "next_token")
    figure, _, summary = (page.values[c._id] for c in next_token.outputs)
    assert isinstance(figure, go.Figure) and any(trace.type == "bar" for trace in figure.data)
    assert "Drawn:" in summary
    surprisal = next(fn for fn in handlers if fn.name == "surprisal")
    html, summary = (page.values[c._id] for c in surprisal.outputs)
    assert "<" in html and summary


def test_gradio_forgets_the_files_it_handed_out(demo):
    frequency, age = demo.delete_cache
    assert 0 < frequency <= age <= 6 * 3600


def _tab_of(block):
    while block is not None and not isinstance(block, gr.Tab):
        block = block.parent
    return block


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("tab_id, least", [("inside", 8), ("embeddings", 2)])
def test_what_the_tab_drew_is_redrawn_after_the_language_switch(demo, tab_id, least):
    """Every text the tab's handlers drew when it opened (in English) is in Chinese after
    the 中文 switch: its language hooks are wired and each one redraws."""
    page = Page(demo, f"learner-switch-{tab_id}")
    tab = page.tab(tab_id)
    page.fire(tab, "select")
    outputs = {c._id for fn in demo.fns.values() for c in fn.outputs}     # drawn by handlers
    drawn = [block for block_id, block in demo.blocks.items()
             if isinstance(block, gr.Markdown) and block_id in outputs and _tab_of(block) is tab
             and page.values[block_id]]
    assert len(drawn) >= least
    assert not [page.values[b._id] for b in drawn if CJK.search(page.values[b._id])]
    page.set(demo.ctx.lang, "zh")
    english = [page.values[b._id][:80] for b in drawn if not CJK.search(page.values[b._id])]
    assert not english, f"still in English after the switch: {english}"
    # a table the tab has not filled yet gets the new headers in its value (the page shows
    # an empty table's headers from there)
    empty = [page.values[b._id]["headers"] for b in demo.blocks.values()
             if isinstance(b, gr.Dataframe) and _tab_of(b) is tab
             and isinstance(page.values[b._id], dict)]
    assert len(empty) == {"inside": 0, "embeddings": 2}[tab_id]
    assert all(CJK.search(" ".join(headers)) for headers in empty), empty
