"""Fine-tuning a GPT to classify text (chapter 6): spam or not spam.

A pretrained GPT already turns a message into rich vectors. To classify, chapter 6
1. replaces the output head (one logit per vocabulary token) with a small one: one
   logit per class (`add_classifier_head`);
2. reads the prediction at the last token, the only position that has seen the whole
   message (attention is causal);
3. trains only the top of the network (`freeze_for_finetuning`): the last block, the
   final norm and the new head. The lower blocks keep what pretraining taught them.

Data: the SMS Spam Collection. It repeats 403 of its 5,574 messages word for word, so
the book's split puts copies of training messages in the test set (27 of its 300). Here
the exact duplicates are removed first; then, as the book does, the messages are
balanced to as many ham as spam (653 each), shuffled with seed 123 and split
70 / 10 / 20 → 914 / 130 / 262 messages, none of them in two splits. Each
message is encoded and padded with the end-of-text token to the longest training
message (cut at the context). The book reads the logits at the very last position,
which after padding is an end-of-text token that has seen the whole message; here the
message's own last token is read, which carries the same information and does not
depend on how much padding follows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from core.config import GPTConfig
from core.generate import eval_mode
from core.model import GPTModel
from core.objectives import ObjectiveContext, Task, batch_generator
from core.tokenizer import SubsetBPETokenizer, Tokenizer
from core.train import TrainConfig

SPAM_CLASSES = ("ham", "spam")
TRAINABLE = ("last-block", "head", "all")


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: int                 # index into the class names


# ----- data ------------------------------------------------------------------------------

def read_sms_collection(path: str | Path) -> list[LabelledText]:
    """The SMS Spam Collection: one `label<TAB>text` per line (ham → 0, spam → 1)."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        label, _, text = line.partition("\t")
        if label not in SPAM_CLASSES or not text:
            raise ValueError(f"line {number} of {path} is not 'ham|spam<TAB>text'")
        items.append(LabelledText(text, SPAM_CLASSES.index(label)))
    return items


def create_balanced_dataset(items: list[LabelledText], seed: int = 123) -> list[LabelledText]:
    """As many ham messages (drawn at random) as there are spam ones (the book's step)."""
    spam = [item for item in items if item.label == 1]
    ham = [item for item in items if item.label == 0]
    return random.Random(seed).sample(ham, len(spam)) + spam


def random_split(items: list, train_frac: float = 0.7, validation_frac: float = 0.1,
                 seed: int = 123) -> tuple[list, list, list]:
    """Shuffle with `seed`, then cut: the first 70 % train, the next 10 % validate, the
    rest test (the book's `random_split`)."""
    items = list(items)
    random.Random(seed).shuffle(items)
    train_end = int(len(items) * train_frac)
    val_end = train_end + int(len(items) * validation_frac)
    return items[:train_end], items[train_end:val_end], items[val_end:]


def drop_duplicates(items: list[LabelledText]) -> list[LabelledText]:
    """Each text once, where it first appears: a message on both sides of a split would
    be a test message the model has already seen."""
    seen: set[str] = set()
    unique = []
    for item in items:
        if item.text not in seen:
            seen.add(item.text)
            unique.append(item)
    return unique


def sms_spam_collection() -> tuple[list[LabelledText], int]:
    """The SMS Spam Collection without its exact duplicates, and how many were removed."""
    from core.corpora import dataset_path
    items = read_sms_collection(dataset_path("sms-spam"))
    unique = drop_duplicates(items)
    return unique, len(items) - len(unique)


def sms_spam_splits(seed: int = 123) -> tuple[list, list, list]:
    """Train / validation / test messages: the book's recipe (balance, shuffle with
    `seed`, 70 / 10 / 20) on the collection without its exact duplicates."""
    return random_split(create_balanced_dataset(sms_spam_collection()[0], seed), seed=seed)


@dataclass
class EncodedTexts:
    """Messages as one padded (N, T) tensor, with each message's length and label."""

    ids: torch.Tensor          # (N, T), padded on the right with `pad_id`
    lengths: torch.Tensor      # (N,) tokens of each message (at least 1)
    labels: torch.Tensor       # (N,)

    def __len__(self) -> int:
        return self.ids.shape[0]


