"""Tokenizer tab: text in, tokens out — GPT-2 BPE, words (the book's first, simple
tokenizer, with <|unk|> for words it has never seen) and characters side by side.

It shows the default text's tokens as soon as the page opens and updates as the
learner types.
"""

from __future__ import annotations

import gradio as gr

from core.corpora import CorpusUnavailable, corpus_tokenizer
from core.tokenizer import (BPETokenizer, CharTokenizer, SimpleTokenizer, Tokenizer,
                             is_byte_fragment, token_pieces)
from playground.errors import friendly, message_for
from playground.i18n import t
from playground.prompt import code
from playground.session import AppContext

MAX_CHARS = 20_000
CHAR_SOURCES = ("the-verdict", "tiny-shakespeare", "tang", "this-text")
COLOURS = {"0": "#fde68a", "1": "#bfdbfe", "unk": "#fca5a5"}
KINDS = ("char", "simple")      # the tokenizers whose vocabulary comes from a text


def vocabulary_tokenizer(source: str, text: str, lang, kind: str = "char") -> Tokenizer:
    """A character ("char") or word ("simple") tokenizer whose vocabulary is the text
    `source` names, or the typed text itself ("this-text")."""
    if kind not in KINDS:
        raise gr.Error(t("tok.err.source", lang, source=kind))
    if source == "this-text":
        maker = CharTokenizer if kind == "char" else SimpleTokenizer
        return maker.from_text(text, name="this-text")
    if source not in CHAR_SOURCES:
        raise gr.Error(t("tok.err.source", lang, source=source))
    try:
        return corpus_tokenizer(source, kind=kind)
    except CorpusUnavailable as err:
        raise gr.Error(message_for(err, lang)) from err


def words_highlight(tokenizer: SimpleTokenizer, text: str) -> list[tuple[str, str]]:
    """The book's tokenizer's pieces as typed, spaced apart (spaces are not tokens);
    a word outside the vocabulary, which becomes <|unk|>, in red."""
    pieces = SimpleTokenizer.split(text)
    return [(piece + " ", "unk" if token_id == tokenizer.unk_id else str(i % 2))
            for i, (piece, token_id) in enumerate(zip(pieces, tokenizer.encode(text)))]


def _headers(lang) -> list[str]:
    return [t(key, lang) for key in ("tok.col_pos", "tok.col_id", "tok.col_token", "tok.col_bytes")]


def _table(pieces, lang) -> dict:
    """A token table with its headers in the learner's language."""
    rows = [[i, token_id, shown, raw.hex(" ")] for i, (token_id, shown, raw) in enumerate(pieces)]
    return {"headers": _headers(lang), "data": rows}


def _highlight(pieces) -> list[tuple[str, str]]:
    # Alternate two labels so neighbouring tokens get different colours.
    return [(shown, str(i % 2)) for i, (_, shown, _) in enumerate(pieces)]


@friendly
def tokenize(lang, text: str, char_source: str):
    """Handler: both tokenizations, their tables and the counts."""
    if not isinstance(text, str) or not text.strip():
        raise gr.Error(t("err.empty_text", lang))
    if len(text) > MAX_CHARS:
        raise gr.Error(t("err.too_long", lang, n=len(text), limit=MAX_CHARS))
    bpe_pieces = token_pieces(BPETokenizer(), text)
    char_tok = vocabulary_tokenizer(char_source, text, lang)
    char_pieces = token_pieces(char_tok, text)
    words_tok = vocabulary_tokenizer(char_source, text, lang, kind="simple")
    words = words_highlight(words_tok, text)
    counts = t("tok.counts", lang, chars=len(text), bpe=len(bpe_pieces),
               bpe_ratio=len(text) / max(1, len(bpe_pieces)), char=len(char_pieces),
               vocab=char_tok.n_vocab)
    counts += " · " + t("tok.words_count", lang, words=len(words), vocab=words_tok.n_vocab)
    unknown_words = words_tok.unknown_pieces(text)
    if unknown_words:
        counts += "\n\n" + t("tok.words_unknown", lang, n=len(unknown_words),
                               words=" ".join(code(w) for w in unknown_words[:30]))
    unknown = char_tok.unknown_pieces(text)
    if unknown:
        counts += "\n\n" + t("tok.unknown", lang, n=len(unknown),
                             chars=" ".join(repr(c) for c in unknown[:30]))
    if any(is_byte_fragment(raw) for _, _, raw in bpe_pieces):
        counts += "\n\n" + t("tok.bytes_note", lang)
    return (counts, _highlight(bpe_pieces), _highlight(char_pieces),
            _table(bpe_pieces, lang), _table(char_pieces, lang), words)


@friendly
def tokenize_as_typed(lang, text: str, char_source: str):
    """Handler for typing: like `tokenize`, but an empty box just clears the views."""
    if isinstance(text, str) and not text.strip():
        empty = {"headers": _headers(lang), "data": []}
        return t("tok.empty_hint", lang), [], [], empty, empty, []
    return tokenize(lang, text, char_source)


def build(ctx: AppContext) -> None:
    """The tab's widgets and wiring (call inside a gr.Blocks)."""
    lang = ctx.ui_lang
    first = tokenize(lang, t("tok.default_text", lang), "the-verdict")
    with ctx.tab("tokenizer", "tok.tab", "tok.card"):
        gr.Markdown(t("tok.intro", lang))
        with gr.Row():
            text_box = gr.Textbox(label=t("tok.text", lang), value=t("tok.default_text", lang),
                                  lines=4, scale=3)
            with gr.Column(scale=1):
                source_dd = ctx.link("char_source", gr.Dropdown(
                    choices=[(t("tok.source.this" if s == "this-text" else f"corpus.{s}", lang), s)
                             for s in CHAR_SOURCES],
                    value="the-verdict", label=t("tok.char_source", lang),
                    info=t("tok.char_source_info", lang)), default={"zh": "tang"})
                run_btn = gr.Button(t("tok.run", lang), variant="primary")
        counts_md = gr.Markdown(first[0])
        with gr.Row():
            bpe_hl, words_hl, char_hl = (
                gr.HighlightedText(value, label=t(key, lang), combine_adjacent=False,
                                   show_legend=False, show_inline_category=False,
                                   color_map=COLOURS)
                for value, key in ((first[1], "tok.bpe"), (first[5], "tok.words"),
                                   (first[2], "tok.char")))
        with gr.Row():
            bpe_df = gr.Dataframe(first[3], label=t("tok.table_bpe", lang), interactive=False,
                                  max_height=320)
            char_df = gr.Dataframe(first[4], label=t("tok.table_char", lang), interactive=False,
                                   max_height=320)
        outputs = [counts_md, bpe_hl, char_hl, bpe_df, char_df, words_hl]
        inputs = [ctx.lang, text_box, source_dd]
        # Read-only and cheap: no concurrency limit, so a room never queues behind one learner.
        gr.on([run_btn.click, text_box.submit, source_dd.change], tokenize, inputs, outputs,
              api_name="tokenize", concurrency_limit=None)
        text_box.input(tokenize_as_typed, inputs, outputs, api_visibility="private",
                       concurrency_limit=None, trigger_mode="always_last", show_progress="hidden")
        ctx.on_language(tokenize_as_typed, inputs, outputs)
