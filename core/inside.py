"""Inside the GPT: the numbers behind each step of one forward pass (chapters 2-5).

Everything here is read from the model itself: the teaching path (`GPTModel.trace`)
keeps what each block computed, so every number a learner sees is one the model used.
Shape letters: T tokens, C = emb_dim, D = C / n_heads, V = vocab_size, L = n_layers.

- `embedding_lookup`: token ids → rows of the token-embedding matrix, plus the
  position rows, = the vectors the first block reads (chapter 2.7-2.8);
- `attention_step`: one head, step by step: Q·Kᵀ, ÷ √D, the causal mask, softmax,
  the weighted sum of the values (chapter 3);
- `layer_norm_step`: one token vector before and after LayerNorm (chapter 4.2);
- `loss_by_hand`: the probability of each target token, its log, the mean, the
  negated mean (the cross-entropy) and its exp (the perplexity) (chapter 5.1);
- `logit_lens`: the final norm and the output head applied to the residual stream
  after the embeddings and after every block: what each layer would predict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from core.analysis import _as_ids, _check_ids
from core.generate import eval_mode
from core.model import MAX_TRACE_TOKENS, ForwardTrace, GPTModel


def _window(model: GPTModel, ids: Sequence[int] | torch.Tensor, limit: int) -> torch.Tensor:
    """ids as a (1, T) batch on the model's device, checked: 1..limit tokens."""
    ids = _as_ids(ids)
    _check_ids(model, ids)
    if ids.numel() > limit:
        raise ValueError(f"{ids.numel()} tokens are more than the {limit} this view takes: "
                         "use a shorter text")
    device = next(model.parameters()).device
    return ids.unsqueeze(0).to(device)


@torch.inference_mode()
def trace_ids(model: GPTModel, ids: Sequence[int] | torch.Tensor) -> ForwardTrace:
    """`model.trace` of one sequence, in eval mode (no dropout)."""
    window = _window(model, ids, min(model.cfg.context_length, MAX_TRACE_TOKENS))
    with eval_mode(model):
        return model.trace(window)


