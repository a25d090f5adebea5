"""Training jobs shared by a room of learners: background threads, a cap, a queue.

- A `TrainingJob` runs a `Trainer` in a daemon thread and records what it reports
  (losses, evaluations, samples) under a lock; readers get copies (`view()`).
- The `JobRegistry` keys jobs by learner: one active job per learner. At most
  `max_running` jobs train at once; later ones wait in a first-come queue and learn
  how many are ahead of them. A job whose learner stops polling for `idle_timeout`
  seconds is stopped (its page was closed), and a finished job frees its place
  for the next in the queue.
- Each learner keeps a short list of finished models (newest first) that the other
  tabs can pick from.
"""

from __future__ import annotations

import copy
import enum
import itertools
import math
import os
import threading
import time
from dataclasses import dataclass, field

import torch

from core.checkpoint import save_checkpoint
from core.config import GPTConfig
from core.model import GPTModel
from core.runtime import release_memory
from core.tokenizer import Tokenizer
from core.train import (EvalInfo, SampleInfo, StepInfo, TrainCallbacks, TrainConfig,
                        Trainer, TrainResult)

MAX_JOBS_ENV = "LLM_PLAYGROUND_MAX_JOBS"
IDLE_ENV = "LLM_PLAYGROUND_IDLE_SECONDS"
MAX_POINTS = 2000            # plot payloads stay bounded


class JobState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FINISHED = "finished"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        return self in (JobState.QUEUED, JobState.RUNNING, JobState.PAUSED)


class JobBusy(RuntimeError):
    """The learner already has an active job."""


@dataclass
class JobSpec:
    """Everything a job needs to train: built by the tab, consumed by the thread."""

    label: str
    model_cfg: GPTConfig
    train_cfg: TrainConfig
    tokenizer: Tokenizer
    train_tokens: torch.Tensor
    val_tokens: torch.Tensor
    corpus: str = ""
    init_state: dict | None = None           # weights to start from (resume / load)
    init_optimizer: dict | None = None       # optimizer state_dict to resume
    start_step: int = 0


