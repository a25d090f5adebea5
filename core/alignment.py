"""From an instruction-tuned Tang model to a preference-alignment (DPO) job.

The chapter's own module (core/dpo.py) holds the loss and the objective; this one
assembles a `JobSpec`, as core/finetuning.py does for the classifier, because the job
machinery imports the chapters' objectives.

1. The pairs that fit the base model (`alignment_pairs`): the tutorial's alignment
   part, a five-character poem against another poem under the same title, both whole
   (DECISIONS 25, 26); a learner's own pairs join the training ones.
2. The spec (`alignment_spec`): the policy starts from the base's weights; the frozen
   reference is the job's extra model "reference", built in the job's process from a
   fresh copy of the same weights (never the picked model's tensors, never the job's
   mirror: core/jobs/spec.py). Each batch item holds two sequences. The result is tagged
   instruction-tuned and aligned, and the base's id is pinned for the before/after view.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass

from core.corpora import tang_poems, tang_preference_pairs
from core.dpo import DEFAULT_BETA, N_TITLES, pair_fits, preference_task
from core.instruct import tang_prompt
from core.jobs.spec import ExtraModel, JobSpec
from core.model import GPTModel
from core.tokenizer import Tokenizer, tokenizer_from_spec
from core.train import TrainConfig

ALIGNED_TAGS = ("instruction-tuned", "aligned")
TRAINING = TrainConfig(max_steps=200, batch_size=8, lr=5e-4, warmup_steps=10, eval_every=20,
                       eval_batches=4, sample_every=20, sample_tokens=64)


@dataclass(frozen=True)
class AlignmentPairs:
    """The Tang pairs one model can read whole: (title, chosen, rejected) each."""

    train: list[tuple[str, str, str]]
    val: list[tuple[str, str, str]]

    @property
    def titles(self) -> list[str]:
        """The fixed titles whose poems are read at every evaluation (the evaluation
        pairs' first, then the training pairs')."""
        return list(dict.fromkeys(t for t, _, _ in self.val + self.train))[:N_TITLES]


def alignment_pairs(tokenizer: Tokenizer, context_length: int) -> AlignmentPairs:
    """The tutorial's alignment poems as pairs that fit this tokenizer and context."""
    spec = json.dumps(tokenizer.to_spec(), sort_keys=True)
    return _pairs(hashlib.sha256(spec.encode()).hexdigest(), spec, context_length)


@functools.lru_cache(maxsize=4)
def _pairs(key: str, spec: str, context_length: int) -> AlignmentPairs:
    tokenizer = tokenizer_from_spec(json.loads(spec))
    train, val = tang_preference_pairs(tang_poems(), pair_fits(tokenizer, context_length))
    return AlignmentPairs(train, val)


def alignment_spec(label: str, base: GPTModel, tokenizer: Tokenizer, pairs: AlignmentPairs,
                   train_cfg: TrainConfig = TRAINING, *, beta: float = DEFAULT_BETA,
                   base_model: str | None = None,
                   learner_pairs: tuple[tuple[str, str, str], ...] = ()) -> JobSpec:
    """The job that aligns `base` on `pairs` (and the learner's own, first)."""
    as_prompts = lambda rows: [(tang_prompt(t), c, r) for t, c, r in rows]  # noqa: E731
    train = as_prompts(list(learner_pairs) + pairs.train)
    if not train or not pairs.val:
        raise ValueError("no preference pairs fit this model's context")
    task = preference_task(train, as_prompts(pairs.val), tokenizer, beta, pairs.titles,
                           train_cfg.seed)
    reference = ExtraModel("reference", base.cfg, init_state=base.state_dict())
    return JobSpec(label, base.cfg, train_cfg, tokenizer, task, corpus="tang", kind="align",
                   init_state=base.state_dict(), tags=ALIGNED_TAGS, base_model=base_model,
                   extra_models=(reference,), sequences_per_item=2)
