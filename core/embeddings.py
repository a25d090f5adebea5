"""What a token's vector means: embeddings (chapter 2.7), their neighbours and their map.

A GPT's first layer is a lookup table: token id i picks row i of the token-embedding
matrix `model.tok_emb.weight`, shape (vocab_size, emb_dim). Nothing tells the model
what the rows should hold; they start random and are trained, like every other
weight, to make the next token likely. Tokens that are used alike end up with rows
that point alike, and this module measures that:

- `unit_rows` and `nearest`: how alike two rows point is the cosine of the angle
  between them, the dot product of the rows scaled to length 1;
- `analogy`: "king − man + woman ≈ queen", a − b + c compared with every row (the
  3CosAdd rule of word2vec), the three inputs left out of the answer;
- `project_2d`: a picture of many rows at once, their two main directions of spread
  (principal components, from `torch.linalg.svd`: exact and deterministic, no random
  numbers drawn, so a training run that takes such pictures keeps its seed's curve);
- `procrustes` and `align_frames`: a projection is only defined up to a rotation or a
  mirror, so pictures taken while a model trains are turned onto the previous one
  before they are shown as a film;
- `token_class`: a simple class per token (vowel, consonant, digit …) to colour by.
Learned position embeddings (`model.pos_emb.weight`, one row per position) are
vectors too, and the same tools show which positions look alike.
"""

from __future__ import annotations

import threading
import unicodedata
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

MAX_K = 200
# The GPTConfig switch a model without learned positions has (absent means it has them).
POSITIONS_SWITCH = "use_positions"
CLASSES = ("vowel", "consonant", "digit", "punctuation", "space", "cjk", "word", "piece", "other")
VOWELS = frozenset("aeiouAEIOU")


# ----- the vectors ---------------------------------------------------------------------

def has_learned_positions(model: nn.Module) -> bool:
    """False for a model built without position embeddings (the ablation lab's switch)."""
    cfg = getattr(model, "cfg", None)
    if cfg is not None and getattr(cfg, POSITIONS_SWITCH, True) is False:
        return False
    return isinstance(getattr(model, "pos_emb", None), nn.Embedding)


def token_vectors(model: nn.Module) -> torch.Tensor:
    """The input token embeddings, (vocab_size, emb_dim): the parameter itself (a cache
    can key on it). GPT-2 ties its output head to this matrix; the app's own models do
    not, but "input embeddings" is `tok_emb` either way."""
    return model.tok_emb.weight


def position_vectors(model: nn.Module) -> torch.Tensor:
    """The learned position embeddings, (context_length, emb_dim): the parameter itself."""
    if not has_learned_positions(model):
        raise ValueError("this model has no learned position embeddings")
    return model.pos_emb.weight


# ----- similarity ----------------------------------------------------------------------

def unit_rows(matrix: torch.Tensor) -> torch.Tensor:
    """Every row scaled to length 1, as float32 on the CPU: (n, d) → (n, d).
    The dot product of two unit rows is their cosine similarity."""
    if matrix.dim() != 2:
        raise ValueError(f"expected a (rows, dims) matrix, got shape {tuple(matrix.shape)}")
    rows = matrix.detach().float().cpu()
    return rows / rows.norm(dim=1, keepdim=True).clamp(min=1e-12)


