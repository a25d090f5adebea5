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

from core.model import GPTModel, LayerNorm, MultiHeadAttention


@dataclass
class LayerKV:
    """One layer's cache: keys and values (B, H, max_len, D), and the layer's weights
    gathered once for one-token steps (`weights`: see `_layer_weights`)."""

    keys: torch.Tensor
    values: torch.Tensor
    weights: tuple


def stacked_qkv(att: MultiHeadAttention) -> tuple[torch.Tensor, torch.Tensor | None]:
    """W_query, W_key and W_value one above the other, (3C, C), and their biases (3C,).

    A model in the decode layout keeps this matrix already (`use_decode_layout`);
    otherwise it is made here, input-major in memory.
    """
    stored = getattr(att, "decode_qkv", None)
    if stored is not None:
        return stored
    layers = (att.W_query, att.W_key, att.W_value)
    with torch.no_grad():
        weight = torch.cat([layer.weight for layer in layers]).T.contiguous().T   # (3C, C)
        bias = None
        if att.W_query.bias is not None:
            bias = torch.cat([layer.bias for layer in layers])
    return weight, bias


def _norm_weights(norm: nn.Module) -> tuple | None:
    """A LayerNorm's (scale, shift, eps); None for the identity (`use_layer_norm=False`)."""
    return (norm.scale, norm.shift, norm.eps) if isinstance(norm, LayerNorm) else None


def _normed(x: torch.Tensor, norm: tuple | None) -> torch.Tensor:
    return x if norm is None else F.layer_norm(x, x.shape[-1:], *norm)


def _layer_weights(block) -> tuple:
    """Everything one block's step reads, in the order `forward_cached` uses it."""
    att = block.att
    fc, proj = block.ff.layers[0], block.ff.layers[2]
    qkv_weight, qkv_bias = stacked_qkv(att)
    return (_norm_weights(block.norm1), qkv_weight, qkv_bias, att.out_proj.weight,
            att.out_proj.bias, _norm_weights(block.norm2), fc.weight, fc.bias,
            proj.weight, proj.bias, att.num_heads, att.head_dim, att.mask, block.shortcuts)


