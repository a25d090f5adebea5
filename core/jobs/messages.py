"""What the server and a job's process say to each other: one small dataclass per message.

Both ends import this module; a message is matched by its type, never unpacked by
position. Two pipes connect them:

requests, server → process (read between two steps, and while paused):
- `TakeSnapshot`: copy the weights into the shared mirror now;
- `SaveCheckpoint`: write a checkpoint (weights and optimizer state) to a path;
- `UseThreads`: use this many CPU threads from the next step on;
- `StopSoon`: a stop is coming; the server waits `grace_s` seconds for the end, so
  skip what does not fit (the final evaluation, the optimizer state).

events, process → server:
- `Ready`: built and about to train;
- the trainer's own reports, as they are: `StepInfo`, `EvalInfo`, `SampleInfo`,
  `ProbeInfo` (core/train.py);
- `Mirrored`: a new copy of the weights is in the mirror;
- `Saved`: the answer to a `SaveCheckpoint`;
- `ThreadsInUse`: the answer to a `UseThreads`;
- `Ended`: how the run ended; the process exits after it.

What starts the process travels once, as its arguments: the `JobPayload` (plain data)
and the `ProcessLinks` (pipe ends, the stop and pause events, the shared weights).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class FailureCause(str, enum.Enum):
    """Why a job failed: each has its own headline in the learner's page."""

    DIVERGED = "diverged"        # the guard: NaN or an exploding loss
    CRASHED = "crashed"          # an error inside the job's process
    KILLED = "killed"            # the process was killed (out of memory, or from outside)
    EXITED = "exited"            # the process ended without saying how
    NOT_STARTED = "not_started"  # the process could not be started
    NO_MEMORY = "no_memory"      # a queued job whose memory was not free when its turn came


class Skipped(str, enum.Enum):
    """What a stop cut short to end in time."""

    FINAL_EVALUATION = "final_evaluation"
    OPTIMIZER_STATE = "optimizer_state"      # no checkpoint with the optimizer's moments


# ----- requests: server → process -------------------------------------------------------

@dataclass(frozen=True)
class TakeSnapshot:
    """Copy the weights into the mirror now (a learner picked "my model")."""


@dataclass(frozen=True)
class SaveCheckpoint:
    """Write weights and optimizer state to `path`; answered by a `Saved`."""

    request_id: str
    path: str
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UseThreads:
    """The cores were shared again: use `n` threads; answered by `ThreadsInUse`."""

    n: int


@dataclass(frozen=True)
class StopSoon:
    """Sent just before the stop event: the server ends the process `grace_s` later."""

    grace_s: float


# ----- events: process → server ---------------------------------------------------------

@dataclass(frozen=True)
class Mirrored:
    """Copy number `version` of the weights, from `step`, is in the mirror."""

    version: int
    step: int


@dataclass(frozen=True)
class Ready:
    """Built and about to train (the server lets go of frozen extra models' tensors)."""

    pid: int


@dataclass(frozen=True)
class Saved:
    """The answer to `SaveCheckpoint`: the file written, or what went wrong."""

    request_id: str
    path: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ThreadsInUse:
    """The threads the process uses now (at the start and after `UseThreads`)."""

    n: int


@dataclass(frozen=True)
class Ended:
    """How the run ended; the process exits after sending it."""

    status: str                              # "finished", "stopped" or "failed"
    reason: str
    step: int                                # steps done
    checkpoint: str | None = None            # the final checkpoint, if one was written
    cause: FailureCause | None = None        # why it failed
    skipped: tuple[Skipped, ...] = ()        # what a stop cut short
    weights_step: int = 0                    # the step of the weights in the mirror


# ----- what starts the process ----------------------------------------------------------

@dataclass
class JobPayload:
    """Everything a job's process needs, as plain data (tensors travel in shared memory)."""

    model_cfg: object                      # GPTConfig
    head: dict
    train_cfg: object                      # TrainConfig
    tokenizer_spec: dict
    task: object                           # core.objectives.Task
    job_dir: str
    device: str = "cpu"
    threads: int | None = None
    initial_names: tuple[str, ...] = ()    # the mirror's tensors that hold starting weights
    init_checkpoint: str | None = None     # a checkpoint to resume (weights + optimizer)
    start_step: int = 0
    probes: tuple = ()
    trainable: str = "all"                 # which parameters train (see core.classifier)
    extra_models: tuple = ()               # ExtraModel specs without their weights
    extra_initial: dict = field(default_factory=dict)   # name → names of its filled tensors
    extra: dict = field(default_factory=dict)   # written into every checkpoint's meta


@dataclass
class ProcessLinks:
    """The process's ends of everything it shares with the server."""

    events: object                         # Connection: events out
    requests: object                       # Connection: requests in
    stop: object                           # multiprocessing Event
    pause: object                          # multiprocessing Event
    mirror: object                         # SharedWeights of the model it trains
    extras: dict = field(default_factory=dict)   # name → SharedWeights of each extra model
