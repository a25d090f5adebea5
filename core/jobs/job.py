"""One learner's training run, seen from the server: `TrainingJob`.

A job starts a process of its own (core/jobs/process.py) and a reader thread that
records what comes back (steps, evaluations, samples, probes) under the job's lock;
readers get copies (`view()`). The process's weights are mirrored in shared memory
(core/jobs/mirror.py), so other tabs can use "my model" while it trains
(`snapshot_model()`).

How a job ends, and what it keeps:
- finished, or stopped: the newest weights (from the mirror) become the final model,
  which the registry keeps in the learner's list. A stop waits `grace` seconds for the
  process to end by itself; after that the process is killed, and the weights it put
  in the mirror when the stop began are still kept. What the stop cut short (the final
  evaluation, the optimizer state) is named in `skipped`.
- failed: `cause` says why (core/jobs/messages.py, `FailureCause`). Only the guard's
  failure (a diverging loss) keeps weights: those of the last healthy evaluation.
Waits are on the job's condition, never a sleep loop.
"""

from __future__ import annotations

import copy
import itertools
import os
import signal
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from core.checkpoint import save_checkpoint
from core.jobs.files import copy_checkpoint, runs_root
from core.jobs.messages import (Ended, FailureCause, JobPayload, Mirrored, ProcessLinks, Ready,
                                SaveCheckpoint, Saved, Skipped, StopSoon, TakeSnapshot,
                                ThreadsInUse, UseThreads)
from core.jobs.mirror import SharedWeights
from core.jobs.process import job_context, run_job
from core.jobs.spec import JobSpec, parameter_count
from core.jobs.view import (MAX_POINTS, MAX_PROBE_RESULTS, JobState, JobView, _append_bounded,
                            _downsample)
from core.kv_cache import use_decode_layout
from core.model import empty_model
from core.runtime import release_memory, resident_bytes
from core.train import EvalInfo, ProbeInfo, SampleInfo, StepInfo

DEFAULT_GRACE_S = 30.0       # how long a stop waits before it ends the process


@dataclass
class _PendingSave:
    """A checkpoint asked of the process, until its answer comes."""

    path: str | None = None
    error: str | None = None
    answered: bool = False


def _exit_reason(exitcode: int | None) -> tuple[FailureCause, str]:
    if exitcode is None:
        return FailureCause.EXITED, "training stopped unexpectedly: the job process did not end"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = (" (by the operating system, often for running out of memory, or from outside)"
               if -exitcode == signal.SIGKILL else "")
        return (FailureCause.KILLED,
                f"training stopped unexpectedly: the job process was killed with {name}{why}")
    return (FailureCause.EXITED,
            f"training stopped unexpectedly: the job process exited with code {exitcode}")


