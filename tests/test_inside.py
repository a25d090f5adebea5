"""Inside the GPT, core: windows and pairs, the book's word tokenizer, the traced
attention steps, LayerNorm, parameter counts, shortcut gradients, the loss by hand and
the logit lens, each against an independent oracle."""

import math

import pytest
import torch
import torch.nn.functional as F

from core.anatomy import (anatomy_steps, memory_mb, parameter_counts, shortcut_gradients)
from core.config import get_preset
from core.data import GPTDatasetV1, window_rows
from core.estimates import count_model_parameters
from core.gradient_descent import next_token_pairs
from core.inside import (attention_step, embedding_lookup, layer_norm_step, lens_logits,
                         logit_lens, loss_by_hand, trace_ids)
from core.loss import calc_loss_batch, lm_loss
from core.model import MAX_TRACE_TOKENS, GPTModel, fresh_model
from core.pretrained import gpt2_hub_config
from core.tokenizer import SimpleTokenizer, tokenizer_from_spec

from conftest import require_module


@pytest.fixture
def model(tiny_cfg, seeded):
    """A tiny model with random, non-trivial LayerNorm parameters (not 1 and 0)."""
    model = GPTModel(tiny_cfg.replace(n_layers=3)).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name:
                param.add_(torch.randn_like(param) * 0.3)
    return model


IDS = [3, 17, 5, 60, 2, 9, 33, 1]


# ----- from text to training pairs ------------------------------------------------------

def book_windows(token_ids, max_length, stride):
    """The book's GPTDatasetV1 loop, as printed in chapter 2.6."""
    rows = []
    for i in range(0, len(token_ids) - max_length, stride):
        rows.append((token_ids[i:i + max_length], token_ids[i + 1:i + max_length + 1]))
    return rows


@pytest.mark.parametrize("max_length, stride", [(4, 1), (4, 4), (3, 2), (1, 1), (8, 5), (19, 1)])
def test_window_rows_are_the_datasets_items(max_length, stride):
    tokens = list(range(100, 120))
    rows, n = window_rows(tokens, max_length, stride)
    dataset = GPTDatasetV1(tokens, max_length, stride)
    assert n == len(dataset) == len(rows)
    assert rows == [(x.tolist(), y.tolist()) for x, y in dataset]
    assert rows == book_windows(tokens, max_length, stride)
    for x, y in rows:                                 # the target is the input moved by one
        assert x[1:] == y[:-1] and len(x) == len(y) == max_length


def test_window_rows_limit_and_refusals():
    rows, n = window_rows(list(range(50)), 4, 1, limit=5)
    assert len(rows) == 5 and n == 46
    with pytest.raises(ValueError, match="stride must be >= 1"):
        window_rows(list(range(50)), 4, 0)
    with pytest.raises(ValueError, match="too few for one window"):
        window_rows(list(range(4)), 4, 1)


def test_next_token_pairs_of_any_tokenizers_pieces():
    assert next_token_pairs(["I", " had", " always"]) == [
        ("BEGIN", "I"), ("I", " had"), ("I had", " always"), ("I had always", "END")]
    assert next_token_pairs("今天") == [("BEGIN", "今"), ("今", "天"), ("今天", "END")]
    with pytest.raises(ValueError, match="empty"):
        next_token_pairs([])


# ----- the book's word tokenizer -------------------------------------------------------------

