"""The ablation lab's pair (core/ablation.py): one objective trains two models in turn,
each exactly as a run of its own would (own optimizer state, own clipping), measures and
samples both, stops with the name of the one that diverged, and keeps the pair out of
every picker and the learner's list."""

from __future__ import annotations

import copy
import math

import gradio as gr
import pytest
import torch

from core.ablation import (PAIRINGS, SECOND, PairedLanguageModeling, pair_curves, pair_verdict)
from core.ablation_job import pair_spec, shared_start
from core.config import get_preset
from core.jobs import JobRegistry, JobSpec, TrainingJob
from core.model import build_model, fresh_model
from core.objectives import LanguageModeling, ObjectiveContext, Task
from core.probes import word_order_probe
from core.tokenizer import CharTokenizer
from core.train import EvalInfo, TrainCallbacks, TrainConfig, Trainer
from playground.errors import say
from playground.model_picker import LIVE, model_choices, resolve_model

TEXT = "the man saw the woman and the woman saw the man. " * 30
TOK = CharTokenizer.from_text(TEXT)
IDS = torch.tensor(TOK.encode(TEXT))
TINY = get_preset("tiny", vocab_size=TOK.n_vocab)
# A small clip, so both models' gradients are clipped at every step.
CFG = TrainConfig(max_steps=6, batch_size=4, lr=3e-3, warmup_steps=1, eval_every=3,
                  eval_batches=1, sample_every=3, sample_prompt="the ", sample_tokens=4,
                  grad_clip=0.05)


def _pair(first_cfg, second_cfg, cfg=CFG, probe=None):
    first = fresh_model(first_cfg, seed=1)
    second = build_model(second_cfg)
    second.load_state_dict(shared_start(first.state_dict(), second_cfg))
    data = {"train_tokens": IDS[:1200], "val_tokens": IDS[1200:], "prompts": ["the "],
            "train_config": cfg.to_dict()}
    if probe:
        data["probe"] = probe
    ctx = ObjectiveContext(Task("pair", data), TOK, first_cfg.context_length,
                           extras={SECOND: second})
    return first, second, PairedLanguageModeling(ctx)


def _solo(model, cfg=CFG):
    """The same model trained alone by the trainer: the oracle for each half of the pair."""
    objective = LanguageModeling(IDS[:1200], IDS[1200:], TOK, model.cfg.context_length, ["the "])
    Trainer(model, objective, cfg).run()
    return model


@pytest.mark.parametrize("change", [{"use_positions": False}, {"context_length": 8}])
def test_each_model_trains_exactly_as_it_would_alone(change):
    """Own clipping and own AdamW state: a trainer that clipped the joint norm, or one
    optimizer over both, would move each model differently from its solo run."""
    second_cfg = TINY.replace(**change)
    first, second, objective = _pair(TINY, second_cfg)
    second_start = copy.deepcopy(second)
    first_start = fresh_model(TINY, seed=1)
    evals, samples = [], []
    result = Trainer(first, objective, CFG, callbacks=TrainCallbacks(
        on_eval=evals.append, on_sample=samples.append)).run()
    assert result.status == "finished" and result.step == CFG.max_steps
    solo_first, solo_second = _solo(first_start), _solo(second_start)
    for pair_model, solo in ((first, solo_first), (second, solo_second)):
        for (name, a), b in zip(pair_model.state_dict().items(), solo.state_dict().values()):
            torch.testing.assert_close(a, b, msg=name)
    assert objective.second_grad_norm > CFG.grad_clip           # clipping was in play
    steps = {int(state["step"]) for state in objective.optimizer.state.values()}
    assert steps == {CFG.max_steps}
    second_params = {id(p) for p in second.parameters()}
    assert {id(p) for p in objective.optimizer.state} <= second_params
    # both models' losses at every evaluation, two samples at every sample step
    assert [e.step for e in evals] == [0, 3, 6]
    assert all(math.isfinite(e.metrics["second_val_loss"]) for e in evals)
    by_step = {}
    for s in samples:
        by_step.setdefault(s.step, []).append(s.item)
    assert by_step == {3: [0, 1], 6: [0, 1]}


def test_the_second_model_diverging_stops_the_pair_and_is_named():
    first, second, objective = _pair(TINY, TINY.replace(use_layer_norm=False))
    with torch.no_grad():
        second.tok_emb.weight.fill_(float("nan"))
    result = Trainer(first, objective, CFG).run()
    assert result.status == "failed" and result.step == 0
    assert "the second model diverged at step 1" in result.reason
    chinese = say(result.reason, "zh")              # the page says it in the learner's language
    assert "第 1 步时第二个模型发散了" in chinese and "英文原文" not in chinese


