"""How the next token is chosen from the model's logits (chapter 5.3).

Each step is a small pure function on a (..., vocab_size) tensor of logits:

    logits ─ temperature ─▶ top-k ─▶ top-p ─▶ softmax ─▶ draw (or argmax when greedy)

- Temperature divides the logits: below 1 sharpens the distribution, above 1 flattens
  it, and 0 means "always take the most likely token" (greedy decoding).
- Top-k keeps the k highest logits (and any tied with the k-th) and removes the rest.
- Top-p (nucleus) keeps the smallest set of most likely tokens whose probabilities add
  up to at least p (and any tied with the last one kept).

`next_token_distribution` returns the distribution after every step, so the sampling
tab can draw what each filter did.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def check_sampling_args(temperature: float = 0.0, top_k: int | None = None,
                        top_p: float | None = None) -> None:
    """Raise a ValueError that says what is wrong with a sampling setting."""
    if not isinstance(temperature, (int, float)) or temperature != temperature:
        raise ValueError(f"temperature must be a number, got {temperature!r}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if temperature == float("inf"):
        raise ValueError("temperature must be finite")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be an integer >= 1 (or None for no limit), got {top_k!r}")
    if top_p is not None and (not isinstance(top_p, (int, float)) or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be in (0, 1] (or None for no limit), got {top_p!r}")


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / temperature (temperature > 0)."""
    if not temperature > 0:
        raise ValueError(f"apply_temperature needs temperature > 0, got {temperature}")
    return logits / temperature


def top_k_filter(logits: torch.Tensor, top_k: int) -> torch.Tensor:
    """Set every logit below the k-th largest to -inf (ties with the k-th stay)."""
    check_sampling_args(top_k=top_k)
    if top_k >= logits.shape[-1]:
        return logits
    kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the most likely tokens until their probabilities reach `top_p`.

    A token is kept when the probability of all more likely tokens is still below
    top_p; tokens tied with the least likely kept token are kept as well, so the
    result does not depend on how a sort orders equal values.
    """
    check_sampling_args(top_p=top_p)
    if top_p >= 1.0:
        return logits
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, _ = torch.sort(probs, dim=-1, descending=True)
    mass_before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    n_keep = (mass_before < top_p).sum(dim=-1, keepdim=True).clamp(min=1)
    threshold = sorted_probs.gather(-1, n_keep - 1)
    return logits.masked_fill(probs < threshold, float("-inf"))


def filter_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                  top_p: float | None = None) -> torch.Tensor:
    """Temperature, then top-k, then top-p (temperature 0 is treated as 1 here)."""
    check_sampling_args(temperature, top_k, top_p)
    if temperature > 0:
        logits = apply_temperature(logits, temperature)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return logits


def entropy(probs: torch.Tensor) -> torch.Tensor:
    """Shannon entropy in nats, -Σ p·ln p (0·ln 0 counts as 0)."""
    return -torch.special.xlogy(probs, probs).sum(dim=-1)


def sample_next_token(logits: torch.Tensor, temperature: float = 0.0,
                      top_k: int | None = None, top_p: float | None = None,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """logits (B, vocab) → next token ids (B, 1). Temperature 0 = argmax (greedy)."""
    check_sampling_args(temperature, top_k, top_p)
    if temperature == 0:
        return torch.argmax(logits, dim=-1, keepdim=True)
    probs = torch.softmax(filter_logits(logits.float(), temperature, top_k, top_p), dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator)


@dataclass
class NextTokenDistribution:
    """Probabilities over the vocabulary (1-D tensors) after each sampling step."""

    plain: torch.Tensor        # softmax(logits): temperature 1, no filter
    tempered: torch.Tensor     # after the temperature (one-hot on argmax when greedy)
    after_top_k: torch.Tensor  # after top-k, renormalised
    final: torch.Tensor        # after top-p, renormalised: what a draw uses
    kept_by_top_k: torch.Tensor  # bool mask of tokens top-k let through
    kept_by_top_p: torch.Tensor  # bool mask of tokens top-p let through (of those left)
    greedy: bool

    @property
    def entropy_plain(self) -> float:
        return float(entropy(self.plain))

    @property
    def entropy_final(self) -> float:
        return float(entropy(self.final))


def next_token_distribution(logits: torch.Tensor, temperature: float = 1.0,
                            top_k: int | None = None,
                            top_p: float | None = None) -> NextTokenDistribution:
    """Every intermediate distribution for one position's logits (shape (vocab,))."""
    check_sampling_args(temperature, top_k, top_p)
    if logits.dim() != 1:
        raise ValueError(f"expected the logits of one position (vocab,), got {tuple(logits.shape)}")
    logits = logits.float()
    plain = torch.softmax(logits, dim=-1)
    if temperature == 0:
        tempered_logits = torch.full_like(logits, float("-inf"))
        tempered_logits[torch.argmax(logits)] = 0.0
    else:
        tempered_logits = apply_temperature(logits, temperature)
    k_logits = top_k_filter(tempered_logits, top_k) if top_k is not None else tempered_logits
    p_logits = top_p_filter(k_logits, top_p) if top_p is not None else k_logits
    return NextTokenDistribution(
        plain=plain,
        tempered=torch.softmax(tempered_logits, dim=-1),
        after_top_k=torch.softmax(k_logits, dim=-1),
        final=torch.softmax(p_logits, dim=-1),
        kept_by_top_k=torch.isfinite(k_logits),
        kept_by_top_p=torch.isfinite(p_logits),
        greedy=temperature == 0,
    )
