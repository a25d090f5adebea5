"""Inside the GPT tab: its handlers called directly (every number against core and the
book's helpers, every bad input a clear message), the untrained twin, the words in the
Tokenizer tab; then the launched app through gradio_client, and screenshots of each
section in English and Chinese."""

import json
import math
import re
import time

import gradio as gr
import pytest
import torch

from conftest import start_kwargs
from core.config import get_preset
from core.corpora import corpus_tokenizer
from core.data import GPTDatasetV1
from core.inside import lens_logits, trace_ids
from core.jobs import JobRegistry, SavedModel
from core.loss import calc_loss_batch, lm_loss
from core.model import GPTModel
from core.pretraining import story_for
from playground.i18n import t
from playground.inside_tab import MAX_TOKENS, InsideTab
from playground.model_picker import TWINS, resolve_model
from playground.session import AppContext

REGISTRY = JobRegistry(max_running=1)
tab = InsideTab(AppContext(REGISTRY))
LEARNER = "learner-inside"
TEXT = "I had always thought Jack Gisburn rather a cheap genius"


@pytest.fixture(scope="module")
def saved_choice():
    """A model in the learner's list, with weights unlike its untrained twin's."""
    tokenizer = corpus_tokenizer("the-verdict")
    torch.manual_seed(11)
    model = GPTModel(get_preset("tiny", vocab_size=tokenizer.n_vocab, context_length=64)).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    saved = SavedModel("my tiny model", model.requires_grad_(False), tokenizer)
    REGISTRY.add_model(LEARNER, saved)
    return "saved:" + saved.id


def _ids(cell: str) -> list[int]:
    return json.loads(cell)


# ----- 1. from text to training pairs -----------------------------------------------------

@pytest.mark.parametrize("tokenizer", ["gpt2", "char", "simple"])
@pytest.mark.parametrize("max_length, stride", [(4, 1), (4, 4), (3, 5)])
def test_window_rows_are_the_datasets_items(tokenizer, max_length, stride):
    counts, highlight, windows, prefix = tab.pairs("en", TEXT, tokenizer, "the-verdict",
                                                   max_length, stride)
    tok = tab._tokenizer(tokenizer, "the-verdict", TEXT, "en")
    dataset = GPTDatasetV1(tok.encode(TEXT), max_length, stride)
    assert len(windows) == min(40, len(dataset))         # the first 40 are shown
    for row, (x, y) in zip(windows, dataset):
        assert (_ids(row[2]), _ids(row[3])) == (x.tolist(), y.tolist())
        assert row[1] == row[0] * stride
    assert f"**{len(dataset)}** windows" in counts
    assert len(highlight) == len(tok.encode(TEXT))


def test_pairs_show_three_tokenizers_and_the_prefix_table():
    counts, _, _, prefix = tab.pairs("en", TEXT, "gpt2", "the-verdict", 4, 1)
    assert "**12** GPT-2 BPE tokens · **10** words · **55** characters" in counts
    assert prefix[0][1:] == ["BEGIN", "I"] and prefix[1][1:] == ["I", "␣had"]
    assert prefix[2][1:] == ["I␣had", "␣always"] and prefix[-1][2] == "END"
    words = tab.pairs("en", TEXT, "simple", "the-verdict", 4, 1)[3]
    assert words[2][1:] == ["I had ", "always "]


def test_a_long_text_shows_its_first_pairs_without_end():
    text = " ".join([TEXT] * 5)
    counts, _, windows, prefix = tab.pairs("en", text, "gpt2", "the-verdict", 2, 1)
    assert len(windows) == 40 and "first 40 of" in counts
    assert len(prefix) == 24 and prefix[-1][2] != "END"


@pytest.mark.parametrize("args, message", [
    (("  ", "gpt2", "the-verdict", 4, 1), t("err.empty_text")),
    ((TEXT, "gpt2", "the-verdict", 4, 0), "A stride of 0 would never move the window"),
    ((TEXT, "gpt2", "the-verdict", 12, 1), "one window of max_length 12 needs 13"),
    ((TEXT, "gpt2", "the-verdict", 99, 1), "from 1 to 32, got 99"),
    ((TEXT, "bpe", "the-verdict", 4, 1), "Unknown tokenizer"),
])
def test_bad_pairs_input_says_what_to_change(args, message):
    with pytest.raises(gr.Error, match=re.escape(message)):
        tab.pairs("en", *args)


