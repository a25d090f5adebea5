"""From "this text, this preset" to a training job: what the Pretrain tab and the command
line (`python -m core.train`) both assemble, in one place.

Each corpus tells a story on a small machine, and choosing the corpus chooses the
settings that tell it (a `Story`): the model preset, the tokenizer, the step budget,
the prompt the samples start from, and a text for the attention probe. Every job also
maps its most frequent tokens' embeddings as it trains (the embeddings tab's film).
- the-verdict: GPT-2's BPE restricted to the text's own tokens; words within ~15 s,
  then overfitting: training loss keeps falling while validation loss turns up;
- tiny-shakespeare: characters; names, line breaks, then words;
- Tang poems: characters; punctuation first, then five- and seven-character lines.
The step budget is generous: a story is ended by the learner (or the budget, shown
with its ETA), never cut short by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import PRESETS, GPTConfig
from core.corpora import CORPORA, corpus_tokenizer, load_corpus
from core.data import tokenize_and_split
from core.embeddings import frequent_ids
from core.jobs.spec import JobSpec
from core.objectives import check_split
from core.poetry import POEM_END
from core.tokenizer import BPETokenizer, CharTokenizer, SubsetBPETokenizer, Tokenizer
from core.train import TRAIN_PRESETS, ProbeSpec, TrainConfig

OWN_TEXT = "own-text"
TOKENIZER_KINDS = ("auto", "char", "gpt2-subset", "gpt2")
# The book trains GPT-2 124M on the-verdict with a 256-token context.
MODEL_OVERRIDES = {"gpt2-124m": {"context_length": 256}, "gpt2-355m": {"context_length": 256}}
PROBE_TOKENS = 24
MAP_TOKENS = 300          # the embedding map's tokens: a character model's whole alphabet,
                          # or a large vocabulary's most frequent tokens


@dataclass(frozen=True)
class Story:
    """The settings that tell a corpus's story on 2 CPU cores."""

    preset: str               # its model and training settings (the step budget with them)
    tokenizer: str
    sample_prompt: str        # where the samples start (a poetry story: its first title)
    probe_text: str
    titles: tuple[str, ...] = ()   # a poetry story's fixed titles: each sample is one poem

    @property
    def sample_stop(self) -> str:
        """Where a sample ends: a poetry story's at the poem's blank line."""
        return POEM_END if self.titles else ""

    @property
    def prompt_text(self) -> str:
        """What the page's prompt box shows: the titles one a line, or the prompt."""
        return "\n".join(self.titles) if self.titles else self.sample_prompt

    def prompts(self, typed: str) -> list[str]:
        """The prompts of a run's samples from the prompt box's text. A poetry story
        reads one title a line and starts each poem on the line after its title (as the
        training text writes them); any other story takes the text as typed."""
        if not self.titles:
            return [typed or self.sample_prompt]
        titles = [line.strip() for line in (typed or self.prompt_text).splitlines()]
        return [f"{title}\n" for title in titles if title][:MAX_TITLES] or [self.sample_prompt]


MAX_TITLES = 4                # poems written per sample step (each costs a generation)
TANG_TITLES = ("春夜喜雨", "月夜", "送別")   # the tutorial's example first

STORIES: dict[str, Story] = {
    "the-verdict": Story("cpu-demo", "gpt2-subset", "I had always thought",
                         "I had always thought Jack Gisburn rather a cheap genius--though a "
                         "good fellow enough"),
    "tiny-shakespeare": Story("shakespeare-char", "char", "ROMEO:\n",
                              "ROMEO:\nBut soft, what light through yonder window breaks?"),
    "tang-five": Story("tang-char", "char", f"{TANG_TITLES[0]}\n", "靜夜思\n牀前明月光，疑是地上霜。",
                       titles=TANG_TITLES),
    "tang": Story("tang-tutorial", "char", f"{TANG_TITLES[0]}\n", "靜夜思\n牀前明月光，疑是地上霜。",
                  titles=TANG_TITLES),
    OWN_TEXT: Story("cpu-demo", "char", "", ""),
}
# The story a page opens on, by its language: Chinese opens on the Tang poems.
DEFAULT_STORIES = {"en": "the-verdict", "zh": "tang-five"}


def story_for(corpus: str) -> Story:
    """The story of a named corpus; a learner's own text gets the CPU demo's."""
    return STORIES.get(corpus, STORIES[OWN_TEXT])


