"""Next-token analysis and surprisal on hand-computed cases, and Chinese conversion."""

import math
import sys
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from core.analysis import (draw_token, explain_next_token, next_token_logits, position_seed,
                           token_surprisals)
from core.model import GPTModel

LN3 = math.log(3.0)


class BigramLogits(nn.Module):
    """A fake GPT whose logits at each position are `table[current token]`: numbers we chose."""

    def __init__(self, table: list[list[float]], context_length: int = 4):
        super().__init__()
        self.table = torch.tensor(table)
        self.cfg = SimpleNamespace(vocab_size=len(table), context_length=context_length)
        self.seen: list[list[int]] = []   # every window the model was given

    def forward(self, idx, last_only: bool = False):
        self.seen.append(idx[0].tolist())
        logits = self.table[idx]                          # (B, T, vocab)
        return logits[:, -1:, :] if last_only else logits


@pytest.fixture
def bigram():
    # after 0: p(1) = 3/4; after 1: p(0) = 3/4
    return BigramLogits([[0.0, LN3], [LN3, 0.0]])


def test_surprisal_is_minus_log_p_of_each_next_token(bigram):
    result = token_surprisals(bigram, [0, 1, 1])
    (id1, s1), (id2, s2) = result.pairs
    assert (id1, id2) == (1, 1)
    assert s1 == pytest.approx(math.log(4 / 3))        # 1 after 0: p = 3/4
    assert s2 == pytest.approx(math.log(4))            # 1 after 1: p = 1/4
    assert result.mean_loss == pytest.approx((math.log(4 / 3) + math.log(4)) / 2)
    assert result.perplexity == pytest.approx(math.sqrt(16 / 3))   # exp(mean)
    assert result.windows == 1


def test_long_text_is_scored_in_context_windows_each_token_once(bigram):
    ids = [0, 1, 1, 0, 0, 1, 0, 1, 1, 1]
    result = token_surprisals(bigram, ids, context_size=4)
    assert [token for token, _ in result.pairs] == ids[1:]
    assert bigram.seen == [ids[0:4], ids[4:8], ids[8:9]]   # inputs; targets shifted by one
    assert result.windows == 3
    expected = [math.log(4 / 3) if a != b else math.log(4) for a, b in zip(ids, ids[1:])]
    assert [s for _, s in result.pairs] == pytest.approx(expected)


def test_surprisal_matches_the_training_loss_of_a_real_model(tiny_cfg, seeded):
    model = GPTModel(tiny_cfg).eval()
    ids = torch.randint(0, tiny_cfg.vocab_size, (12,))
    result = token_surprisals(model, ids)               # fits the context (16): one window
    with torch.no_grad():
        logits = model(ids[:-1].unsqueeze(0))[0]
    expected = -torch.log_softmax(logits, -1)[torch.arange(11), ids[1:]]
    assert [s for _, s in result.pairs] == pytest.approx(expected.tolist(), abs=1e-5)
    loss = F.cross_entropy(logits, ids[1:])             # the book's calc_loss_batch
    assert result.mean_loss == pytest.approx(float(loss), abs=1e-5)
    # in windows of 5, the 6th input sees only itself: as if the model read ids[5:] alone
    chunked = token_surprisals(model, ids, context_size=5)
    with torch.no_grad():
        second = model(ids[5:10].unsqueeze(0))[0]
    assert chunked.pairs[5][1] == pytest.approx(float(F.cross_entropy(second[:1], ids[6:7])), abs=1e-5)


def test_surprisal_needs_two_tokens_and_known_ids(bigram):
    with pytest.raises(ValueError, match="at least 2 tokens"):
        token_surprisals(bigram, [1])
    with pytest.raises(ValueError, match="0..1"):
        token_surprisals(bigram, [0, 2])


