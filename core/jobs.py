"""Training jobs shared by a room of learners: one process per job, a cap, a queue, bounds.

- A `TrainingJob` runs a `Trainer` in a process of its own (core/job_process.py) and
  records what comes back (steps, evaluations, samples, probes) under a lock; readers
  get copies (`view()`). The process's weights are mirrored in shared memory, so
  other tabs can use "my model" while it trains (`snapshot_model()`).
- If the process dies — killed, out of memory, a crash — the job becomes FAILED with
  a plain reason; the server and every other job carry on.
- The `JobRegistry` keys jobs by learner: one active job per learner. At most
  `max_running` jobs train at once; later ones wait in a first-come queue and learn
  how many are ahead of them. A job that would not fit in memory is refused before
  it starts, with the estimate.
- Each learner keeps a short list of finished or loaded models (weights only, newest
  first; the model a fine-tune started from stays pinned). The lists have a total
  bound too, and a learner who has not been seen for `learner_ttl` seconds is
  forgotten, with their files: memory stays flat however many learners come and go.
"""

from __future__ import annotations

import copy
import enum
import itertools
import math
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import torch

from core.checkpoint import checkpoint_paths, load_state_checked, save_checkpoint
from core.config import GPTConfig
from core.estimates import (MemoryEstimate, available_memory, estimate_training_memory,
                            job_memory_cap, largest_batch_that_fits)
from core.job_process import JobPayload, job_context, run_job
from core.kv_cache import use_decode_layout
from core.model import LM_HEAD, build_model, empty_model, head_is_tied
from core.objectives import Task
from core.runtime import release_memory, threads_per_job
from core.tokenizer import Tokenizer
from core.train import EvalInfo, ProbeInfo, ProbeSpec, SampleInfo, StepInfo, TrainConfig

MAX_JOBS_ENV = "LLM_PLAYGROUND_MAX_JOBS"
IDLE_ENV = "LLM_PLAYGROUND_IDLE_SECONDS"
LEARNER_TTL_ENV = "LLM_PLAYGROUND_LEARNER_TTL_SECONDS"
MAX_MODELS_ENV = "LLM_PLAYGROUND_MAX_MODELS"
RUNS_ENV = "LLM_PLAYGROUND_RUNS"
MAX_POINTS = 2000            # plot payloads stay bounded
MAX_KEPT = 20_000            # history kept per job before it is thinned
MAX_PROBE_RESULTS = 60       # probe snapshots kept per probe
SERVER_HEADROOM = 256 * 2**20


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

    def __init__(self, message: str = "you already have a training job: stop it first"):
        super().__init__(message)


class JobTooBig(ValueError):
    """A job whose memory estimate exceeds what is free; the fields say by how much."""

    def __init__(self, estimate: MemoryEstimate, available: int, fits_batch: int):
        from core.estimates import format_bytes
        self.estimate, self.available, self.fits_batch = estimate, available, fits_batch
        fits = (f"a batch of at most {fits_batch} would fit" if fits_batch
                else "choose a smaller model or a shorter context")
        super().__init__(
            f"this run needs about {format_bytes(estimate.total)} of memory (weights "
            f"{format_bytes(estimate.weights)}, optimizer {format_bytes(estimate.optimizer)}, "
            f"activations {format_bytes(estimate.activations + estimate.logits)}) but only "
            f"{format_bytes(available)} is free: {fits}")


@dataclass
class JobSpec:
    """Everything a job needs to train: built by a tab (or the command line)."""

    label: str
    model_cfg: GPTConfig
    train_cfg: TrainConfig
    tokenizer: Tokenizer
    task: Task
    corpus: str = ""
    kind: str = "pretrain"                    # pretrain, classifier, instruct …
    head: dict = field(default_factory=lambda: dict(LM_HEAD))
    init_state: dict | None = None            # weights to start from (a fine-tune's base)
    init_checkpoint: str | None = None        # a checkpoint to resume (with optimizer state)
    start_step: int = 0
    probes: tuple[ProbeSpec, ...] = ()
    trainable: str = "all"
    tags: tuple[str, ...] = ()
    base_model: str | None = None             # id of the SavedModel a fine-tune started from
    threads: int | None = None

    @classmethod
    def pretraining(cls, label: str, model_cfg: GPTConfig, train_cfg: TrainConfig,
                    tokenizer: Tokenizer, train_tokens: torch.Tensor, val_tokens: torch.Tensor,
                    **kwargs) -> "JobSpec":
        prompts = kwargs.pop("prompts", None) or [train_cfg.sample_prompt]
        task = Task("lm", {"train_tokens": train_tokens, "val_tokens": val_tokens,
                           "prompts": list(prompts)})
        return cls(label, model_cfg, train_cfg, tokenizer, task, **kwargs)

    def memory_estimate(self) -> MemoryEstimate:
        head_size = len(self.head["classes"]) if self.head.get("kind") == "classifier" else None
        return estimate_training_memory(self.model_cfg, self.train_cfg.batch_size, head_size)


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
    probes: dict[str, list[ProbeInfo]] = field(default_factory=dict)
    pid: int | None = None
    kind: str = "pretrain"
    created: float = 0.0

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


