"""Instruction fine-tuning (chapter 7): the format, the collate function, the data, the
tab's handlers and the live app."""

import json
import time

import gradio as gr
import pytest
import torch

from core.instruct import (EncodedItem, check_instruction_data, custom_collate_fn, format_input,
                           read_instruction_upload, split_book_data, split_tang_item, tang_prompt,
                           whole_tang_items, word_overlap_f1)


def _instruct_start(tab, learner, *values):
    """The instruction tab's Start with its widgets by name, as the API takes them."""
    from playground.instruct_tab import InstructSetup
    return tab.start(None, learner, "en", **dict(zip(InstructSetup.WIDGETS, values)))


def test_format_input_is_exactly_the_books():
    with_input = {"instruction": "Identify the correct spelling of the following word.",
                  "input": "Ocassion", "output": "The correct spelling is 'Occasion.'"}
    assert format_input(with_input) == (
        "Below is an instruction that describes a task. Write a response that appropriately "
        "completes the request.\n\n### Instruction:\nIdentify the correct spelling of the "
        "following word.\n\n### Input:\nOcassion")
    without = {"instruction": "What is an antonym of 'complicated'?", "input": "", "output": "x"}
    assert format_input(without) == (
        "Below is an instruction that describes a task. Write a response that appropriately "
        "completes the request.\n\n### Instruction:\nWhat is an antonym of 'complicated'?")


def test_collate_ids_targets_and_ignored_positions_on_a_hand_example():
    batch = [[0, 1, 2, 3, 4], [5, 6], [7, 8, 9]]               # the book's own example
    inputs, targets = custom_collate_fn(batch, pad_token_id=50256)
    assert inputs.tolist() == [[0, 1, 2, 3, 4], [5, 6, 50256, 50256, 50256],
                               [7, 8, 9, 50256, 50256]]
    assert targets.tolist() == [[1, 2, 3, 4, 50256], [6, 50256, -100, -100, -100],
                                [8, 9, 50256, -100, -100]]
    # masking the instruction: the first 2 tokens of each item are its prompt
    items = [EncodedItem(b, 2) for b in batch]
    _, masked = custom_collate_fn(items, pad_token_id=50256, mask_instruction=True)
    assert masked.tolist() == [[-100, 2, 3, 4, 50256], [-100, 50256, -100, -100, -100],
                               [-100, 9, 50256, -100, -100]]
    # truncation to allowed_max_length
    inputs, targets = custom_collate_fn(batch, pad_token_id=50256, allowed_max_length=3)
    assert inputs.shape == targets.shape == (3, 3)
    assert targets.tolist()[0] == [1, 2, 3]


def test_the_books_split_sizes(data_dir):
    data = json.loads((data_dir / "instruction-data.json").read_text())
    train, val, test = split_book_data(data)
    assert (len(train), len(val), len(test)) == (935, 55, 110)
    assert train[0] == data[0] and test[0] == data[935] and val[0] == data[1045]


def test_tang_items_split_at_the_response():
    prompt, poem = split_tang_item(tang_prompt("靜夜思") + "牀前明月光，疑是地上霜。")
    assert prompt == "<INS>請用以下題目寫一首詩<INP>靜夜思<RES>" and poem == "牀前明月光，疑是地上霜。"


def test_a_tang_fine_tune_keeps_only_whole_poems_and_counts_them(monkeypatch):
    """Catches a poem cut at the context (or one exactly as long as it: its end-of-text
    would not fit), the cap counted as poems that did not fit, and an empty validation."""
    from core.tokenizer import CharTokenizer
    import core.instruct as instruct
    tok = CharTokenizer.from_text(tang_prompt("題") + "一二三四五六七八九十，。\0", name="tang-test")
    prompt = tang_prompt("題")
    n = len(tok.encode(prompt))
    short, exact, long = (prompt, "一二"), (prompt, "一" * 3), (prompt, "一" * 9)
    monkeypatch.setattr(instruct, "TANG_TRAIN_ITEMS", 2)
    train, val, whole = whole_tang_items([short, exact, long, short, short], [long, long, long, long],
                                         tok, n + 3)
    assert train == [short, short] and whole == 3      # 3 fit; the cap keeps 2
    assert val == [long, long, long]                   # none fits: the first three as they are
    assert whole_tang_items([], [short, exact], tok, n + 3)[1] == [short]