def test_stride_zero_is_refused_in_chinese_too():
    with pytest.raises(gr.Error, match="步幅为 0"):
        tab.pairs("zh", TEXT, "gpt2", "the-verdict", 4, 0)


def test_lookup_draws_rows_plus_positions():
    md, figure = tab.lookup(None, LEARNER, "en", "fresh", TEXT)
    picked = resolve_model(REGISTRY, "fresh", LEARNER)
    ids = picked.tokenizer.encode(TEXT)
    assert f"**{len(ids)}** tokens" in md
    tok, pos, inputs = (trace.z for trace in figure.data)
    assert tok[1][5] == pytest.approx(float(picked.model.tok_emb.weight[ids[1], 5]), abs=1e-3)
    assert pos[1][5] == pytest.approx(float(picked.model.pos_emb.weight[1, 5]), abs=1e-3)
    assert inputs[1][5] == pytest.approx(tok[1][5] + pos[1][5], abs=2e-3)


# ----- 2. attention step by step ----------------------------------------------------------

def _number(cell: str) -> float:
    return float("-inf") if cell == "−∞" else float(cell)


def test_attention_step_table_is_the_traced_tensors(saved_choice):
    out = tab.attention(None, LEARNER, "en", saved_choice, TEXT, 1, 1, 6)
    notice, twin_md, twin_rows, twin_fig, md, rows, fig = out
    picked = resolve_model(REGISTRY, saved_choice, LEARNER)
    ids = picked.tokenizer.encode(TEXT)
    traced = trace_ids(picked.model, ids).layers[1]
    for k, row in enumerate(rows):
        assert _number(row[2]) == pytest.approx(float(traced.scores_raw[0, 1, 6, k]), abs=1e-4)
        assert _number(row[3]) == pytest.approx(float(traced.scores_scaled[0, 1, 6, k]), abs=1e-4)
        assert _number(row[4]) == pytest.approx(float(traced.scores_masked[0, 1, 6, k]), abs=1e-4)
        assert _number(row[5]) == pytest.approx(float(traced.attention[0, 1, 6, k]), abs=1e-4)
    weights = [_number(row[5]) for row in rows]
    assert sum(weights) == pytest.approx(1.0, abs=1e-3)
    assert all(w == 0 for w in weights[7:]) and all(row[4] == "−∞" for row in rows[7:])
    assert "my tiny model" in md and "untrained twin of my tiny model" in twin_md
    assert [row[5] for row in twin_rows] != [row[5] for row in rows]   # different weights
    # the figure's softmax panel carries the same weights
    assert fig.data[3].z[6][2] == pytest.approx(float(traced.attention[0, 1, 6, 2]), abs=1e-4)
    assert notice == ""


def test_a_layer_past_the_model_is_clamped_with_a_notice(saved_choice):
    notice, *_ = tab.attention(None, LEARNER, "en", saved_choice, TEXT, 9, 0, 2)
    assert "showing 1, its last one" in notice


@pytest.mark.parametrize("model, text, query, message", [
    ("fresh", TEXT, 12, "The text has 12 tokens (positions 0 to 11): there is no query"),
    ("fresh", "", 0, t("err.empty_text")),
    ("fresh", " ".join([TEXT] * 6), 0, f"at most {MAX_TOKENS} tokens, and the text has 72"),
    ("live", TEXT, 0, t("picker.err.no_live")),
    ("gpt2-124m", TEXT, 0, "GPT-2 could not be loaded"),
])
def test_bad_attention_input_says_what_to_change(model, text, query, message):
    with pytest.raises(gr.Error, match=re.escape(message)):
        tab.attention(None, "learner-without-a-job", "en", model, text, 0, 0, query)


# ----- 3. anatomy ---------------------------------------------------------------------

