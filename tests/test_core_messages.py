"""core's messages and a job's end reasons reach the page in the learner's language: each
kind the page can meet is raised by the real core code here, so a change of wording in
core fails this test instead of showing English on a Chinese page. Offline, missing data
says what is missing and what to do, without exception text."""

from __future__ import annotations

import re

import gradio as gr
import pytest
import torch

import core.corpora as corpora
from core.config import get_preset
from core.corpora import check_user_text, decode_upload
from core.data import tokenize_and_split
from core.instruct import check_instruction_data, read_instruction_upload
from core.jobs.job import _exit_reason
from core.model import GPTModel
from core.objectives import check_split
from core.positional import learned_positions
from core.tokenizer import CharTokenizer
from core.train import TrainConfig, pretraining_trainer
from playground.errors import CORE_MESSAGES, friendly, message_for, say

CJK = re.compile(r"[\u4e00-\u9fff]")


def _raised(action) -> str:
    with pytest.raises(ValueError) as info:
        action()
    return str(info.value)


CASES = {
    "core.text_short": lambda: _raised(lambda: check_user_text("")),
    "core.text_not_str": lambda: _raised(lambda: check_user_text(None)),
    "core.text_binary": lambda: _raised(lambda: check_user_text("a\x00b")),
    "core.text_long": lambda: _raised(lambda: check_user_text("a" * 5_000_001)),
    "core.file_large": lambda: _raised(lambda: decode_upload(b"a" * 101, max_bytes=100)),
    "core.file_not_utf8": lambda: _raised(lambda: decode_upload(bytes(range(256)))),
    "core.json_invalid": lambda: _raised(lambda: read_instruction_upload(b"[{")),
    "core.json_not_list": lambda: _raised(lambda: read_instruction_upload(b"{}")),
    "core.json_too_many": lambda: _raised(lambda: check_instruction_data([{}] * 100_001)),
    "core.item_not_object": lambda: _raised(lambda: check_instruction_data([1])),
    "core.item_field": lambda: _raised(lambda: check_instruction_data([{"output": "x"}])),
    "core.item_long": lambda: _raised(lambda: check_instruction_data(
        [{"instruction": "x" * 100_000, "output": "y"}])),
    "core.heads_divide": lambda: _raised(lambda: get_preset("tiny", vocab_size=10).replace(
        emb_dim=30, n_heads=4)),
    "core.split_short": lambda: _raised(lambda: check_split(torch.zeros(5), 16, "validation")),
    "core.few_tokens": lambda: _raised(lambda: tokenize_and_split(
        "a", CharTokenizer.from_text("a"))),
    "core.switched_off": lambda: _raised(lambda: learned_positions(GPTModel(get_preset(
        "tiny").replace(use_positions=False)))),
    "core.killed_oom": lambda: _exit_reason(-9)[1],
    "core.killed": lambda: _exit_reason(-15)[1],
    "core.exit_code": lambda: _exit_reason(3)[1],
    "core.died": lambda: _exit_reason(None)[1],
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_each_kind_is_recognised_and_said_in_chinese(key):
    text = CASES[key]()
    kinds = [k.key for k in CORE_MESSAGES if k.pattern.fullmatch(text)]
    assert kinds and kinds[0] == key, f"{text!r} is read as {kinds}"
    chinese = say(text, "zh")
    assert CJK.search(chinese) and "英文原文" not in chinese
    assert say(text, "en") and "英文原文" not in say(text, "en")


def test_a_diverged_run_explains_itself_in_chinese():
    result = _tiny_trainer(lr=50.0)[2].run()
    assert result.status == "failed"
    chinese = say(result.reason, "zh")
    assert "英文原文" not in chinese and "权重已恢复" in chinese, (result.reason, chinese)
    assert say(result.reason, "en").startswith("the ")


def _tiny_trainer(**train):
    text = "the quick brown fox jumps over the lazy dog. " * 40
    tok = CharTokenizer.from_text(text)
    ids = torch.tensor(tok.encode(text))
    torch.manual_seed(0)
    model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab))
    cfg = TrainConfig(**{**dict(max_steps=30, batch_size=8, warmup_steps=0, eval_every=10,
                                eval_batches=1, sample_every=100, sample_prompt="the ",
                                sample_tokens=4), **train})
    return tok, ids, pretraining_trainer(model, tok, ids[:1600], ids[1600:], cfg)