def test_the_first_model_diverging_stops_the_pair_and_is_named():
    first, second, objective = _pair(TINY, TINY.replace(use_positions=False))
    with torch.no_grad():
        first.tok_emb.weight.fill_(float("nan"))
    result = Trainer(first, objective, CFG).run()
    assert result.status == "failed" and "the first model's loss became nan" in result.reason
    assert "第一个模型的损失变成了 nan" in say(result.reason, "zh")


def test_word_order_probe_tells_the_orders_apart_only_with_positions():
    man, woman = TOK.encode("the man saw the woman"), TOK.encode("the woman saw the man")
    one_block = TINY.replace(n_layers=1, context_length=32)
    models = [fresh_model(cfg, seed=2).eval() for cfg in (one_block,
                                                           one_block.replace(use_positions=False))]
    with torch.no_grad():
        for model in models:       # larger weights: a model with opinions, as after training
            for p in model.parameters():
                p.mul_(10.0)
        full, bag = (word_order_probe(model, man, woman) for model in models)
    assert bag["distance"] == pytest.approx(0.0, abs=1e-4) and full["distance"] > 0.01
    assert len(full["top"]) == 2 and len(full["top"][0]) == 3


def test_the_positions_pair_probes_both_models_at_each_evaluation():
    probe = {"name": "word_order", "kind": "word_order", "every": 1,
             "args": {"first_ids": TOK.encode("the man"), "second_ids": TOK.encode("man the")}}
    first, _, objective = _pair(TINY, TINY.replace(use_positions=False), probe=probe)
    metrics = objective.evaluate(first, torch.device("cpu"), 4, 1)
    assert set(metrics["first_word_order"]) == {"top", "distance"}
    assert set(metrics["second_word_order"]) == {"top", "distance"}


def _eval(step, first_val, second_val):
    return EvalInfo(step, 0, first_val + 0.1, first_val,
                    {"second_train_loss": second_val + 0.1, "second_val_loss": second_val})


def test_verdict_gap_and_when_each_reached_the_others_final_loss():
    evals = [_eval(0, 5.0, 5.0), _eval(10, 3.0, 4.0), _eval(20, 2.0, 3.5)]
    verdict = pair_verdict(evals)
    assert verdict.gap == pytest.approx(1.5) and verdict.step == 20
    assert verdict.first_reached == 10           # first hit 3.5 (second's final) at step 10
    assert verdict.second_reached is None        # second never reached 2.0
    assert pair_curves(evals)["second"][1] == (10, 4.1, 4.0)
    assert pair_verdict(evals[:1]) is None


def test_every_pairing_builds_a_job_with_a_trainable_second_model():
    for pairing, pair in PAIRINGS.items():
        spec = pair_spec("pair", "the-verdict", pairing, 10)
        (extra,) = spec.extra_models
        assert extra.trainable and not spec.listed and spec.kind == "ablation"
        assert all(getattr(spec.model_cfg, k) == v for k, v in pair.first.items())
        assert all(getattr(extra.model_cfg, k) == v for k, v in pair.second.items())
        first_model, second_model = build_model(spec.model_cfg), build_model(extra.model_cfg)
        first_model.load_state_dict(spec.init_state)
        second_model.load_state_dict(extra.init_state)      # complete for every pairing
    for bad in (dict(pairing="dropout"), dict(steps=0), dict(corpus="own-text")):
        args = {"corpus": "the-verdict", "pairing": "positions", "steps": 10, **bad}
        with pytest.raises(ValueError):
            pair_spec("pair", args["corpus"], args["pairing"], args["steps"])


def test_the_pair_is_in_no_picker_and_not_kept_in_the_list():
    registry = JobRegistry()
    spec = JobSpec.pretraining("solo", TINY, CFG, TOK, IDS[:1200], IDS[1200:])
    registry._jobs["learner-a"] = TrainingJob("learner-a", spec)
    assert LIVE in [v for _, v in model_choices(registry, "learner-a", "lm", "en", hub=False)]
    pair = pair_spec("pair", "the-verdict", "positions", 10)
    job = TrainingJob("learner-b", pair)
    registry._jobs["learner-b"] = job
    assert LIVE not in [v for _, v in model_choices(registry, "learner-b", "lm", "en", hub=False)]
    with pytest.raises(gr.Error):
        resolve_model(registry, LIVE, "learner-b", "en")
    job._final_model, job.kept_step = fresh_model(pair.model_cfg), 10
    registry._keep_final_model(job)
    assert registry.models("learner-b") == [] and job.final_model() is not None