def test_simple_tokenizer_on_the_verdict_has_the_books_vocabulary(data_dir):
    from core.corpora import corpus_tokenizer
    tokenizer = corpus_tokenizer("the-verdict", "simple")
    assert tokenizer.n_vocab == 1132                         # 1,130 pieces + 2 special tokens
    assert tokenizer.words[-2:] == ["<|endoftext|>", "<|unk|>"]
    # The book's own example (chapter 2.4), ids as printed there.
    text = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of the palace."
    assert tokenizer.encode(text) == [1131, 5, 355, 1126, 628, 975, 10, 1130, 55, 988, 956,
                                      984, 722, 988, 1131, 7]
    assert tokenizer.unknown_pieces(text) == ["Hello", "palace"]
    assert tokenizer.decode(tokenizer.encode(text)) == (
        "<|unk|>, do you like tea? <|endoftext|> In the sunlit terraces of the <|unk|>.")
    known = "I had always thought Jack Gisburn rather a cheap genius, though a good fellow enough."
    assert tokenizer.decode(tokenizer.encode(known)) == known
    assert tokenizer_from_spec(tokenizer.to_spec()).encode(known) == tokenizer.encode(known)


def test_simple_tokenizer_splits_like_the_book():
    assert SimpleTokenizer.split("Hello, world. Is this-- a test?") == [
        "Hello", ",", "world", ".", "Is", "this", "--", "a", "test", "?"]
    tokenizer = SimpleTokenizer.from_text("the cat sat. the dog")
    assert tokenizer.words == [".", "cat", "dog", "sat", "the", "<|endoftext|>", "<|unk|>"]
    assert tokenizer.encode("the bird sat") == [4, tokenizer.unk_id, 3]


# ----- the traced teaching path --------------------------------------------------------------

def test_trace_keeps_every_step_and_they_add_up(model):
    x = torch.tensor([IDS])
    with torch.no_grad():
        trace = model.trace(x)
        logits = model(x)
    torch.testing.assert_close(trace.logits, logits)
    D = model.cfg.head_dim
    for block, layer in zip(model.trf_blocks, trace.layers):
        torch.testing.assert_close(layer.norm_mean[..., 0], layer.block_input.mean(-1))
        torch.testing.assert_close(layer.norm_var[..., 0], layer.block_input.var(-1, unbiased=False))
        with torch.no_grad():
            torch.testing.assert_close(layer.output, block(layer.block_input))
            h = block.norm1(layer.block_input)
            q = block.att.split_heads(block.att.W_query(h))
        torch.testing.assert_close(layer.queries, q)
        torch.testing.assert_close(layer.scores_raw, layer.queries @ layer.keys.transpose(2, 3))
        torch.testing.assert_close(layer.scores_scaled, layer.scores_raw / math.sqrt(D))
        torch.testing.assert_close(layer.context, layer.attention @ layer.values)
    for before, after in zip(trace.layers, trace.layers[1:]):
        assert after.block_input is before.output        # the residual stream flows on
    assert len(trace.residual_streams) == model.cfg.n_layers + 1


def test_trace_refuses_more_than_its_cap():
    cfg = get_preset("tiny", context_length=MAX_TRACE_TOKENS + 8)
    model = GPTModel(cfg)
    with pytest.raises(ValueError, match=f"at most {MAX_TRACE_TOKENS}"):
        model.trace(torch.zeros(1, MAX_TRACE_TOKENS + 1, dtype=torch.long))


def test_attention_step_equals_the_traced_tensors(model):
    step = attention_step(model, IDS, layer=1, head=1)
    traced = trace_ids(model, IDS).layers[1]
    for name, traced_name in [("queries", "queries"), ("keys", "keys"), ("values", "values"),
                              ("scores_raw", "scores_raw"), ("scores_scaled", "scores_scaled"),
                              ("scores_masked", "scores_masked"), ("weights", "attention"),
                              ("context", "context")]:
        torch.testing.assert_close(getattr(step, name), getattr(traced, traced_name)[0, 1])
    T = len(IDS)
    above = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    assert torch.all(step.weights[above] == 0)
    assert torch.all(torch.isneginf(step.scores_masked[above]))
    torch.testing.assert_close(step.weights.sum(-1), torch.ones(T))
    # by hand, for query 5: dot products, ÷ √D, softmax over keys 0..5, weighted sum
    q = 5
    raw = torch.stack([step.queries[q] @ step.keys[k] for k in range(q + 1)])
    torch.testing.assert_close(step.scores_raw[q, :q + 1], raw)
    weights = torch.softmax(raw / math.sqrt(step.head_dim), dim=0)
    torch.testing.assert_close(step.weights[q, :q + 1], weights)
    torch.testing.assert_close(step.context[q], (weights[:, None] * step.values[:q + 1]).sum(0))