def test_a_stopped_run_and_a_job_stopped_in_the_queue_say_so_in_chinese():
    _, _, trainer = _tiny_trainer()
    trainer.stop_event.set()
    result = trainer.run()
    assert say(result.reason, "zh") == "按要求停止"
    from core.jobs import JobSpec, TrainingJob
    tok, ids, _ = _tiny_trainer()
    spec = JobSpec.pretraining("queued", get_preset("tiny", vocab_size=tok.n_vocab),
                               TrainConfig(max_steps=5, batch_size=4, warmup_steps=1), tok, ids[:1400], ids[1400:])
    job = TrainingJob("learner-queued", spec)
    job.stop()
    assert say(job.reason, "zh") == "在开始之前就停止了"


@pytest.mark.parametrize("reason, words", [
    # the forms core/train.py and core/jobs.py write but a test cannot make happen on demand
    ("the loss became nan at step 12; the weights were reset to the last healthy evaluation",
     "第 12 步时损失变成了 nan；权重已恢复"),
    ("the gradient became inf at step 3", "第 3 步时梯度变成了 inf"),
    ("another process saw the loss diverge", "另一个进程"),
    ("the job could not start: OSError: [Errno 12] Cannot allocate memory", "无法启动"),
])
def test_end_reasons_core_writes_rarely(reason, words):
    chinese = say(reason, "zh")
    assert words in chinese and "Errno" not in chinese and "英文原文" not in chinese


def test_an_unknown_message_stays_readable_and_says_so():
    assert say("something new happened", "en") == "something new happened"
    assert say("something new happened", "zh") == "（英文原文）something new happened"


def test_the_hub_message_names_the_mirror_and_drops_the_exception(monkeypatch):
    from core import pretrained

    monkeypatch.setattr(pretrained, "_cached_folder", lambda *a: None)
    monkeypatch.setattr(pretrained, "_hub_reachable", lambda: "cannot reach huggingface.co")
    with pytest.raises(pretrained.PretrainedUnavailable) as info:
        pretrained._fetch("openai-community/gpt2", None)
    for lang in ("en", "zh"):
        message = say(str(info.value), lang)
        assert "HF_ENDPOINT" in message and "ConnectionError" not in message


def test_missing_data_says_what_and_what_to_do_without_exception_text(monkeypatch, tmp_path):
    """Offline, with no data folder and the embedded copy gone: the learner reads which
    data is missing and what to do, in the page's language."""
    monkeypatch.delenv("LLM_PLAYGROUND_DATA", raising=False)
    monkeypatch.setenv("LLM_PLAYGROUND_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(corpora, "ASSETS", tmp_path / "no-assets")

    @friendly
    def handler(lang):
        return corpora.dataset_path("sms-spam")

    for lang, words in (("en", "Reinstall"), ("zh", "重新安装")):
        with pytest.raises(gr.Error) as info:
            handler(lang)
        message = info.value.message
        assert words in message and "sms-spam" in message and "LLM_PLAYGROUND_DATA" in message
        assert "Error" not in message and "Traceback" not in message and str(tmp_path) not in message


def test_a_damaged_copy_is_named_in_the_learners_language(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    (folder / "tinyshakespeare").mkdir(parents=True)
    (folder / "tinyshakespeare" / "input.txt").write_text("not shakespeare")
    monkeypatch.setenv("LLM_PLAYGROUND_DATA", str(folder))
    with pytest.raises(corpora.CorpusUnavailable) as info:
        corpora.corpus_path("tiny-shakespeare")
    message = message_for(info.value, "zh")
    assert "tiny-shakespeare" in message and "不一致" in message and str(folder) not in message
