"""Instruction fine-tuning (chapter 7): teach a GPT to answer instead of merely continuing.

1. Each item {instruction, input, output} becomes one text in the Alpaca format
   (`format_input`, then "### Response:" and the output).
2. Items of a batch are padded with the end-of-text token (`custom_collate_fn`); the
   targets are the inputs shifted by one, the first end-of-text kept as a target (the
   model must learn to stop), later padding set to −100, which the loss skips.
   Optionally the instruction part is masked too, so only the response is learned.
3. The same Trainer and next-token loss as pretraining; samples are the responses to
   three fixed validation items.

The Tang-poetry tutorial's variant uses the same machinery with its own format,
`<INS>請用以下題目寫一首詩<INP>{title}<RES>{poem}`, on a character model.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import torch

from core.corpora import (TANG_INP, TANG_INS, TANG_INSTRUCTION, TANG_RES, decode_upload,
                          tang_instructions)
from core.generate import eval_mode, generate
from core.loss import IGNORE_INDEX, lm_loss
from core.objectives import NextTokenObjective, ObjectiveContext, Sample, Task, batch_generator
from core.tokenizer import Tokenizer
from core.train import TrainConfig

RESPONSE = "\n\n### Response:\n"
MAX_ITEMS = 20_000
MAX_FIELD_CHARS = 5_000
TANG_TRAIN_ITEMS = 5_000           # poems that fit the context, of the tutorial's 12,752 items
# A fine-tune's default settings, by where its base comes from.
TRAINING = {
    # The book: GPT-2, AdamW lr 5e-5, batch 8, 2 epochs over 935 items.
    "gpt2": TrainConfig(max_steps=234, batch_size=8, lr=5e-5, warmup_steps=0, min_lr_ratio=1.0,
                        eval_every=25, eval_batches=2, sample_every=25, sample_tokens=80),
    # A model pretrained here (a Tang story's, say).
    "pretrained": TrainConfig(max_steps=300, batch_size=8, lr=5e-4, warmup_steps=20,
                              eval_every=25, eval_batches=2, sample_every=50, sample_tokens=80),
    "scratch": TrainConfig(max_steps=600, batch_size=16, lr=1e-3, warmup_steps=30,
                           eval_every=50, eval_batches=2, sample_every=100, sample_tokens=80),
}


# ----- the book's format -------------------------------------------------------------------

def format_input(entry: dict) -> str:
    """The Alpaca-style prompt of chapter 7, exactly as the book writes it."""
    instruction_text = (
        f"Below is an instruction that describes a task. "
        f"Write a response that appropriately completes the request."
        f"\n\n### Instruction:\n{entry['instruction']}"
    )
    input_text = f"\n\n### Input:\n{entry['input']}" if entry["input"] else ""
    return instruction_text + input_text


def prompt_and_response(entry: dict) -> tuple[str, str]:
    """The text the model reads (prompt) and the text it must learn to write."""
    return format_input(entry) + RESPONSE, entry["output"]


def split_book_data(data: list[dict]) -> tuple[list, list, list]:
    """The book's split, in order: 85 % train, 10 % test, the rest (5 %) validation.

    Returns (train, validation, test)."""
    train_portion = int(len(data) * 0.85)
    test_portion = int(len(data) * 0.1)
    train = data[:train_portion]
    test = data[train_portion:train_portion + test_portion]
    val = data[train_portion + test_portion:]
    return train, val, test


def check_instruction_data(data) -> list[dict]:
    """A list of {instruction, input, output} items with text fields, or a ValueError
    that says which item is wrong and how."""
    if not isinstance(data, list) or not data:
        raise ValueError("the file must hold a JSON list of {instruction, input, output} items")
    if len(data) > MAX_ITEMS:
        raise ValueError(f"the file has {len(data):,} items; at most {MAX_ITEMS:,} are accepted")
    items = []
    for n, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise ValueError(f"item {n} is not an object with instruction, input and output")
        item = {}
        for field, required in (("instruction", True), ("input", False), ("output", True)):
            value = entry.get(field, "")
            if not isinstance(value, str) or (required and not value.strip()):
                raise ValueError(f"item {n} needs a text '{field}'")
            if len(value) > MAX_FIELD_CHARS:
                raise ValueError(f"item {n}'s '{field}' is longer than {MAX_FIELD_CHARS:,} characters")
            item[field] = value
        items.append(item)
    return items


def read_instruction_upload(raw: bytes, max_bytes: int = 5_000_000) -> list[dict]:
    """An uploaded JSON file of items: size-limited, UTF-8, valid JSON, the right shape."""
    text = decode_upload(raw, max_bytes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"the file is not valid JSON (line {err.lineno}, column {err.colno}: "
                         f"{err.msg})") from None
    return check_instruction_data(data)


def book_instruction_data() -> list[dict]:
    """The book's 1,100 items, from the local data folder or their public source."""
    from pathlib import Path

    from core.corpora import dataset_path
    return check_instruction_data(json.loads(Path(dataset_path("instructions")).read_text("utf-8")))