class KVCache:
    """Keys and values of every layer for the tokens seen so far.

    `length` is how many positions are filled. The buffers are allocated once for
    `max_len` positions, so appending a token writes in place and copies nothing.
    A cache belongs to one model and one generation: it holds the model's weights as
    they were when it was made, so make a new cache after the weights change.
    `reset()` rewinds to position 0.
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
                    torch.empty(shape, device=p.device, dtype=p.dtype), _layer_weights(block))
            for block in model.trf_blocks
        ]
        pos = model.pos_emb.weight if model.pos_emb is not None else None
        self.embeddings = (model.tok_emb.weight, pos)
        self.head = (_norm_weights(model.final_norm), model.out_head.weight)
        self.max_len = max_len
        self.length = 0

    def reset(self) -> None:
        self.length = 0


def forward_cached(model: GPTModel, idx: torch.Tensor, cache: KVCache) -> torch.Tensor:
    """The new tokens idx (B, T) → logits of the last one (B, vocab); the cache grows by T.

    The same block as `TransformerBlock.forward` (pre-norm, two residual branches, and
    the same ablation switches: no positions, no shortcuts, identity norms),
    written with functional calls over weights gathered in the cache, so a one-token
    step pays for no module calls and no attribute look-ups: for a small model the
    step is made of Python overhead more than arithmetic. Inference only: no dropout.
    1. embed the new tokens at their positions;
    2. per block: norm → stacked Q, K, V → write K, V into the cache → attend to
       everything cached → output projection → residual; norm → MLP → residual;
    3. final norm and the head, for the last position only.
    """
    start, (B, T) = cache.length, idx.shape
    end = start + T
    if end > cache.max_len:
        raise ValueError(f"{end} positions exceed the cache's {cache.max_len}")
    tok_weight, pos_weight = cache.embeddings
    x = F.embedding(idx, tok_weight)                                        # (B, T, C)
    if pos_weight is not None:
        x = x + pos_weight[start:end]
    C = x.shape[-1]
    for layer in cache.layers:
        (norm1, qkv_w, qkv_b, out_w, out_b, norm2, fc_w, fc_b, proj_w, proj_b, H, D, mask,
         shortcuts) = layer.weights
        qkv = F.linear(_normed(x, norm1), qkv_w, qkv_b)                    # (B, T, 3C)
        q, k, v = qkv.view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)           # (B, H, T, D)
        layer.keys[:, :, start:end] = k
        layer.values[:, :, start:end] = v
        keys, values = layer.keys[:, :, :end], layer.values[:, :, :end]    # (B, H, end, D)
        if start == 0:          # no past: the plain causal triangle
            context = F.scaled_dot_product_attention(q, keys, values, is_causal=True)
        elif T == 1:            # one new token may look at everything before it
            context = F.scaled_dot_product_attention(q, keys, values)
        else:
            context = F.scaled_dot_product_attention(q, keys, values,
                                                     attn_mask=~mask[start:end, :end])
        attended = F.linear(context.transpose(1, 2).reshape(B, T, C), out_w, out_b)
        x = x + attended if shortcuts else attended
        hidden = F.gelu(F.linear(_normed(x, norm2), fc_w, fc_b), approximate="tanh")
        fed = F.linear(hidden, proj_w, proj_b)
        x = x + fed if shortcuts else fed
    cache.length = end
    final_norm, head = cache.head
    return F.linear(_normed(x[:, -1, :], final_norm), head)


def use_decode_layout(model: GPTModel, keep_values: bool = True) -> GPTModel:
    """Re-lay every linear weight input-major, in place (same values and shapes).

    For models that only generate from now on. Training still works on the result,
    only a little slower; a tied head shares the token embedding, which embedding
    look-ups read as well in either layout. With `keep_values=False` the new storage
    is left empty, for a model whose weights are about to be loaded anyway.
    """
    done: set[int] = set()
    relay = _relayed if keep_values else _relayed_empty
    with torch.no_grad():
        for block in model.trf_blocks:
            _stack_qkv_in_place(block.att, keep_values)
            done |= {id(block.att.W_query.weight), id(block.att.W_key.weight),
                     id(block.att.W_value.weight)}
        for module in model.modules():
            if not isinstance(module, nn.Linear) or id(module.weight) in done:
                continue
            old = module.weight
            new = nn.Parameter(relay(old.detach()), requires_grad=old.requires_grad)
            module.weight = new
            if old is model.tok_emb.weight:
                model.tok_emb.weight = new
            done.add(id(new))
    return model


def _relayed(weight: torch.Tensor) -> torch.Tensor:
    return weight.T.contiguous().T          # same values, input-major in memory


def _relayed_empty(weight: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(weight.T, memory_format=torch.contiguous_format).T


def _stack_qkv_in_place(att: MultiHeadAttention, keep_values: bool = True) -> None:
    """Store W_query, W_key and W_value as three views of one input-major (C, 3C)
    matrix, so a generation step multiplies once and no copy is made per cache."""
    if keep_values:
        weight, bias = stacked_qkv(att)                 # (3C, C), input-major storage
    else:
        C_in = att.W_query.weight.shape[1]
        weight = _relayed_empty(att.W_query.weight.new_empty(3 * att.d_out, C_in))
        bias = att.W_query.bias.new_empty(3 * att.d_out) if att.W_query.bias is not None else None
    C = att.d_out
    for i, layer in enumerate((att.W_query, att.W_key, att.W_value)):
        requires_grad = layer.weight.requires_grad
        layer.weight = nn.Parameter(weight[i * C:(i + 1) * C], requires_grad=requires_grad)
        if bias is not None:
            layer.bias = nn.Parameter(bias[i * C:(i + 1) * C], requires_grad=requires_grad)
    att.decode_qkv = (weight, bias)


def is_decode_layout(model: GPTModel) -> bool:
    """True when the output head is stored input-major (see `use_decode_layout`)."""
    weight = model.out_head.weight
    return weight.dim() == 2 and weight.stride(0) == 1 and weight.shape[1] > 1
