"""What a page reads of a job: its state and a copy of its progress, kept bounded.

`JobView` is a copy made under the job's lock, safe to read while it trains. The
history behind it stays bounded however long a run goes: steps and evaluations are
thinned to every other point once they pass `MAX_KEPT`, probe snapshots once they pass
`MAX_PROBE_RESULTS`, and a view hands out at most `MAX_POINTS` of them.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from core.train import EvalInfo, ProbeInfo, SampleInfo, StepInfo

MAX_POINTS = 2000            # plot payloads stay bounded
MAX_KEPT = 20_000            # history kept per job before it is thinned
MAX_PROBE_RESULTS = 60       # probe snapshots kept per probe


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
    cause: str = ""                           # why it failed (FailureCause's value)
    skipped: tuple[str, ...] = ()             # what a stop cut short (Skipped's values)
    kept_step: int | None = None              # the step of the weights kept in the list
    not_kept: bool = False                    # its model could not be kept (memory full)
    threads: int | None = None                # CPU threads the process uses now
    queue_wait_s: float | None = None         # a queued job's estimated wait (the registry's)

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


def _append_bounded(points: list, item, limit: int = MAX_KEPT) -> None:
    """Append, and thin to every other point once the list doubles its limit."""
    points.append(item)
    if len(points) > 2 * limit:
        newest = points[-1]
        points[:] = points[::2]
        if points[-1] is not newest:
            points.append(newest)


def _downsample(points: list, limit: int = MAX_POINTS) -> list:
    """At most `limit` points, evenly spread, always keeping the newest."""
    if len(points) <= limit:
        return list(points)
    stride = math.ceil(len(points) / limit)
    return points[::stride][: limit - 1] + [points[-1]]
