"""Jobs: each in its own process; sessions kept apart, the cap and its queue, faults
contained, memory refused or given back, bounds on what the server keeps."""

import os
import signal
import time

import pytest
import torch

from core.config import get_preset
from core.generate import generate
from core.jobs import (JobBusy, JobRegistry, JobSpec, JobState, JobTooBig, SavedModel,
                       TrainingJob, _downsample)
from core.model import GPTModel
from core.tokenizer import CharTokenizer
from core.train import ProbeSpec, TrainConfig

TEXT = "to be or not to be, that is the question. " * 40


def spec(steps=10_000, label="job", **train):
    tok = CharTokenizer.from_text(TEXT)
    ids = torch.tensor(tok.encode(TEXT))
    settings = dict(max_steps=steps, batch_size=4, eval_every=5, sample_every=10, sample_tokens=5,
                    warmup_steps=min(20, steps))
    settings.update(train)
    return JobSpec.pretraining(label, get_preset("tiny", vocab_size=tok.n_vocab),
                               TrainConfig(**settings), tok, ids[:1400], ids[1400:])


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def registry(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    reg = JobRegistry(max_running=1, idle_timeout=60)
    yield reg
    for job in reg.running_jobs():
        job.stop()


def test_a_job_trains_in_its_own_process_and_reports(registry):
    job = TrainingJob("alice", spec(steps=30))
    registry.submit("alice", job)
    wait_for(lambda: job.view().state is JobState.FINISHED)
    view = job.view()
    assert view.pid is not None and view.pid != os.getpid()
    assert len(view.steps) == 30 and view.evals and view.samples
    assert view.evals[-1].step == 30 and view.samples[-1].step == 30
    assert not job.alive                                   # the process has exited


def test_two_learners_do_not_see_each_others_jobs(registry):
    registry.max_running = 2
    a, b = TrainingJob("alice", spec(label="a")), TrainingJob("bob", spec(label="b"))
    registry.submit("alice", a)
    registry.submit("bob", b)
    assert registry.get("alice") is a and registry.get("bob") is b
    assert registry.get("carol") is None
    wait_for(lambda: a.view().step > 0)
    registry.stop("alice")
    assert a.view().state is JobState.STOPPED and b.view().state is JobState.RUNNING


def test_cap_queues_with_position_and_starts_next(registry):
    first = TrainingJob("alice", spec())
    assert registry.submit("alice", first) == 0
    second = TrainingJob("bob", spec(steps=3))
    assert registry.submit("bob", second) == 1
    assert second.view().state is JobState.QUEUED and registry.queue_position(second) == 1
    registry.stop("alice")
    wait_for(lambda: second.view().state is JobState.FINISHED)
    assert registry.models("bob")[0].label.startswith("job · step 3")


def test_one_active_job_per_learner(registry):
    registry.submit("alice", TrainingJob("alice", spec()))
    with pytest.raises(JobBusy):
        registry.submit("alice", TrainingJob("alice", spec()))


def test_a_stopped_jobs_process_is_gone(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 2)
    job.stop()
    assert not job.alive and job.view().state is JobState.STOPPED


def test_pause_and_resume(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 1)
    job.pause()
    time.sleep(0.3)
    held = job.view().step
    time.sleep(0.4)
    assert job.view().step == held and job.view().state is JobState.PAUSED
    job.resume()
    wait_for(lambda: job.view().step > held)


def test_idle_learners_jobs_are_stopped(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    assert registry.reap_idle(time.monotonic() + 1) == []
    assert registry.reap_idle(time.monotonic() + 61) == ["alice"]
    assert not job.alive


def test_kill_9_fails_the_job_and_leaves_the_others_training(registry):
    registry.max_running = 2
    victim, other = TrainingJob("alice", spec()), TrainingJob("bob", spec())
    registry.submit("alice", victim)
    registry.submit("bob", other)
    wait_for(lambda: victim.view().step > 2 and other.view().step > 2)
    os.kill(victim.pid, signal.SIGKILL)
    wait_for(lambda: victim.view().state is JobState.FAILED)
    assert "stopped unexpectedly" in victim.view().reason and "SIGKILL" in victim.view().reason
    held = other.view().step
    wait_for(lambda: other.view().step > held + 5)           # still training
    assert other.view().state is JobState.RUNNING
    # its slot is free again: a new job of the same learner starts at once
    assert registry.submit("alice", TrainingJob("alice", spec(steps=2))) == 0


def test_a_job_that_raises_fails_with_its_reason(registry):
    bad = spec(steps=10)
    bad.task.data["train_tokens"] = bad.task.data["train_tokens"][:5]   # shorter than a window
    job = TrainingJob("alice", bad)
    registry.submit("alice", job)
    wait_for(lambda: not job.view().state.active)
    assert job.view().state is JobState.FAILED
    assert "training split" in job.view().reason


def test_a_job_too_big_for_memory_is_refused_with_its_estimate(registry, monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_JOB_MEMORY_MB", "450")
    big = spec(steps=5, batch_size=4096)
    with pytest.raises(JobTooBig) as info:
        registry.submit("alice", TrainingJob("alice", big))
    err = info.value
    assert err.estimate.total > 450 * 2**20 and "memory" in str(err)
    assert 0 < err.fits_batch < 4096
    assert registry.get("alice") is None                     # nothing was started


def test_the_live_model_can_be_sampled_while_it_trains(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 5)
    model = job.snapshot_model()
    assert isinstance(model, GPTModel) and not model.training
    out = generate(model, torch.tensor([[1, 2, 3]]), 10, model.cfg.context_length)
    assert out.shape == (1, 13)
    step_before = job.view().step
    wait_for(lambda: job.view().step > step_before + 20)
    newer = job.snapshot_model()
    assert newer is not model                                # fresh weights were copied
    assert job.view().state is JobState.RUNNING             # and it kept training


def test_snapshot_and_save_while_training(registry, tmp_path):
    from core.checkpoint import load_checkpoint
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 3)
    path = job.save(tmp_path / "live")
    checkpoint = load_checkpoint(path)
    assert checkpoint.step >= 3 and "optimizer" in checkpoint.meta


def test_save_after_the_end_copies_the_final_checkpoint(registry, tmp_path):
    from core.checkpoint import load_checkpoint
    job = TrainingJob("alice", spec(steps=12))
    registry.submit("alice", job)
    wait_for(lambda: job.view().state is JobState.FINISHED)
    checkpoint = load_checkpoint(job.save(tmp_path / "after"))
    assert checkpoint.step == 12 and "optimizer" in checkpoint.meta


def test_same_seed_same_curve_across_processes(registry):
    curves = []
    for owner in ("alice", "bob"):
        job = TrainingJob(owner, spec(steps=15))
        registry.submit(owner, job)
        wait_for(lambda: job.view().state is JobState.FINISHED)
        curves.append([loss for _, loss in job.view().steps])
    assert curves[0] == curves[1]


def test_probes_come_back_bounded(registry):
    s = spec(steps=40)
    s.probes = (ProbeSpec("attention", "attention", 2, {"ids": [1, 2, 3, 4]}),)
    job = TrainingJob("alice", s)
    registry.submit("alice", job)
    wait_for(lambda: job.view().state is JobState.FINISHED)
    snaps = job.view().probes["attention"]
    assert [p.step for p in snaps][:3] == [0, 2, 4] and snaps[-1].step == 40
    assert len(snaps[0].value["weights"]) == 2                    # one per layer


def test_models_are_bounded_per_learner_and_in_total():
    reg = JobRegistry(models_per_learner=2, max_models=3)
    tok = CharTokenizer.from_text("ab")
    model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab))
    for owner in ("a", "b"):
        for i in range(3):
            reg.add_model(owner, SavedModel(f"{owner}{i}", model, tok))
    # a0 goes when a2 arrives (2 per learner); a1 when the total passes 3; then b0.
    assert [m.label for m in reg.models("a")] == ["a2"]
    assert [m.label for m in reg.models("b")] == ["b2", "b1"]
    assert reg.model_count() == 3