def _check_index(value: int, top: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise ValueError(f"{what} must be a whole number from 0 to {top}, got {value!r}")
    return value


# ----- ids → vectors ---------------------------------------------------------------------

@dataclass
class EmbeddingLookup:
    """The first step of the model: a lookup, not a computation.

    `token_rows` (T, C): row `ids[t]` of the token-embedding matrix for each token;
    `position_rows` (T, C): row t of the position-embedding matrix;
    `inputs` (T, C): their sum, the vectors the first block reads.
    """

    ids: list[int]
    token_rows: torch.Tensor
    position_rows: torch.Tensor
    inputs: torch.Tensor


def embedding_lookup(model: GPTModel, ids: Sequence[int] | torch.Tensor) -> EmbeddingLookup:
    trace = trace_ids(model, ids)
    ids = _as_ids(ids).tolist()
    with torch.no_grad():
        token_rows = model.tok_emb.weight[ids].float().cpu()                 # (T, C)
        position_rows = (model.pos_emb.weight[:len(ids)].float().cpu()       # (T, C)
                         if model.pos_emb is not None else torch.zeros_like(token_rows))
    inputs = trace.layers[0].block_input[0].float().cpu()                    # (T, C)
    return EmbeddingLookup(ids, token_rows, position_rows, inputs)


# ----- attention, step by step ------------------------------------------------------------

@dataclass
class AttentionStep:
    """One head of one layer for every query of a text (row q = query token q).

    `queries`, `keys`, `values` (T, D); `scores_raw` = Q·Kᵀ, `scores_scaled` = ÷ √D,
    `scores_masked` (keys after the query are −inf), `weights` = softmax of each row
    (T, T); `context` = weights · values (T, D): what the head passes on.
    """

    layer: int
    head: int
    head_dim: int
    ids: list[int]
    queries: torch.Tensor
    keys: torch.Tensor
    values: torch.Tensor
    scores_raw: torch.Tensor
    scores_scaled: torch.Tensor
    scores_masked: torch.Tensor
    weights: torch.Tensor
    context: torch.Tensor


def attention_step(model: GPTModel, ids: Sequence[int] | torch.Tensor, layer: int,
                   head: int) -> AttentionStep:
    """Head `head` of block `layer`, every step as the teaching path computed it."""
    cfg = model.cfg
    _check_index(layer, cfg.n_layers - 1, "layer")
    _check_index(head, cfg.n_heads - 1, "head")
    traced = trace_ids(model, ids).layers[layer]

    def pick(tensor: torch.Tensor) -> torch.Tensor:
        return tensor[0, head].float().cpu()                    # (B, H, …) → one head

    return AttentionStep(
        layer=layer, head=head, head_dim=cfg.head_dim, ids=_as_ids(ids).tolist(),
        queries=pick(traced.queries), keys=pick(traced.keys), values=pick(traced.values),
        scores_raw=pick(traced.scores_raw), scores_scaled=pick(traced.scores_scaled),
        scores_masked=pick(traced.scores_masked), weights=pick(traced.attention),
        context=pick(traced.context))


# ----- LayerNorm ------------------------------------------------------------------------

@dataclass
class LayerNormStep:
    """One token vector x (C,) entering block `layer`, through its first LayerNorm.

    1. mean and variance of x (as the trace computed them);
    2. normalised = (x − mean) / √(variance + eps): mean 0, variance 1;
    3. output = scale · normalised + shift (the two learned vectors).
    """

    layer: int
    position: int
    x: torch.Tensor
    mean: float
    var: float
    eps: float
    normalised: torch.Tensor
    output: torch.Tensor

    @property
    def normalised_stats(self) -> tuple[float, float]:
        """Mean and variance after normalising: 0, and 1 but for eps."""
        return _mean_var(self.normalised)

    @property
    def output_stats(self) -> tuple[float, float]:
        """Mean and variance after the learned scale and shift: anything."""
        return _mean_var(self.output)


def _mean_var(vector: torch.Tensor) -> tuple[float, float]:
    return float(vector.mean()), float(vector.var(unbiased=False))


def layer_norm_step(model: GPTModel, ids: Sequence[int] | torch.Tensor, layer: int,
                    position: int) -> LayerNormStep:
    _check_index(layer, model.cfg.n_layers - 1, "layer")
    n = _as_ids(ids).numel()
    _check_index(position, n - 1, "position")
    traced = trace_ids(model, ids).layers[layer]
    norm = model.trf_blocks[layer].norm1
    x = traced.block_input[0, position].float().cpu()                        # (C,)
    mean = traced.norm_mean[0, position, 0].float().cpu()
    var = traced.norm_var[0, position, 0].float().cpu()
    normalised = (x - mean) / torch.sqrt(var + norm.eps)
    with torch.no_grad():
        output = norm.scale.float().cpu() * normalised + norm.shift.float().cpu()
    return LayerNormStep(layer, position, x, float(mean), float(var), norm.eps, normalised, output)


# ----- the loss -------------------------------------------------------------------------

@dataclass
class HandLoss:
    """The next-token loss of one window, one step at a time.

    For each position t the model reads inputs[: t + 1] and should predict
    targets[t] (= the next input). `probs[t]` is the probability it gives that target,
    `log_probs[t]` its natural log. The loss is −mean(log_probs); exp(loss) is the
    perplexity. A uniform guess over V tokens scores ln V (`chance_loss`).
    """

    inputs: list[int]
    targets: list[int]
    probs: torch.Tensor
    log_probs: torch.Tensor
    mean_log_prob: float
    loss: float
    perplexity: float
    vocab_size: int

    @property
    def chance_loss(self) -> float:
        return math.log(self.vocab_size)


@torch.inference_mode()
def loss_by_hand(model: GPTModel, ids: Sequence[int] | torch.Tensor) -> HandLoss:
    """ids (T + 1 tokens, T ≤ context) → inputs ids[:-1], targets ids[1:] and the loss,
    step by step: softmax, pick each target's probability, log, mean, negate."""
    ids = _as_ids(ids)
    if ids.numel() < 2:
        raise ValueError("need at least 2 tokens: the first one has nothing before it "
                         "to be predicted from")
    window = _window(model, ids, model.cfg.context_length + 1)[0]
    inputs, targets = window[:-1], window[1:]
    with eval_mode(model):
        logits = model(inputs.unsqueeze(0))[0].float()                       # (T, V)
    probs = torch.softmax(logits, dim=-1)                                    # (T, V)
    p_target = probs.gather(1, targets[:, None]).squeeze(1).cpu()           # (T,)
    # ln p, as log_softmax computes it: the same number, without rounding a tiny p to 0
    log_probs = torch.log_softmax(logits, dim=-1).gather(1, targets[:, None]).squeeze(1).cpu()
    mean = float(log_probs.mean())
    loss = -mean
    return HandLoss(inputs.tolist(), targets.tolist(), p_target, log_probs, mean, loss,
                    math.exp(loss) if loss < 700 else math.inf, logits.shape[-1])


# ----- the logit lens -------------------------------------------------------------------

def lens_logits(model: GPTModel, hidden: torch.Tensor) -> torch.Tensor:
    """The model's last two steps, final norm then output head, applied to any
    residual stream (…, C) → (…, V)."""
    return model.out_head(model.final_norm(hidden))


@dataclass
class LogitLens:
    """What each layer would predict, for every position of a text.

    Row 0 is the residual stream after the embeddings, row l after block l (L + 1
    rows). `top_ids`/`top_probs` (L + 1, T, k): the k likeliest next tokens there;
    `final_ids` (T,): the model's own prediction (the last row's top token);
    `final_rank` and `final_prob` (L + 1, T): where that prediction ranks at each
    row (1 = top) and its probability.
    """

    ids: list[int]
    top_ids: torch.Tensor
    top_probs: torch.Tensor
    final_ids: torch.Tensor
    final_rank: torch.Tensor
    final_prob: torch.Tensor

    @property
    def settled_layer(self) -> torch.Tensor:
        """(T,): for each position, the first row from which the final prediction stays
        on top to the end (0 = already after the embeddings, L = only at the end)."""
        on_top = (self.final_rank == 1).int().flip(0)                  # last row first
        stays = on_top.cumprod(dim=0).sum(dim=0)                        # trailing rows on top
        return self.final_rank.shape[0] - stays


@torch.inference_mode()
def logit_lens(model: GPTModel, ids: Sequence[int] | torch.Tensor, top_k: int = 5) -> LogitLens:
    """Apply `lens_logits` to every residual stream of the trace, one row at a time
    (so only one (T, V) block of logits exists at once)."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"top_k must be a whole number >= 1, got {top_k!r}")
    trace = trace_ids(model, ids)
    streams = trace.residual_streams
    k = min(top_k, model.cfg.vocab_size)
    final_ids = trace.logits[0].argmax(dim=-1)                               # (T,)
    tops, top_ps, ranks, finals = [], [], [], []
    with eval_mode(model):
        for hidden in streams:
            probs = torch.softmax(lens_logits(model, hidden)[0].float(), dim=-1)   # (T, V)
            top = probs.topk(k, dim=-1)
            final_p = probs.gather(1, final_ids[:, None])                   # (T, 1)
            tops.append(top.indices.cpu())
            top_ps.append(top.values.cpu())
            ranks.append(((probs > final_p).sum(dim=-1) + 1).cpu())
            finals.append(final_p[:, 0].cpu())
    return LogitLens(_as_ids(ids).tolist(), torch.stack(tops), torch.stack(top_ps),
                     final_ids.cpu(), torch.stack(ranks), torch.stack(finals))
