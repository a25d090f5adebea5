"""The ablation lab: two GPTs trained side by side, one piece changed, to see what it is for.

A `Pairing` names what differs between the two models (chapter 4's pieces: positions,
shortcut connections, LayerNorm, heads, weight tying, context). Both are trained in one
job, in turn, on the same text, seed and step budget:

- the first model ("full") is the job's own: the trainer steps and clips it;
- the second is the job's trainable extra model (core/jobs/spec.py, `ExtraModel`). This
  objective trains it, in the same step, on the same batch: its own AdamW state, its own
  gradient clipping, the same learning-rate schedule.

Each evaluation measures both (the second's losses arrive as `second_train_loss` and
`second_val_loss`); each sample step writes two samples (item 0: first, item 1: second);
and for the positions pairing, the word-order probe (core/probes.py) asks both models
what follows "the man saw the woman" and "the woman saw the man". If either model
diverges, `TrainingDiverged` names it and the pair stops.

`pair_verdict` reads the result: the gap at the last evaluation, and the step at which
each model first reached the other's final validation loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from core.config import GPTConfig
from core.generate import eval_mode
from core.loss import lm_loss
from core.objectives import LanguageModeling, ObjectiveContext, Sample
from core.probes import run_probe
from core.runtime import make_optimizer
from core.train import EvalInfo, ProbeSpec, TrainConfig, TrainingDiverged, lr_at

SECOND = "second"              # the extra model's name in the job (`ctx.extras[SECOND]`)
MODEL_NAMES = ("first", "second")


@dataclass(frozen=True)
class Pairing:
    """Two variants of a corpus's model: `first` and `second` are GPTConfig changes.

    `lr_factor` scales the corpus's learning rate for both (LayerNorm's lesson needs a
    rate the full model survives and the bare one may not)."""

    first: dict = field(default_factory=dict)
    second: dict = field(default_factory=dict)
    lr_factor: float = 1.0
    word_order_probe: bool = False

    def configs(self, base: GPTConfig) -> tuple[GPTConfig, GPTConfig]:
        return base.replace(**self.first), base.replace(**self.second)


PAIRINGS: dict[str, Pairing] = {
    "positions": Pairing(second={"use_positions": False}, word_order_probe=True),
    # Shortcuts matter in a deep stack: eight blocks, where a gradient without them must
    # pass through every layer.
    "shortcuts": Pairing(first={"n_layers": 8}, second={"n_layers": 8, "use_shortcuts": False}),
    "layer_norm": Pairing(second={"use_layer_norm": False}, lr_factor=3.0),
    "heads": Pairing(first={"n_heads": 4}, second={"n_heads": 1}),
    "tying": Pairing(first={"tie_weights": True}, second={"tie_weights": False}),
    "context": Pairing(first={"context_length": 64}, second={"context_length": 8}),
}

# The word-order probe's sentences, in each corpus's own words (GPT-2's subset of the
# verdict has no "dog" nor "bit"; the Tang vocabulary has 人, 咬 and 狗). Both end in the
# same token, so a model that reads no order sees the same last token after the same
# bag of tokens.
WORD_ORDER = {
    "tang": ("狗咬人，", "人咬狗，"),      # after "。" every model just starts a new line
    "default": ("the man saw the woman.", "the woman saw the man."),
}


def word_order_sentences(corpus: str) -> tuple[str, str]:
    return WORD_ORDER["tang" if corpus.startswith("tang") else "default"]


class PairedLanguageModeling:
    """Pretraining for two models at once (see the module docstring)."""

    name = "pair"

    def __init__(self, ctx: ObjectiveContext):
        data = ctx.task.data
        self.second = ctx.extras[SECOND]
        self.train_cfg = TrainConfig(**data["train_config"])
        if self.train_cfg.grad_accum != 1:
            raise ValueError("a pair trains each model on one whole batch per step (grad_accum 1)")
        prompts = data.get("prompts")
        self.first_lm = LanguageModeling(data["train_tokens"], data["val_tokens"], ctx.tokenizer,
                                         ctx.context_length, prompts)
        self.second_lm = LanguageModeling(data["train_tokens"], data["val_tokens"], ctx.tokenizer,
                                          self.second.cfg.context_length, prompts)
        self.chance_loss = self.first_lm.chance_loss
        self.optimizer = make_optimizer(self.second, self.train_cfg.lr, self.train_cfg.weight_decay)
        self.probe = ProbeSpec(**data["probe"]) if data.get("probe") else None
        self.step, self.seed, self.batch_size = 0, self.train_cfg.seed, self.train_cfg.batch_size
        self.last_second_loss = math.nan
        self.second_grad_norm = 0.0
        self._second_good = self._second_state()      # put back if the second diverges

    def _second_state(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.second.state_dict().items()}

    def batch(self, step, seed, batch_size):
        self.step, self.seed, self.batch_size = step, seed, batch_size
        return self.first_lm.batch(step, seed, batch_size)

    def counts(self, inputs):
        return self.first_lm.counts(inputs)

    def loss(self, model, inputs, targets):
        """Step the second model on this step's batch, then give the first one's loss
        to the trainer (which steps the first model)."""
        self.train_second()
        loss = lm_loss(model, inputs, targets)
        if not math.isfinite(loss.item()):
            raise TrainingDiverged(f"the first model's loss became {loss.item()} at step "
                                   f"{self.step + 1}")
        return loss

    def train_second(self) -> None:
        """One optimisation step of the second model: its own batch (the same windows
        when the contexts match), gradient, clipping and AdamW state."""
        cfg, model = self.train_cfg, self.second
        device = next(model.parameters()).device
        x, y = self.second_lm.batch(self.step, self.seed, self.batch_size)
        for group in self.optimizer.param_groups:
            group["lr"] = lr_at(self.step, cfg.max_steps, cfg.lr, cfg.warmup_steps,
                                cfg.min_lr_ratio)
        model.train()
        self.optimizer.zero_grad(set_to_none=True)
        loss = lm_loss(model, x.to(device), y.to(device))
        loss.backward()
        value = loss.item()
        params = [p for p in model.parameters() if p.grad is not None]
        norm = float(torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip or math.inf))
        if not math.isfinite(value) or not math.isfinite(norm) or (
                self.step > 0 and value > cfg.explode_factor * self.chance_loss):
            model.load_state_dict(self._second_good)
            raise TrainingDiverged(
                f"the second model diverged at step {self.step + 1} (loss {value:.3g}, "
                f"gradient norm {norm:.3g})")
        self.optimizer.step()
        self.last_second_loss, self.second_grad_norm = value, norm

    @torch.no_grad()
    def evaluate(self, model, device, batch_size, n_batches, final=False):
        metrics = self.first_lm.evaluate(model, device, batch_size, n_batches, final)
        second = self.second_lm.evaluate(self.second, device, batch_size, n_batches, final)
        metrics.update(second_train_loss=second["train_loss"], second_val_loss=second["val_loss"])
        if math.isfinite(second["train_loss"]) and math.isfinite(second["val_loss"]):
            self._second_good = self._second_state()
        if self.probe is not None:
            for name, each in zip(MODEL_NAMES, (model, self.second)):
                with eval_mode(each):
                    metrics[f"{name}_word_order"] = run_probe(self.probe, each)
        return metrics

    def samples(self, model, settings):
        """Two samples a step, from the same prompt and seed: item 0 the first model's,
        item 1 the second's."""
        first = self.first_lm.samples(model, settings)[:1]
        second = self.second_lm.samples(self.second, settings)[:1]
        return [Sample(first[0].text, 0), Sample(second[0].text, 1)]