@pytest.mark.parametrize("config, name, numbers", [
    ("gpt2-124m", "preset gpt2-124m",
     ("163,009,536", "124,412,160", "621.83 MB", "own output head: **163,009,536**")),
    ("hub:gpt2-124m", "gpt2-124m as loaded from the Hub",
     ("163,037,184", "124,439,808", "621.94 MB", "ties its head: it has **124,439,808**")),
])
def test_anatomy_of_both_gpt2_configs(config, name, numbers):
    summary, steps, parts = tab.anatomy(None, LEARNER, "en", config, "fresh")
    assert f"**Config shown: {name}" in summary
    for number in numbers:
        assert number in summary
    shapes = {row[0]: row[1] for row in steps}
    assert shapes[t("inside.step.qkv")] == "(B, 12, T, 64)"
    assert shapes[t("inside.step.out_head")] == "(B, T, 50,257)"
    assert sum(int(row[1].replace(",", "")) for row in parts) == int(numbers[0].replace(",", ""))


def test_anatomy_of_the_picked_model(saved_choice):
    summary, steps, _ = tab.anatomy(None, LEARNER, "en", "picked", saved_choice)
    assert "my tiny model" in summary and "(B, T, 32)" in [row[1] for row in steps]
    with pytest.raises(gr.Error, match="Unknown config"):
        tab.anatomy(None, LEARNER, "en", "gpt-5", "fresh")


def test_layer_norm_on_a_real_vector(saved_choice):
    md, figure = tab.layer_norm(None, LEARNER, "en", saved_choice, TEXT, 1, 3)
    picked = resolve_model(REGISTRY, saved_choice, LEARNER)
    x = trace_ids(picked.model, picked.tokenizer.encode(TEXT)).layers[1].block_input[0, 3]
    assert f"| before | {float(x.mean()):.4f} | {float(x.var(unbiased=False)):.4f} |" in md
    with torch.no_grad():
        expected = picked.model.trf_blocks[1].norm1(x)
    assert list(figure.data[2].y[:3]) == pytest.approx(expected[:3].tolist(), abs=1e-4)


def test_shortcut_demo_shows_the_books_numbers():
    md, figure = tab.shortcuts("en", 123)
    assert "| 1 | 0.0002 | 0.22 |" in md and "| 5 | 0.005 | 1.3 |" in md
    assert [bar.name for bar in figure.data] == ["without shortcuts", "with shortcuts"]
    with pytest.raises(gr.Error, match="seed"):
        tab.shortcuts("en", -1)


# ----- 4. the loss by hand ----------------------------------------------------------------

def test_loss_by_hand_equals_the_books_and_the_trainers(saved_choice):
    md, rows = tab.loss(None, LEARNER, "en", saved_choice, TEXT)
    picked = resolve_model(REGISTRY, saved_choice, LEARNER)
    ids = picked.tokenizer.encode(TEXT)
    inputs, targets = torch.tensor([ids[:-1]]), torch.tensor([ids[1:]])
    with torch.no_grad():
        book = float(calc_loss_batch(inputs, targets, picked.model, "cpu"))
        trainer = float(lm_loss(picked.model, inputs, targets))
    assert f"cross-entropy = −mean = **{book:.4f}**" in md
    assert f"**{trainer:.4f}**" in md
    assert f"ln 1,417 = **{math.log(1417):.4f}**" in md
    mean = sum(float(row[4]) for row in rows) / len(rows)
    assert -mean == pytest.approx(book, abs=1e-3)
    assert len(rows) == len(ids) - 1 and rows[0][1:3] == ["I", "␣had"]


# ----- 5. the logit lens ------------------------------------------------------------------

def test_logit_lens_grid_rows_are_the_model_and_the_embeddings(saved_choice):
    md, figure = tab.lens(None, LEARNER, "en", saved_choice, TEXT)
    picked = resolve_model(REGISTRY, saved_choice, LEARNER)
    ids = picked.tokenizer.encode(TEXT)
    z = figure.data[0].z                                  # positions × (embeddings + blocks)
    assert len(z) == len(ids) and len(z[0]) == picked.model.cfg.n_layers + 1
    x = torch.tensor([ids])
    with torch.no_grad():
        own = torch.softmax(picked.model(x)[0], -1)
        first = torch.softmax(picked.model.out_head(picked.model.final_norm(
            picked.model.embed(x)))[0], -1)
    for pos in range(len(ids)):
        assert z[pos][-1] == pytest.approx(float(own[pos].max()), abs=1e-4)
        assert z[pos][0] == pytest.approx(float(first[pos].max()), abs=1e-4)
        assert figure.data[0].text[pos][-1].endswith("#1")
    assert "2 blocks" in md and "does not show" in md