@dataclass
class JobView:
    """A copy of a job's progress, safe to read while it trains."""

    id: int
    label: str
    state: JobState
    reason: str
    step: int
    max_steps: int
    steps: list[tuple[int, float]]           # (tokens seen, training loss)
    evals: list[EvalInfo]
    samples: list[SampleInfo]
    last: StepInfo | None
    seed: int
    params: int
    tokens_per_step: int
    queue_position: int = 0
    first_step: int = 0                       # where this run started (0, or a resume)

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the average pace so far."""
        if self.last is None or self.last.step <= self.first_step:
            return None
        per_step = self.last.elapsed_s / (self.last.step - self.first_step)
        return per_step * (self.max_steps - self.step)

    @property
    def overfitting(self) -> bool:
        """Validation loss rising over the last evaluations while training loss falls."""
        if len(self.evals) < 3:
            return False
        a, b, c = self.evals[-3:]
        return c.val_loss > b.val_loss > a.val_loss and c.train_loss < a.train_loss


class TrainingJob:
    _ids = itertools.count(1)

    def __init__(self, owner: str, spec: JobSpec, device: str | torch.device = "cpu"):
        self.id = next(self._ids)
        self.owner, self.spec, self.device = owner, spec, device
        self.state = JobState.QUEUED
        self.reason = ""
        self.lock = threading.Lock()
        self.stop_event, self.pause_event = threading.Event(), threading.Event()
        self.model = GPTModel(spec.model_cfg)
        if spec.init_state is not None:
            self.model.load_state_dict(spec.init_state)
        self.model.to(device)
        self.trainer: Trainer | None = None
        self.thread: threading.Thread | None = None
        self._steps: list[tuple[int, float]] = []
        self._evals: list[EvalInfo] = []
        self._samples: list[SampleInfo] = []
        self._last: StepInfo | None = None
        self._snapshot: tuple[int, GPTModel] | None = None
        self.on_end = None                      # set by the registry

    # --- callbacks (run in the training thread) -------------------------------------
    def _on_step(self, info: StepInfo) -> None:
        with self.lock:
            self._steps.append((info.tokens_seen, info.loss))
            self._last = info

    def _on_eval(self, info: EvalInfo) -> None:
        with self.lock:
            self._evals.append(info)

    def _on_sample(self, info: SampleInfo) -> None:
        with self.lock:
            self._samples.append(info)

    # --- control -----------------------------------------------------------------
    def start(self) -> None:
        with self.lock:
            if self.thread is not None or self.state is not JobState.QUEUED:
                return
            self.state = JobState.RUNNING
            self.thread = threading.Thread(target=self._run, name=f"train-job-{self.id}",
                                           daemon=True)
        self.thread.start()

    def _run(self) -> None:
        result: TrainResult | None = None
        try:
            spec = self.spec
            callbacks = TrainCallbacks(self._on_step, self._on_eval, self._on_sample)
            trainer = Trainer(self.model, spec.tokenizer, spec.train_tokens, spec.val_tokens,
                              spec.train_cfg, callbacks, self.device, self.stop_event,
                              self.pause_event, start_step=spec.start_step)
            if spec.init_optimizer is not None:
                trainer.optimizer.load_state_dict(spec.init_optimizer)
            self.trainer = trainer
            result = trainer.run()
        except Exception as err:  # reported in the page, never lost with the thread
            result = TrainResult("failed", f"{type(err).__name__}: {err}")
        finally:
            with self.lock:
                self.state = JobState(result.status) if result else JobState.FAILED
                self.reason = result.reason if result else "the job ended unexpectedly"
            release_memory()
            if self.on_end:
                self.on_end(self)

    def pause(self) -> None:
        with self.lock:
            if self.state is JobState.RUNNING:
                self.pause_event.set()
                self.state = JobState.PAUSED

    def resume(self) -> None:
        with self.lock:
            if self.state is JobState.PAUSED:
                self.pause_event.clear()
                self.state = JobState.RUNNING

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop after its current step and wait for it."""
        self.stop_event.set()
        with self.lock:
            if self.state is JobState.QUEUED:
                self.state, self.reason = JobState.STOPPED, "stopped before it started"
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    # --- reading -----------------------------------------------------------------
    def view(self, queue_position: int = 0) -> JobView:
        with self.lock:
            view = JobView(
                id=self.id, label=self.spec.label, state=self.state, reason=self.reason,
                step=self._last.step if self._last else self.spec.start_step,
                max_steps=self.spec.train_cfg.max_steps, steps=_downsample(self._steps),
                evals=list(self._evals)[-MAX_POINTS:], samples=list(self._samples),
                last=copy.copy(self._last), seed=self.spec.train_cfg.seed,
                params=sum(p.numel() for p in self.model.parameters()),
                tokens_per_step=self.spec.train_cfg.batch_size * self.spec.model_cfg.context_length,
                queue_position=queue_position, first_step=self.spec.start_step)
        return view

    def snapshot_model(self) -> GPTModel:
        """A frozen copy of the current weights (eval mode) for other tabs to use."""
        step = self._last.step if self._last else -1
        cached = self._snapshot
        if cached is not None and cached[0] == step:
            return cached[1]
        if self.trainer is not None:
            state = self.trainer.snapshot_state()
        else:
            state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        model = GPTModel(self.spec.model_cfg)
        model.load_state_dict(state)
        model.eval().requires_grad_(False)
        self._snapshot = (step, model)
        return model

    def save(self, path) -> str:
        """Save weights and optimizer state atomically, between two training steps."""
        meta_metrics = {}
        with self.lock:
            if self._evals:
                last = self._evals[-1]
                meta_metrics = {"train_loss": last.train_loss, "val_loss": last.val_loss}
            step = self._last.step if self._last else self.spec.start_step
        extra = {"label": self.spec.label, "corpus": self.spec.corpus,
                 "train_config": self.spec.train_cfg.__dict__}
        trainer = self.trainer
        if trainer is None:
            return str(save_checkpoint(path, self.model, self.spec.tokenizer, step=step,
                                       metrics=meta_metrics, extra=extra))
        with trainer.lock:
            return str(save_checkpoint(path, self.model, self.spec.tokenizer, step=trainer.step,
                                       metrics=meta_metrics, extra=extra,
                                       optimizer=trainer.optimizer))


