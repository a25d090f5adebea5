"""Every user-facing string of the app, in English and Simplified Chinese.

Tabs never hold literal UI text: they call `t("key")` (static labels, in the
language the app was built for) or `t("key", lang, **values)` in handlers. Adding a
language or a live switch changes this module, not the tabs.
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "zh")
_ENV_LANG = os.environ.get("LLM_PLAYGROUND_LANG", "en")
DEFAULT_LANG = _ENV_LANG if _ENV_LANG in LANGUAGES else "en"

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {
        "en": "LLM Playground",
        "zh": "大模型游乐场",
    },
    "app.intro": {
        "en": "Build, train and poke a GPT in your browser, following *Build a Large Language "
              "Model (From Scratch)* and the Tang-poetry tutorial GPT.",
        "zh": "在浏览器里搭建、训练、拆解一个 GPT，跟随《从零构建大语言模型》与唐诗 GPT 教程。",
    },
    # --- tokenizer tab ---
    "tok.tab": {"en": "Tokenizer", "zh": "分词器"},
    "tok.intro": {
        "en": "A model never sees letters: text is cut into **tokens** and each token becomes a "
              "number (its id). GPT-2's byte-pair encoding (BPE) learns frequent pieces of words; "
              "a character tokenizer uses one token per character. Type anything and compare.",
        "zh": "模型看不到文字本身：文本先被切成**词元**（token），每个词元变成一个数字（id）。"
              "GPT-2 的字节对编码（BPE）学会常见的词片段；字符分词器则一个字符一个词元。输入任意文本来比较。",
    },
    "tok.text": {"en": "Text", "zh": "文本"},
    "tok.default_text": {
        "en": "Hello, do you like tea? <|endoftext|> In the sunlit terraces 你好 🎉",
        "zh": "床前明月光，疑是地上霜。Hello, world! 🎉",
    },
    "tok.char_source": {"en": "Character vocabulary from", "zh": "字符表来源"},
    "tok.char_source_info": {
        "en": "A character tokenizer only knows the characters of the text it was built from.",
        "zh": "字符分词器只认识构建它的语料里出现过的字符。",
    },
    "tok.run": {"en": "Tokenize", "zh": "分词"},
    "tok.bpe": {"en": "GPT-2 BPE", "zh": "GPT-2 BPE"},
    "tok.char": {"en": "Characters", "zh": "字符"},
    "tok.table_bpe": {"en": "BPE tokens", "zh": "BPE 词元"},
    "tok.table_char": {"en": "Character tokens", "zh": "字符词元"},
    "tok.col_pos": {"en": "#", "zh": "#"},
    "tok.col_id": {"en": "id", "zh": "id"},
    "tok.col_token": {"en": "token", "zh": "词元"},
    "tok.col_bytes": {"en": "bytes (UTF-8)", "zh": "字节 (UTF-8)"},
    "tok.counts": {
        "en": "**{chars}** characters · **{bpe}** BPE tokens ({bpe_ratio:.2f} chars/token) · "
              "**{char}** character tokens from a vocabulary of {vocab} · "
              "BPE vocabulary: 50,257 tokens",
        "zh": "**{chars}** 个字符 · **{bpe}** 个 BPE 词元（每词元 {bpe_ratio:.2f} 个字符）· "
              "**{char}** 个字符词元（字符表共 {vocab} 个）· BPE 词表：50,257 个词元",
    },
    "tok.unknown": {
        "en": "⚠ {n} character(s) are not in this character vocabulary and were skipped: {chars}",
        "zh": "⚠ 有 {n} 个字符不在这个字符表里，已跳过：{chars}",
    },
    "tok.bytes_note": {
        "en": "Pieces shown as <e4 bd> are byte fragments: BPE works on UTF-8 bytes, so one "
              "Chinese character or emoji can be split over several tokens.",
        "zh": "形如 <e4 bd> 的是字节片段：BPE 以 UTF-8 字节为单位，一个汉字或表情可能被拆成几个词元。",
    },
    "tok.source.this": {"en": "this text itself", "zh": "这段文本本身"},
    # --- errors shared by tabs ---
    "err.empty_text": {"en": "Please type some text first.", "zh": "请先输入一些文本。"},
    "err.too_long": {
        "en": "The text is too long ({n:,} characters); at most {limit:,} are shown here.",
        "zh": "文本太长（{n:,} 个字符）；这里最多显示 {limit:,} 个。",
    },
    "err.corpus": {"en": "Corpus unavailable: {reason}", "zh": "语料不可用：{reason}"},
}


def t(key: str, lang: str | None = None, **values) -> str:
    """The string `key` in `lang` (default: the app's language), formatted with values."""
    entry = STRINGS.get(key)
    if entry is None:
        raise KeyError(f"no UI string named {key!r}")
    text = entry.get(lang or DEFAULT_LANG) or entry["en"]
    return text.format(**values) if values else text