# ----- the untrained twin -----------------------------------------------------------------

def test_the_twin_has_the_config_and_tokenizer_and_fresh_weights(saved_choice):
    picked = resolve_model(REGISTRY, saved_choice, LEARNER)
    twin = resolve_model(REGISTRY, "twin:" + saved_choice, LEARNER)
    assert twin.model.cfg == picked.model.cfg and twin.tokenizer is picked.tokenizer
    assert not torch.equal(twin.model.tok_emb.weight, picked.model.tok_emb.weight)
    assert float(twin.model.tok_emb.weight.std()) == pytest.approx(0.02, rel=0.1)
    again = resolve_model(REGISTRY, "twin:" + saved_choice, LEARNER)
    assert again.model is twin.model                       # made once, then shared
    assert len(TWINS.models) <= TWINS.limit


# ----- the Tokenizer tab's words -----------------------------------------------------------

def test_the_tokenizer_tab_shows_the_books_words_with_unk():
    from playground.tokenizer_tab import tokenize
    text = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of the palace."
    counts, *_, words = tokenize("en", text, "the-verdict")
    assert "**16** word tokens from a vocabulary of 1,132" in counts
    assert "become <|unk|>" in counts and "`Hello`" in counts and "`palace`" in counts
    assert words[0] == ("Hello ", "unk") and words[1] == (", ", "1")
    assert "<|endoftext|> " in [piece for piece, _ in words]


# ----- the built page ----------------------------------------------------------------------

PAGE_LEARNER = "learner-inside-page"


@pytest.fixture(scope="module")
def page():
    from app import build_app
    from page import Page
    registry = JobRegistry()
    tokenizer = corpus_tokenizer("tang-five")
    tang = GPTModel(get_preset("tiny", vocab_size=tokenizer.n_vocab, context_length=32))
    registry.add_model(PAGE_LEARNER, SavedModel("my tang model", tang.eval(), tokenizer))
    return Page(build_app(registry, "zh"), PAGE_LEARNER)


def test_the_views_are_drawn_with_the_page_and_not_when_the_tab_opens(page):
    """A draw the tab's `.select` asked for before a learner's pick and click could land
    after theirs and replace their model's views with the untrained one's: the first views
    come with the page, and opening the tab only refreshes the model list."""
    assert {fn.name for fn in page.fns(page.tab("inside"), "select")} <= {"_refresh", "<lambda>"}
    for name in ("lookup", "attention", "layer_norm", "loss", "lens"):
        fn = page.api(f"inside_{name}")
        drawn = [page.values[c._id] for c in fn.outputs]
        if name == "attention":
            notice, *drawn = drawn
        assert all(value not in (None, "") for value in drawn), name
    twin_md = page.values[page.api("inside_attention").outputs[1]._id]
    assert twin_md.startswith("**" + t("picker.twin", "zh", label=t("picker.fresh", "zh")))


def test_picking_a_tang_model_swaps_the_english_example_for_a_poem(page):
    """A Tang model reads no English: with the example left as it was, every view would
    be an error."""
    picker = page.api("inside_lookup").inputs[2]
    text_box = page.api("inside_lookup").inputs[3]
    assert page.values[text_box._id] == t("inside.default_text", "zh")
    saved = next(v for _, v in page.call(page.fns(page.tab("inside"), "select")[0])["choices"]
                 if v.startswith("saved:"))
    page.set(picker, saved)
    assert page.values[text_box._id] == story_for("tang").probe_text


# ----- the launched app ---------------------------------------------------------------------

TINY = ["the-verdict", "", None, "auto", "tiny", 2, 2, 32, 16, 8]


def _rows(df) -> list[list]:
    return df["data"] if isinstance(df, dict) else df


