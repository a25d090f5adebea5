"""Tokenizers: text → token ids → text.

Two kinds, one interface (`name`, `n_vocab`, `encode`, `decode`, `eos_id`, `to_spec`):
- `BPETokenizer`: GPT-2's byte-pair encoding through tiktoken (chapter 2). It works
  offline: the two vocabulary files ship in `assets/gpt2/` and tiktoken is built from
  them instead of downloading.
- `SubsetBPETokenizer`: GPT-2's BPE keeping only the tokens a corpus uses. The text is
  split exactly as GPT-2 splits it, but the model needs output rows for ~1,400 tokens
  instead of 50,257, which makes a small model on a laptop CPU ~10x faster.
- `CharTokenizer`: one token per character, the vocabulary being every character of a
  corpus, sorted (as the Tang-poetry tutorial does). A character it has never seen is
  dropped by default (`unknown="skip"`) and listed by `unknown_chars`, or rejected with
  a ValueError (`unknown="error"`): never a KeyError deep inside. A vocabulary trimmed
  to the characters a text uses often (`from_frequent`) has an unknown character
  instead ("□", the mark for a missing character in Chinese texts): every other
  character reads as it, so a learner sees where one was.
- `SimpleTokenizer`: the book's first tokenizer (chapter 2.4, `SimpleTokenizerV2`):
  words and punctuation split by a regular expression, a vocabulary of every piece of
  a corpus, and `<|unk|>` for a word it has never seen.
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Protocol

import torch

ASSETS = Path(__file__).resolve().parent.parent / "assets"
GPT2_DIR = ASSETS / "gpt2"
GPT2_EOS = "<|endoftext|>"
# The hashes tiktoken itself expects for OpenAI's GPT-2 files.
GPT2_VOCAB_BPE_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"
GPT2_ENCODER_JSON_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"


class Tokenizer(Protocol):
    name: str
    n_vocab: int
    eos_id: int | None

    def encode(self, text: str) -> list[int]: ...
    def decode(self, ids: Iterable[int]) -> str: ...
    def token_bytes(self, token_id: int) -> bytes: ...
    def unknown_pieces(self, text: str) -> list[str]: ...
    def to_spec(self) -> dict: ...


@functools.lru_cache(maxsize=1)
def _gpt2_encoding(vocab_dir: str):
    import tiktoken
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks
    from tiktoken_ext.openai_public import r50k_pat_str  # GPT-2's word-splitting regex

    vocab_bpe = os.path.join(vocab_dir, "vocab.bpe")
    encoder_json = os.path.join(vocab_dir, "encoder.json")
    for path in (vocab_bpe, encoder_json):
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"GPT-2 vocabulary file missing: {path}. It ships with LLM Playground in "
                "assets/gpt2/; restore it from the repository.")
    try:
        ranks = data_gym_to_mergeable_bpe_ranks(
            vocab_bpe_file=vocab_bpe, encoder_json_file=encoder_json,
            vocab_bpe_hash=GPT2_VOCAB_BPE_SHA256, encoder_json_hash=GPT2_ENCODER_JSON_SHA256)
    except ValueError as err:  # tiktoken says so when a hash does not match
        raise ValueError(f"GPT-2 vocabulary files in {vocab_dir} are damaged: {err}") from err
    return tiktoken.Encoding(name="gpt2", pat_str=r50k_pat_str, mergeable_ranks=ranks,
                             special_tokens={GPT2_EOS: 50256}, explicit_n_vocab=50257)


class BPETokenizer:
    """GPT-2's byte-level BPE (50,257 tokens; 50256 is <|endoftext|>)."""

    name = "gpt2"

    def __init__(self, vocab_dir: str | os.PathLike = GPT2_DIR):
        self._enc = _gpt2_encoding(str(vocab_dir))
        self.n_vocab = self._enc.n_vocab
        self.eos_id = self._enc.eot_token

    def encode(self, text: str) -> list[int]:
        _check_text(text)
        return self._enc.encode(text, allowed_special={GPT2_EOS})

    def decode(self, ids: Iterable[int]) -> str:
        return self._enc.decode(_check_ids(ids, self.n_vocab))

    def token_bytes(self, token_id: int) -> bytes:
        """The raw bytes of one token: Chinese characters often span 2-3 BPE tokens,
        each holding part of a character's UTF-8 bytes."""
        return self._enc.decode_single_token_bytes(_check_ids([token_id], self.n_vocab)[0])

    def to_spec(self) -> dict:
        return {"type": "gpt2"}

    def unknown_pieces(self, text: str) -> list[str]:
        return []   # byte-level BPE can encode any text


