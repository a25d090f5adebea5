"""The inside of a training job: what runs in the job's own process.

The web server never trains. Each running job is a child process started through
PyTorch's multiprocessing with the "forkserver" method: a small server process,
started once and preloaded with torch and the job modules, forks a fresh child per
job. (A plain fork of the threaded web server could copy a lock that another thread
holds and hang; the forkserver has no threads.)

The child
1. lowers its priority (nice), offers itself first to the kernel's out-of-memory
   killer (so the web server is not the one to go), and sets its torch thread count;
2. rebuilds the tokenizer, the model, the extra models and the objective from plain
   data (`JobPayload`, core/jobs/messages.py), then says `Ready`;
3. runs the `Trainer`, sending every step, evaluation, sample and probe back over a
   pipe, and answering the server's requests between steps (`TakeSnapshot`,
   `SaveCheckpoint`, `UseThreads`, `StopSoon`);
4. at the end copies its weights into the shared mirror, writes a final checkpoint
   (weights and optimizer state) into the job's folder, says how it ended (`Ended`)
   and exits: all its memory goes back to the system.

A stop comes with the time the server will wait (`StopSoon`). The child first puts
its newest weights in the mirror, so they are kept whatever happens next; then it
runs the final evaluation and writes the checkpoint only if each fits in the time
left, by the last evaluation's duration and the checkpoint's size. What it skips is
named in `Ended`. If the child dies (killed, out of memory, a crash inside a kernel),
the server sees its pipe close; nothing else is touched.
"""

from __future__ import annotations

import functools
import os
import time
import traceback
from pathlib import Path

import torch

from core.checkpoint import load_checkpoint, save_checkpoint
from core.classifier import freeze_for_finetuning
from core.jobs.messages import (Ended, FailureCause, JobPayload, Mirrored, ProcessLinks, Ready,
                                SaveCheckpoint, Saved, Skipped, StopSoon, TakeSnapshot,
                                ThreadsInUse, UseThreads)
from core.jobs.objective_table import make_objective
from core.model import build_model
from core.objectives import ObjectiveContext
from core.runtime import configure_cpu_threads, keep_freed_memory, make_optimizer
from core.tokenizer import tokenizer_from_spec
from core.train import TrainCallbacks, Trainer, TrainResult

NICE_ENV = "LLM_PLAYGROUND_JOB_NICE"
OOM_SCORE_ADJ = 1000                  # the most a process can ask for: killed first
PRELOAD = ["core.jobs.process", "core.jobs.forkserver_preload"]
ASSUMED_WRITE_BYTES_PER_S = 200 * 2**20   # until this job has written a checkpoint
SAFETY = 1.5                          # a step of work "fits" if 1.5× its time is left


@functools.lru_cache(maxsize=1)
def job_context():
    """torch.multiprocessing's forkserver context, preloaded with torch and core."""
    import torch.multiprocessing as mp

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def warm_up() -> None:
    """Start the forkserver now (it imports torch once), so the first Start is quick."""
    process = job_context().Process(target=_noop, daemon=True)
    process.start()
    process.join(60)


def _noop() -> None:
    pass


class _Channel:
    """The child's end of the two pipes: events out, requests in."""

    def __init__(self, events, requests):
        self.events, self.requests = events, requests
        self.server_gone = False

    def send(self, message) -> None:
        try:
            self.events.send(message)
        except (BrokenPipeError, OSError):
            self.server_gone = True

    def pending(self) -> list:
        out = []
        try:
            while self.requests.poll():
                out.append(self.requests.recv())
        except (EOFError, OSError):
            self.server_gone = True
        return out


def run_job(payload: JobPayload, links: ProcessLinks) -> None:
    """The job process's main function."""
    channel = _Channel(links.events, links.requests)
    try:
        _JobRun(payload, links, channel).run()
    except BaseException as err:  # reported in the learner's page, never lost
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        channel.send(Ended("failed", f"training stopped unexpectedly: {detail}", -1,
                           cause=FailureCause.CRASHED))
    finally:
        for conn in (links.events, links.requests):
            conn.close()


