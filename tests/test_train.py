"""The trainer: learning, stop, pause, the NaN guard, exact resume."""

import math
import threading
import time

import pytest
import torch

import core.objectives as objectives_mod
from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import get_preset
from core.data import create_dataloader
from core.loss import calc_loss_batch, calc_loss_loader, chunked_cross_entropy, lm_loss
from core.model import GPTModel
from core.objectives import LanguageModeling
from core.runtime import make_optimizer
from core.tokenizer import CharTokenizer
from core.train import (TrainCallbacks, TrainConfig, Trainer, TrainingDiverged, lr_at,
                        pretraining_trainer, train_model_simple)

TEXT = "the quick brown fox jumps over the lazy dog. " * 40


@pytest.fixture
def setup(seeded):
    tok = CharTokenizer.from_text(TEXT)
    ids = torch.tensor(tok.encode(TEXT))
    cfg = get_preset("tiny", vocab_size=tok.n_vocab)
    return tok, ids[:1600], ids[1600:], cfg


def make_trainer(setup, steps=40, callbacks=None, **kwargs):
    tok, train_ids, val_ids, cfg = setup
    torch.manual_seed(0)
    model = GPTModel(cfg)
    tcfg = TrainConfig(max_steps=steps, batch_size=8, lr=3e-3, warmup_steps=5, eval_every=10,
                       eval_batches=2, sample_every=20, sample_prompt="the ", sample_tokens=10)
    return pretraining_trainer(model, tok, train_ids, val_ids, tcfg, callbacks=callbacks, **kwargs)


def test_a_learners_settings_keep_the_warm_up_and_the_evaluations_within_the_run():
    """A short run from long defaults: a warm-up longer than the run is refused by
    TrainConfig, and an `eval_every` past the end would never evaluate."""
    defaults = TrainConfig(max_steps=200, batch_size=8, lr=5e-4, warmup_steps=10, eval_every=20)
    short = defaults.with_settings(5, 2, 1e-3, 7)
    assert (short.max_steps, short.batch_size, short.lr, short.seed) == (5, 2, 1e-3, 7)
    assert (short.warmup_steps, short.eval_every) == (0, 5)
    long = defaults.with_settings(5000, 8, 5e-4, 123)
    assert (long.warmup_steps, long.eval_every) == (10, 20)       # the defaults' own
    assert defaults.with_settings(200, 8, 5e-4, 123) == defaults


def test_loss_falls_on_a_tiny_corpus(setup):
    evals = []
    result = make_trainer(setup, 60, TrainCallbacks(on_eval=evals.append)).run()
    assert result.status == "finished" and result.step == 60
    assert evals[-1].train_loss < evals[0].train_loss - 0.5
    assert evals[-1].val_perplexity == pytest.approx(math.exp(evals[-1].val_loss))


def test_samples_come_from_a_fixed_prompt(setup):
    samples = []
    make_trainer(setup, 40, TrainCallbacks(on_sample=samples.append)).run()
    assert [s.step for s in samples] == [20, 40]
    assert all(s.text.startswith("the ") for s in samples)


def record_steps_and_set_at(step: int):
    """(steps seen, an event, an on_step callback that sets the event at `step`)."""
    steps, event = [], threading.Event()

    def on_step(info):
        steps.append(info.step)
        if info.step == step:
            event.set()
    return steps, event, on_step


def test_stop_ends_within_one_step(setup):
    steps, stop, on_step = record_steps_and_set_at(3)
    result = make_trainer(setup, 1000, TrainCallbacks(on_step=on_step), stop_event=stop).run()
    assert result.status == "stopped" and result.step == 3 and steps[-1] == 3


def test_pause_holds_and_resume_continues(setup):
    steps, pause, on_step = record_steps_and_set_at(2)
    trainer = make_trainer(setup, 6, TrainCallbacks(on_step=on_step), pause_event=pause)
    thread = threading.Thread(target=trainer.run)
    thread.start()
    deadline = time.monotonic() + 30
    while len(steps) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert steps == [1, 2]               # held while paused
    pause.clear()
    thread.join(30)
    assert steps == [1, 2, 3, 4, 5, 6]


