"""The GPT model: shapes, causality, the two attention paths, the KV cache, learning."""

import pytest
import torch

from core.config import GPTConfig, get_preset
from core.generate import generate, generate_text_simple
from core.kv_cache import KVCache, forward_cached, is_decode_layout, use_decode_layout
from core.model import GPTModel, count_parameters, parameter_breakdown


def test_logits_shape(tiny_cfg, seeded):
    model = GPTModel(tiny_cfg)
    idx = torch.randint(0, tiny_cfg.vocab_size, (3, 10))
    assert model(idx).shape == (3, 10, tiny_cfg.vocab_size)
    assert model(idx, last_only=True).shape == (3, 1, tiny_cfg.vocab_size)


def test_changing_a_token_leaves_earlier_logits_unchanged(tiny_cfg, seeded):
    model = GPTModel(tiny_cfg).eval()
    idx = torch.randint(0, tiny_cfg.vocab_size, (1, 12))
    changed = idx.clone()
    changed[0, 7] = (idx[0, 7] + 1) % tiny_cfg.vocab_size
    with torch.no_grad():
        before, after = model(idx), model(changed)
    torch.testing.assert_close(before[:, :7], after[:, :7])
    assert not torch.allclose(before[:, 7:], after[:, 7:])


def test_fast_path_equals_teaching_path(tiny_cfg, seeded):
    fast = GPTModel(tiny_cfg).eval()
    slow = GPTModel(tiny_cfg, fast=False).eval()
    slow.load_state_dict(fast.state_dict())
    idx = torch.randint(0, tiny_cfg.vocab_size, (2, 16))
    with torch.no_grad():
        logits_fast = fast(idx)
        logits_slow = slow(idx)
        traced = fast.trace(idx)
    torch.testing.assert_close(logits_fast, logits_slow)
    torch.testing.assert_close(logits_fast, traced.logits)
    weights = traced.attention
    assert len(weights) == tiny_cfg.n_layers
    for w in weights:
        assert w.shape == (2, tiny_cfg.n_heads, 16, 16)
        above = torch.triu(torch.ones(16, 16, dtype=torch.bool), 1)
        assert torch.all(w[..., above] == 0)
        torch.testing.assert_close(w.sum(-1), torch.ones(2, tiny_cfg.n_heads, 16))


def test_kv_cache_matches_full_forward_in_chunks(tiny_cfg, seeded):
    model = GPTModel(tiny_cfg).eval()
    idx = torch.randint(0, tiny_cfg.vocab_size, (2, 14))
    cache = KVCache(model, batch_size=2)
    with torch.no_grad():
        full = model(idx)
        parts = [forward_cached(model, idx[:, :end], cache) if start == 0
                 else forward_cached(model, idx[:, start:end], cache)
                 for start, end in ((0, 5), (5, 6), (6, 14))]
    for (_, end), logits in zip(((0, 5), (5, 6), (6, 14)), parts):
        torch.testing.assert_close(logits, full[:, end - 1])
    assert cache.length == 14


def test_layer_norm_teaching_path_shows_mean_and_variance(seeded):
    from core.model import LayerNorm
    x = torch.randn(3, 5, 8) * 4 + 2
    fast, slow = LayerNorm(8), LayerNorm(8, fast=False)
    torch.testing.assert_close(fast(x), slow(x))
    out = slow(x)
    torch.testing.assert_close(out.mean(-1), torch.zeros(3, 5), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.var(-1, unbiased=False), torch.ones(3, 5), atol=1e-3, rtol=0)


def test_decode_layout_gives_the_same_tokens_as_the_training_layout(seeded):
    cfg = get_preset("tiny", tie_weights=True, qkv_bias=True)
    model = GPTModel(cfg).eval()
    prompt = torch.randint(0, cfg.vocab_size, (1, 4))
    with torch.no_grad():
        logits_before = model(prompt)
    tokens_before = generate(model, prompt, 30, cfg.context_length)
    assert not is_decode_layout(model)
    use_decode_layout(model)
    assert is_decode_layout(model)
    assert model.out_head.weight is model.tok_emb.weight          # still tied
    assert model.out_head.weight.shape == (cfg.vocab_size, cfg.emb_dim)
    with torch.no_grad():
        torch.testing.assert_close(model(prompt), logits_before)
    assert torch.equal(generate(model, prompt, 30, cfg.context_length), tokens_before)


