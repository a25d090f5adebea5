"""How fast is our GPT? A benchmark you can run: `python -m core.bench`.

Everything is measured in one process, with the same thread count, the same model
sizes, the same weights and the same token data, so the ratios printed at the end
compare implementations and not machines.

1. Training tokens/s (forward, cross-entropy on next-token targets, backward,
   AdamW step) of
   - ours: `GPTModel` (fused attention), our loss (`core.loss.lm_loss`, chunked for
     a large vocabulary) and `make_optimizer` (fused AdamW),
   - trainer: the app's own `Trainer.train_step` (the same, plus the learning-rate
     schedule, gradient clipping and the divergence guard) — what a learner gets,
   - transformers' `GPT2LMHeadModel` of the same size (SDPA attention, tied
     weights, the same optimizer) — the same parameter count is asserted,
   - the book's style: the teaching path (explicit attention, LayerNorm by hand)
     and a plain for-loop AdamW.
   Model FLOPs utilisation (MFU) says how much of the machine that is: FLOPs per
   token over FLOPs the processor can do, with the peak measured in this run as
   the best float32 matrix multiply.
2. Generation tokens/s (greedy, batch 1) of our KV-cache `generate` (on a model in
   the decode layout, as the app keeps every model that no longer trains), the
   book's no-cache `generate_text_simple` and transformers' `generate`. Producing
   one token reads every weight once, so memory bandwidth (also measured here) sets
   a speed limit: bandwidth / bytes of weights. The bandwidth is read from a stream
   four times the last-level cache (at least 512 MiB), so no cache can hold it.
3. Threads: the tables above run with the thread count given (default: the app
   server's, half the cores). Generation (c) and the bandwidth limit are then measured
   again at 1 thread and at every core, and torch's profiler splits one token's time
   into the weight products (reading the weights), attention over the cache, layer
   norms, GELU, the embedding look-up, the residual adds, tensor bookkeeping (views,
   copies, allocation) and what no operator accounts for (Python and dispatch).

Timing method: warm up first, then time several repeats with `time.perf_counter`,
taking turns between the implementations, and keep the best repeat. On a shared
machine other programs steal time; the load average is reported for that reason.
The matmul peak and the bandwidth are measured again after every round of turns
and the best value is kept, so a busy moment cannot make MFU exceed 100%.

transformers is a development-only dependency; without it its columns are empty.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from core.config import GPTConfig, get_preset, require_full_model
from core.generate import generate, generate_text_simple
from core.kv_cache import use_decode_layout
from core.loss import lm_loss
from core.model import GPTModel, count_parameters, training_flops_per_token
from core.train import TrainConfig, Trainer
from core.runtime import (configure_cpu_threads, keep_freed_memory, make_optimizer,
                          release_memory)

SEED = 123
LR, WEIGHT_DECAY = 4e-4, 0.1   # the book's AdamW settings


@dataclass(frozen=True)
class TrainCase:
    """One training benchmark: a model shape and a batch size."""

    name: str
    cfg: GPTConfig
    batch_size: int


@dataclass(frozen=True)
class GenerateCase:
    """One generation benchmark: a model shape, a prompt length, tokens to make."""

    name: str
    cfg: GPTConfig
    prompt_tokens: int
    new_tokens: int
    quick_new_tokens: int


def _gpt2_like(**sizes) -> GPTConfig:
    """A config that matches GPT-2's layout exactly: QKV biases, tied head, no dropout."""
    return GPTConfig(**sizes, drop_rate=0.0, qkv_bias=True, tie_weights=True)


TRAIN_CASES = {
    "a": TrainCase("a", _gpt2_like(vocab_size=50257, context_length=256, emb_dim=256,
                                   n_heads=4, n_layers=4), batch_size=8),
    "b": TrainCase("b", _gpt2_like(vocab_size=65, context_length=64, emb_dim=128,
                                   n_heads=4, n_layers=4), batch_size=12),
}
GENERATE_CASES = {
    "b": GenerateCase("b", _gpt2_like(vocab_size=65, context_length=256, emb_dim=128,
                                      n_heads=4, n_layers=4),
                      prompt_tokens=4, new_tokens=200, quick_new_tokens=200),
    "c": GenerateCase("c", get_preset("gpt2-124m", drop_rate=0.0, qkv_bias=True,
                                      tie_weights=True),
                      prompt_tokens=4, new_tokens=100, quick_new_tokens=30),
}

# (description, section, case, ratio or value key, threshold)
TARGETS = [
    ("training (a) ours / transformers", "training", "a", "ours_vs_transformers", 1.0),
    ("training (b) ours / transformers", "training", "b", "ours_vs_transformers", 1.15),
    ("training (a) trainer MFU", "training", "a", "trainer_mfu", 0.75),
    ("generation (b) ours / transformers", "generation", "b", "ours_vs_transformers", 3.0),
    ("generation (b) ours / no cache", "generation", "b", "ours_vs_no_cache", 5.0),
    ("generation (c) ours / no cache", "generation", "c", "ours_vs_no_cache", 3.4),
    ("generation (c) share of the bandwidth limit", "generation", "c", "bandwidth_fraction", 0.85),
]


