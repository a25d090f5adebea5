"""Sampling steps on tiny hand-computed cases."""

import math

import pytest
import torch

from core.sampling import (apply_temperature, entropy, next_token_distribution,
                           sample_next_token, top_k_filter, top_p_filter)

NEG_INF = float("-inf")


def test_temperature_divides_logits():
    logits = torch.tensor([2.0, 1.0, 0.0])
    assert torch.equal(apply_temperature(logits, 0.5), torch.tensor([4.0, 2.0, 0.0]))
    probs_hot = torch.softmax(apply_temperature(logits, 10.0), -1)
    probs_cold = torch.softmax(apply_temperature(logits, 0.1), -1)
    assert probs_hot.max() < torch.softmax(logits, -1).max() < probs_cold.max()


def test_top_k_keeps_k_largest_and_ties():
    logits = torch.tensor([1.0, 3.0, 2.0, 0.5])
    assert torch.equal(top_k_filter(logits, 2), torch.tensor([NEG_INF, 3.0, 2.0, NEG_INF]))
    tied = torch.tensor([1.0, 2.0, 2.0, 0.0])
    assert torch.isfinite(top_k_filter(tied, 2)).tolist() == [False, True, True, False]
    assert torch.isfinite(top_k_filter(tied, 1)).tolist() == [False, True, True, False]
    assert torch.equal(top_k_filter(logits, 10), logits)


def test_top_p_cutoff():
    probs = torch.tensor([0.5, 0.25, 0.15, 0.10])
    logits = probs.log()
    # 0.5 < 0.6, so the second token is needed to reach 0.6: keep two.
    assert torch.isfinite(top_p_filter(logits, 0.6)).tolist() == [True, True, False, False]
    assert torch.isfinite(top_p_filter(logits, 0.5)).tolist() == [True, False, False, False]
    assert torch.isfinite(top_p_filter(logits, 0.1)).tolist() == [True, False, False, False]
    assert torch.isfinite(top_p_filter(logits, 0.8)).tolist() == [True, True, True, False]
    assert torch.equal(top_p_filter(logits, 1.0), logits)


def test_top_p_keeps_ties_with_the_last_kept_token():
    logits = torch.tensor([0.4, 0.2, 0.2, 0.2]).log()
    assert torch.isfinite(top_p_filter(logits, 0.5)).tolist() == [True, True, True, True]
    logits = torch.tensor([0.3, 0.3, 0.3, 0.1]).log()
    assert torch.isfinite(top_p_filter(logits, 0.2)).tolist() == [True, True, True, False]


def test_entropy():
    assert entropy(torch.tensor([1.0, 0.0, 0.0])).item() == 0.0
    assert entropy(torch.full((4,), 0.25)).item() == pytest.approx(math.log(4))


def test_greedy_takes_argmax():
    logits = torch.tensor([[0.1, 5.0, 0.3], [9.0, 1.0, 0.0]])
    assert sample_next_token(logits, temperature=0).tolist() == [[1], [0]]


def test_top_k_one_is_greedy_even_when_sampling():
    logits = torch.randn(1, 50)
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        assert sample_next_token(logits, 2.0, top_k=1, generator=gen).item() == logits.argmax().item()


def test_distribution_views():
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0])
    d = next_token_distribution(logits, temperature=1.0, top_k=3, top_p=0.7)
    assert d.kept_by_top_k.tolist() == [True, True, True, False]
    assert d.kept_by_top_p.tolist() == [True, True, False, False]
    assert d.final.sum().item() == pytest.approx(1.0)
    assert d.final[2].item() == 0.0
    greedy = next_token_distribution(logits, temperature=0)
    assert greedy.tempered.tolist() == [1.0, 0.0, 0.0, 0.0] and greedy.greedy
    assert d.entropy_plain > d.entropy_final


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": -1}, "temperature"),
    ({"temperature": float("nan")}, "temperature"),
    ({"top_k": 0}, "top_k"),
    ({"top_k": 2.5}, "top_k"),
    ({"top_p": 0.0}, "top_p"),
    ({"top_p": 1.5}, "top_p"),
])
def test_bad_settings_are_refused_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample_next_token(torch.zeros(1, 5), **kwargs)
