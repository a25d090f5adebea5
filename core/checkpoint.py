"""Saving and loading a trained model: safetensors plus a JSON sidecar.

A checkpoint `name` is two files:
- `name.safetensors`: every weight (and, when given, the optimizer's moment
  estimates, so training can resume exactly), with the description below stored
  inside its header too;
- `name.json`: the same description for people and tools: model config, tokenizer,
  training step, metrics.

Writing is atomic: each file is written to a temporary name in the same folder,
flushed to disk, then renamed over the old one. A crash at any moment leaves either
the previous checkpoint or the new one, never half a file. The safetensors file is
self-describing, so it alone decides what is loaded.

safetensors holds only tensors and text: loading it runs no code (unlike pickle).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from core.config import GPTConfig
from core.model import GPTModel, empty_model, head_is_tied, model_head
from core.tokenizer import Tokenizer, tokenizer_from_spec

FORMAT = "llm-playground/1"
META_KEY = "llm_playground"
OPTIM_PREFIX = "optimizer/"
MAX_HEADER_BYTES = 100_000_000        # safetensors' own limit


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with the reason."""


@dataclass
class Checkpoint:
    model: GPTModel
    tokenizer: Tokenizer
    meta: dict = field(default_factory=dict)

    @property
    def step(self) -> int:
        return int(self.meta.get("step", 0))

    @property
    def head(self) -> dict:
        return dict(self.meta.get("head") or {"kind": "lm"})

    @property
    def tags(self) -> list[str]:
        return list(self.meta.get("extra", {}).get("tags", []))


def checkpoint_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """'runs/a', 'runs/a.safetensors' or 'runs/a.json' → (weights file, sidecar)."""
    path = Path(path)
    if path.suffix in (".safetensors", ".json"):
        path = path.with_suffix("")
    return path.with_name(path.name + ".safetensors"), path.with_name(path.name + ".json")


def _atomic_write(target: Path, write) -> None:
    """Call write(tmp_path), fsync it, then rename it over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, per_param in state["state"].items():
        for key, value in per_param.items():
            if torch.is_tensor(value):
                tensors[f"{OPTIM_PREFIX}{index}/{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{index}/{key}"] = value
    groups = [{k: v for k, v in g.items()} for g in state["param_groups"]]
    return tensors, {"param_groups": groups, "scalars": scalars}


def save_checkpoint(path: str | os.PathLike, model: GPTModel, tokenizer: Tokenizer, *,
                    step: int = 0, metrics: dict | None = None, extra: dict | None = None,
                    optimizer: torch.optim.Optimizer | None = None) -> Path:
    """Write `path`.safetensors and `path`.json atomically; return the weights path."""
    weights_path, sidecar_path = checkpoint_paths(path)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if head_is_tied(model):
        tensors.pop("out_head.weight", None)   # the same tensor as tok_emb.weight
    meta = {"format": FORMAT, "config": model.cfg.to_dict(), "tokenizer": tokenizer.to_spec(),
            "head": model_head(model), "step": int(step), "metrics": metrics or {},
            "extra": extra or {}}
    if optimizer is not None:
        optim_tensors, optim_meta = _optimizer_tensors(optimizer)
        tensors.update(optim_tensors)
        meta["optimizer"] = optim_meta
    header = {META_KEY: json.dumps(meta, ensure_ascii=False)}
    _atomic_write(weights_path, lambda tmp: save_file(tensors, tmp, metadata=header))
    sidecar = json.dumps(meta, ensure_ascii=False, indent=2)
    _atomic_write(sidecar_path, lambda tmp: Path(tmp).write_text(sidecar, encoding="utf-8"))
    return weights_path


def read_meta(path: str | os.PathLike) -> dict:
    """The description stored inside a checkpoint's safetensors header."""
    weights_path, _ = checkpoint_paths(path)
    if not weights_path.is_file():
        raise CheckpointError(f"no checkpoint at {weights_path}")
    try:
        with safe_open(str(weights_path), framework="pt") as f:
            header = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(
            f"{weights_path.name} is not a readable safetensors file (truncated or damaged?): {err}"
        ) from err
    if META_KEY not in header:
        raise CheckpointError(f"{weights_path.name} is a safetensors file but not an LLM Playground checkpoint")
    try:
        meta = json.loads(header[META_KEY])
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{weights_path.name} has a damaged description: {err}") from err
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{weights_path.name} has format {meta.get('format')!r}, expected {FORMAT!r}")
    return meta