def encode_texts(items: list[LabelledText], tokenizer: Tokenizer, max_length: int,
                 pad_id: int) -> EncodedTexts:
    """Encode, cut at `max_length`, and pad with `pad_id` (the book's SpamDataset).

    A message whose every piece is unknown to the tokenizer becomes one pad token:
    there is nothing else to read.
    """
    rows, lengths = [], []
    for item in items:
        ids = tokenizer.encode(item.text)[:max_length] or [pad_id]
        lengths.append(len(ids))
        rows.append(ids + [pad_id] * (max_length - len(ids)))
    return EncodedTexts(torch.tensor(rows, dtype=torch.long), torch.tensor(lengths),
                        torch.tensor([item.label for item in items]))


def longest_message(items: list[LabelledText], tokenizer: Tokenizer, context_length: int) -> int:
    """The padded length: the longest training message, at most the context."""
    return max(1, min(context_length, max(len(tokenizer.encode(i.text)) for i in items)))


def vocabulary_coverage(items: list[LabelledText], tokenizer: Tokenizer) -> float:
    """The share of the messages' GPT-2 pieces a (subset) tokenizer keeps, 0..1."""
    from core.tokenizer import BPETokenizer
    bpe = BPETokenizer()
    total = sum(len(bpe.encode(item.text)) for item in items)
    kept = sum(len(tokenizer.encode(item.text)) for item in items)
    return 1.0 if total == 0 else min(1.0, kept / total)


# ----- the model -------------------------------------------------------------------------

def add_classifier_head(model: GPTModel, classes: tuple[str, ...] | list[str]) -> GPTModel:
    """Swap the vocabulary head for one with a logit per class (chapter 6.5)."""
    if len(classes) < 2:
        raise ValueError("a classifier needs at least two classes")
    model.out_head = nn.Linear(model.cfg.emb_dim, len(classes))
    nn.init.normal_(model.out_head.weight, 0.0, 0.02)
    nn.init.zeros_(model.out_head.bias)
    model.head = {"kind": "classifier", "classes": list(classes)}
    return model


def freeze_for_finetuning(model: GPTModel, trainable: str = "last-block") -> GPTModel:
    """Choose what trains: "last-block" (the book's: last block, final norm, head),
    "head" (only the new head) or "all"."""
    if trainable not in TRAINABLE:
        raise ValueError(f"trainable must be one of {TRAINABLE}, got {trainable!r}")
    model.requires_grad_(trainable == "all")
    if trainable != "all":
        model.out_head.requires_grad_(True)
    if trainable == "last-block":
        model.trf_blocks[-1].requires_grad_(True)
        model.final_norm.requires_grad_(True)
    return model


