"""The loss a GPT learns from: cross-entropy of the next token (chapter 5.1).

For every position the model scores all V tokens of the vocabulary (the logits);
softmax turns the scores into probabilities, and the loss is −ln p(the true next
token), averaged over positions. A fresh model guesses uniformly: loss ≈ ln V.

- `calc_loss_batch` and `calc_loss_loader` are the book's helpers.
- `lm_loss` is what the trainer uses. With a large vocabulary the logits are the
  biggest tensor of a training step (batch 8 × 256 tokens × 50,257 = 411 MB, and as
  much again for their gradient). `chunked_cross_entropy` computes the same loss and
  the same gradients a few hundred positions at a time, so the full logits never
  exist at once.
Targets equal to −100 are skipped (PyTorch's `ignore_index`): the instruction
fine-tune uses that to leave padding and the prompt out of the loss. A batch in which
every target is skipped has nothing to learn from: `lm_loss` gives it the loss 0 and
zero gradients on both paths (PyTorch's mean over no targets is 0 / 0 = NaN, which the
trainer would take for a diverging run).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

IGNORE_INDEX = -100
CHUNK_ELEMENTS = 1 << 26          # logits per chunk: 64M floats = 256 MB (big enough for fast GEMMs)
CHUNK_WHEN_ABOVE = 1 << 24        # chunk only when all logits would exceed 64 MB


def calc_loss_batch(input_batch: torch.Tensor, target_batch: torch.Tensor,
                    model: nn.Module, device) -> torch.Tensor:
    """Mean cross-entropy of predicting every target token: (B, T) ids → scalar."""
    input_batch, target_batch = input_batch.to(device), target_batch.to(device)
    logits = model(input_batch)                                   # (B, T, vocab)
    return F.cross_entropy(logits.flatten(0, 1), target_batch.flatten())


def calc_loss_loader(data_loader, model: nn.Module, device, num_batches: int | None = None) -> float:
    """Average loss over the first `num_batches` batches (all when None)."""
    if len(data_loader) == 0:
        return float("nan")
    num_batches = len(data_loader) if num_batches is None else min(num_batches, len(data_loader))
    total = 0.0
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i >= num_batches:
            break
        total += calc_loss_batch(input_batch, target_batch, model, device).item()
    return total / num_batches


class _ChunkedCrossEntropy(torch.autograd.Function):
    """cross_entropy(hidden @ weightᵀ, targets), computed and differentiated in chunks.

    The gradient is worked out during the forward pass, chunk by chunk, while the
    chunk's logits are at hand: d loss / d logits = softmax − one-hot, for the counted
    positions, divided by how many there are. Backward only scales it. Under `no_grad`
    (evaluation) steps 4 and 5 are skipped: the loss alone costs one product, not three.
    1. logits of a chunk, h @ Wᵀ (n, V), into one reused buffer;
    2. softmax in place, row by row (one fused kernel: each row stays in the cache);
    3. the loss, −ln p(target), of each counted row (p is floored at the smallest
       normal float, so a hopeless guess scores 87 instead of infinity);
    4. softmax − one-hot, in place, with uncounted rows set to 0;
    5. the two gradient products: (softmax − one-hot) @ W and its transpose @ h.
    """

    @staticmethod
    def forward(ctx, hidden, weight, targets, chunk_rows: int, ignore_index: int,
                grad_enabled: bool):
        counted = targets != ignore_index
        n_counted = counted.sum().clamp(min=1)
        # (forward always runs with grad mode off: whether the caller's did is passed in)
        need_grad = grad_enabled and (ctx.needs_input_grad[0] or ctx.needs_input_grad[1])
        scale = 1.0 / float(n_counted)
        grad_hidden = torch.empty_like(hidden) if need_grad else None
        grad_weight = torch.zeros_like(weight) if need_grad else None
        total = torch.zeros((), dtype=torch.float32, device=hidden.device)
        tiny = torch.finfo(hidden.dtype).tiny
        buffer = hidden.new_empty(min(chunk_rows, hidden.shape[0]), weight.shape[0])
        for start in range(0, hidden.shape[0], chunk_rows):
            h = hidden[start:start + chunk_rows]                        # (n, C)
            keep = counted[start:start + chunk_rows]
            safe = torch.where(keep, targets[start:start + chunk_rows], 0)[:, None]
            probs = torch.mm(h, weight.T, out=buffer[:h.shape[0]])      # (n, V) logits
            torch.softmax(probs, dim=-1, out=probs)
            nll = -probs.gather(1, safe).squeeze(1).clamp(min=tiny).log()
            total += (nll * keep).sum()
            if need_grad:
                probs.scatter_add_(1, safe, torch.full_like(safe, -1, dtype=probs.dtype))
                if not bool(keep.all()):
                    probs[~keep] = 0.0
                torch.mm(probs, weight, out=grad_hidden[start:start + chunk_rows])
                grad_weight.addmm_(probs.T, h, alpha=scale)
        if need_grad:
            grad_hidden.mul_(scale)
        ctx.save_for_backward(grad_hidden, grad_weight)
        return total / n_counted

    @staticmethod
    def backward(ctx, grad_output):
        grad_hidden, grad_weight = ctx.saved_tensors
        if grad_output.item() != 1.0:        # the usual upstream gradient is exactly 1
            grad_hidden, grad_weight = grad_hidden * grad_output, grad_weight * grad_output
        return grad_hidden, grad_weight, None, None, None, None


def chunked_cross_entropy(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,
                          chunk_rows: int | None = None,
                          ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """Mean cross-entropy of logits = hidden @ weightᵀ, never holding all logits.

    hidden (N, C), weight (V, C), targets (N,) → scalar; the same value and gradients
    as `F.cross_entropy(hidden @ weight.T, targets, ignore_index=ignore_index)`.
    """
    if chunk_rows is None:   # as few chunks as fit, all of the same size
        most = max(1, CHUNK_ELEMENTS // weight.shape[0])
        chunk_rows = math.ceil(hidden.shape[0] / math.ceil(hidden.shape[0] / most))
    return _ChunkedCrossEntropy.apply(hidden, weight, targets, chunk_rows, ignore_index,
                                      torch.is_grad_enabled())


def lm_loss(model: nn.Module, input_batch: torch.Tensor, target_batch: torch.Tensor) -> torch.Tensor:
    """The trainer's next-token loss: `calc_loss_batch`'s value, computed in chunks
    when the logits would be large (on the CPU; a GPU's fused kernels handle it)."""
    head = getattr(getattr(model, "out_head", None), "weight", None)
    n_logits = target_batch.numel() * (head.shape[0] if head is not None else 0)
    # A wrapped model (DistributedDataParallel) must be called as a whole, so that its
    # gradients are averaged: it takes the plain path.
    if n_logits <= CHUNK_WHEN_ABOVE or input_batch.device.type != "cpu" or head is None:
        logits = model(input_batch)
        targets = target_batch.flatten()
        if not bool((targets != IGNORE_INDEX).any()):     # nothing counted: 0, not 0 / 0
            return logits.sum() * 0.0
        return F.cross_entropy(logits.flatten(0, 1), targets, ignore_index=IGNORE_INDEX)
    hidden = model.hidden_states(input_batch)                      # (B, T, C)
    return chunked_cross_entropy(hidden.flatten(0, 1), head, target_batch.flatten())