def test_nan_guard_trips_on_a_poisoned_batch_and_keeps_usable_weights(setup, monkeypatch):
    real = calc_loss_batch
    calls = {"n": 0}

    def poisoned(model, x, y):
        calls["n"] += 1
        loss = lm_loss(model, x, y)
        return loss * float("nan") if calls["n"] == 15 else loss
    monkeypatch.setattr(objectives_mod, "lm_loss", poisoned)
    trainer = make_trainer(setup, 40)
    result = trainer.run()
    assert result.status == "failed" and "nan" in result.reason.lower()
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    x = trainer.objective.train_tokens[:17].unsqueeze(0)
    assert math.isfinite(real(x[:, :-1], x[:, 1:], trainer.model, "cpu").item())


def test_absurd_learning_rate_is_caught(setup):
    tok, train_ids, val_ids, cfg = setup
    model = GPTModel(cfg)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    tcfg = TrainConfig(max_steps=30, batch_size=8, lr=1e9, warmup_steps=0, eval_every=10,
                       sample_tokens=0)
    result = pretraining_trainer(model, tok, train_ids, val_ids, tcfg).run()
    assert result.status == "failed"
    assert "learning rate" in result.reason or "nan" in result.reason.lower()
    for k, v in model.state_dict().items():   # back to the last healthy weights
        torch.testing.assert_close(v, before[k])


