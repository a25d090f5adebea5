"""Generating fast: a KV cache and a weight layout for one-token steps (chapter 4.7, grown up).

Without a cache, every new token runs the whole text through the model again. But the
keys and values of the tokens already seen do not change (the causal mask stops them
from looking ahead), so they can be kept: `KVCache` holds them for every layer, and
`forward_cached` runs only the new tokens, attending to what is cached.

A generation step multiplies one token vector by each weight matrix, so its speed is
set by how fast the weights can be read from memory. Two things help on a CPU:
- each layer's W_query, W_key and W_value are stacked into one matrix when the cache
  is made (GPT-2's own code stores them that way, as `c_attn`): one multiply, not three;
- `use_decode_layout(model)` re-lays every weight matrix input-major in memory (same
  values, same shapes; only the strides change), which torch's matrix-vector kernel
  reads faster. Only models that no longer train (hub weights, finished models) use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.model import GPTModel, MultiHeadAttention


@dataclass
class LayerKV:
    """One layer's cache: keys and values (B, H, max_len, D), and the stacked
    projection, (3C, C) with bias (3C,) — W_query, W_key, W_value one above the other."""

    keys: torch.Tensor
    values: torch.Tensor
    qkv_weight: torch.Tensor
    qkv_bias: torch.Tensor | None


def _stacked_qkv(att: MultiHeadAttention) -> tuple[torch.Tensor, torch.Tensor | None]:
    layers = (att.W_query, att.W_key, att.W_value)
    with torch.no_grad():
        weight = torch.cat([layer.weight for layer in layers])            # (3C, C)
        weight = weight.T.contiguous().T      # same values, input-major in memory
        bias = None
        if att.W_query.bias is not None:
            bias = torch.cat([layer.bias for layer in layers])
    return weight, bias


class KVCache:
    """Keys and values of every layer for the tokens seen so far.

    `length` is how many positions are filled. The buffers are allocated once for
    `max_len` positions, so appending a token writes in place and copies nothing.
    A cache belongs to one model and one generation: its stacked weights are taken
    when it is made, so make a new cache after the weights change. `reset()` rewinds
    to position 0.
    """

    def __init__(self, model: GPTModel, batch_size: int = 1, max_len: int | None = None):
        cfg = model.cfg
        max_len = cfg.context_length if max_len is None else max_len
        if not 1 <= max_len <= cfg.context_length:
            raise ValueError(f"max_len must be in [1, {cfg.context_length}], got {max_len}")
        p = model.tok_emb.weight
        shape = (batch_size, cfg.n_heads, max_len, cfg.head_dim)
        self.layers = [
            LayerKV(torch.empty(shape, device=p.device, dtype=p.dtype),
                    torch.empty(shape, device=p.device, dtype=p.dtype), *_stacked_qkv(block.att))
            for block in model.trf_blocks
        ]
        self.max_len = max_len
        self.length = 0

    def reset(self) -> None:
        self.length = 0


def _cached_attention(att: MultiHeadAttention, x: torch.Tensor, layer: LayerKV,
                      start: int) -> torch.Tensor:
    """Attention of T new tokens at positions start..start+T-1 over everything cached."""
    B, T, C = x.shape
    end = start + T
    qkv = F.linear(x, layer.qkv_weight, layer.qkv_bias)                  # (B, T, 3C)
    q, k, v = qkv.view(B, T, 3, att.num_heads, att.head_dim).permute(2, 0, 3, 1, 4)
    layer.keys[:, :, start:end] = k                                       # (B, H, T, D)
    layer.values[:, :, start:end] = v
    keys, values = layer.keys[:, :, :end], layer.values[:, :, :end]      # (B, H, end, D)
    if start == 0:          # no past: the plain causal triangle
        context = F.scaled_dot_product_attention(q, keys, values, is_causal=True)
    elif T == 1:            # one new token may look at everything before it
        context = F.scaled_dot_product_attention(q, keys, values)
    else:
        allowed = ~att.mask[start:end, :end]                             # (T, end)
        context = F.scaled_dot_product_attention(q, keys, values, attn_mask=allowed)
    return F.linear(context.transpose(1, 2).reshape(B, T, C), att.out_proj.weight,
                    att.out_proj.bias)


def _norm(norm: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return F.layer_norm(x, (x.shape[-1],), norm.scale, norm.shift, norm.eps)


def forward_cached(model: GPTModel, idx: torch.Tensor, cache: KVCache) -> torch.Tensor:
    """The new tokens idx (B, T) → logits of the last one (B, vocab); the cache grows by T.

    The same block as `TransformerBlock.forward` (pre-norm, two residual branches),
    written with the functional calls so a one-token step pays for no module calls.
    Inference only: no dropout.
    """
    start, T = cache.length, idx.shape[1]
    if start + T > cache.max_len:
        raise ValueError(f"{start + T} positions exceed the cache's {cache.max_len}")
    x = F.embedding(idx, model.tok_emb.weight) + model.pos_emb.weight[start:start + T]
    for block, layer in zip(model.trf_blocks, cache.layers):
        x = x + _cached_attention(block.att, _norm(block.norm1, x), layer, start)
        fc, proj = block.ff.layers[0], block.ff.layers[2]
        hidden = F.gelu(F.linear(_norm(block.norm2, x), fc.weight, fc.bias), approximate="tanh")
        x = x + F.linear(hidden, proj.weight, proj.bias)
    cache.length = start + T
    return F.linear(_norm(model.final_norm, x[:, -1, :]), model.out_head.weight)


def use_decode_layout(model: GPTModel) -> GPTModel:
    """Re-lay every linear weight input-major, in place (same values and shapes).

    For models that only generate from now on. Training still works on the result,
    only a little slower; a tied head shares the token embedding, which embedding
    look-ups read as well in either layout.
    """
    done: set[int] = set()
    with torch.no_grad():
        for module in model.modules():
            if not isinstance(module, nn.Linear) or id(module.weight) in done:
                continue
            old = module.weight
            new = nn.Parameter(old.detach().T.contiguous().T, requires_grad=old.requires_grad)
            module.weight = new
            if old is model.tok_emb.weight:
                model.tok_emb.weight = new
            done.add(id(new))
    return model


def is_decode_layout(model: GPTModel) -> bool:
    """True when the output head is stored input-major (see `use_decode_layout`)."""
    weight = model.out_head.weight
    return weight.dim() == 2 and weight.stride(0) == 1 and weight.shape[1] > 1
