"""The ablation switches (core/config.py): each takes away the piece it names, everywhere
the model goes (training forward, the traced path, cached generation), the defaults change
nothing, and where only the full GPT can go a switched model is refused by name."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from core.bench import build_models
from core.config import ABLATIONS, GPTConfig, SwitchedOff, get_preset
from core.estimates import count_model_parameters, estimate_training_memory
from core.export import ExportError, export_model
from core.generate import generate, generate_text_simple
from core.model import GPTModel, fresh_model
from core.positional import learned_positions
from core.pretrained import gpt_to_hf_weights, load_weights_into_gpt
from core.tokenizer import CharTokenizer

TINY = get_preset("tiny")
SWITCHES = list(ABLATIONS)


def _switched(**off) -> GPTConfig:
    return TINY.replace(**{name: False for name in off})


def test_defaults_are_the_book_model_and_are_not_written():
    cfg = GPTConfig()
    assert cfg.switched_off == () and all(getattr(cfg, name) for name in SWITCHES)
    assert not set(SWITCHES) & set(cfg.to_dict())            # checkpoints look as before
    assert GPTConfig.from_dict(cfg.to_dict()) == cfg
    off = TINY.replace(use_positions=False)
    assert off.to_dict()["use_positions"] is False and GPTConfig.from_dict(off.to_dict()) == off
    with pytest.raises(ValueError, match="use_shortcuts must be True or False"):
        TINY.replace(use_shortcuts=0)


def test_default_weights_and_logits_are_unchanged_by_the_switches_existing():
    """The same seed draws the same numbers in the same order as before: the parameter
    names and shapes of the default model are those of the book's GPTModel."""
    model = fresh_model(TINY, seed=3)
    names = [name for name, _ in model.named_parameters()]
    assert names[:2] == ["tok_emb.weight", "pos_emb.weight"] and "final_norm.scale" in names
    assert "trf_blocks.0.norm1.scale" in names


def test_no_positions_has_no_position_parameters_and_sees_a_bag_of_tokens():
    model = fresh_model(_switched(use_positions=True), seed=1).eval()
    assert model.pos_emb is None
    assert not any("pos_emb" in name for name, _ in model.named_parameters())
    full = fresh_model(TINY, seed=1)
    assert count_model_parameters(TINY) - count_model_parameters(model.cfg) == \
        TINY.context_length * TINY.emb_dim
    # One block without positions: the last token's prediction depends on which tokens
    # came before, not on their order ("dog bites man" = "man bites dog"). With positions
    # it differs. (Deeper, the causal mask leaks a little order: each earlier token saw a
    # different prefix.)
    one_block = fresh_model(model.cfg.replace(n_layers=1), seed=1).eval()
    one_full = fresh_model(TINY.replace(n_layers=1), seed=1).eval()
    a, b = torch.tensor([[5, 9, 7, 3]]), torch.tensor([[9, 5, 7, 3]])
    with torch.no_grad():
        torch.testing.assert_close(one_block(a)[:, -1], one_block(b)[:, -1])
        assert not torch.allclose(one_full(a)[:, -1], one_full(b)[:, -1])
        assert not torch.allclose(full.eval()(a)[:, -1], full(b)[:, -1])


def test_no_shortcuts_drops_the_residual_add():
    model = fresh_model(_switched(use_shortcuts=True), seed=2).eval()
    block, x = model.trf_blocks[0], torch.randn(1, 5, TINY.emb_dim)
    with torch.no_grad():
        without = block.ff(block.norm2(block.att(block.norm1(x))))
        torch.testing.assert_close(block(x), without)
        full_block = fresh_model(TINY, seed=2).trf_blocks[0].eval()
        h = x + full_block.att(full_block.norm1(x))
        torch.testing.assert_close(full_block(x), h + full_block.ff(full_block.norm2(h)))


def test_no_layer_norm_is_the_identity_everywhere():
    model = fresh_model(_switched(use_layer_norm=True), seed=4)
    norms = [model.final_norm] + [m for b in model.trf_blocks for m in (b.norm1, b.norm2)]
    assert all(isinstance(norm, nn.Identity) for norm in norms)
    assert not any("norm" in name for name, _ in model.named_parameters())
    layer_norm_params = (2 * TINY.n_layers + 1) * 2 * TINY.emb_dim
    assert count_model_parameters(TINY) - count_model_parameters(model.cfg) == layer_norm_params


