"""Before pressing Start: how long a step will take and how much memory a run needs.

Memory of a training run, in float32 (4 bytes a number):
1. the weights, N numbers;
2. their gradients and AdamW's two moving averages: 3 more numbers per trainable weight;
3. the activations kept for the backward pass: per block about B·T·(18·C + 2·H·T)
   numbers (inputs of every linear layer, the 4·C-wide MLP, the attention weights);
4. the logits and their gradient: B·T·V numbers twice, or a fixed chunk when the loss
   is computed in chunks (core/loss.py);
5. the process itself (the Python interpreter and torch): about 400 MB.
A model that only runs forward (a frozen reference beside the trained one) needs its
weights and one forward pass's working memory: nothing is kept for a backward pass.
The estimate is meant to be on the safe side; a run it refuses would likely not fit.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from core.config import GPTConfig
from core.loss import CHUNK_ELEMENTS, CHUNK_WHEN_ABOVE
from core.model import GPTModel, count_parameters, training_flops_per_token
from core.runtime import make_optimizer

FLOAT = 4
PROCESS_BYTES = 400 * 2**20
JOB_MEMORY_ENV = "LLM_PLAYGROUND_JOB_MEMORY_MB"


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    optimizer: int          # gradients + AdamW state
    activations: int
    logits: int
    process: int = PROCESS_BYTES
    server: int = 0         # the server's own copies of the weights (a job's shared mirror …)

    @property
    def total(self) -> int:
        return (self.weights + self.optimizer + self.activations + self.logits + self.process
                + self.server)

    def plus(self, other: "MemoryEstimate") -> "MemoryEstimate":
        """Both together, in one process (one interpreter counted)."""
        return MemoryEstimate(self.weights + other.weights, self.optimizer + other.optimizer,
                              self.activations + other.activations, self.logits + other.logits,
                              max(self.process, other.process), self.server + other.server)


def count_model_parameters(cfg: GPTConfig) -> int:
    """The parameter count of GPTModel(cfg), without allocating it."""
    with torch.device("meta"):
        return count_parameters(GPTModel(cfg))


def estimate_training_memory(cfg: GPTConfig, batch_size: int, head_size: int | None = None,
                             trainable: int | None = None) -> MemoryEstimate:
    """Bytes a training run of `cfg` at `batch_size` needs (see the module docstring)."""
    params = _params_with_head(cfg, head_size)
    trainable = params if trainable is None else trainable
    B, T, C, H = batch_size, cfg.context_length, cfg.emb_dim, cfg.n_heads
    per_block = B * T * (18 * C + 2 * H * T)
    activations = (cfg.n_layers * per_block + 4 * B * T * C) * FLOAT
    V = cfg.vocab_size if head_size is None else head_size
    n_logits = B * T * V
    logits = (3 * min(n_logits, CHUNK_ELEMENTS) if n_logits > CHUNK_WHEN_ABOVE
              else 3 * n_logits) * FLOAT
    return MemoryEstimate(params * FLOAT, 3 * trainable * FLOAT, activations, logits)


def _params_with_head(cfg: GPTConfig, head_size: int | None) -> int:
    params = count_model_parameters(cfg)
    if head_size is not None and head_size != cfg.vocab_size and not cfg.tie_weights:
        params += (head_size - cfg.vocab_size) * cfg.emb_dim
    return params


def estimate_forward_memory(cfg: GPTConfig, batch_size: int,
                            head_size: int | None = None) -> MemoryEstimate:
    """Bytes a model that only runs forward needs (no process of its own): its weights,
    the largest block's working tensors (about 8·C + H·T numbers a position), the logits."""
    B, T, C, H = batch_size, cfg.context_length, cfg.emb_dim, cfg.n_heads
    V = cfg.vocab_size if head_size is None else head_size
    return MemoryEstimate(_params_with_head(cfg, head_size) * FLOAT, 0,
                          B * T * (8 * C + H * T) * FLOAT, B * T * V * FLOAT, process=0)


def _cgroup_available() -> int | None:
    """Bytes left under this container's memory limit (cgroup v2 or v1), if it has one."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 1 << 60:
            return max(0, int(limit) - usage)
    return None


def available_memory() -> int:
    """Bytes this machine (or container) can still give a new process."""
    available = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except OSError:
        pass
    cgroup = _cgroup_available()
    candidates = [v for v in (available, cgroup) if v is not None]
    return min(candidates) if candidates else 8 * 2**30


def job_memory_cap() -> int | None:
    """The operator's per-job limit (LLM_PLAYGROUND_JOB_MEMORY_MB), if set."""
    value = os.environ.get(JOB_MEMORY_ENV, "").strip()
    return int(value) * 2**20 if value.isdigit() and int(value) > 0 else None


def largest_batch_that_fits(cfg: GPTConfig, budget: int, head_size: int | None = None,
                            trainable: int | None = None) -> int:
    """The biggest batch size whose estimate stays within `budget` bytes (0: none)."""
    return largest_batch(lambda b: estimate_training_memory(cfg, b, head_size, trainable), budget)


def largest_batch(estimate: Callable[[int], MemoryEstimate], budget: int) -> int:
    """The biggest batch size b with estimate(b).total within `budget` bytes (0: none)."""
    low, high = 0, 1
    while high <= 4096 and estimate(high).total <= budget:
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if estimate(mid).total <= budget:
            low = mid
        else:
            high = mid
    return low


# ----- time ----------------------------------------------------------------------------

@dataclass
class _Throughput:
    flops_per_s: float = 0.0
    measured: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_THROUGHPUT = _Throughput()


def measured_training_flops() -> float:
    """Achieved training FLOP/s on this machine, from a few steps of a small model (cached)."""
    import torch.nn.functional as F

    from core.config import get_preset

    with _THROUGHPUT.lock:
        if not _THROUGHPUT.measured:
            cfg = get_preset("cpu-demo")
            generator = torch.Generator().manual_seed(0)
            model = GPTModel(cfg)
            opt = make_optimizer(model)
            x = torch.randint(0, cfg.vocab_size, (8, cfg.context_length), generator=generator)
            timings = []
            for _ in range(4):
                t0 = time.perf_counter()
                loss = F.cross_entropy(model(x).flatten(0, 1), x.flatten())
                opt.zero_grad()
                loss.backward()
                opt.step()
                timings.append(time.perf_counter() - t0)
            tokens = x.numel()
            _THROUGHPUT.flops_per_s = training_flops_per_token(cfg) * tokens / min(timings[1:])
            _THROUGHPUT.measured = True
        return _THROUGHPUT.flops_per_s


def estimate_step_seconds(cfg: GPTConfig, batch_size: int) -> float:
    """Rough seconds per training step, scaled from the measured throughput."""
    tokens = batch_size * cfg.context_length
    return training_flops_per_token(cfg) * tokens / measured_training_flops()


def format_bytes(n: float) -> str:
    """1536 → '1.5 KB', in powers of 1024, as people read memory sizes."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover

