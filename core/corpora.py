"""Named training texts and task datasets: where each comes from, how it is checked.

`CORPORA` are texts to pretrain on; `DATASETS` are the fine-tuning tasks' data (the
SMS Spam Collection, the book's instruction set). Every one of them ships with the
app in `assets/`, compressed with the standard library's `lzma`, so no lesson needs
the network. A file is looked for, in order:
1. in the folder named by LLM_PLAYGROUND_DATA (local copies, same layout as the
   public sources: `the-verdict.txt`, `tinyshakespeare/input.txt`, `tang/data.json`);
2. in the cache (LLM_PLAYGROUND_CACHE, default ~/.cache/llm-playground), where an
   embedded file is decompressed once;
3. in `assets/` as `<relpath>.xz`, decompressed into the cache.
Every file is checked against its sha256 before use. A missing or damaged file
raises `CorpusUnavailable`, which says which file, what is wrong and what to do
(`problem` and `name` let a UI say it in the learner's language).
"""

from __future__ import annotations

import functools
import hashlib
import json
import lzma
import os
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core.poetry import is_five_character_poem
from core.tokenizer import (ASSETS, BPETokenizer, CharTokenizer, SimpleTokenizer,
                            SubsetBPETokenizer, Tokenizer)

DATA_ENV = "LLM_PLAYGROUND_DATA"
# The Tang story's vocabulary: characters of its poems occurring at least this often
# (4,626 of 7,109, covering 99.6% of its text); the rest read as "□".
TANG_STORY_MIN_COUNT = 5
CACHE_ENV = "LLM_PLAYGROUND_CACHE"
DEFAULT_CORPUS = "the-verdict"
MAX_USER_TEXT_CHARS = 5_000_000


class CorpusUnavailable(RuntimeError):
    """A corpus or dataset file that is missing or does not match its checksum.

    `problem` is "missing" or "damaged", `name` the file's name in `CORPORA` /
    `DATASETS`, `relpath` where a data folder would hold it, and `path` the damaged copy.
    """

    def __init__(self, message: str, *, name: str = "", relpath: str = "",
                 problem: str = "missing", path: Path | None = None):
        super().__init__(message)
        self.name, self.relpath, self.problem, self.path = name, relpath, problem, path


@dataclass(frozen=True)
class DataFile:
    """One public file: where it lives locally and online, and its checksum."""

    name: str
    title: str
    relpath: str              # path inside a data folder / the cache (`assets/<relpath>.xz`)
    url: str                  # the public source (the file inside the archive, for a zip)
    sha256: str               # of the file's content (after decompression)
    licence: str


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
        "CC BY 4.0 (UCI); cite Almeida et al., DocEng 2011"),
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


def embedded_path(data: DataFile) -> Path:
    """Where the app's own compressed copy of a file lives."""
    return ASSETS / f"{data.relpath}.xz"


def _damaged(data: DataFile, path: Path, actual: str) -> CorpusUnavailable:
    return CorpusUnavailable(
        f"{path} does not match the published '{data.name}' file (sha256 {actual[:16]}…, "
        f"expected {data.sha256[:16]}…). It may be damaged or a different version: delete "
        "it, or put the published file there.",
        name=data.name, relpath=data.relpath, problem="damaged", path=path)


def _checked(path: Path, data: DataFile) -> Path:
    actual = sha256_of(path)
    if actual != data.sha256:
        raise _damaged(data, path, actual)
    return path


def corpus_path(name: str) -> Path:
    """The checked local file of corpus `name`."""
    return file_path(get_corpus(name))


