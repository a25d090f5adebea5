"""Pretrain tab handlers called directly: bad input gives clear messages, jobs run."""

import time

import gradio as gr
import pytest

from playground import pretrain_tab as tab
from playground.session import REGISTRY

TINY = dict(kind="auto", preset="tiny", layers=2, heads=2, emb=32, context=16, batch=4)


def start(learner, corpus="the-verdict", own_text="", upload=None, steps=30, lr=3e-3, seed=1,
          resume=False, **overrides):
    args = {**TINY, **overrides}
    return tab._start(learner, corpus, own_text, upload, args["kind"], args["preset"],
                      args["layers"], args["heads"], args["emb"], args["context"], args["batch"],
                      steps, lr, seed, resume, None)


def wait_state(learner, states, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = REGISTRY.get(learner)
        if job is not None and job.view().state.value in states:
            return job.view()
        time.sleep(0.05)
    raise AssertionError(f"job did not reach {states}")


@pytest.fixture
def learner(request):
    name = f"learner-{request.node.name}"[:60]
    yield name
    REGISTRY.stop(name)


@pytest.mark.parametrize("corpus, text, message", [
    ("own-text", "", "too short"),
    ("own-text", "a", "too short"),
    ("upload", None, "Choose a .txt file"),
])
def test_bad_text_gets_a_clear_message(learner, corpus, text, message):
    with pytest.raises(gr.Error, match=message):
        start(learner, corpus, own_text=text)


def test_binary_and_oversized_uploads_are_refused(learner, tmp_path, monkeypatch):
    binary = tmp_path / "x.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(gr.Error, match="not UTF-8"):
        start(learner, "upload", upload=str(binary))
    monkeypatch.setattr(tab, "MAX_UPLOAD_BYTES", 100)
    big = tmp_path / "big.txt"
    big.write_text("word " * 100)
    with pytest.raises(gr.Error, match="too large"):
        start(learner, "upload", upload=str(big))


@pytest.mark.parametrize("overrides, message", [
    ({"steps": 0}, "steps"),
    ({"steps": "many"}, "steps"),
    ({"context": 1024}, "shorter context"),
    ({"lr": "fast"}, "learning rate"),
    ({"emb": 30, "heads": 4}, "divisible"),
])
def test_bad_settings_get_a_clear_message(learner, overrides, message):
    with pytest.raises(gr.Error, match=message):
        start(learner, **overrides)


def test_absurd_learning_rate_trips_the_guard_and_says_so(learner):
    start(learner, steps=200, lr=1e9)
    view = wait_state(learner, {"failed", "finished"})
    assert view.state.value == "failed"
    status = tab._status(view)
    assert "learning rate is too high" in status or "nan" in status.lower()


def test_own_text_trains_and_reports(learner):
    text = "It was the best of times, it was the worst of times. " * 30
    assert "started" in start(learner, "own-text", own_text=text, steps=25)
    view = wait_state(learner, {"finished"})
    assert view.steps and view.evals and view.samples
    assert view.evals[-1].train_loss < view.evals[0].train_loss + 1e-6 or len(view.evals) == 1
    plot, status, samples, key = tab._tick(learner, False, False, None, None)
    assert "finished" in status and samples and key is not None
    assert tab._tick(learner, False, False, key, None)[0] is not plot   # unchanged → skipped
    files, message = tab._save(learner, None)
    assert files[0].endswith(".safetensors") and "step 25" in message


def test_second_start_while_running_is_refused(learner):
    start(learner, steps=100_000)
    with pytest.raises(gr.Error, match="already have a training job"):
        start(learner)


def test_load_refuses_non_safetensors(learner, tmp_path):
    fake = tmp_path / "model.bin"
    fake.write_bytes(b"pickle!")
    with pytest.raises(gr.Error, match="safetensors"):
        tab._load(learner, str(fake), None)
    broken = tmp_path / "model.safetensors"
    broken.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(gr.Error, match="truncated or damaged|not a readable|not an LLM"):
        tab._load(learner, str(broken), None)


def test_describe_shows_parameter_count():
    text = tab._describe("the-verdict", "", None, "auto", "cpu-demo", 4, 4, 128, 64, 16)
    assert "parameters" in text and "per step" in text
    assert "⚠" in tab._describe("tang-missing", "", None, "auto", "cpu-demo", 4, 4, 128, 64, 16)


def test_tang_samples_can_be_shown_in_simplified_characters():
    assert tab._sample_text("舉頭望明月", "tang-char", True) == "举头望明月"
    assert tab._sample_text("舉頭望明月", "tang-char", False) == "舉頭望明月"
    assert tab._sample_text("Hello", "the-verdict-gpt2-subset", True) == "Hello"
