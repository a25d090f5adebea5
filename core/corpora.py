"""Named training texts and task datasets: where each comes from, how it is checked.

`CORPORA` are texts to pretrain on; `DATASETS` are the fine-tuning tasks' data (the
SMS Spam Collection, the book's instruction set). A file is looked for, in order:
1. in the folder named by LLM_PLAYGROUND_DATA (local copies, same layout as the
   public sources: `the-verdict.txt`, `tinyshakespeare/input.txt`, `tang/data.json`);
2. in the download cache (LLM_PLAYGROUND_CACHE, default ~/.cache/llm-playground);
3. in `assets/` (the embedded default, which ships with the app);
4. otherwise it is downloaded from its public source into the cache.
Every file is checked against its sha256 before use. Offline with no copy, the error
says which file is missing, where it would come from, and where to put it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core.poetry import is_five_character_poem
from core.tokenizer import ASSETS, BPETokenizer, CharTokenizer, SubsetBPETokenizer, Tokenizer

DATA_ENV = "LLM_PLAYGROUND_DATA"
# The Tang story's vocabulary: characters of its poems occurring at least this often
# (4,626 of 7,109, covering 99.6% of its text); the rest read as "□".
TANG_STORY_MIN_COUNT = 5
CACHE_ENV = "LLM_PLAYGROUND_CACHE"
DEFAULT_CORPUS = "the-verdict"
MAX_USER_TEXT_CHARS = 5_000_000


class CorpusUnavailable(RuntimeError):
    """The corpus file could not be found locally nor downloaded."""


@dataclass(frozen=True)
class DataFile:
    """One public file: where it lives locally and online, and its checksum."""

    name: str
    title: str
    relpath: str              # path inside a data folder / the cache
    url: str                  # the public source
    sha256: str               # of the file itself (inside the archive, when `member` is set)
    licence: str
    member: str | None = None  # the file's name inside a zip archive at `url`


@dataclass(frozen=True)
class Corpus(DataFile):
    tokenizer: str = "char"   # "gpt2", "gpt2-subset" or "char": the default tokenizer
    language: str = "en"
    sample_prompt: str = ""   # the trainer's fixed prompt for samples
    prepare: Callable[[bytes], str] = field(default=lambda raw: raw.decode("utf-8"), repr=False)
    # A character vocabulary keeps the characters occurring at least this often; rarer
    # ones read as "□" (1: every character of the text, nothing unknown).
    min_count: int = 1


def _tang_pretrain_text(raw: bytes) -> str:
    return tang_parts(json.loads(raw.decode("utf-8")))["pretrain"]


def _tang_five_text(raw: bytes) -> str:
    return tang_five_character_text(json.loads(raw.decode("utf-8")))


CORPORA: dict[str, Corpus] = {
    "the-verdict": Corpus(
        "the-verdict", 'Edith Wharton, "The Verdict" (1908)', "the-verdict.txt",
        "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch02/01_main-chapter-code/the-verdict.txt",
        "b41e41a68f0398a3154ae69e2e4c0e2694e17fe0d66730536837f1b01935b31f",
        "public domain", tokenizer="gpt2-subset", sample_prompt="I had always thought"),
    "tiny-shakespeare": Corpus(
        "tiny-shakespeare", "Tiny Shakespeare (char-rnn)", "tinyshakespeare/input.txt",
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        "public domain (Shakespeare); collection MIT", tokenizer="char",
        sample_prompt="ROMEO:\n"),
    "tang-five": Corpus(
        "tang-five", "全唐诗 five-character poems (五言) of the tutorial's pretraining part",
        "tang/data.json", "https://raw.githubusercontent.com/jingedawang/TutorialLLM/main/data.json",
        "9dbb1437ad9f0b70894f5f264712573113a8c338b212d1c37bd0f562663d6292",
        "poems public domain; chinese-poetry MIT", tokenizer="char", language="zh",
        sample_prompt="春夜喜雨\n", prepare=_tang_five_text, min_count=TANG_STORY_MIN_COUNT),
    "tang": Corpus(
        "tang", "全唐诗 Tang poems (chinese-poetry, TutorialLLM format)", "tang/data.json",
        "https://raw.githubusercontent.com/jingedawang/TutorialLLM/main/data.json",
        "9dbb1437ad9f0b70894f5f264712573113a8c338b212d1c37bd0f562663d6292",
        "poems public domain; chinese-poetry MIT", tokenizer="char", language="zh",
        sample_prompt="春夜喜雨\n", prepare=_tang_pretrain_text),
}

DATASETS: dict[str, DataFile] = {
    "sms-spam": DataFile(
        "sms-spam", "SMS Spam Collection (Almeida & Gómez Hidalgo, UCI)",
        "sms_spam/SMSSpamCollection.tsv",
        "https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip",
        "7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d",
        "CC BY 4.0 (UCI); cite Almeida et al., DocEng 2011", member="SMSSpamCollection"),
    "instructions": DataFile(
        "instructions", "The book's instruction set (1,100 Alpaca-style items)",
        "instruction-data.json",
        "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch07/01_main-chapter-code/instruction-data.json",
        "7e09a9af353722ca15c18bc580f093f9c39d3178335a75177319cb1e1d163944", "Apache-2.0"),
}


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "llm-playground")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _checked(path: Path, corpus: DataFile) -> Path:
    actual = sha256_of(path)
    if actual != corpus.sha256:
        raise CorpusUnavailable(
            f"{path} does not match the published '{corpus.name}' file "
            f"(sha256 {actual[:16]}…, expected {corpus.sha256[:16]}…). "
            "It may be damaged or a different version: delete it and try again.")
    return path


def corpus_path(name: str, download: bool = True) -> Path:
    """The checked local file of corpus `name`, downloading it if needed."""
    return file_path(get_corpus(name), download)


def dataset_path(name: str, download: bool = True) -> Path:
    """The checked local file of task dataset `name` (see `DATASETS`), downloading it
    if needed."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    return file_path(DATASETS[name], download)


