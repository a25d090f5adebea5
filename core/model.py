"""The GPT model, built as in chapter 4 of "Build a Large Language Model (From Scratch)".

Read top-down: LayerNorm → GELU → FeedForward → MultiHeadAttention → TransformerBlock
→ GPTModel. Shape letters: B batch, T tokens, C = emb_dim, H heads, D = C / H.

Two paths compute the same numbers:
- the fast path calls fused kernels: `F.layer_norm`, and
  `F.scaled_dot_product_attention`, which does the scaling, the causal mask, the
  softmax and the weighted sum in one go;
- the teaching path (`GPTModel(cfg, fast=False)`) writes them out step by step as
  the book does: LayerNorm's mean and variance, softmax(Q·Kᵀ/√D + mask)·V.

`GPTModel.forward` always returns logits. `GPTModel.trace` runs the teaching path and
also returns what each block computed (its input and output, LayerNorm's statistics,
queries, keys, values, every step of the attention scores, each head's context), for
the tabs that show them. Generation with a KV cache lives in `core/kv_cache.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from core.config import GPTConfig


class LayerNorm(nn.Module):
    """Normalise each token vector to mean 0 and variance 1, then scale and shift."""

    def __init__(self, emb_dim: int, eps: float = 1e-5, fast: bool = True):
        super().__init__()
        self.eps = eps
        self.fast = fast
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fast:  # the same maths in one fused kernel
            return F.layer_norm(x, (x.shape[-1],), self.scale, self.shift, self.eps)
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        norm_x = (x - mean) / torch.sqrt(var + self.eps)
        return self.scale * norm_x + self.shift


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


# `GPTModel.trace` keeps every block's intermediate tensors, several (B, H, T, T) each:
# for GPT-2 355M at 128 tokens about 100 MB. Longer inputs are refused.
MAX_TRACE_TOKENS = 128


@dataclass
class LayerTrace:
    """What one transformer block computed, kept by `GPTModel.trace`.

    The residual stream: `block_input` (B, T, C) enters the block, `output` (B, T, C)
    leaves it. LayerNorm before attention: `norm_mean` and `norm_var` (B, T, 1), the
    mean and (biased) variance of each token vector, computed explicitly.
    Attention, step by step (H heads of D = C / H dimensions):
    1. `queries`, `keys`, `values` (B, H, T, D);
    2. `scores_raw` = Q·Kᵀ (B, H, T, T);
    3. `scores_scaled` = scores_raw / √D;
    4. `scores_masked`: the future (a key after the query) set to −inf;
    5. `attention` = softmax(scores_masked): each row a query's weights over the keys;
    6. `context` = attention · V (B, H, T, D): each head's output, before the heads are
       joined and projected.
    """

    attention: torch.Tensor | None = None
    block_input: torch.Tensor | None = None
    norm_mean: torch.Tensor | None = None
    norm_var: torch.Tensor | None = None
    queries: torch.Tensor | None = None
    keys: torch.Tensor | None = None
    values: torch.Tensor | None = None
    scores_raw: torch.Tensor | None = None
    scores_scaled: torch.Tensor | None = None
    scores_masked: torch.Tensor | None = None
    context: torch.Tensor | None = None
    output: torch.Tensor | None = None


@dataclass
class ForwardTrace:
    """The result of `GPTModel.trace`: the logits and one `LayerTrace` per block."""

    logits: torch.Tensor
    layers: list[LayerTrace] = field(default_factory=list)

    @property
    def attention(self) -> list[torch.Tensor]:
        """Every layer's attention weights, (B, H, T, T) each."""
        return [layer.attention for layer in self.layers]

    @property
    def residual_streams(self) -> list[torch.Tensor]:
        """The residual stream after the embeddings and after each block: n_layers + 1
        tensors of (B, T, C). The last one, normalised and projected, gives the logits."""
        return [self.layers[0].block_input] + [layer.output for layer in self.layers]