def test_n_steps_equal_half_save_resume_half(setup, tmp_path):
    losses_full = []
    make_trainer(setup, 20, TrainCallbacks(on_step=lambda i: losses_full.append(i.loss))).run()

    losses = []
    first = make_trainer(setup, 20, TrainCallbacks(on_step=lambda i: losses.append(i.loss)))
    first.stop_event = threading.Event()
    cb = first.callbacks.on_step

    def stop_at_10(info):
        cb(info)
        if info.step == 10:
            first.stop_event.set()
    first.callbacks.on_step = stop_at_10
    assert first.run().status == "stopped"
    save_checkpoint(tmp_path / "half", first.model, first.objective.tokenizer, step=first.step,
                    optimizer=first.optimizer)

    tok, train_ids, val_ids, cfg = setup
    ckpt, optimizer = load_checkpoint(tmp_path / "half", optimizer_factory=lambda m: make_optimizer(m, 3e-3))
    second = pretraining_trainer(ckpt.model, tok, train_ids, val_ids, first.cfg,
                                 callbacks=TrainCallbacks(on_step=lambda i: losses.append(i.loss)),
                                 optimizer=optimizer, start_step=ckpt.step)
    assert second.run().status == "finished"
    assert losses == pytest.approx(losses_full, rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("changes, message", [
    ({"max_steps": 0}, "max_steps"), ({"lr": float("nan")}, "learning rate"),
    ({"lr": -1.0}, "learning rate"), ({"batch_size": 0}, "batch_size"),
    ({"lr": True}, "learning rate"), ({"lr": "1e-3"}, "learning rate"),
    ({"weight_decay": float("nan")}, "weight_decay"), ({"weight_decay": -0.1}, "weight_decay"),
    ({"weight_decay": True}, "weight_decay"),
    ({"sample_temperature": -0.5}, "sample_temperature"),
    ({"sample_temperature": float("inf")}, "sample_temperature"),
    ({"sample_top_k": -3}, "sample_top_k"), ({"sample_top_k": 0}, "sample_top_k"),
    ({"sample_top_k": 2.5}, "sample_top_k"),
    ({"explode_factor": -2.0}, "explode_factor"), ({"explode_factor": 1.0}, "explode_factor"),
    ({"explode_factor": float("nan")}, "explode_factor"),
    ({"warmup_steps": 600}, "warmup_steps"), ({"warmup_steps": -1}, "warmup_steps"),
    ({"min_lr_ratio": float("nan")}, "min_lr_ratio"), ({"min_lr_ratio": 1.5}, "min_lr_ratio"),
    ({"grad_clip": 0.0}, "grad_clip"), ({"grad_clip": float("nan")}, "grad_clip"),
    ({"grad_clip": True}, "grad_clip"), ({"grad_accum": 0}, "grad_accum"),
    ({"grad_accum": 3}, "grad_accum"), ({"eval_every": 0}, "eval_every"),
    ({"eval_batches": 1.5}, "eval_batches"), ({"sample_every": False}, "sample_every"),
    ({"sample_tokens": -1}, "sample_tokens"), ({"seed": -1}, "seed"), ({"seed": 1.0}, "seed"),
    ({"sample_prompt": None}, "sample_prompt")])
def test_bad_settings_are_refused(setup, changes, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**changes)
    with pytest.raises(ValueError, match=message):
        TrainConfig().replace(**changes)


def test_train_config_is_frozen():
    import dataclasses
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().lr = 1.0


def test_trainer_arguments_after_the_config_are_keyword_only(setup):
    tok, train_ids, val_ids, cfg = setup
    objective = LanguageModeling(train_ids, val_ids, tok, cfg.context_length)
    with pytest.raises(TypeError):
        Trainer(GPTModel(cfg), objective, TrainConfig(), None, "cpu")


def test_validation_split_shorter_than_context_is_refused(setup):
    tok, train_ids, val_ids, cfg = setup
    with pytest.raises(ValueError, match="validation split"):
        pretraining_trainer(GPTModel(cfg), tok, train_ids, val_ids[:10], TrainConfig())


def test_train_step_raises_when_the_guard_trips(setup):
    trainer = make_trainer(setup, 10)
    trainer.cfg = trainer.cfg.replace(lr=1e9)
    with pytest.raises(TrainingDiverged):
        for _ in range(10):
            trainer.train_step()


def test_chunked_loss_equals_plain_cross_entropy_and_its_gradients(seeded):
    hidden = torch.randn(37, 16, requires_grad=True)
    weight = torch.randn(101, 16, requires_grad=True)
    targets = torch.randint(0, 101, (37,))
    targets[::5] = -100                              # ignored positions, as instruction tuning uses
    plain = torch.nn.functional.cross_entropy(hidden @ weight.T, targets)
    plain.backward()
    expected = hidden.grad.clone(), weight.grad.clone()
    hidden.grad = weight.grad = None
    chunked = chunked_cross_entropy(hidden, weight, targets, chunk_rows=8)
    (chunked * 2).backward()                         # an upstream gradient is passed through
    torch.testing.assert_close(chunked, plain)
    torch.testing.assert_close(hidden.grad, 2 * expected[0])
    torch.testing.assert_close(weight.grad, 2 * expected[1])


def test_lm_loss_chunks_a_large_vocabulary_to_the_same_value(seeded, monkeypatch):
    import core.loss as loss_mod
    cfg = get_preset("tiny", vocab_size=500)
    model = GPTModel(cfg)
    x = torch.randint(0, 500, (2, 16))
    y = torch.randint(0, 500, (2, 16))
    plain = calc_loss_batch(x, y, model, "cpu")
    monkeypatch.setattr(loss_mod, "CHUNK_WHEN_ABOVE", 0)
    monkeypatch.setattr(loss_mod, "CHUNK_ELEMENTS", 500 * 5)
    torch.testing.assert_close(lm_loss(model, x, y), plain)


def test_gradient_accumulation_gives_the_same_step(setup):
    losses = {}
    for accum in (1, 4):
        trainer = make_trainer(setup, 5)
        trainer.cfg = trainer.cfg.replace(grad_accum=accum)
        losses[accum] = [trainer.train_step().loss for _ in range(5)]
    assert losses[4] == pytest.approx(losses[1], rel=1e-4, abs=1e-5)


def test_book_train_model_simple_lowers_the_loss(setup):
    tok, train_ids, val_ids, cfg = setup
    torch.manual_seed(0)
    model = GPTModel(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    train_loader = create_dataloader(train_ids, 8, cfg.context_length, shuffle=True, seed=1)
    val_loader = create_dataloader(val_ids, 8, cfg.context_length, shuffle=False)
    lines = []
    train_losses, val_losses, seen = train_model_simple(
        model, train_loader, val_loader, optimizer, "cpu", num_epochs=3, eval_freq=5,
        eval_iter=2, start_context="the ", tokenizer=tok, report=lines.append)
    assert train_losses[-1] < train_losses[0] - 0.5
    assert len(val_losses) == len(train_losses) == len(seen) and seen == sorted(seen)
    assert any(line.startswith("Ep 3") for line in lines)
    assert any(line.startswith("the ") for line in lines)          # the epoch's sample


def test_probes_run_at_step_zero_and_every_n_steps(setup):
    from core.train import ProbeSpec
    probes = []
    trainer = make_trainer(setup, 12, TrainCallbacks(on_probe=probes.append),
                           probes=(ProbeSpec("att", "attention", 5, {"ids": [1, 2, 3]}),))
    trainer.run()
    assert [p.step for p in probes] == [0, 5, 10]
    weights = probes[0].value["weights"]
    assert len(weights) == 2 and len(weights[0][0]) == 3          # layers, heads, T × T


def test_book_loss_helpers(setup):
    tok, train_ids, _, cfg = setup
    model = GPTModel(cfg)
    loader = create_dataloader(train_ids, 4, cfg.context_length, shuffle=False)
    x, y = next(iter(loader))
    single = calc_loss_batch(x, y, model, "cpu").item()
    assert calc_loss_loader(loader, model, "cpu", num_batches=1) == pytest.approx(single)
    assert abs(single - math.log(tok.n_vocab)) < 0.3


def test_lr_schedule():
    assert lr_at(0, 100, 1.0, 10) == pytest.approx(0.1)
    assert lr_at(9, 100, 1.0, 10) == pytest.approx(1.0)
    assert lr_at(100, 100, 1.0, 10) == pytest.approx(0.1)
    assert 0.1 < lr_at(55, 100, 1.0, 10) < 1.0


def test_the_chunked_loss_does_no_gradient_work_under_no_grad(seeded):
    """Evaluation (no_grad) computes the logits once: 2·N·C·V FLOPs, not the three
    products (logits and both gradients) training needs."""
    from torch.utils.flop_counter import FlopCounterMode
    hidden = torch.randn(64, 16)
    weight = torch.randn(300, 16, requires_grad=True)        # a parameter, as the head is
    targets = torch.randint(0, 300, (64,))
    forward_flops = 2 * 64 * 16 * 300
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        loss = chunked_cross_entropy(hidden, weight, targets, chunk_rows=16)
    assert counter.get_total_flops() == forward_flops
    torch.testing.assert_close(loss, torch.nn.functional.cross_entropy(hidden @ weight.T, targets)
                               .detach())
    with FlopCounterMode(display=False) as counter:
        chunked_cross_entropy(hidden, weight, targets, chunk_rows=16)
    assert counter.get_total_flops() > forward_flops          # + the gradients


def test_a_fully_masked_batch_has_one_answer_on_both_paths(monkeypatch, seeded):
    """Every target −100: the loss is 0 and the gradients are zero, whether the logits
    are computed whole or in chunks."""
    import core.loss as loss_mod
    model = GPTModel(get_preset("tiny", vocab_size=500))
    x = torch.randint(0, 500, (2, 16))
    y = torch.full((2, 16), -100)
    answers = []
    for chunk in (False, True):
        if chunk:
            monkeypatch.setattr(loss_mod, "CHUNK_WHEN_ABOVE", 0)
            monkeypatch.setattr(loss_mod, "CHUNK_ELEMENTS", 500 * 5)
        model.zero_grad(set_to_none=True)
        loss = lm_loss(model, x, y)
        loss.backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        assert grads and all(float(g.abs().max()) == 0.0 for g in grads)
        answers.append(float(loss))
    assert answers == [0.0, 0.0]