# ---------------------------------------------------------------- timing helpers

def seed_everything(seed: int = SEED) -> None:
    """Same random weights and data every run (torch is the only source of randomness)."""
    torch.manual_seed(seed)


def time_once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_in_turns(fns: dict[str, Callable[[], object]], repeats: int,
                  warmups: dict[str, Callable[[], object]] | None = None,
                  after_each_round: Callable[[], object] | None = None) -> dict[str, float]:
    """Best seconds per call of each function, run in turns (a b c, b c a, c a b, …).

    Each is first warmed up (by its entry in `warmups`, a smaller job, or one call):
    the first call pays for memory allocation and one-off setup. Taking turns spreads
    a slow moment of the machine over all of them; keeping the best repeat drops such
    moments, since other work can only ever add time. `after_each_round` runs between
    rounds (the machine's limits are sampled there, in the same conditions).
    """
    for name, fn in fns.items():
        (warmups or {}).get(name, fn)()
    names = list(fns)
    best = {name: float("inf") for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            best[name] = min(best[name], time_once(fns[name]))
        if after_each_round is not None:
            after_each_round()
    return best


# ---------------------------------------------------------------- the machine

def measure_matmul_peak(n: int = 1024, repeats: int = 3) -> float:
    """Best FLOP/s of an n×n float32 matrix multiply: what the cores can do at most."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)  # warm up
    best = min(time_once(lambda: torch.mm(a, b)) for _ in range(repeats))
    return 2 * n ** 3 / best


def last_level_cache_bytes() -> int | None:
    """The largest CPU cache of this machine (Linux's sysfs), or None where unknown."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    sizes = []
    for size_file in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        try:
            text = size_file.read_text().strip()
            sizes.append(int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text))
        except (OSError, ValueError):
            continue
    return max(sizes) if sizes else None


def bandwidth_stream_bytes() -> int:
    """How much the bandwidth measurement streams: 4× the last-level cache, at least
    512 MiB (some machines have a 260 MiB L3: a smaller stream would be read from it)."""
    return max(1 << 29, 4 * (last_level_cache_bytes() or 0))


def measure_memory_bandwidth(x: torch.Tensor, repeats: int = 2) -> float:
    """Best bytes/s of reading the float32 tensor `x`, far bigger than any cache.

    Two ways of streaming through it, the best kept: a sum, and a matrix-vector
    product over it seen as a (rows, 1024) matrix — the very kernel a generation step
    spends its time in, on one matrix as large as all of GPT-2 124M's weights.
    """
    matrix, vector = x.view(-1, 1024), torch.ones(1024, dtype=x.dtype)
    reads = (x.sum, lambda: torch.mv(matrix, vector))
    for read in reads:
        read()  # warm up
    best = min(time_once(read) for read in reads for _ in range(repeats))
    return x.numel() * x.element_size() / best


class MachineLimits:
    """The best matmul FLOP/s and memory bandwidth seen so far in this run.

    One measurement taken while other programs run comes out low, and MFU measured
    against it can exceed 100%. So `sample()` is called again and again, between the
    timed runs, and the maximum is kept: a limit the machine certainly reached.
    """

    def __init__(self, with_bandwidth: bool, bandwidth_bytes: int | None = None):
        bandwidth_bytes = bandwidth_bytes or bandwidth_stream_bytes()
        self.bandwidth_bytes = bandwidth_bytes
        self.peak_flops: list[float] = []
        self.bandwidth: list[float] = []
        self._buffer = torch.ones(bandwidth_bytes // 4) if with_bandwidth else None

    def sample(self) -> None:
        self.peak_flops.append(measure_matmul_peak())
        if self._buffer is not None:
            self.bandwidth.append(measure_memory_bandwidth(self._buffer))

    def summary(self) -> dict:
        """The best values (MFU and the bandwidth limit use these) and the lowest."""
        bandwidth = self.bandwidth
        return {
            "matmul_peak_flops": max(self.peak_flops),
            "matmul_peak_lowest_flops": min(self.peak_flops),
            "memory_bandwidth_bytes_per_s": max(bandwidth) if bandwidth else None,
            "memory_bandwidth_lowest_bytes_per_s": min(bandwidth) if bandwidth else None,
            "limit_samples": len(self.peak_flops),
            "bandwidth_stream_bytes": self.bandwidth_bytes,
            "last_level_cache_bytes": last_level_cache_bytes(),
        }


# ---------------------------------------------------------------- the models

def transformers_version() -> str | None:
    try:
        import transformers
    except ImportError:
        return None
    return transformers.__version__


def build_transformers_gpt2(cfg: GPTConfig) -> nn.Module:
    """transformers' GPT-2 with the sizes of `cfg`: SDPA attention, no dropout, tied."""
    from transformers import GPT2Config, GPT2LMHeadModel

    hf_cfg = GPT2Config(
        vocab_size=cfg.vocab_size, n_positions=cfg.context_length, n_embd=cfg.emb_dim,
        n_layer=cfg.n_layers, n_head=cfg.n_heads, resid_pdrop=0.0, embd_pdrop=0.0,
        attn_pdrop=0.0, tie_word_embeddings=True, attn_implementation="sdpa",
        # No special tokens: random data may hold any id, and without an end-of-text
        # token `generate` cannot stop early (and does not forbid that token).
        bos_token_id=None, eos_token_id=None, pad_token_id=None)
    seed_everything()
    model = GPT2LMHeadModel(hf_cfg)
    assert model.config._attn_implementation == "sdpa"
    return model


def build_models(cfg: GPTConfig, with_transformers: bool,
                 with_book: bool = True) -> dict[str, nn.Module]:
    """ours, the book's (explicit attention) and transformers' (if asked) — same weights.

    transformers' weights are copied into ours with the pretrained-GPT-2 loader, so
    all of them start from identical numbers.
    """
    require_full_model(cfg, "the benchmark (it compares with transformers' GPT-2)")
    seed_everything()
    models: dict[str, nn.Module] = {"ours": GPTModel(cfg)}
    if with_transformers:
        from core.pretrained import load_weights_into_gpt

        hf = build_transformers_gpt2(cfg)
        load_weights_into_gpt(models["ours"], hf.state_dict())
        models["transformers"] = hf
    if with_book:
        models["book"] = GPTModel(cfg, fast=False)
        models["book"].load_state_dict(models["ours"].state_dict())
    counts = {name: count_parameters(m) for name, m in models.items()}
    assert len(set(counts.values())) == 1, f"parameter counts differ: {counts}"
    return models


def logits_of(model: nn.Module, idx: torch.Tensor) -> torch.Tensor:
    """Logits from our model (a tensor) or from transformers' (an output object)."""
    out = model(idx)
    return out if isinstance(out, torch.Tensor) else out.logits


# ---------------------------------------------------------------- training

def plain_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of full logits, as transformers' and the book's training loops do."""
    return F.cross_entropy(logits_of(model, inputs).flatten(0, 1), targets.flatten())


def make_training_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                       inputs: torch.Tensor, targets: torch.Tensor, steps: int,
                       loss_fn: Callable = plain_loss) -> Callable[[], None]:
    """A function doing `steps` optimizer steps on the same batch."""
    def run() -> None:
        for _ in range(steps):
            loss = loss_fn(model, inputs, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return run


class FixedBatch:
    """An objective that always hands out the same batch (so every implementation
    trains on identical data), with the project's own loss."""

    name = "lm"

    def __init__(self, inputs: torch.Tensor, targets: torch.Tensor, vocab_size: int):
        self.inputs, self.targets = inputs, targets
        self.chance_loss = math.log(vocab_size)

    def batch(self, step, seed, batch_size):
        return self.inputs, self.targets

    def loss(self, model, inputs, targets):
        return lm_loss(model, inputs, targets)

    def counts(self, inputs):
        return inputs.numel(), inputs.shape[0]


def make_trainer_step(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
                      batch_size: int, steps: int) -> Callable[[], None]:
    """`steps` steps of the app's own Trainer on the same batch."""
    cfg = TrainConfig(max_steps=10**6, batch_size=batch_size, lr=LR, weight_decay=WEIGHT_DECAY,
                      warmup_steps=0, explode_factor=1e9)
    trainer = Trainer(model, FixedBatch(inputs, targets, model.cfg.vocab_size), cfg)

    def run() -> None:
        for _ in range(steps):
            trainer.train_step()
    return run


def bench_training(case: TrainCase, steps: int, repeats: int, with_transformers: bool,
                   after_each_round: Callable[[], object] | None = None) -> dict:
    """Training tokens/s of each implementation on the same random batch."""
    cfg = case.cfg
    models = build_models(cfg, with_transformers)
    models["trainer"] = copy.deepcopy(models["ours"])
    optimizers = {
        "ours": make_optimizer(models["ours"], LR, WEIGHT_DECAY),
        "book": torch.optim.AdamW(models["book"].parameters(), lr=LR,
                                  weight_decay=WEIGHT_DECAY, foreach=False, fused=False),
    }
    if with_transformers:  # the very same optimizer settings as ours
        optimizers["transformers"] = make_optimizer(models["transformers"], LR, WEIGHT_DECAY)

    seed_everything()
    data = torch.randint(0, cfg.vocab_size, (case.batch_size, cfg.context_length + 1))
    inputs, targets = data[:, :-1], data[:, 1:]
    for model in models.values():
        model.train()

    def step_fn(name: str, n: int) -> Callable[[], None]:
        if name == "trainer":
            return make_trainer_step(models[name], inputs, targets, case.batch_size, n)
        loss_fn = lm_loss if name == "ours" else plain_loss
        return make_training_step(models[name], optimizers[name], inputs, targets, n, loss_fn)
    fns = {name: step_fn(name, steps) for name in models}
    warmups = {name: step_fn(name, 1) for name in models}
    seconds = time_in_turns(fns, repeats, warmups, after_each_round)

    tokens = case.batch_size * cfg.context_length * steps
    tps = {name: tokens / s for name, s in seconds.items()}
    n_params = count_parameters(models["ours"])
    return {
        "config": cfg.to_dict(), "batch_size": case.batch_size, "parameters": n_params,
        "steps_per_repeat": steps, "repeats": repeats,
        "tokens_per_s": {name: tps.get(name)
                         for name in ("ours", "trainer", "transformers", "book")},
        "ratios": {"ours_vs_transformers": _ratio(tps, "ours", "transformers"),
                   "trainer_vs_transformers": _ratio(tps, "trainer", "transformers"),
                   "ours_vs_book": _ratio(tps, "ours", "book")},
        "flops_per_token": training_flops_per_token(cfg),
    }


def _ratio(values: dict, a: str, b: str) -> float | None:
    if values.get(a) is None or values.get(b) is None:
        return None
    return values[a] / values[b]


# ---------------------------------------------------------------- generation

def make_generator(name: str, model: nn.Module, prompt: torch.Tensor, new_tokens: int,
                   context: int, produced: dict) -> Callable[[], None]:
    """A function that generates `new_tokens` greedily and records the output."""
    def ours() -> torch.Tensor:
        return generate(model, prompt, new_tokens, context)

    def no_cache() -> torch.Tensor:
        return generate_text_simple(model, prompt, new_tokens, context)

    def transformers() -> torch.Tensor:
        # With no end-of-text token it cannot stop early; the caller checks the length.
        return model.generate(prompt, attention_mask=torch.ones_like(prompt),
                              do_sample=False, max_new_tokens=new_tokens,
                              min_new_tokens=new_tokens, use_cache=True, pad_token_id=0)

    fn = {"ours": ours, "no_cache": no_cache, "transformers": transformers}[name]

    def run() -> None:
        with torch.inference_mode():
            produced[name] = fn()
    return run


def bench_generation(case: GenerateCase, new_tokens: int, repeats: int,
                     with_transformers: bool,
                     after_each_round: Callable[[], object] | None = None) -> dict:
    """Greedy generation speed of each implementation from the same prompt."""
    cfg = case.cfg
    models = build_models(cfg, with_transformers, with_book=False)
    for model in models.values():
        model.eval()
    seed_everything()
    prompt = torch.randint(0, cfg.vocab_size, (1, case.prompt_tokens))
    produced: dict[str, torch.Tensor] = {}
    # The app generates from models that no longer train in the decode layout; the
    # book's loop and the layout test use the training layout.
    runs = {"ours": use_decode_layout(copy.deepcopy(models["ours"])), "no_cache": models["ours"]}
    if with_transformers:
        runs["transformers"] = models["transformers"]
    context = cfg.context_length
    fns = {name: make_generator(name, model, prompt, new_tokens, context, produced)
           for name, model in runs.items()}
    warmups = {name: make_generator(name, model, prompt, min(8, new_tokens), context, {})
               for name, model in runs.items()}
    seconds = time_in_turns(fns, repeats, warmups, after_each_round)

    for name, out in produced.items():  # a fair race: everyone made every token
        assert out.shape[1] == case.prompt_tokens + new_tokens, (name, tuple(out.shape))
    tps = {name: new_tokens / s for name, s in seconds.items()}
    n_params = count_parameters(models["ours"])
    same = None
    if with_transformers:
        same = bool(torch.equal(produced["ours"], produced["transformers"]))
    return {
        "config": cfg.to_dict(), "parameters": n_params, "prompt_tokens": case.prompt_tokens,
        "new_tokens": new_tokens, "repeats": repeats,
        "tokens_per_s": {name: tps.get(name) for name in ("ours", "no_cache", "transformers")},
        "ratios": {"ours_vs_transformers": _ratio(tps, "ours", "transformers"),
                   "ours_vs_no_cache": _ratio(tps, "ours", "no_cache")},
        "same_tokens_as_transformers": same,
    }


# ---------------------------------------------------------------- threads

# Where a generated token's time goes: torch operators by kind.
OP_KINDS = {
    "weight products": ("aten::addmm", "aten::mm", "aten::mv", "aten::bmm", "aten::matmul",
                        "aten::linear"),
    "attention over the cache": ("aten::scaled_dot_product_attention",
                                 "aten::_scaled_dot_product_flash_attention_for_cpu",
                                 "aten::_softmax", "aten::softmax"),
    "layer norms": ("aten::layer_norm", "aten::native_layer_norm"),
    "GELU": ("aten::gelu",),
    "embedding look-up": ("aten::embedding", "aten::index_select"),
    "residual adds": ("aten::add", "aten::add_"),
}


def per_token_breakdown(model: nn.Module, prompt: torch.Tensor, new_tokens: int,
                        context: int) -> dict:
    """Milliseconds per generated token by kind of work, from torch's profiler.

    Each operator's own time (its "self" CPU time) is put under a kind (OP_KINDS;
    anything else is "tensor bookkeeping": views, transposes, copies, allocation), and
    what no operator accounts for, the profiled wall time minus them all, is "Python
    and dispatch". The profiler adds some time of its own, mostly to the last two.
    """
    from torch.profiler import ProfilerActivity, profile

    with torch.inference_mode():
        generate(model, prompt, 2, context)                      # warm up
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            start = time.perf_counter()
            generate(model, prompt, new_tokens, context)
            wall = time.perf_counter() - start
    kinds = {kind: 0.0 for kind in OP_KINDS}
    kinds["tensor bookkeeping"] = 0.0
    owner = {op: kind for kind, ops in OP_KINDS.items() for op in ops}
    for event in prof.key_averages():
        kinds[owner.get(event.key, "tensor bookkeeping")] += event.self_cpu_time_total / 1e6
    kinds["Python and dispatch"] = max(0.0, wall - sum(kinds.values()))
    return {"profiled_ms_per_token": 1e3 * wall / new_tokens,
            "ms_per_token": {kind: 1e3 * sec / new_tokens for kind, sec in kinds.items()}}


def bench_threads(case: GenerateCase, new_tokens: int, repeats: int,
                  thread_counts: list[int]) -> list[dict]:
    """Generation of `case` and the bandwidth limit at each thread count, and where a
    token's time goes there. The thread count in force before is restored."""
    cfg, before = case.cfg, torch.get_num_threads()
    seed_everything()
    model = use_decode_layout(GPTModel(cfg).eval())
    prompt = torch.randint(0, cfg.vocab_size, (1, case.prompt_tokens))
    stream = torch.ones(bandwidth_stream_bytes() // 4)
    weight_bytes = count_parameters(model) * 4
    run = make_generator("ours", model, prompt, new_tokens, cfg.context_length, {})
    rows = []
    try:
        for threads in thread_counts:
            torch.set_num_threads(threads)
            bandwidth = [measure_memory_bandwidth(stream)]
            seconds = time_in_turns({"ours": run}, repeats,
                                    after_each_round=lambda: bandwidth.append(
                                        measure_memory_bandwidth(stream)))["ours"]
            limit = max(bandwidth) / weight_bytes
            tps = new_tokens / seconds
            rows.append({"threads": threads, "memory_bandwidth_bytes_per_s": max(bandwidth),
                         "bandwidth_limit_tokens_per_s": limit, "tokens_per_s": tps,
                         "bandwidth_fraction": tps / limit,
                         "weight_read_ms_at_bandwidth": 1e3 * weight_bytes / max(bandwidth),
                         **per_token_breakdown(model, prompt, new_tokens, cfg.context_length)})
    finally:
        torch.set_num_threads(before)
        del stream
    return rows


def thread_counts() -> list[int]:
    """1 and every core (just 1 on a one-core machine)."""
    return sorted({1, max(1, os.cpu_count() or 1)})


# ---------------------------------------------------------------- on a GPU

GPU_CASE = TrainCase("gpu", get_preset("gpt2-124m", drop_rate=0.0, qkv_bias=True,
                                       tie_weights=True), batch_size=8)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_device_training(device: str | torch.device, case: TrainCase = GPU_CASE,
                          steps: int = 5, repeats: int = 3, compile_model: bool = False) -> dict:
    """The app's Trainer step against the book's training loop on one device.

    - book: the teaching path (explicit attention, LayerNorm by hand), float32 and a
      for-loop AdamW, as chapter 5 trains;
    - trainer: `Trainer.train_step`: SDPA attention, bf16 autocast where the GPU has it,
      fused AdamW, pinned-memory batches, optionally `torch.compile`.
    Same config, same weights, same batch. Meant for a GPU (the book's optimisation
    notes take its loop from 12,525 to 142,156 tokens/s on an A100); it runs anywhere.
    """
    device = torch.device(device)
    cfg = case.cfg
    seed_everything()
    book = GPTModel(cfg, fast=False).to(device).train()
    ours = GPTModel(cfg).to(device).train()
    ours.load_state_dict(book.state_dict())
    data = torch.randint(0, cfg.vocab_size, (case.batch_size, cfg.context_length + 1))
    inputs, targets = data[:, :-1], data[:, 1:]
    book_optimizer = torch.optim.AdamW(book.parameters(), lr=LR, weight_decay=WEIGHT_DECAY,
                                       foreach=False, fused=False)
    book_step = make_training_step(book, book_optimizer, inputs.to(device), targets.to(device),
                                   steps)
    model = torch.compile(ours) if compile_model else ours
    trainer_cfg = TrainConfig(max_steps=10**6, batch_size=case.batch_size, lr=LR,
                              weight_decay=WEIGHT_DECAY, warmup_steps=0, explode_factor=1e9)
    trainer = Trainer(model, FixedBatch(inputs, targets, cfg.vocab_size), trainer_cfg,
                      device=device)
    trainer.raw_model = ours

    def trainer_step() -> None:
        for _ in range(steps):
            trainer.train_step()

    def timed(fn):
        def run() -> None:
            fn()
            _synchronize(device)
        return run
    seconds = time_in_turns({"book": timed(book_step), "trainer": timed(trainer_step)}, repeats)
    tokens = case.batch_size * cfg.context_length * steps
    tps = {name: tokens / s for name, s in seconds.items()}
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else str(device)
    return {"device": name, "config": cfg.to_dict(), "batch_size": case.batch_size,
            "steps_per_repeat": steps, "compiled": compile_model,
            "bf16": device.type == "cuda" and torch.cuda.is_bf16_supported(),
            "tokens_per_s": tps, "trainer_vs_book": tps["trainer"] / tps["book"]}


# ---------------------------------------------------------------- the whole run

@dataclass
class Plan:
    """How much work each measurement does (`--quick` makes everything smaller)."""

    train_steps: dict[str, int] = field(default_factory=lambda: {"a": 1, "b": 5})
    train_repeats: int = 7
    # (b) generates in a fraction of a second, so more repeats cost little and make
    # its best repeat less dependent on a quiet moment of the machine.
    generate_repeats: dict[str, int] = field(default_factory=lambda: {"b": 10, "c": 4})
    quick: bool = False

    @classmethod
    def quick_plan(cls) -> "Plan":
        return cls(train_steps={"a": 1, "b": 3}, train_repeats=2,
                   generate_repeats={"b": 4, "c": 2}, quick=True)


def load_average() -> float | None:
    """Runnable processes over the last minute (None where the system cannot tell)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def run_benchmarks(configs: list[str], plan: Plan, threads: int | None = None) -> dict:
    """Every requested benchmark, as one dictionary of plain numbers."""
    threads = configure_cpu_threads(threads)
    # A training step of (a) frees ~1.6 GB of logit-sized buffers at once. Above the
    # trim threshold glibc hands that back to the system, and the next step faults it
    # in again page by page: seconds of system time per step, varying from step to
    # step. -1 switches trimming off for the run; release_memory() still gives the
    # memory back after each case.
    keep_freed_memory(trim_threshold=-1)
    hf_version = transformers_version()
    results: dict = {
        "threads": threads, "cpu_count": os.cpu_count(), "load_average_before": load_average(),
        "quick": plan.quick, "torch": torch.__version__, "transformers": hf_version,
        "training": {}, "generation": {},
    }
    limits = MachineLimits(with_bandwidth="c" in configs)
    limits.sample()
    for name in configs:
        if name in TRAIN_CASES:
            start = time.perf_counter()
            r = bench_training(TRAIN_CASES[name], plan.train_steps[name], plan.train_repeats,
                               hf_version is not None, limits.sample)
            r["wall_seconds"] = time.perf_counter() - start
            results["training"][name] = r
            release_memory()  # the case's models are gone: hand their memory back
        if name in GENERATE_CASES:
            start = time.perf_counter()
            case = GENERATE_CASES[name]
            new_tokens = case.quick_new_tokens if plan.quick else case.new_tokens
            r = bench_generation(case, new_tokens, plan.generate_repeats[name],
                                 hf_version is not None, limits.sample)
            r["wall_seconds"] = time.perf_counter() - start
            results["generation"][name] = r
            release_memory()
    results.update(limits.summary())
    del limits  # and its bandwidth buffer
    release_memory()
    add_machine_shares(results)
    if "c" in configs:
        case = GENERATE_CASES["c"]
        start = time.perf_counter()
        results["threads_scan"] = bench_threads(
            case, case.quick_new_tokens if plan.quick else case.new_tokens,
            plan.generate_repeats["c"], thread_counts())
        results["threads_scan_wall_seconds"] = time.perf_counter() - start
        release_memory()
    results["load_average_after"] = load_average()
    if torch.cuda.is_available() and not plan.quick:
        results["gpu"] = bench_device_training("cuda")
        release_memory()
    results["targets"] = check_targets(results)
    results["all_targets_met"] = all(t["met"] for t in results["targets"])
    return results


def add_machine_shares(results: dict) -> None:
    """MFU of each training run and, for (c), the share of the bandwidth limit, both
    against the best limits measured anywhere in the run."""
    peak = results["matmul_peak_flops"]
    for r in results["training"].values():
        r["mfu"] = {impl: None if tps is None else tps * r["flops_per_token"] / peak
                    for impl, tps in r["tokens_per_s"].items()}
    bandwidth = results["memory_bandwidth_bytes_per_s"]
    r = results["generation"].get("c")
    if r is not None and bandwidth:
        # Each new token reads every float32 weight once: bandwidth / bytes = a limit.
        limit = bandwidth / (r["parameters"] * 4)
        r["bandwidth_limit_tokens_per_s"] = limit
        r["bandwidth_fraction"] = r["tokens_per_s"]["ours"] / limit


def check_targets(results: dict) -> list[dict]:
    """Each target with its measured value and whether it is met (None: not measured)."""
    checks = []
    for text, section, case, key, threshold in TARGETS:
        r = results[section].get(case)
        if r is None:
            continue
        if key == "trainer_mfu":
            value = r["mfu"]["trainer"]
        elif key == "bandwidth_fraction":
            value = r.get("bandwidth_fraction")
        else:
            value = r["ratios"][key]
        met = None if value is None else bool(value >= threshold)
        checks.append({"target": text, "value": value, "threshold": threshold, "met": met})
    return checks


# ---------------------------------------------------------------- reporting

def _num(value, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _x(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def format_markdown(results: dict) -> str:
    """The results as Markdown tables (the README shows one)."""
    hf = results["transformers"]
    peak = (f"matmul peak {results['matmul_peak_flops'] / 1e9:.1f} GFLOP/s (float32; lowest "
            f"sample {results['matmul_peak_lowest_flops'] / 1e9:.1f})")
    if results["memory_bandwidth_bytes_per_s"]:
        peak += (f" · memory bandwidth {results['memory_bandwidth_bytes_per_s'] / 1e9:.1f} GB/s"
                 f" (lowest {results['memory_bandwidth_lowest_bytes_per_s'] / 1e9:.1f})")
    lines = [
        f"torch threads: {results['threads']} of {results['cpu_count']} cores · "
        f"torch {results['torch']} · transformers {hf or 'not installed (columns empty)'}",
        f"Best of {results['limit_samples']} samples taken between the timed runs: {peak}",
    ]
    if results["quick"]:
        lines.append("Quick run: fewer steps and repeats, and fewer new tokens for (c). The "
                     "no-cache loop re-reads the whole text for every token, so (c)'s ratio "
                     "to it grows with the number of tokens: it reads lower here than in a "
                     "full run.")
    load = results["load_average_before"]
    if load is not None and load >= 0.5 * (results["cpu_count"] or 1):
        lines.append(f"Note: the machine was busy (load average {load:.1f} before the run); "
                     "other programs slow these numbers down and make them vary.")
    lines.append("")
    if results["training"]:
        lines += _table(
            "**Training** (tokens/s; forward + backward + AdamW step)",
            ["config", "params", "ours", "trainer", "transformers", "book style",
             "ours / transformers", "trainer / transformers", "ours / book", "MFU ours",
             "MFU trainer", "MFU transformers"],
            [[_shape(name, r) + f" B{r['batch_size']}", f"{r['parameters'] / 1e6:.2f}M",
              *(_num(r["tokens_per_s"][k]) for k in ("ours", "trainer", "transformers", "book")),
              *(_x(r["ratios"][k]) for k in ("ours_vs_transformers", "trainer_vs_transformers",
                                             "ours_vs_book")),
              *(_pct(r["mfu"][k]) for k in ("ours", "trainer", "transformers"))]
             for name, r in results["training"].items()])
    if results["generation"]:
        rows = []
        for name, r in results["generation"].items():
            share = "–"
            if "bandwidth_fraction" in r:
                share = (f"{_pct(r['bandwidth_fraction'])} of "
                         f"{r['bandwidth_limit_tokens_per_s']:.1f}")
            rows.append([_shape(name, r), str(r["new_tokens"]),
                         *(_num(r["tokens_per_s"][k], 1) for k in ("ours", "no_cache", "transformers")),
                         _x(r["ratios"]["ours_vs_transformers"]), _x(r["ratios"]["ours_vs_no_cache"]),
                         share])
        lines += _table("**Generation** (new tokens/s; greedy, batch 1)",
                        ["config", "new tokens", "ours (KV cache)", "no cache (book)",
                         "transformers", "ours / transformers", "ours / no cache",
                         "share of bandwidth limit"], rows)
        same = {name: r["same_tokens_as_transformers"] for name, r in results["generation"].items()
                if r["same_tokens_as_transformers"] is not None}
        if same:
            lines.append("\nSame weights, so the same greedy tokens as transformers: " + ", ".join(
                f"({name}) {'yes' if ok else 'no'}" for name, ok in same.items()))
        lines.append("")
    if results.get("threads_scan"):
        lines += _threads_tables(results["threads_scan"])
    if results.get("gpu"):
        g = results["gpu"]
        lines += _table(f"**Training on {g['device']}** (tokens/s; GPT-2 124M sizes, context "
                        f"{g['config']['context_length']}, batch {g['batch_size']})",
                        ["book loop (fp32, teaching path)", "the app's Trainer", "Trainer / book"],
                        [[_num(g["tokens_per_s"]["book"]), _num(g["tokens_per_s"]["trainer"]),
                          _x(g["trainer_vs_book"])]])
    else:
        lines += ["No GPU in this run: the GPU section (the Trainer against the book's loop "
                  "on one GPU) was not measured.", ""]
    if results["targets"]:
        lines += ["**Targets**", "", "| target | measured | goal | result |",
                  "|---|---:|---:|---|"]
        for t in results["targets"]:
            verdict = {True: "PASS", False: "MISS", None: "not measured"}[t["met"]]
            lines.append(f"| {t['target']} | {_num(t['value'], 2)} | ≥ {t['threshold']:g} "
                         f"| {verdict} |")
    return "\n".join(lines)


def _threads_tables(rows: list[dict]) -> list[str]:
    """Generation (c) at each thread count, and where a token's time goes."""
    lines = _table(
        "**Generation (c) by thread count** (greedy, batch 1; the app's server samples "
        "with half the cores, a job with its share of them)",
        ["threads", "memory bandwidth", "limit (tokens/s)", "ours (tokens/s)", "share of limit",
         "weight reads at that bandwidth", "ms per token"],
        [[str(r["threads"]), f"{r['memory_bandwidth_bytes_per_s'] / 1e9:.1f} GB/s",
          f"{r['bandwidth_limit_tokens_per_s']:.1f}", f"{r['tokens_per_s']:.1f}",
          _pct(r["bandwidth_fraction"]), f"{r['weight_read_ms_at_bandwidth']:.1f} ms",
          f"{1e3 / r['tokens_per_s']:.1f} ms"] for r in rows])
    kinds = list(rows[0]["ms_per_token"])
    lines += _table(
        "**Where a token's time goes** (ms per token under torch's profiler, which adds a "
        "little of its own)",
        ["kind of work", *(f"{r['threads']} thread{'s' if r['threads'] > 1 else ''}" for r in rows)],
        [[kind, *(f"{r['ms_per_token'][kind]:.1f}" for r in rows)] for kind in kinds]
        + [["total (profiled)", *(f"{r['profiled_ms_per_token']:.1f}" for r in rows)]])
    return lines


def _shape(name: str, r: dict) -> str:
    c = r["config"]
    return (f"({name}) V{c['vocab_size']} T{c['context_length']} C{c['emb_dim']} "
            f"L{c['n_layers']} H{c['n_heads']}")


def _table(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table: numbers right-aligned, the first column left."""
    lines = [title, "", "| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m core.bench",
        description="Training and generation speed of our GPT against transformers' "
                    "GPT-2 and the book's plain code.")
    parser.add_argument("--quick", action="store_true",
                        help="fewer steps and repeats; generation (c) makes "
                             f"{GENERATE_CASES['c'].quick_new_tokens} new tokens instead of "
                             f"{GENERATE_CASES['c'].new_tokens}")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON line instead of Markdown tables")
    parser.add_argument("--configs", default="a,b,c",
                        help="comma-separated subset of a, b, c (default: all)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for the main tables (default: as the app's server, "
                             "half the cores); generation (c) is also measured at 1 thread and "
                             "at every core")
    args = parser.parse_args(argv)
    args.configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = set(args.configs) - set(TRAIN_CASES) - set(GENERATE_CASES)
    if unknown or not args.configs:
        parser.error(f"--configs takes a, b and/or c, got {args.configs}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan.quick_plan() if args.quick else Plan()
    if transformers_version() is None:
        sys.stderr.write("transformers is not installed: its columns are skipped "
                         "(pip install transformers to compare).\n")
    results = run_benchmarks(args.configs, plan, args.threads)
    if args.json:
        sys.stdout.write(json.dumps(results, separators=(",", ":")) + "\n")
    else:
        sys.stdout.write(format_markdown(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
