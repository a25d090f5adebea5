"""Training a GPT: the book's `train_model_simple` (chapter 5.2), and the `Trainer` the app runs.

The book's loop, as it prints it, comes first: for each batch, compute the loss,
backpropagate, step the optimizer; every `eval_freq` steps measure training and
validation loss. Read it first: the `Trainer` below does the same, plus what a live
app needs.

One `Trainer` step:
1. take step k's batch (it depends only on the seed and k, so a resumed run or any
   number of processes sees the same data), split into `grad_accum` micro-batches;
2. compute the objective's loss (core/objectives.py: pretraining by default);
3. backpropagate, clip the gradient norm, and let AdamW update the weights with a
   learning rate that warms up linearly, then decays along a cosine (`lr_at`).

Every `eval_every` steps it evaluates (a dict of numbers: losses, accuracy …), every
`sample_every` steps it writes samples from fixed prompts with a fixed seed (so they
change only because the model does), and it runs any probes (small measurements of
the model, such as attention maps) on their own schedule. It reports through callbacks
and is steered through `threading.Event`s (stop, pause), so it can run in a thread or
a process of its own.

Guard: a loss or gradient that is NaN/inf, or a loss that explodes far above chance,
raises `TrainingDiverged`; `run()` stops with the reason and puts the weights back to
the last evaluation that was healthy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from core.generate import eval_mode, generate
from core.loss import calc_loss_batch, calc_loss_loader
from core.objectives import LanguageModeling, Objective
from core.runtime import make_optimizer
from core.tokenizer import text_to_token_ids, token_ids_to_text


# ----- the book's loop (chapter 5.2) -----------------------------------------------------

def evaluate_model(model, train_loader, val_loader, device, eval_iter):
    """Training and validation loss over `eval_iter` batches, in eval mode."""
    model.eval()
    with torch.no_grad():
        train_loss = calc_loss_loader(train_loader, model, device, num_batches=eval_iter)
        val_loss = calc_loss_loader(val_loader, model, device, num_batches=eval_iter)
    model.train()
    return train_loss, val_loss


def train_model_simple(model, train_loader, val_loader, optimizer, device, num_epochs,
                       eval_freq, eval_iter, start_context, tokenizer, report=None):
    """The book's training loop. Returns (train_losses, val_losses, tokens_seen).

    Where the book prints each evaluation and a sample after each epoch, this calls
    `report(text)` (core/ never prints).
    """
    train_losses, val_losses, track_tokens_seen = [], [], []
    tokens_seen, global_step = 0, -1
    for epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            optimizer.step()
            tokens_seen += input_batch.numel()
            global_step += 1
            if global_step % eval_freq == 0:
                train_loss, val_loss = evaluate_model(model, train_loader, val_loader,
                                                      device, eval_iter)
                train_losses.append(train_loss)
                val_losses.append(val_loss)
                track_tokens_seen.append(tokens_seen)
                if report:
                    report(f"Ep {epoch + 1} (Step {global_step:06d}): "
                           f"Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")
        if report:
            idx = text_to_token_ids(start_context, tokenizer).to(device)
            with eval_mode(model):
                out = generate(model, idx, 50, model.cfg.context_length)
            report(token_ids_to_text(out, tokenizer).replace("\n", " "))
    return train_losses, val_losses, track_tokens_seen


# ----- the app's trainer ----------------------------------------------------------------

def lr_at(step: int, max_steps: int, peak_lr: float, warmup_steps: int,
          min_lr_ratio: float = 0.1) -> float:
    """Linear warmup to peak_lr, then cosine decay to min_lr_ratio·peak_lr."""
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, max_steps - warmup_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return peak_lr * (min_lr_ratio + (1 - min_lr_ratio) * cosine)


def _whole(value, name: str, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")


def _real(value, name: str, low: float, high: float = math.inf, low_included: bool = True) -> None:
    """A finite number (not True/False) in [low, high] (or (low, high])."""
    ok = (not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
          and (value >= low if low_included else value > low) and value <= high)
    if not ok:
        bounds = f"{'[' if low_included else '('}{low:g}, {high:g}]"
        raise ValueError(f"{name} must be a finite number in {bounds}, got {value!r}")


@dataclass(frozen=True)
class TrainConfig:
    """The settings of a training run; checked when made, changed with `replace`."""

    max_steps: int = 500
    batch_size: int = 16             # the global batch, over all micro-batches and processes
    lr: float = 1e-3                 # peak learning rate
    warmup_steps: int = 20
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.1
    grad_clip: float | None = 1.0
    grad_accum: int = 1              # micro-batches per step (same gradient, less memory)
    eval_every: int = 25
    eval_batches: int = 4
    sample_every: int = 50
    sample_prompt: str = ""
    sample_tokens: int = 60
    sample_temperature: float = 0.8
    sample_top_k: int | None = 40
    sample_stop: str = ""            # a sample ends where the model writes this ("\n\n": one poem)
    seed: int = 123
    explode_factor: float = 3.0      # loss above factor × chance loss = diverging

    def __post_init__(self) -> None:
        """Every field is checked; a message names the field and the value it got."""
        for name in ("max_steps", "batch_size", "grad_accum", "eval_every", "eval_batches",
                     "sample_every"):
            _whole(getattr(self, name), name)
        for name in ("warmup_steps", "sample_tokens", "seed"):
            _whole(getattr(self, name), name, low=0)
        if self.max_steps > 1_000_000:
            raise ValueError("max_steps is too large (at most 1,000,000)")
        if self.warmup_steps > self.max_steps:
            raise ValueError(f"warmup_steps ({self.warmup_steps}) is longer than the run "
                             f"(max_steps {self.max_steps})")
        if isinstance(self.lr, bool) or not (isinstance(self.lr, (int, float))
                                             and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr (the learning rate) must be a positive number, got {self.lr!r}")
        _real(self.min_lr_ratio, "min_lr_ratio", 0.0, 1.0)
        _real(self.weight_decay, "weight_decay", 0.0)
        if self.grad_clip is not None:
            _real(self.grad_clip, "grad_clip (None for no clipping)", 0.0, low_included=False)
        if self.batch_size % self.grad_accum:
            raise ValueError(f"batch_size {self.batch_size} must split evenly into "
                             f"{self.grad_accum} micro-batches (grad_accum)")
        if not isinstance(self.sample_prompt, str):
            raise ValueError(f"sample_prompt must be text, got {self.sample_prompt!r}")
        _real(self.sample_temperature, "sample_temperature (0: greedy)", 0.0)
        if self.sample_top_k is not None:
            _whole(self.sample_top_k, "sample_top_k (None: all tokens)")
        _real(self.explode_factor, "explode_factor", 1.0, low_included=False)
        if not isinstance(self.sample_stop, str):
            raise ValueError(f"sample_stop must be text, got {self.sample_stop!r}")

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some fields changed (and checked again)."""
        return dataclasses.replace(self, **changes)

    def with_settings(self, steps: int, batch_size: int, lr: float, seed: int) -> "TrainConfig":
        """These defaults with a learner's steps, batch, peak learning rate and seed: the
        warm-up stays within a tenth of the run and the run is evaluated at least once."""
        return self.replace(max_steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                            warmup_steps=min(self.warmup_steps, steps // 10),
                            eval_every=min(self.eval_every, steps))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class StepInfo:
    step: int                # steps done so far (1 after the first)
    tokens_seen: int
    loss: float
    lr: float
    grad_norm: float
    clipped: bool
    tokens_per_s: float = 0.0
    elapsed_s: float = 0.0
    examples_seen: int = 0


@dataclass
class EvalInfo:
    step: int
    tokens_seen: int
    train_loss: float
    val_loss: float
    metrics: dict = field(default_factory=dict)   # whatever else the objective measures
    examples_seen: int = 0

    @property
    def val_perplexity(self) -> float:
        return math.exp(min(self.val_loss, 50.0))


@dataclass
class SampleInfo:
    step: int
    tokens_seen: int
    loss: float
    text: str
    item: int = 0            # which fixed prompt it answers


@dataclass
class ProbeInfo:
    step: int
    name: str
    value: object            # plain numbers (nested lists, dicts): safe to send anywhere


@dataclass(frozen=True)
class ProbeSpec:
    """A measurement taken every `every` steps (and once before the first step).

    `kind` names a function in core/probes.py, called as fn(model, **args) under
    eval mode and no_grad; it returns plain numbers.
    """

    name: str
    kind: str
    every: int
    args: dict = field(default_factory=dict)


@dataclass
class TrainCallbacks:
    """Hooks the trainer calls; each gets one info object. All optional.

    `between_steps()` runs before every step and while paused: the place to answer
    requests that must not land in the middle of a step (save, copy the weights).
    `on_stop()` runs once when a stop is seen, before the run ends: return False to
    skip the final evaluation (a job that must end quickly).
    """

    on_step: Callable[[StepInfo], None] | None = None
    on_eval: Callable[[EvalInfo], None] | None = None
    on_sample: Callable[[SampleInfo], None] | None = None
    on_probe: Callable[[ProbeInfo], None] | None = None
    between_steps: Callable[[], None] | None = None
    on_stop: Callable[[], bool] | None = None


@dataclass
class TrainResult:
    status: str                      # "finished", "stopped" or "failed"
    reason: str = ""
    step: int = 0
    last_eval: EvalInfo | None = None


class TrainingDiverged(RuntimeError):
    """The loss or the gradient became NaN/inf, or the loss exploded."""


class Trainer:
    """Trains `model` on an objective; `run()` blocks, so give it a thread or a process.

    `model` may be wrapped (DistributedDataParallel); `raw_model` is the model itself.
    Under torch.distributed each process takes its slice of every global batch.
    """

    def __init__(self, model: nn.Module, objective: Objective, cfg: TrainConfig, *,
                 callbacks: TrainCallbacks | None = None, device=None,
                 stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None,
                 optimizer: torch.optim.Optimizer | None = None, start_step: int = 0,
                 probes: tuple[ProbeSpec, ...] = (), rank: int = 0, world_size: int = 1,
                 all_reduce: Callable[[torch.Tensor], torch.Tensor] | None = None):
        if not isinstance(cfg, TrainConfig):
            raise TypeError("cfg must be a TrainConfig")
        if cfg.batch_size % (world_size * cfg.grad_accum):
            raise ValueError(f"batch_size {cfg.batch_size} must split evenly over {world_size} "
                             f"process(es) × {cfg.grad_accum} micro-batch(es)")
        self.model, self.objective, self.cfg = model, objective, cfg
        self.raw_model = getattr(model, "module", model)
        self.device = torch.device(device) if device is not None else \
            next(self.raw_model.parameters()).device
        self.callbacks = callbacks or TrainCallbacks()
        self.stop_event = stop_event or threading.Event()
        self.pause_event = pause_event or threading.Event()
        self.optimizer = optimizer or make_optimizer(self.raw_model, cfg.lr, cfg.weight_decay)
        self.step = start_step
        self.probes = tuple(probes)
        self.rank, self.world_size, self.all_reduce = rank, world_size, all_reduce
        self.lock = threading.Lock()      # held while the weights change
        self.tokens_seen = self.examples_seen = 0
        if start_step:   # resuming: every step so far took one global batch
            tokens, examples = objective.counts(self._global_batch(0)[0])
            self.tokens_seen, self.examples_seen = start_step * tokens, start_step * examples
        self._good_state: dict[str, torch.Tensor] | None = None
        self.good_step = start_step       # the step `_good_state` was taken at
        self.eval_seconds: float | None = None   # how long the last evaluation took

    # --- batches -------------------------------------------------------------------
    def _global_batch(self, step: int):
        return self.objective.batch(step, self.cfg.seed, self.cfg.batch_size)

    def _autocast(self):
        """bf16 autocast on a GPU that has it (matrix products in bf16, the rest fp32)."""
        if self.device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _micro_batches(self, step: int):
        """This process's share of step k's global batch, in `grad_accum` pieces."""
        x, y = self._global_batch(step)
        per_rank = self.cfg.batch_size // self.world_size
        x = x[self.rank * per_rank:(self.rank + 1) * per_rank]
        y = y[self.rank * per_rank:(self.rank + 1) * per_rank]
        pin = self.device.type == "cuda"    # page-locked memory: the copy overlaps compute
        for xm, ym in zip(x.chunk(self.cfg.grad_accum), y.chunk(self.cfg.grad_accum)):
            if pin:
                xm, ym = xm.pin_memory(), ym.pin_memory()
            yield xm.to(self.device, non_blocking=pin), ym.to(self.device, non_blocking=pin)

    def snapshot_state(self) -> dict[str, torch.Tensor]:
        """A consistent copy of the weights, taken between steps."""
        with self.lock:
            return {k: v.detach().clone() for k, v in self.raw_model.state_dict().items()}

    def evaluate(self, final: bool = False) -> EvalInfo:
        """The objective's measurements now; `final` (the end of a run) may measure more
        (a classifier's test accuracy and confusion matrix)."""
        began = time.perf_counter()
        metrics = self.objective.evaluate(self.raw_model, self.device, self.cfg.batch_size,
                                          self.cfg.eval_batches, final=final)
        self.eval_seconds = time.perf_counter() - began
        train_loss, val_loss = metrics.pop("train_loss"), metrics.pop("val_loss")
        return EvalInfo(self.step, self.tokens_seen, train_loss, val_loss, metrics,
                        self.examples_seen)

    def _final_evaluation(self) -> EvalInfo:
        info = self.evaluate(final=True)
        if self.callbacks.on_eval:
            self.callbacks.on_eval(info)
        return info

    def run_probes(self, every_step: bool = False) -> None:
        """Run the probes due at this step (all of them at step 0)."""
        due = [p for p in self.probes if every_step or self.step % p.every == 0]
        if not due or self.callbacks.on_probe is None:
            return
        from core.probes import run_probe
        with self.lock, torch.no_grad(), eval_mode(self.raw_model):
            results = [(p, run_probe(p, self.raw_model)) for p in due]
        for probe, value in results:
            self.callbacks.on_probe(ProbeInfo(self.step, probe.name, value))

    def _restore_good_state(self) -> None:
        if self._good_state is not None:
            with self.lock:
                self.raw_model.load_state_dict(self._good_state)

    def _wait_while_paused(self) -> None:
        while self.pause_event.is_set() and not self.stop_event.is_set():
            if self.callbacks.between_steps:
                self.callbacks.between_steps()
            self.stop_event.wait(0.05)

    def _clip_gradients(self, max_norm: float | None) -> float:
        """The gradients' total norm; above `max_norm` they are scaled down to it.

        (torch's clip_grad_norm_ multiplies every gradient even when the factor is 1:
        a whole pass over them for nothing, most steps.)"""
        params = [p for p in self.model.parameters() if p.grad is not None]
        if not params:
            return 0.0
        total = torch.nn.utils.get_total_norm([p.grad for p in params], foreach=True)
        norm = float(total)
        if max_norm is not None and norm > max_norm and math.isfinite(norm):
            torch.nn.utils.clip_grads_with_norm_(params, max_norm, total, foreach=True)
        return norm

    def _agreed(self, flag: bool) -> bool:
        """True if `flag` is true in any process: all of them stop together, or the
        others would wait for ever in the next gradient all-reduce."""
        if self.all_reduce is None:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        return bool(self.all_reduce(value).item() > 0)

    # --- the loop ------------------------------------------------------------------
    def train_step(self) -> StepInfo:
        """One optimisation step; raises TrainingDiverged when the guard trips."""
        cfg, model = self.cfg, self.model
        lr = lr_at(self.step, cfg.max_steps, cfg.lr, cfg.warmup_steps, cfg.min_lr_ratio)
        with self.lock:
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            model.train()
            self.optimizer.zero_grad(set_to_none=True)
            loss_value, tokens, examples = 0.0, 0, 0
            for n, (xm, ym) in enumerate(self._micro_batches(self.step), 1):
                # Under DistributedDataParallel, average gradients once, after the last
                # micro-batch, not after each one.
                sync = n == cfg.grad_accum or not hasattr(model, "no_sync")
                with contextlib.nullcontext() if sync else model.no_sync():
                    with self._autocast():
                        loss = self.objective.loss(model, xm, ym) / cfg.grad_accum
                    loss.backward()
                loss_value += loss.item()
                t, e = self.objective.counts(xm)
                tokens, examples = tokens + t, examples + e
            reason = None
            if not math.isfinite(loss_value):
                reason = f"the loss became {loss_value} at step {self.step + 1}"
            elif self.step > 0 and loss_value > cfg.explode_factor * self.objective.chance_loss:
                reason = (f"the loss exploded to {loss_value:.3g} at step {self.step + 1} "
                          f"(chance is {self.objective.chance_loss:.2f}): the learning rate "
                          "is too high")
            grad_norm = self._clip_gradients(cfg.grad_clip)
            if reason is None and not math.isfinite(grad_norm):
                reason = f"the gradient became {grad_norm} at step {self.step + 1}"
            if self._agreed(reason is not None):
                raise TrainingDiverged(reason or "another process saw the loss diverge")
            self.optimizer.step()
            self.step += 1
        self._step_tokens = tokens * self.world_size
        self.tokens_seen += self._step_tokens
        self.examples_seen += examples * self.world_size
        clipped = cfg.grad_clip is not None and grad_norm > cfg.grad_clip
        return StepInfo(self.step, self.tokens_seen, loss_value, lr, grad_norm, clipped,
                        examples_seen=self.examples_seen)

    def _due(self, every: int) -> bool:
        return self.step % every == 0 or self.step == self.cfg.max_steps

    def run(self) -> TrainResult:
        cfg, cb = self.cfg, self.callbacks
        self._good_state = self.snapshot_state()
        last_eval = None
        if self.step == 0 and cb.on_eval:     # where the curves start: a guess at chance
            last_eval = self.evaluate()
            cb.on_eval(last_eval)
        if self.probes:
            self.run_probes(every_step=True)
        started = time.perf_counter()
        paused_total = 0.0
        while self.step < cfg.max_steps:
            if cb.between_steps:
                cb.between_steps()
            if self.stop_event.is_set():
                evaluate = cb.on_stop() if cb.on_stop else True
                if evaluate and self.step > 0 and (last_eval is None or last_eval.step != self.step):
                    last_eval = self._final_evaluation()
                return TrainResult("stopped", "stopped by request", self.step, last_eval)
            if self.pause_event.is_set():
                pause_began = time.perf_counter()
                self._wait_while_paused()
                paused_total += time.perf_counter() - pause_began
                continue
            t0 = time.perf_counter()
            try:
                info = self.train_step()
            except TrainingDiverged as err:
                self._restore_good_state()
                return TrainResult("failed", f"{err}; the weights were reset to the last "
                                   "healthy evaluation", self.step, last_eval)
            info.tokens_per_s = self._step_tokens / max(time.perf_counter() - t0, 1e-9)
            info.elapsed_s = time.perf_counter() - started - paused_total
            if cb.on_step:
                cb.on_step(info)
            if self.step == cfg.max_steps:
                last_eval = self._final_evaluation()
            elif self.step % cfg.eval_every == 0:
                last_eval = self.evaluate()
                if math.isfinite(last_eval.train_loss) and math.isfinite(last_eval.val_loss):
                    self._good_state, self.good_step = self.snapshot_state(), self.step
                if cb.on_eval:
                    cb.on_eval(last_eval)
            if cb.on_sample and cfg.sample_tokens and self._due(cfg.sample_every):
                with torch.no_grad():
                    samples = self.objective.samples(self.raw_model, cfg)
                for sample in samples:
                    cb.on_sample(SampleInfo(self.step, info.tokens_seen, info.loss, sample.text,
                                            sample.item))
            if self.probes:
                self.run_probes()
        return TrainResult("finished", "", self.step, last_eval)


def pretraining_trainer(model: nn.Module, tokenizer, train_tokens: torch.Tensor,
                        val_tokens: torch.Tensor, cfg: TrainConfig, **kwargs) -> Trainer:
    """A Trainer on the pretraining objective: next tokens of one long text."""
    objective = LanguageModeling(train_tokens, val_tokens, tokenizer,
                                 getattr(model, "module", model).cfg.context_length,
                                 [cfg.sample_prompt])
    return Trainer(model, objective, cfg, **kwargs)


# Training settings that go with each model preset (core.config.PRESETS). They tell a
# story on 2 CPU cores; the book's own settings stay available as "gpt2-124m".
TRAIN_PRESETS: dict[str, TrainConfig] = {
    "cpu-demo": TrainConfig(max_steps=600, batch_size=16, lr=3e-3, warmup_steps=20,
                            eval_every=25, sample_every=50),
    # A sample every 50 steps (about every 10 s in the page), so the newest one shows
    # where the model is. Shakespeare's are drawn cool (temperature 0.4, top 10), as the
    # page says: measured at the same steps, that reads 87-91% real words where 0.7 and
    # top 40 read 62-70%; the Tang poems keep 0.8 and top 40 (cooler, the lines come later).
    "shakespeare-char": TrainConfig(max_steps=8000, batch_size=48, lr=6e-3, warmup_steps=50,
                                    eval_every=50, sample_every=50, sample_tokens=100,
                                    sample_temperature=0.4, sample_top_k=10),
    "tang-char": TrainConfig(max_steps=6000, batch_size=48, lr=8e-3, warmup_steps=50,
                             eval_every=50, sample_every=50, sample_tokens=64),
    # The tutorial's own settings (batch 16, AdamW 1e-3).
    "tang-tutorial": TrainConfig(max_steps=5000, batch_size=16, lr=1e-3, warmup_steps=0,
                                 min_lr_ratio=1.0, eval_every=50, sample_every=100,
                                 sample_tokens=64),
    "gpt2-124m": TrainConfig(max_steps=100, batch_size=2, lr=4e-4, warmup_steps=0,
                             min_lr_ratio=1.0, eval_every=5, eval_batches=5, sample_every=10,
                             sample_temperature=0.0, sample_top_k=None, sample_tokens=50),
    "gpt2-355m": TrainConfig(max_steps=100, batch_size=2, lr=4e-4, warmup_steps=0,
                             min_lr_ratio=1.0, eval_every=5, eval_batches=5, sample_every=10,
                             sample_temperature=0.0, sample_top_k=None, sample_tokens=50),
    "tiny": TrainConfig(max_steps=200, batch_size=8, lr=3e-3, warmup_steps=5, eval_every=10,
                        eval_batches=2, sample_every=20, sample_tokens=30),
}


if __name__ == "__main__":
    # `python -m core.train` runs the command line, which imports this module:
    # run it as the program rather than import it, so the chapter never depends on its CLI.
    import runpy
    runpy.run_module("core.train_cli", run_name="__main__")
