"""The inside of a training job: what runs in the job's own process.

The web server never trains. Each running job is a child process started through
PyTorch's multiprocessing with the "forkserver" method: a small server process,
started once and preloaded with torch and this module, forks a fresh child per job.
(A plain fork of the threaded web server could copy a lock that another thread
holds and hang; the forkserver has no threads.)

The child
1. lowers its own priority (nice) and sets its torch thread count, so the web server
   always wins the CPU;
2. rebuilds the tokenizer, the model and the objective from plain data (`JobPayload`);
3. runs the `Trainer`, sending every step, evaluation, sample and probe back over a
   pipe, and answering the server's requests between steps:
   - "snapshot": copy the weights into the shared-memory tensors the server reads
     ("my model" for the other tabs; also done after every evaluation);
   - "save": write a checkpoint (weights and optimizer state, atomically);
   - "threads": use this many CPU threads from now on (the cores are shared equally
     by the jobs running at the moment);
4. at the end writes a final checkpoint into the job's folder, says how it ended,
   and exits: all its memory goes back to the system.
If the child dies (killed, out of memory, a crash inside a kernel), the server sees
its pipe close and marks the job failed; nothing else is touched.
"""

from __future__ import annotations

import functools
import os
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import torch

NICE_ENV = "LLM_PLAYGROUND_JOB_NICE"
PRELOAD = ["core.job_process", "core.forkserver_preload"]


@dataclass
class JobPayload:
    """Everything a job process needs, as plain data (tensors travel in shared memory)."""

    model_cfg: object                      # GPTConfig
    head: dict
    train_cfg: object                      # TrainConfig
    tokenizer_spec: dict
    task: object                           # core.objectives.Task
    job_dir: str
    device: str = "cpu"
    threads: int | None = None
    init_state: dict | None = None         # weights to start from (shared-memory tensors)
    init_checkpoint: str | None = None     # a checkpoint to resume (weights + optimizer)
    start_step: int = 0
    probes: tuple = ()
    trainable: str = "all"                 # which parameters train (see core.classifier)
    extra: dict = field(default_factory=dict)   # written into every checkpoint's meta


@functools.lru_cache(maxsize=1)
def job_context():
    """torch.multiprocessing's forkserver context, preloaded with torch and core."""
    import torch.multiprocessing as mp

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def warm_up() -> None:
    """Start the forkserver now (it imports torch once), so the first Start is quick."""
    ctx = job_context()
    process = ctx.Process(target=_noop, daemon=True)
    process.start()
    process.join(60)


def _noop() -> None:
    pass


class _Channel:
    """The child's end of the two pipes: events out, requests in."""

    def __init__(self, events, requests):
        self.events, self.requests = events, requests
        self.lock = threading.Lock()
        self.server_gone = False

    def send(self, *message) -> None:
        with self.lock:
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


def run_job(payload: JobPayload, events, requests, stop_event, pause_event,
            shared: dict, shared_lock, shared_version) -> None:
    """The job process's main function."""
    channel = _Channel(events, requests)
    try:
        _run(payload, channel, stop_event, pause_event, shared, shared_lock, shared_version)
    except BaseException as err:  # reported in the learner's page, never lost
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        channel.send("end", "failed", f"training stopped unexpectedly: {detail}", -1, None)
    finally:
        for conn in (events, requests):
            conn.close()


def _lower_priority() -> None:
    value = os.environ.get(NICE_ENV, "10")
    try:
        os.nice(int(value))
    except (ValueError, OSError):
        pass


def _copy_weights(model, shared: dict, shared_lock, shared_version) -> None:
    state = model.state_dict()
    with shared_lock, torch.no_grad():
        for name, target in shared.items():
            target.copy_(state[name])
        shared_version.value += 1


def _run(payload: JobPayload, channel: _Channel, stop_event, pause_event, shared: dict,
         shared_lock, shared_version) -> None:
    from core.checkpoint import load_checkpoint, save_checkpoint
    from core.model import build_model
    from core.objectives import make_objective
    from core.runtime import configure_cpu_threads, keep_freed_memory, make_optimizer
    from core.tokenizer import tokenizer_from_spec
    from core.train import TrainCallbacks, Trainer

    _lower_priority()
    configure_cpu_threads(payload.threads)
    # The process ends with the job, so freed memory can stay with it for reuse:
    # no returning big blocks to the system and faulting them in again every step.
    keep_freed_memory(trim_threshold=-1)
    channel.send("ready", os.getpid())

    cfg, device = payload.train_cfg, torch.device(payload.device)
    tokenizer = tokenizer_from_spec(payload.tokenizer_spec)
    torch.manual_seed(cfg.seed)            # the same seed gives the same starting weights
    optimizer = None
    if payload.init_checkpoint:
        checkpoint, optimizer = load_checkpoint(
            payload.init_checkpoint, device,
            optimizer_factory=lambda m: make_optimizer(m, cfg.lr, cfg.weight_decay))
        model = checkpoint.model
    else:
        model = build_model(payload.model_cfg, payload.head)
        if payload.init_state is not None:
            model.load_state_dict(payload.init_state, strict=False)
        model.to(device)
    if payload.trainable != "all":
        from core.classifier import freeze_for_finetuning
        freeze_for_finetuning(model, payload.trainable)
    if optimizer is None:
        optimizer = make_optimizer(model, cfg.lr, cfg.weight_decay)
    objective = make_objective(payload.task, tokenizer, payload.model_cfg.context_length)
    _copy_weights(model, shared, shared_lock, shared_version)

    def between_steps() -> None:
        for request in channel.pending():
            if request[0] == "snapshot":
                _copy_weights(model, shared, shared_lock, shared_version)
                channel.send("weights", shared_version.value)
            elif request[0] == "threads":      # the server re-shares the cores
                torch.set_num_threads(max(1, int(request[1])))
            elif request[0] == "save":
                _, request_id, path, metrics = request
                try:
                    saved = save_checkpoint(path, model, tokenizer, step=trainer.step,
                                            optimizer=optimizer, metrics=metrics,
                                            extra=payload.extra)
                    channel.send("saved", request_id, str(saved), None)
                except Exception as err:  # disk full, permissions: say so, keep training
                    channel.send("saved", request_id, None, f"{type(err).__name__}: {err}")
        if channel.server_gone:           # nobody is listening any more: stop
            stop_event.set()

    def on_eval(info) -> None:
        _copy_weights(model, shared, shared_lock, shared_version)
        channel.send("eval", info)

    callbacks = TrainCallbacks(
        on_step=lambda info: channel.send("step", info), on_eval=on_eval,
        on_sample=lambda info: channel.send("sample", info),
        on_probe=lambda info: channel.send("probe", info), between_steps=between_steps)
    trainer = Trainer(model, objective, cfg, callbacks=callbacks, device=device,
                      stop_event=stop_event, pause_event=pause_event, optimizer=optimizer,
                      start_step=payload.start_step, probes=payload.probes)
    result = trainer.run()
    between_steps()                        # a save asked for during the last step
    _copy_weights(model, shared, shared_lock, shared_version)
    final = None
    if trainer.step > payload.start_step:
        metrics = {}
        if result.last_eval is not None:
            metrics = {"train_loss": result.last_eval.train_loss,
                       "val_loss": result.last_eval.val_loss, **result.last_eval.metrics}
        final = str(save_checkpoint(Path(payload.job_dir) / "final", model, tokenizer,
                                    step=trainer.step, optimizer=optimizer, metrics=metrics,
                                    extra=payload.extra))
    channel.send("end", result.status, result.reason, trainer.step, final)