def test_tang_parts_split_90_10(data_dir):
    from core.corpora import tang_parts
    poems = json.loads((data_dir / "tang" / "test_data.json").read_text())
    parts = tang_parts(poems * 10)
    n = len(parts["instructions"])
    assert len(parts["instructions_train"]) == int(n * 0.9)
    assert parts["instructions_train"] + parts["instructions_eval"] == parts["instructions"]


@pytest.mark.parametrize("data, message", [
    ({"instruction": "x"}, "JSON list"),
    ([], "JSON list"),
    ([{"instruction": "x"}], "needs a text 'output'"),
    ([{"instruction": "", "output": "y"}], "needs a text 'instruction'"),
    ([{"instruction": "x", "input": 3, "output": "y"}], "needs a text 'input'"),
    (["just a string"], "not an object"),
])
def test_malformed_instruction_data_is_refused_clearly(data, message):
    with pytest.raises(ValueError, match=message):
        check_instruction_data(data)


def test_uploads_are_checked_for_size_utf8_and_json():
    with pytest.raises(ValueError, match="too large"):
        read_instruction_upload(b"[" + b" " * 100 + b"]", max_bytes=50)
    with pytest.raises(ValueError, match="not UTF-8"):
        read_instruction_upload(bytes(range(256)))
    with pytest.raises(ValueError, match="not valid JSON"):
        read_instruction_upload(b'[{"instruction": "x",')
    ok = read_instruction_upload(json.dumps([{"instruction": "a", "output": "b"}]).encode())
    assert ok == [{"instruction": "a", "input": "", "output": "b"}]


def test_word_overlap_score():
    assert word_overlap_f1("The meal is cooked.", "the meal is cooked") == 1.0
    assert word_overlap_f1("nothing alike", "completely different") == 0.0
    assert 0 < word_overlap_f1("the book is great", "the book is a page-turner") < 1


# ----- the tab ---------------------------------------------------------------------------

@pytest.fixture
def tab(make_tab):
    from playground.instruct_tab import InstructTab
    return make_tab(InstructTab)


def _finish(tab, learner):
    from conftest import poll_until_finished
    return poll_until_finished(lambda key: tab.tick(None, learner, "en", False, key), 1)


def test_inspector_shows_both_masking_choices(tab, data_dir):
    """The second table masks every prompt target (−100) on top of the padding, and the
    counts say so: a masked run that left the instruction in would fail here."""
    import re
    from core.instruct import book_instruction_data, prompt_and_response, split_book_data
    from core.tokenizer import BPETokenizer
    html, summary = tab.inspect("en", "book", None)
    assert html.count('class="mask-table"') == 2 and "count towards the loss" in summary
    pairs = [prompt_and_response(e) for e in split_book_data(book_instruction_data())[0][:2]]
    tok = BPETokenizer()
    lengths = [len(tok.encode(p + r)) for p, r in pairs]
    prompts = [len(tok.encode(p)) for p, _ in pairs]
    full, masked = sum(lengths), sum(n - (k - 1) for n, k in zip(lengths, prompts))
    total = 2 * (max(lengths) + 1 - 1)
    assert f"Of {total} target positions, **{full}** count" in summary
    assert f"**{masked}** when the instruction is masked" in summary and masked < full
    tables = html.split('class="mask-table"')[1:]
    ignored = [len(re.findall(r"<td>−100</td>", table)) for table in tables]
    assert ignored == [total - full, total - masked]