def test_attention_step_refuses_a_layer_or_head_past_the_model(model):
    with pytest.raises(ValueError, match="layer must be"):
        attention_step(model, IDS, layer=3, head=0)
    with pytest.raises(ValueError, match="head must be"):
        attention_step(model, IDS, layer=0, head=2)


def test_embedding_lookup_is_rows_plus_positions(model):
    lookup = embedding_lookup(model, IDS)
    torch.testing.assert_close(lookup.token_rows, model.tok_emb.weight[IDS].detach())
    torch.testing.assert_close(lookup.position_rows, model.pos_emb.weight[:len(IDS)].detach())
    torch.testing.assert_close(lookup.inputs, lookup.token_rows + lookup.position_rows)


def test_layer_norm_step_from_the_traced_statistics(model):
    step = layer_norm_step(model, IDS, layer=2, position=4)
    x = trace_ids(model, IDS).layers[2].block_input[0, 4]
    assert step.mean == pytest.approx(float(x.mean()), abs=1e-6)
    assert step.var == pytest.approx(float(x.var(unbiased=False)), abs=1e-6)
    mean, var = step.normalised_stats
    assert mean == pytest.approx(0.0, abs=1e-5)
    # exactly 1 but for the eps that keeps the division safe
    assert var == pytest.approx(step.var / (step.var + step.eps), rel=1e-4)
    with torch.no_grad():
        torch.testing.assert_close(step.output, model.trf_blocks[2].norm1(x))
    assert step.output_stats[1] != pytest.approx(1.0, abs=1e-3)   # scale and shift changed it


# ----- counts, memory, shortcuts ---------------------------------------------------------

@pytest.mark.parametrize("cfg, without, with_tying, fp32_without, tied", [
    (get_preset("gpt2-124m"), 163_009_536, 124_412_160, "621.83", False),     # the book's
    (gpt2_hub_config("gpt2-124m"), 163_037_184, 124_439_808, "621.94", True),  # the hub's
])
def test_parameter_counts_and_memory_of_both_gpt2_configs(cfg, without, with_tying,
                                                          fp32_without, tied):
    counts = parameter_counts(cfg)
    assert (counts.without_tying, counts.with_tying, counts.tied) == (without, with_tying, tied)
    assert sum(counts.components.values()) == without
    assert counts.total == count_model_parameters(cfg)
    assert f"{memory_mb(counts.without_tying):.2f}" == fp32_without
    assert memory_mb(without, 2) == memory_mb(without) / 2
    assert counts.components["attention"] - parameter_counts(get_preset("gpt2-124m")).components[
        "attention"] == (27_648 if cfg.qkv_bias else 0)


def test_the_hub_config_is_what_transformers_builds():
    transformers = require_module("transformers")
    from core.pretrained import config_from_hf
    reference = transformers.GPT2Config()                 # GPT-2 124M's defaults
    assert config_from_hf(reference.to_dict()) == gpt2_hub_config("gpt2-124m")
    with torch.device("meta"):
        hf = transformers.GPT2LMHeadModel(reference)
    assert sum(p.numel() for p in hf.parameters()) == parameter_counts(
        gpt2_hub_config("gpt2-124m")).with_tying


