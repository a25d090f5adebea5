"""Probes: small measurements of a model taken while it trains.

A probe is a function `fn(model, **args) -> plain numbers` (lists, dicts, floats: no
tensors, so the result can travel from a job's process to the server). The trainer
runs each probe every N steps under eval mode and no_grad (`ProbeSpec` in
core/train.py); the job keeps the results, bounded, for the tabs to show — the
attention tab scrubs through them to watch patterns form as the loss falls, and the
embeddings tab plays the map of the token vectors organising itself.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from core.analysis import attention_maps
from core.embeddings import project_2d, token_vectors

MAX_PROBE_TOKENS = 64
MAX_MAP_TOKENS = 500


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


def embedding_map_probe(model: nn.Module, ids: list[int], digits: int = 3) -> dict:
    """Where a fixed set of tokens lies on the 2-D map of the input embeddings now
    (`core.embeddings.project_2d`): the points, never the vectors, so sixty frames of a
    Tang model (8,548 × 96 weights) cost kilobytes, not hundreds of megabytes.

    Returns {"ids": [...], "points": [[x, y], ...] (one per id, rounded to `digits`),
    "explained": [share of the spread along x, along y]}. Frames are not aligned with
    each other here (a probe never sees the others): the reader turns each onto the
    one before (`core.embeddings.align_frames`).
    """
    if not 2 <= len(ids) <= MAX_MAP_TOKENS:
        raise ValueError(f"an embedding-map probe takes 2..{MAX_MAP_TOKENS} token ids")
    projection = project_2d(token_vectors(model)[list(ids)])
    return {"ids": list(ids), "points": projection.points.round(decimals=digits).tolist(),
            "explained": [round(share, 4) for share in projection.explained]}


def word_order_probe(model: nn.Module, first_ids: list[int], second_ids: list[int],
                     top: int = 3, digits: int = 4) -> dict:
    """What the model expects after two sentences made of the same tokens in another
    order ("the man saw the woman" / "the woman saw the man").

    Without position embeddings a model reads the tokens but hardly their order: its two
    next-token distributions are (nearly) the same. Returns {"top": [[[id, p], …] for
    each sentence] (the `top` likeliest next tokens), "distance": the total variation
    distance between the two distributions, ½·Σ|p − q|, from 0 (the same) to 1}.
    """
    for ids in (first_ids, second_ids):
        if not ids or len(ids) > MAX_PROBE_TOKENS:
            raise ValueError(f"a word-order probe takes 1..{MAX_PROBE_TOKENS} token ids a sentence")
    device = next(model.parameters()).device
    probs = [torch.softmax(model(torch.tensor([ids], device=device))[0, -1].float(), dim=-1).cpu()
             for ids in (first_ids, second_ids)]                               # 2 × (V,)
    tops = []
    for p in probs:
        values, indices = p.topk(min(top, p.numel()))
        tops.append([[int(i), round(float(v), digits)] for i, v in zip(indices, values)])
    distance = 0.5 * float((probs[0] - probs[1]).abs().sum())
    return {"top": tops, "distance": round(distance, digits)}


PROBES: dict[str, Callable[..., object]] = {
    "attention": attention_probe,
    "embedding_map": embedding_map_probe,
    "word_order": word_order_probe,
}


def run_probe(spec, model: nn.Module):
    """Run one `ProbeSpec` on `model` (the caller has switched to eval and no_grad)."""
    if spec.kind not in PROBES:
        raise ValueError(f"unknown probe {spec.kind!r}; known: {sorted(PROBES)}")
    return PROBES[spec.kind](model, **spec.args)
