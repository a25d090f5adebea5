"""Jobs: each in its own process; sessions kept apart, the cap and its queue, faults
contained and named, a stop that keeps the model, memory refused or given back, bounds
(in count and bytes) on what the server keeps, the lock free while a job starts."""

import math
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import torch

from core.config import get_preset
from core.jobs import (MAX_PROBE_RESULTS, JobBusy, JobRegistry, JobSpec, JobState, JobTooBig,
                       ModelStoreFull, SavedModel, TrainingJob, _downsample, learner_dir)
from core.jobs.mirror import SharedWeights
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


def frozen(job: TrainingJob) -> None:
    """Freeze the job's process (SIGSTOP): it answers nothing until killed."""
    os.kill(job.pid, signal.SIGSTOP)


@pytest.fixture
def registry(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    reg = JobRegistry(max_running=1, idle_timeout=60, stop_grace=10)
    yield reg
    for job in reg.running_jobs():
        job.stop(grace=5)


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


def test_a_stopped_jobs_process_is_gone_and_its_model_kept(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 2)
    registry.stop("alice")
    view = job.view()
    assert not job.alive and view.state is JobState.STOPPED
    assert view.skipped == () and view.kept_step == view.step      # time enough: nothing cut
    kept = registry.models("alice")[0]
    assert kept.step == view.step and "optimizer" in _meta(job.final_checkpoint)


def _meta(path) -> dict:
    from core.checkpoint import read_meta
    return read_meta(path)


def step_stays(job, seconds=0.6) -> int:
    """Wait until the job's step has not moved for `seconds`; returns it."""
    seen = {"step": job.view().step, "since": time.monotonic()}

    def still():
        step = job.view().step
        if step != seen["step"]:
            seen.update(step=step, since=time.monotonic())
        return time.monotonic() - seen["since"] >= seconds
    wait_for(still)
    return seen["step"]


def test_pause_and_resume(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 1)
    registry.pause("alice")
    held = step_stays(job)
    assert job.view().step == held and job.view().state is JobState.PAUSED
    registry.resume("alice")
    wait_for(lambda: job.view().step > held)


def test_idle_learners_jobs_are_stopped_and_keep_their_model(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 3)
    assert registry.reap_idle(time.monotonic() + 1) == []
    assert registry.reap_idle(time.monotonic() + 61) == ["alice"]      # asked, not waited for
    assert job.wait_ended(60) and not job.alive
    assert job.view().state is JobState.STOPPED
    assert registry.models("alice")[0].step == job.view().kept_step >= 3


def test_the_reaper_loop_stops_idle_jobs_and_forgets_learners(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    reg = JobRegistry(max_running=1, idle_timeout=0.5, learner_ttl=1.5, stop_grace=10)
    job = TrainingJob("alice", spec())
    reg.submit("alice", job)
    folder = reg.scratch_dir("alice", "downloads")
    thread = reg.start_reaper(every=0.1)
    try:
        assert job.wait_ended(90), "the reaper did not stop the idle learner's job"
        assert job.view().state is JobState.STOPPED
        # then it forgot the learner, with their files
        wait_for(lambda: reg.learners() == 0 and not learner_dir("alice").exists())
        assert not folder.exists()
        assert reg.models("alice") == []
    finally:
        reg.stop_reaper()
    assert not thread.is_alive()


def test_kill_9_fails_the_job_and_leaves_the_others_training(registry):
    registry.max_running = 2
    victim, other = TrainingJob("alice", spec()), TrainingJob("bob", spec())
    registry.submit("alice", victim)
    registry.submit("bob", other)
    wait_for(lambda: victim.view().step > 2 and other.view().step > 2)
    os.kill(victim.pid, signal.SIGKILL)
    wait_for(lambda: victim.view().state is JobState.FAILED)
    assert "stopped unexpectedly" in victim.view().reason and "SIGKILL" in victim.view().reason
    assert victim.view().cause == "killed" and registry.models("alice") == []
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
    assert job.view().state is JobState.FAILED and job.view().cause == "crashed"
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


def test_the_sampling_lab_samples_the_live_model_while_it_trains(registry, tmp_path):
    """Through the picker's "live" choice, as the page does: the bars are the training
    model's own next-token probabilities (checked against a checkpoint of the same
    moment), and they change as it trains."""
    from core.checkpoint import load_checkpoint
    from playground.sampling_tab import SamplingLab
    from playground.session import AppContext

    lab, owner = SamplingLab(AppContext(registry)), "learner-alice"

    def bars(prompt="to be"):
        figure, _, summary = lab.next_token(None, owner, "en", "live", prompt, 1.0, 0, 1.0,
                                            7, 10, False)
        assert "Drawn:" in summary
        return sorted(next(t for t in figure.data if t.type == "bar").y, reverse=True)

    job = TrainingJob(owner, spec())
    registry.submit(owner, job)
    wait_for(lambda: job.view().step >= 3)
    early = bars()
    registry.pause(owner)
    step_stays(job)
    job.snapshot_model(wait=120)        # the paused weights are in the mirror (however busy)
    live = bars()
    oracle = load_checkpoint(job.save(tmp_path / "now")).model.eval()
    ids = torch.tensor([job.spec.tokenizer.encode("to be")])
    with torch.no_grad():
        expected = torch.softmax(oracle(ids)[0, -1], -1).sort(descending=True).values[:10]
    assert live[:10] == pytest.approx(expected.tolist(), abs=1e-5)
    assert live != pytest.approx(early, abs=1e-4)              # fresh weights were copied
    registry.resume(owner)
    wait_for(lambda: job.view().step > 10)
    assert job.view().state is JobState.RUNNING                # and it kept training


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


def test_the_probe_bound_is_reached_and_holds(registry):
    s = spec(steps=130, sample_every=1000, eval_every=1000)
    s.probes = (ProbeSpec("attention", "attention", 1, {"ids": [1, 2, 3]}),)
    job = TrainingJob("alice", s)
    registry.submit("alice", job)
    wait_for(lambda: job.view().state is JobState.FINISHED, 300)
    steps = [p.step for p in job.view().probes["attention"]]     # 131 were taken
    assert MAX_PROBE_RESULTS // 2 < len(steps) <= MAX_PROBE_RESULTS
    assert steps[0] == 0 and steps[-1] == 130 and steps == sorted(set(steps))


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


# ----- how a job ends ------------------------------------------------------------------

def test_a_diverging_job_is_the_guards_and_keeps_its_healthy_weights(registry):
    job = TrainingJob("alice", spec(steps=200, lr=0.9, warmup_steps=0, eval_every=1))
    registry.submit("alice", job)
    assert job.wait_ended(300)
    view = job.view()
    assert view.state is JobState.FAILED and view.cause == "diverged"
    assert "reset to the last healthy evaluation" in view.reason
    # the weights kept are those of the last evaluation that was healthy, before the end
    healthy = [e.step for e in view.evals if math.isfinite(e.val_loss) and e.step > 0]
    assert view.kept_step == max(healthy) <= view.step
    assert registry.models("alice")[0].step == view.kept_step


def test_a_queued_job_refused_for_memory_says_so(registry, monkeypatch):
    first = TrainingJob("alice", spec())
    registry.submit("alice", first)
    queued = TrainingJob("bob", spec())
    assert registry.submit("bob", queued) == 1
    monkeypatch.setenv("LLM_PLAYGROUND_JOB_MEMORY_MB", "1")    # memory has run short since
    registry.stop("alice")
    assert queued.wait_ended(60)
    view = queued.view()
    assert view.state is JobState.FAILED and view.cause == "no_memory"
    assert "memory" in view.reason and queued.pid is None      # never started


def test_a_job_that_cannot_start_says_so(registry, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("no shared memory left")
    monkeypatch.setattr(SharedWeights, "allocate", broken)
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    view = job.view()
    assert view.state is JobState.FAILED and view.cause == "not_started"
    assert "no shared memory left" in view.reason
    # and its slot is free again
    monkeypatch.undo()
    assert registry.submit("alice", TrainingJob("alice", spec(steps=2))) == 0


def test_a_stop_that_runs_out_of_time_still_keeps_the_newest_weights(registry):
    """A process that cannot answer (frozen with SIGSTOP) is ended after the grace: the
    job is STOPPED, not failed, with the weights its last evaluation put in the mirror."""
    registry.stop_grace = 1.0
    job = TrainingJob("alice", spec(eval_every=4))
    registry.submit("alice", job)
    wait_for(lambda: job.view().step >= 9)
    frozen(job)
    registry.stop("alice")
    view = job.view()
    assert view.state is JobState.STOPPED and view.cause == ""
    assert "optimizer_state" in view.skipped and view.kept_step >= 8
    assert registry.models("alice")[0].step == view.kept_step
    assert job.final_checkpoint is None                       # no time for it


def test_a_stop_skips_what_does_not_fit_in_the_time_left():
    from core.jobs.process import _Deadline
    deadline = _Deadline()
    assert deadline.allows(None) and deadline.allows(1e9)      # no stop: everything fits
    deadline.start(2.0)
    assert deadline.allows(0.5) and not deadline.allows(1.5) and not deadline.allows(None)
    deadline.start(100.0)                                      # the first announcement counts
    assert not deadline.allows(1.5)


def test_two_saves_pending_as_the_job_ends(registry, tmp_path):
    """The reader thread must survive answers and ends racing the saves: the model is
    kept and the queue moves on."""
    registry.stop_grace = 1.0
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    waiting = TrainingJob("bob", spec(steps=3))
    assert registry.submit("bob", waiting) == 1
    wait_for(lambda: job.view().step >= 6)
    frozen(job)
    results = {}

    def save(n):
        try:
            results[n] = job.save(tmp_path / f"save{n}", timeout=120)
        except Exception as err:   # noqa: BLE001 (recorded for the assertion)
            results[n] = err
    savers = [threading.Thread(target=save, args=(n,)) for n in (1, 2)]
    for thread in savers:
        thread.start()
    wait_for(lambda: len(job._saves) == 2)
    registry.stop("alice")
    for thread in savers:
        thread.join(60)
    job._reader.join(60)                                     # it starts bob's job, then ends
    assert not job._reader.is_alive() and job.view().state is JobState.STOPPED
    assert registry.models("alice")                          # the model was kept
    assert all(isinstance(results[n], str) and Path(results[n]).is_file() for n in (1, 2))
    wait_for(lambda: waiting.view().state is JobState.FINISHED)   # and the queue moved on


def _blocking_launch(monkeypatch):
    """Make every job's launch wait on an event (as a slow fork and copy would)."""
    from core.jobs.job import TrainingJob as Job
    release, entered = threading.Event(), threading.Event()
    original = Job._launch

    def slow(self):
        entered.set()
        release.wait(60)
        original(self)
    monkeypatch.setattr(Job, "_launch", slow)
    return entered, release


def _answers_quickly(call) -> bool:
    done = threading.Event()
    threading.Thread(target=lambda: (call(), done.set()), daemon=True).start()
    return done.wait(10)


def test_polls_do_not_wait_while_a_job_launches(registry, monkeypatch):
    entered, release = _blocking_launch(monkeypatch)
    starter = threading.Thread(target=registry.submit, args=("alice", TrainingJob("alice", spec())))
    starter.start()
    assert entered.wait(30)
    try:
        assert _answers_quickly(lambda: (registry.get("bob"), registry.touch("bob"),
                                         registry.queue_position(registry.get("alice"))))
    finally:
        release.set()
    starter.join(60)
    wait_for(lambda: registry.get("alice").view().step > 0)


def test_polls_do_not_wait_while_the_reader_starts_a_queued_job(registry, monkeypatch):
    first = TrainingJob("alice", spec())
    registry.submit("alice", first)
    second = TrainingJob("bob", spec(steps=3))
    registry.submit("bob", second)
    wait_for(lambda: first.view().step > 0)
    entered, release = _blocking_launch(monkeypatch)
    first.request_stop(10)                      # its reader thread will start bob's job
    assert entered.wait(60)
    try:
        assert _answers_quickly(lambda: (registry.get("bob").view(), registry.touch("carol")))
    finally:
        release.set()
    wait_for(lambda: second.view().state is JobState.FINISHED)


@pytest.mark.skipif(not Path("/proc/self/oom_score_adj").exists(), reason="Linux only")
def test_the_job_goes_first_when_memory_runs_out(registry):
    job = TrainingJob("alice", spec())
    registry.submit("alice", job)
    wait_for(lambda: job.view().step > 0)
    job_score = int(Path(f"/proc/{job.pid}/oom_score_adj").read_text())
    server_score = int(Path("/proc/self/oom_score_adj").read_text())
    assert job_score == 1000 > server_score


def test_a_paused_job_gives_its_cores_back(registry, monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_JOB_THREADS", "2")
    registry.max_running = 2
    a, b = TrainingJob("alice", spec()), TrainingJob("bob", spec())
    registry.submit("alice", a)
    registry.submit("bob", b)
    wait_for(lambda: a.view().threads == 1 and b.view().threads == 1)   # reported by each process
    registry.pause("alice")
    wait_for(lambda: b.view().threads == 2)
    registry.resume("alice")
    wait_for(lambda: a.view().threads == 1 and b.view().threads == 1)
    registry.stop("alice")
    wait_for(lambda: b.view().threads == 2)


# ----- what the server keeps -----------------------------------------------------------

def _model(seed=0):
    tok = CharTokenizer.from_text("ab")
    torch.manual_seed(seed)
    return GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)), tok


def test_models_are_bounded_in_bytes_too():
    model, tok = _model()
    size = SavedModel("x", model, tok).nbytes
    reg = JobRegistry(models_per_learner=3, max_models=10, max_model_bytes=int(2.5 * size))
    for owner in ("a", "b"):
        for i in range(2):
            reg.add_model(owner, SavedModel(f"{owner}{i}", _model(i)[0], tok))
    # room for two and a half: the oldest went first, whoever they belonged to
    assert [m.label for m in reg.models("a")] == [] and [m.label for m in reg.models("b")] == ["b1", "b0"]
    assert reg.memory_report()["models"] <= 2.5 * size


def test_a_model_bigger_than_the_bound_is_refused_before_and_not_kept():
    model, tok = _model()
    saved = SavedModel("big", model, tok)
    reg = JobRegistry(max_model_bytes=saved.nbytes // 2)
    with pytest.raises(ModelStoreFull) as info:
        reg.check_room(saved.nbytes)
    assert info.value.needed == saved.nbytes and "memory" in str(info.value)
    with pytest.raises(ModelStoreFull):
        reg.add_model("a", saved)
    assert reg.models("a") == []


def test_a_fine_tunes_base_is_pinned_while_it_runs_then_unpinned(registry):
    tok = CharTokenizer.from_text(TEXT)
    base_model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab))
    base = SavedModel("base", base_model, tok)
    registry.add_model("alice", base)
    before = {k: v.clone() for k, v in base_model.state_dict().items()}
    s = spec()
    s.init_state, s.base_model = base_model.state_dict(), base.id
    job = TrainingJob("alice", s)
    registry.submit("alice", job)
    wait_for(lambda: job.view().step > 2)
    assert base.pinned
    # the base's own tensors never travelled: fresh shared copies did
    assert not any(t.is_shared() for t in base_model.state_dict().values())
    assert s.init_state is None                              # the spec let go of them
    registry.stop("alice")
    assert not base.pinned
    assert all(torch.equal(v, before[k]) for k, v in base_model.state_dict().items())


def test_downloads_are_a_few_per_learner_and_go_with_them(registry):
    folders = [registry.scratch_dir("alice", "downloads") for _ in range(4)]
    assert [f.exists() for f in folders] == [False, False, True, True]
    other = registry.scratch_dir("bob", "downloads")
    registry.learner_ttl = 100
    registry.touch("alice")
    later = time.monotonic() + 150
    registry.touch("bob")
    registry._seen["bob"] = later                              # bob was seen 150 s later
    registry.reap_idle(later + 50)                             # alice: 200 s ago, bob: 50 s
    assert not learner_dir("alice").exists() and other.exists()