def classify_logits(model: GPTModel, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T) padded ids and (B,) lengths → (B, classes): the head at each message's
    last token."""
    hidden = model.hidden_states(inputs)                                  # (B, T, C)
    last = (lengths - 1).clamp(min=0).to(hidden.device)
    return model.out_head(hidden[torch.arange(hidden.shape[0], device=hidden.device), last])


def confusion_matrix(predicted: torch.Tensor, labels: torch.Tensor, n_classes: int) -> list[list[int]]:
    """counts[true][predicted]: rows are the true classes."""
    counts = torch.zeros(n_classes, n_classes, dtype=torch.long)
    counts.index_put_((labels.long(), predicted.long()), torch.ones_like(labels, dtype=torch.long),
                      accumulate=True)
    return counts.tolist()


def accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    return float((predicted == labels).float().mean()) if len(labels) else math.nan


# ----- the objective ---------------------------------------------------------------------

class Classification:
    """Fine-tuning for classification: random batches of labelled messages, the
    cross-entropy of their classes, and accuracy as the metric.

    Targets are (B, 2): each message's class and its length (where its last token is).
    """

    name = "classify"

    def __init__(self, train: EncodedTexts, val: EncodedTexts, test: EncodedTexts | None,
                 classes: list[str]):
        if len(train) == 0 or len(val) == 0:
            raise ValueError("the training and validation sets must not be empty")
        self.train, self.val, self.test, self.classes = train, val, test, list(classes)
        self.chance_loss = math.log(len(classes))

    def batch(self, step, seed, batch_size):
        index = torch.randint(len(self.train), (batch_size,), generator=batch_generator(seed, step))
        targets = torch.stack([self.train.labels[index], self.train.lengths[index]], dim=1)
        return self.train.ids[index], targets

    def loss(self, model, inputs, targets):
        return F.cross_entropy(classify_logits(model, inputs, targets[:, 1]), targets[:, 0])

    def counts(self, inputs):
        return inputs.numel(), inputs.shape[0]

    @torch.no_grad()
    def predict(self, model, data: EncodedTexts, device, batch_size: int,
                limit: int | None = None) -> tuple[float, torch.Tensor, torch.Tensor]:
        """(mean loss, predicted classes, true classes) over the first `limit` items."""
        n = len(data) if limit is None else min(limit, len(data))
        losses, predicted = [], []
        with eval_mode(model):
            for start in range(0, n, batch_size):
                end = min(n, start + batch_size)
                logits = classify_logits(model, data.ids[start:end].to(device), data.lengths[start:end])
                labels = data.labels[start:end].to(logits.device)
                losses.append(F.cross_entropy(logits, labels, reduction="sum").item())
                predicted.append(logits.argmax(-1).cpu())
        return sum(losses) / max(1, n), torch.cat(predicted), data.labels[:n]

    def evaluate(self, model, device, batch_size, n_batches, final: bool = False):
        limit = None if final else batch_size * n_batches
        metrics = {}
        for name, data in (("train", self.train), ("val", self.val)):
            loss, predicted, labels = self.predict(model, data, device, batch_size, limit)
            metrics[f"{name}_loss"], metrics[f"{name}_accuracy"] = loss, accuracy(predicted, labels)
        if final and self.test is not None and len(self.test):
            loss, predicted, labels = self.predict(model, self.test, device, batch_size)
            metrics.update(test_loss=loss, test_accuracy=accuracy(predicted, labels),
                           test_confusion=confusion_matrix(predicted, labels, len(self.classes)))
        return metrics

    def samples(self, model, settings):
        return []


def classification_task(train: list[LabelledText], val: list[LabelledText],
                        test: list[LabelledText], tokenizer: Tokenizer, context_length: int,
                        classes: tuple[str, ...] = SPAM_CLASSES) -> Task:
    """The plain-data description of a classification fine-tune (see `Classification`)."""
    pad_id = tokenizer.eos_id if tokenizer.eos_id is not None else 0
    max_length = longest_message(train, tokenizer, context_length)
    encoded = {name: encode_texts(items, tokenizer, max_length, pad_id)
               for name, items in (("train", train), ("val", val), ("test", test))}
    data = {"classes": list(classes), "max_length": max_length, "pad_id": pad_id}
    for name, enc in encoded.items():
        data[name] = {"ids": enc.ids, "lengths": enc.lengths, "labels": enc.labels}
    return Task("classify", data)


def classification(ctx: ObjectiveContext) -> Classification:
    """The builder of the classifier's objective (the objective table's "classify")."""
    data = ctx.task.data
    parts = {name: EncodedTexts(**data[name]) if data.get(name) else None
             for name in ("train", "val", "test")}
    return Classification(parts["train"], parts["val"], parts["test"], data["classes"])


# ----- using a classifier ----------------------------------------------------------------

@torch.no_grad()
def class_probabilities(model: GPTModel, ids: list[int]) -> torch.Tensor:
    """The softmax over the classes for one message's ids (its first `context_length`
    tokens, as training cut them)."""
    ids = ids[:model.cfg.context_length]
    inputs = torch.tensor([ids], dtype=torch.long, device=next(model.parameters()).device)
    with eval_mode(model):
        logits = classify_logits(model, inputs, torch.tensor([len(ids)]))
    return torch.softmax(logits[0].float(), -1).cpu()


def _log_odds(logits: torch.Tensor, target: int) -> torch.Tensor:
    """ln(p / (1 − p)) of class `target` for each row of logits (B, classes)."""
    log_probs = torch.log_softmax(logits.float(), -1)
    p_target = log_probs[:, target]
    rest = torch.logsumexp(torch.cat([log_probs[:, :target], log_probs[:, target + 1:]], -1), -1)
    return p_target - rest


# What one "why" may cost: leaving a token out is one pass of the model over the rest of
# the message, so a long message on a large model gets only its first tokens explained.
WHY_BUDGET_FLOPS = 5e11          # a few seconds of one CPU core
MAX_EXPLAINED = 128              # tokens explained at most (the small model's whole context)
WHY_BATCH_TOKENS = 8192          # variants in one forward pass: at most this many tokens


def explainable_tokens(cfg: GPTConfig, n_tokens: int, budget: float | None = None,
                       cap: int = MAX_EXPLAINED) -> int:
    """How many of a message's tokens leave-one-out explains within `budget` FLOPs (at
    least one): each costs a forward pass over the other n − 1 tokens, about
    (n − 1)·(24·L·C² + 4·L·(n − 1)·C) FLOPs (the blocks' weights and attention)."""
    budget = WHY_BUDGET_FLOPS if budget is None else budget
    rest = max(1, n_tokens - 1)
    per_variant = rest * (24 * cfg.n_layers * cfg.emb_dim ** 2 + 4 * cfg.n_layers * rest * cfg.emb_dim)
    return max(1, min(n_tokens, cap, int(budget // per_variant)))


@torch.no_grad()
def leave_one_out(model: GPTModel, ids: list[int], target: int = 1,
                  positions: Sequence[int] | None = None) -> list[float]:
    """How much each token pushes towards class `target`: the class's log-odds,
    ln(p / (1 − p)), of the whole message minus its log-odds with that one token left
    out. Positive: the token made the message look more like the class. Log-odds, not
    probabilities, so a message the model is sure about still shows which tokens made
    it sure.

    Only the tokens at `positions` (default: all) are left out, one variant each; the
    variants go through the model in batches of at most WHY_BATCH_TOKENS tokens.
    Returns one number per position."""
    ids = ids[:model.cfg.context_length]
    positions = list(range(len(ids))) if positions is None else list(positions)
    device = next(model.parameters()).device
    with eval_mode(model):
        full = classify_logits(model, torch.tensor([ids], device=device), torch.tensor([len(ids)]))
        full = float(_log_odds(full, target)[0])
        if len(ids) == 1:
            return [full for _ in positions]
        batch_size = max(1, WHY_BATCH_TOKENS // (len(ids) - 1))
        without = []
        for start in range(0, len(positions), batch_size):
            chunk = positions[start:start + batch_size]
            variants = torch.tensor([ids[:i] + ids[i + 1:] for i in chunk], device=device)
            lengths = torch.full((len(chunk),), len(ids) - 1)      # (B, n − 1) and (B,)
            without.append(_log_odds(classify_logits(model, variants, lengths), target).cpu())
    return [full - float(v) for v in torch.cat(without)]


# ----- a fine-tuning job -----------------------------------------------------------------

# From scratch: a small GPT reading the messages with GPT-2's BPE restricted to the
# training messages' own tokens (~4,600), all of it trained on the labels. Measured on the
# split without duplicates (`python tests/measure_spam.py`, seeds 123, 1, 2, 3): 97.3–98.5 %
# test accuracy (the tab's intro and the README quote it).
SCRATCH_CONFIG = GPTConfig(vocab_size=2, context_length=128, emb_dim=128, n_heads=4, n_layers=2,
                           drop_rate=0.0)
CLASSIFIER_TRAINING = {
    "scratch": TrainConfig(max_steps=300, batch_size=32, lr=1e-3, warmup_steps=20, eval_every=25,
                           eval_batches=2, sample_tokens=0),
    # The book: GPT-2 124M, AdamW lr 5e-5, batch 8, 5 epochs (~650 steps).
    "gpt2": TrainConfig(max_steps=650, batch_size=8, lr=5e-5, warmup_steps=0, min_lr_ratio=1.0,
                        eval_every=50, eval_batches=5, sample_tokens=0),
    "pretrained": TrainConfig(max_steps=300, batch_size=16, lr=5e-4, warmup_steps=20,
                              eval_every=25, eval_batches=2, sample_tokens=0),
}


def scratch_tokenizer(train: list[LabelledText]) -> SubsetBPETokenizer:
    """GPT-2's BPE keeping only the tokens of the training messages."""
    return SubsetBPETokenizer.from_text("\n".join(item.text for item in train), name="sms-gpt2-subset")
