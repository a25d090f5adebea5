"""The GPT model, built as in chapter 4 of "Build a Large Language Model (From Scratch)".

Read top-down: LayerNorm → GELU → FeedForward → MultiHeadAttention → TransformerBlock
→ GPTModel. Shape letters: B batch, T tokens, C = emb_dim, H heads, D = C / H.

Attention has two paths that compute the same numbers:
- the fast path calls `torch.nn.functional.scaled_dot_product_attention`, which fuses
  the scaling, the causal mask, the softmax and the weighted sum;
- the teaching path writes softmax(Q·Kᵀ/√D + mask)·V out step by step and can hand back
  the attention weights of every layer and head (the attention tab draws them).

A `KVCache` keeps the keys and values of tokens already seen, so generating one more
token costs one token's work instead of re-reading the whole prompt. It also keeps each
layer's W_query, W_key and W_value stacked into one matrix, so a generation step does
one multiply for them instead of three.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.config import GPTConfig


class LayerNorm(nn.Module):
    """Normalise each token vector to mean 0 and variance 1, then scale and shift."""

    def __init__(self, emb_dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Same maths as the book's mean/var version, in one fused kernel.
        return F.layer_norm(x, (x.shape[-1],), self.scale, self.shift, self.eps)


class GELU(nn.Module):
    """GPT-2's activation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x, approximate="tanh")


def dropout_layer(rate: float) -> nn.Module:
    """nn.Dropout(rate), or a pass-through when the rate is 0.

    Dropout at rate 0 changes nothing, yet each use still costs a call; generating
    token by token makes many of them.
    """
    return nn.Dropout(rate) if rate > 0 else nn.Identity()