def test_next_token_logits_crops_from_the_left_and_counts(tiny_cfg, seeded):
    model = GPTModel(tiny_cfg).eval()
    ids = torch.randint(0, tiny_cfg.vocab_size, (10,)).tolist()
    logits, n_cut = next_token_logits(model, ids, context_size=4)
    assert n_cut == 6 and logits.shape == (tiny_cfg.vocab_size,)
    with torch.no_grad():
        expected = model(torch.tensor([ids[-4:]]))[0, -1]
    torch.testing.assert_close(logits, expected)
    assert next_token_logits(model, ids)[1] == 0         # 10 tokens fit the context of 16
    with pytest.raises(ValueError, match="no tokens"):
        next_token_logits(model, [])
    with pytest.raises(ValueError, match="exceeds"):
        next_token_logits(model, ids, context_size=17)


def test_seeded_draws_repeat():
    probs = torch.tensor([0.1, 0.2, 0.3, 0.4])
    draws = [draw_token(probs, seed=7) for _ in range(5)]
    assert len(set(draws)) == 1
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert [draw_token(probs, generator=g1) for _ in range(20)] == \
           [draw_token(probs, generator=g2) for _ in range(20)]
    # a token with probability 0 is never drawn; a one-hot always gives its token
    assert all(draw_token(torch.tensor([0.0, 1.0, 0.0]), seed=s) == 1 for s in range(20))
    assert {draw_token(torch.tensor([0.5, 0.0, 0.5]), seed=s) for s in range(50)} == {0, 2}
    assert position_seed(5, 3) != position_seed(5, 4)
    with pytest.raises(ValueError, match="not all zero"):
        draw_token(torch.zeros(3), seed=1)
    with pytest.raises(ValueError, match="seed or a generator"):
        draw_token(probs, seed=1, generator=g1)


def test_explain_next_token_reports_every_step():
    # logits ln 4, ln 3, ln 2, ln 1 → probabilities 0.4, 0.3, 0.2, 0.1 after any token
    model = BigramLogits([[math.log(v) for v in (4, 3, 2, 1)]] * 4)
    view = explain_next_token(model, [0], temperature=1.0, top_k=3, top_p=0.6, n_top=4, seed=1)
    assert [row.token_id for row in view.rows] == [0, 1, 2, 3]
    assert [row.p_plain for row in view.rows] == pytest.approx([0.4, 0.3, 0.2, 0.1])
    assert [row.kept_by_top_k for row in view.rows] == [True, True, True, False]
    # after top-k: 4/9, 3/9, 2/9 → cumulative 4/9 < 0.6 ≤ 7/9: top-p keeps two
    assert [row.cumulative for row in view.rows] == pytest.approx([4 / 9, 7 / 9, 1, 1])
    assert [row.kept_by_top_p for row in view.rows] == [True, True, False, False]
    assert [row.p_final for row in view.rows] == pytest.approx([4 / 7, 3 / 7, 0, 0])
    assert (view.n_kept_top_k, view.n_kept_top_p) == (3, 2)
    assert view.drawn_id in (0, 1)
    assert view.entropy_final == pytest.approx(-(4 / 7) * math.log(4 / 7) - (3 / 7) * math.log(3 / 7))
    greedy = explain_next_token(model, [0], temperature=0, n_top=2)
    assert greedy.greedy and greedy.drawn_id == 0 and greedy.entropy_final == 0.0
    # a drawn token outside the top few is still shown, with its rank
    def hot(seed):
        return explain_next_token(model, [0], temperature=3.0, n_top=1, seed=seed)
    rare_seed = next(s for s in range(200) if hot(s).drawn_id == 3)
    assert [row.rank for row in hot(rare_seed).rows] == [1, 4]


def test_traditional_and_simplified_round_trip():
    from core.chinese import to_simplified, to_traditional
    assert to_traditional("床前明月光") == "牀前明月光"
    poem = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
    assert to_traditional(poem) == "牀前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。"
    assert to_simplified(to_traditional(poem)) == poem
    assert to_simplified("") == ""


def test_missing_opencc_says_how_to_install_it(monkeypatch):
    from core import chinese
    chinese._converter.cache_clear()
    monkeypatch.setitem(sys.modules, "opencc", None)    # import opencc now fails
    try:
        with pytest.raises(chinese.ConversionUnavailable, match="pip install opencc"):
            chinese.to_traditional("举头")
    finally:
        chinese._converter.cache_clear()
