"""Tokenizer tab: text in, tokens out — GPT-2 BPE and characters side by side."""

from __future__ import annotations

import gradio as gr

from core.corpora import CorpusUnavailable, corpus_tokenizer
from core.tokenizer import BPETokenizer, CharTokenizer, Tokenizer, token_pieces
from playground.i18n import t

MAX_CHARS = 20_000
CHAR_SOURCES = ("the-verdict", "tiny-shakespeare", "tang", "this-text")


def _char_tokenizer(source: str, text: str) -> Tokenizer:
    if source == "this-text":
        return CharTokenizer.from_text(text, name="this-text")
    if source not in CHAR_SOURCES:
        raise gr.Error(f"unknown source {source!r}")
    try:
        return corpus_tokenizer(source, kind="char")
    except CorpusUnavailable as err:
        raise gr.Error(t("err.corpus", reason=err)) from err


def _rows(pieces) -> list[list]:
    return [[i, token_id, shown, raw.hex(" ")] for i, (token_id, shown, raw) in enumerate(pieces)]


def _highlight(pieces) -> list[tuple[str, str]]:
    # Alternate two labels so neighbouring tokens get different colours.
    return [(shown, str(i % 2)) for i, (_, shown, _) in enumerate(pieces)]


def tokenize(text: str, char_source: str):
    """Handler: both tokenizations, their tables and the counts."""
    if not text or not text.strip():
        raise gr.Error(t("err.empty_text"))
    if len(text) > MAX_CHARS:
        raise gr.Error(t("err.too_long", n=len(text), limit=MAX_CHARS))
    bpe_pieces = token_pieces(BPETokenizer(), text)
    char_tok = _char_tokenizer(char_source, text)
    char_pieces = token_pieces(char_tok, text)
    counts = t("tok.counts", chars=len(text), bpe=len(bpe_pieces),
               bpe_ratio=len(text) / max(1, len(bpe_pieces)), char=len(char_pieces),
               vocab=char_tok.n_vocab)
    unknown = char_tok.unknown_pieces(text)
    if unknown:
        counts += "\n\n" + t("tok.unknown", n=len(unknown), chars=" ".join(repr(c) for c in unknown[:30]))
    if any(_is_fragment(raw) for _, _, raw in bpe_pieces):
        counts += "\n\n" + t("tok.bytes_note")
    return (counts, _highlight(bpe_pieces), _highlight(char_pieces),
            _rows(bpe_pieces), _rows(char_pieces))


def _is_fragment(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def build(ctx=None) -> None:
    """The tab's widgets and wiring (call inside a gr.Blocks)."""
    with gr.Tab(t("tok.tab"), id="tokenizer"):
        gr.Markdown(t("tok.intro"))
        with gr.Row():
            text_box = gr.Textbox(label=t("tok.text"), value=t("tok.default_text"), lines=4,
                                  scale=3)
            with gr.Column(scale=1):
                source_dd = gr.Dropdown(
                    choices=[(t("tok.source.this") if s == "this-text" else s, s) for s in CHAR_SOURCES],
                    value="the-verdict", label=t("tok.char_source"), info=t("tok.char_source_info"))
                run_btn = gr.Button(t("tok.run"), variant="primary")
        counts_md = gr.Markdown()
        with gr.Row():
            bpe_hl = gr.HighlightedText(label=t("tok.bpe"), combine_adjacent=False,
                                        show_legend=False, show_inline_category=False, color_map={"0": "#fde68a", "1": "#bfdbfe"})
            char_hl = gr.HighlightedText(label=t("tok.char"), combine_adjacent=False,
                                         show_legend=False, show_inline_category=False, color_map={"0": "#fde68a", "1": "#bfdbfe"})
        headers = [t("tok.col_pos"), t("tok.col_id"), t("tok.col_token"), t("tok.col_bytes")]
        with gr.Row():
            bpe_df = gr.Dataframe(headers=headers, label=t("tok.table_bpe"), interactive=False,
                                  max_height=320)
            char_df = gr.Dataframe(headers=headers, label=t("tok.table_char"), interactive=False,
                                   max_height=320)
        outputs = [counts_md, bpe_hl, char_hl, bpe_df, char_df]
        gr.on([run_btn.click, text_box.submit], tokenize, [text_box, source_dd], outputs,
              api_name="tokenize")
