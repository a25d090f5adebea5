"""Pretraining: the book's `train_model_simple` (chapter 5.2), grown up.

One training step:
1. take a batch of windows from the training tokens (inputs and next-token targets);
2. compute the cross-entropy loss (`calc_loss_batch`);
3. backpropagate, clip the gradient norm, and let AdamW update the weights, with a
   learning rate that warms up linearly and then decays along a cosine.

Every `eval_every` steps the trainer measures training and validation loss over a few
fixed batches (`calc_loss_loader`), and every `sample_every` steps it writes a sample
from a fixed prompt with a fixed seed, so the samples change only because the model
does. It reports through callbacks and is steered through `threading.Event`s (stop,
pause), so a UI can run it in a background thread.

Guard: a loss or gradient that is NaN/inf, or a loss that explodes far above where
training began, stops the run with a reason, and the weights go back to the last
evaluation that was healthy.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from core.data import create_dataloader, random_batch
from core.generate import generate
from core.model import GPTModel
from core.runtime import make_optimizer
from core.tokenizer import Tokenizer


def calc_loss_batch(input_batch: torch.Tensor, target_batch: torch.Tensor,
                    model: nn.Module, device) -> torch.Tensor:
    """Mean cross-entropy of predicting every target token: (B, T) ids → scalar."""
    input_batch, target_batch = input_batch.to(device), target_batch.to(device)
    logits = model(input_batch)                                   # (B, T, vocab)
    return F.cross_entropy(logits.flatten(0, 1), target_batch.flatten())


def calc_loss_loader(data_loader, model: nn.Module, device, num_batches: int | None = None) -> float:
    """Average loss over the first `num_batches` batches (all when None)."""
    if len(data_loader) == 0:
        return float("nan")
    num_batches = len(data_loader) if num_batches is None else min(num_batches, len(data_loader))
    total = 0.0
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i >= num_batches:
            break
        total += calc_loss_batch(input_batch, target_batch, model, device).item()
    return total / num_batches


def lr_at(step: int, max_steps: int, peak_lr: float, warmup_steps: int,
          min_lr_ratio: float = 0.1) -> float:
    """Linear warmup to peak_lr, then cosine decay to min_lr_ratio·peak_lr."""
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, max_steps - warmup_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return peak_lr * (min_lr_ratio + (1 - min_lr_ratio) * cosine)


@dataclass
class TrainConfig:
    max_steps: int = 500
    batch_size: int = 16
    lr: float = 1e-3                 # peak learning rate
    warmup_steps: int = 20
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.1
    grad_clip: float | None = 1.0
    eval_every: int = 25
    eval_batches: int = 4
    sample_every: int = 50
    sample_prompt: str = ""
    sample_tokens: int = 60
    sample_temperature: float = 0.8
    sample_top_k: int | None = 40
    seed: int = 123
    explode_factor: float = 3.0      # loss above factor × starting loss = diverging

    def check(self) -> None:
        for name in ("max_steps", "batch_size", "eval_every", "eval_batches", "sample_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        if self.max_steps > 1_000_000:
            raise ValueError("max_steps is too large (at most 1,000,000)")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate must be a positive number, got {self.lr!r}")
        if self.warmup_steps < 0 or self.sample_tokens < 0:
            raise ValueError("warmup_steps and sample_tokens must be >= 0")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError("grad_clip must be > 0 (or None for no clipping)")


@dataclass
class StepInfo:
    step: int                # steps done so far (1 after the first)
    tokens_seen: int
    loss: float
    lr: float
    grad_norm: float
    clipped: bool
    tokens_per_s: float
    elapsed_s: float


@dataclass
class EvalInfo:
    step: int
    tokens_seen: int
    train_loss: float
    val_loss: float

    @property
    def val_perplexity(self) -> float:
        return math.exp(min(self.val_loss, 50.0))


@dataclass
class SampleInfo:
    step: int
    tokens_seen: int
    loss: float
    text: str


@dataclass
class TrainCallbacks:
    """Hooks the trainer calls; each gets one info object. All optional."""

    on_step: Callable[[StepInfo], None] | None = None
    on_eval: Callable[[EvalInfo], None] | None = None
    on_sample: Callable[[SampleInfo], None] | None = None


@dataclass
class TrainResult:
    status: str                      # "finished", "stopped" or "failed"
    reason: str = ""
    step: int = 0
    last_eval: EvalInfo | None = None


def check_split(tokens: torch.Tensor, context_length: int, what: str) -> None:
    if len(tokens) < context_length + 1:
        raise ValueError(
            f"the {what} split has {len(tokens)} tokens, fewer than one window of "
            f"context {context_length} + 1: use a shorter context or more text "
            "(otherwise its loss cannot be measured)")


class Trainer:
    """Trains `model` on token tensors; run() blocks, so call it from a thread."""

    def __init__(self, model: GPTModel, tokenizer: Tokenizer, train_tokens: torch.Tensor,
                 val_tokens: torch.Tensor, cfg: TrainConfig,
                 callbacks: TrainCallbacks | None = None, device=None,
                 stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None,
                 optimizer: torch.optim.Optimizer | None = None, start_step: int = 0):
        cfg.check()
        context = model.cfg.context_length
        check_split(train_tokens, context, "training")
        check_split(val_tokens, context, "validation")
        self.model, self.tokenizer, self.cfg = model, tokenizer, cfg
        self.device = device or next(model.parameters()).device
        self.train_tokens = train_tokens.cpu()
        self.val_tokens = val_tokens
        self.callbacks = callbacks or TrainCallbacks()
        self.stop_event = stop_event or threading.Event()
        self.pause_event = pause_event or threading.Event()
        self.optimizer = optimizer or make_optimizer(model, cfg.lr, cfg.weight_decay)
        self.step = start_step
        self.lock = threading.Lock()      # held while the weights change
        self._good_state: dict[str, torch.Tensor] | None = None
        self._start_loss = math.log(model.cfg.vocab_size)
        self._eval_loaders = {
            "train": create_dataloader(train_tokens, cfg.batch_size, context, shuffle=False),
            "val": create_dataloader(val_tokens, cfg.batch_size, context, shuffle=False),
        }
        self._sample_ids = self._encode_prompt(cfg.sample_prompt)

    # --- helpers -------------------------------------------------------------------
    def _encode_prompt(self, prompt: str) -> torch.Tensor:
        ids = self.tokenizer.encode(prompt) if prompt else []
        if not ids:   # no usable prompt: start from the first token of the training text
            ids = [int(self.train_tokens[0])]
        return torch.tensor([ids[-self.model.cfg.context_length:]], dtype=torch.long)

    def tokens_per_step(self) -> int:
        return self.cfg.batch_size * self.model.cfg.context_length

    def _batch(self, step: int):
        # The batch of step k depends only on (seed, k): a resumed run sees the same data.
        generator = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + step)
        x, y = random_batch(self.train_tokens, self.cfg.batch_size,
                            self.model.cfg.context_length, generator)
        return x.to(self.device), y.to(self.device)

    def snapshot_state(self) -> dict[str, torch.Tensor]:
        """A consistent copy of the weights, taken between steps."""
        with self.lock:
            return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    @torch.no_grad()
    def evaluate(self) -> EvalInfo:
        was_training = self.model.training
        self.model.eval()
        try:
            losses = {name: calc_loss_loader(loader, self.model, self.device, self.cfg.eval_batches)
                      for name, loader in self._eval_loaders.items()}
        finally:
            self.model.train(was_training)
        return EvalInfo(self.step, self.step * self.tokens_per_step(), losses["train"], losses["val"])

    def sample(self) -> str:
        out = generate(self.model, self._sample_ids, self.cfg.sample_tokens,
                       self.model.cfg.context_length, temperature=self.cfg.sample_temperature,
                       top_k=self.cfg.sample_top_k, seed=self.cfg.seed)
        return self.tokenizer.decode(out[0].tolist())

    def _restore_good_state(self) -> None:
        if self._good_state is not None:
            with self.lock:
                self.model.load_state_dict(self._good_state)

    def _wait_while_paused(self) -> None:
        while self.pause_event.is_set() and not self.stop_event.is_set():
            self.stop_event.wait(0.05)

    # --- the loop ------------------------------------------------------------------
    def train_step(self) -> StepInfo | str:
        """One optimisation step; returns a reason string if the guard trips."""
        cfg = self.cfg
        lr = lr_at(self.step, cfg.max_steps, cfg.lr, cfg.warmup_steps, cfg.min_lr_ratio)
        x, y = self._batch(self.step)
        with self.lock:
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            self.model.train()
            loss = calc_loss_batch(x, y, self.model, self.device)
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                return f"the loss became {loss_value} at step {self.step + 1}"
            if self.step > 0 and loss_value > cfg.explode_factor * self._start_loss:
                return (f"the loss exploded to {loss_value:.3g} at step {self.step + 1} "
                        f"(it started near {self._start_loss:.2f}): the learning rate is too high")
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            max_norm = cfg.grad_clip if cfg.grad_clip is not None else float("inf")
            grad_norm = float(torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm))
            if not math.isfinite(grad_norm):
                return f"the gradient became {grad_norm} at step {self.step + 1}"
            self.optimizer.step()
            self.step += 1
        clipped = cfg.grad_clip is not None and grad_norm > cfg.grad_clip
        return StepInfo(self.step, self.step * self.tokens_per_step(), loss_value, lr,
                        grad_norm, clipped, 0.0, 0.0)

    def run(self) -> TrainResult:
        cfg, cb = self.cfg, self.callbacks
        self._good_state = self.snapshot_state()
        last_eval = None
        started = time.perf_counter()
        paused_total = 0.0
        while self.step < cfg.max_steps:
            if self.stop_event.is_set():
                return TrainResult("stopped", "stopped by request", self.step, last_eval)
            if self.pause_event.is_set():
                pause_began = time.perf_counter()
                self._wait_while_paused()
                paused_total += time.perf_counter() - pause_began
                continue
            t0 = time.perf_counter()
            info = self.train_step()
            if isinstance(info, str):
                self._restore_good_state()
                return TrainResult("failed", info + "; the weights were reset to the last "
                                   "healthy evaluation", self.step, last_eval)
            info.tokens_per_s = self.tokens_per_step() / max(time.perf_counter() - t0, 1e-9)
            info.elapsed_s = time.perf_counter() - started - paused_total
            if cb.on_step:
                cb.on_step(info)
            if self.step % cfg.eval_every == 0 or self.step == cfg.max_steps:
                last_eval = self.evaluate()
                if math.isfinite(last_eval.train_loss) and math.isfinite(last_eval.val_loss):
                    self._good_state = self.snapshot_state()
                if cb.on_eval:
                    cb.on_eval(last_eval)
            if cb.on_sample and cfg.sample_tokens and (
                    self.step % cfg.sample_every == 0 or self.step == cfg.max_steps):
                cb.on_sample(SampleInfo(self.step, info.tokens_seen, info.loss, self.sample()))
        return TrainResult("finished", "", self.step, last_eval)


def estimate_flops_per_token(model_cfg) -> float:
    """Training FLOPs per token ≈ 6·N (matmul weights) + 12·L·T·C (attention scores)."""
    c, layers, t, v = model_cfg.emb_dim, model_cfg.n_layers, model_cfg.context_length, model_cfg.vocab_size
    n_matmul = layers * 12 * c * c + v * c          # blocks + output head
    return 6 * n_matmul + 12 * layers * t * c


@dataclass
class _Throughput:
    flops_per_s: float = 0.0
    measured: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_THROUGHPUT = _Throughput()


def measured_training_flops() -> float:
    """Achieved training FLOP/s on this machine, from a few steps of a small model (cached)."""
    with _THROUGHPUT.lock:
        if not _THROUGHPUT.measured:
            from core.config import get_preset
            cfg = get_preset("cpu-demo")
            model = GPTModel(cfg)
            opt = make_optimizer(model)
            x = torch.randint(0, cfg.vocab_size, (8, cfg.context_length))
            timings = []
            for _ in range(4):
                t0 = time.perf_counter()
                loss = calc_loss_batch(x, x, model, "cpu")
                opt.zero_grad()
                loss.backward()
                opt.step()
                timings.append(time.perf_counter() - t0)
            tokens = x.numel()
            _THROUGHPUT.flops_per_s = estimate_flops_per_token(cfg) * tokens / min(timings[1:])
            _THROUGHPUT.measured = True
        return _THROUGHPUT.flops_per_s


def estimate_step_seconds(model_cfg, batch_size: int) -> float:
    """Rough seconds per training step, scaled from the measured throughput."""
    tokens = batch_size * model_cfg.context_length
    return estimate_flops_per_token(model_cfg) * tokens / measured_training_flops()


# Training settings that go with each model preset (core.config.PRESETS). They tell a
# story on 2 CPU cores; the book's own settings stay available as "gpt2-124m".
TRAIN_PRESETS: dict[str, TrainConfig] = {
    "cpu-demo": TrainConfig(max_steps=600, batch_size=16, lr=3e-3, warmup_steps=20,
                            eval_every=25, sample_every=50),
    "tang-char": TrainConfig(max_steps=1500, batch_size=16, lr=3e-3, warmup_steps=20,
                             eval_every=50, sample_every=100, sample_tokens=64),
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
