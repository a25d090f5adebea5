"""`python -m core.train`: the Pretrain tab's trainer from the command line, on one process
or many (torchrun + DistributedDataParallel).

    python -m core.train --corpus the-verdict --steps 600 --out runs/verdict
    python -m core.train --corpus tang --preset tang-char --steps 3000 --out runs/tang
    python -m core.train --corpus my-notes.txt --tokenizer gpt2 --steps 2000 --out runs/notes
    python -m core.train --resume runs/verdict/checkpoint --steps 1200 --out runs/verdict
    torchrun --nproc_per_node 2 -m core.train --corpus tiny-shakespeare --steps 2000 --out runs/ts

Settings come from the flags, or a JSON file (`--config`) with the same names (flags
win). It is the very assembly the tab uses (core/pretraining.py) and the same Trainer;
checkpoints are the app's own format, so the Pretrain tab's Load takes them as they are,
and `python -m core.export CHECKPOINT OUT` turns them into a transformers folder.

`--resume` continues with the settings saved in the checkpoint (batch size, learning
rate, warm-up, schedule, seed, …); a flag given on the command line wins, and the first
line printed says which settings it changed. The model keeps its shape.

Under torchrun every process takes its slice of each global batch (drawn from the seed
and the step alone), gradients are averaged by DistributedDataParallel (gloo on CPU,
nccl on CUDA), gradient accumulation keeps the global batch you asked for, and only
rank 0 prints, samples and saves. A checkpoint resumes on any number of processes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
from pathlib import Path

import torch

from core.checkpoint import CheckpointError, load_checkpoint, read_meta, save_checkpoint
from core.config import PRESETS
from core.corpora import CORPORA, CorpusUnavailable, check_user_text, load_corpus
from core.data import tokenize_and_split
from core.model import build_model
from core.objectives import LanguageModeling
from core.pretraining import (TOKENIZER_KINDS, model_config_for, story_for, tokenizer_for,
                              train_config_for)
from core.runtime import (configure_cpu_threads, console, keep_freed_memory, make_optimizer,
                          pick_device)
from core.train import TrainCallbacks, TrainConfig, Trainer

SIZES = ("n_layers", "n_heads", "emb_dim", "context_length")
TRAINING = ("steps", "batch_size", "lr", "seed", "eval_every", "sample_every", "grad_accum",
            "warmup_steps")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core.train",
        description="Pretrain a GPT from the command line: the same trainer, presets and "
                    "checkpoints as LLM Playground's Pretrain tab. Runs on one process, or "
                    "on several under torchrun (DistributedDataParallel).",
        epilog="Several machines: run the same command on each with torchrun's rendezvous "
               "flags, e.g. torchrun --nnodes 2 --node_rank 0 --nproc_per_node 4 "
               "--rdzv_backend c10d --rdzv_endpoint host0:29500 -m core.train …")
    data = parser.add_argument_group("data")
    data.add_argument("--corpus", help=f"a named corpus ({', '.join(CORPORA)}) or the path of "
                      "a UTF-8 text file")
    data.add_argument("--tokenizer", choices=TOKENIZER_KINDS, default=None,
                      help="auto: the corpus's usual one (the-verdict: GPT-2 BPE restricted to "
                           "its tokens; tiny-shakespeare and Tang: characters; a file: characters)")
    model = parser.add_argument_group("model")
    model.add_argument("--preset", choices=sorted(PRESETS), default=None,
                       help="model and training settings (default: the corpus's story preset)")
    model.add_argument("--n-layers", type=int, dest="n_layers", help="transformer blocks")
    model.add_argument("--n-heads", type=int, dest="n_heads", help="attention heads per block")
    model.add_argument("--emb-dim", type=int, dest="emb_dim", help="width of the token vectors")
    model.add_argument("--context-length", type=int, dest="context_length",
                       help="tokens the model sees at once")
    train = parser.add_argument_group("training")
    train.add_argument("--steps", type=int, help="train until this step (the total, also when resuming)")
    train.add_argument("--batch-size", type=int, dest="batch_size",
                       help="the global batch: over all processes and micro-batches")
    train.add_argument("--grad-accum", type=int, dest="grad_accum",
                       help="micro-batches per step (the same gradient with less memory)")
    train.add_argument("--lr", type=float, help="peak learning rate (warm-up, then cosine decay)")
    train.add_argument("--warmup-steps", type=int, dest="warmup_steps")
    train.add_argument("--seed", type=int, help="the same seed and settings give the same curve")
    train.add_argument("--eval-every", type=int, dest="eval_every",
                       help="evaluate (and print a line, and save) every N steps")
    train.add_argument("--sample-every", type=int, dest="sample_every",
                       help="print a sample every N steps")
    run = parser.add_argument_group("run")
    run.add_argument("--out", help="folder for the checkpoints (checkpoint.safetensors + .json)")
    run.add_argument("--resume", help="a checkpoint to continue from (weights and optimizer state)")
    run.add_argument("--config", help="a JSON file with any of these settings (flags win)")
    run.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or mps")
    run.add_argument("--threads", type=int, help="CPU threads per process")
    run.add_argument("--compile", action="store_true",
                     help="torch.compile the model (worth it on a GPU for long runs)")
    run.add_argument("--quiet", action="store_true", help="print only the final line")
    return parser


def _settings(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.config:
        try:
            extra = json.loads(Path(args.config).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            parser.error(f"--config {args.config}: {err}")
        if not isinstance(extra, dict):
            parser.error(f"--config {args.config}: expected a JSON object of settings")
        known = set(vars(args))
        unknown = sorted(set(extra) - known)
        if unknown:
            parser.error(f"--config {args.config}: unknown settings {unknown}")
        for key, value in extra.items():
            if getattr(args, key) in (None, False, "auto"):
                setattr(args, key, value)
    if not args.corpus and not args.resume:
        parser.error("give --corpus (a named corpus or a text file), or --resume a checkpoint")
    if args.steps is not None and args.steps < 1:
        parser.error("--steps must be at least 1")
    for name in SIZES + ("batch_size", "grad_accum", "eval_every", "sample_every", "threads"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        parser.error("--lr must be a positive number")
    return args


def _text(parser, corpus: str) -> tuple[str, str]:
    """The corpus's text and name: a named corpus, else a file."""
    if corpus in CORPORA:
        try:
            return load_corpus(corpus), corpus
        except CorpusUnavailable as err:
            parser.error(str(err))
    path = Path(corpus).expanduser()
    if not path.is_file():
        parser.error(f"--corpus {corpus!r} is neither a named corpus ({', '.join(CORPORA)}) "
                     "nor a file")
    try:
        return check_user_text(path.read_text(encoding="utf-8")), path.stem
    except (UnicodeDecodeError, ValueError) as err:
        parser.error(f"--corpus {corpus}: {err}")


