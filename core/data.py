"""From one long token sequence to (input, target) training pairs (chapter 2.6).

The target of every position is the next token, so a window of `max_length` tokens
holds `max_length` next-token examples at once:

    input : [ The,  cat,  sat,  on ]
    target: [ cat,  sat,  on,   the]

`GPTDatasetV1` slides such a window along the text with a `stride`; the windows are
views into one tensor, so no token is copied until a batch is stacked.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset


class GPTDatasetV1(Dataset):
    """Sliding windows over `token_ids`: item i starts at i·stride."""

    def __init__(self, token_ids, max_length: int, stride: int):
        if max_length < 1 or stride < 1:
            raise ValueError("max_length and stride must be >= 1")
        self.tokens = torch.as_tensor(token_ids, dtype=torch.long)
        if self.tokens.dim() != 1:
            raise ValueError("token_ids must be one flat sequence")
        n_windows = (len(self.tokens) - max_length - 1) // stride + 1
        if n_windows < 1:
            raise ValueError(
                f"the text has {len(self.tokens)} tokens, too few for one window of "
                f"{max_length} + 1: use a shorter context or more text")
        self.max_length, self.stride, self.n_windows = max_length, stride, n_windows

    def __len__(self) -> int:
        return self.n_windows

    def __getitem__(self, i: int):
        if not 0 <= i < self.n_windows:
            raise IndexError(i)
        start = i * self.stride
        chunk = self.tokens[start:start + self.max_length + 1]
        return chunk[:-1], chunk[1:]


def window_rows(token_ids, max_length: int, stride: int, limit: int | None = None):
    """The first `limit` (input, target) rows exactly as `GPTDatasetV1` makes them, and
    how many windows there are in all: ([(input ids, target ids), …], n_windows).

    Unlike `create_dataloader`, a stride of 0 is refused (it would never move the
    window), and no partial batch is dropped: every window is there to be shown.
    """
    dataset = GPTDatasetV1(token_ids, max_length, stride)
    shown = len(dataset) if limit is None else min(limit, len(dataset))
    rows = [tuple(row.tolist() for row in dataset[i]) for i in range(shown)]
    return rows, len(dataset)


def create_dataloader(token_ids, batch_size: int = 4, max_length: int = 256,
                      stride: int | None = None, shuffle: bool = True,
                      drop_last: bool = True, seed: int | None = None) -> DataLoader:
    """The book's `create_dataloader_v1`, taking token ids instead of raw text.

    stride defaults to max_length (windows touch but do not overlap).
    """
    dataset = GPTDatasetV1(token_ids, max_length, stride or max_length)
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                      drop_last=drop_last and len(dataset) >= batch_size,
                      num_workers=0, generator=generator)


def train_val_split(token_ids, train_ratio: float = 0.9):
    """First `train_ratio` of the tokens for training, the rest for validation."""
    if not 0 < train_ratio < 1:
        raise ValueError("train_ratio must be between 0 and 1")
    split = int(train_ratio * len(token_ids))
    return token_ids[:split], token_ids[split:]


def random_batch(tokens: torch.Tensor, batch_size: int, max_length: int,
                 generator: torch.Generator | None = None):
    """A batch of windows at random offsets (the poetry tutorial's `get_batch`).

    Returns inputs and targets, each (batch_size, max_length).
    """
    if len(tokens) < max_length + 1:
        raise ValueError(f"{len(tokens)} tokens are too few for a window of {max_length} + 1")
    starts = torch.randint(len(tokens) - max_length, (batch_size,), generator=generator)
    offsets = torch.arange(max_length + 1)
    chunks = tokens[starts[:, None] + offsets]          # (B, max_length + 1), one gather
    return chunks[:, :-1], chunks[:, 1:]


def tokenize_and_split(text: str, tokenizer, train_ratio: float = 0.9):
    """Encode a whole text and split it: (train ids, validation ids) as 1-D tensors."""
    ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    if len(ids) < 2:
        raise ValueError("the text gives fewer than 2 tokens with this tokenizer")
    return train_val_split(ids, train_ratio)