def paired_language_modeling(ctx: ObjectiveContext) -> PairedLanguageModeling:
    """The builder of the pair's objective (the table's "pair")."""
    return PairedLanguageModeling(ctx)


# ----- reading the result ---------------------------------------------------------------

@dataclass(frozen=True)
class PairVerdict:
    """What the numbers say at the end: `gap` = second − first validation loss at the
    last evaluation (positive: the first model is ahead); `first_reached` / `second_reached`:
    the step at which each model first reached the other's final validation loss (None:
    it never did)."""

    step: int
    first_val: float
    second_val: float
    gap: float
    first_reached: int | None
    second_reached: int | None


def pair_curves(evals: list[EvalInfo]) -> dict[str, list[tuple[int, float, float]]]:
    """Each model's (step, train loss, validation loss) points from a pair's evaluations."""
    first = [(e.step, e.train_loss, e.val_loss) for e in evals]
    second = [(e.step, e.metrics["second_train_loss"], e.metrics["second_val_loss"])
              for e in evals if "second_val_loss" in e.metrics]
    return {"first": first, "second": second}


def _first_step_at_or_below(points, target: float) -> int | None:
    return next((step for step, _, val in points if val <= target), None)


def pair_verdict(evals: list[EvalInfo]) -> PairVerdict | None:
    """The verdict from a pair's evaluations (None before the first one after step 0)."""
    curves = pair_curves(evals)
    if not curves["second"] or curves["second"][-1][0] == 0:
        return None
    step, _, first_val = curves["first"][-1]
    _, _, second_val = curves["second"][-1]
    return PairVerdict(step, first_val, second_val, second_val - first_val,
                       _first_step_at_or_below(curves["first"], second_val),
                       _first_step_at_or_below(curves["second"], first_val))

