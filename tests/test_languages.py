"""Two languages per learner: the catalogue is complete and used, a page built in one
language holds no text of the other, the switch covers every text, and the start
language follows ?lang=, the stored choice, Accept-Language, LLM_PLAYGROUND_LANG."""

from __future__ import annotations

import pathlib
import re

import pytest

import app
from core.config import PRESETS
from playground.i18n import STRINGS
from playground.language import accept_language, start_language

ROOT = pathlib.Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# What an English page may show in Chinese: the language switch's own name, and the
# examples and corpus names the model reads (你好 in the tokenizer's example, 今天天气很好
# in the next-token pairs, the Tang data's own names, a title to try).
CJK_ALLOWED = set("中文你好今天气很全唐诗请用以下题目写一首秋夜") | set("，。")
# What a Chinese page may show in Latin letters: technical names, code, corpus names,
# the prompt format the model reads, and the switch's "English".
TECH_ALLOWED = {
    "GPT", "BPE", "UTF", "JSON", "CPU", "URL", "Hub", "Hugging", "Face", "OpenAI", "Ollama",
    "transformers", "safetensors", "zip", "txt", "top", "mean", "sin", "cos", "pos", "ham",
    "spam", "token", "Transformer", "Instruction", "Response", "Input", "BEGIN", "END",
    "English", "endoftext", "chat", "completions", "llama", "Edith", "Wharton", "logits",
    "stride", "softmax", "LayerNorm", "GELU", "QKV", "exp", "float", "bfloat", "DPO",
}
PHRASES = ("the-verdict", "tiny-shakespeare", "The Verdict", "unbelievable", "winner", "friend",
           "user/my-tiny-gpt", "{instruction, input, output}", "SMS Spam Collection",
           "max_length", "tok_emb", "pos_emb", "logit lens", "word2vec", *PRESETS)
VISIBLE = ("label", "info", "placeholder", "choices", "headers", "samples")
TEXT_VALUES = ("markdown", "html", "button", "textbox")


def _model_texts() -> list[str]:
    """Texts the model reads (examples, default prompts): the catalogue gives them the same
    in both languages, or gives each language its own example."""
    keys = [k for k, v in STRINGS.items() if v["en"] == v["zh"]] + ["tok.default_text"]
    texts = {STRINGS[k][lang] for k in keys for lang in ("en", "zh")}
    # Only texts that hold a word the check could flag: cutting a short one ("a", the
    # analogy's label) out of every text would break the words around it.
    return sorted((text for text in texts if re.search(r"[A-Za-z]{3,}", text)), key=len,
                  reverse=True)


def _visible(config) -> list[tuple[str, str]]:
    """(component type, text) for every text a page shows before any handler runs."""
    out = []
    for component in config["components"]:
        props, kind = component["props"], component["type"]
        for prop in VISIBLE:
            value = props.get(prop)
            if prop == "choices" and value:
                value = [label for label, _ in value]
            if prop == "samples" and value:
                value = [cell for row in value for cell in row]
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    out.append((kind, text))
        if kind in TEXT_VALUES and isinstance(props.get("value"), str):
            out.append((kind, props["value"]))
        if kind == "dataframe" and isinstance(props.get("value"), dict):
            out += [(kind, h) for h in props["value"].get("headers", [])]
    return out


def _foreign(lang: str, text: str) -> list[str]:
    if lang == "en":
        return [c for c in CJK.findall(text) if c not in CJK_ALLOWED]
    for example in _model_texts():
        text = text.replace(example, " ")
    text = re.sub(r"`[^`]*`|<[^>]*>|https?://\S+", " ", text)     # code, HTML tags, URLs
    for phrase in PHRASES:
        text = text.replace(phrase, " ")
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in TECH_ALLOWED]