class SubsetBPETokenizer:
    """GPT-2 BPE restricted to `keep_ids` (GPT-2 ids), renumbered 0..len-1.

    A GPT-2 token outside the subset is dropped by `encode` and listed by
    `unknown_pieces`. <|endoftext|> is always kept.
    """

    def __init__(self, keep_ids: Iterable[int], name: str = "gpt2-subset"):
        self._bpe = BPETokenizer()
        keep = sorted(set(int(i) for i in keep_ids) | {self._bpe.eos_id})
        _check_ids(keep, self._bpe.n_vocab)
        self.gpt2_ids = keep
        self._to_local = {gpt2_id: i for i, gpt2_id in enumerate(keep)}
        self.name = name
        self.n_vocab = len(keep)
        self.eos_id = self._to_local[self._bpe.eos_id]

    @classmethod
    def from_text(cls, text: str, name: str = "gpt2-subset") -> "SubsetBPETokenizer":
        return cls(BPETokenizer().encode(text), name=name)

    def encode(self, text: str) -> list[int]:
        local = self._to_local
        return [local[i] for i in self._bpe.encode(text) if i in local]

    def unknown_pieces(self, text: str) -> list[str]:
        # Runs of neighbouring unknown tokens are decoded together, so a Chinese
        # character split over two byte tokens shows as itself, not as "�".
        pieces, run = [], []
        for token_id in self._bpe.encode(text) + [self._bpe.eos_id]:
            if token_id in self._to_local:
                if run:
                    pieces.append(self._bpe.decode(run))
                run = []
            else:
                run.append(token_id)
        return list(dict.fromkeys(pieces))

    def decode(self, ids: Iterable[int]) -> str:
        return self._bpe.decode(self.to_gpt2_ids(ids))

    def to_gpt2_ids(self, ids: Iterable[int]) -> list[int]:
        return [self.gpt2_ids[i] for i in _check_ids(ids, self.n_vocab)]

    def token_bytes(self, token_id: int) -> bytes:
        return self._bpe.token_bytes(self.to_gpt2_ids([token_id])[0])

    def to_spec(self) -> dict:
        return {"type": "gpt2-subset", "name": self.name, "ids": self.gpt2_ids}


