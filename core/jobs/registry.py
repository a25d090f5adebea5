"""Every learner's job and models, shared by a room: `JobRegistry`.

- Jobs are keyed by learner: one active job each. At most `max_running` jobs train at
  once; later ones wait in a first-come queue and learn how many are ahead of them.
- A job that would not fit in memory is refused before it starts, with its estimate:
  everything the job needs (its process, its extra models, the server's copies of the
  weights), against what is free once the running jobs have grown to their own
  estimates. A queued job is checked again when its turn comes.
- The registry's lock guards its tables only. The slow work (starting a process,
  copying a fine-tune's base into shared memory) happens outside it, so a room's
  once-a-second polls never wait behind a job that is starting.
- The running jobs share the CPU cores equally; a paused job gives its share back.
- Learners' models are kept in a `ModelStore` (core/jobs/store.py), bounded by count
  and bytes. A learner not seen for `learner_ttl` seconds is forgotten with their
  models and files; a job whose page stopped polling for `idle_timeout` seconds is
  stopped (it keeps its model, like any stop).
- One job may be the class run (`set_class_run`): every learner may follow it without a
  slot of their own, the reaper leaves it alone (the page that follows it is a room's,
  not its owner's), and the model it ends with is the class model every learner may pick.
"""

from __future__ import annotations

import heapq
import os
import shutil
import threading
import time
from pathlib import Path

from core.estimates import (MemoryEstimate, available_memory, estimate_step_seconds, format_bytes,
                            job_memory_cap)
from core.jobs.files import fresh_learner_folder, learner_dir, remove_checkpoint
from core.jobs.job import DEFAULT_GRACE_S, JobState, TrainingJob
from core.jobs.messages import FailureCause
from core.jobs.spec import JobSpec
from core.jobs.store import ModelStore, ModelStoreFull, SavedModel
from core.runtime import release_memory, threads_per_job

MAX_JOBS_ENV = "LLM_PLAYGROUND_MAX_JOBS"
IDLE_ENV = "LLM_PLAYGROUND_IDLE_SECONDS"
LEARNER_TTL_ENV = "LLM_PLAYGROUND_LEARNER_TTL_SECONDS"
STOP_GRACE_ENV = "LLM_PLAYGROUND_STOP_SECONDS"
SERVER_HEADROOM = 256 * 2**20


class JobBusy(RuntimeError):
    """The learner already has an active job."""

    def __init__(self, message: str = "you already have a training job: stop it first"):
        super().__init__(message)


class JobTooBig(ValueError):
    """A job whose memory estimate exceeds what is free; the fields say by how much."""

    def __init__(self, estimate: MemoryEstimate, available: int, fits_batch: int):
        self.estimate, self.available, self.fits_batch = estimate, available, fits_batch
        fits = (f"a batch of at most {fits_batch} would fit" if fits_batch
                else "choose a smaller model or a shorter context")
        super().__init__(
            f"this run needs about {format_bytes(estimate.total)} of memory (weights "
            f"{format_bytes(estimate.weights)}, optimizer {format_bytes(estimate.optimizer)}, "
            f"activations {format_bytes(estimate.activations + estimate.logits)}) but only "
            f"{format_bytes(available)} is free: {fits}")