class _Distributed:
    """torchrun's environment, or a single process."""

    def __init__(self, device: torch.device):
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.device = device
        if self.world_size > 1:
            import torch.distributed as dist
            backend = "nccl" if device.type == "cuda" else "gloo"
            if device.type == "cuda":
                torch.cuda.set_device(self.local_rank)
                self.device = torch.device("cuda", self.local_rank)
            dist.init_process_group(backend)

    @property
    def main(self) -> bool:
        return self.rank == 0

    def wrap(self, model):
        if self.world_size == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel
        ids = [self.local_rank] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def all_reduce(self, value: torch.Tensor) -> torch.Tensor:
        import torch.distributed as dist
        dist.all_reduce(value)
        return value

    def close(self) -> None:
        if self.world_size > 1:
            import torch.distributed as dist
            dist.destroy_process_group()


def resumed_train_config(saved: dict | None, fallback: TrainConfig,
                         changes: dict) -> tuple[TrainConfig, dict[str, tuple]]:
    """The training settings a resumed run goes on with: those saved in the checkpoint
    (`fallback` for an older checkpoint that saved none), then the flags in `changes`
    that were given. Returns (settings, {name: (saved value, new value)})."""
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    base = fallback
    if isinstance(saved, dict):
        base = TrainConfig(**{k: v for k, v in saved.items() if k in fields})
    given = {k: v for k, v in changes.items() if v is not None}
    cfg = base.replace(**given)
    changed = {k: (getattr(base, k), getattr(cfg, k)) for k in sorted(given)
               if getattr(base, k) != getattr(cfg, k)}
    return cfg, changed