def _read_tensors(weights_path: Path, optimizer: bool = True) -> dict[str, torch.Tensor]:
    try:
        with safe_open(str(weights_path), framework="pt") as f:
            return {k: f.get_tensor(k) for k in f.keys()
                    if optimizer or not k.startswith(OPTIM_PREFIX)}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(
            f"{weights_path.name} could not be read (truncated or damaged?): {err}") from err


def model_memory(path: str | os.PathLike) -> int:
    """Bytes the checkpoint's model takes in memory once loaded (float32 weights), from
    the safetensors header alone (its first 8 bytes give the length of a JSON table of
    every tensor's shape): no tensor is read. Check it before loading a file."""
    weights_path, _ = checkpoint_paths(path)
    try:
        with open(weights_path, "rb") as fh:
            length = int.from_bytes(fh.read(8), "little")
            if not 0 < length <= MAX_HEADER_BYTES:
                raise ValueError(f"a header of {length} bytes")
            header = json.loads(fh.read(length))
        if META_KEY not in (header.get("__metadata__") or {}):
            raise ValueError("not an LLM Playground checkpoint")
        shapes = [entry["shape"] for name, entry in header.items()
                  if name != "__metadata__" and not name.startswith(OPTIM_PREFIX)]
        return sum(math.prod(shape) for shape in shapes) * 4
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{weights_path.name} has no readable header: {err}") from err


def load_state_checked(model: torch.nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    """Copy `tensors` into `model`, refusing missing, unexpected or wrong-shaped ones."""
    expected = model.state_dict()
    if isinstance(model, GPTModel) and head_is_tied(model):
        expected.pop("out_head.weight", None)
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing:
        raise CheckpointError(f"checkpoint lacks tensor(s): {', '.join(missing[:5])}")
    if unexpected:
        raise CheckpointError(f"checkpoint has unexpected tensor(s): {', '.join(unexpected[:5])}")
    for name, target in expected.items():
        source = tensors[name]
        if tuple(source.shape) != tuple(target.shape):
            raise CheckpointError(
                f"tensor '{name}' has shape {tuple(source.shape)}, the model expects {tuple(target.shape)}")
    with torch.no_grad():
        for name, target in expected.items():
            target.copy_(tensors[name])


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu",
                    optimizer_factory=None):
    """Rebuild model and tokenizer from a checkpoint.

    With `optimizer_factory(model) -> optimizer`, also restore the optimizer state and
    return (Checkpoint, optimizer).
    """
    weights_path, _ = checkpoint_paths(path)
    meta = read_meta(weights_path)
    try:
        cfg = GPTConfig.from_dict(meta["config"])
        tokenizer = tokenizer_from_spec(meta["tokenizer"])
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{weights_path.name} has an unusable description: {err}") from err
    if tokenizer.n_vocab != cfg.vocab_size:
        raise CheckpointError(
            f"tokenizer has {tokenizer.n_vocab} tokens but the model's vocab_size is {cfg.vocab_size}")
    tensors = _read_tensors(weights_path, optimizer=optimizer_factory is not None)
    model_tensors = {k: v for k, v in tensors.items() if not k.startswith(OPTIM_PREFIX)}
    try:
        model = empty_model(cfg, meta.get("head"))
    except ValueError as err:
        raise CheckpointError(f"{weights_path.name} has an unusable head: {err}") from err
    load_state_checked(model, model_tensors)
    model.to(device)
    checkpoint = Checkpoint(model, tokenizer, meta)
    if optimizer_factory is None:
        return checkpoint
    optimizer = optimizer_factory(model)
    if "optimizer" in meta:
        _restore_optimizer(optimizer, tensors, meta["optimizer"], device)
    return checkpoint, optimizer


def _restore_optimizer(optimizer, tensors: dict, optim_meta: dict, device) -> None:
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith(OPTIM_PREFIX):
            index, name = key[len(OPTIM_PREFIX):].split("/", 1)
            state.setdefault(int(index), {})[name] = value.to(device)
    for key, value in optim_meta.get("scalars", {}).items():
        index, name = key.split("/", 1)
        state.setdefault(int(index), {})[name] = value
    try:
        optimizer.load_state_dict({"state": state, "param_groups": optim_meta["param_groups"]})
    except (ValueError, KeyError, RuntimeError) as err:
        raise CheckpointError(f"optimizer state does not fit this model: {err}") from err