class FeedForward(nn.Module):
    """Widen each token to 4·C, apply GELU, project back to C."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(cfg.emb_dim, 4 * cfg.emb_dim),
            GELU(),
            nn.Linear(4 * cfg.emb_dim, cfg.emb_dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


@dataclass
class LayerKV:
    """One layer's cached keys and values, each (B, H, max_len, D).

    `qkv_weight` / `qkv_bias`: the layer's W_query, W_key and W_value stacked into one
    (3C, C) matrix, made at the first step (see `MultiHeadAttention._stacked_projection`).
    """

    keys: torch.Tensor
    values: torch.Tensor
    qkv_weight: torch.Tensor | None = None
    qkv_bias: torch.Tensor | None = None


class KVCache:
    """Keys and values of every layer for the tokens seen so far.

    `length` is how many positions are filled. The buffers are allocated once for
    `max_len` positions, so appending a token writes in place and copies nothing.
    A cache belongs to one model and one generation: its keys, values and stacked
    QKV weights come from the weights as they were, so make a new cache after the
    weights change. `reset()` rewinds to position 0 and keeps the stacked weights.
    """

    def __init__(self, cfg: GPTConfig, batch_size: int, max_len: int | None = None,
                 device=None, dtype=None):
        max_len = cfg.context_length if max_len is None else max_len
        if not 1 <= max_len <= cfg.context_length:
            raise ValueError(f"max_len must be in [1, {cfg.context_length}], got {max_len}")
        shape = (batch_size, cfg.n_heads, max_len, cfg.head_dim)
        self.layers = [
            LayerKV(torch.empty(shape, device=device, dtype=dtype),
                    torch.empty(shape, device=device, dtype=dtype))
            for _ in range(cfg.n_layers)
        ]
        self.max_len = max_len
        self.length = 0

    def reset(self) -> None:
        self.length = 0


class MultiHeadAttention(nn.Module):
    """Causal self-attention with `num_heads` heads (the book's class and names)."""

    def __init__(self, d_in: int, d_out: int, context_length: int, dropout: float,
                 num_heads: int, qkv_bias: bool = False):
        super().__init__()
        if d_out % num_heads != 0:
            raise ValueError("d_out must be divisible by num_heads")
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.drop_p = dropout
        # The causal mask: True above the diagonal = "may not look at the future".
        mask = torch.triu(torch.ones(context_length, context_length, dtype=torch.bool), 1)
        self.register_buffer("mask", mask, persistent=False)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        return x.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, D)

    def _stacked_projection(self, x: torch.Tensor, cache: LayerKV):
        """Queries, keys and values with one matrix multiply instead of three.

        Stacking W_query, W_key and W_value into one (3C, C) matrix gives the same
        numbers side by side (GPT-2's own code stores them that way, as `c_attn`).
        Generation runs one token at a time, where a multiply costs mostly its fixed
        overhead and reading the weights, so the stacked copy is made once per cache.
        It is laid out input-major in memory, (C, 3C) like GPT-2's `c_attn`: torch's
        CPU matrix-vector product reads that layout faster (1.3–1.7× in our measurements).
        Training keeps the three layers as they are: stacking there gains nothing.
        """
        if cache.qkv_weight is None:
            layers = (self.W_query, self.W_key, self.W_value)
            stacked = torch.cat([layer.weight for layer in layers])           # (3C, C)
            cache.qkv_weight = stacked.T.contiguous().T    # same values, (C, 3C) in memory
            if self.W_query.bias is not None:
                cache.qkv_bias = torch.cat([layer.bias for layer in layers])
        B, T, _ = x.shape
        qkv = F.linear(x, cache.qkv_weight, cache.qkv_bias)     # (B, T, 3C)
        qkv = qkv.view(B, T, 3, self.num_heads, self.head_dim)
        return qkv.permute(2, 0, 3, 1, 4)                       # 3 × (B, H, T, D)

    def forward(self, x: torch.Tensor, cache: LayerKV | None = None, start: int = 0,
                need_weights: bool = False, fast: bool = True):
        """x: (B, T, C) → (B, T, C), plus the weights (B, H, T, start+T) if asked.

        With a cache, the T new tokens sit at positions start..start+T-1 and attend to
        everything cached before them.
        """
        B, T, _ = x.shape
        if cache is not None and fast:
            queries, keys, values = self._stacked_projection(x, cache)
        else:
            queries = self._split_heads(self.W_query(x))  # (B, H, T, D)
            keys = self._split_heads(self.W_key(x))
            values = self._split_heads(self.W_value(x))

        if cache is not None:
            end = start + T
            cache.keys[:, :, start:end] = keys
            cache.values[:, :, start:end] = values
            keys = cache.keys[:, :, :end]            # (B, H, start+T, D)
            values = cache.values[:, :, :end]

        if need_weights or not fast:
            context, weights = self._explicit_attention(queries, keys, values, start)
        else:
            context, weights = self._fast_attention(queries, keys, values, start), None

        context = context.transpose(1, 2).reshape(B, T, self.d_out)  # (B, T, C)
        out = self.out_proj(context)
        return (out, weights) if need_weights else out

    def _fast_attention(self, q, k, v, start):
        T, S = q.shape[2], k.shape[2]
        drop = self.drop_p if self.training else 0.0
        if start == 0:          # no past: the plain causal triangle
            return F.scaled_dot_product_attention(q, k, v, dropout_p=drop, is_causal=True)
        if T == 1:              # one new token may look at everything before it
            return F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        allowed = ~self.mask[start:start + T, :S]  # (T, S), True = may attend
        return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=drop)

    def _explicit_attention(self, q, k, v, start):
        T, S = q.shape[2], k.shape[2]
        # 1. How well each query matches each key, scaled so the softmax stays soft.
        scores = q @ k.transpose(2, 3) / math.sqrt(self.head_dim)       # (B, H, T, S)
        # 2. Hide the future: a query at position p sees keys at positions ≤ p.
        scores = scores.masked_fill(self.mask[start:start + T, :S], float("-inf"))
        # 3. Softmax turns scores into weights that sum to 1 along each row.
        weights = torch.softmax(scores, dim=-1)
        # 4. Each output is the weighted average of the values.
        context = self.dropout(weights) @ v                             # (B, H, T, D)
        return context, weights


