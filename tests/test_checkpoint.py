"""Checkpoints: exact round trip, clear errors, and no broken file after a crash."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import core.checkpoint as ckpt
from core.checkpoint import CheckpointError, load_checkpoint, read_meta, save_checkpoint
from core.model import GPTModel
from core.runtime import make_optimizer
from core.tokenizer import BPETokenizer, CharTokenizer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def char_model(tiny_cfg, seeded):
    tok = CharTokenizer([chr(ord("0") + i) for i in range(tiny_cfg.vocab_size)])
    return GPTModel(tiny_cfg).eval(), tok


def test_save_load_gives_identical_logits(tmp_path, char_model):
    model, tok = char_model
    save_checkpoint(tmp_path / "run", model, tok, step=42, metrics={"val_loss": 1.5})
    loaded = load_checkpoint(tmp_path / "run.safetensors")
    idx = torch.randint(0, 64, (2, 16))
    with torch.no_grad():
        torch.testing.assert_close(loaded.model.eval()(idx), model(idx), rtol=0, atol=0)
    assert loaded.step == 42 and loaded.meta["metrics"] == {"val_loss": 1.5}
    assert loaded.tokenizer.chars == tok.chars
    sidecar = json.loads((tmp_path / "run.json").read_text())
    assert sidecar["config"] == model.cfg.to_dict() and sidecar["step"] == 42


def test_tied_weights_stay_tied(tmp_path, tiny_cfg):
    cfg = tiny_cfg.replace(vocab_size=50257, tie_weights=True)
    model = GPTModel(cfg)
    save_checkpoint(tmp_path / "tied", model, BPETokenizer())
    loaded = load_checkpoint(tmp_path / "tied").model
    assert loaded.out_head.weight is loaded.tok_emb.weight
    torch.testing.assert_close(loaded.tok_emb.weight, model.tok_emb.weight)


def test_optimizer_state_round_trips(tmp_path, char_model):
    model, tok = char_model
    model.train()
    opt = make_optimizer(model, lr=1e-3)
    x = torch.randint(0, 64, (2, 16))
    for _ in range(3):
        loss = model(x).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    save_checkpoint(tmp_path / "r", model, tok, optimizer=opt)
    loaded, opt2 = load_checkpoint(tmp_path / "r", optimizer_factory=lambda m: make_optimizer(m, lr=1e-3))
    before, after = opt.state_dict()["state"], opt2.state_dict()["state"]
    assert before.keys() == after.keys() and len(before) > 0
    for index in before:
        for name in ("exp_avg", "exp_avg_sq", "step"):
            torch.testing.assert_close(before[index][name], after[index][name])


def test_truncated_file_gives_clear_error(tmp_path, char_model):
    model, tok = char_model
    path = save_checkpoint(tmp_path / "t", model, tok)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or damaged"):
        load_checkpoint(path)
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(CheckpointError, match="truncated or damaged|not a readable"):
        load_checkpoint(path)


def test_wrong_shape_is_refused_naming_the_tensor(tmp_path, char_model):
    model, tok = char_model
    path = save_checkpoint(tmp_path / "s", model, tok)
    from safetensors.torch import load_file, save_file
    tensors = load_file(str(path))
    tensors["trf_blocks.0.att.W_query.weight"] = torch.zeros(3, 3)
    save_file(tensors, str(path), metadata={ckpt.META_KEY: json.dumps(read_meta(path))})
    with pytest.raises(CheckpointError, match="trf_blocks.0.att.W_query.weight"):
        load_checkpoint(path)


def test_foreign_safetensors_file_is_refused(tmp_path):
    from safetensors.torch import save_file
    save_file({"w": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(CheckpointError, match="not an LLM Playground checkpoint"):
        load_checkpoint(tmp_path / "other.safetensors")


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace", "sidecar"])
def test_a_failed_save_leaves_the_previous_checkpoint_loadable(tmp_path, char_model, monkeypatch, fail_at):
    model, tok = char_model
    save_checkpoint(tmp_path / "c", model, tok, step=1)
    newer = GPTModel(model.cfg)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt("stopped while saving")

    if fail_at == "write":
        def partial_write(tensors, filename, metadata=None):
            Path(filename).write_bytes(b"half a file")
            boom()
        monkeypatch.setattr(ckpt, "save_file", partial_write)
    elif fail_at == "fsync":
        monkeypatch.setattr(ckpt.os, "fsync", boom)
    elif fail_at == "replace":
        monkeypatch.setattr(ckpt.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        if fail_at == "sidecar":  # weights renamed, then the sidecar write dies
            real = ckpt._atomic_write
            calls = []

            def second_fails(target, write):
                calls.append(target)
                if len(calls) == 2:
                    boom()
                real(target, write)
            monkeypatch.setattr(ckpt, "_atomic_write", second_fails)
        save_checkpoint(tmp_path / "c", newer, tok, step=2)
    loaded = load_checkpoint(tmp_path / "c")
    assert loaded.step in (1, 2)
    reference = model if loaded.step == 1 else newer
    torch.testing.assert_close(loaded.model.tok_emb.weight, reference.tok_emb.weight)
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


SAVE_LOOP = """
import sys, torch
from core.config import get_preset
from core.model import GPTModel
from core.checkpoint import save_checkpoint
from core.tokenizer import CharTokenizer
cfg = get_preset("tiny", emb_dim=256, n_heads=4, n_layers=4, vocab_size=64)
tok = CharTokenizer([chr(48 + i) for i in range(64)])
step = 0
while True:
    step += 1
    torch.manual_seed(step)
    save_checkpoint(sys.argv[1], GPTModel(cfg), tok, step=step)
    print(step, flush=True)
"""


@pytest.mark.slow
def test_killing_the_process_mid_save_never_breaks_the_checkpoint(tmp_path):
    target = tmp_path / "kill"
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-c", SAVE_LOOP, str(target)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()                   # at least one save completed
        time.sleep(0.05 + 0.037 * attempt)        # then kill at varying points
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        loaded = load_checkpoint(target)
        assert loaded.step >= 1


def test_model_memory_comes_from_the_header_alone(tmp_path, char_model):
    model, tok = char_model
    optimizer = make_optimizer(model)
    model(torch.tensor([[1, 2]])).sum().backward()
    optimizer.step()
    path = save_checkpoint(tmp_path / "m", model, tok, optimizer=optimizer)
    expected = sum(p.numel() for p in model.parameters()) * 4   # float32, optimizer not counted
    assert ckpt.model_memory(path) == expected
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])                      # the tensors are cut off …
    assert ckpt.model_memory(path) == expected                   # … the header still answers
    with pytest.raises(CheckpointError):
        load_checkpoint(path)