class TrainingJob:
    """One learner's training run, in a process of its own."""

    _ids = itertools.count(1)

    def __init__(self, owner: str, spec: JobSpec, device: str | torch.device = "cpu"):
        self.id = next(self._ids)
        self.owner, self.spec, self.device = owner, spec, str(device)
        self.created = time.time()
        self.job_dir = runs_root() / f"job-{os.getpid()}-{self.id}-{uuid.uuid4().hex[:6]}"
        self.params = parameter_count(spec.model_cfg, spec.head)
        self.on_final = None                      # set by the registry: keeps the final model
        self.on_end = None                        # set by the registry: starts what waits
        # what the page reads, behind `lock`; `_changed` wakes whoever waits on it
        self.lock = threading.Lock()
        self._changed = threading.Condition(self.lock)
        self.state = JobState.QUEUED
        self.reason = ""
        self.cause: FailureCause | None = None
        self.skipped: tuple[Skipped, ...] = ()
        self.kept_step: int | None = None
        self.not_kept = False
        self.pid: int | None = None
        self.threads: int | None = None
        self.final_checkpoint: Path | None = None
        self._steps: list[tuple[int, float]] = []
        self._evals: list[EvalInfo] = []
        self._samples: list[SampleInfo] = []
        self._probes: dict[str, list[ProbeInfo]] = {}
        self._last: StepInfo | None = None
        self._ended_step = spec.start_step
        self._saves: dict[str, _PendingSave] = {}
        self._mirror_version = 0
        self._stop_deadline: float | None = None  # set once a stop is asked for
        self._ended = threading.Event()           # set when everything about the end is done
        # the process and what it shares with the server
        self._process = None
        self._events = None                       # our end of the events pipe
        self._requests = None                     # our end of the requests pipe
        self._stop = None                         # multiprocessing Events
        self._pause = None
        self._send_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._killer: threading.Timer | None = None
        self._mirror: SharedWeights | None = None
        self._extras: dict[str, SharedWeights] = {}
        # models built from the mirror
        self._snapshot_lock = threading.Lock()
        self._snapshot: tuple[int, torch.nn.Module] | None = None
        self._final_model = None                  # strong ref until the registry keeps it
        self._final_ref = None                    # weak ref afterwards
        self._final_extras: dict[str, torch.nn.Module] = {}   # trainable extras at the end

    # --- starting ------------------------------------------------------------------
    def claim(self) -> bool:
        """Take a running slot: QUEUED → RUNNING (the registry then calls `launch`)."""
        with self.lock:
            if self.state is not JobState.QUEUED or self._process is not None:
                return False
            self.state = JobState.RUNNING
            return True

    def start(self) -> None:
        if self.claim():
            self.launch()

    def launch(self) -> None:
        """Start the process (the slow part: shared memory, copying the starting
        weights, the fork). Call without the registry's lock held."""
        try:
            self._launch()
        except Exception as err:   # could not even start: say why
            self._end("failed", f"the job could not start: {type(err).__name__}: {err}",
                      cause=FailureCause.NOT_STARTED)

    def _launch(self) -> None:
        ctx, spec = job_context(), self.spec
        self.job_dir.mkdir(parents=True, exist_ok=True)
        mirror = SharedWeights.allocate(ctx, spec.model_cfg, spec.head)
        initial = mirror.fill(spec.init_state)
        extras = {e.name: SharedWeights.allocate(ctx, e.model_cfg, e.head) for e in spec.extra_models}
        extra_initial = {e.name: extras[e.name].fill(e.init_state) for e in spec.extra_models}
        for e in spec.extra_models:
            missing = sorted(set(extras[e.name].tensors) - set(extra_initial[e.name]))
            if e.init_state is not None and missing:
                raise ValueError(f"the extra model {e.name!r} has no weights (or wrong shapes) "
                                 f"for {', '.join(missing[:3])}")
        events_r, events_w = ctx.Pipe(duplex=False)
        requests_r, requests_w = ctx.Pipe(duplex=False)
        stop, pause = ctx.Event(), ctx.Event()
        payload = JobPayload(
            model_cfg=spec.model_cfg, head=spec.head, train_cfg=spec.train_cfg,
            tokenizer_spec=spec.tokenizer.to_spec(), task=spec.task, job_dir=str(self.job_dir),
            device=self.device, threads=spec.threads, initial_names=initial,
            init_checkpoint=spec.init_checkpoint, start_step=spec.start_step,
            probes=tuple(spec.probes), trainable=spec.trainable,
            extra_models=tuple(replace(e, init_state=None) for e in spec.extra_models),
            extra_initial=extra_initial,
            extra={"label": spec.label, "corpus": spec.corpus, "kind": spec.kind,
                   "tags": list(spec.tags), "train_config": spec.train_cfg.to_dict()})
        links = ProcessLinks(events_w, requests_r, stop, pause, mirror, extras)
        process = ctx.Process(target=run_job, name=f"train-job-{self.id}", daemon=True,
                              args=(payload, links))
        process.start()
        events_w.close()       # the child holds its own copies of these ends
        requests_r.close()
        with self.lock:
            self._process, self._events, self._requests = process, events_r, requests_w
            self._stop, self._pause = stop, pause
            self._mirror, self._extras = mirror, extras
            self.pid = process.pid
            grace = None if self._stop_deadline is None else self._stop_deadline - time.monotonic()
        # The starting weights are in the mirror now: the spec need not hold the base.
        spec.init_state = None
        for extra in spec.extra_models:
            extra.init_state = None
        self._reader = threading.Thread(target=self._read_loop, name=f"job-{self.id}-reader",
                                        daemon=True)
        self._reader.start()
        if grace is not None:      # a stop came while the process was starting
            self._begin_stop(max(0.0, grace))

    # --- what comes back from the process -------------------------------------------
    def _read_loop(self) -> None:
        ended, broken = None, None
        try:
            while ended is None:
                message = self._events.recv()
                if isinstance(message, Ended):
                    ended = message
                else:
                    self._record(message)
        except (EOFError, OSError):
            pass                        # the process has closed its end (or died)
        except Exception as err:        # a message cut short by a dying process
            broken = f"training stopped unexpectedly: {err}"
        self._process.join(10)
        if self._killer is not None:
            self._killer.cancel()
        if ended is not None:
            if ended.step is not None and ended.step >= 0:
                self._ended_step = ended.step
            self.final_checkpoint = Path(ended.checkpoint) if ended.checkpoint else None
            self._end(ended.status, ended.reason, cause=ended.cause, skipped=ended.skipped,
                      keep_weights=ended.status != "failed" or ended.cause is FailureCause.DIVERGED)
        elif self._stop_deadline is not None and broken is None:
            # Asked to stop, and ended by the kill after the grace: the weights it put in
            # the mirror when the stop began are the newest there are.
            self._end("stopped", "stopped by request", keep_weights=True,
                      skipped=self._skipped_by_kill())
        elif broken is not None:
            self._end("failed", broken, cause=FailureCause.CRASHED)
        else:
            cause, reason = _exit_reason(self._process.exitcode)
            self._end("failed", reason, cause=cause)

    def _skipped_by_kill(self) -> tuple[Skipped, ...]:
        with self.lock:
            step = self._last.step if self._last else self.spec.start_step
            evaluated = bool(self._evals) and self._evals[-1].step == step
        skipped = () if evaluated or step == 0 else (Skipped.FINAL_EVALUATION,)
        return skipped + (Skipped.OPTIMIZER_STATE,)

    def _record(self, message) -> None:
        with self._changed:
            if isinstance(message, StepInfo):
                _append_bounded(self._steps, (message.tokens_seen, message.loss))
                self._last = message
            elif isinstance(message, EvalInfo):
                _append_bounded(self._evals, message)
            elif isinstance(message, SampleInfo):
                _append_bounded(self._samples, message, MAX_POINTS)
            elif isinstance(message, ProbeInfo):
                _append_bounded(self._probes.setdefault(message.name, []), message,
                                MAX_PROBE_RESULTS // 2)
            elif isinstance(message, Mirrored):
                self._mirror_version = message.version
            elif isinstance(message, Saved):
                pending = self._saves.get(message.request_id)
                if pending is not None:
                    pending.path, pending.error, pending.answered = message.path, message.error, True
            elif isinstance(message, ThreadsInUse):
                self.threads = message.n
            elif isinstance(message, Ready):
                self.pid = message.pid
                # A frozen extra model's weights are in the process now: let go of ours.
                self._extras = {e.name: self._extras[e.name] for e in self.spec.extra_models
                                if e.trainable and e.name in self._extras}
            self._changed.notify_all()

    def _end(self, status: str, reason: str, *, cause: FailureCause | None = None,
             skipped: tuple[Skipped, ...] = (), keep_weights: bool = False) -> None:
        final_model, weights_step = None, None
        if keep_weights and self._mirror is not None:
            try:
                final_model, weights_step = self._model_from(self._mirror, timeout=2.0)
            except TimeoutError:
                final_model = None
            if weights_step is not None and weights_step < 0:   # never written
                final_model, weights_step = None, None
        final_extras = self._final_extra_models() if final_model is not None else {}
        with self.lock:
            self.reason, self.cause, self.skipped = reason, cause, skipped
            self._final_model = final_model
            self._final_extras = final_extras
            self.kept_step = weights_step if final_model is not None else None
            self._mirror, self._extras, self._snapshot = None, {}, None
        for conn in (self._events, self._requests):
            if conn is not None:
                conn.close()
        release_memory()
        if self.on_final:           # the model is in the learner's list before the end shows
            self.on_final(self)
        with self._changed:
            self.state = JobState(status)
            self._changed.notify_all()
        self._ended.set()
        if self.on_end:
            self.on_end(self)

    # --- control -------------------------------------------------------------------
    def pause(self) -> None:
        with self.lock:
            if self.state is JobState.RUNNING and self._pause is not None:
                self._pause.set()
                self.state = JobState.PAUSED

    def resume(self) -> None:
        with self.lock:
            if self.state is JobState.PAUSED:
                self._pause.clear()
                self.state = JobState.RUNNING

    def request_stop(self, grace: float = DEFAULT_GRACE_S) -> None:
        """Ask the process to stop after its current step; it is ended after `grace`
        seconds if it has not ended by itself. Returns at once."""
        with self._changed:
            if self.state is JobState.QUEUED and self._process is None:
                self.state, self.reason = JobState.STOPPED, "stopped before it started"
                self._changed.notify_all()
                self._ended.set()
                return
            if not self.state.active or self._stop_deadline is not None:
                return
            self._stop_deadline = time.monotonic() + grace
            launched = self._process is not None
        if launched:             # else `_launch` passes the stop on once the process is up
            self._begin_stop(grace)

    def _begin_stop(self, grace: float) -> None:
        self._send(StopSoon(grace))      # first, so the process reads it with the stop
        self._stop.set()
        self._pause.clear()
        self._killer = threading.Timer(grace, self.kill)
        self._killer.daemon = True
        self._killer.start()

    def wait_ended(self, timeout: float | None = None) -> bool:
        """Wait until the job has ended and the registry has kept what it keeps."""
        return self._ended.wait(timeout)

    def stop(self, grace: float = DEFAULT_GRACE_S) -> None:
        """Ask the process to stop and wait until the job has ended (at most `grace`
        seconds for the process, then it is ended)."""
        self.request_stop(grace)
        self.wait_ended(grace + 30)

    def set_threads(self, n: int) -> None:
        """Ask the process to use `n` CPU threads from its next step on."""
        if self.alive:
            self._send(UseThreads(int(n)))
        else:
            self.spec.threads = int(n)

    def kill(self) -> None:
        """End the process at once (as the operating system would)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _send(self, message) -> bool:
        with self._send_lock:
            try:
                self._requests.send(message)
                return True
            except (OSError, ValueError, AttributeError):
                return False

    def fail_before_start(self, cause: FailureCause, reason: str) -> None:
        """A queued job that will not start (its memory is not free)."""
        self._end("failed", reason, cause=cause)

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
                pid=self.pid, kind=self.spec.kind, created=self.created,
                cause=self.cause.value if self.cause else "",
                skipped=tuple(s.value for s in self.skipped), kept_step=self.kept_step,
                not_kept=self.not_kept, threads=self.threads)

    def _model_from(self, shared: SharedWeights, timeout: float = 10.0, model_cfg=None,
                    head=None) -> tuple[torch.nn.Module, int]:
        """A frozen model with the weights now in `shared` (for generating), and their step."""
        # Laid out for decoding before the weights arrive: one copy, straight into place.
        model = use_decode_layout(empty_model(model_cfg or self.spec.model_cfg,
                                              head or self.spec.head), keep_values=False)
        step = shared.read_into(model, timeout)
        return model.eval().requires_grad_(False), step

    def final_model(self):
        """The weights the job ended with (None while it runs or if they are gone)."""
        with self.lock:
            if self._final_model is not None:
                return self._final_model
            return self._final_ref() if self._final_ref is not None else None

    def release_final_model(self) -> None:
        """The registry keeps the final model now (or not at all): hold it weakly."""
        with self.lock:
            if self._final_model is not None:
                self._final_ref = weakref.ref(self._final_model)
                self._final_model = None

    def set_kept(self, kept: bool) -> None:
        with self.lock:
            self.not_kept = not kept
            if not kept:
                self.kept_step = None

    def snapshot_model(self, wait: float = 2.0):
        """A frozen copy of the current weights (eval mode) for other tabs to use.

        While the job trains, its process is asked for fresh weights at the next step
        boundary; after `wait` seconds the latest copy it made is used.
        """
        with self.lock:
            mirror, before = self._mirror, self._mirror_version
        if mirror is None:
            final = self.final_model()
            if final is not None:
                return final
            raise RuntimeError("this job has no weights yet (or they are no longer kept)")
        if self.alive and self._send(TakeSnapshot()):
            with self._changed:
                self._changed.wait_for(
                    lambda: self._mirror_version > before or self._mirror is None, wait)
        return self._cached_snapshot(mirror)

    def _cached_snapshot(self, mirror: SharedWeights):
        with self._snapshot_lock:
            version = mirror.version.value
            if version == 0:
                raise RuntimeError("this job has no weights yet: it is still starting")
            cached = self._snapshot
            if cached is not None and cached[0] == version:
                return cached[1]
            model, _ = self._model_from(mirror)
            with self.lock:
                if self._mirror is mirror:      # once the job has ended, nothing is cached
                    self._snapshot = (version, model)
            return model

    def _final_extra_models(self) -> dict[str, torch.nn.Module]:
        """The trainable extra models as the job ended (their shared tensors go next)."""
        out = {}
        for extra in self.spec.extra_models:
            shared = self._extras.get(extra.name)
            if extra.trainable and shared is not None:
                try:
                    model, step = self._model_from(shared, 2.0, extra.model_cfg, extra.head)
                except TimeoutError:
                    continue
                if step >= 0:
                    out[extra.name] = model
        return out

    def extra_model(self, name: str):
        """A frozen copy of a trainable extra model's latest weights (see
        core/jobs/spec.py), or the weights it ended with once the job has ended; a
        frozen extra model is never copied back."""
        with self.lock:
            shared = self._extras.get(name)
            ended = self._final_extras.get(name)
        extra = next((e for e in self.spec.extra_models if e.name == name), None)
        if shared is None and ended is not None:
            return ended
        if shared is None or extra is None or not extra.trainable:
            raise KeyError(f"this job has no trainable extra model {name!r} (now)")
        return self._model_from(shared, model_cfg=extra.model_cfg, head=extra.head)[0]

    def save(self, path, timeout: float = 300.0) -> str:
        """Save weights and optimizer state atomically; returns the weights path.

        While the job runs its process writes the file between two steps; afterwards
        the job's final checkpoint is copied (or, failing that, the final weights)."""
        with self.lock:
            metrics = {}
            if self._evals:
                last = self._evals[-1]
                metrics = {"train_loss": last.train_loss, "val_loss": last.val_loss, **last.metrics}
            request_id, pending = uuid.uuid4().hex, _PendingSave()
            running = self.state.active and self._process is not None
            if self.state.active and self._process is None:
                raise RuntimeError("this job has no weights to save yet")
            if running:
                self._saves[request_id] = pending
        if running:
            try:
                if self.alive and self._send(SaveCheckpoint(request_id, str(path), metrics)):
                    with self._changed:
                        self._changed.wait_for(lambda: pending.answered or not self.state.active,
                                               timeout)
            finally:
                with self.lock:
                    self._saves.pop(request_id, None)
            if pending.path:
                return pending.path
            if pending.error:
                raise RuntimeError(f"saving failed: {pending.error}")
            if self.alive and self.state.active:
                raise RuntimeError("saving took too long: try again")
        self._ended.wait(60)                    # the job is ending: wait for its final file
        if self.final_checkpoint is not None and self.final_checkpoint.is_file():
            return str(copy_checkpoint(self.final_checkpoint, path))
        model = self.final_model()
        if model is None:
            raise RuntimeError("this job has no weights to save")
        return str(save_checkpoint(path, model, self.spec.tokenizer, step=self.view().step,
                                   metrics=metrics, extra={"label": self.spec.label,
                                                           "corpus": self.spec.corpus}))

    # --- memory ------------------------------------------------------------------
    def memory_rss(self) -> int:
        """Resident memory of the job's process in bytes (0 when it is not running)."""
        if not self.alive or self.pid is None:
            return 0
        return resident_bytes(self.pid)

    def server_bytes(self) -> int:
        """What the server holds for this job: the mirror, the extra models' shared
        tensors, a cached snapshot, a final model not yet handed over."""
        with self.lock:
            held = [m.nbytes for m in [self._mirror, *self._extras.values()] if m is not None]
            models = [m for m in (self._snapshot[1] if self._snapshot else None,
                                  self._final_model, *self._final_extras.values())
                      if m is not None]
        return sum(held) + sum(_model_bytes(m) for m in models)


def _model_bytes(model: torch.nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())
