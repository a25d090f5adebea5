"""Where and how tensors run: device, threads, allocator, optimizer.

- Device: CUDA when present; Apple's MPS only when asked for (LLM_PLAYGROUND_MPS=1),
  because training losses on MPS have been reported wrong or unstable; else the CPU.
- CPU threads: set on purpose. The server's own (LLM_PLAYGROUND_THREADS, default: half
  the cores) and the training jobs' (LLM_PLAYGROUND_JOB_THREADS, default: every core,
  shared equally by the jobs running at the moment: `threads_per_job`).
- glibc allocator: training frees and re-allocates the same large buffers every step.
  By default glibc hands big blocks back to the system (munmap) and takes them again
  (mmap + page faults) each time. `keep_freed_memory()` tells it to keep them, and
  `release_memory()` gives them back when a job ends.
- AdamW: the fused kernel where this torch has one, else the multi-tensor one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import inspect
import logging
import os
import sys
from pathlib import Path

import torch

THREADS_ENV = "LLM_PLAYGROUND_THREADS"
JOB_THREADS_ENV = "LLM_PLAYGROUND_JOB_THREADS"
MPS_ENV = "LLM_PLAYGROUND_MPS"
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4   # glibc mallopt parameter numbers


def pick_device(prefer: str | None = None) -> torch.device:
    """'cuda' if available, 'mps' only when opted in, else 'cpu'."""
    if prefer:
        device = torch.device(prefer)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("CUDA was asked for but no CUDA device is available")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError("MPS was asked for but is not available")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if os.environ.get(MPS_ENV) == "1" and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def default_threads() -> int:
    """Half the cores (at least 1): room for a second job and the web server.

    torch's thread pool spins while it waits; when its threads outnumber the free
    cores, each step stalls. Measured on 2 cores with other work running: 1 thread
    trained the CPU demo ~6x faster than 2.
    """
    return max(1, (os.cpu_count() or 1) // 2)


def training_threads() -> int:
    """CPU threads all running training jobs share: LLM_PLAYGROUND_JOB_THREADS, else
    every core."""
    env = os.environ.get(JOB_THREADS_ENV, "")
    return int(env) if env.isdigit() and int(env) > 0 else max(1, os.cpu_count() or 1)


def threads_per_job(running: int) -> int:
    """Each of `running` jobs gets an equal share of the training threads (at least 1).

    Measured on 2 cores: one job alone trains 1.8x faster with 2 threads than with 1,
    but two jobs with 2 threads each run 3.5x slower than with 1 each, because torch's
    threads spin while they wait and then fight over the cores. So the share changes
    as jobs start and end.
    """
    return max(1, training_threads() // max(1, running))


def configure_cpu_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads (argument, env var, or `default_threads()`)."""
    if n is None:
        env = os.environ.get(THREADS_ENV, "")
        n = int(env) if env.isdigit() and int(env) > 0 else default_threads()
    torch.set_num_threads(max(1, n))
    return torch.get_num_threads()


@functools.lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "mallopt") else None
    except OSError:
        return None


def keep_freed_memory(trim_threshold: int = 1 << 30) -> bool:
    """Ask glibc to keep freed blocks for reuse (no mmap per big tensor, high trim
    threshold). Returns False where the C library is not glibc."""
    libc = _libc()
    if libc is None:
        return False
    ok = libc.mallopt(M_MMAP_MAX, 0) == 1
    return bool(ok and libc.mallopt(M_TRIM_THRESHOLD, int(trim_threshold)) == 1)


def release_memory() -> bool:
    """Give freed heap memory back to the system (call when a job ends)."""
    libc = _libc()
    if libc is None or not hasattr(libc, "malloc_trim"):
        return False
    libc.malloc_trim(0)
    return True


def make_optimizer(model: torch.nn.Module, lr: float = 4e-4,
                   weight_decay: float = 0.1) -> torch.optim.AdamW:
    """AdamW as in the book (lr 4e-4, weight decay 0.1), using the fastest kernel here."""
    if not lr > 0 or lr != lr:
        raise ValueError(f"learning rate must be > 0, got {lr}")
    params = [p for p in model.parameters() if p.requires_grad]
    kwargs = {}
    if "fused" in inspect.signature(torch.optim.AdamW).parameters:
        kwargs["fused"] = True
    try:
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, **kwargs)
    except (RuntimeError, ValueError):  # no fused kernel for this device/dtype
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, foreach=True)


def resident_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process in bytes (0 if it cannot be read: gone, not Linux)."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def console(name: str) -> logging.Logger:
    """The command line's voice: a logger writing bare lines to stdout. core's modules
    never print; `python -m core.train` and `python -m core.export` say what happens
    through this."""
    log = logging.getLogger(name)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log