def runs_root() -> Path:
    """Where jobs write their checkpoints (LLM_PLAYGROUND_RUNS, default a temp folder)."""
    return Path(os.environ.get(RUNS_ENV) or Path(tempfile.gettempdir()) / "llm-playground" / "runs")


def _append_bounded(points: list, item, limit: int = MAX_KEPT) -> None:
    """Append, and thin to every other point once the list doubles its limit."""
    points.append(item)
    if len(points) > 2 * limit:
        newest = points[-1]
        points[:] = points[::2]
        if points[-1] is not newest:
            points.append(newest)


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "training stopped unexpectedly: the job process did not end"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = (" (by the operating system, often for running out of memory, or from outside)"
               if -exitcode == signal.SIGKILL else "")
        return f"training stopped unexpectedly: the job process was killed with {name}{why}"
    return f"training stopped unexpectedly: the job process exited with code {exitcode}"


class TrainingJob:
    """One learner's training run, in a process of its own."""

    _ids = itertools.count(1)

    def __init__(self, owner: str, spec: JobSpec, device: str | torch.device = "cpu"):
        self.id = next(self._ids)
        self.owner, self.spec, self.device = owner, spec, str(device)
        self.created = time.time()
        self.state = JobState.QUEUED
        self.reason = ""
        self.lock = threading.Lock()
        self.job_dir = runs_root() / f"job-{os.getpid()}-{self.id}-{uuid.uuid4().hex[:6]}"
        self.pid: int | None = None
        self.final_checkpoint: Path | None = None
        self._steps: list[tuple[int, float]] = []
        self._evals: list[EvalInfo] = []
        self._samples: list[SampleInfo] = []
        self._probes: dict[str, list[ProbeInfo]] = {}
        self._last: StepInfo | None = None
        self._ended_step = spec.start_step
        self._process = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._saves: dict[str, list] = {}
        self._shared: dict[str, torch.Tensor] | None = None
        self._snapshot: tuple[int, object] | None = None
        self._final_model = None                  # strong ref until the registry keeps it
        self._final_ref = None                    # weak ref afterwards
        self.params = _count(spec)
        self.on_end = None                        # set by the registry

    # --- starting ------------------------------------------------------------------
    def _shared_weights(self) -> dict[str, torch.Tensor]:
        """Shared-memory tensors the job process copies its weights into."""
        with torch.device("meta"):
            meta_model = build_model(self.spec.model_cfg, self.spec.head)
        tied = head_is_tied(meta_model)
        shared = {}
        for name, tensor in meta_model.state_dict().items():
            if tied and name == "out_head.weight":
                continue
            shared[name] = torch.empty(tensor.shape, dtype=tensor.dtype).share_memory_()
        return shared

    def _initial_weights(self) -> dict[str, torch.Tensor] | None:
        """The spec's starting weights, copied into the shared tensors (no extra copy
        travels to the process); only the tensors they have a value for."""
        init = self.spec.init_state
        if init is None:
            return None
        chosen = {}
        with torch.no_grad():
            for name, target in self._shared.items():
                source = init.get(name)
                if source is not None and tuple(source.shape) == tuple(target.shape):
                    target.copy_(source)
                    chosen[name] = target
        return chosen

    def start(self) -> None:
        with self.lock:
            if self._process is not None or self.state is not JobState.QUEUED:
                return
            self.state = JobState.RUNNING
        try:
            self._launch()
        except Exception as err:   # could not even start: say why
            self._end("failed", f"the job could not start: {type(err).__name__}: {err}")

    def _launch(self) -> None:
        ctx = job_context()
        spec = self.spec
        self.job_dir.mkdir(parents=True, exist_ok=True)
        self._shared = self._shared_weights()
        self._shared_lock, self._shared_version = ctx.Lock(), ctx.Value("l", 0)
        self._stop, self._pause = ctx.Event(), ctx.Event()
        events_r, events_w = ctx.Pipe(duplex=False)
        requests_r, requests_w = ctx.Pipe(duplex=False)
        payload = JobPayload(
            model_cfg=spec.model_cfg, head=spec.head, train_cfg=spec.train_cfg,
            tokenizer_spec=spec.tokenizer.to_spec(), task=spec.task, job_dir=str(self.job_dir),
            device=self.device, threads=spec.threads,
            init_state=self._initial_weights(),
            init_checkpoint=spec.init_checkpoint, start_step=spec.start_step,
            probes=tuple(spec.probes), trainable=spec.trainable,
            extra={"label": spec.label, "corpus": spec.corpus, "kind": spec.kind,
                   "tags": list(spec.tags), "train_config": spec.train_cfg.to_dict()})
        process = ctx.Process(
            target=run_job, name=f"train-job-{self.id}", daemon=True,
            args=(payload, events_w, requests_r, self._stop, self._pause, self._shared,
                  self._shared_lock, self._shared_version))
        process.start()
        events_w.close()       # the child holds its own copies of these ends
        requests_r.close()
        self._process, self._events, self._requests = process, events_r, requests_w
        self.pid = process.pid
        self._reader = threading.Thread(target=self._read_loop, name=f"job-{self.id}-reader",
                                        daemon=True)
        self._reader.start()

    # --- what comes back from the process -------------------------------------------
    def _read_loop(self) -> None:
        ended = None
        try:
            while True:
                message = self._events.recv()
                if message[0] == "end":
                    ended = message
                else:
                    self._record(message)
        except (EOFError, OSError):
            pass                        # the process has closed its end (or died)
        except Exception as err:        # a message cut short by a dying process
            ended = ended or ("end", "failed", f"training stopped unexpectedly: {err}", -1, None)
        self._process.join(10)
        if ended is None:
            self._end("failed", _exit_reason(self._process.exitcode))
        else:
            _, status, reason, step, final = ended
            if step is not None and step >= 0:
                self._ended_step = step
            self.final_checkpoint = Path(final) if final else None
            self._end(status, reason, graceful=True)

    def _record(self, message: tuple) -> None:
        kind = message[0]
        with self.lock:
            if kind == "step":
                info: StepInfo = message[1]
                _append_bounded(self._steps, (info.tokens_seen, info.loss))
                self._last = info
            elif kind == "eval":
                _append_bounded(self._evals, message[1])
            elif kind == "sample":
                _append_bounded(self._samples, message[1], MAX_POINTS)
            elif kind == "probe":
                info: ProbeInfo = message[1]
                _append_bounded(self._probes.setdefault(info.name, []), info,
                                MAX_PROBE_RESULTS // 2)
            elif kind == "ready":
                self.pid = message[1]
            elif kind == "saved":
                _, request_id, path, error = message
                waiter = self._saves.get(request_id)
                if waiter is not None:
                    waiter[1], waiter[2] = path, error
                    waiter[0].set()

    def _end(self, status: str, reason: str, graceful: bool = False) -> None:
        final_model = None
        if graceful and self._shared is not None and self._last is not None:
            try:
                final_model = self._model_from_shared()
            except TimeoutError:
                final_model = None
        with self.lock:
            self.state = JobState(status)
            self.reason = reason
            self._final_model = final_model
            self._shared = None            # the shared-memory copy is no longer needed
            self._snapshot = None
            for waiter in self._saves.values():
                waiter[0].set()
        for conn in (getattr(self, "_events", None), getattr(self, "_requests", None)):
            if conn is not None:
                conn.close()
        release_memory()
        if self.on_end:
            self.on_end(self)

    # --- control -------------------------------------------------------------------
    def pause(self) -> None:
        with self.lock:
            if self.state is JobState.RUNNING:
                self._pause.set()
                self.state = JobState.PAUSED

    def resume(self) -> None:
        with self.lock:
            if self.state is JobState.PAUSED:
                self._pause.clear()
                self.state = JobState.RUNNING

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the process to stop after its current step and wait for it to end."""
        with self.lock:
            if self.state is JobState.QUEUED and self._process is None:
                self.state, self.reason = JobState.STOPPED, "stopped before it started"
                return
        if self._process is None:
            return
        self._stop.set()
        self._pause.clear()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout)
            if self._reader.is_alive():        # a step that will not end: end the process
                self._process.kill()
                self._reader.join(10)

    def set_threads(self, n: int) -> None:
        """Ask the process to use `n` CPU threads from its next step on."""
        if self.alive:
            self._send("threads", int(n))
        else:
            self.spec.threads = int(n)

    def kill(self) -> None:
        """End the process at once (as the operating system would)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _send(self, *message) -> bool:
        with self._send_lock:
            try:
                self._requests.send(message)
                return True
            except (OSError, ValueError, AttributeError):
                return False

    # --- reading -----------------------------------------------------------------
    def view(self, queue_position: int = 0) -> JobView:
        with self.lock:
            step = self._last.step if self._last else self.spec.start_step
            if not self.state.active:
                step = max(step, self._ended_step)
            return JobView(
                id=self.id, label=self.spec.label, state=self.state, reason=self.reason,
                step=step, max_steps=self.spec.train_cfg.max_steps, steps=_downsample(self._steps),
                evals=_downsample(self._evals), samples=list(self._samples),
                last=copy.copy(self._last), seed=self.spec.train_cfg.seed, params=self.params,
                tokens_per_step=self.spec.train_cfg.batch_size * self.spec.model_cfg.context_length,
                queue_position=queue_position, first_step=self.spec.start_step,
                probes={name: list(results) for name, results in self._probes.items()},
                pid=self.pid, kind=self.spec.kind, created=self.created)

    def _model_from_shared(self):
        """A frozen model with the weights now in shared memory (for generating)."""
        # Laid out for decoding before the weights arrive: one copy, straight into place.
        model = use_decode_layout(empty_model(self.spec.model_cfg, self.spec.head),
                                  keep_values=False)
        # A process killed while copying would hold the lock for ever: wait, not hang.
        if not self._shared_lock.acquire(timeout=10):
            raise TimeoutError("the job's weights are locked by a process that is gone")
        try:
            load_state_checked(model, self._shared)
        finally:
            self._shared_lock.release()
        return model.eval().requires_grad_(False)

    def final_model(self):
        """The weights the job ended with (None while it runs or if they are gone)."""
        with self.lock:
            if self._final_model is not None:
                return self._final_model
            return self._final_ref() if self._final_ref is not None else None

    def release_final_model(self) -> None:
        """The registry keeps the final model now: hold it weakly from here on."""
        with self.lock:
            if self._final_model is not None:
                self._final_ref = weakref.ref(self._final_model)
                self._final_model = None

    def snapshot_model(self, wait: float = 2.0):
        """A frozen copy of the current weights (eval mode) for other tabs to use.

        While the job trains, its process is asked for fresh weights at the next step
        boundary; after `wait` seconds the latest copy it made is used.
        """
        final = self.final_model()
        if final is not None:
            return final
        if self._shared is None:
            raise RuntimeError("this job has no weights yet (or they are no longer kept)")
        before = self._shared_version.value
        if self.alive and self._send("snapshot"):
            deadline = time.monotonic() + wait
            while self._shared_version.value == before and self.alive \
                    and time.monotonic() < deadline:
                time.sleep(0.005)
        version = self._shared_version.value
        cached = self._snapshot
        if cached is not None and cached[0] == version:
            return cached[1]
        shared = self._shared
        if shared is None:                     # the job ended meanwhile
            return self.snapshot_model(wait)
        model = self._model_from_shared()
        self._snapshot = (version, model)
        return model

    def save(self, path, timeout: float = 300.0) -> str:
        """Save weights and optimizer state atomically; returns the weights path.

        While the job runs its process writes the file between two steps; afterwards
        the job's final checkpoint is copied (or, failing that, the final weights)."""
        with self.lock:
            metrics = {}
            if self._evals:
                last = self._evals[-1]
                metrics = {"train_loss": last.train_loss, "val_loss": last.val_loss, **last.metrics}
            running = self.state.active and self._process is not None
        if running and self.alive:
            request_id = uuid.uuid4().hex
            waiter = [threading.Event(), None, None]
            self._saves[request_id] = waiter
            try:
                if self._send("save", request_id, str(path), metrics) and waiter[0].wait(timeout):
                    if waiter[1]:
                        return waiter[1]
                    if waiter[2]:
                        raise RuntimeError(f"saving failed: {waiter[2]}")
            finally:
                self._saves.pop(request_id, None)
            if self.alive:
                raise RuntimeError("saving took too long: try again")
        if self._reader is not None:
            self._reader.join(30)               # the job is ending: wait for its final file
        if self.final_checkpoint is not None and self.final_checkpoint.is_file():
            return str(_copy_checkpoint(self.final_checkpoint, path))
        model = self.final_model()
        if model is None:
            raise RuntimeError("this job has no weights to save")
        return str(save_checkpoint(path, model, self.spec.tokenizer, step=self.view().step,
                                   metrics=metrics, extra={"label": self.spec.label,
                                                           "corpus": self.spec.corpus}))

    def memory_rss(self) -> int:
        """Resident memory of the job's process in bytes (0 when it is not running)."""
        if not self.alive or self.pid is None:
            return 0
        try:
            pages = int(Path(f"/proc/{self.pid}/statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            return 0
        return pages * os.sysconf("SC_PAGE_SIZE")


def _count(spec: JobSpec) -> int:
    from core.estimates import count_model_parameters
    params = count_model_parameters(spec.model_cfg)
    if spec.head.get("kind") == "classifier" and not spec.model_cfg.tie_weights:
        params += (len(spec.head["classes"]) - spec.model_cfg.vocab_size) * spec.model_cfg.emb_dim
    return params


def _copy_checkpoint(source: Path, target) -> Path:
    """Copy a checkpoint's two files, each through a temporary name (atomic)."""
    src_weights, src_sidecar = checkpoint_paths(source)
    dst_weights, dst_sidecar = checkpoint_paths(target)
    dst_weights.parent.mkdir(parents=True, exist_ok=True)
    for src, dst in ((src_weights, dst_weights), (src_sidecar, dst_sidecar)):
        if src.is_file():
            tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex[:8]}.tmp")
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
    return dst_weights


def _downsample(points: list, limit: int = MAX_POINTS) -> list:
    """At most `limit` points, evenly spread, always keeping the newest."""
    if len(points) <= limit:
        return list(points)
    stride = math.ceil(len(points) / limit)
    return points[::stride][: limit - 1] + [points[-1]]


_MODEL_ORDER = itertools.count()


@dataclass
class SavedModel:
    """A model a learner can pick in other tabs: weights only, frozen."""

    label: str
    model: object = field(repr=False)    # GPTModel (eval mode, no gradients)
    tokenizer: Tokenizer
    created: float = field(default_factory=time.time)
    kind: str = "lm"                     # the head: "lm" or "classifier"
    tags: tuple[str, ...] = ()           # e.g. "instruction-tuned"
    checkpoint: Path | None = None       # its file on disk (weights + optimizer), if any
    step: int = 0
    meta: dict = field(default_factory=dict)
    pinned: bool = False                 # a fine-tune's base: not pushed off the list
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    order: int = field(default_factory=lambda: next(_MODEL_ORDER))   # older = smaller

    @property
    def nbytes(self) -> int:
        seen, total = set(), 0
        for p in self.model.parameters():
            if id(p) not in seen:
                seen.add(id(p))
                total += p.numel() * p.element_size()
        return total


class JobRegistry:
    """Every learner's job and models, behind one lock."""

    def __init__(self, max_running: int | None = None, idle_timeout: float | None = None,
                 models_per_learner: int = 3, max_models: int | None = None,
                 learner_ttl: float | None = None):
        self.max_running = max_running or int(os.environ.get(MAX_JOBS_ENV, "2"))
        self.idle_timeout = idle_timeout or float(os.environ.get(IDLE_ENV, "180"))
        self.models_per_learner = models_per_learner
        self.max_models = max_models or int(os.environ.get(MAX_MODELS_ENV, "24"))
        self.learner_ttl = learner_ttl or float(os.environ.get(LEARNER_TTL_ENV, "3600"))
        self.lock = threading.RLock()
        self._jobs: dict[str, TrainingJob] = {}
        self._queue: list[TrainingJob] = []
        self._seen: dict[str, float] = {}
        self._models: dict[str, list[SavedModel]] = {}
        self._reaper_stop = threading.Event()
        self._reaper: threading.Thread | None = None

    # --- jobs ----------------------------------------------------------------------
    def check_memory(self, spec: JobSpec) -> None:
        """Refuse a job whose estimate exceeds the free memory (JobTooBig)."""
        estimate = spec.memory_estimate()
        with self.lock:
            running = [j for j in self._jobs.values() if j.state.active and j.alive]
        # Running jobs may still grow to their own estimates.
        growth = sum(max(0, j.spec.memory_estimate().total - j.memory_rss()) for j in running)
        budget = available_memory() - growth - SERVER_HEADROOM
        cap = job_memory_cap()
        if cap is not None:
            budget = min(budget, cap)
        if estimate.total > budget:
            head = len(spec.head["classes"]) if spec.head.get("kind") == "classifier" else None
            fits = largest_batch_that_fits(spec.model_cfg, budget, head)
            raise JobTooBig(estimate, max(0, budget), fits)

    def submit(self, owner: str, job: TrainingJob) -> int:
        """Start or queue `job`; returns how many jobs are ahead of it (0 = running)."""
        self.check_memory(job.spec)
        with self.lock:
            current = self._jobs.get(owner)
            if current is not None and current.state.active:
                raise JobBusy()
            job.on_end = self._job_ended
            if current is not None:
                self._forget_job(current)
            self._jobs[owner] = job
            self._seen[owner] = time.monotonic()
            if job.spec.base_model:
                for saved in self._models.get(owner, []):
                    if saved.id == job.spec.base_model:
                        saved.pinned = True
            if self._running_count() < self.max_running:
                self._start(job)
                return 0
            self._queue.append(job)
            return len(self._queue)

    def _start(self, job: TrainingJob) -> None:
        """Start `job` with its share of the cores, and re-share them among all."""
        if job.spec.threads is None:
            job.spec.threads = threads_per_job(self._running_count() + 1)
        job.start()
        self._share_threads()

    def _share_threads(self) -> None:
        running = [j for j in self._jobs.values() if j.state in (JobState.RUNNING, JobState.PAUSED)]
        share = threads_per_job(len(running))
        for job in running:
            job.set_threads(share)

    def _running_count(self) -> int:
        return sum(1 for j in self._jobs.values() if j.state in (JobState.RUNNING, JobState.PAUSED))

    def _job_ended(self, job: TrainingJob) -> None:
        with self.lock:
            view = job.view()
            keep = job.state is JobState.FINISHED or (
                job.state is JobState.STOPPED and view.step > job.spec.start_step)
            if keep and job.final_model() is not None and self._jobs.get(job.owner) is job:
                self._remember(job, view)
            self._start_queued()
            self._share_threads()

    def _start_queued(self) -> None:
        while self._queue and self._running_count() < self.max_running:
            nxt = self._queue.pop(0)
            if nxt.state is not JobState.QUEUED:
                continue
            try:
                self.check_memory(nxt.spec)
            except JobTooBig as err:
                with nxt.lock:
                    nxt.state, nxt.reason = JobState.FAILED, str(err)
                continue
            self._start(nxt)

    def _remember(self, job: TrainingJob, view: JobView) -> None:
        spec = job.spec
        saved = SavedModel(f"{spec.label} · step {view.step}", job.final_model(), spec.tokenizer,
                           kind=spec.head.get("kind", "lm"), tags=tuple(spec.tags),
                           checkpoint=job.final_checkpoint, step=view.step,
                           meta={"corpus": spec.corpus, "head": dict(spec.head),
                                 "job_kind": spec.kind})
        self._add(job.owner, saved)
        job.release_final_model()

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

    def running_jobs(self) -> list[TrainingJob]:
        with self.lock:
            return [j for j in self._jobs.values() if j.state.active]

    # --- models --------------------------------------------------------------------
    def models(self, owner: str, kind: str | None = None) -> list[SavedModel]:
        """The learner's models, newest first (only those with head `kind` if given)."""
        with self.lock:
            models = list(self._models.get(owner, []))
        return [m for m in models if kind is None or m.kind == kind]

    def model_by_id(self, owner: str, model_id: str) -> SavedModel | None:
        with self.lock:
            return next((m for m in self._models.get(owner, []) if m.id == model_id), None)

    def add_model(self, owner: str, saved: SavedModel) -> None:
        with self.lock:
            self._seen.setdefault(owner, time.monotonic())
            self._add(owner, saved)

    def _add(self, owner: str, saved: SavedModel) -> None:
        models = self._models.setdefault(owner, [])
        models.insert(0, saved)
        unpinned = [m for m in models if not m.pinned]
        for old in unpinned[self.models_per_learner:]:
            self._drop_model(owner, old)
        self._enforce_total()

    def _enforce_total(self) -> None:
        """At most `max_models` in all: the oldest unpinned ones go first."""
        everything = [(m.order, owner, m) for owner, ms in self._models.items() for m in ms]
        excess = len(everything) - self.max_models
        for _, owner, model in sorted(everything, key=lambda e: (e[2].pinned, e[0])):
            if excess <= 0:
                break
            self._drop_model(owner, model)
            excess -= 1

    def _drop_model(self, owner: str, saved: SavedModel) -> None:
        models = self._models.get(owner, [])
        if saved in models:
            models.remove(saved)
        if not models:
            self._models.pop(owner, None)
        if saved.checkpoint is not None and not self._file_in_use(saved.checkpoint):
            _remove_checkpoint(saved.checkpoint)

    def _file_in_use(self, path: Path) -> bool:
        jobs = [j for j in self._jobs.values() if j.final_checkpoint == path or
                (j.state.active and j.spec.init_checkpoint == str(path))]
        models = [m for ms in self._models.values() for m in ms if m.checkpoint == path]
        return bool(jobs or models)

    def _forget_job(self, job: TrainingJob) -> None:
        """Drop an ended job's files unless a kept model still points at them."""
        if job.state.active:
            return
        if job.final_checkpoint is None or not self._file_in_use_by_models(job.final_checkpoint):
            shutil.rmtree(job.job_dir, ignore_errors=True)

    def _file_in_use_by_models(self, path: Path) -> bool:
        return any(m.checkpoint == path for ms in self._models.values() for m in ms)

    def model_count(self) -> int:
        with self.lock:
            return sum(len(ms) for ms in self._models.values())

    def storage_dir(self, owner: str) -> Path:
        """A folder for this learner's uploaded checkpoints (removed when they expire)."""
        folder = runs_root() / "uploads" / uuid.uuid5(uuid.NAMESPACE_OID, owner).hex
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # --- housekeeping --------------------------------------------------------------
    def reap_idle(self, now: float | None = None) -> list[str]:
        """Stop the jobs of learners who have not polled for `idle_timeout` seconds, and
        forget learners not seen for `learner_ttl` (their jobs, models and files)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            idle = [owner for owner, job in self._jobs.items() if job.state.active
                    and now - self._seen.get(owner, now) > self.idle_timeout]
        for owner in idle:
            self.stop(owner)
        with self.lock:
            gone = [owner for owner, seen in self._seen.items()
                    if now - seen > self.learner_ttl
                    and not (owner in self._jobs and self._jobs[owner].state.active)]
            for owner in gone:
                self._forget_learner(owner)
        if gone:
            release_memory()
        return idle

    def _forget_learner(self, owner: str) -> None:
        for saved in list(self._models.get(owner, [])):
            self._drop_model(owner, saved)
        job = self._jobs.pop(owner, None)
        if job is not None:
            self._forget_job(job)
        self._seen.pop(owner, None)
        shutil.rmtree(runs_root() / "uploads" / uuid.uuid5(uuid.NAMESPACE_OID, owner).hex,
                      ignore_errors=True)

    def learners(self) -> int:
        with self.lock:
            return len(set(self._seen) | set(self._jobs) | set(self._models))

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

    def shutdown(self) -> None:
        """Stop every job and the reaper (the server is going away)."""
        self.stop_reaper()
        for job in self.running_jobs():
            job.stop(timeout=10)


def _remove_checkpoint(path: Path) -> None:
    root = runs_root().resolve()
    try:
        if root not in Path(path).resolve().parents:
            return                      # not ours: a file the learner gave us elsewhere
    except OSError:
        return
    for file in checkpoint_paths(path):
        file.unlink(missing_ok=True)
