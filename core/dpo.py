"""Preference alignment with Direct Preference Optimization (DPO), the Tang tutorial's third stage.

After pretraining (it writes like the poems) and instruction tuning (it answers "write a
poem titled …"), the model is taught to *prefer* one kind of answer: a five-character
poem over any other, for the same instruction. DPO needs no reward model and no
sampling while it trains; it reads pairs of answers:

1. For each pair, the policy (the model being trained) and a frozen copy of where it
   started, the reference, score both answers: the mean log-probability of each
   answer's tokens given the instruction (`compute_logprobs`; prompt and padding are
   left out, and the mean keeps a short answer from winning for being short).
2. `compute_dpo_loss` is the paper's equation (Rafailov et al., 2023):

       loss = −ln σ( β · [ (log π(chosen) − log π_ref(chosen))
                         − (log π(rejected) − log π_ref(rejected)) ] )

   Each bracket is a reward, β times how much more the policy likes an answer than the
   reference did. The loss pushes the chosen reward above the rejected one; β says how
   hard each step may pull away from the reference. At the start the policy *is* the
   reference: both rewards are 0 and the loss is ln 2 (σ(0) = ½), whatever β is.
3. The same Trainer as every stage runs it (`PreferenceAlignment`, the objective table's
   "dpo"): one batch item is a pair, stored as one row of shape (2, T).

The book's bonus notebook on DPO uses the same names: `compute_logprobs`,
`compute_dpo_loss`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.generate import eval_mode
from core.instruct import EncodedItem, custom_collate_fn, encode_items, respond, tang_prompt
from core.loss import IGNORE_INDEX
from core.objectives import ObjectiveContext, Sample, Task, batch_generator, stream_seed
from core.poetry import has_five_character_shape
from core.tokenizer import Tokenizer

DEFAULT_BETA = 0.1                 # the paper's usual strength
TIE = 1e-6                         # margins this close to 0 are a tie
N_TITLES = 20                      # fixed titles whose poems are read at every evaluation
POEM_TEMPERATURE = 0.8
POEM_TOKENS = 104                  # room for an eight-line five-character poem and its end


# ----- the loss ------------------------------------------------------------------------------

def compute_logprobs(logits: torch.Tensor, targets: torch.Tensor, average: bool = True
                     ) -> torch.Tensor:
    """The log-probability of each sequence's response: (N, T, V) logits, (N, T)
    targets → (N,).

    Targets of −100 (the prompt, the padding: `custom_collate_fn` with
    `mask_instruction=True`) count for nothing. With `average` the sum of the response
    tokens' log-probabilities is divided by how many there are."""
    token_logprobs = -F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(),
                                      ignore_index=IGNORE_INDEX, reduction="none")
    token_logprobs = token_logprobs.view(targets.shape)            # (N, T); 0 where skipped
    total = token_logprobs.sum(dim=-1)
    if not average:
        return total
    return total / (targets != IGNORE_INDEX).sum(dim=-1).clamp(min=1)


@dataclass
class DPOLoss:
    loss: torch.Tensor                # scalar: the mean over the pairs
    chosen_rewards: torch.Tensor      # (B,) β · (log π − log π_ref) of the chosen answers
    rejected_rewards: torch.Tensor    # (B,) the same for the rejected answers

    @property
    def margins(self) -> torch.Tensor:
        """(B,) how far each chosen reward is above its rejected one."""
        return self.chosen_rewards - self.rejected_rewards


def compute_dpo_loss(policy_chosen_logprobs: torch.Tensor, policy_rejected_logprobs: torch.Tensor,
                     reference_chosen_logprobs: torch.Tensor,
                     reference_rejected_logprobs: torch.Tensor, beta: float = DEFAULT_BETA
                     ) -> DPOLoss:
    """The DPO loss of a batch of pairs (each argument (B,)), as the paper writes it.

    - `policy_chosen − reference_chosen`: how much more the policy likes the chosen
      answer than the reference did (its log-ratio); the same for the rejected one.
    - β times a log-ratio is that answer's reward.
    - −ln σ(chosen reward − rejected reward): small when the chosen answer's reward is
      well above the rejected one's, ln 2 when they are equal, large when reversed."""
    if not beta > 0:
        raise ValueError(f"beta must be above 0, got {beta!r}")
    chosen_rewards = beta * (policy_chosen_logprobs - reference_chosen_logprobs)
    rejected_rewards = beta * (policy_rejected_logprobs - reference_rejected_logprobs)
    loss = -F.logsigmoid(chosen_rewards - rejected_rewards)
    return DPOLoss(loss.mean(), chosen_rewards, rejected_rewards)