def test_a_tiny_fine_tune_samples_chats_and_evaluates(tab, data_dir):
    assert "started" in _instruct_start(tab, "learner-ins", "book", None, "scratch", True, 20, 8,
                                  1e-3, 1)
    loss, status, responses, picker, _ = _finish(tab, "learner-ins")
    assert responses.count("<tr>") >= 4 and "at step 20" in responses
    choice = picker["value"]
    assert choice.startswith("saved:")
    saved = tab.registry.model_by_id("learner-ins", choice[len("saved:"):])
    assert "instruction-tuned" in saved.tags
    outputs = list(tab.chat(None, "learner-ins", "en", choice, "Name a colour.", "", 10, False))
    assert outputs and isinstance(outputs[-1][0], str) and outputs[-1][0].strip(), outputs[-1]
    rows = list(tab.evaluate(None, "learner-ins", "en", choice, "book", None, 2, False, "", "", ""))
    assert "mean word overlap" in rows[-1][1] and rows[-1][0].count("<tr>") == 3


def test_bad_input_gets_clear_messages(tab, data_dir, tmp_path):
    with pytest.raises(gr.Error, match="Choose a JSON file"):
        _instruct_start(tab, "learner-ins2", "upload", None, "scratch", False, 10, 8, 1e-3, 1)
    broken = tmp_path / "broken.json"
    broken.write_text('[{"instruction": "x"')
    with pytest.raises(gr.Error, match="not valid JSON"):
        tab.inspect("en", "upload", str(broken))
    with pytest.raises(gr.Error, match="Type an instruction"):
        next(tab.chat(None, "learner-ins2", "en", "fresh", "  ", "", 10, False))
    with pytest.raises(gr.Error, match="GPT-2 could not be loaded"):
        _instruct_start(tab, "learner-ins2", "book", None, "gpt2-124m", False, 10, 8, 1e-3, 1)
    from core.config import get_preset
    from core.jobs import SavedModel
    from core.model import GPTModel
    from core.tokenizer import CharTokenizer
    tok = CharTokenizer.from_text("hello")
    model = SavedModel("chars", GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)), tok)
    tab.registry.add_model("learner-ins2", model)
    with pytest.raises(gr.Error, match="character-level model cannot take the English"):
        _instruct_start(tab, "learner-ins2", "book", None, f"saved:{model.id}", False, 10, 8,
                  1e-3, 1)
    with pytest.raises(gr.Error, match="Tang character model"):
        _instruct_start(tab, "learner-ins2", "tang", None, "fresh", False, 10, 8, 1e-3, 1)


def test_an_unreachable_judge_is_a_clear_message(tab, data_dir):
    from core.jobs import SavedModel
    from playground.model_picker import resolve_model
    picked = resolve_model(tab.registry, "fresh", "learner-ins3")
    tab.registry.add_model("learner-ins3", SavedModel("m", picked.model, picked.tokenizer))
    choice = "saved:" + tab.registry.models("learner-ins3")[0].id
    with pytest.raises(gr.Error, match="judge could not score"):
        list(tab.evaluate(None, "learner-ins3", "en", choice, "book", None, 1, True,
                          "http://127.0.0.1:9/v1/chat/completions", "m", "secret-token-123"))


@pytest.mark.slow
def test_api_inspector_tiny_fine_tune_and_chat(live_app):
    from gradio_client import Client
    client = Client(live_app, verbose=False)
    html, summary = client.predict("book", None, api_name="/instruct_inspect")
    assert "mask-table" in html
    assert "started" in client.predict(None, dataset="book", upload=None, base="scratch",
                                       mask_instruction=False, steps=15, batch=8, lr=1e-3, seed=1,
                                       api_name="/instruct_start")
    deadline, status = time.monotonic() + 150, ""
    while time.monotonic() < deadline:
        loss, status, responses, picker, _ = client.predict(None, False, api_name="/instruct_poll")
        if "finished" in status:
            break
        time.sleep(0.5)
    assert "finished" in status and "at step 15" in responses
    models = [v for _, v in client.predict(None, "en", api_name="/models") if v.startswith("saved:")]
    reply, notes = client.predict(None, models[0], "Name a fruit.", "", 10, False,
                                  api_name="/instruct_chat")
    assert isinstance(reply, str) and reply.strip(), (reply, notes)