def file_path(corpus: DataFile, download: bool = True) -> Path:
    """Look for a public file locally (data folder, cache, assets); else download it."""
    candidates = []
    if os.environ.get(DATA_ENV):
        candidates.append(Path(os.environ[DATA_ENV]) / corpus.relpath)
    candidates += [cache_dir() / corpus.relpath, ASSETS / Path(corpus.relpath).name]
    for path in candidates:
        if path.is_file():
            return _checked(path, corpus)
    if not download:
        raise CorpusUnavailable(_missing_message(corpus, "downloads are switched off"))
    return _download(corpus)


def _download(corpus: DataFile) -> Path:
    import pooch  # imported here: only needed on a first download

    target = cache_dir() / corpus.relpath
    try:
        if corpus.member:   # an archive whose own checksum is not published: check the member
            extracted = pooch.retrieve(corpus.url, known_hash=None, path=target.parent,
                                       fname=Path(corpus.url).name, progressbar=False,
                                       processor=pooch.Unzip(members=[corpus.member]))
            source = next(Path(p) for p in extracted if Path(p).name == corpus.member)
            _checked(source, corpus)
            source.replace(target)
            return target
        fetched = pooch.retrieve(corpus.url, known_hash=f"sha256:{corpus.sha256}",
                                 fname=target.name, path=target.parent, progressbar=False)
    except CorpusUnavailable:
        raise
    except ValueError as err:  # pooch's hash mismatch
        raise CorpusUnavailable(
            f"the download of '{corpus.name}' from {corpus.url} did not match its "
            f"published checksum, so it was refused ({err})") from err
    except Exception as err:  # network errors of every kind
        raise CorpusUnavailable(_missing_message(corpus, f"{type(err).__name__}: {err}")) from err
    return Path(fetched)


