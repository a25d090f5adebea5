"""Gradient descent on one number: fitting the line y = a·x (the workshop lesson).

The points lie near y = 2x and the learner starts from a guess such as a = 1.
How wrong a guess is, is measured by the mean squared error over the points,

    L(a) = mean over i of (yᵢ − a·xᵢ)²

which is a parabola in a. (The lesson writes the sum Σ; the mean is the same
parabola divided by the number of points n, so its lowest point is the same, and a
mini-batch's loss is measured on the same scale as the full one.) The lowest point
is a* = Σxy / Σx² (exactly 2 without noise). The slope of the parabola says which
way is downhill,

    dL/da = 2a·mean(x²) − 2·mean(x·y)

and gradient descent takes a small step against it, again and again:

    a ← a − η · dL/da                        (η = the learning rate)

Since dL/da = 2·mean(x²)·(a − a*), one full-batch step multiplies the distance to
the bottom by 1 − 2η·mean(x²). While that factor lies between −1 and 1 the distance
shrinks; once η > 1/mean(x²) (= n/Σx²) every step jumps past the bottom to a point
farther up the other side, and a runs away: it diverges.

A mini-batch uses only b of the points for each step's slope. The slope is then a
noisy estimate, so the path jitters, but a few points already pin the line down
well — which is why a language model trains on mini-batches of its examples. Those
examples are next-token pairs, made by `next_token_pairs`.

Everything here is plain Python on a handful of floats, so every number can be
checked by hand.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

MAX_STEPS = 1000
# A run counts as diverged once |a| or the loss passes these (the good a is about 2).
A_LIMIT, LOSS_LIMIT = 1e6, 1e12
BEGIN, END = "BEGIN", "END"


@dataclass(frozen=True)
class GDStep:
    """The state after `step` updates; step 0 is the starting guess.

    loss is L(a) on all the points, whatever batch the step used; slope is the
    batch's dL/da that moved a here, and batch the indices of its points (None and
    () for step 0). diverged is True only on the step where the run gave up.
    """

    step: int
    a: float
    loss: float
    slope: float | None
    batch: tuple[int, ...]
    diverged: bool = False


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_finite(value, what: str) -> float:
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def check_points(xs: Sequence[float], ys: Sequence[float]) -> None:
    """Raise a ValueError unless xs and ys are equally long, finite and not all x = 0."""
    if len(xs) != len(ys):
        raise ValueError(f"xs and ys must have the same length, got {len(xs)} and {len(ys)}")
    if len(xs) == 0:
        raise ValueError("need at least one point")
    if not all(_is_number(x) and math.isfinite(x) for x in xs):
        raise ValueError("every x must be a finite number")
    if not all(_is_number(y) and math.isfinite(y) for y in ys):
        raise ValueError("every y must be a finite number")
    if not any(x != 0 for x in xs):
        raise ValueError("at least one x must be non-zero: with every x = 0, any a fits")


def make_points(n: int, slope: float = 2.0, noise: float = 0.3,
                seed: int = 0) -> tuple[list[float], list[float]]:
    """n points y = slope·x + ε, x = 2/n, 4/n, …, 2 and ε ~ Normal(0, noise²).

    The same seed gives the same noise, so a lesson can be repeated exactly.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"the number of points must be an integer >= 1, got {n!r}")
    slope = _check_finite(slope, "slope")
    noise = _check_finite(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = random.Random(seed)
    xs = [2.0 * i / n for i in range(1, n + 1)]
    ys = [slope * x + rng.gauss(0.0, noise) for x in xs]
    return xs, ys


def loss(a: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    """L(a) = mean (yᵢ − a·xᵢ)²: how far the line y = a·x misses the points."""
    check_points(xs, ys)
    return sum((y - a * x) ** 2 for x, y in zip(xs, ys)) / len(xs)


def slope_of_loss(a: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    """dL/da = mean −2xᵢ(yᵢ − a·xᵢ) = 2a·mean(x²) − 2·mean(x·y).

    Positive: L grows with a, so a should go down (and the other way round).
    """
    check_points(xs, ys)
    mean_xx = sum(x * x for x in xs) / len(xs)
    mean_xy = sum(x * y for x, y in zip(xs, ys)) / len(xs)
    return 2 * a * mean_xx - 2 * mean_xy


def best_a(xs: Sequence[float], ys: Sequence[float]) -> float:
    """a* = Σxy / Σx², where dL/da = 0: the bottom of the parabola."""
    check_points(xs, ys)
    return sum(x * y for x, y in zip(xs, ys)) / sum(x * x for x in xs)


def critical_lr(xs: Sequence[float]) -> float:
    """The full-batch learning rate above which gradient descent diverges: 1/mean(x²).

    One step multiplies a − a* by 1 − 2η·mean(x²), which reaches −1 at η = 1/mean(x²).
    (Half of it, η = 1/(2·mean(x²)), makes the factor 0: one step lands on a*.)
    """
    check_points(xs, [0.0] * len(xs))
    return len(xs) / sum(x * x for x in xs)


def step_factor(lr: float, xs: Sequence[float]) -> float:
    """1 − 2η·mean(x²): what one full-batch step multiplies the distance a − a* by."""
    check_points(xs, [0.0] * len(xs))
    return 1.0 - 2.0 * lr * sum(x * x for x in xs) / len(xs)


def check_gd_args(n_points: int, a0: float, lr: float, steps: int, batch_size: int) -> None:
    """Raise a ValueError that says what is wrong with a gradient-descent setting."""
    _check_finite(a0, "the starting guess a0")
    if abs(a0) > A_LIMIT:
        raise ValueError(f"the starting guess a0 must be within ±{A_LIMIT:g}, got {a0}")
    if not _is_number(lr) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"the learning rate must be a finite number > 0, got {lr!r}")
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 1 to {MAX_STEPS}, got {steps!r}")
    if (not isinstance(batch_size, int) or isinstance(batch_size, bool)
            or not 1 <= batch_size <= n_points):
        raise ValueError(f"the batch size must be a whole number from 1 to {n_points} "
                         f"(the number of points), got {batch_size!r}")


def gd_run(xs: Sequence[float], ys: Sequence[float], a0: float, lr: float, steps: int,
           batch_size: int | None = None, seed: int = 0) -> list[GDStep]:
    """`steps` updates a ← a − η·slope from a0: one GDStep per step, step 0 first.

    Each step's slope comes from `batch_size` distinct points drawn at random with a
    generator seeded by `seed` (the default, all n points, is plain full-batch descent
    and does not depend on the seed). Its loss is still measured on every point.

    The run stops at the first step where |a| > A_LIMIT, the loss > LOSS_LIMIT or
    either is no longer finite; that step is the last record, with diverged=True.
    """
    check_points(xs, ys)
    n = len(xs)
    batch_size = n if batch_size is None else batch_size
    check_gd_args(n, a0, lr, steps, batch_size)
    rng = random.Random(seed)
    a = float(a0)
    records = [GDStep(0, a, loss(a, xs, ys), None, ())]
    for step in range(1, steps + 1):
        # 1. pick the batch  2. the slope on it  3. a step downhill  4. the loss on all points
        if batch_size == n:
            batch = tuple(range(n))
        else:
            batch = tuple(sorted(rng.sample(range(n), batch_size)))
        slope = slope_of_loss(a, [xs[i] for i in batch], [ys[i] for i in batch])
        a = a - lr * slope
        with_all = (sum((y - a * x) ** 2 for x, y in zip(xs, ys)) / n
                    if math.isfinite(a) else math.inf)
        diverged = not (math.isfinite(a) and abs(a) <= A_LIMIT
                        and math.isfinite(with_all) and with_all <= LOSS_LIMIT)
        records.append(GDStep(step, a, with_all, slope, batch, diverged))
        if diverged:
            break
    return records


def next_token_pairs(pieces: str | Sequence[str]) -> list[tuple[str, str]]:
    """The next-token training examples in one text: (context, next token) pairs.

    `pieces` is the text's tokens in order: a string is read one character per
    token; a list gives any tokenizer's pieces (BPE pieces, words). The context is
    every piece before a position, joined, and the answer is the piece there. The
    first context is the marker "BEGIN" (nothing written yet; the marker is not
    repeated in later contexts) and the last answer is the marker "END" (the text is
    over):

        "今天" → [("BEGIN", "今"), ("今", "天"), ("今天", "END")]

    n pieces give n + 1 pairs. A language model is trained on exactly such pairs, a
    mini-batch at a time, by gradient descent.
    """
    if isinstance(pieces, str):
        if not pieces.strip():
            raise ValueError("the text is empty: type at least one character")
        pieces = list(pieces)
    pieces = list(pieces)
    if not pieces or not all(isinstance(p, str) for p in pieces):
        raise ValueError("the text is empty: type at least one character")
    contexts = [BEGIN] + ["".join(pieces[:i]) for i in range(1, len(pieces) + 1)]
    answers = pieces + [END]
    return list(zip(contexts, answers))