def test_anatomy_shapes_follow_the_config():
    cfg = get_preset("gpt2-124m")
    steps = {step.key: step for step in anatomy_steps(cfg)}
    assert steps["tok_emb"].shape == ("B", "T", 768)
    assert steps["qkv"].shape == ("B", 12, "T", 64)
    assert steps["scores"].shape == ("B", 12, "T", "T")
    assert steps["ff_up"].shape == ("B", "T", 3072)
    assert steps["out_head"].shape == ("B", "T", 50257)
    per_block = sum(s.params for s in anatomy_steps(cfg) if s.in_block)
    outside = sum(s.params for s in anatomy_steps(cfg) if not s.in_block)
    assert outside + cfg.n_layers * per_block == 163_009_536
    tied = {s.key: s for s in anatomy_steps(gpt2_hub_config("gpt2-124m"))}
    assert tied["out_head"].params == 0                  # the token embedding, shared
    # The shapes are what a real forward pass produces.
    small = get_preset("tiny")
    model = GPTModel(small).eval()
    x = torch.zeros(2, 5, dtype=torch.long)
    with torch.no_grad():
        trace = model.trace(x)
    shapes = {s.key: tuple(5 if d == "T" else 2 if d == "B" else d for d in s.shape)
              for s in anatomy_steps(small)}
    assert tuple(trace.layers[0].queries.shape) == shapes["qkv"]
    assert tuple(trace.layers[0].attention.shape) == shapes["scores"]
    assert tuple(trace.logits.shape) == shapes["out_head"]


def test_shortcut_gradients_are_the_books():
    without, with_shortcut = shortcut_gradients(False), shortcut_gradients(True)
    assert f"{without[0]:.2g}" == "0.0002"          # the book: 0.00020173587836325169
    assert f"{with_shortcut[0]:.2g}" == "0.22"      # the book: 0.22169792652130127
    assert f"{without[4]:.3g}" == "0.00505" and f"{with_shortcut[4]:.3g}" == "1.33"
    assert shortcut_gradients(False, seed=7) != without


def test_shortcut_demo_leaves_the_global_random_state_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    shortcut_gradients(True)
    torch.testing.assert_close(torch.rand(3), expected)


# ----- the loss by hand ------------------------------------------------------------------

def test_loss_by_hand_equals_calc_loss_batch_and_lm_loss(model):
    hand = loss_by_hand(model, IDS)
    inputs, targets = torch.tensor([IDS[:-1]]), torch.tensor([IDS[1:]])
    with torch.no_grad():
        book = calc_loss_batch(inputs, targets, model, "cpu")
        trainer = lm_loss(model, inputs, targets)
    assert hand.loss == pytest.approx(float(book), abs=1e-5)
    assert hand.loss == pytest.approx(float(trainer), abs=1e-5)
    assert hand.loss == pytest.approx(-float(torch.log(hand.probs).mean()), abs=1e-5)
    assert hand.mean_log_prob == pytest.approx(-hand.loss)
    assert hand.perplexity == pytest.approx(math.exp(hand.loss))
    assert hand.chance_loss == pytest.approx(math.log(model.cfg.vocab_size))
    assert hand.inputs == IDS[:-1] and hand.targets == IDS[1:]