class MultiHeadAttention(nn.Module):
    """Causal self-attention with `num_heads` heads (the book's class and names)."""

    def __init__(self, d_in: int, d_out: int, context_length: int, dropout: float,
                 num_heads: int, qkv_bias: bool = False, fast: bool = True):
        super().__init__()
        if d_out % num_heads != 0:
            raise ValueError("d_out must be divisible by num_heads")
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.fast = fast
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.drop_p = dropout
        # The causal mask: True above the diagonal = "may not look at the future".
        mask = torch.triu(torch.ones(context_length, context_length, dtype=torch.bool), 1)
        self.register_buffer("mask", mask, persistent=False)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) → (B, H, T, D): each head gets its own D-wide slice."""
        B, T, _ = x.shape
        return x.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, trace: LayerTrace | None = None) -> torch.Tensor:
        """x: (B, T, C) → (B, T, C). With a `trace`, the teaching path runs and the
        attention weights are kept in it."""
        B, T, _ = x.shape
        queries = self.split_heads(self.W_query(x))   # (B, H, T, D)
        keys = self.split_heads(self.W_key(x))
        values = self.split_heads(self.W_value(x))
        if self.fast and trace is None:
            drop = self.drop_p if self.training else 0.0
            context = F.scaled_dot_product_attention(queries, keys, values, dropout_p=drop,
                                                     is_causal=True)
        else:
            context, weights = self.explicit_attention(queries, keys, values, trace)
        context = context.transpose(1, 2).reshape(B, T, self.d_out)  # (B, T, C)
        return self.out_proj(context)

    def explicit_attention(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                           trace: LayerTrace | None = None):
        """The teaching path: (context (B, H, T, D), weights (B, H, T, T)).

        With a `trace`, every intermediate tensor is kept in it as well."""
        T = q.shape[2]
        # 1. How well each query matches each key: their dot products.
        raw = q @ k.transpose(2, 3)                                     # (B, H, T, T)
        # 2. Scaled by √D, so the softmax stays soft however wide the heads are.
        scores = raw / math.sqrt(self.head_dim)
        # 3. Hide the future: a query at position p sees keys at positions ≤ p.
        masked = scores.masked_fill(self.mask[:T, :T], float("-inf"))
        # 4. Softmax turns scores into weights that sum to 1 along each row.
        weights = torch.softmax(masked, dim=-1)
        # 5. Each output is the weighted average of the values.
        context = self.dropout(weights) @ v                             # (B, H, T, D)
        if trace is not None:
            trace.queries, trace.keys, trace.values = q, k, v
            trace.scores_raw, trace.scores_scaled, trace.scores_masked = raw, scores, masked
            trace.attention, trace.context = weights, context
        return context, weights


class TransformerBlock(nn.Module):
    """Pre-norm block: x + attention(norm(x)), then x + feedforward(norm(x)).

    The ablation switches (core/config.py) take pieces away: `use_layer_norm=False`
    makes each norm the identity, `use_shortcuts=False` drops the "x +"."""

    def __init__(self, cfg: GPTConfig, fast: bool = True):
        super().__init__()
        self.att = MultiHeadAttention(
            d_in=cfg.emb_dim, d_out=cfg.emb_dim, context_length=cfg.context_length,
            dropout=cfg.drop_rate, num_heads=cfg.n_heads, qkv_bias=cfg.qkv_bias, fast=fast)
        self.ff = FeedForward(cfg)
        self.norm1 = norm_layer(cfg, fast)
        self.norm2 = norm_layer(cfg, fast)
        self.drop_shortcut = dropout_layer(cfg.drop_rate)
        self.shortcuts = cfg.use_shortcuts

    def forward(self, x: torch.Tensor, trace: LayerTrace | None = None) -> torch.Tensor:
        if trace is not None:   # the residual stream in, and what norm1 will divide by
            trace.block_input = x
            trace.norm_mean = x.mean(dim=-1, keepdim=True)                     # (B, T, 1)
            trace.norm_var = x.var(dim=-1, keepdim=True, unbiased=False)
        x = self.add(x, self.drop_shortcut(self.att(self.norm1(x), trace)))
        x = self.add(x, self.drop_shortcut(self.ff(self.norm2(x))))
        if trace is not None:
            trace.output = x
        return x

    def add(self, x: torch.Tensor, branch: torch.Tensor) -> torch.Tensor:
        """The shortcut connection: x + branch. Without it (`use_shortcuts=False`) the
        branch replaces x, and a gradient must pass through every layer to reach the first."""
        return x + branch if self.shortcuts else branch


def norm_layer(cfg: GPTConfig, fast: bool = True) -> nn.Module:
    """LayerNorm(emb_dim), or the identity when the config turns it off."""
    return LayerNorm(cfg.emb_dim, fast=fast) if cfg.use_layer_norm else nn.Identity()


def _init_weights(module: nn.Module) -> None:
    """GPT-2's initialisation: small normal weights (std 0.02), zero biases.

    PyTorch's default N(0, 1) embeddings give huge first logits; starting small lets a
    fresh model begin near the uniform-guess loss ln(vocab_size).
    """
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def check_token_ids(in_idx, vocab_size: int, context_length: int) -> None:
    """A clear ValueError for input the embedding cannot read (instead of torch's
    `IndexError: index out of range in self` from deep inside)."""
    if not isinstance(in_idx, torch.Tensor):
        raise ValueError(f"in_idx must be a tensor of token ids, got {type(in_idx).__name__}")
    if in_idx.dim() != 2:
        raise ValueError(f"in_idx must have shape (batch, tokens), got {tuple(in_idx.shape)}")
    if in_idx.is_floating_point() or in_idx.is_complex() or in_idx.dtype == torch.bool:
        raise ValueError(f"token ids must be integers, got dtype {in_idx.dtype}")
    if in_idx.shape[1] == 0:
        raise ValueError("in_idx holds no tokens")
    if in_idx.shape[1] > context_length:
        raise ValueError(
            f"{in_idx.shape[1]} positions exceed the context length {context_length}; "
            "crop the input to the last context_length tokens")
    low, high = int(in_idx.min()), int(in_idx.max())
    if low < 0 or high >= vocab_size:
        bad = low if low < 0 else high
        raise ValueError(f"token id {bad} is outside the vocabulary (0..{vocab_size - 1})")


class GPTModel(nn.Module):
    """Token + position embeddings → n_layers blocks → final norm → vocabulary logits.

    `fast=False` makes every layer use the teaching path, as the book writes it (the
    benchmark's baseline). A classifier (chapter 6) swaps `out_head` for a smaller one:
    see `core/classifier.py`.
    """

    def __init__(self, cfg: GPTConfig, fast: bool = True):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.emb_dim)
        # Without positions (`use_positions=False`) there is no pos_emb at all.
        self.pos_emb = nn.Embedding(cfg.context_length, cfg.emb_dim) if cfg.use_positions else None
        self.drop_emb = dropout_layer(cfg.drop_rate)
        self.trf_blocks = nn.ModuleList(TransformerBlock(cfg, fast) for _ in range(cfg.n_layers))
        self.final_norm = norm_layer(cfg, fast)
        self.out_head = nn.Linear(cfg.emb_dim, cfg.vocab_size, bias=False)
        if cfg.tie_weights:
            self.out_head.weight = self.tok_emb.weight
        self.apply(_init_weights)

    def embed(self, in_idx: torch.Tensor) -> torch.Tensor:
        """(B, T) token ids → (B, T, C): token embedding + position embedding (the token
        embedding alone without positions: then "dog bites man" and "man bites dog" hold
        the same vectors, in another order)."""
        check_token_ids(in_idx, self.cfg.vocab_size, self.cfg.context_length)
        T = in_idx.shape[1]
        x = self.tok_emb(in_idx)
        if self.pos_emb is not None:
            x = x + self.pos_emb.weight[:T]
        return self.drop_emb(x)

    def hidden_states(self, in_idx: torch.Tensor) -> torch.Tensor:
        """(B, T) ids → (B, T, C): every block, then the final norm (before the head)."""
        x = self.embed(in_idx)
        for block in self.trf_blocks:
            x = block(x)
        return self.final_norm(x)

    def forward(self, in_idx: torch.Tensor, last_only: bool = False) -> torch.Tensor:
        """in_idx: (B, T) token ids → logits (B, T, vocab_size).

        last_only: compute logits for the last position only (B, 1, vocab_size).
        """
        x = self.hidden_states(in_idx)
        if last_only:
            x = x[:, -1:, :]
        return self.out_head(x)

    def trace(self, in_idx: torch.Tensor) -> ForwardTrace:
        """The teaching path on every layer, keeping what each block computed
        (see `LayerTrace`). At most `MAX_TRACE_TOKENS` tokens."""
        if isinstance(in_idx, torch.Tensor) and in_idx.dim() == 2 \
                and in_idx.shape[1] > MAX_TRACE_TOKENS:
            raise ValueError(f"a trace keeps every layer's numbers: at most {MAX_TRACE_TOKENS} "
                             f"tokens, got {in_idx.shape[1]}")
        x = self.embed(in_idx)
        layers = []
        for block in self.trf_blocks:
            layers.append(LayerTrace())
            x = block(x, trace=layers[-1])
        return ForwardTrace(self.out_head(self.final_norm(x)), layers)


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
        "position embedding": model.pos_emb.weight.numel() if model.pos_emb is not None else 0,
        "transformer blocks": blocks,
        "final norm": sum(p.numel() for p in model.final_norm.parameters()),
        "output head": head,
        "total": count_parameters(model),
    }


def training_flops_per_token(cfg: GPTConfig, head_size: int | None = None) -> float:
    """FLOPs to train on one token: 6·N + 12·L·T·C (the PaLM / nanoGPT estimate).

    N counts the weights used in matrix multiplies: the blocks' 12·C² per layer and
    the output head's C·V (V = `head_size`, the vocabulary unless a classifier head
    replaced it); embeddings are look-ups, not multiplies. Each weight does a multiply
    and an add (2 FLOPs) forward and twice that backward: 6·N. Attention scores and
    their weighted sum add 2·2·T·C per layer forward, ×3 with backward: 12·L·T·C,
    with T the full context (the masked half included).
    """
    c, layers, t = cfg.emb_dim, cfg.n_layers, cfg.context_length
    v = cfg.vocab_size if head_size is None else head_size
    n_matmul = layers * 12 * c * c + v * c
    return 6 * n_matmul + 12 * layers * t * c


# ----- heads: what the last layer predicts ------------------------------------------------

LM_HEAD = {"kind": "lm"}


def build_model(cfg: GPTConfig, head: dict | None = None, fast: bool = True) -> GPTModel:
    """GPTModel(cfg) with the output head that `head` describes.

    {"kind": "lm"} (the default): one logit per vocabulary token.
    {"kind": "classifier", "classes": [...]}: one logit per class, as chapter 6 swaps
    `out_head` for `nn.Linear(emb_dim, num_classes)`.
    """
    model = GPTModel(cfg, fast)
    head = head or LM_HEAD
    if head.get("kind", "lm") == "classifier":
        classes = head.get("classes") or []
        if len(classes) < 2:
            raise ValueError("a classifier head needs at least two classes")
        model.out_head = nn.Linear(cfg.emb_dim, len(classes))
        _init_weights(model.out_head)
    elif head.get("kind", "lm") != "lm":
        raise ValueError(f"unknown head kind {head.get('kind')!r}")
    model.head = dict(head)
    return model


def empty_model(cfg: GPTConfig, head: dict | None = None) -> GPTModel:
    """`build_model` with uninitialised weights, for `load_state_dict` to fill.

    Drawing GPT-2 124M's 124M random starting numbers takes seconds on a CPU; a model
    about to receive weights does not need them."""
    with torch.device("meta"):
        model = build_model(cfg, head)
    tied = head_is_tied(model)
    model = model.to_empty(device="cpu")
    for module in model.modules():
        if isinstance(module, MultiHeadAttention):      # buffers are not in a state dict
            module.mask = torch.triu(torch.ones(cfg.context_length, cfg.context_length,
                                                dtype=torch.bool), 1)
    if tied:
        model.out_head.weight = model.tok_emb.weight
    return model


def model_head(model: nn.Module) -> dict:
    """The head description of a model made by `build_model` (a language model otherwise)."""
    return dict(getattr(model, "head", LM_HEAD))


def head_is_tied(model: nn.Module) -> bool:
    """True when the output head is the token embedding itself (GPT-2's weight tying)."""
    return model.out_head.weight is model.tok_emb.weight


def init_weights(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """GPT-2's initialisation again, drawn from `generator` instead of torch's global
    random state (which every thread of a server shares). LayerNorms start as the
    identity (scale 1, shift 0)."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.normal_(0.0, 0.02, generator=generator)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.zero_()
            if isinstance(module, LayerNorm):
                module.scale.fill_(1.0)
                module.shift.zero_()
    return model


def fresh_model(cfg: GPTConfig, seed: int = 0) -> GPTModel:
    """An untrained GPTModel(cfg): GPT-2's initialisation drawn from its own generator,
    so the same config and seed always give the same starting weights."""
    return init_weights(empty_model(cfg), torch.Generator().manual_seed(seed))
