"""From a base model and labelled data to a fine-tuning job (chapter 6's classifier).

The chapter's own module (core/classifier.py) holds the model, the data and the
objective; this one assembles them into a `JobSpec`, as core/pretraining.py does for
pretraining. It lives apart because the job machinery imports the chapters (its table of
objectives lists theirs): a chapter that built its own job would import the machinery
back, and the two would form a loop.
"""

from __future__ import annotations

from core.classifier import SPAM_CLASSES, TRAINABLE, classification_task
from core.config import GPTConfig
from core.jobs.spec import JobSpec
from core.tokenizer import Tokenizer
from core.train import TrainConfig


def classifier_spec(label: str, splits: tuple[list, list, list], tokenizer: Tokenizer,
                    model_cfg: GPTConfig, train_cfg: TrainConfig, *, trainable: str = "last-block",
                    base_state: dict | None = None, base_model: str | None = None,
                    classes: tuple[str, ...] = SPAM_CLASSES, dataset: str = "sms-spam") -> JobSpec:
    """The job that fine-tunes a classifier: `base_state` (a language model's weights,
    without its head) or, if None, a fresh model trained from scratch."""
    if trainable not in TRAINABLE:
        raise ValueError(f"trainable must be one of {TRAINABLE}, got {trainable!r}")
    train, val, test = splits
    task = classification_task(train, val, test, tokenizer, model_cfg.context_length, classes)
    init_state = None
    if base_state is not None:
        init_state = {k: v for k, v in base_state.items() if not k.startswith("out_head.")}
    return JobSpec(label, model_cfg, train_cfg, tokenizer, task, corpus=dataset, kind="classifier",
                   head={"kind": "classifier", "classes": list(classes)}, init_state=init_state,
                   trainable=trainable, base_model=base_model)
