"""Looking inside one prediction: the next-token distribution and surprisal (chapter 5).

A GPT turns a sequence of token ids into one row of logits per position; the last
row scores every possible next token. This module reads those numbers back:

- `next_token_logits`: the logits for the token after `ids`, with the prompt cut from
  the left to the context (and how many tokens were cut);
- `explain_next_token`: every sampling step for that prediction (temperature, top-k,
  top-p, the token drawn), as plain numbers a chart can show;
- `token_surprisals`: how surprised the model is by each actual next token of a
  text, -ln p(token | what came before). Their mean is exactly the cross-entropy loss
  the model is trained to lower, and exp(mean) is the perplexity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from core.generate import eval_mode
from core.model import MAX_TRACE_TOKENS
from core.sampling import entropy, next_token_distribution

MAX_SEED = 2**63 - 1


def _as_ids(ids: Sequence[int] | torch.Tensor) -> torch.Tensor:
    """Token ids as a (T,) long tensor, with a clear error for anything else."""
    if isinstance(ids, torch.Tensor):
        if ids.dim() == 2 and ids.shape[0] == 1:
            ids = ids[0]
        if ids.dim() != 1:
            raise ValueError(f"expected one sequence of token ids, got shape {tuple(ids.shape)}")
        if ids.is_floating_point() or ids.dtype == torch.bool:
            raise ValueError("token ids must be integers")
        return ids.long()
    ids = list(ids)
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise ValueError("token ids must be integers")
    return torch.tensor(ids, dtype=torch.long)


def _check_ids(model: nn.Module, ids: torch.Tensor, at_least: int = 1) -> None:
    if ids.numel() < at_least:
        raise ValueError("the prompt holds no tokens" if at_least == 1 else
                         f"need at least {at_least} tokens: the first one has nothing before it "
                         "to be predicted from")
    vocab = getattr(getattr(model, "cfg", None), "vocab_size", None)
    if vocab is not None and (int(ids.min()) < 0 or int(ids.max()) >= vocab):
        raise ValueError(f"token ids must be in 0..{vocab - 1} (the model's vocabulary)")


def _context_size(model: nn.Module, context_size: int | None) -> int:
    limit = getattr(getattr(model, "cfg", None), "context_length", None)
    if context_size is None:
        if limit is None:
            raise ValueError("give context_size: this model has no cfg.context_length")
        return limit
    if isinstance(context_size, bool) or not isinstance(context_size, int) or context_size < 1:
        raise ValueError(f"context_size must be an integer >= 1, got {context_size!r}")
    if limit is not None and context_size > limit:
        raise ValueError(f"context_size {context_size} exceeds the model's context length {limit}")
    return context_size


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters(), torch.empty(0)).device


@torch.inference_mode()
def next_token_logits(model: nn.Module, ids: Sequence[int] | torch.Tensor,
                      context_size: int | None = None) -> tuple[torch.Tensor, int]:
    """The logits (vocab,) for the token after `ids`, and how many ids were cut.

    A model only sees its last `context_size` tokens (learned position embeddings
    stop there), so a longer prompt is cut from the left, as `generate` does.
    """
    ids = _as_ids(ids)
    _check_ids(model, ids)
    context_size = _context_size(model, context_size)
    n_cut = max(0, ids.numel() - context_size)
    window = ids[n_cut:].unsqueeze(0).to(_device(model))   # (1, T)
    with eval_mode(model):
        logits = model(window, last_only=True)              # (1, 1, vocab)
    return logits[0, -1].float().cpu(), n_cut


def draw_token(probs: torch.Tensor, seed: int | None = None,
               generator: torch.Generator | None = None) -> int:
    """Draw one token id from a probability vector (vocab,).

    The same seed (or a generator in the same state) always draws the same token:
    "random" sampling is repeatable once the random numbers are fixed.
    """
    if seed is not None and generator is not None:
        raise ValueError("give a seed or a generator, not both")
    if not isinstance(probs, torch.Tensor) or probs.dim() != 1:
        raise ValueError("probs must be a 1-D tensor over the vocabulary")
    probs = probs.detach().float().cpu()
    if not bool(torch.isfinite(probs).all()) or bool((probs < 0).any()) or float(probs.sum()) <= 0:
        raise ValueError("probs must be finite, non-negative and not all zero")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be an integer in [0, 2**63 - 1], got {seed!r}")
        generator = torch.Generator().manual_seed(seed)
    return int(torch.multinomial(probs, num_samples=1, generator=generator))


def position_seed(seed: int, position: int) -> int:
    """A seed for the draw at `position`: stepping token by token draws afresh at each
    position, yet the same prompt and seed still give the same token."""
    return (int(seed) * 1_000_003 + int(position)) % MAX_SEED


@dataclass
class TokenRow:
    """One candidate next token, with its probability after each sampling step."""

    token_id: int
    rank: int               # 1 = the most likely at temperature 1
    p_plain: float          # softmax(logits): temperature 1, no filter
    p_tempered: float       # after the temperature
    p_final: float          # after top-k and top-p, renormalised: what the draw uses
    kept_by_top_k: bool
    kept_by_top_p: bool
    cumulative: float       # mass of this token and all likelier ones, as top-p reads it


@dataclass
class NextTokenView:
    """Everything the sampling chart shows for one prediction, as plain numbers."""

    rows: list[TokenRow]    # the top tokens, most likely first (+ the drawn one if lower)
    drawn_id: int
    entropy_plain: float    # nats, at temperature 1
    entropy_tempered: float
    entropy_final: float
    n_kept_top_k: int       # how many tokens survive top-k …
    n_kept_top_p: int       # … and then top-p: the draw picks among these
    vocab_size: int
    n_cut: int              # prompt tokens cut from the left to fit the context
    greedy: bool


def explain_next_token(model: nn.Module, ids: Sequence[int] | torch.Tensor, context_size: int | None = None,
                       temperature: float = 1.0, top_k: int | None = None,
                       top_p: float | None = None, n_top: int = 20,
                       seed: int | None = None) -> NextTokenView:
    """Predict the token after `ids`, run each sampling step and draw one token.

    1. logits of the last position (prompt cut to the context);
    2. temperature → top-k → top-p, keeping every intermediate distribution;
    3. draw from the final distribution (greedy: the most likely token);
    4. read off the `n_top` likeliest tokens, in order, as plain numbers.
    """
    if isinstance(n_top, bool) or not isinstance(n_top, int) or n_top < 1:
        raise ValueError(f"n_top must be an integer >= 1, got {n_top!r}")
    logits, n_cut = next_token_logits(model, ids, context_size)
    dist = next_token_distribution(logits, temperature, top_k, top_p)
    if dist.greedy:
        drawn = int(torch.argmax(dist.final))
    else:
        drawn = draw_token(dist.final, seed=seed)

    order = torch.argsort(dist.plain, descending=True, stable=True)   # (vocab,)
    # top-p reads the distribution after top-k, sorted from most to least likely
    cumulative = torch.cumsum(dist.after_top_k[order], dim=0)
    shown = order[:n_top].tolist()
    if drawn not in shown:
        shown.append(drawn)
    rank_of = torch.empty_like(order)
    rank_of[order] = torch.arange(order.numel())
    rows = []
    for token_id in shown:
        rank = int(rank_of[token_id])
        rows.append(TokenRow(
            token_id=token_id, rank=rank + 1, p_plain=float(dist.plain[token_id]),
            p_tempered=float(dist.tempered[token_id]), p_final=float(dist.final[token_id]),
            kept_by_top_k=bool(dist.kept_by_top_k[token_id]),
            kept_by_top_p=bool(dist.kept_by_top_p[token_id]),
            cumulative=float(cumulative[rank])))
    return NextTokenView(
        rows=rows, drawn_id=drawn, entropy_plain=max(0.0, dist.entropy_plain),   # not -0.0
        entropy_tempered=max(0.0, float(entropy(dist.tempered))),
        entropy_final=max(0.0, dist.entropy_final), n_kept_top_k=int(dist.kept_by_top_k.sum()),
        n_kept_top_p=int(dist.kept_by_top_p.sum()), vocab_size=int(logits.numel()),
        n_cut=n_cut, greedy=dist.greedy)


@dataclass
class TokenSurprisals:
    """Surprisal of each token from the second on: -ln p(token | the tokens before)."""

    pairs: list[tuple[int, float]]  # (token id, surprisal in nats) for positions 1..T-1
    mean_loss: float                # mean surprisal = the cross-entropy loss
    perplexity: float               # exp(mean_loss): "as unsure as a uniform pick among this many"
    windows: int                    # how many context-sized pieces the text was scored in


@torch.inference_mode()
def token_surprisals(model: nn.Module, ids: Sequence[int] | torch.Tensor,
                     context_size: int | None = None) -> TokenSurprisals:
    """Score a text token by token, as the training loss does.

    The text is cut into windows of `context_size` inputs, each predicting the same
    positions shifted by one (the book's input/target pairs), so every token from the
    second on is predicted exactly once; a token at the start of a window sees only
    that window's tokens before it.
    """
    ids = _as_ids(ids)
    _check_ids(model, ids, at_least=2)
    context_size = _context_size(model, context_size)
    device = _device(model)
    inputs, targets = ids[:-1], ids[1:]
    nats, windows = [], 0
    with eval_mode(model):
        for start in range(0, inputs.numel(), context_size):
            x = inputs[start:start + context_size].unsqueeze(0).to(device)   # (1, T)
            y = targets[start:start + context_size].to(device)               # (T,)
            logits = model(x)[0].float()                                      # (T, vocab)
            nats.append(F.cross_entropy(logits, y, reduction="none").cpu())   # -ln p(y)
            windows += 1
    nats = torch.cat(nats)
    mean = float(nats.mean())
    return TokenSurprisals(pairs=list(zip(targets.tolist(), nats.tolist())), mean_loss=mean,
                           perplexity=math.exp(mean) if mean < 700 else math.inf, windows=windows)


@dataclass
class AttentionMaps:
    """Where each token looks: every layer's and head's attention weights for one text.

    `weights[l, h, q, k]` is how much query token q attends to key token k in head h
    of layer l; each row sums to 1 over k = 0..q, and the causal mask makes k > q zero.
    """

    ids: list[int]
    weights: torch.Tensor          # (L, H, T, T)
    n_cut: int = 0                 # tokens cut from the left to fit `max_tokens`

    def head_average(self) -> torch.Tensor:
        """Each layer's heads averaged: (L, T, T)."""
        return self.weights.mean(dim=1)


@torch.inference_mode()
def attention_maps(model: nn.Module, ids: Sequence[int] | torch.Tensor,
                   max_tokens: int | None = None) -> AttentionMaps:
    """Run the teaching path (`GPTModel.trace`) and collect its attention weights.

    Only the last `max_tokens` ids are used (and the model's context, and
    `MAX_TRACE_TOKENS`, at most).
    """
    ids = _as_ids(ids)
    _check_ids(model, ids)
    limit = min(model.cfg.context_length, MAX_TRACE_TOKENS)
    limit = limit if max_tokens is None else min(max_tokens, limit)
    n_cut = max(0, ids.numel() - limit)
    window = ids[n_cut:].unsqueeze(0).to(_device(model))             # (1, T)
    with eval_mode(model):
        trace = model.trace(window)
    weights = torch.stack(trace.attention)[:, 0].float().cpu()       # (L, H, T, T)
    return AttentionMaps(window[0].tolist(), weights, n_cut)


@dataclass
class AttentionPatterns:
    """How much of each head's attention goes where, averaged over the queries that
    have a choice (queries 1..T-1): (L, H) tensors of shares between 0 and 1.

    - `first`: to the first token (many heads park attention there when nothing
      else fits: the first token is seen by every query, so it is a safe default);
    - `previous`: to the token just before (the "previous-token" heads);
    - `itself`: to the query's own position (the diagonal).
    """

    first: torch.Tensor
    previous: torch.Tensor
    itself: torch.Tensor


def attention_patterns(weights: torch.Tensor) -> AttentionPatterns:
    """Pattern shares of attention weights (L, H, T, T); T must be at least 2."""
    if weights.dim() != 4 or weights.shape[-1] < 2:
        raise ValueError("need weights of shape (layers, heads, T, T) with T >= 2")
    T = weights.shape[-1]
    q = torch.arange(1, T)
    return AttentionPatterns(first=weights[..., 1:, 0].mean(-1),
                             previous=weights[..., q, q - 1].mean(-1),
                             itself=weights[..., q, q].mean(-1))