def dataset_path(name: str) -> Path:
    """The checked local file of task dataset `name` (see `DATASETS`)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    return file_path(DATASETS[name])


def file_path(data: DataFile) -> Path:
    """A data file on disk, checked: the data folder's copy, the cache's, or the
    embedded one decompressed into the cache."""
    if os.environ.get(DATA_ENV):
        local = Path(os.environ[DATA_ENV]) / data.relpath
        if local.is_file():
            return _checked(local, data)
    cached = cache_dir() / data.relpath
    if cached.is_file() and sha256_of(cached) == data.sha256:
        return cached
    embedded = embedded_path(data)
    if not embedded.is_file():
        raise CorpusUnavailable(_missing_message(data), name=data.name, relpath=data.relpath)
    return _decompress(data, embedded)


def _decompress(data: DataFile, embedded: Path) -> Path:
    """Decompress an embedded file into the cache (a temporary folder if the cache is
    not writable), written to a temporary name and renamed, so a reader never sees half."""
    raw = lzma.decompress(embedded.read_bytes())
    actual = hashlib.sha256(raw).hexdigest()
    if actual != data.sha256:
        raise _damaged(data, embedded, actual)
    for root in (cache_dir(), Path(tempfile.gettempdir()) / "llm-playground-data"):
        target = root / data.relpath
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
            partial.write_bytes(raw)
            partial.replace(target)
            return target
        except OSError:
            continue
    raise CorpusUnavailable(f"no writable folder to decompress '{data.name}' into: set "
                            f"{CACHE_ENV} to one", name=data.name, relpath=data.relpath)


def _missing_message(data: DataFile) -> str:
    kind = "Corpus" if isinstance(data, Corpus) else "Dataset"
    return (f"{kind} '{data.name}' is missing: {embedded_path(data)} is not in this "
            f"installation. Reinstall LLM Playground (the file ships with it), or set "
            f"{DATA_ENV} to a folder that holds {data.relpath} (its source: {data.url}).")


def get_corpus(name: str) -> Corpus:
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; choose one of {sorted(CORPORA)}")
    return CORPORA[name]


@functools.lru_cache(maxsize=4)
def _load_text(name: str, path: str, mtime: float) -> str:
    return get_corpus(name).prepare(Path(path).read_bytes())


def load_corpus(name: str) -> str:
    """The text of a named corpus, ready to tokenize."""
    path = corpus_path(name)
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


def _too_large(size: int, max_bytes: int) -> ValueError:
    return ValueError(f"the file is too large: {size:,} bytes, at most {max_bytes:,}")


def read_upload(upload, max_bytes: int = 5_000_000) -> bytes:
    """An uploaded file's bytes (given as a path, or as bytes), its size checked before
    anything is read: a file over the limit is never loaded into memory."""
    if isinstance(upload, (bytes, bytearray)):
        raw = bytes(upload)
    else:
        path = Path(upload)
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(size, max_bytes)
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)           # it may have grown since
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes)
    return raw


def decode_upload(raw: bytes, max_bytes: int = 5_000_000) -> str:
    """Bytes of an uploaded file → text, refusing what is not UTF-8 text."""
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes)
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


def tang_preference_pairs(poems: list[dict], fits: Callable[[str, str], bool],
                          seed: int = 2024) -> tuple[list[tuple[str, str, str]],
                                                     list[tuple[str, str, str]]]:
    """Preference pairs for DPO, each two answers to one instruction (DECISIONS 25, 26).

    1. The alignment part of the tutorial's split (the same 5 : 3 : 2 as `tang_parts`).
    2. Chosen: each five-character poem (`is_five_character_poem`, at least one line)
       whose lines fit under its own title: `fits(title, lines)` says the whole item
       (instruction, title, lines, end-of-text) fits the model's context.
    3. Rejected: a poem of the same part that is not five-character, drawn with a
       fixed seed among those whose lines also fit under the chosen title.
    4. Split 90 / 10 into training and evaluation pairs.

    A side is never cut: a pair that would not fit is left out. Returns
    (train, eval), each a list of (title, chosen lines, rejected lines).
    """
    _, _, align = _tang_split(poems, random.Random(seed))
    text = lambda poem: "\n".join(poem["paragraphs"])  # noqa: E731
    five = [p for p in align if p["paragraphs"] and is_five_character_poem(p["paragraphs"])]
    others = [text(p) for p in align if not is_five_character_poem(p["paragraphs"])]
    rng, pairs = random.Random(seed), []
    for poem in five:
        title, chosen = poem["title"], text(poem)
        if not fits(title, chosen):
            continue
        drawn = rng.sample(others, min(len(others), REJECTED_TRIES))
        rejected = next((lines for lines in drawn if fits(title, lines)), None)
        if rejected is not None:
            pairs.append((title, chosen, rejected))
    cut = int(len(pairs) * 0.9)
    return pairs[:cut], pairs[cut:]


REJECTED_TRIES = 32         # rejected poems drawn for one chosen poem before it is left out


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


def tang_poems() -> list[dict]:
    """The full Tang corpus: {title, author, paragraphs} for each of its poems."""
    return _tang_poems(str(corpus_path("tang")))


@functools.lru_cache(maxsize=1)
def _tang_poems(path: str) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _tang_parts(path: str) -> dict:
    return tang_parts(_tang_poems(path))


def tang_vocabulary() -> list[str]:
    """The tutorial's 8,548-character vocabulary, from the full Tang corpus."""
    return _tang_vocabulary(str(corpus_path("tang")))


def _tang_vocabulary(path: str) -> list[str]:
    return _tang_parts(path)["vocabulary"]


def corpus_tokenizer(name: str, kind: str | None = None) -> Tokenizer:
    """The tokenizer a corpus is taught with; `kind` overrides.

    Kinds: "gpt2" (full BPE), "gpt2-subset" (BPE with only the corpus's tokens),
    "char" and "simple" (the book's word tokenizer, chapter 2.4).

    A character tokenizer's vocabulary is every character of the corpus plus "\\0";
    for the Tang poems it is the tutorial's 8,548-character vocabulary.
    """
    kind = kind or get_corpus(name).tokenizer
    if kind == "gpt2":
        return BPETokenizer()
    if kind == "gpt2-subset":
        return _subset_tokenizer(name, str(corpus_path(name)))
    if kind == "simple":
        return _simple_tokenizer(name, str(corpus_path(name)))
    if kind != "char":
        raise ValueError(f"unknown tokenizer kind {kind!r}: use 'gpt2', 'gpt2-subset', "
                         "'char' or 'simple'")
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


@functools.lru_cache(maxsize=4)
def _simple_tokenizer(name: str, path: str) -> SimpleTokenizer:
    return SimpleTokenizer.from_text(load_corpus(name), name=f"{name}-words")