def _device(parser, name: str) -> torch.device:
    try:
        return pick_device(None if name == "auto" else name)
    except (ValueError, RuntimeError) as err:
        parser.error(str(err))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = _settings(parser, argv)
    configure_cpu_threads(args.threads)
    keep_freed_memory(trim_threshold=-1)       # one run, one process: keep what it frees
    device = _device(parser, args.device)
    dist = _Distributed(device)
    log = console("core.train")
    say = log.info if dist.main and not args.quiet else (lambda text: None)

    start_step, resumed, resumed_optimizer = 0, None, None
    if args.resume:
        try:
            resumed = read_meta(args.resume)
        except CheckpointError as err:
            parser.error(f"--resume: {err}")
        start_step = int(resumed.get("step", 0))
        extra = resumed.get("extra", {})
        args.corpus = args.corpus or extra.get("corpus")
        if not args.corpus:
            parser.error("--resume: the checkpoint does not name its corpus: give --corpus")
    text, corpus_name = _text(parser, args.corpus)
    story = story_for(corpus_name if args.corpus in CORPORA else "own-text")
    preset = args.preset or story.preset

    try:
        changes = {k: getattr(args, k) for k in TRAINING if k != "steps"}
        changes["max_steps"] = args.steps
        if resumed is not None:
            checkpoint, resumed_optimizer = load_checkpoint(
                args.resume, dist.device, optimizer_factory=lambda m: make_optimizer(m))
            model, tokenizer = checkpoint.model, checkpoint.tokenizer
            model_cfg = model.cfg
            for name in SIZES:
                if getattr(args, name) not in (None, getattr(model_cfg, name)):
                    parser.error(f"--{name.replace('_', '-')}: a resumed model keeps its shape "
                                 f"({name} {getattr(model_cfg, name)})")
            saved = None if args.preset else resumed.get("extra", {}).get("train_config")
            fallback = train_config_for(preset, sample_prompt=story.sample_prompt)
            train_cfg, changed = resumed_train_config(saved, fallback, changes)
            say(f"resuming {args.resume} at step {start_step} with "
                + ("the settings of --preset " + args.preset if args.preset else
                   "its saved settings" if saved else "the preset's settings (none were saved)")
                + ("; changed on the command line: " + ", ".join(
                    f"{k} {old!r} → {new!r}" for k, (old, new) in changed.items())
                   if changed else "; nothing changed on the command line"))
        else:
            tokenizer = tokenizer_for(args.corpus if args.corpus in CORPORA else "own-text",
                                      args.tokenizer or "auto", text)
            model_cfg = model_config_for(preset, tokenizer.n_vocab,
                                         **{k: getattr(args, k) for k in SIZES})
            train_cfg = train_config_for(preset, sample_prompt=story.sample_prompt, **changes)
        if train_cfg.max_steps <= start_step:
            parser.error(f"--steps {train_cfg.max_steps} is not past the checkpoint's step "
                         f"{start_step}: give a larger --steps")
        if train_cfg.batch_size % (dist.world_size * train_cfg.grad_accum):
            parser.error(f"--batch-size {train_cfg.batch_size} must split evenly over "
                         f"{dist.world_size} process(es) × {train_cfg.grad_accum} micro-batch(es)")
        train_ids, val_ids = tokenize_and_split(text, tokenizer)
        objective = LanguageModeling(train_ids, val_ids, tokenizer, model_cfg.context_length,
                                     [train_cfg.sample_prompt])
    except ValueError as err:
        parser.error(str(err))

    if resumed is None:
        torch.manual_seed(train_cfg.seed)      # every process starts from the same weights
        model = build_model(model_cfg).to(dist.device)
    optimizer = resumed_optimizer or make_optimizer(model, train_cfg.lr, train_cfg.weight_decay)
    wrapped = dist.wrap(torch.compile(model) if args.compile else model)
    out = Path(args.out) if args.out else None
    extra = {"label": f"{corpus_name} · {preset}", "corpus": args.corpus,
             "train_config": train_cfg.to_dict()}
    started, tokens_per_step = time.perf_counter(), train_cfg.batch_size * model_cfg.context_length

    def on_eval(info) -> None:
        line = (f"step {info.step:>6}/{train_cfg.max_steps}  loss {info.train_loss:.4f}  "
                f"val {info.val_loss:.4f}")
        done = info.step - start_step
        if done > 0:
            elapsed = time.perf_counter() - started
            eta = elapsed / done * (train_cfg.max_steps - info.step)
            line += (f"  {done * tokens_per_step / max(elapsed, 1e-9):,.0f} tok/s  "
                     f"ETA {eta / 60:.1f} min")
        say(line)
        if out is not None:
            save_checkpoint(out / "checkpoint", model, tokenizer, step=info.step,
                            metrics={"train_loss": info.train_loss, "val_loss": info.val_loss},
                            extra=extra, optimizer=optimizer)

    callbacks = TrainCallbacks(on_eval=on_eval if dist.main else None,
                               on_sample=(lambda s: say("sample: " + s.text.replace("\n", " ⏎ ")))
                               if dist.main else None)
    trainer = Trainer(wrapped, objective, train_cfg, callbacks=callbacks, device=dist.device,
                      optimizer=optimizer, start_step=start_step, rank=dist.rank,
                      world_size=dist.world_size,
                      all_reduce=dist.all_reduce if dist.world_size > 1 else None)
    trainer.raw_model = model
    try:
        result = trainer.run()
    except KeyboardInterrupt:
        result = None
    if dist.main:
        if out is not None:
            save_checkpoint(out / "checkpoint", model, tokenizer, step=trainer.step,
                            metrics={} if trainer.step == start_step else None, extra=extra,
                            optimizer=optimizer)
        status = result.status if result else "interrupted"
        reason = f" ({result.reason})" if result and result.reason else ""
        log.info(f"{status} at step {trainer.step}{reason}" +
                 (f"; checkpoint in {out / 'checkpoint.safetensors'}" if out else ""))
    dist.close()
    return 0 if result is not None and result.status != "failed" else 1


if __name__ == "__main__":
    sys.exit(main())