class TransformerBlock(nn.Module):
    """Pre-norm block: x + attention(norm(x)), then x + feedforward(norm(x))."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.att = MultiHeadAttention(
            d_in=cfg.emb_dim, d_out=cfg.emb_dim, context_length=cfg.context_length,
            dropout=cfg.drop_rate, num_heads=cfg.n_heads, qkv_bias=cfg.qkv_bias)
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(cfg.emb_dim)
        self.norm2 = LayerNorm(cfg.emb_dim)
        self.drop_shortcut = dropout_layer(cfg.drop_rate)

    def forward(self, x, cache: LayerKV | None = None, start: int = 0,
                need_weights: bool = False, fast: bool = True):
        att = self.att(self.norm1(x), cache, start, need_weights, fast)
        att, weights = att if need_weights else (att, None)
        x = x + self.drop_shortcut(att)
        x = x + self.drop_shortcut(self.ff(self.norm2(x)))
        return (x, weights) if need_weights else x


def _init_weights(module: nn.Module) -> None:
    """GPT-2's initialisation: small normal weights (std 0.02), zero biases.

    PyTorch's default N(0, 1) embeddings give huge first logits; starting small lets a
    fresh model begin near the uniform-guess loss ln(vocab_size).
    """
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


class GPTModel(nn.Module):
    """Token + position embeddings → n_layers blocks → final norm → vocabulary logits.

    `fast_attention=False` makes every layer use the explicit teaching path, as the
    book writes it (used as a baseline by the benchmark).
    """

    def __init__(self, cfg: GPTConfig, fast_attention: bool = True):
        super().__init__()
        self.cfg = cfg
        self.fast_attention = fast_attention
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.emb_dim)
        self.pos_emb = nn.Embedding(cfg.context_length, cfg.emb_dim)
        self.drop_emb = dropout_layer(cfg.drop_rate)
        self.trf_blocks = nn.ModuleList(TransformerBlock(cfg) for _ in range(cfg.n_layers))
        self.final_norm = LayerNorm(cfg.emb_dim)
        self.out_head = nn.Linear(cfg.emb_dim, cfg.vocab_size, bias=False)
        if cfg.tie_weights:
            self.out_head.weight = self.tok_emb.weight
        self.apply(_init_weights)

    def forward(self, in_idx: torch.Tensor, cache: KVCache | None = None,
                return_attention: bool = False, last_only: bool = False):
        """in_idx: (B, T) token ids → logits (B, T, vocab_size).

        cache: continue from the cached positions (generation); `cache.length` grows by T.
        return_attention: also return a list of n_layers weight tensors (B, H, T, S).
        last_only: compute logits for the last position only (B, 1, vocab_size).
        """
        if in_idx.dim() != 2:
            raise ValueError(f"in_idx must have shape (batch, tokens), got {tuple(in_idx.shape)}")
        B, T = in_idx.shape
        start = cache.length if cache is not None else 0
        limit = cache.max_len if cache is not None else self.cfg.context_length
        if T == 0:
            raise ValueError("in_idx holds no tokens")
        if start + T > limit:
            raise ValueError(
                f"{start + T} positions exceed the context length {limit}; "
                "crop the input to the last context_length tokens")

        positions = torch.arange(start, start + T, device=in_idx.device)
        x = self.drop_emb(self.tok_emb(in_idx) + self.pos_emb(positions))  # (B, T, C)

        all_weights = []
        for i, block in enumerate(self.trf_blocks):
            layer_cache = cache.layers[i] if cache is not None else None
            x = block(x, layer_cache, start, return_attention, self.fast_attention)
            if return_attention:
                x, weights = x
                all_weights.append(weights)
        if cache is not None:
            cache.length = start + T

        if last_only:
            x = x[:, -1:, :]
        logits = self.out_head(self.final_norm(x))
        return (logits, all_weights) if return_attention else logits

    def new_cache(self, batch_size: int = 1, max_len: int | None = None) -> KVCache:
        p = self.tok_emb.weight
        return KVCache(self.cfg, batch_size, max_len, device=p.device, dtype=p.dtype)


def count_parameters(model: nn.Module) -> int:
    """Distinct trainable numbers: a tied embedding/head counts once."""
    return sum(p.numel() for p in model.parameters())


def parameter_breakdown(model: GPTModel) -> dict[str, int]:
    """Where the parameters live, in the book's terms (tying shown explicitly)."""
    cfg = model.cfg
    blocks = sum(p.numel() for p in model.trf_blocks.parameters())
    head = 0 if cfg.tie_weights else model.out_head.weight.numel()
    return {
        "token embedding": model.tok_emb.weight.numel(),
        "position embedding": model.pos_emb.weight.numel(),
        "transformer blocks": blocks,
        "final norm": sum(p.numel() for p in model.final_norm.parameters()),
        "output head": head,
        "total": count_parameters(model),
    }
