"""Probes: small measurements of a model taken while it trains.

A probe is a function `fn(model, **args) -> plain numbers` (lists, dicts, floats: no
tensors, so the result can travel from a job's process to the server). The trainer
runs each probe every N steps under eval mode and no_grad (`ProbeSpec` in
core/train.py); the job keeps the results, bounded, for the tabs to show — the
attention tab scrubs through them to watch patterns form as the loss falls.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

from core.analysis import attention_maps

MAX_PROBE_TOKENS = 64


def attention_probe(model: nn.Module, ids: list[int], digits: int = 4) -> dict:
    """Every layer's and head's attention weights for one fixed prompt
    (`core.analysis.attention_maps`), as plain numbers.

    Returns {"ids": [...], "weights": [layer][head][query][key]} (row q sums to 1 over
    keys 0..q; the causal mask makes the rest 0).
    """
    if not ids or len(ids) > MAX_PROBE_TOKENS:
        raise ValueError(f"an attention probe takes 1..{MAX_PROBE_TOKENS} token ids")
    maps = attention_maps(model, ids)
    return {"ids": maps.ids, "weights": maps.weights.round(decimals=digits).tolist()}


PROBES: dict[str, Callable[..., object]] = {
    "attention": attention_probe,
}


def run_probe(spec, model: nn.Module):
    """Run one `ProbeSpec` on `model` (the caller has switched to eval and no_grad)."""
    if spec.kind not in PROBES:
        raise ValueError(f"unknown probe {spec.kind!r}; known: {sorted(PROBES)}")
    return PROBES[spec.kind](model, **spec.args)