@pytest.mark.slow
@pytest.mark.browser
def test_browser_inspector_and_chat(live_app):
    from browser import open_page, outside_requests, save_screenshot
    with open_page(live_app, viewport=(1400, 1100)) as (page, requests):
        page.get_by_role("tab", name="Instructions").click()
        page.get_by_role("button", name="Show one batch").click()
        page.locator(".mask-table").first.wait_for(timeout=30_000)
        save_screenshot(page, "instruct-inspector.png", full_page=False)
        page.get_by_label("training steps").fill("15")
        page.get_by_role("button", name="Fine-tune", exact=True).click()
        page.get_by_text("at step 15", exact=False).first.wait_for(timeout=150_000)
        page.get_by_role("button", name="Respond", exact=True).click()
        response = page.get_by_label("Response", exact=True)
        page.wait_for_function("el => el.value.length > 0", arg=response.element_handle(),
                               timeout=60_000)
        response.scroll_into_view_if_needed()
        save_screenshot(page, "instruct-chat.png")
        assert outside_requests(requests) == []


def _huge_upload(tmp_path, monkeypatch, suffix):
    """A 6 MB file (over the 5 MB limit) that must not be read: reading it fails."""
    import builtins
    import pathlib
    huge = tmp_path / f"huge{suffix}"
    with open(huge, "wb") as fh:
        fh.truncate(6_000_000)
    real_open, real_read = builtins.open, pathlib.Path.read_bytes

    def guarded_open(file, *args, **kwargs):
        assert str(file) != str(huge), "the whole upload was opened before its size was checked"
        return real_open(file, *args, **kwargs)

    def guarded_read(self):
        assert str(self) != str(huge), "the whole upload was read before its size was checked"
        return real_read(self)
    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", guarded_read)
    return huge


def test_an_upload_over_the_limit_is_refused_before_it_is_read(tab, tmp_path, monkeypatch):
    huge = _huge_upload(tmp_path, monkeypatch, ".json")
    with pytest.raises(gr.Error, match="too large: 6,000,000 bytes, at most 5,000,000"):
        tab.inspect("en", "upload", str(huge))
    from core.jobs import JobRegistry
    from playground.pretrain_tab import Pretrain
    from playground.session import AppContext
    from conftest import start_kwargs
    setup = start_kwargs("upload", "", str(huge), "auto", "tiny", 2, 2, 32, 16, 4, 10, 3e-3, 1, "")
    described = Pretrain(AppContext(JobRegistry())).describe("en", **setup)
    assert "too large: 6,000,000 bytes" in described


def test_chat_and_evaluation_queue_apart_and_the_why_has_its_own_limit():
    """Two long evaluations must not hold up every learner's chat: different groups."""
    from app import build_app
    demo = build_app()
    fns = {f.api_name: f for f in (demo.fns.values() if isinstance(demo.fns, dict) else demo.fns)}
    chat, evaluate, why = fns["instruct_chat"], fns["instruct_evaluate"], fns["spam_classify"]
    assert chat.concurrency_id != evaluate.concurrency_id
    groups = [f.concurrency_id for name, f in fns.items() if name != "spam_classify"]
    assert why.concurrency_id not in groups and why.concurrency_limit <= 2


@pytest.mark.slow
def test_the_launched_app_sets_gradios_upload_limit(live_app):
    import json
    import urllib.request
    from playground.pretrain_tab import MAX_LOAD_BYTES
    with urllib.request.urlopen(live_app + "config", timeout=30) as resp:
        config = json.loads(resp.read())
    assert config["max_file_size"] == MAX_LOAD_BYTES