@pytest.fixture(scope="module")
def client(live_app):
    from gradio_client import Client
    return Client(live_app, verbose=False)


@pytest.mark.slow
def test_api_pairs_attention_anatomy_loss_and_lens_on_a_trained_model(client):
    counts, _, windows, prefix = client.predict(TEXT, "gpt2", "the-verdict", 4, 2,
                                                api_name="/inside_pairs")
    assert "**12** tokens" in counts and _ids(_rows(windows)[1][2]) == [1464, 1807, 3619, 402]
    summary, steps, parts = client.predict(None, "hub:gpt2-124m", "fresh",
                                           api_name="/inside_anatomy")
    assert "163,037,184" in summary and "124,439,808" in summary and "621.94 MB" in summary
    # train a tiny model through the API, then look inside it
    assert "started" in client.predict(None, **start_kwargs(*TINY, 200, 3e-3, 1, "", False),
                                       api_name="/start").lower()
    deadline, status = time.monotonic() + 300, ""
    while "finished" not in status:
        assert time.monotonic() < deadline, f"the tiny run did not finish: {status}"
        time.sleep(0.5)
        status = client.predict(None, False, False, api_name="/poll")[1]
    saved = [v for _, v in client.predict("en", api_name="/models") if v.startswith("saved:")]
    assert saved
    notice, twin_md, twin_rows, _, md, rows, plot = client.predict(
        None, saved[0], TEXT, 1, 1, 5, api_name="/inside_attention")
    weights = [_number(row[5]) for row in _rows(rows)]
    assert sum(weights) == pytest.approx(1.0, abs=1e-3) and weights[6:] == [0.0] * (len(weights) - 6)
    assert "untrained twin" in twin_md and json.loads(plot["plot"])["data"][0]["type"] == "heatmap"
    loss_md, loss_rows = client.predict(None, saved[0], TEXT, api_name="/inside_loss")
    trained = float(re.search(r"cross-entropy = −mean = \*\*([\d.]+)", loss_md).group(1))
    twin = float(re.search(r"untrained twin: \*\*([\d.]+)", loss_md).group(1))
    assert trained < twin - 1                            # 300 steps on this very text
    lens_md, lens_plot = client.predict(None, saved[0], TEXT, api_name="/inside_lens")
    grid = json.loads(lens_plot["plot"])["data"][0]
    assert len(grid["z"]) == 12 and len(grid["z"][0]) == 3 and "2 blocks" in lens_md
    md, _ = client.predict(None, saved[0], TEXT, 0, 2, api_name="/inside_layer_norm")
    assert "| before |" in md


@pytest.fixture(scope="module")
def newcomer(live_app):
    """A learner of their own, with no training job (the other client trains one)."""
    from gradio_client import Client
    return Client(live_app, verbose=False)


@pytest.mark.slow
@pytest.mark.parametrize("api_name, args, message", [
    ("/inside_pairs", ("", "gpt2", "the-verdict", 4, 1), t("err.empty_text")),
    ("/inside_pairs", (TEXT, "gpt2", "the-verdict", 4, 0), "A stride of 0"),
    ("/inside_pairs", ("Hi there", "gpt2", "the-verdict", 8, 1), "needs 9"),
    ("/inside_attention", (None, "fresh", TEXT, 0, 0, 30), "there is no query"),
    ("/inside_lens", (None, "fresh", " ".join([TEXT] * 6)), "at most 64 tokens"),
    ("/inside_loss", (None, "live", TEXT), t("picker.err.no_live")),
])
def test_api_bad_input_is_a_clear_message_and_the_app_keeps_serving(newcomer, api_name, args,
                                                                     message):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError) as info:
        newcomer.predict(*args, api_name=api_name)
    assert message in str(info.value) and "Traceback" not in str(info.value)
    assert newcomer.predict(123, api_name="/inside_shortcuts")[0].startswith("Seed 123")


# ----- screenshots of each section, both languages ---------------------------------------

SECTIONS = ("inside.pairs.title", "inside.att.title", "inside.anat.title", "inside.loss.title",
            "inside.lens.title")


