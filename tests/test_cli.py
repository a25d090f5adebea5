"""The command line: the Pretrain tab's trainer from flags, resume, bad flags, and two
processes under torchrun (DistributedDataParallel, gloo) against one."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "core.train", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def losses(stdout: str) -> list[tuple[int, float, float]]:
    return [(int(m[1]), float(m[2]), float(m[3]))
            for m in re.finditer(r"step\s+(\d+)/\d+\s+loss ([\d.]+)\s+val ([\d.]+)", stdout)]


def test_train_resume_and_the_app_loads_the_result(tmp_path):
    out = tmp_path / "run"
    first = run("--corpus", "the-verdict", "--preset", "tiny", "--steps", "12", "--eval-every",
                "6", "--out", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    assert [step for step, _, _ in losses(first.stdout)] == [0, 6, 12]
    assert "finished at step 12" in first.stdout
    second = run("--resume", str(out / "checkpoint"), "--steps", "18", "--eval-every", "6",
                 "--out", str(out))
    assert second.returncode == 0, second.stderr[-2000:]
    assert [step for step, _, _ in losses(second.stdout)] == [18]
    from core.checkpoint import load_checkpoint
    from core.generate import generate
    checkpoint = load_checkpoint(out / "checkpoint.safetensors")
    assert checkpoint.step == 18 and "optimizer" in checkpoint.meta
    assert generate(checkpoint.model, torch.tensor([[1, 2]]), 5, 16).shape == (1, 7)
    # the Pretrain tab's Load takes the file as it is
    from core.jobs import JobRegistry
    from playground.pretrain_tab import Pretrain
    from playground.session import AppContext
    message = Pretrain(AppContext(JobRegistry())).load(None, "learner-cli", "en",
                                                       str(out / "checkpoint.safetensors"))
    assert "step 18" in message


def test_a_text_file_and_a_config_file(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("the cat sat on the mat and the dog sat on the log. " * 80)
    config = tmp_path / "run.json"
    config.write_text('{"preset": "tiny", "steps": 4, "eval_every": 2, "context_length": 8}')
    result = run("--corpus", str(text), "--config", str(config), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "finished at step 4"


@pytest.mark.parametrize("args, message", [
    ([], "give --corpus"),
    (["--corpus", "no-such-corpus"], "neither a named corpus"),
    (["--corpus", "the-verdict", "--steps", "0"], "--steps must be at least 1"),
    (["--corpus", "the-verdict", "--preset", "giant"], "invalid choice: 'giant'"),
    (["--corpus", "the-verdict", "--lr", "-1"], "--lr must be a positive number"),
    (["--resume", "nowhere/checkpoint"], "--resume: no checkpoint"),
])
def test_bad_flags_get_one_clear_line_and_a_non_zero_exit(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_help_explains_every_flag():
    result = run("--help")
    assert result.returncode == 0
    for flag in ("--corpus", "--preset", "--steps", "--batch-size", "--grad-accum", "--resume",
                 "--out", "--config", "torchrun"):
        assert flag in result.stdout


@pytest.mark.slow
def test_two_processes_under_torchrun_match_one_process(tmp_path):
    common = ["--corpus", "the-verdict", "--preset", "tiny", "--steps", "8", "--eval-every", "2",
              "--batch-size", "8", "--sample-every", "1000"]
    single = run(*common, "--out", str(tmp_path / "one"))
    assert single.returncode == 0, single.stderr[-2000:]
    double = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_port", "29533", "-m", "core.train", *common, "--out", str(tmp_path / "two")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert double.returncode == 0, double.stderr[-3000:]
    one, two = losses(single.stdout), losses(double.stdout)
    assert [s for s, _, _ in one] == [s for s, _, _ in two] == [0, 2, 4, 6, 8]
    for (_, loss_a, val_a), (_, loss_b, val_b) in zip(one, two):
        assert loss_b == pytest.approx(loss_a, abs=2e-3) and val_b == pytest.approx(val_a, abs=2e-3)
    assert double.stdout.count("finished at step 8") == 1      # only rank 0 speaks
    from core.checkpoint import load_checkpoint
    from core.generate import generate
    checkpoint = load_checkpoint(tmp_path / "two" / "checkpoint")
    assert generate(checkpoint.model, torch.tensor([[1, 2]]), 5, 16).shape == (1, 7)
    # and it resumes on one process
    resumed = run("--resume", str(tmp_path / "two" / "checkpoint"), "--steps", "10",
                  "--eval-every", "2", "--out", str(tmp_path / "two"))
    assert resumed.returncode == 0 and "finished at step 10" in resumed.stdout


def test_the_command_line_exports_its_checkpoint_for_transformers(tmp_path):
    """`python -m core.export CHECKPOINT OUT [--push REPO]`: the folder loads in
    transformers with the model's logits; a push offline fails clearly, without the
    token; a missing checkpoint is one line and exit code 2."""
    import os
    from conftest import require_module
    from core.checkpoint import save_checkpoint
    from core.config import get_preset
    from core.model import GPTModel
    from core.tokenizer import SubsetBPETokenizer
    transformers = require_module("transformers")
    tokenizer = SubsetBPETokenizer.from_text("I had always thought Jack Gisburn rather a cheap genius")
    torch.manual_seed(0)
    model = GPTModel(get_preset("tiny", vocab_size=tokenizer.n_vocab)).eval()
    save_checkpoint(tmp_path / "run" / "checkpoint", model, tokenizer, step=7,
                    extra={"label": "cli run", "corpus": "the-verdict"})

    def export(*args, **env):
        return subprocess.run([sys.executable, "-m", "core.export", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, **env))
    done = export(str(tmp_path / "run" / "checkpoint"), str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "exported the model at step 7" in done.stdout
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path / "out").eval()
    local = torch.tensor([tokenizer.encode("I had always thought Jack")])
    with torch.no_grad():
        theirs = hf(torch.tensor([tokenizer.to_gpt2_ids(local[0].tolist())])).logits
        torch.testing.assert_close(theirs[..., tokenizer.gpt2_ids], model(local),
                                   rtol=1e-4, atol=1e-4)
    token = "hf_cli_secret_token_987"
    pushed = export(str(tmp_path / "run" / "checkpoint"), str(tmp_path / "out2"), "--push",
                    "someone/tiny", HF_TOKEN=token, HF_HUB_OFFLINE="1")
    assert pushed.returncode == 1 and "upload to someone/tiny failed" in pushed.stderr
    assert token not in pushed.stdout + pushed.stderr and "Traceback" not in pushed.stderr
    missing = export(str(tmp_path / "nowhere"), str(tmp_path / "out3"))
    assert missing.returncode == 2 and "no checkpoint" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_resume_keeps_the_saved_settings_and_flags_win(tmp_path):
    """A run started with its own batch size, learning rate and warm-up resumes with
    them (not the corpus's preset); a flag given again wins; the first line says so."""
    from core.checkpoint import read_meta
    from core.train import lr_at
    out = tmp_path / "run"
    first = run("--corpus", "the-verdict", "--preset", "tiny", "--steps", "6", "--eval-every",
                "3", "--batch-size", "4", "--lr", "0.002", "--warmup-steps", "2", "--seed", "7",
                "--out", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    saved = read_meta(out / "checkpoint")["extra"]["train_config"]
    second = run("--resume", str(out / "checkpoint"), "--steps", "9", "--out", str(out))
    assert second.returncode == 0, second.stderr[-2000:]
    head = second.stdout.splitlines()[0]
    assert head.startswith("resuming") and "its saved settings" in head
    assert "max_steps 6 → 9" in head and "batch_size" not in head
    meta = read_meta(out / "checkpoint")
    cfg = meta["extra"]["train_config"]
    assert meta["step"] == 9
    assert {k: cfg[k] for k in cfg if k != "max_steps"} == {k: saved[k] for k in saved
                                                             if k != "max_steps"}
    assert (cfg["batch_size"], cfg["lr"], cfg["warmup_steps"], cfg["eval_every"], cfg["seed"]) \
        == (4, 0.002, 2, 3, 7)
    # the schedule itself: the last step ran at the saved peak, warm-up and decay
    last_lr = meta["optimizer"]["param_groups"][0]["lr"]
    assert last_lr == pytest.approx(lr_at(8, 9, 0.002, 2, cfg["min_lr_ratio"]))
    third = run("--resume", str(out / "checkpoint"), "--steps", "10", "--lr", "0.001",
                "--out", str(out))
    assert third.returncode == 0, third.stderr[-2000:]
    assert "lr 0.002 → 0.001" in third.stdout.splitlines()[0]
    assert read_meta(out / "checkpoint")["extra"]["train_config"]["lr"] == 0.001
    shape = run("--resume", str(out / "checkpoint"), "--steps", "12", "--n-layers", "5")
    assert shape.returncode == 2 and "keeps its shape" in shape.stderr