def _missing_message(corpus: DataFile, reason: str) -> str:
    kind = "Corpus" if isinstance(corpus, Corpus) else "Dataset"
    fetch = (f"Download {corpus.url}, take the file {corpus.member} out of the archive and "
             f"save it as {cache_dir() / corpus.relpath}" if corpus.member else
             f"Download {corpus.url} and save it as {cache_dir() / corpus.relpath}")
    return (
        f"{kind} '{corpus.name}' is not available offline and could not be downloaded "
        f"({reason}). {fetch}, or set {DATA_ENV} to a folder that holds {corpus.relpath}. "
        f"The embedded default corpus '{DEFAULT_CORPUS}' works without a network.")


def get_corpus(name: str) -> Corpus:
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; choose one of {sorted(CORPORA)}")
    return CORPORA[name]


@functools.lru_cache(maxsize=4)
def _load_text(name: str, path: str, mtime: float) -> str:
    return get_corpus(name).prepare(Path(path).read_bytes())


def load_corpus(name: str, download: bool = True) -> str:
    """The text of a named corpus, ready to tokenize."""
    path = corpus_path(name, download)
    return _load_text(name, str(path), path.stat().st_mtime)


def check_user_text(text: str, min_chars: int = 2) -> str:
    """A learner's own text: clear errors for empty, too short, too long or binary input."""
    if not isinstance(text, str):
        raise ValueError("the text must be a string")
    if "\x00" in text:
        raise ValueError("the text contains NUL bytes: it looks like a binary file, not text")
    stripped = text.strip()
    if len(stripped) < min_chars:
        raise ValueError(f"the text is too short: give at least {min_chars} characters")
    if len(text) > MAX_USER_TEXT_CHARS:
        raise ValueError(f"the text is too long: at most {MAX_USER_TEXT_CHARS:,} characters")
    return text