def test_memory_estimate_counts_what_the_model_has():
    full = estimate_training_memory(TINY, 4)
    bare = estimate_training_memory(_switched(use_positions=1, use_layer_norm=1), 4)
    assert bare.weights < full.weights and bare.optimizer < full.optimizer


COMBINATIONS = [dict.fromkeys(off, True) for n in (1, 2, 3)
                for off in itertools.combinations(SWITCHES, n)]


@pytest.mark.parametrize("off", COMBINATIONS, ids=lambda off: "+".join(off))
def test_trace_and_fast_and_teaching_paths_agree_on_a_switched_model(off):
    cfg = _switched(**off)
    model = fresh_model(cfg, seed=5).eval()
    book = GPTModel(cfg, fast=False).eval()
    book.load_state_dict(model.state_dict())
    idx = torch.randint(0, cfg.vocab_size, (2, 7), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits = model(idx)
        torch.testing.assert_close(model.trace(idx).logits, logits)
        torch.testing.assert_close(book(idx), logits)


@pytest.mark.parametrize("off", COMBINATIONS, ids=lambda off: "+".join(off))
def test_cached_generation_equals_the_uncached_book_loop(off):
    """`generate` runs the KV cache (core/kv_cache.py), which re-implements the block; the
    book's loop runs the model's own forward. Greedy, past the context (the window slides)."""
    cfg = _switched(**off)
    model = fresh_model(cfg, seed=6).eval()
    with torch.no_grad():      # bigger weights: greedy choices that are not all the same token
        for p in model.parameters():
            p.mul_(20.0)
    prompt = torch.tensor([[1, 2, 3]])
    new = cfg.context_length + 6
    cached = generate(model, prompt, new, cfg.context_length)
    with torch.no_grad():
        plain = generate_text_simple(model, prompt, new, cfg.context_length)
    assert cached.tolist() == plain.tolist()
    assert len(set(cached[0].tolist())) > 2


def test_the_cache_honours_each_switch_negative_control():
    """A cache that ignored the switch would write what the full model writes: the
    switched model's text differs from the full one's on the same remaining weights."""
    full = fresh_model(TINY, seed=7).eval()
    with torch.no_grad():
        for p in full.parameters():
            p.mul_(20.0)
    prompt = torch.tensor([[4, 2]])
    for name in SWITCHES:
        switched = GPTModel(TINY.replace(**{name: False})).eval()
        switched.load_state_dict(full.state_dict(), strict=False)
        with torch.no_grad():
            expected = generate_text_simple(switched, prompt, 12, TINY.context_length)
        assert generate(switched, prompt, 12, TINY.context_length).tolist() == expected.tolist()
        assert expected.tolist() != generate(full, prompt, 12, TINY.context_length).tolist(), name


@pytest.mark.parametrize("name", SWITCHES)
def test_where_only_the_full_gpt_can_go_a_switched_model_is_refused_by_name(name, tmp_path):
    cfg = TINY.replace(**{name: False})
    model = fresh_model(cfg)
    tok = CharTokenizer([chr(65 + i) for i in range(cfg.vocab_size)], name="own-char", eos=None)
    with pytest.raises(ExportError, match=f"{name}=False"):
        export_model(model, tok, tmp_path / "out")
    assert not (tmp_path / "out" / "model.safetensors").exists()
    weights = gpt_to_hf_weights(fresh_model(TINY))
    with pytest.raises(SwitchedOff, match=f"{name}=False"):
        load_weights_into_gpt(model, weights)
    with pytest.raises(SwitchedOff, match=f"{name}=False"):
        build_models(cfg, with_transformers=False)
    if name == "use_positions":
        with pytest.raises(SwitchedOff, match="learned-positions view.*use_positions=False"):
            learned_positions(model)
    else:                         # only the positions matter to the positions view
        assert learned_positions(model).shape == (cfg.context_length, cfg.emb_dim)