def test_a_pinned_base_model_is_not_pushed_off_the_list():
    reg = JobRegistry(models_per_learner=2, max_models=10)
    tok = CharTokenizer.from_text("ab")
    model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab))
    base = SavedModel("base", model, tok, pinned=True)
    reg.add_model("a", base)
    for i in range(4):
        reg.add_model("a", SavedModel(f"m{i}", model, tok))
    labels = [m.label for m in reg.models("a")]
    assert "base" in labels and labels[:2] == ["m3", "m2"]


def test_learners_not_seen_for_a_while_are_forgotten():
    reg = JobRegistry(learner_ttl=100)
    tok = CharTokenizer.from_text("ab")
    reg.add_model("a", SavedModel("m", GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)), tok))
    reg.touch("a")
    reg.reap_idle(time.monotonic() + 50)
    assert reg.models("a")
    reg.reap_idle(time.monotonic() + 101)
    assert reg.models("a") == [] and reg.learners() == 0


def test_history_is_bounded():
    points = list(range(10_000))
    small = _downsample(points, 2000)
    assert len(small) <= 2000 and small[-1] == 9999 and small[0] == 0


@pytest.mark.slow
def test_memory_after_a_finished_job_is_back_near_its_level(registry):
    from core.config import get_preset as preset
    from core.corpora import corpus_tokenizer, load_corpus
    from core.data import tokenize_and_split

    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    tok = corpus_tokenizer("the-verdict")
    train_ids, val_ids = tokenize_and_split(load_corpus("the-verdict"), tok)
    warm = TrainingJob("warm", JobSpec.pretraining(
        "warm", preset("cpu-demo", vocab_size=tok.n_vocab), TrainConfig(max_steps=2, warmup_steps=0), tok,
        train_ids, val_ids))
    registry.submit("warm", warm)
    wait_for(lambda: not warm.view().state.active, 120)
    before = rss()
    cfg = preset("cpu-demo", vocab_size=tok.n_vocab, emb_dim=256, n_layers=6, n_heads=4)
    job = TrainingJob("alice", JobSpec.pretraining(
        "big", cfg, TrainConfig(max_steps=40, batch_size=32), tok, train_ids, val_ids))
    registry.submit("alice", job)
    wait_for(lambda: not job.view().state.active, 300)
    after = rss()
    # The server keeps the finished model's weights (a few MB) and nothing else: the
    # optimizer, the activations and the allocator's cache went away with the process.
    weights = sum(p.numel() * 4 for p in job.final_model().parameters())
    assert after - before < weights + 40 * 2**20, (before, after, weights)