def decode_upload(raw: bytes, max_bytes: int = 5_000_000) -> str:
    """Bytes of an uploaded file → text, refusing what is not UTF-8 text."""
    if len(raw) > max_bytes:
        raise ValueError(f"the file is too large: {len(raw):,} bytes, at most {max_bytes:,}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError("the file is not UTF-8 text (is it a binary file?)") from err
    return check_user_text(text)


# ----- the Tang-poetry tutorial's data recipe --------------------------------------

TANG_INSTRUCTION = "請用以下題目寫一首詩"
TANG_INS, TANG_INP, TANG_RES = "<INS>", "<INP>", "<RES>"


def tang_parts(poems: list[dict], seed: int = 2024) -> dict:
    """Split the poems as the tutorial does and format each part.

    1. Shuffle with Python's `random` seeded 2024; split 5 : 3 : 2.
    2. Pretraining text: title, newline, lines joined by newlines; poems joined by a
       blank line.
    3. Instruction items: <INS>請用以下題目寫一首詩<INP>{title}<RES>{lines}.
    4. Preference pairs: each five-character poem (`is_five_character_poem`: every line
       12 characters) against a random other poem.
    5. Vocabulary: every character of the three parts plus "\\0" as end-of-text, sorted.
    6. Each part is split 90 / 10 into training and evaluation (`instructions_train`,
       `instructions_eval`, …).
    """
    rng = random.Random(seed)
    pretrain, finetune, align = _tang_split(poems, rng)

    def as_instruction(poem: dict) -> str:
        return f"{TANG_INS}{TANG_INSTRUCTION}{TANG_INP}{poem['title']}{TANG_RES}" + "\n".join(poem["paragraphs"])

    pretrain_text = "\n\n".join(_as_pretraining(p) for p in pretrain)
    instructions = [as_instruction(p) for p in finetune]
    five = [p for p in align if is_five_character_poem(p["paragraphs"])]
    others = [p for p in align if not is_five_character_poem(p["paragraphs"])]
    pairs = [(as_instruction(p), as_instruction(rng.choice(others))) for p in five] if others else []
    all_text = pretrain_text + "".join(instructions) + "".join(a + b for a, b in pairs) + "\0"

    def split(items: list) -> tuple[list, list]:
        cut = int(len(items) * 0.9)
        return items[:cut], items[cut:]
    instructions_train, instructions_eval = split(instructions)
    pairs_train, pairs_eval = split(pairs)
    return {"pretrain": pretrain_text, "instructions": instructions, "pairs": pairs,
            "instructions_train": instructions_train, "instructions_eval": instructions_eval,
            "pairs_train": pairs_train, "pairs_eval": pairs_eval,
            "vocabulary": sorted(set(all_text))}


def _tang_split(poems: list[dict], rng: random.Random) -> tuple[list, list, list]:
    """The tutorial's three parts: shuffled by `rng` (which goes on to draw the
    preference pairs), then split 5 : 3 : 2 into pretraining, fine-tuning, alignment."""
    poems = list(poems)
    rng.shuffle(poems)
    n = len(poems)
    return poems[:int(n * 0.5)], poems[int(n * 0.5):int(n * 0.8)], poems[int(n * 0.8):]


def _as_pretraining(poem: dict) -> str:
    return f"{poem['title']}\n" + "\n".join(poem["paragraphs"])


def tang_five_character_text(poems: list[dict], seed: int = 2024) -> str:
    """The Tang story's text: the five-character poems of the tutorial's pretraining part.

    The same poems, order and format as the tutorial's pretraining text (`tang_parts`),
    keeping only the poems whose every line is a five-character couplet
    (`is_five_character_poem`, at least one line): 13,427 of its 23,728 poems, so every
    line the model reads has one shape, 5 + "，" + 5 + "。".
    """
    pretrain, _, _ = _tang_split(poems, random.Random(seed))
    return "\n\n".join(_as_pretraining(p) for p in pretrain
                        if p["paragraphs"] and is_five_character_poem(p["paragraphs"]))


def tang_instructions() -> tuple[list[str], list[str]]:
    """The tutorial's instruction items, split 90 / 10: (training, evaluation)."""
    parts = _tang_parts(str(corpus_path("tang")))
    return parts["instructions_train"], parts["instructions_eval"]


@functools.lru_cache(maxsize=1)
def _tang_parts(path: str) -> dict:
    return tang_parts(json.loads(Path(path).read_text(encoding="utf-8")))


def tang_vocabulary() -> list[str]:
    """The tutorial's 8,548-character vocabulary, from the full Tang corpus."""
    return _tang_vocabulary(str(corpus_path("tang")))


def _tang_vocabulary(path: str) -> list[str]:
    return _tang_parts(path)["vocabulary"]


def corpus_tokenizer(name: str, kind: str | None = None) -> Tokenizer:
    """The tokenizer a corpus is taught with; `kind` overrides.

    Kinds: "gpt2" (full BPE), "gpt2-subset" (BPE with only the corpus's tokens) and
    "char".

    A character tokenizer's vocabulary is every character of the corpus plus "\\0";
    for the Tang poems it is the tutorial's 8,548-character vocabulary.
    """
    kind = kind or get_corpus(name).tokenizer
    if kind == "gpt2":
        return BPETokenizer()
    if kind == "gpt2-subset":
        return _subset_tokenizer(name, str(corpus_path(name)))
    if kind != "char":
        raise ValueError(f"unknown tokenizer kind {kind!r}: use 'gpt2', 'gpt2-subset' or 'char'")
    return _char_tokenizer(name, str(corpus_path(name)))


@functools.lru_cache(maxsize=4)
def _subset_tokenizer(name: str, path: str) -> SubsetBPETokenizer:
    return SubsetBPETokenizer.from_text(load_corpus(name), name=f"{name}-gpt2-subset")


@functools.lru_cache(maxsize=4)
def _char_tokenizer(name: str, path: str) -> CharTokenizer:
    if name == "tang":
        return CharTokenizer(tang_vocabulary(), name="tang-char")
    corpus = get_corpus(name)
    if corpus.min_count > 1:    # the instruction format's characters stay, for fine-tuning
        return CharTokenizer.from_frequent(load_corpus(name), corpus.min_count, name=f"{name}-char",
                                           keep="\0" + TANG_INS + TANG_INP + TANG_RES + TANG_INSTRUCTION)
    return CharTokenizer.from_text(load_corpus(name), name=f"{name}-char")
