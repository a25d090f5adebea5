"""Where the jobs' and the learners' files live, and how they go away.

Everything is under one root (LLM_PLAYGROUND_RUNS, default a temporary folder):
- `job-…/`: one folder per job (its final checkpoint), removed when the job is
  forgotten, unless a kept model still reads its checkpoint;
- `learners/<hash>/`: one folder per learner, removed with the learner: `uploads/`
  (checkpoints they loaded, read again to resume), and a few recent folders per purpose
  (`downloads/`, `exports/`): each Save or Export click writes a full checkpoint, so only
  the newest `keep` stay.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from core.checkpoint import checkpoint_paths

RUNS_ENV = "LLM_PLAYGROUND_RUNS"
KEEP_PER_PURPOSE = 2        # download / export folders kept per learner


def runs_root() -> Path:
    """Where jobs write their checkpoints (LLM_PLAYGROUND_RUNS, default a temp folder)."""
    return Path(os.environ.get(RUNS_ENV) or Path(tempfile.gettempdir()) / "llm-playground" / "runs")


def learner_dir(owner: str) -> Path:
    """The learner's own folder (not created here); its name does not reveal the id."""
    return runs_root() / "learners" / uuid.uuid5(uuid.NAMESPACE_OID, owner).hex


def fresh_learner_folder(owner: str, purpose: str, keep: int = KEEP_PER_PURPOSE) -> Path:
    """A new empty folder for one download or export; older ones beyond `keep` go."""
    parent = learner_dir(owner) / purpose
    parent.mkdir(parents=True, exist_ok=True)
    older = sorted(p for p in parent.iterdir() if p.is_dir())     # names start with the time
    for old in older[:max(0, len(older) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    folder = parent / f"{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    return folder


def copy_checkpoint(source: Path, target) -> Path:
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


def remove_checkpoint(path: Path) -> None:
    """Delete a checkpoint the jobs wrote (never a file of the learner's elsewhere)."""
    root = runs_root().resolve()
    try:
        if root not in Path(path).resolve().parents:
            return
    except OSError:
        return
    for file in checkpoint_paths(path):
        file.unlink(missing_ok=True)