# ----- the Tang variant -------------------------------------------------------------------

def tang_prompt(title: str) -> str:
    """The tutorial's instruction for a title, up to where the poem begins."""
    return f"{TANG_INS}{TANG_INSTRUCTION}{TANG_INP}{title}{TANG_RES}"


def split_tang_item(text: str) -> tuple[str, str]:
    """'<INS>…<INP>title<RES>poem' → (prompt up to <RES>, poem)."""
    head, sep, poem = text.partition(TANG_RES)
    if not sep:
        raise ValueError("not a Tang instruction item (no <RES>)")
    return head + sep, poem


def tang_title(prompt: str) -> str:
    match = re.search(re.escape(TANG_INP) + "(.*)" + re.escape(TANG_RES), prompt, re.S)
    return match.group(1) if match else prompt


def tang_instruction_split() -> tuple[list, list, list]:
    """The tutorial's instruction items as (prompt, poem) pairs: (training, validation,
    test), its evaluation items halved into validation and test."""
    train, held_out = tang_instructions()
    train, held_out = [split_tang_item(x) for x in train], [split_tang_item(x) for x in held_out]
    half = len(held_out) // 2
    return train, held_out[:half], held_out[half:]


def whole_tang_items(train: list[tuple[str, str]], val: list[tuple[str, str]],
                     tokenizer: Tokenizer, context_length: int) -> tuple[list, list, int]:
    """What a Tang fine-tune trains and validates on: only the poems the context holds
    whole (a poem cut in half teaches nothing), at most `TANG_TRAIN_ITEMS` for training;
    if no validation poem fits, the first three as they are. Returns (training,
    validation, how many training poems fit)."""
    fits = lambda pairs: [pair for pair in pairs  # noqa: E731
                          if len(tokenizer.encode(pair[0] + pair[1])) < context_length]
    whole = fits(train)
    return whole[:TANG_TRAIN_ITEMS], fits(val) or val[:3], len(whole)


# ----- batches -----------------------------------------------------------------------------

@dataclass(frozen=True)
class EncodedItem:
    ids: list[int]             # prompt + response token ids
    prompt_len: int            # how many of them are the prompt


def encode_items(pairs: list[tuple[str, str]], tokenizer: Tokenizer) -> list[EncodedItem]:
    """(prompt, response) texts → token ids, remembering where the response starts."""
    out = []
    for prompt, response in pairs:
        prompt_ids = tokenizer.encode(prompt)
        out.append(EncodedItem(prompt_ids + tokenizer.encode(response), len(prompt_ids)))
    return out


def custom_collate_fn(batch, pad_token_id: int = 50256, ignore_index: int = IGNORE_INDEX,
                      allowed_max_length: int | None = None, device="cpu",
                      mask_instruction: bool = False):
    """The book's collate function: (inputs, targets) for a batch of items.

    `batch` holds token-id lists (the book's) or `EncodedItem`s (which know where the
    prompt ends, for `mask_instruction`).
    1. append one end-of-text (pad) token to each item and pad to the longest;
    2. inputs = all but the last token, targets = all but the first;
    3. keep the first end-of-text in the targets, replace the rest of the padding by −100;
    4. with `mask_instruction`, the prompt's targets become −100 too;
    5. cut both to `allowed_max_length`.
    """
    items = [item if isinstance(item, EncodedItem) else EncodedItem(list(item), 0)
             for item in batch]
    batch_max_length = max(len(item.ids) + 1 for item in items)
    inputs_lst, targets_lst = [], []
    for item in items:
        new_item = item.ids + [pad_token_id]
        padded = new_item + [pad_token_id] * (batch_max_length - len(new_item))
        inputs = torch.tensor(padded[:-1])
        targets = torch.tensor(padded[1:])
        mask = targets == pad_token_id
        indices = torch.nonzero(mask).squeeze(1)
        if indices.numel() > 1:
            targets[indices[1:]] = ignore_index
        if mask_instruction and item.prompt_len > 1:
            targets[:item.prompt_len - 1] = ignore_index
        if allowed_max_length is not None:
            inputs = inputs[:allowed_max_length]
            targets = targets[:allowed_max_length]
        inputs_lst.append(inputs)
        targets_lst.append(targets)
    return torch.stack(inputs_lst).to(device), torch.stack(targets_lst).to(device)


# ----- the objective -----------------------------------------------------------------------