def preference_accuracy(margins: torch.Tensor) -> float:
    """The share of pairs whose chosen answer has the higher reward. A tie (|margin| ≤
    `TIE`, as every pair at step 0, where the policy is the reference) counts as half:
    a coin's guess, so an unaligned model scores 50 %, not 0 %."""
    if margins.numel() == 0:
        return math.nan
    wins = (margins > TIE).float() + 0.5 * (margins.abs() <= TIE).float()
    return float(wins.mean())


# ----- pairs as batches ------------------------------------------------------------------------

@dataclass(frozen=True)
class EncodedPair:
    chosen: EncodedItem        # prompt + chosen answer
    rejected: EncodedItem      # the same prompt + the rejected answer


def encode_pairs(pairs: list[tuple[str, str, str]], tokenizer: Tokenizer) -> list[EncodedPair]:
    """(prompt, chosen, rejected) texts → token ids for both sides."""
    out = []
    for prompt, chosen, rejected in pairs:
        a, b = encode_items([(prompt, chosen), (prompt, rejected)], tokenizer)
        out.append(EncodedPair(a, b))
    return out


def collate_pairs(pairs: list[EncodedPair], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of pairs → (inputs, targets), each (B, 2, T): row b holds pair b's chosen
    (0) and rejected (1) sides. Both sides go through one `custom_collate_fn` call, so
    they share one padded length; only the responses (and their end-of-text) are
    targets."""
    items = [item for pair in pairs for item in (pair.chosen, pair.rejected)]
    inputs, targets = custom_collate_fn(items, pad_id, mask_instruction=True)   # (2B, T)
    return inputs.view(len(pairs), 2, -1), targets.view(len(pairs), 2, -1)


def pair_logprobs(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(chosen, rejected) response log-probabilities, each (B,), of (B, 2, T) pairs."""
    logits = model(inputs.flatten(0, 1))                              # (2B, T, V)
    logprobs = compute_logprobs(logits, targets.flatten(0, 1)).view(-1, 2)
    return logprobs[:, 0], logprobs[:, 1]


def pair_fits(tokenizer: Tokenizer, context_length: int):
    """The test a Tang pair's side must pass (`tang_preference_pairs`' `fits`): the
    tokenizer knows every character of the whole item, and the item with its
    end-of-text fits the context, so no side is ever cut."""
    def fits(title: str, lines: str) -> bool:
        text = tang_prompt(title) + lines
        return not tokenizer.unknown_pieces(text) and len(tokenizer.encode(text)) < context_length
    return fits


# ----- the poems it writes ------------------------------------------------------------------

def is_five_character_answer(poem: str) -> bool:
    """A written answer is a five-character poem: at least one line, each two clauses of
    five characters closed by ， and 。 The tutorial's 12-character test
    (`is_five_character_poem`) picks the pairs from real poems; a model's own answer is
    held to the shape itself, since a drifting model writes lines of punctuation that
    are 12 characters long."""
    lines = poem.strip("\n").split("\n")
    return bool(poem.strip()) and all(map(has_five_character_shape, lines))


def five_character_share(poems: list[str]) -> float:
    return sum(map(is_five_character_answer, poems)) / len(poems) if poems else math.nan


def write_poems(model: nn.Module, tokenizer: Tokenizer, titles: list[str], seed: int,
                temperature: float = POEM_TEMPERATURE) -> list[str]:
    """One poem per title, drawn with the seed's stream for that title: the same titles
    and seed give the same poems from the same weights (a before/after comparison)."""
    context = model.cfg.context_length
    poems = []
    with eval_mode(model), torch.no_grad():
        for item, title in enumerate(titles):
            prompt = tokenizer.encode(tang_prompt(title))
            room = min(POEM_TOKENS, context - len(prompt))
            poems.append(respond(model, tokenizer, prompt, max(1, room),
                                 temperature=temperature, seed=stream_seed(seed, item)))
    return poems


# ----- the objective ---------------------------------------------------------------------------

class PreferenceAlignment:
    """DPO as one objective of the Trainer: batches of pairs, the DPO loss against the
    frozen `reference`, and at each evaluation the rewards, the margin, the preference
    accuracy and the five-character share of the poems for the fixed titles."""

    name = "dpo"
    chance_loss = math.log(2)          # where every run starts: policy = reference

    def __init__(self, train: list[EncodedPair], val: list[EncodedPair], reference: nn.Module,
                 tokenizer: Tokenizer, context_length: int, pad_id: int, beta: float,
                 titles: list[str], seed: int = 123):
        if not train or not val:
            raise ValueError("the training and evaluation pairs must not be empty")
        if not beta > 0:
            raise ValueError(f"beta must be above 0, got {beta!r}")
        for pair in train + val:
            if max(len(pair.chosen.ids), len(pair.rejected.ids)) >= context_length:
                raise ValueError(f"a pair is longer than the context ({context_length} tokens)")
        self.train, self.val, self.reference = train, val, reference
        self.tokenizer, self.context_length, self.pad_id = tokenizer, context_length, pad_id
        self.beta, self.titles, self.seed = float(beta), list(titles), seed

    def batch(self, step, seed, batch_size):
        index = torch.randint(len(self.train), (batch_size,), generator=batch_generator(seed, step))
        return collate_pairs([self.train[i] for i in index.tolist()], self.pad_id)

    def dpo(self, model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor
            ) -> tuple[DPOLoss, torch.Tensor]:
        """The DPO loss of (B, 2, T) pairs, and the policy's chosen log-probabilities.
        The reference scores the same pairs every time it is asked (never from a
        cache), so an evaluation measures against the reference as it is in the job."""
        chosen, rejected = pair_logprobs(model, inputs, targets)
        with torch.no_grad():
            reference = pair_logprobs(self.reference, inputs, targets)
        return compute_dpo_loss(chosen, rejected, *reference, beta=self.beta), chosen

    def loss(self, model, inputs, targets):
        return self.dpo(model, inputs, targets)[0].loss

    def counts(self, inputs):
        return inputs.numel(), inputs.shape[0]       # tokens of both sides; pairs

    @torch.no_grad()
    def evaluate(self, model, device, batch_size, n_batches, final=False):
        metrics = {}
        with eval_mode(model):
            for name, pairs in (("train", self.train), ("val", self.val)):
                n = len(pairs) if final and name == "val" else min(len(pairs), batch_size * n_batches)
                metrics.update(self._measure(name, model, pairs[:n], device, batch_size))
            poems = write_poems(model, self.tokenizer, self.titles, self.seed)
        metrics["five_share"] = five_character_share(poems)
        return metrics

    def _measure(self, name: str, model, pairs: list[EncodedPair], device, batch_size: int) -> dict:
        """Loss, rewards, margin, accuracy and the chosen log-probability over `pairs`."""
        results, chosen = [], []
        for start in range(0, len(pairs), batch_size):
            x, y = collate_pairs(pairs[start:start + batch_size], self.pad_id)
            result, policy_chosen = self.dpo(model, x.to(device), y.to(device))
            results.append(result)
            chosen.append(policy_chosen)
        cat = lambda field: torch.cat([getattr(r, field) for r in results])  # noqa: E731
        chosen_rewards, rejected_rewards = cat("chosen_rewards"), cat("rejected_rewards")
        weights = [r.chosen_rewards.numel() for r in results]
        loss = sum(float(r.loss) * w for r, w in zip(results, weights)) / sum(weights)
        return {f"{name}_loss": loss,
                f"{name}_accuracy": preference_accuracy(chosen_rewards - rejected_rewards),
                f"{name}_chosen_reward": float(chosen_rewards.mean()),
                f"{name}_rejected_reward": float(rejected_rewards.mean()),
                f"{name}_margin": float((chosen_rewards - rejected_rewards).mean()),
                f"{name}_chosen_logprob": float(torch.cat(chosen).mean())}

    def samples(self, model, settings):
        poems = write_poems(model, self.tokenizer, self.titles, self.seed)
        return [Sample(poem, item) for item, poem in enumerate(poems)]


def preference_task(train: list[tuple[str, str, str]], val: list[tuple[str, str, str]],
                    tokenizer: Tokenizer, beta: float, titles: list[str], seed: int) -> Task:
    """The plain-data description of an alignment run: (prompt, chosen, rejected) pairs."""
    pad_id = tokenizer.eos_id if tokenizer.eos_id is not None else 0
    encode = lambda pairs: [[p.chosen.ids, p.rejected.ids, p.chosen.prompt_len]  # noqa: E731
                            for p in encode_pairs(pairs, tokenizer)]
    return Task("dpo", {"train": encode(train), "val": encode(val), "pad_id": pad_id,
                        "beta": float(beta), "titles": list(titles), "seed": int(seed)})


def preference_alignment(ctx: ObjectiveContext) -> PreferenceAlignment:
    """The builder of DPO's objective (the objective table's "dpo"); the frozen reference
    is the job's extra model "reference" (core/jobs/spec.py)."""
    data = ctx.task.data
    as_pairs = lambda rows: [EncodedPair(EncodedItem(list(c), n), EncodedItem(list(r), n))  # noqa: E731
                             for c, r, n in rows]
    return PreferenceAlignment(as_pairs(data["train"]), as_pairs(data["val"]),
                               ctx.extras["reference"], ctx.tokenizer, ctx.context_length,
                               data["pad_id"], data["beta"], data["titles"], data["seed"])
