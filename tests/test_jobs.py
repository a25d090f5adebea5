"""Jobs: sessions kept apart, the cap and its queue, stop joins, idle reaping."""

import time

import pytest
import torch

from core.config import get_preset
from core.jobs import JobBusy, JobRegistry, JobSpec, JobState, TrainingJob
from core.tokenizer import CharTokenizer
from core.train import TrainConfig

TEXT = "to be or not to be, that is the question. " * 40


def spec(steps=10_000, label="job"):
    tok = CharTokenizer.from_text(TEXT)
    ids = torch.tensor(tok.encode(TEXT))
    return JobSpec(label, get_preset("tiny", vocab_size=tok.n_vocab),
                   TrainConfig(max_steps=steps, batch_size=4, eval_every=5, sample_every=10,
                               sample_tokens=5), tok, ids[:1400], ids[1400:])


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def registry():
    reg = JobRegistry(max_running=1, idle_timeout=60)
    yield reg
    for job in reg.running_jobs():
        job.stop()


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


def test_a_stopped_jobs_thread_is_gone(registry):
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
    time.sleep(0.2)
    held = job.view().step
    time.sleep(0.3)
    assert job.view().step == held and job.view().state is JobState.PAUSED
    job.resume()
    wait_for(lambda: job.view().step > held)


def test_idle_learners_jobs_are_stopped(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    assert registry.reap_idle(time.monotonic() + 1) == []
    assert registry.reap_idle(time.monotonic() + 61) == ["alice"]
    assert not job.alive


def test_snapshot_and_save_while_training(registry, tmp_path):
    from core.checkpoint import load_checkpoint
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 3)
    model = job.snapshot_model()
    assert not model.training
    path = job.save(tmp_path / "live")
    assert load_checkpoint(path).step >= 3


def test_history_is_bounded():
    from core.jobs import _downsample
    points = list(range(10_000))
    small = _downsample(points, 2000)
    assert len(small) <= 2000 and small[-1] == 9999 and small[0] == 0