def default_corpus(lang: str | None) -> str:
    """The corpus (and so the story) a page in `lang` opens on."""
    return DEFAULT_STORIES.get(lang or "en", DEFAULT_STORIES["en"])


def tokenizer_for(corpus: str, kind: str, text: str) -> Tokenizer:
    """The tokenizer of a run: the corpus's own ("auto") or the one chosen."""
    if kind not in TOKENIZER_KINDS:
        raise ValueError(f"unknown tokenizer {kind!r}; choose one of {TOKENIZER_KINDS}")
    if corpus in CORPORA:
        return corpus_tokenizer(corpus, story_for(corpus).tokenizer if kind == "auto" else kind)
    if kind in ("auto", "char"):
        return CharTokenizer.from_text(text, name="own-char")
    if kind == "gpt2-subset":
        return SubsetBPETokenizer.from_text(text, "own-gpt2-subset")
    return BPETokenizer()


def model_config_for(preset: str, vocab_size: int, **sizes) -> GPTConfig:
    """A preset's model with the tokenizer's vocabulary and any sizes changed."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    changes = {**MODEL_OVERRIDES.get(preset, {}), **{k: v for k, v in sizes.items() if v is not None}}
    return PRESETS[preset].replace(vocab_size=vocab_size, **changes)


def train_config_for(preset: str, **changes) -> TrainConfig:
    """A preset's training settings with some changed; the preset's warm-up stays within
    a tenth of the run (a warm-up given in `changes` is kept as given)."""
    base = TRAIN_PRESETS.get(preset, TRAIN_PRESETS["cpu-demo"])
    given = {k: v for k, v in changes.items() if v is not None}
    warmup = given.pop("warmup_steps", None)
    cfg = base.replace(**given, warmup_steps=0)
    if warmup is None:
        warmup = min(base.warmup_steps, max(0, cfg.max_steps // 10))
    return cfg.replace(warmup_steps=warmup)


def attention_probe(tokenizer: Tokenizer, text: str, context_length: int,
                    every: int) -> tuple[ProbeSpec, ...]:
    """The attention snapshot a pretraining job takes every `every` steps (none if the
    text gives no tokens)."""
    ids = tokenizer.encode(text)[:min(PROBE_TOKENS, context_length)] if text else []
    if not ids:
        return ()
    return (ProbeSpec("attention", "attention", every, {"ids": ids}),)


def embedding_map_probe(train_ids, vocab_size: int, every: int) -> tuple[ProbeSpec, ...]:
    """The map of the most frequent tokens' embeddings, every `every` steps."""
    ids = frequent_ids(train_ids, vocab_size, MAP_TOKENS)
    return (ProbeSpec("embedding_map", "embedding_map", every, {"ids": ids}),) if len(ids) > 1 else ()


def pretraining_spec(label: str, corpus_name: str, text: str, tokenizer: Tokenizer,
                     model_cfg: GPTConfig, train_cfg: TrainConfig, *, probe_text: str = "",
                     probe_every: int | None = None, train_ratio: float = 0.9,
                     **spec_fields) -> JobSpec:
    """Tokenize and split the text, check both splits hold a window, and describe the job."""
    train_ids, val_ids = tokenize_and_split(text, tokenizer, train_ratio)
    check_split(train_ids, model_cfg.context_length, "training")
    check_split(val_ids, model_cfg.context_length, "validation")
    every = probe_every or train_cfg.eval_every
    probes = attention_probe(tokenizer, probe_text or train_cfg.sample_prompt,
                             model_cfg.context_length, every)
    probes += embedding_map_probe(train_ids, model_cfg.vocab_size, every)
    return JobSpec.pretraining(label, model_cfg, train_cfg, tokenizer, train_ids, val_ids,
                               corpus=corpus_name, probes=probes, **spec_fields)


def story_spec(corpus: str, label: str, **train_changes) -> JobSpec:
    """A run of a named corpus with its story's settings (a class run started in one
    click): its tokenizer, preset, prompts and probes, nothing to choose."""
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; choose one of {sorted(CORPORA)}")
    story, text = story_for(corpus), load_corpus(corpus)
    tokenizer = tokenizer_for(corpus, "auto", text)
    prompts = story.prompts("")
    train_cfg = train_config_for(story.preset, sample_prompt=prompts[0],
                                 sample_stop=story.sample_stop, **train_changes)
    return pretraining_spec(label, corpus, text, tokenizer,
                            model_config_for(story.preset, tokenizer.n_vocab), train_cfg,
                            probe_text=story.probe_text, prompts=prompts)
