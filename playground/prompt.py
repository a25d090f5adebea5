"""From what a learner typed to the token ids a model reads, for every tab that takes a prompt.

`read_prompt` checks the text (empty, too long, not text), converts simplified
characters for a Tang model (its vocabulary is traditional), encodes it, and collects
notices for everything it changed: converted characters, pieces the vocabulary does
not have (skipped). `cut_notice` says when a prompt is longer than the context.

`DefaultText` is a tab's example text in English and in Chinese: on a Chinese page a
model that reads Chinese gets the Chinese one, any other model keeps the English one
with a line saying why (the default untrained model knows only The Verdict's tokens:
a Chinese prompt would leave it none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gradio as gr

from core.chinese import ConversionUnavailable, to_simplified, to_traditional
from core.tokenizer import CharTokenizer, Tokenizer, token_label
from playground.i18n import t
from playground.model_picker import PickedModel, picked_tokenizer
from playground.session import AppContext, learner_key

MAX_PROMPT_CHARS = 10_000


@dataclass
class PromptInput:
    picked: PickedModel
    text: str                  # what the model reads (traditional for a Tang model)
    ids: list[int]
    notices: list[str] = field(default_factory=list)

    @property
    def context(self) -> int:
        return self.picked.model.cfg.context_length


def is_tang(tokenizer: Tokenizer) -> bool:
    return tokenizer.name.startswith("tang")


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def code(text: str) -> str:
    """Text shown verbatim in Markdown (a token may be `<e4 bd>`, `*` or `_`)."""
    text = text.replace("\n", " ")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def check_text(text, lang: str | None, empty_key: str = "samp.err.empty",
               limit: int = MAX_PROMPT_CHARS) -> str:
    """The typed text, or a gr.Error for empty, over-long or non-text input."""
    if text is not None and not isinstance(text, str):
        raise gr.Error(t("samp.err.not_text", lang))
    if not text or not text.strip():
        raise gr.Error(t(empty_key, lang))
    if len(text) > limit:
        raise gr.Error(t("samp.err.too_long", lang, n=len(text), limit=limit))
    return text


def for_tang(text: str, tokenizer: Tokenizer, lang: str | None, notices: list[str]) -> str:
    """Simplified → traditional for a Tang model, with a notice when anything changed."""
    if not is_tang(tokenizer):
        return text
    try:
        converted = to_traditional(text)
    except ConversionUnavailable as err:
        notices.append(t("samp.notice.no_opencc", lang, reason=err))
        return text
    if converted != text:
        notices.append(t("samp.notice.converted", lang, before=code(short(text)),
                         after=code(short(converted))))
    return converted


def read_prompt(picked: PickedModel, text, lang: str | None, *,
                empty_key: str = "samp.err.empty", limit: int = MAX_PROMPT_CHARS) -> PromptInput:
    """The text as the picked model's token ids, with notices for what changed."""
    text = check_text(text, lang, empty_key, limit)
    notices: list[str] = []
    text = for_tang(text, picked.tokenizer, lang, notices)
    tokenizer = picked.tokenizer
    unknown = tokenizer.unknown_pieces(text)
    ids = tokenizer.encode(text)
    shown = code(" ".join(repr(piece) for piece in unknown[:20]) + (" …" if len(unknown) > 20 else ""))
    if not ids:
        raise gr.Error(t("samp.err.nothing_left", lang, pieces=shown))
    if unknown:
        notices.append(t("samp.notice.unknown", lang, n=len(unknown), pieces=shown))
    return PromptInput(picked, text, ids, notices)


def cut_notice(n_ids: int, limit: int, lang: str | None) -> list[str]:
    """A notice when `n_ids` tokens are more than the `limit` that will be used."""
    if n_ids <= limit:
        return []
    return [t("samp.notice.cut", lang, n=n_ids, context=limit, cut=n_ids - limit)]


def notices_md(lines: list[str]) -> str:
    return "\n\n".join(f"⚠ {line}" for line in lines)


def shown(text: str, tokenizer: Tokenizer, simplified: bool) -> str:
    """A Tang model's traditional characters, in simplified ones when asked."""
    if not (simplified and is_tang(tokenizer)):
        return text
    try:
        return to_simplified(text)
    except ConversionUnavailable:
        return text


def token_text(tokenizer: Tokenizer, token_id: int, simplified: bool = False,
               visible_space: bool = True) -> str:
    """One token as a label (byte fragments as <e4 bd>), simplified if asked."""
    return shown(token_label(tokenizer.token_bytes(token_id), visible_space), tokenizer, simplified)


def reads_chinese(tokenizer: Tokenizer | None, text: str) -> bool:
    """Whether a model reads the Chinese `text`: a character model that knows every one
    of its characters. (GPT-2's BPE can encode Chinese as bytes, but learned little of it:
    its English example teaches more.)"""
    return isinstance(tokenizer, CharTokenizer) and not tokenizer.unknown_pieces(text)


@dataclass(frozen=True)
class DefaultText:
    """A tab's example text: English for every model, Chinese for a model that reads it."""

    english: str
    chinese: str

    def handler(self, ctx: AppContext, explain: bool = True):
        """Handler (learner, lang, model choice, current text) → text (and, with `explain`,
        the line saying why it stays English): swaps the example for the picked model and
        the page's language; text a learner typed stays."""
        def default_text(request: gr.Request, learner, lang, choice, current):
            text, note = gr.skip(), ""
            if current in (self.english, self.chinese, None, ""):
                owner = learner_key(learner, request, lang)
                tokenizer = picked_tokenizer(ctx.registry, choice, owner)
                chinese = lang == "zh" and reads_chinese(tokenizer, self.chinese)
                text = self.chinese if chinese else self.english
                note = t("prompt.stays_english", lang) if lang == "zh" and not chinese else ""
            return (text, note) if explain else text
        return default_text

    def wire(self, ctx: AppContext, picker_dropdown, text_box, note_md=None):
        """Swap the example when the learner picks another model or language (and say why
        it stays English in `note_md`, if given); returns the language hook, for redraws
        that read the text (`ctx.on_language(after=…)`)."""
        return wire_examples(ctx, picker_dropdown, [(self, text_box, note_md)])


def wire_examples(ctx: AppContext, picker_dropdown, examples: list[tuple]):
    """Wire a tab's examples, each (DefaultText, text box, note or None), to its model
    picker: one listener for them all. (Two listeners on one dropdown's `.change` can set
    each other off for ever in Gradio 6's page, tests/test_app_wiring.py.) Returns the
    language hook."""
    handlers = [default.handler(ctx, explain=note is not None) for default, _, note in examples]
    boxes = [box for _, box, _ in examples]
    outputs = [c for _, box, note in examples for c in ([box] if note is None else [box, note])]

    def default_texts(request: gr.Request, learner, lang, choice, *current):
        out = []
        for handler, text in zip(handlers, current):
            answer = handler(request, learner, lang, choice, text)
            out.extend(answer if isinstance(answer, tuple) else (answer,))
        return tuple(out) if len(out) > 1 else out[0]

    inputs = [ctx.learner, ctx.lang, picker_dropdown, *boxes]
    picker_dropdown.change(default_texts, inputs, outputs, api_visibility="private",
                           concurrency_limit=None, show_progress="hidden")
    return ctx.on_language(default_texts, inputs, outputs)
