"""What a training run learns: one objective per stage, one trainer for all of them.

The trainer (core/train.py) does the same thing at every stage: take a batch, compute
a loss, step the optimizer, now and then evaluate and write samples. What changes from
pretraining to a spam classifier to instruction tuning is only
- which batches it takes (`batch`),
- what the loss is (`loss`),
- what it measures (`evaluate`: a dict of numbers, always with train_loss and val_loss),
- what a sample is (`samples`: text, or nothing).

An objective is described by a `Task`: its name and plain data (tensors, lists,
numbers), so a job can send it to another process and rebuild it there. Each kind of
objective has a builder, `builder(ctx: ObjectiveContext) -> Objective`, listed in the one
table of objectives a job can run (core/jobs/objective_table.py). The context carries the
task, the tokenizer, the context length, the device and any extra models the job holds
(a frozen reference, a second model trained beside the first): see core/jobs/spec.py.

A module that defines an objective imports this one, never the job machinery: the
table imports it, so an import the other way would make a loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import torch
from torch import nn

from core.data import create_dataloader, random_batch
from core.generate import eval_mode, generate_stream
from core.loss import lm_loss
from core.tokenizer import Tokenizer


@dataclass
class Task:
    """What to learn, as plain data: the objective's name and its inputs."""

    objective: str = "lm"
    data: dict = field(default_factory=dict)


@dataclass
class ObjectiveContext:
    """What an objective's builder gets, inside the job's process."""

    task: Task
    tokenizer: Tokenizer
    context_length: int
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    extras: dict[str, nn.Module] = field(default_factory=dict)   # by name, on `device`


@dataclass
class Sample:
    """One piece of text the model wrote, for one fixed prompt."""

    text: str
    item: int = 0              # which of the objective's fixed prompts


class Objective(Protocol):
    name: str
    chance_loss: float         # the loss of a uniform guess: a diverging run goes far above it

    def batch(self, step: int, seed: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]: ...
    def loss(self, model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor: ...
    def counts(self, inputs: torch.Tensor) -> tuple[int, int]: ...
    def evaluate(self, model: nn.Module, device, batch_size: int, n_batches: int,
                 final: bool = False) -> dict[str, float]: ...
    def samples(self, model: nn.Module, settings) -> list[Sample]: ...


def batch_generator(seed: int, step: int) -> torch.Generator:
    """The random numbers of step k's batch depend only on (seed, k): a resumed run,
    or any number of processes, draws the very same batch."""
    return torch.Generator().manual_seed(stream_seed(seed, step))


def stream_seed(seed: int, k: int) -> int:
    """The seed of stream k of a run's seed: its batch k, or its sample prompt k.
    Mixed, not seed + k: a run's first draw is then no longer the small seed's own
    first draw (123's happens to pick token 1, a newline, at 0.3%: every first
    sample would begin with a blank line)."""
    return seed * 1_000_003 + k


class NextTokenObjective:
    """What pretraining and instruction tuning share: the next-token loss (targets of
    −100 skipped) and a count of every input token as seen."""

    def loss(self, model, inputs, targets):
        return lm_loss(model, inputs, targets)

    def counts(self, inputs):
        return inputs.numel(), inputs.shape[0]


class LanguageModeling(NextTokenObjective):
    """Pretraining: predict every next token of random windows of one long text."""

    name = "lm"

    def __init__(self, train_tokens: torch.Tensor, val_tokens: torch.Tensor,
                 tokenizer: Tokenizer, context_length: int, prompts: list[str] | None = None):
        check_split(train_tokens, context_length, "training")
        check_split(val_tokens, context_length, "validation")
        self.train_tokens, self.val_tokens = train_tokens.cpu(), val_tokens.cpu()
        self.tokenizer, self.context_length = tokenizer, context_length
        self.chance_loss = math.log(tokenizer.n_vocab)
        self.prompt_ids = [self._encode(p) for p in (prompts or [""])]
        self._loaders: dict = {}

    def _encode(self, prompt: str) -> torch.Tensor:
        ids = self.tokenizer.encode(prompt) if prompt else []
        if not ids:   # no usable prompt: start from the first token of the training text
            ids = [int(self.train_tokens[0])]
        return torch.tensor([ids[-self.context_length:]], dtype=torch.long)

    def batch(self, step, seed, batch_size):
        return random_batch(self.train_tokens, batch_size, self.context_length,
                            batch_generator(seed, step))

    @torch.no_grad()
    def evaluate(self, model, device, batch_size, n_batches, final=False):
        if batch_size not in self._loaders:   # the same fixed windows at every evaluation
            self._loaders = {batch_size: {
                name: create_dataloader(tokens, batch_size, self.context_length, shuffle=False)
                for name, tokens in (("train", self.train_tokens), ("val", self.val_tokens))}}
        losses = {}
        with eval_mode(model):
            for name, loader in self._loaders[batch_size].items():
                total, count = 0.0, 0
                for i, (x, y) in enumerate(loader):
                    if i >= n_batches:
                        break
                    total += lm_loss(model, x.to(device), y.to(device)).item()
                    count += 1
                losses[f"{name}_loss"] = total / count if count else math.nan
        return losses

    def samples(self, model, settings):
        # Prompt i draws from stream i of the seed: fixed from sample to sample (so a
        # sample changes only because the model does), not the same draws for every prompt.
        return [Sample(self._write(model, ids, settings, stream_seed(settings.seed, item)), item)
                for item, ids in enumerate(self.prompt_ids)]

    def _write(self, model, ids: torch.Tensor, settings, seed: int) -> str:
        """The prompt and what the model writes after it. With `settings.sample_stop` (a
        poem's blank line) the text ends where the model first writes that, as written."""
        stop, decode = getattr(settings, "sample_stop", ""), self.tokenizer.decode
        tokens = ids[0].tolist()
        after = max(0, len(decode(tokens)) - len(stop) + 1)   # a stop must end past the prompt
        for idx_next in generate_stream(model, ids, settings.sample_tokens, self.context_length,
                                        temperature=settings.sample_temperature,
                                        top_k=settings.sample_top_k, seed=seed):
            tokens.append(int(idx_next[0, 0]))
            if stop and decode(tokens).find(stop, after) >= 0:
                break
        text = decode(tokens)
        end = text.find(stop, after) if stop else -1
        return text if end < 0 else text[:end]


def check_split(tokens: torch.Tensor, context_length: int, what: str) -> None:
    if len(tokens) < context_length + 1:
        raise ValueError(
            f"the {what} split has {len(tokens)} tokens, fewer than one window of "
            f"context {context_length} + 1: use a shorter context or more text "
            "(otherwise its loss cannot be measured)")


def language_modeling(ctx: ObjectiveContext) -> LanguageModeling:
    """The builder of pretraining's objective (the table's "lm")."""
    data = ctx.task.data
    return LanguageModeling(data["train_tokens"], data["val_tokens"], ctx.tokenizer,
                            ctx.context_length, data.get("prompts"))