def _downsample(points: list, limit: int = MAX_POINTS) -> list:
    """At most `limit` points, evenly spread, always keeping the newest."""
    if len(points) <= limit:
        return list(points)
    stride = math.ceil(len(points) / limit)
    return points[::stride][: limit - 1] + [points[-1]]


@dataclass
class SavedModel:
    label: str
    model: GPTModel
    tokenizer: Tokenizer
    created: float = field(default_factory=time.time)


class JobRegistry:
    """Every learner's job and finished models, behind one lock."""

    def __init__(self, max_running: int | None = None, idle_timeout: float | None = None,
                 models_per_learner: int = 3):
        self.max_running = max_running or int(os.environ.get(MAX_JOBS_ENV, "2"))
        self.idle_timeout = idle_timeout or float(os.environ.get(IDLE_ENV, "180"))
        self.models_per_learner = models_per_learner
        self.lock = threading.RLock()
        self._jobs: dict[str, TrainingJob] = {}
        self._queue: list[TrainingJob] = []
        self._seen: dict[str, float] = {}
        self._models: dict[str, list[SavedModel]] = {}

    def submit(self, owner: str, job: TrainingJob) -> int:
        """Start or queue `job`; returns how many jobs are ahead of it (0 = running)."""
        with self.lock:
            current = self._jobs.get(owner)
            if current is not None and current.state.active:
                raise JobBusy("you already have a training job: stop it first")
            job.on_end = self._job_ended
            self._jobs[owner] = job
            self._seen[owner] = time.monotonic()
            if self._running_count() < self.max_running:
                job.start()
                return 0
            self._queue.append(job)
            return len(self._queue)

    def _running_count(self) -> int:
        return sum(1 for j in self._jobs.values() if j.state in (JobState.RUNNING, JobState.PAUSED))

    def _job_ended(self, job: TrainingJob) -> None:
        with self.lock:
            if job.state is JobState.FINISHED or job.state is JobState.STOPPED and job.view().step > 0:
                self._remember(job)
            self._start_queued()

    def _start_queued(self) -> None:
        while self._queue and self._running_count() < self.max_running:
            nxt = self._queue.pop(0)
            if nxt.state is JobState.QUEUED:
                nxt.start()

    def _remember(self, job: TrainingJob) -> None:
        view = job.view()
        saved = SavedModel(f"{job.spec.label} · step {view.step}", job.snapshot_model(),
                           job.spec.tokenizer)
        models = self._models.setdefault(job.owner, [])
        models.insert(0, saved)
        del models[self.models_per_learner:]

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
        with self.lock:
            job = self._jobs.get(owner)
            if job is not None and job in self._queue:
                self._queue.remove(job)
        if job is not None:
            job.stop()

    def reap_idle(self, now: float | None = None) -> list[str]:
        """Stop the jobs of learners who have not polled for `idle_timeout` seconds."""
        now = time.monotonic() if now is None else now
        with self.lock:
            idle = [owner for owner, job in self._jobs.items() if job.state.active
                    and now - self._seen.get(owner, now) > self.idle_timeout]
        for owner in idle:
            self.stop(owner)
        return idle

    def models(self, owner: str) -> list[SavedModel]:
        with self.lock:
            return list(self._models.get(owner, []))

    def add_model(self, owner: str, saved: SavedModel) -> None:
        with self.lock:
            models = self._models.setdefault(owner, [])
            models.insert(0, saved)
            del models[self.models_per_learner:]

    def running_jobs(self) -> list[TrainingJob]:
        with self.lock:
            return [j for j in self._jobs.values() if j.state.active]

    def start_reaper(self, every: float = 10.0) -> threading.Thread:
        def loop():
            while True:
                time.sleep(every)
                self.reap_idle()
        thread = threading.Thread(target=loop, name="job-reaper", daemon=True)
        thread.start()
        return thread