def test_loss_by_hand_equals_lm_losss_chunked_path(monkeypatch, seeded):
    import core.loss
    cfg = get_preset("tiny", vocab_size=50257, context_length=400, emb_dim=16)
    model = GPTModel(cfg).eval()
    ids = torch.randint(0, cfg.vocab_size, (401,)).tolist()
    calls = []
    real = core.loss.chunked_cross_entropy
    monkeypatch.setattr(core.loss, "chunked_cross_entropy",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    with torch.no_grad():
        trainer = lm_loss(model, torch.tensor([ids[:-1]]), torch.tensor([ids[1:]]))
    assert calls, "lm_loss did not take its chunked path"
    assert loss_by_hand(model, ids).loss == pytest.approx(float(trainer), abs=1e-4)


def test_an_untrained_model_starts_near_the_uniform_guess():
    cfg = get_preset("cpu-demo", vocab_size=1417)
    hand = loss_by_hand(fresh_model(cfg, seed=3), list(range(0, 1400, 23)))
    assert abs(hand.loss - math.log(1417)) < 0.1


# ----- the logit lens ------------------------------------------------------------------

def test_logit_lens_last_row_is_the_model_and_first_row_the_embeddings(model):
    x = torch.tensor([IDS])
    trace = trace_ids(model, IDS)
    streams = trace.residual_streams
    with torch.no_grad():
        own = model(x)
        first = model.out_head(model.final_norm(model.embed(x)))
        torch.testing.assert_close(lens_logits(model, streams[-1]), own)
        torch.testing.assert_close(lens_logits(model, streams[0]), first)
    lens = logit_lens(model, IDS, top_k=3)
    L, T = model.cfg.n_layers, len(IDS)
    assert lens.top_ids.shape == (L + 1, T, 3) and lens.final_rank.shape == (L + 1, T)
    assert lens.top_ids[-1, :, 0].tolist() == own[0].argmax(-1).tolist()
    assert lens.top_ids[0, :, 0].tolist() == first[0].argmax(-1).tolist()
    assert torch.all(lens.final_rank[-1] == 1)
    torch.testing.assert_close(lens.top_probs[-1], torch.softmax(own[0], -1).topk(3).values)
    # rank = 1 + how many tokens that layer scores above the final prediction
    probs0 = torch.softmax(first[0], -1)
    for t in range(T):
        above = int((probs0[t] > probs0[t, lens.final_ids[t]]).sum())
        assert int(lens.final_rank[0, t]) == above + 1


def test_residual_streams_and_attention_match_transformers(tmp_path, seeded):
    transformers = require_module("transformers")
    from core.pretrained import load_gpt2
    config = transformers.GPT2Config(vocab_size=97, n_positions=32, n_embd=32, n_layer=2,
                                     n_head=4, bos_token_id=0, eos_token_id=0)
    config._attn_implementation = "eager"                # it returns its attention weights
    reference = transformers.GPT2LMHeadModel(config).eval()
    reference.save_pretrained(tmp_path)
    ours = load_gpt2(str(tmp_path))
    ids = [5, 9, 2, 77, 31, 4]
    with torch.no_grad():
        out = reference(torch.tensor([ids]), output_hidden_states=True, output_attentions=True)
    streams = trace_ids(ours, ids).residual_streams
    for l in range(config.n_layer):                    # transformers' last state is normed
        torch.testing.assert_close(streams[l], out.hidden_states[l], atol=1e-5, rtol=1e-4)
    with torch.no_grad():
        torch.testing.assert_close(ours.final_norm(streams[-1]), out.hidden_states[-1],
                                   atol=1e-5, rtol=1e-4)
    step = attention_step(ours, ids, layer=1, head=2)
    torch.testing.assert_close(step.weights, out.attentions[1][0, 2], atol=1e-5, rtol=1e-4)


# ----- the untrained twin ----------------------------------------------------------------

def test_fresh_model_is_repeatable_and_starts_like_gpt2(tiny_cfg):
    a, b = fresh_model(tiny_cfg, seed=1), fresh_model(tiny_cfg, seed=1)
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        torch.testing.assert_close(p, q, msg=name)
    assert not torch.equal(a.tok_emb.weight, fresh_model(tiny_cfg, seed=2).tok_emb.weight)
    assert torch.all(a.final_norm.scale == 1) and torch.all(a.final_norm.shift == 0)
    assert a.tok_emb.weight.std().item() == pytest.approx(0.02, rel=0.1)
    tied = fresh_model(tiny_cfg.replace(tie_weights=True))
    assert tied.out_head.weight is tied.tok_emb.weight
    x = torch.tensor([IDS])
    with torch.no_grad():
        assert torch.isfinite(a(x)).all()
        assert torch.equal(a(x).argmax(-1), F.softmax(a(x), -1).argmax(-1))
