"""Sliding-window dataset, dataloader and random batches."""

import pytest
import torch

from core.data import GPTDatasetV1, create_dataloader, random_batch, train_val_split


def test_targets_are_inputs_shifted_by_one():
    ds = GPTDatasetV1(list(range(20)), max_length=4, stride=2)
    x, y = ds[1]
    assert x.tolist() == [2, 3, 4, 5] and y.tolist() == [3, 4, 5, 6]
    assert len(ds) == 8


def test_dataloader_batches_and_seed():
    a = [x for x, _ in create_dataloader(list(range(100)), batch_size=3, max_length=5, seed=1)]
    b = [x for x, _ in create_dataloader(list(range(100)), batch_size=3, max_length=5, seed=1)]
    assert all(torch.equal(p, q) for p, q in zip(a, b)) and a[0].shape == (3, 5)


def test_too_short_text_says_so():
    with pytest.raises(ValueError, match="too few"):
        GPTDatasetV1(list(range(5)), max_length=8, stride=8)


def test_split_and_random_batch():
    train, val = train_val_split(list(range(100)), 0.9)
    assert len(train) == 90 and val[0] == 90
    x, y = random_batch(torch.arange(50), 4, 8, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(x[:, 1:], y[:, :-1]) and torch.equal(y - x, torch.ones(4, 8, dtype=torch.long))