class CharTokenizer:
    """One token per character; the vocabulary is a sorted list of characters."""

    def __init__(self, chars: Iterable[str], name: str = "char", eos: str | None = "\0",
                 unk: str | None = None):
        chars = list(chars)
        if not chars:
            raise ValueError("a character tokenizer needs at least one character")
        if len(set(chars)) != len(chars):
            raise ValueError("the character list has duplicates")
        if any(len(c) != 1 for c in chars):
            raise ValueError("every vocabulary entry must be one character")
        self.chars = chars
        self.name = name
        self.n_vocab = len(chars)
        self.stoi = {c: i for i, c in enumerate(chars)}
        self.eos_id = self.stoi.get(eos) if eos is not None else None
        if unk is not None and unk not in self.stoi:
            raise ValueError(f"the unknown character {unk!r} must be in the vocabulary")
        self.unk = unk                  # what every character outside the vocabulary reads as
        self.unk_id = self.stoi[unk] if unk is not None else None

    @classmethod
    def from_text(cls, text: str, name: str = "char", add_eos: bool = True) -> "CharTokenizer":
        """Every distinct character of `text` (plus "\\0" as end-of-text), sorted."""
        _check_text(text)
        chars = set(text)
        if add_eos:
            chars.add("\0")
        return cls(sorted(chars), name=name)

    @classmethod
    def from_frequent(cls, text: str, min_count: int, name: str = "char", unk: str = "□",
                      keep: str = "\0") -> "CharTokenizer":
        """The characters occurring at least `min_count` times in `text`, plus `keep`
        ("\\0", end-of-text) and `unk`, which every other character reads as. Sorted.

        A model's output layer has one row per character: a vocabulary of the frequent
        ones makes each step cheaper, at the price of the rare ones becoming `unk`."""
        _check_text(text)
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"min_count must be a whole number >= 1, got {min_count!r}")
        counts = Counter(text)
        chars = {c for c, n in counts.items() if n >= min_count} | set(keep) | {unk}
        return cls(sorted(chars), name=name, unk=unk)

    def unknown_chars(self, text: str) -> list[str]:
        """Characters of `text` not in the vocabulary, in order of first appearance."""
        return list(dict.fromkeys(c for c in text if c not in self.stoi))

    def unknown_pieces(self, text: str) -> list[str]:
        return self.unknown_chars(text)

    def encode(self, text: str, unknown: str = "skip") -> list[int]:
        _check_text(text)
        if unknown not in ("skip", "error"):
            raise ValueError("unknown must be 'skip' or 'error'")
        if unknown == "error":
            missing = self.unknown_chars(text)
            if missing:
                shown = "".join(missing[:20])
                raise ValueError(f"{len(missing)} character(s) not in the vocabulary: {shown!r}")
        stoi = self.stoi
        if self.unk_id is not None:
            return [stoi.get(c, self.unk_id) for c in text]
        return [stoi[c] for c in text if c in stoi]

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[i] for i in _check_ids(ids, self.n_vocab))

    def token_bytes(self, token_id: int) -> bytes:
        return self.chars[_check_ids([token_id], self.n_vocab)[0]].encode("utf-8")

    def to_spec(self) -> dict:
        spec = {"type": "char", "name": self.name, "chars": "".join(self.chars)}
        return {**spec, "unk": self.unk} if self.unk is not None else spec


class SimpleTokenizer:
    """The book's regex tokenizer: every word and punctuation mark is one token.

    The vocabulary is every piece of a corpus, sorted, then `<|endoftext|>` and
    `<|unk|>` (the-verdict: 1,130 pieces + 2 = 1,132). A piece outside it becomes
    `<|unk|>`; spaces are not tokens, so `decode` puts one between pieces and takes
    it away again before punctuation.
    """

    SPLIT = re.compile(r'([,.:;?_!"()\']|--|\s)')
    NO_SPACE_BEFORE = re.compile(r'\s+([,.:;?!"()\'])')
    EOS, UNK = GPT2_EOS, "<|unk|>"

    def __init__(self, words: Iterable[str], name: str = "simple"):
        words = [w for w in words if w not in (self.EOS, self.UNK)]
        if not words:
            raise ValueError("a word tokenizer needs at least one word")
        if len(set(words)) != len(words):
            raise ValueError("the word list has duplicates")
        self.words = words + [self.EOS, self.UNK]
        self.name = name
        self.n_vocab = len(self.words)
        self.str_to_int = {w: i for i, w in enumerate(self.words)}
        self.eos_id = self.str_to_int[self.EOS]
        self.unk_id = self.str_to_int[self.UNK]

    @classmethod
    def split(cls, text: str) -> list[str]:
        """Text → its pieces: split at punctuation, "--" and whitespace; drop the blanks."""
        _check_text(text)
        return [piece.strip() for piece in cls.SPLIT.split(text) if piece.strip()]

    @classmethod
    def from_text(cls, text: str, name: str = "simple") -> "SimpleTokenizer":
        """Every distinct piece of `text`, sorted, plus the two special tokens."""
        return cls(sorted(set(cls.split(text))), name=name)

    def encode(self, text: str) -> list[int]:
        stoi, unk = self.str_to_int, self.unk_id
        return [stoi.get(piece, unk) for piece in self.split(text)]

    def decode(self, ids: Iterable[int]) -> str:
        text = " ".join(self.words[i] for i in _check_ids(ids, self.n_vocab))
        return self.NO_SPACE_BEFORE.sub(r"\1", text)

    def unknown_pieces(self, text: str) -> list[str]:
        """Pieces of `text` that `encode` turns into <|unk|>, in order of appearance."""
        return list(dict.fromkeys(p for p in self.split(text) if p not in self.str_to_int))

    def token_bytes(self, token_id: int) -> bytes:
        return self.words[_check_ids([token_id], self.n_vocab)[0]].encode("utf-8")

    def to_spec(self) -> dict:
        return {"type": "simple", "name": self.name, "words": self.words[:-2]}


