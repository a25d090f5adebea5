"""Text generation: predict a token, append it, repeat (chapters 4.7 and 5.3).

`generate_text_simple` is the book's loop as printed: every step runs the whole
(cropped) sequence through the model again. `generate` gives the same tokens but
keeps a KV cache (core/kv_cache.py), so each new token costs the work of one token.
`generate_stream` yields the tokens one by one as they are made.

While the sequence fits in the context, the cache is used. Once it is full, the
window slides: with learned position embeddings every token's position changes, so
the window is run through the model again for each further token (as the book does).
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import nn

from core.kv_cache import KVCache, forward_cached
from core.model import check_token_ids
from core.sampling import check_sampling_args, sample_next_token


def generate_text_simple(model: nn.Module, idx: torch.Tensor, max_new_tokens: int,
                         context_size: int) -> torch.Tensor:
    """The book's greedy loop, with no cache (kept as the baseline to compare with)."""
    for _ in range(max_new_tokens):
        idx_cond = idx[:, -context_size:]
        with torch.no_grad():
            logits = model(idx_cond)
        logits = logits[:, -1, :]
        probas = torch.softmax(logits, dim=-1)
        idx_next = torch.argmax(probas, dim=-1, keepdim=True)
        idx = torch.cat((idx, idx_next), dim=1)
    return idx


def crop_prompt(idx: torch.Tensor, context_size: int) -> tuple[torch.Tensor, int]:
    """Keep the last `context_size` tokens; also return how many were cut from the left."""
    cut = max(0, idx.shape[1] - context_size)
    return idx[:, cut:], cut


@contextlib.contextmanager
def eval_mode(model: nn.Module):
    """Switch dropout off for the block, then restore the model's previous mode."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def check_generate_args(model: nn.Module, idx: torch.Tensor, max_new_tokens: int,
                        context_size: int, temperature: float, top_k, top_p) -> None:
    check_sampling_args(temperature, top_k, top_p)
    if not isinstance(idx, torch.Tensor) or idx.dim() != 2:
        raise ValueError("idx must be a (batch, tokens) tensor of token ids")
    if idx.shape[1] == 0:
        raise ValueError("the prompt is empty: give at least one token")
    if idx.is_floating_point() or idx.dtype == torch.bool:
        raise ValueError(f"token ids must be integers, got dtype {idx.dtype}")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be an integer >= 0, got {max_new_tokens!r}")
    limit = model.cfg.context_length if hasattr(model, "cfg") else context_size
    if isinstance(context_size, bool) or not isinstance(context_size, int) or not 1 <= context_size <= limit:
        raise ValueError(f"context_size must be in [1, {limit}], got {context_size!r}")
    vocab = getattr(getattr(model, "cfg", None), "vocab_size", None)
    if vocab is not None:
        try:
            check_token_ids(idx, vocab, idx.shape[1])
        except ValueError as err:
            raise ValueError(f"the prompt holds {err}") from None


@torch.inference_mode()
def generate_stream(model: nn.Module, idx: torch.Tensor, max_new_tokens: int,
                    context_size: int, *, temperature: float = 0.0, top_k: int | None = None,
                    top_p: float | None = None, eos_id: int | None = None,
                    seed: int | None = None) -> Iterator[torch.Tensor]:
    """Yield the next token ids (B, 1), one step at a time.

    Stops early when every row draws `eos_id` (which is not yielded). A prompt longer
    than `context_size` is cut from the left; `crop_prompt` tells how much.
    """
    check_generate_args(model, idx, max_new_tokens, context_size, temperature, top_k, top_p)
    if max_new_tokens == 0:
        return
    device = next(model.parameters()).device
    idx = idx.to(device)
    generator = None
    if seed is not None:
        generator = torch.Generator(device=device).manual_seed(int(seed))

    if temperature == 0:      # greedy: the arguments are checked, so skip the sampler's checks
        def pick(logits):
            return torch.argmax(logits, dim=-1, keepdim=True)
    else:
        def pick(logits):
            return sample_next_token(logits, temperature, top_k, top_p, generator)

    with eval_mode(model):
        window, _ = crop_prompt(idx, context_size)
        history = [window]
        cache = KVCache(model, batch_size=idx.shape[0], max_len=context_size)
        logits = forward_cached(model, window, cache)
        for step in range(max_new_tokens):
            idx_next = pick(logits)
            if eos_id is not None and bool((idx_next == eos_id).all()):
                return
            yield idx_next
            if step == max_new_tokens - 1:
                return
            history.append(idx_next)
            if cache.length < cache.max_len:
                logits = forward_cached(model, idx_next, cache)
            else:  # the window slides: positions shift, so run the last window again
                window = torch.cat(history, dim=1)[:, -context_size:]
                history = [window]
                cache.reset()
                logits = forward_cached(model, window, cache)


def generate(model: nn.Module, idx: torch.Tensor, max_new_tokens: int, context_size: int,
             *, temperature: float = 0.0, top_k: int | None = None, top_p: float | None = None,
             eos_id: int | None = None, seed: int | None = None) -> torch.Tensor:
    """The book's `generate`, with a KV cache: returns idx with the new tokens appended.

    temperature 0 → greedy; top_k / top_p filter before drawing; a `seed` makes the
    draws repeat exactly. Everything after `context_size` is keyword-only: the book's
    positional order (…, temperature, top_k, eos_id) would otherwise pass eos_id as top_p.
    """
    new = list(generate_stream(model, idx, max_new_tokens, context_size,
                               temperature=temperature, top_k=top_k, top_p=top_p,
                               eos_id=eos_id, seed=seed))
    device = next(model.parameters()).device
    return torch.cat([idx.to(device), *new], dim=1)
