"""A model's weights in shared memory: how the server sees what a job's process trains.

The server makes the tensors (fresh, never a model's own storage) before the process
starts; the process copies its weights in after every evaluation, on request and at
the end (`write`), and the server builds a frozen model from them when a learner
wants "my model" (`read_into`). A lock keeps a reader from seeing half a copy; the
version and the step say which copy it is. If the process is killed while it holds
the lock, the copy may be torn: the reader's wait times out and it says so, rather
than hand out a model that is half old, half new.
"""

from __future__ import annotations

import torch

from core.checkpoint import load_state_checked
from core.model import build_model, head_is_tied


class SharedWeights:
    """Shared-memory tensors for one model's weights, a lock, a version and a step."""

    def __init__(self, tensors: dict[str, torch.Tensor], lock, version, step):
        self.tensors = tensors           # name → tensor in shared memory
        self.lock = lock                 # a multiprocessing lock: held while a copy is made
        self.version = version           # multiprocessing Value: copies made so far
        self.step = step                 # multiprocessing Value: the step of the last copy

    @classmethod
    def allocate(cls, ctx, model_cfg, head: dict) -> "SharedWeights":
        """Fresh tensors shaped like build_model(model_cfg, head)'s weights (a tied head
        shares the token embedding, so it has none of its own)."""
        with torch.device("meta"):
            meta_model = build_model(model_cfg, head)
        tied = head_is_tied(meta_model)
        tensors = {name: torch.empty(t.shape, dtype=t.dtype).share_memory_()
                   for name, t in meta_model.state_dict().items()
                   if not (tied and name == "out_head.weight")}
        return cls(tensors, ctx.Lock(), ctx.Value("q", 0), ctx.Value("q", -1))

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.tensors.values())

    def fill(self, state: dict[str, torch.Tensor] | None) -> tuple[str, ...]:
        """Copy the tensors of `state` that fit (same name and shape) in; returns their
        names. Only these copies travel to the process, never `state`'s own storage."""
        filled = []
        with torch.no_grad():
            for name, target in self.tensors.items():
                source = (state or {}).get(name)
                if source is not None and tuple(source.shape) == tuple(target.shape):
                    target.copy_(source)
                    filled.append(name)
        return tuple(filled)

    def load_initial(self, model: torch.nn.Module, names: tuple[str, ...]) -> None:
        """In the process: copy the tensors `fill` set into `model` (the rest stay as
        the model was initialised)."""
        if names:
            model.load_state_dict({name: self.tensors[name] for name in names}, strict=False)

    def write(self, model: torch.nn.Module, step: int) -> int:
        """In the process: copy `model`'s weights in; returns the new version."""
        state = model.state_dict()
        with self.lock, torch.no_grad():
            for name, target in self.tensors.items():
                target.copy_(state[name])
            self.step.value = int(step)
            self.version.value += 1
            return self.version.value

    def read_into(self, model: torch.nn.Module, timeout: float = 10.0) -> int:
        """Copy the latest weights into `model`; returns their step. TimeoutError if a
        process that is gone left the lock held (the copy may be torn)."""
        if not self.lock.acquire(timeout=timeout):
            raise TimeoutError("the job's weights are locked by a process that is gone")
        try:
            load_state_checked(model, self.tensors)
            return int(self.step.value)
        finally:
            self.lock.release()