def _lower_priority() -> None:
    try:
        os.nice(int(os.environ.get(NICE_ENV, "10")))
    except (ValueError, OSError):
        pass


def _first_to_go_when_memory_runs_out() -> None:
    """Linux: when memory runs out the kernel kills the process with the highest score;
    raising one's own score needs no privilege."""
    try:
        Path("/proc/self/oom_score_adj").write_text(str(OOM_SCORE_ADJ))
    except OSError:
        pass


class _Deadline:
    """When the server stops waiting, once a stop has been announced."""

    def __init__(self):
        self.at: float | None = None

    def start(self, grace_s: float) -> None:
        if self.at is None:
            self.at = time.monotonic() + grace_s

    def allows(self, seconds: float | None) -> bool:
        """Does work of about `seconds` fit (always, with no stop announced)?"""
        if self.at is None:
            return True
        return seconds is not None and time.monotonic() + SAFETY * seconds < self.at


class _JobRun:
    """One run inside the job's process: built from the payload, then trained."""

    def __init__(self, payload: JobPayload, links: ProcessLinks, channel: _Channel):
        self.payload, self.links, self.channel = payload, links, channel
        self.deadline = _Deadline()
        self.write_rate = float(ASSUMED_WRITE_BYTES_PER_S)
        self.evaluate_on_stop = True
        self.skipped: list[Skipped] = []
        self.tokenizer = None
        self.model: torch.nn.Module | None = None
        self.optimizer = None
        self.extras: dict[str, torch.nn.Module] = {}
        self.trainer: Trainer | None = None
        self.handlers = {TakeSnapshot: self._take_snapshot, SaveCheckpoint: self._save,
                         UseThreads: self._use_threads, StopSoon: self._stop_soon}

    # --- building --------------------------------------------------------------------
    def run(self) -> None:
        payload = self.payload
        _lower_priority()
        _first_to_go_when_memory_runs_out()
        self.channel.send(ThreadsInUse(configure_cpu_threads(payload.threads)))
        # The process ends with the job, so freed memory can stay with it for reuse:
        # no returning big blocks to the system and faulting them in again every step.
        keep_freed_memory(trim_threshold=-1)
        device = torch.device(payload.device)
        objective = self._build(device)
        callbacks = TrainCallbacks(
            on_step=self.channel.send, on_eval=self._on_eval, on_sample=self.channel.send,
            on_probe=self.channel.send, between_steps=self.between_steps, on_stop=self._on_stop)
        self.trainer = Trainer(self.model, objective, payload.train_cfg, callbacks=callbacks,
                               device=device, stop_event=self.links.stop,
                               pause_event=self.links.pause, optimizer=self.optimizer,
                               start_step=payload.start_step, probes=payload.probes)
        self._mirror()
        self.channel.send(Ready(os.getpid()))
        self._finish(self.trainer.run())

    def _build(self, device: torch.device):
        payload, cfg = self.payload, self.payload.train_cfg
        self.tokenizer = tokenizer_from_spec(payload.tokenizer_spec)
        torch.manual_seed(cfg.seed)            # the same seed gives the same starting weights
        if payload.init_checkpoint:
            checkpoint, self.optimizer = load_checkpoint(
                payload.init_checkpoint, device,
                optimizer_factory=lambda m: make_optimizer(m, cfg.lr, cfg.weight_decay))
            self.model = checkpoint.model
        else:
            self.model = build_model(payload.model_cfg, payload.head)
            self.links.mirror.load_initial(self.model, payload.initial_names)
            self.model.to(device)
        if payload.trainable != "all":
            freeze_for_finetuning(self.model, payload.trainable)
        if self.optimizer is None:
            self.optimizer = make_optimizer(self.model, cfg.lr, cfg.weight_decay)
        self.extras = {extra.name: self._extra_model(extra, device)
                       for extra in payload.extra_models}
        return make_objective(ObjectiveContext(payload.task, self.tokenizer,
                                               payload.model_cfg.context_length, device,
                                               dict(self.extras)))

    def _extra_model(self, extra, device: torch.device) -> torch.nn.Module:
        """An extra model with its own storage: copied out of its shared tensors (a
        frozen one's are let go right after), never built on them."""
        model = build_model(extra.model_cfg, extra.head)
        shared = self.links.extras[extra.name]
        shared.load_initial(model, self.payload.extra_initial.get(extra.name, ()))
        model.to(device)
        if not extra.trainable:
            model.eval().requires_grad_(False)
            del self.links.extras[extra.name]
        return model

    # --- between steps -----------------------------------------------------------------
    def between_steps(self) -> None:
        for request in self.channel.pending():
            self.handlers[type(request)](request)
        if self.channel.server_gone:           # nobody is listening any more: stop
            self.links.stop.set()

    def _step(self) -> int:
        return self.trainer.step if self.trainer is not None else self.payload.start_step

    def _mirror(self, step: int | None = None) -> None:
        step = self._step() if step is None else step
        version = self.links.mirror.write(self.model, step)
        for name, shared in self.links.extras.items():     # the trainable extra models
            shared.write(self.extras[name], step)
        self.channel.send(Mirrored(version, step))

    def _take_snapshot(self, request: TakeSnapshot) -> None:
        self._mirror()

    def _use_threads(self, request: UseThreads) -> None:
        torch.set_num_threads(max(1, int(request.n)))
        self.channel.send(ThreadsInUse(torch.get_num_threads()))

    def _stop_soon(self, request: StopSoon) -> None:
        self.deadline.start(request.grace_s)

    def _save(self, request: SaveCheckpoint) -> None:
        try:
            path = self._write_checkpoint(request.path, request.metrics)
            self.channel.send(Saved(request.request_id, path))
        except Exception as err:  # disk full, permissions: say so, keep training
            self.channel.send(Saved(request.request_id, error=f"{type(err).__name__}: {err}"))

    def _write_checkpoint(self, path, metrics: dict) -> str:
        began = time.perf_counter()
        saved = save_checkpoint(path, self.model, self.tokenizer, step=self._step(),
                                optimizer=self.optimizer, metrics=metrics,
                                extra=self.payload.extra)
        self.write_rate = saved.stat().st_size / max(time.perf_counter() - began, 1e-3)
        return str(saved)

    def _checkpoint_bytes(self) -> int:
        tensors = list(self.model.state_dict().values()) + [
            t for state in self.optimizer.state.values() for t in state.values()
            if torch.is_tensor(t)]
        return sum(t.numel() * t.element_size() for t in tensors)

    # --- evaluations, the stop, the end --------------------------------------------------
    def _on_eval(self, info) -> None:
        self._mirror()
        self.channel.send(info)

    def _on_stop(self) -> bool:
        """Keep the newest weights first, then evaluate only if it fits the time left."""
        self.between_steps()                   # the StopSoon that came with the stop
        self._mirror()
        self.evaluate_on_stop = self.deadline.allows(self.trainer.eval_seconds)
        return self.evaluate_on_stop

    def _finish(self, result: TrainResult) -> None:
        payload, trainer = self.payload, self.trainer
        self.between_steps()                   # a save asked for during the last step
        stopped = result.status == "stopped"
        if stopped and not self.evaluate_on_stop and trainer.step > 0 and (
                result.last_eval is None or result.last_eval.step != trainer.step):
            self.skipped.append(Skipped.FINAL_EVALUATION)
        failed = result.status == "failed"
        if failed:                             # the guard put back the last healthy weights
            self._mirror(trainer.good_step)
        elif not stopped:                      # a stop mirrored its weights already
            self._mirror()
        final = None
        if trainer.step > payload.start_step:
            if self.deadline.allows(self._checkpoint_bytes() / self.write_rate):
                metrics = {}
                if result.last_eval is not None:
                    metrics = {"train_loss": result.last_eval.train_loss,
                               "val_loss": result.last_eval.val_loss, **result.last_eval.metrics}
                final = self._write_checkpoint(Path(payload.job_dir) / "final", metrics)
            else:
                self.skipped.append(Skipped.OPTIMIZER_STATE)
        self.channel.send(Ended(result.status, result.reason, trainer.step, final,
                                cause=FailureCause.DIVERGED if failed else None,
                                skipped=tuple(self.skipped),
                                weights_step=trainer.good_step if failed else trainer.step))
