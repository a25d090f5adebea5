"""What a job is asked to do: the `JobSpec` a tab (or the command line) builds.

A spec is plain data: the model's config and head, the training settings, the
tokenizer, the `Task` (core/objectives.py), the weights to start from, and the extra
models the job's process needs beside the one it trains.

Extra models in a job
---------------------
Some objectives need a second model inside the job's process: preference alignment
(DPO) scores every answer with a frozen reference model; the ablation lab trains a
second model beside the first. A spec lists them in `extra_models`:

    ExtraModel("reference", cfg, init_state=base.state_dict())          # frozen
    ExtraModel("ablated", cfg.replace(...), trainable=True)             # trained too

1. Into the process. When the job starts, the server makes fresh shared-memory
   tensors for each extra model (`SharedWeights`, core/jobs/mirror.py) and copies its
   `init_state` into them; only those travel. Never the picked model's own tensors:
   torch's pickler would move their storage into shared memory in place, under every
   other user of that model. And never the job's own mirror: the process overwrites it
   with the trained model's weights, so a reference built on it would silently follow
   the model it should hold still.
2. In the process. Each extra model is built from its config and head and its weights
   are copied in (it owns its storage), then moved to the job's device. A frozen one
   (`trainable=False`) is in eval mode with every gradient off. A trainable one is in
   train mode, and the objective trains it: its own optimizer and its own clipping (the
   trainer steps and clips only the main model). Without `init_state` an extra model
   starts from fresh weights, drawn from the run's seed after the main model's.
3. To the objective. The objective's builder gets an `ObjectiveContext`
   (core/objectives.py): `ctx.extras[name]` is the model, on `ctx.device`.
   Objectives are listed in one table, core/jobs/objective_table.py.
4. Back out. A trainable extra model's weights are copied back into its shared tensors
   whenever the main model's are (each evaluation, on request, at the end), and
   `TrainingJob.extra_model(name)` gives a frozen copy of them (after the job's end,
   the weights it ended with). A frozen one's shared tensors are let go once the
   process has its copy. Only the main model is saved in checkpoints and kept in the
   learner's list (and not even that for a job with `listed=False`).
5. Memory. `JobSpec.memory_estimate()` counts each extra model: a frozen one as its
   weights and one forward pass, a trainable one as a second training run (weights,
   gradients, AdamW's state, activations), plus the server's copies of all weights.
   `sequences_per_item` multiplies the batch where one item holds several sequences (a
   DPO pair: chosen and rejected, 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from core.config import GPTConfig
from core.estimates import (FLOAT, MemoryEstimate, count_model_parameters, estimate_forward_memory,
                            estimate_training_memory, largest_batch)
from core.model import LM_HEAD
from core.objectives import Task
from core.tokenizer import Tokenizer
from core.train import ProbeSpec, TrainConfig


@dataclass
class ExtraModel:
    """A second model inside a job's process, found by the objective as `ctx.extras[name]`."""

    name: str
    model_cfg: GPTConfig
    head: dict = field(default_factory=lambda: dict(LM_HEAD))
    init_state: dict[str, torch.Tensor] | None = field(default=None, repr=False)
    trainable: bool = False          # False: frozen (eval mode, no gradients)


@dataclass
class JobSpec:
    """Everything a job needs to train: built by a tab (or the command line)."""

    label: str
    model_cfg: GPTConfig
    train_cfg: TrainConfig
    tokenizer: Tokenizer
    task: Task
    corpus: str = ""
    kind: str = "pretrain"                    # pretrain, classifier, instruct …
    head: dict = field(default_factory=lambda: dict(LM_HEAD))
    init_state: dict | None = None            # weights to start from (a fine-tune's base)
    init_checkpoint: str | None = None        # a checkpoint to resume (with optimizer state)
    start_step: int = 0
    probes: tuple[ProbeSpec, ...] = ()
    trainable: str = "all"
    tags: tuple[str, ...] = ()
    base_model: str | None = None             # id of the SavedModel a fine-tune started from
    threads: int | None = None
    extra_models: tuple[ExtraModel, ...] = ()
    sequences_per_item: int = 1               # sequences one batch item holds (a DPO pair: 2)
    # False: the job's model is no "live" choice in other tabs' pickers and is not kept in
    # the learner's list when the job ends (the ablation pair: kept only on request).
    listed: bool = True

    @classmethod
    def pretraining(cls, label: str, model_cfg: GPTConfig, train_cfg: TrainConfig,
                    tokenizer: Tokenizer, train_tokens: torch.Tensor, val_tokens: torch.Tensor,
                    **kwargs) -> "JobSpec":
        prompts = kwargs.pop("prompts", None) or [train_cfg.sample_prompt]
        task = Task("lm", {"train_tokens": train_tokens, "val_tokens": val_tokens,
                           "prompts": list(prompts)})
        return cls(label, model_cfg, train_cfg, tokenizer, task, **kwargs)

    def memory_estimate(self, batch_size: int | None = None) -> MemoryEstimate:
        """Bytes this job needs: its process (the model, every extra model) and the
        server's copies of the weights (the shared mirror, one snapshot, the extra
        models' shared tensors). `batch_size` defaults to the spec's own."""
        rows = (batch_size or self.train_cfg.batch_size) * self.sequences_per_item
        estimate = estimate_training_memory(self.model_cfg, rows, head_size(self.head))
        weights = weights_bytes(self.model_cfg, self.head)
        server = 2 * weights
        for extra in self.extra_models:
            size = head_size(extra.head)
            estimate = estimate.plus(
                replace(estimate_training_memory(extra.model_cfg, rows, size), process=0)
                if extra.trainable else estimate_forward_memory(extra.model_cfg, rows, size))
            server += weights_bytes(extra.model_cfg, extra.head)
        return replace(estimate, server=server)

    def largest_batch_that_fits(self, budget: int) -> int:
        """The biggest batch size whose whole estimate stays within `budget` bytes."""
        return largest_batch(self.memory_estimate, budget)


def head_size(head: dict) -> int | None:
    """The output width a classifier head has (None: a language model's vocabulary)."""
    return len(head["classes"]) if head.get("kind") == "classifier" else None


def parameter_count(cfg: GPTConfig, head: dict) -> int:
    """Parameters of build_model(cfg, head), without allocating it."""
    params = count_model_parameters(cfg)
    size = head_size(head)
    if size is not None and not cfg.tie_weights:
        params += (size - cfg.vocab_size) * cfg.emb_dim
    return params


def weights_bytes(cfg: GPTConfig, head: dict) -> int:
    return parameter_count(cfg, head) * FLOAT
