"""From "this corpus, this pairing, this many steps" to the ablation lab's job (the
objective is core/ablation.py; this module builds its `JobSpec`, as core/pretraining.py
does for pretraining).

The pair starts from the corpus's story (core/pretraining.py: the model preset, the
tokenizer, the sample prompt) and changes it as the pairing says. The first model is
the job's own; the second is its trainable extra model. The job is `listed=False`: the
pair is no "live" model in other tabs and takes no place in the learner's list; the
page keeps either model on request.
"""

from __future__ import annotations

import torch

from core.ablation import PAIRINGS, SECOND, word_order_sentences
from core.corpora import load_corpus
from core.data import tokenize_and_split
from core.jobs.spec import ExtraModel, JobSpec
from core.objectives import Task, check_split
from core.pretraining import model_config_for, story_for, tokenizer_for, train_config_for
from core.config import GPTConfig
from core.model import fresh_model

PAIR_CORPORA = ("the-verdict", "tiny-shakespeare", "tang-five")
MAX_PAIR_STEPS = 5_000


def pair_spec(label: str, corpus: str, pairing: str, steps: int, seed: int = 123,
              text: str | None = None) -> JobSpec:
    """The job that trains the pairing's two models on `corpus` for `steps` steps each."""
    if corpus not in PAIR_CORPORA:
        raise ValueError(f"unknown corpus {corpus!r} for a pair; choose one of {PAIR_CORPORA}")
    if pairing not in PAIRINGS:
        raise ValueError(f"unknown pairing {pairing!r}; choose one of {sorted(PAIRINGS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_PAIR_STEPS:
        raise ValueError(f"steps must be a whole number from 1 to {MAX_PAIR_STEPS}, got {steps!r}")
    story, pair = story_for(corpus), PAIRINGS[pairing]
    text = load_corpus(corpus) if text is None else text
    tokenizer = tokenizer_for(corpus, "auto", text)
    base = model_config_for(story.preset, tokenizer.n_vocab)
    first_cfg, second_cfg = pair.configs(base)
    preset_lr = train_config_for(story.preset).lr
    train_cfg = train_config_for(story.preset, max_steps=steps, seed=seed,
                                 lr=preset_lr * pair.lr_factor, sample_stop=story.sample_stop,
                                 sample_prompt=story.sample_prompt)
    train_ids, val_ids = tokenize_and_split(text, tokenizer)
    for cfg in (first_cfg, second_cfg):
        check_split(train_ids, cfg.context_length, "training")
        check_split(val_ids, cfg.context_length, "validation")
    data = {"train_tokens": train_ids, "val_tokens": val_ids, "prompts": [story.sample_prompt],
            "train_config": train_cfg.to_dict()}
    if pair.word_order_probe:
        first, second = (tokenizer.encode(s) for s in word_order_sentences(corpus))
        data["probe"] = {"name": "word_order", "kind": "word_order", "every": 1,
                         "args": {"first_ids": first, "second_ids": second}}
    first_start = fresh_model(first_cfg, seed=seed).state_dict()
    second = ExtraModel(SECOND, second_cfg, init_state=shared_start(first_start, second_cfg),
                        trainable=True)
    return JobSpec(label, first_cfg, train_cfg, tokenizer, Task("pair", data), corpus=corpus,
                   kind="ablation", tags=("ablation", pairing), init_state=first_start,
                   extra_models=(second,), listed=False)


def shared_start(first: dict[str, torch.Tensor], second_cfg: GPTConfig) -> dict[str, torch.Tensor]:
    """The second model's starting weights, taken from the first's wherever it has the
    same tensor (a shorter context: the first rows of the position table), so the two
    differ at the start only by the piece the pairing changes."""
    start = fresh_model(second_cfg, seed=0).state_dict()
    for name, tensor in start.items():
        source = first.get(name)
        if source is not None and tensor.dim() and source.shape[1:] == tensor.shape[1:] \
                and source.shape[0] >= tensor.shape[0]:
            start[name] = source[:tensor.shape[0]].clone()
    return start