@pytest.mark.parametrize("bad, message", [
    (torch.tensor([[1, 64]]), "outside the vocabulary"),
    (torch.tensor([[1, -1]]), "outside the vocabulary"),
    (torch.tensor([[1.0, 2.0]]), "integers"),
])
def test_bad_token_ids_get_a_clear_value_error(tiny_cfg, bad, message):
    with pytest.raises(ValueError, match=message):
        GPTModel(tiny_cfg)(bad)


def test_book_style_positional_generate_call_is_a_type_error(tiny_cfg):
    model, idx = GPTModel(tiny_cfg), torch.tensor([[1, 2]])
    with pytest.raises(TypeError, match="positional"):
        generate(model, idx, 10, 16, 0.0, None, 50256)


@pytest.mark.parametrize("context", [64, 20])  # 20: the window slides past the context
def test_kv_cache_greedy_equals_no_cache_greedy_over_50_tokens(context, seeded):
    cfg = get_preset("tiny", context_length=context)
    model = GPTModel(cfg).eval()
    prompt = torch.randint(0, cfg.vocab_size, (1, 5))
    cached = generate(model, prompt, max_new_tokens=50, context_size=context)
    plain = generate_text_simple(model, prompt, max_new_tokens=50, context_size=context)
    assert cached.shape == (1, 55)
    assert torch.equal(cached, plain)


def test_seeded_sampling_repeats_exactly(tiny_cfg, seeded):
    model = GPTModel(tiny_cfg)
    prompt = torch.tensor([[1, 2, 3]])
    kwargs = dict(max_new_tokens=30, context_size=16, temperature=1.5, top_k=20, top_p=0.95)
    first = generate(model, prompt, seed=7, **kwargs)
    again = generate(model, prompt, seed=7, **kwargs)
    other = generate(model, prompt, seed=8, **kwargs)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_one_batch_overfits(tiny_cfg, seeded):
    model = GPTModel(tiny_cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    x = torch.randint(0, tiny_cfg.vocab_size, (4, 16))
    y = torch.randint(0, tiny_cfg.vocab_size, (4, 16))
    for _ in range(200):
        loss = torch.nn.functional.cross_entropy(model(x).flatten(0, 1), y.flatten())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1  # started near ln(64) ≈ 4.16


def test_fresh_model_starts_near_uniform_guess(tiny_cfg, seeded):
    model = GPTModel(tiny_cfg)
    x = torch.randint(0, tiny_cfg.vocab_size, (4, 16))
    loss = torch.nn.functional.cross_entropy(model(x).flatten(0, 1), x.flatten())
    assert abs(loss.item() - torch.log(torch.tensor(64.0)).item()) < 0.2


@pytest.mark.parametrize("tie, expected", [(False, 163_009_536), (True, 124_412_160)])
def test_book_parameter_counts(tie, expected):
    with torch.device("meta"):
        model = GPTModel(get_preset("gpt2-124m", tie_weights=tie))
    assert count_parameters(model) == expected
    parts = parameter_breakdown(model)
    assert sum(v for k, v in parts.items() if k != "total") == parts["total"] == expected


def test_gpt2_weights_config_has_qkv_biases():
    with torch.device("meta"):
        model = GPTModel(get_preset("gpt2-124m", qkv_bias=True, tie_weights=True))
    assert count_parameters(model) == 124_439_808


@pytest.mark.parametrize("changes, message", [
    ({"emb_dim": 30, "n_heads": 4}, "divisible"),
    ({"n_layers": 0}, "n_layers"),
    ({"drop_rate": 1.0}, "drop_rate"),
    ({"vocab_size": 2.5}, "vocab_size"),
])
def test_bad_config_is_refused_clearly(changes, message):
    with pytest.raises(ValueError, match=message):
        get_preset("tiny", **changes)


def test_too_long_input_is_refused_clearly(tiny_cfg):
    model = GPTModel(tiny_cfg)
    with pytest.raises(ValueError, match="context length"):
        model(torch.zeros(1, tiny_cfg.context_length + 1, dtype=torch.long))
    with pytest.raises(ValueError, match="batch, tokens"):
        model(torch.zeros(5, dtype=torch.long))


def test_config_round_trips_through_dict():
    cfg = get_preset("tang-char")
    assert GPTConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown"):
        GPTConfig.from_dict({**cfg.to_dict(), "colour": "red"})
