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


def test_an_open_page_with_nothing_running_stops_polling(demo):
    """A room of open pages with nothing running must send no polls: every timer's handler,
    for a learner without a job, turns its own timer off; a follower of the class run keeps
    the Pretrain one on (the negative control: the decision reads the page, not a constant)."""
    page = Page(demo, "idle-learner-key-0001")
    timers = [b for b in demo.blocks.values() if isinstance(b, gr.Timer)]
    # One heartbeat every few minutes (a learner reading is still here) is not a poll.
    beats = [timer for timer in timers if timer.value >= 60]
    assert len(beats) == 1 and all(not fn.outputs for fn in page.fns(beats[0], "tick"))
    assert "idle-learner-key-0001" not in demo.registry._seen
    page.fire(beats[0], "tick")                   # ... and it keeps the learner known
    assert "idle-learner-key-0001" in demo.registry._seen
    ticks = [(timer, fn) for timer in timers if timer not in beats
             for fn in page.fns(timer, "tick")]
    assert {fn.api_name for _, fn in ticks} >= {"poll", "attention_snapshots", "spam_poll",
                                                 "instruct_poll", "align_poll", "ablation_poll",
                                                 "embedding_frames"}

    def timer_after(timer, fn):
        result = page.call(fn)
        return result[list(fn.outputs).index(timer)]
    for timer, fn in ticks:
        if fn.api_name == "embedding_frames":
            continue               # it waits a while for a job started in another tab, then rests
        assert isinstance(timer_after(timer, fn), gr.Timer), fn.api_name
        assert timer_after(timer, fn).active is False, fn.api_name
    timer, poll = next((timer, fn) for timer, fn in ticks if fn.api_name == "poll")
    follow = poll.inputs[-1]
    assert isinstance(follow, gr.Checkbox)
    page.values[follow._id] = True
    followed = timer_after(timer, poll)
    assert followed.active is True and followed.value == 3.0     # a room follows at its own pace
    # Start turns a page's timer on again (it may have been turned off before).
    start = next(fn for fn in demo.fns.values() if fn.api_name == "start")
    woken = [fn for fn in demo.fns.values() if fn.trigger_after == start._id]
    assert any(list(fn.outputs) == [timer] for fn in woken)


def test_opening_the_page_moves_to_a_tab_only_when_the_link_names_one(demo):
    """The page's load answers after the learner may have clicked a tab: without ?tab= it
    must leave the tab alone (it sent the first tab back, and an early click bounced)."""
    from types import SimpleNamespace
    load = next(fn for fn in demo.fns.values() if any(target[1] == "load" for target in fn.targets)
                and any(isinstance(o, gr.Tabs) for o in fn.outputs))
    where = [i for i, o in enumerate(load.outputs) if isinstance(o, gr.Tabs)][0]

    def opened(query):
        request = SimpleNamespace(query_params=query, headers={})
        return load.fn("learner-key-0001", None, request)[where]
    assert opened({}) == gr.skip()
    assert opened({"lang": "zh"}) == gr.skip()
    chosen = opened({"tab": "pretrain"})
    assert isinstance(chosen, gr.Tabs) and chosen.selected == "pretrain"


def test_no_control_has_two_listeners_on_its_change(demo):
    """Two listeners on one dropdown's `.change` set each other off for ever in Gradio 6's
    page: the page sent 3-7 events a second with nothing running, and its renderer took a
    whole core from the training job (tests/test_pretrain_live.py watches the page). Each
    control's `.change` has one listener; what else follows it runs in `.then`. (The
    Pretrain tab's text and preset, and the Sampling lab's model picker, had two.)"""
    listeners: dict[int, list[str]] = {}
    for fn in demo.fns.values():
        for block, event in fn.targets:
            if event == "change":
                listeners.setdefault(block, []).append(fn.name)
    shared = {demo.blocks[block].label or block: names
              for block, names in listeners.items() if len(names) > 1}
    assert shared == {}
    assert len(listeners) > 20        # the negative control: the count sees the app's listeners


def test_the_sampling_labs_examples_follow_the_language_through_one_listener(demo):
    """The Sampling lab's two examples (the prompt, the surprisal text) swap on one
    listener of its model picker: a Chinese page keeps an English model's examples in
    English and says why; a text the learner typed stays."""
    from playground.i18n import t
    page = Page(demo, "sampling-examples-learner")
    swaps = [fn for fn in demo.fns.values() if fn.name == "default_texts" and len(fn.outputs) == 3
             and any(event == "change" for _, event in fn.targets)]
    assert len(swaps) == 1
    swap = swaps[0]
    prompt_box, note_md, score_box = swap.outputs
    lang_state = swap.inputs[1]
    page.values[lang_state._id] = "zh"
    prompt, note, score = page.call(swap)
    assert (prompt, score) == (page.values[prompt_box._id], page.values[score_box._id])
    assert note == t("prompt.stays_english", "zh")
    page.values[score_box._id] = "my own words"
    page.values[lang_state._id] = "en"
    prompt, note, score = page.call(swap)
    assert note == "" and score == gr.skip() and prompt == page.values[prompt_box._id]
