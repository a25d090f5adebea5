"""The models each learner keeps: weights in the server's memory, bounded three ways.

A learner's finished, stopped or loaded models stay in a short list (newest first)
that every tab's model picker offers. Memory stays bounded however many learners
come and go:
- at most `per_learner` models a learner (3), the oldest going first;
- at most `max_models` in all (LLM_PLAYGROUND_MAX_MODELS, 24);
- at most `max_bytes` of weights in all (LLM_PLAYGROUND_MODEL_MEMORY_MB, 2048 MB:
  three GPT-2 124M models). Beyond a bound the oldest models go first, whoever they
  belong to. A model a running fine-tune started from is pinned: it is not pushed out
  while that job runs, and it is unpinned when the job ends. A model that does not fit
  even after every unpinned model has gone is not kept (`add` says so), and a checkpoint
  that would not fit is refused before it is read (`check_room`).
The store only holds models; deleting their files is the registry's (it knows which
files a job still reads), so `add` and `forget` return what they dropped.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from core.estimates import format_bytes
from core.tokenizer import Tokenizer

MAX_MODELS_ENV = "LLM_PLAYGROUND_MAX_MODELS"
MODEL_MEMORY_ENV = "LLM_PLAYGROUND_MODEL_MEMORY_MB"
DEFAULT_MODEL_MEMORY_MB = 2048

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
    pinned: bool = False                 # a running fine-tune's base: not pushed off the list
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


class ModelStoreFull(ValueError):
    """A model that cannot be kept: it needs more than the bound leaves."""

    def __init__(self, needed: int, room: int, limit: int):
        self.needed, self.room, self.limit = needed, room, limit
        super().__init__(f"this model needs {format_bytes(needed)} of memory but the models kept "
                         f"for everyone may use {format_bytes(limit)}, of which at most "
                         f"{format_bytes(room)} can be freed")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


class ModelStore:
    """Every learner's kept models, behind the store's own lock."""

    def __init__(self, per_learner: int = 3, max_models: int | None = None,
                 max_bytes: int | None = None):
        self.per_learner = per_learner
        self.max_models = max_models or _env_int(MAX_MODELS_ENV, 24)
        self.max_bytes = max_bytes or _env_int(MODEL_MEMORY_ENV, DEFAULT_MODEL_MEMORY_MB) * 2**20
        self.lock = threading.Lock()
        self._models: dict[str, list[SavedModel]] = {}

    def models(self, owner: str, kind: str | None = None) -> list[SavedModel]:
        """The learner's models, newest first (only those with head `kind` if given)."""
        with self.lock:
            return [m for m in self._models.get(owner, []) if kind is None or m.kind == kind]

    def model_by_id(self, owner: str, model_id: str) -> SavedModel | None:
        with self.lock:
            return next((m for m in self._models.get(owner, []) if m.id == model_id), None)

    def count(self) -> int:
        with self.lock:
            return sum(len(ms) for ms in self._models.values())

    def nbytes(self) -> int:
        with self.lock:
            return sum(m.nbytes for ms in self._models.values() for m in ms)

    def owners(self) -> set[str]:
        with self.lock:
            return set(self._models)

    def pin(self, owner: str, model_id: str, pinned: bool = True) -> None:
        with self.lock:
            for saved in self._models.get(owner, []):
                if saved.id == model_id:
                    saved.pinned = pinned

    def room(self) -> int:
        """The most a new model may take: the bound less the pinned models."""
        with self.lock:
            pinned = sum(m.nbytes for ms in self._models.values() for m in ms if m.pinned)
        return max(0, self.max_bytes - pinned)

    def check_room(self, nbytes: int) -> None:
        """Refuse (ModelStoreFull) a model of `nbytes` that could never be kept."""
        room = self.room()
        if nbytes > room:
            raise ModelStoreFull(nbytes, room, self.max_bytes)

    def add(self, owner: str, saved: SavedModel) -> tuple[bool, list[SavedModel]]:
        """Keep `saved` first in the learner's list; returns (kept, models dropped)."""
        if saved.nbytes > self.room():
            return False, [saved]
        with self.lock:
            mine = self._models.setdefault(owner, [])
            mine.insert(0, saved)
            dropped = [m for m in mine if not m.pinned][self.per_learner:]
            for old in dropped:
                mine.remove(old)
            dropped += self._enforce_totals()
        return saved not in dropped, dropped

    def _enforce_totals(self) -> list[SavedModel]:
        """At most `max_models` and `max_bytes` in all: the oldest unpinned go first."""
        everything = sorted(((m.order, owner, m) for owner, ms in self._models.items() for m in ms
                             if not m.pinned), key=lambda e: e[0])
        count = sum(len(ms) for ms in self._models.values())
        total = sum(m.nbytes for ms in self._models.values() for m in ms)
        dropped = []
        for _, owner, model in everything:
            if count <= self.max_models and total <= self.max_bytes:
                break
            self._models[owner].remove(model)
            count, total = count - 1, total - model.nbytes
            dropped.append(model)
        self._models = {owner: ms for owner, ms in self._models.items() if ms}
        return dropped

    def forget(self, owner: str) -> list[SavedModel]:
        """Drop every model of a learner; returns them."""
        with self.lock:
            return self._models.pop(owner, [])

    def checkpoints(self) -> set[Path]:
        """The files kept models point at (so the registry leaves them alone)."""
        with self.lock:
            return {m.checkpoint for ms in self._models.values() for m in ms if m.checkpoint}
