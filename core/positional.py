"""Where a token is: positional encodings (chapter 2.8, and "Attention Is All You Need").

Attention by itself cannot tell "dog bites man" from "man bites dog": it compares
every token with every other, in no order. So each position gets a vector, added to
its token's embedding.

- GPT-2 (and the book's GPTModel) *learns* one vector per position:
  `model.pos_emb.weight`, shape (context_length, emb_dim).
- The original Transformer *computes* them, with waves of many wavelengths:
      PE[pos, 2i]   = sin(pos / 10000^(2i/d))
      PE[pos, 2i+1] = cos(pos / 10000^(2i/d))
  Low dimensions wave fast, high ones slowly, so every position gets its own
  pattern, and the dot product of two positions depends only on how far apart they
  are: nearby positions look alike.
"""

from __future__ import annotations

import torch
from torch import nn

from core.config import require_full_model

MAX_POSITIONS = 4096
MAX_DIMS = 2048


def sinusoidal_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """The fixed encoding of "Attention Is All You Need": (n_positions, d_model)."""
    for name, value, high in (("n_positions", n_positions, MAX_POSITIONS),
                              ("d_model", d_model, MAX_DIMS)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            raise ValueError(f"{name} must be a whole number from 1 to {high}, got {value!r}")
    if d_model % 2:
        raise ValueError(f"d_model must be even (sine and cosine come in pairs), got {d_model}")
    if not base > 1:
        raise ValueError(f"base must be greater than 1, got {base!r}")
    position = torch.arange(n_positions, dtype=torch.float64)[:, None]        # (n, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)                 # (d/2,)
    angle = position / base ** (two_i / d_model)                              # (n, d/2)
    pe = torch.empty(n_positions, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe.float()


def learned_positions(model: nn.Module, n_positions: int | None = None) -> torch.Tensor:
    """A GPT's learned position embeddings, the first `n_positions` of them (n, emb_dim).
    A model built without them (`use_positions=False`) is refused, naming the switch."""
    cfg = getattr(model, "cfg", None)
    if cfg is not None:
        require_full_model(cfg, "the learned-positions view", ("use_positions",))
    weight = model.pos_emb.weight.detach().float().cpu()
    n = weight.shape[0] if n_positions is None else max(1, min(n_positions, weight.shape[0]))
    return weight[:n]


def position_similarity(encoding: torch.Tensor, normalise: bool = False) -> torch.Tensor:
    """The dot product of every pair of positions, (n, n); with `normalise`, the
    cosine (the dot product of unit vectors), so encodings of any scale compare."""
    if encoding.dim() != 2:
        raise ValueError(f"expected (positions, dims), got {tuple(encoding.shape)}")
    if normalise:
        encoding = encoding / encoding.norm(dim=1, keepdim=True).clamp(min=1e-12)
    return encoding @ encoding.T