def _env_float(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


class JobRegistry:
    """Every learner's job and models, behind one lock."""

    def __init__(self, max_running: int | None = None, idle_timeout: float | None = None,
                 models_per_learner: int = 3, max_models: int | None = None,
                 learner_ttl: float | None = None, max_model_bytes: int | None = None,
                 stop_grace: float | None = None):
        self.max_running = max_running or int(_env_float(MAX_JOBS_ENV, 2))
        self.idle_timeout = idle_timeout or _env_float(IDLE_ENV, 180)
        self.learner_ttl = learner_ttl or _env_float(LEARNER_TTL_ENV, 3600)
        self.stop_grace = stop_grace or _env_float(STOP_GRACE_ENV, DEFAULT_GRACE_S)
        self.store = ModelStore(models_per_learner, max_models, max_model_bytes)
        self.lock = threading.RLock()
        self._jobs: dict[str, TrainingJob] = {}
        self._queue: list[TrainingJob] = []
        self._seen: dict[str, float] = {}
        self._reaper_stop = threading.Event()
        self._reaper: threading.Thread | None = None
        self._class_job: TrainingJob | None = None
        self.class_model: SavedModel | None = None   # the last class run's model

    # --- jobs ----------------------------------------------------------------------
    def check_memory(self, spec: JobSpec) -> None:
        """Refuse a job whose estimate exceeds the free memory (JobTooBig)."""
        estimate = spec.memory_estimate()
        with self.lock:
            running = [j for j in self._jobs.values()
                       if j.state in (JobState.RUNNING, JobState.PAUSED)]
        # Running jobs (and those still starting) may still grow to their own estimates.
        growth = sum(max(0, j.spec.memory_estimate().total - j.memory_rss() - j.server_bytes())
                     for j in running)
        budget = available_memory() - growth - SERVER_HEADROOM
        cap = job_memory_cap()
        if cap is not None:
            budget = min(budget, cap)
        if estimate.total > budget:
            raise JobTooBig(estimate, max(0, budget), spec.largest_batch_that_fits(budget))

    def submit(self, owner: str, job: TrainingJob) -> int:
        """Start or queue `job`; returns how many jobs are ahead of it (0 = running)."""
        self.check_memory(job.spec)
        with self.lock:
            current = self._jobs.get(owner)
            if current is not None and current.state.active:
                raise JobBusy()
            job.on_final, job.on_end = self._keep_final_model, self._job_ended
            if current is not None:
                self._forget_job(current)
            self._jobs[owner] = job
            self._seen[owner] = time.monotonic()
            if job.spec.base_model:
                self.store.pin(owner, job.spec.base_model)
            if self._active_count() < self.max_running and job.claim():
                self._give_threads(job)
                ahead = 0
            else:
                self._queue.append(job)
                ahead = len(self._queue)
        if ahead == 0:
            self._launch(job)
        return ahead

    def _give_threads(self, job: TrainingJob) -> None:
        if job.spec.threads is None:
            job.spec.threads = threads_per_job(self._training_count())

    def _launch(self, job: TrainingJob) -> None:
        """Start a claimed job (outside the lock) and re-share the cores."""
        job.launch()
        self._share_threads()

    def _share_threads(self) -> None:
        """The cores, shared equally by the jobs that train now (not the paused ones)."""
        with self.lock:
            training = [j for j in self._jobs.values() if j.state is JobState.RUNNING]
        share = threads_per_job(len(training))
        for job in training:
            job.set_threads(share)

    def _active_count(self) -> int:
        return sum(1 for j in self._jobs.values() if j.state in (JobState.RUNNING, JobState.PAUSED))

    def _training_count(self) -> int:
        return sum(1 for j in self._jobs.values() if j.state is JobState.RUNNING)

    def _keep_final_model(self, job: TrainingJob) -> None:
        """A job is ending (its reader thread): keep its model, unpin its base."""
        with self.lock:
            if job.spec.base_model:
                self.store.pin(job.owner, job.spec.base_model, False)
            dropped = []
            if not job.spec.listed:     # kept by the job, for the learner to keep on request
                return
            model = job.final_model()
            if (model is not None and self._jobs.get(job.owner) is job
                    and job.kept_step is not None and job.kept_step > job.spec.start_step):
                saved = self._saved_model(job, model)
                kept, dropped = self.store.add(job.owner, saved)
                job.set_kept(kept)
                if kept and job is self._class_job:
                    self.class_model = saved
            job.release_final_model()
        self._discard(dropped)

    def _job_ended(self, job: TrainingJob) -> None:
        """A job has ended: start what waits, re-share the cores."""
        with self.lock:
            claimed = self._claim_queued()
        self._start_claimed(claimed)
        self._share_threads()

    def _claim_queued(self) -> list[TrainingJob]:
        claimed = []
        while self._queue and self._active_count() < self.max_running:
            nxt = self._queue.pop(0)
            if nxt.claim():
                self._give_threads(nxt)
                claimed.append(nxt)
        return claimed

    def _start_claimed(self, claimed: list[TrainingJob]) -> None:
        for job in claimed:
            try:
                self.check_memory(job.spec)
            except JobTooBig as err:   # its end frees the slot and claims the next
                job.fail_before_start(FailureCause.NO_MEMORY, str(err))
                continue
            self._launch(job)

    @staticmethod
    def _saved_model(job: TrainingJob, model) -> SavedModel:
        spec = job.spec
        return SavedModel(f"{spec.label} · step {job.kept_step}", model, spec.tokenizer,
                          kind=spec.head.get("kind", "lm"), tags=tuple(spec.tags),
                          checkpoint=job.final_checkpoint, step=job.kept_step,
                          meta={"corpus": spec.corpus, "head": dict(spec.head),
                                "job_kind": spec.kind})

    def get(self, owner: str) -> TrainingJob | None:
        with self.lock:
            return self._jobs.get(owner)

    def queue_position(self, job: TrainingJob) -> int:
        with self.lock:
            return self._queue.index(job) + 1 if job in self._queue else 0

    def touch(self, owner: str) -> None:
        with self.lock:
            self._seen[owner] = time.monotonic()

    def stop(self, owner: str) -> None:
        """Stop the learner's job and wait for its end (see `TrainingJob.stop`)."""
        with self.lock:
            job = self._jobs.get(owner)
            if job is not None and job in self._queue:
                self._queue.remove(job)
        if job is not None:
            job.stop(self.stop_grace)

    def pause(self, owner: str) -> None:
        job = self.get(owner)
        if job is not None:
            job.pause()
            self._share_threads()

    def resume(self, owner: str) -> None:
        job = self.get(owner)
        if job is not None:
            job.resume()
            self._share_threads()

    def stop_many(self, jobs: list[TrainingJob], grace: float | None = None) -> None:
        """Stop several jobs at once: every one is asked first, then each is waited for
        (a stop may take `grace` seconds: one after the other would add them up)."""
        grace = self.stop_grace if grace is None else grace
        with self.lock:
            self._queue[:] = [j for j in self._queue if j not in jobs]
        for job in jobs:
            job.request_stop(grace)
        for job in jobs:
            job.wait_ended(grace + 30)

    def all_jobs(self) -> list[TrainingJob]:
        """Every learner's latest job, ended ones too, oldest first."""
        with self.lock:
            return sorted(self._jobs.values(), key=lambda j: j.id)

    def running_jobs(self) -> list[TrainingJob]:
        with self.lock:
            return [j for j in self._jobs.values() if j.state.active]

    def queue_wait(self, job: TrainingJob) -> float | None:
        """Rough seconds until a queued `job` starts (None if it is not queued).

        1. Each running job frees its slot when it ends (at its pace so far, or the
           estimate for its size before its first step); a free slot is free now.
        2. Each job ahead in the queue takes the first slot to free, for its own
           estimated length.
        3. This job starts when the next slot frees after that."""
        with self.lock:
            if job not in self._queue:
                return None
            ahead = self._queue[: self._queue.index(job)]
            running = [j for j in self._jobs.values()
                       if j.state in (JobState.RUNNING, JobState.PAUSED)]
        free = [_seconds_left(j) for j in running]
        free += [0.0] * max(0, self.max_running - len(free))
        heapq.heapify(free)
        for other in ahead:
            heapq.heappush(free, heapq.heappop(free) + _seconds_left(other))
        return free[0] if free else None

    # --- the class run -------------------------------------------------------------
    def set_class_run(self, owner: str | None) -> TrainingJob | None:
        """Make `owner`'s active job the class run (None, or no such job: no class run
        from now on); returns the class job."""
        with self.lock:
            job = self._jobs.get(owner) if owner is not None else None
            self._class_job = job if job is not None and job.state.active else None
            if self._class_job is not None:
                self._seen[owner] = time.monotonic()
            return self._class_job

    def class_job(self) -> TrainingJob | None:
        """The class run (while it runs, and once it has ended), if there is one."""
        with self.lock:
            return self._class_job

    # --- models --------------------------------------------------------------------
    def models(self, owner: str, kind: str | None = None) -> list[SavedModel]:
        """The learner's models, newest first (only those with head `kind` if given)."""
        return self.store.models(owner, kind)

    def model_by_id(self, owner: str, model_id: str) -> SavedModel | None:
        return self.store.model_by_id(owner, model_id)

    def add_model(self, owner: str, saved: SavedModel) -> None:
        """Keep a model the learner loaded; ModelStoreFull if it does not fit."""
        with self.lock:
            self._seen.setdefault(owner, time.monotonic())
            kept, dropped = self.store.add(owner, saved)
        self._discard(dropped)
        if not kept:
            raise ModelStoreFull(saved.nbytes, self.store.room(), self.store.max_bytes)

    def check_room(self, nbytes: int) -> None:
        """Refuse a model of `nbytes` before reading it, if it could never be kept."""
        self.store.check_room(nbytes)

    def model_count(self) -> int:
        return self.store.count()

    def _discard(self, dropped: list[SavedModel]) -> None:
        """Delete the files of dropped models that no job and no kept model reads."""
        if not dropped:
            return
        with self.lock:
            in_use = {j.final_checkpoint for j in self._jobs.values()}
            in_use |= {Path(j.spec.init_checkpoint) for j in self._jobs.values()
                       if j.state.active and j.spec.init_checkpoint}
        in_use |= self._kept_checkpoints()
        for saved in dropped:
            if saved.checkpoint is not None and saved.checkpoint not in in_use:
                remove_checkpoint(saved.checkpoint)

    def _forget_job(self, job: TrainingJob) -> None:
        """Drop an ended job's files unless a kept model still points at them."""
        if job.state.active:
            return
        if job.final_checkpoint is None or job.final_checkpoint not in self._kept_checkpoints():
            shutil.rmtree(job.job_dir, ignore_errors=True)

    def _kept_checkpoints(self) -> set[Path]:
        """The files kept models read: every learner's, and the class model's."""
        kept = self.store.checkpoints()
        if self.class_model is not None and self.class_model.checkpoint is not None:
            kept.add(self.class_model.checkpoint)
        return kept

    # --- the learner's files -------------------------------------------------------
    def storage_dir(self, owner: str) -> Path:
        """A folder for this learner's uploaded checkpoints (removed when they expire)."""
        folder = learner_dir(owner) / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def scratch_dir(self, owner: str, purpose: str) -> Path:
        """A new folder for one download or export of this learner's; only the newest
        few are kept, and all go with the learner."""
        return fresh_learner_folder(owner, purpose)

    # --- housekeeping --------------------------------------------------------------
    def reap_idle(self, now: float | None = None) -> list[str]:
        """Stop the jobs of learners who have not polled for `idle_timeout` seconds (the
        stop is asked for; it ends within `stop_grace`), and forget learners not seen
        for `learner_ttl` (their jobs, models and files)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            idle = [(owner, job) for owner, job in self._jobs.items() if job.state.active
                    and job is not self._class_job
                    and now - self._seen.get(owner, now) > self.idle_timeout]
            for _, job in idle:
                if job in self._queue:
                    self._queue.remove(job)
        for _, job in idle:
            job.request_stop(self.stop_grace)
        with self.lock:
            gone = [owner for owner, seen in self._seen.items()
                    if now - seen > self.learner_ttl
                    and not (owner in self._jobs and self._jobs[owner].state.active)
                    and not (self._class_job is not None and owner == self._class_job.owner)]
            jobs = [self._jobs.pop(owner) for owner in gone if owner in self._jobs]
            for owner in gone:
                self._seen.pop(owner, None)
        dropped = [m for owner in gone for m in self.store.forget(owner)]
        self._discard(dropped)
        for job in jobs:
            self._forget_job(job)
        for owner in gone:
            shutil.rmtree(learner_dir(owner), ignore_errors=True)
        if gone:
            release_memory()
        return [owner for owner, _ in idle]

    def learners(self) -> int:
        with self.lock:
            return len(set(self._seen) | set(self._jobs) | self.store.owners())

    def start_reaper(self, every: float = 10.0) -> threading.Thread:
        """A background thread that runs `reap_idle` every `every` seconds until
        `stop_reaper()`."""
        def loop():
            while not self._reaper_stop.wait(every):
                self.reap_idle()
        self._reaper_stop.clear()
        self._reaper = threading.Thread(target=loop, name="job-reaper", daemon=True)
        self._reaper.start()
        return self._reaper

    def stop_reaper(self) -> None:
        self._reaper_stop.set()
        if self._reaper is not None:
            self._reaper.join(5)

    def shutdown(self, grace: float = 10.0) -> None:
        """Stop every job (all at once, each keeping its model) and the reaper."""
        self.stop_reaper()
        self.stop_many(self.running_jobs(), grace)

    # --- what the server holds -----------------------------------------------------
    def memory_report(self) -> dict[str, int]:
        """Bytes held now: kept models, and the server's copies for running jobs."""
        with self.lock:
            jobs = list(self._jobs.values())
        return {"models": self.store.nbytes(), "model_count": self.store.count(),
                "jobs": sum(j.server_bytes() for j in jobs)}


def _seconds_left(job: TrainingJob) -> float:
    """A job's remaining seconds: at its own pace once it has one, else estimated."""
    view = job.view()
    if view.eta_s is not None:
        return view.eta_s
    spec = job.spec
    steps = spec.train_cfg.max_steps - max(view.step, spec.start_step)
    return max(0, steps) * estimate_step_seconds(spec.model_cfg, spec.train_cfg.batch_size)