@pytest.fixture(scope="module")
def pages():
    from core.jobs import JobRegistry
    registry = JobRegistry()
    return {lang: app.build_app(registry, lang=lang) for lang in ("en", "zh")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_page_built_in_one_language_shows_none_of_the_other(pages, lang):
    foreign = [(kind, text[:80], words) for kind, text in _visible(pages[lang].get_config_file())
               if (words := _foreign(lang, text))]
    assert not foreign, f"text of the other language in the {lang} page: {foreign[:10]}"


def test_the_walk_catches_an_untranslated_label():
    """Negative control: the check above would see an English label in the Chinese page and
    a Chinese one in the English page."""
    assert _foreign("zh", "Layers") == ["Layers"]
    assert _foreign("en", "层数") == ["层", "数"]
    assert not _foreign("zh", "层数（GPT-2 BPE）") and not _foreign("en", "中文")


def test_every_key_is_used_in_the_code():
    sources = [p for p in (ROOT / "playground").rglob("*.py") if p.name != "i18n.py"]
    code = "".join(p.read_text(encoding="utf-8") for p in [*sources, ROOT / "app.py"])
    literals = set(re.findall(r"""["']([a-z][\w-]*(?:\.[\w-]+)+)["']""", code))
    prefixes = set(re.findall(r"""f["']([a-z][\w-]*\.[\w.-]*)\{""", code))
    unused = [key for key in STRINGS
              if key not in literals and not any(key.startswith(p) for p in prefixes)]
    assert not unused, f"catalogue keys no code uses: {unused}"


def test_every_text_the_page_shows_follows_the_switch(pages):
    """Each component whose text differs between the languages is switched by the page or
    redrawn by a tab's language hook: none is left behind."""
    demo = pages["en"]
    switch = demo.text_switch
    assert switch.unowned == []
    labels = {b._id: props["zh"] for b, props in zip(switch.targets, switch.props)}
    assert len(labels) > 100
    tab_titles = {entry.page._id: entry.title_key for entry in demo.ctx.tabs.values()}
    assert set(tab_titles) <= set(labels), "every tab's title switches"


def test_the_switch_keeps_typed_text_and_swaps_default_text(pages):
    demo = pages["en"]
    switch = demo.text_switch
    box = switch.swapped[0]
    index = next(i for i, b in enumerate(switch.targets) if b is box)
    untouched = switch.updates("zh", [box.value])[index]
    assert untouched["value"] == STRINGS["tok.default_text"]["zh"]
    typed = switch.updates("zh", ["my own words"])[index]
    assert "value" not in typed and typed["label"] == STRINGS["tok.text"]["zh"]


@pytest.mark.parametrize("header, expected", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9,zh-TW;q=0.8", "en"),
    ("fr-FR,zh-TW;q=0.5", "zh"), ("en;q=0.1, zh-HK;q=0.9", "zh"), ("fr, de", None),
    ("", None), (None, None), ("zh;q=0", None),
])
def test_accept_language(header, expected):
    assert accept_language(header) == expected


def test_start_language_order(monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_LANG", "zh")
    assert start_language("en", "zh", "zh-CN") == "en"          # the link first
    assert start_language(None, "en", "zh-CN") == "en"          # then the stored choice
    assert start_language("xx", None, "zh-CN,en;q=0.5") == "zh"  # then the browser
    assert start_language(None, None, "fr") == "zh"             # then the operator
    monkeypatch.delenv("LLM_PLAYGROUND_LANG")
    assert start_language(None, None, "fr") == "en"             # then English


def test_examples_are_chinese_only_for_a_model_that_reads_chinese():
    """On a Chinese page a Tang model gets the Chinese example; the default untrained model
    (The Verdict's tokens) and GPT-2 keep the English one, with a line saying why."""
    import gradio as gr

    from core.config import get_preset
    from core.jobs import JobRegistry, SavedModel
    from core.model import GPTModel
    from core.pretraining import story_for
    from core.tokenizer import CharTokenizer
    from playground.prompt import DefaultText
    from playground.session import AppContext

    tang = story_for("tang")
    example = DefaultText("I had always thought", tang.sample_prompt)
    registry = JobRegistry()
    tokenizer = CharTokenizer.from_text(tang.sample_prompt + tang.probe_text)
    saved = SavedModel("tang", GPTModel(get_preset("tiny", vocab_size=tokenizer.n_vocab)),
                       tokenizer)
    registry.add_model("learner-examples", saved)
    swap = example.handler(AppContext(registry))

    def run(lang, choice, current):
        return swap(None, "learner-examples", lang, choice, current)
    tang_choice = f"saved:{saved.id}"
    assert run("zh", tang_choice, example.english) == (example.chinese, "")
    for choice in ("fresh", "gpt2-124m"):
        text, note = run("zh", choice, example.english)
        assert text == example.english and note == t_zh("prompt.stays_english")
    assert run("en", tang_choice, example.chinese) == (example.english, "")
    text, _ = run("zh", tang_choice, "my own prompt")
    assert text == gr.skip()           # typed text stays


def t_zh(key: str) -> str:
    return STRINGS[key]["zh"]
