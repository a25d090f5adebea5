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