def _check_k(k: int, n: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValueError(f"k must be a whole number from 1 to {MAX_K}, got {k!r}")
    if n < 1:
        raise ValueError("there are no vectors left to compare with")


def _check_index(index: int, n: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
        raise ValueError(f"row {index!r} is outside the matrix (0..{n - 1})")


def nearest(unit: torch.Tensor, query: torch.Tensor, k: int,
            exclude: tuple[int, ...] = ()) -> tuple[list[int], list[float]]:
    """The k rows of `unit` (n, d) most alike `query` (d,) by cosine, best first, leaving
    out the rows in `exclude`. Returns (row indices, cosines)."""
    _check_k(k, unit.shape[0] - len(set(exclude)))
    query = query.float().cpu()
    scores = unit @ (query / query.norm().clamp(min=1e-12))              # (n,)
    if exclude:
        scores[list(exclude)] = float("-inf")
    k = min(k, unit.shape[0] - len(set(exclude)))
    top = torch.topk(scores, k)
    return top.indices.tolist(), top.values.tolist()


def neighbours(unit: torch.Tensor, index: int, k: int) -> tuple[list[int], list[float]]:
    """The k rows nearest row `index` by cosine, the row itself left out."""
    _check_index(index, unit.shape[0])
    return nearest(unit, unit[index], k, exclude=(index,))


def analogy_vector(unit: torch.Tensor, a: int, b: int, c: int) -> torch.Tensor:
    """a − b + c on unit rows: "king − man + woman" (d,)."""
    for index in (a, b, c):
        _check_index(index, unit.shape[0])
    return unit[a] - unit[b] + unit[c]


def analogy(unit: torch.Tensor, a: int, b: int, c: int, k: int) -> tuple[list[int], list[float]]:
    """The k rows nearest a − b + c by cosine, leaving out a, b and c (as word2vec does:
    otherwise the answer is nearly always one of them)."""
    return nearest(unit, analogy_vector(unit, a, b, c), k, exclude=(a, b, c))


def rank_of(unit: torch.Tensor, query: torch.Tensor, target: int,
            exclude: tuple[int, ...] = ()) -> tuple[int, float]:
    """Where row `target` comes among all rows ordered by cosine with `query`
    (1 = nearest), the rows in `exclude` left out; and its cosine."""
    _check_index(target, unit.shape[0])
    query = query.float().cpu()
    scores = unit @ (query / query.norm().clamp(min=1e-12))
    if exclude:
        scores[list(exclude)] = float("-inf")
    score = scores[target]
    return int((scores > score).sum()) + 1, float(score)


def neighbour_table(unit: torch.Tensor, rows: list[int], k: int,
                    chunk: int = 128) -> tuple[list[list[int]], list[list[float]]]:
    """The k nearest rows of each of `rows` (itself left out), a chunk of rows at a time
    so that even GPT-2's vocabulary needs only chunk × 50,257 scores at once."""
    _check_k(k, unit.shape[0] - 1)
    for index in rows:
        _check_index(index, unit.shape[0])
    k = min(k, unit.shape[0] - 1)
    indices, scores = [], []
    for start in range(0, len(rows), chunk):
        part = torch.tensor(rows[start:start + chunk], dtype=torch.long)
        sims = unit[part] @ unit.T                                        # (chunk, n)
        sims[torch.arange(len(part)), part] = float("-inf")               # not itself
        top = torch.topk(sims, k, dim=1)
        indices += top.indices.tolist()
        scores += top.values.tolist()
    return indices, scores


class UnitRowsCache:
    """Unit rows per weight matrix, made once and reused (for GPT-2's 50,257 × 768 that
    is about 150 MB and real time on two cores, too much to redo for every query).

    Keyed by the weight tensor itself (held weakly) and its version counter, so a
    matrix changed in place or freed is never served stale. At most `size` matrices
    and `max_bytes` are kept (the newest always), oldest dropped first.
    """

    def __init__(self, size: int = 4, max_bytes: int = 512 * 2**20):
        self.size, self.max_bytes = size, max_bytes
        self.lock = threading.Lock()
        self._rows: OrderedDict[int, tuple[weakref.ref, int, torch.Tensor]] = OrderedDict()

    def get(self, weight: torch.Tensor) -> torch.Tensor:
        key, version = id(weight), weight._version
        with self.lock:
            held = self._rows.get(key)
            if held is not None and held[0]() is weight and held[1] == version:
                self._rows.move_to_end(key)
                return held[2]
        rows = unit_rows(weight)                 # outside the lock: others need not wait
        with self.lock:
            self._rows[key] = (weakref.ref(weight), version, rows)
            self._rows.move_to_end(key)
            for stale in [k for k, (ref, _, _) in self._rows.items() if ref() is None]:
                del self._rows[stale]
            while len(self._rows) > 1 and (len(self._rows) > self.size
                                           or self.nbytes > self.max_bytes):
                self._rows.popitem(last=False)
        return rows

    @property
    def nbytes(self) -> int:
        return sum(rows.numel() * rows.element_size() for _, _, rows in self._rows.values())

    def __len__(self) -> int:
        return len(self._rows)


# ----- the map -------------------------------------------------------------------------

@dataclass
class Projection:
    points: torch.Tensor        # (n, 2): each row's place on the map
    axes: torch.Tensor          # (2, d): the two directions the map's axes stand for
    explained: list[float]      # the share of the spread each of the two axes shows


def project_2d(vectors: torch.Tensor, normalise: bool = True) -> Projection:
    """The rows' two principal components: the plane through their mean along which
    they spread most.

    1. (with `normalise`) scale every row to length 1, so the map shows directions,
       the same thing the cosine measures;
    2. subtract the mean row;
    3. SVD: X = U S Vᵀ; the first two columns of V are the directions of most spread
       (`axes`), and the rows' coordinates along them are U[:, :2] · S[:2] (= X · V[:, :2]);
    4. fix each axis's sign (its largest coordinate positive) so the same vectors
       always give the same picture.
    """
    if vectors.dim() != 2 or vectors.shape[0] < 2:
        raise ValueError(f"a map needs at least two vectors, got shape {tuple(vectors.shape)}")
    x = unit_rows(vectors) if normalise else vectors.detach().float().cpu()
    x = x - x.mean(dim=0, keepdim=True)                                   # (n, d)
    if x.shape[1] < 2:
        raise ValueError("a map needs vectors of at least two dimensions")
    u, s, vh = torch.linalg.svd(x, full_matrices=False)                   # (n, r), (r,), (r, d)
    points = u[:, :2] * s[:2]                                             # (n, 2)
    biggest = points.abs().argmax(dim=0)                                  # (2,)
    signs = torch.where(points[biggest, torch.arange(2)] < 0, -1.0, 1.0)
    total = float((s ** 2).sum())
    explained = [float(v) / total if total > 0 else 0.0 for v in s[:2] ** 2]
    return Projection(points * signs, vh[:2] * signs[:, None], explained)


def procrustes(points: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """`points` (n, k) turned (rotated, or mirrored) onto `reference` (n, k) as closely
    as a rotation can: the orthogonal Procrustes problem.

    The best orthogonal R minimises ‖points · R − reference‖; with the SVD
    pointsᵀ · reference = U S Vᵀ it is R = U Vᵀ. Distances between points are kept.
    """
    if points.shape != reference.shape or points.dim() != 2:
        raise ValueError(f"cannot align shapes {tuple(points.shape)} and {tuple(reference.shape)}")
    u, _, vh = torch.linalg.svd(points.T @ reference)                    # (k, k) each
    return points @ (u @ vh)


def scale_to_unit(points: torch.Tensor) -> torch.Tensor:
    """Centred and scaled so the mean squared distance from the centre is 1."""
    centred = points - points.mean(dim=0, keepdim=True)
    return centred / centred.pow(2).sum(dim=1).mean().sqrt().clamp(min=1e-12)


def align_frames(frames: list[torch.Tensor]) -> list[torch.Tensor]:
    """Maps of the same tokens taken at different times, each scaled to the same size
    and turned onto the one before it, so a film of them moves smoothly instead of
    flipping (every projection is free to come out rotated or mirrored)."""
    aligned: list[torch.Tensor] = []
    for frame in frames:
        frame = scale_to_unit(frame.float())
        aligned.append(procrustes(frame, aligned[-1]) if aligned else frame)
    return aligned


# ----- which tokens, and what kind ----------------------------------------------------

def frequent_ids(ids: torch.Tensor, n_vocab: int, limit: int) -> list[int]:
    """The `limit` most frequent token ids of a text (ties by id), only ids it uses."""
    counts = torch.bincount(torch.as_tensor(ids).flatten().long(), minlength=n_vocab)[:n_vocab]
    order = torch.sort(-counts, stable=True).indices[:limit]             # ties: smaller id first
    return [int(i) for i in order if counts[i] > 0]


def corpus_of(tokenizer) -> str | None:
    """The named corpus a tokenizer was built from (GPT-2's own: the built-in text), if any."""
    from core.corpora import CORPORA, DEFAULT_CORPUS

    if tokenizer.name == "gpt2":
        return DEFAULT_CORPUS
    return next((name for name in CORPORA if tokenizer.name.startswith(f"{name}-")), None)


MAX_MAP_IDS = 2000
_FREQUENT: dict[tuple[str, int], tuple[int, ...]] = {}   # one entry per named corpus tokenizer
_FREQUENT_LOCK = threading.Lock()


def _frequent_in_corpus(corpus: str, tokenizer) -> tuple[int, ...]:
    """The corpus's tokens by frequency (counted once per tokenizer name: a named
    corpus's tokenizer is the same whichever model carries it)."""
    from core.corpora import load_corpus

    key = (tokenizer.name, tokenizer.n_vocab)
    with _FREQUENT_LOCK:
        if key in _FREQUENT:
            return _FREQUENT[key]
    ids = torch.tensor(tokenizer.encode(load_corpus(corpus)), dtype=torch.long)
    counted = tuple(frequent_ids(ids, tokenizer.n_vocab, MAX_MAP_IDS))
    with _FREQUENT_LOCK:
        return _FREQUENT.setdefault(key, counted)


def map_token_ids(tokenizer, n_vocab: int, limit: int) -> tuple[list[int], bool]:
    """The tokens a map shows: the `limit` most frequent in the tokenizer's corpus (a
    character model's whole alphabet), or, with no corpus to count, the first `limit`
    ids. Returns (ids, whether they are by frequency)."""
    corpus = corpus_of(tokenizer)
    if corpus is not None:
        try:
            ids = _frequent_in_corpus(corpus, tokenizer)[:limit]
        except (OSError, RuntimeError, ValueError):     # the corpus is not on this machine
            ids = ()
        ids = [i for i in ids if i < n_vocab]
        if len(ids) >= 2:
            return ids, True
    return list(range(min(limit, n_vocab))), False


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x3134F or 0x3040 <= code <= 0x30FF or 0xAC00 <= code <= 0xD7AF)


def char_class(ch: str) -> str:
    """vowel, consonant, digit, punctuation, space, cjk or other, for one character."""
    if ch.isspace():
        return "space"
    if _is_cjk(ch):
        return "cjk"
    if unicodedata.category(ch) == "Nd":
        return "digit"
    if ch.isalpha():
        base = unicodedata.normalize("NFD", ch)[0]     # é → e
        return "vowel" if base in VOWELS else "consonant" if base.isascii() else "other"
    if unicodedata.category(ch)[0] in "PS":
        return "punctuation"
    return "other"


def token_class(text: str | None) -> str:
    """A token's class from its text (None: a piece of a UTF-8 character). One character
    takes the character's class; longer tokens are words with their leading space
    ("word", GPT-2's " king"), word pieces ("piece") or, when every character shares
    one class (digits, spaces, punctuation, CJK), that class."""
    if not text:
        return "other"
    if len(text) == 1:
        return char_class(text)
    kinds = {char_class(ch) for ch in text}
    letters = {"vowel", "consonant"}
    if kinds <= letters:
        return "piece"
    if text[0] == " " and {char_class(ch) for ch in text[1:]} <= letters:
        return "word"
    if len(kinds) == 1 and not kinds <= letters:
        return kinds.pop()
    return "other"