class InstructionTuning(NextTokenObjective):
    """Next-token loss on collated instruction items; samples answer fixed items."""

    name = "instruct"

    def __init__(self, train: list[EncodedItem], val: list[EncodedItem], tokenizer: Tokenizer,
                 context_length: int, pad_id: int, mask_instruction: bool = False,
                 sample_items: list[EncodedItem] | None = None, max_new_tokens: int = 100):
        if not train or not val:
            raise ValueError("the training and validation sets must not be empty")
        self.train, self.val, self.tokenizer = train, val, tokenizer
        self.context_length, self.pad_id = context_length, pad_id
        self.mask_instruction = mask_instruction
        self.sample_items = sample_items or val[:3]
        self.max_new_tokens = max_new_tokens
        self.chance_loss = math.log(tokenizer.n_vocab)

    def collate(self, items: list[EncodedItem]):
        return custom_collate_fn(items, self.pad_id, allowed_max_length=self.context_length,
                                 mask_instruction=self.mask_instruction)

    def batch(self, step, seed, batch_size):
        index = torch.randint(len(self.train), (batch_size,), generator=batch_generator(seed, step))
        return self.collate([self.train[i] for i in index.tolist()])

    @torch.no_grad()
    def evaluate(self, model, device, batch_size, n_batches, final=False):
        metrics = {}
        with eval_mode(model):
            for name, items in (("train", self.train), ("val", self.val)):
                n = len(items) if final and name == "val" else min(len(items), batch_size * n_batches)
                losses = []
                for start in range(0, n, batch_size):
                    x, y = self.collate(items[start:min(n, start + batch_size)])
                    losses.append(lm_loss(model, x.to(device), y.to(device)).item())
                metrics[f"{name}_loss"] = sum(losses) / len(losses) if losses else math.nan
        return metrics

    def samples(self, model, settings):
        return [Sample(respond(model, self.tokenizer, item.ids[:item.prompt_len],
                               min(settings.sample_tokens or self.max_new_tokens, self.max_new_tokens)),
                       n)
                for n, item in enumerate(self.sample_items)]


def respond(model, tokenizer: Tokenizer, prompt_ids: list[int], max_new_tokens: int = 100,
            temperature: float = 0.0, seed: int | None = None) -> str:
    """The model's response to a prompt: greedy by default, stopping at end-of-text."""
    context = model.cfg.context_length
    prompt_ids = prompt_ids[-max(1, context - 1):]
    idx = torch.tensor([prompt_ids], dtype=torch.long)
    out = generate(model, idx, max_new_tokens, context, temperature=temperature,
                   eos_id=tokenizer.eos_id, seed=seed)
    return tokenizer.decode(out[0, len(prompt_ids):].tolist())


def instruction_task(train_pairs: list[tuple[str, str]], val_pairs: list[tuple[str, str]],
                     tokenizer: Tokenizer, context_length: int, mask_instruction: bool = False,
                     max_new_tokens: int = 100) -> Task:
    """The plain-data description of an instruction fine-tune."""
    pad_id = tokenizer.eos_id if tokenizer.eos_id is not None else 0
    encode = lambda pairs: [[item.ids, item.prompt_len] for item in encode_items(pairs, tokenizer)]  # noqa: E731
    return Task("instruct", {"train": encode(train_pairs), "val": encode(val_pairs),
                             "pad_id": pad_id, "mask_instruction": bool(mask_instruction),
                             "max_new_tokens": int(max_new_tokens)})


def instruction_tuning(ctx: ObjectiveContext) -> InstructionTuning:
    """The builder of instruction tuning's objective (the objective table's "instruct")."""
    data = ctx.task.data
    as_items = lambda rows: [EncodedItem(list(ids), int(n)) for ids, n in rows]  # noqa: E731
    return InstructionTuning(as_items(data["train"]), as_items(data["val"]), ctx.tokenizer,
                             ctx.context_length, data["pad_id"], data["mask_instruction"],
                             max_new_tokens=data.get("max_new_tokens", 100))


# ----- scoring -----------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def word_overlap_f1(response: str, reference: str) -> float:
    """A simple built-in score: the F1 of the words two texts share (0..1), as reading
    comprehension benchmarks score answers. Crude, but it needs no judge."""
    a, b = _words(response), _words(reference)
    if not a or not b:
        return float(a == b)
    from collections import Counter
    common = sum((Counter(a) & Counter(b)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def judge_prompt(entry: dict, response: str) -> str:
    """The book's prompt for a judge model (chapter 7.8)."""
    return (f"Given the input `{format_input(entry)}` and correct output `{entry['output']}`, "
            f"score the model response `{response}` on a scale from 0 to 100, where 100 is "
            f"the best score. Respond with the integer number only.")