def _train_tiny_and_stop(page, lang: str) -> None:
    """A learner's own model: the tiny preset (set by the page's link) trained for a moment
    in the Pretrain tab."""
    # the page opened on ?tab=pretrain&preset=tiny: the link chose the preset
    page.get_by_role("button", name=t("pre.start", lang), exact=True).click()
    page.wait_for_function(                 # a loss curve with many points, not a fixed sleep
        """() => [...document.querySelectorAll('.js-plotly-plot .scatterlayer path.js-line')]
                 .some(p => (p.getAttribute('d') || '').split('L').length > 60)""",
        timeout=240_000)
    page.get_by_role("button", name=t("pre.stop", lang), exact=True).click()
    page.get_by_text(t("pre.did_stop", lang)).wait_for(timeout=60_000)


def _screenshot_sections(url: str, lang: str) -> None:
    from browser import open_page, outside_requests, save_screenshot
    from playwright.sync_api import expect

    # The link names the Pretrain tab, so the page's load event is seen to have answered
    # (it selects the tab) before any click: a late answer would switch back to the first tab.
    # The browser speaks `lang` too: its language comes before the app's default, so an
    # English browser would switch a Chinese app to English as the page opens.
    with open_page(url + "?tab=pretrain&preset=tiny", viewport=(1400, 1000),
                   locale="zh-CN" if lang == "zh" else "en-US") as (page, requests):
        page.wait_for_function(
            """(title) => [...document.querySelectorAll('button[role=tab][aria-selected=true]')]
                 .some(b => b.offsetParent !== null && b.innerText.trim() === title)""",
            arg=t("pre.tab", lang), timeout=180_000)
        _train_tiny_and_stop(page, lang)
        page.get_by_role("tab", name=t("inside.tab", lang), exact=True).locator(
            "visible=true").first.click()
        panel = page.locator("#inside-tab")
        panel.get_by_role("button", name=t("picker.refresh", lang)).click()
        panel.get_by_label(t("picker.label", lang)).click()
        mine = t("pre.job_label", lang).split("{")[0]
        page.get_by_role("option", name=re.compile("^" + re.escape(mine))).first.click()
        if lang == "zh":     # the page's Tang model reads no English: the example swaps first
            expect(panel.get_by_label(t("inside.text", lang))).to_have_value(
                story_for("tang").probe_text, timeout=60_000)
        for key in ("inside.lookup.run", "inside.att.run", "inside.ln.run", "inside.loss.run",
                    "inside.lens.run"):
            panel.get_by_role("button", name=t(key, lang), exact=True).click()
        twin_of = t("picker.twin", lang, label="").strip()      # "untrained twin of" …
        expect(panel.get_by_text(re.compile(re.escape(mine) + ".*" + re.escape(twin_of) + "|"
                                            + re.escape(twin_of) + ".*" + re.escape(mine))
                                 ).first).to_be_visible(timeout=90_000)
        expect(panel.get_by_text(t("inside.lens.caveat", lang)[:30]).first).to_be_visible(
            timeout=90_000)
        page.wait_for_function(                  # every figure drawn: 2 + 2 + 1 heatmaps at least
            "() => document.querySelectorAll('#inside-tab .js-plotly-plot .hm, "
            "#inside-tab .js-plotly-plot .heatmaplayer').length >= 4", timeout=90_000)
        for n, key in enumerate(SECTIONS, 1):
            section = panel.locator(".block", has=page.get_by_text(t(key, lang), exact=True)).last
            section.scroll_into_view_if_needed()
            path = save_screenshot(page, f"inside-{lang}-{n}.png", full_page=False)
            section.screenshot(path=str(path))
            assert path.stat().st_size > 10_000
        assert not outside_requests(requests)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_browser_screenshots_of_each_section(lang, tmp_path_factory):
    """An app of its own (served in `lang`), so no other test's job holds a training slot."""
    from conftest import launch_app, stop_app
    proc, url = launch_app(tmp_path_factory.mktemp(lang) / "app.log",
                           tmp_path_factory.mktemp(lang + "cache"), LLM_PLAYGROUND_LANG=lang)
    try:
        _screenshot_sections(url, lang)
    finally:
        stop_app(proc)