def tokenizer_from_spec(spec: dict) -> Tokenizer:
    """Rebuild a tokenizer from what `to_spec()` wrote (e.g. in a checkpoint sidecar)."""
    kind = spec.get("type") if isinstance(spec, dict) else None
    if kind == "gpt2":
        return BPETokenizer()
    if kind == "gpt2-subset" and isinstance(spec.get("ids"), list):
        return SubsetBPETokenizer(spec["ids"], name=spec.get("name", "gpt2-subset"))
    if kind == "char" and isinstance(spec.get("chars"), str):
        unk = spec.get("unk")
        return CharTokenizer(list(spec["chars"]), name=spec.get("name", "char"),
                             unk=unk if isinstance(unk, str) else None)
    if kind == "simple" and isinstance(spec.get("words"), list):
        return SimpleTokenizer(spec["words"], name=spec.get("name", "simple"))
    raise ValueError(f"not a tokenizer description: {spec!r:.200}")


def text_to_token_ids(text: str, tokenizer: Tokenizer) -> torch.Tensor:
    """The book's helper: text → a (1, T) tensor of ids (a batch of one)."""
    return torch.tensor(tokenizer.encode(text), dtype=torch.long).unsqueeze(0)


def token_ids_to_text(token_ids: torch.Tensor, tokenizer: Tokenizer) -> str:
    """The book's helper: a (1, T) or (T,) tensor of ids → text."""
    if token_ids.dim() == 2:
        if token_ids.shape[0] != 1:
            raise ValueError("token_ids_to_text takes a batch of one")
        token_ids = token_ids[0]
    return tokenizer.decode(token_ids.tolist())


def _check_text(text) -> None:
    if not isinstance(text, str):
        raise TypeError(f"expected text (str), got {type(text).__name__}")


def _check_ids(ids: Iterable[int], n_vocab: int) -> list[int]:
    ids = [int(i) for i in ids]
    bad = [i for i in ids if not 0 <= i < n_vocab]
    if bad:
        raise ValueError(f"token id {bad[0]} is outside the vocabulary (0..{n_vocab - 1})")
    return ids


def token_label(raw: bytes, visible_space: bool = False) -> str:
    """How one token is shown to a learner.

    A byte-level BPE token can hold part of a character (a Chinese character is 3
    UTF-8 bytes, often split over tokens); such a piece is shown as its bytes,
    e.g. "<e4 bd>", so the learner sees which bytes make the character. With
    `visible_space` (chart axes), spaces and newlines are drawn as ␣ and ↵.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "<" + " ".join(f"{b:02x}" for b in raw) + ">"
    text = text.replace("\0", "␀")
    if not visible_space:
        return text
    return (text or "∅").replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")


def is_byte_fragment(raw: bytes) -> bool:
    """True for a token that is only part of a UTF-8 character."""
    try:
        raw.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def token_pieces(tokenizer: Tokenizer, text: str) -> list[tuple[int, str, bytes]]:
    """Each token of `text` as (id, shown text, raw bytes); see `token_label`."""
    pieces = []
    for token_id in tokenizer.encode(text):
        raw = tokenizer.token_bytes(token_id)
        pieces.append((token_id, token_label(raw), raw))
    return pieces
