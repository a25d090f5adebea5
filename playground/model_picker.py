"""The model picker every model-using tab shares: one component, built per tab.

Choices, for each learner:
- "live": my model, as it is right now in this learner's training job;
- "saved:N": the learner's finished or loaded models (newest first);
- "gpt2-124m" / "gpt2-355m": OpenAI's GPT-2 from the Hugging Face Hub (downloaded
  once, cached; offline this fails with a clear message and the rest still works);
- "fresh": an untrained CPU-demo model on the built-in text, so every tab works
  on a fresh offline start (its predictions are uniform noise, which is a lesson too).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import gradio as gr
import torch

from core.config import get_preset
from core.corpora import DEFAULT_CORPUS, corpus_tokenizer
from core.model import GPTModel
from core.pretrained import GPT2_SOURCES, PretrainedUnavailable, load_gpt2
from core.tokenizer import BPETokenizer, Tokenizer
from playground.i18n import t
from playground.session import REGISTRY, AppContext, learner_key

LIVE, FRESH = "live", "fresh"

_HUB_CACHE: dict[str, GPTModel] = {}
_HUB_LOCK = threading.Lock()
_FRESH: dict[str, tuple[GPTModel, Tokenizer]] = {}


@dataclass
class PickedModel:
    model: GPTModel
    tokenizer: Tokenizer
    label: str


def model_choices(owner: str | None) -> list[tuple[str, str]]:
    choices = []
    if owner is not None:
        if REGISTRY.get(owner) is not None:
            choices.append((t("picker.live"), LIVE))
        choices += [(saved.label, f"saved:{i}") for i, saved in enumerate(REGISTRY.models(owner))]
    choices.append((t("picker.fresh"), FRESH))
    choices += [(t(f"picker.{name}"), name) for name in GPT2_SOURCES]
    return choices


def _fresh_model() -> tuple[GPTModel, Tokenizer]:
    with _HUB_LOCK:
        if FRESH not in _FRESH:
            tokenizer = corpus_tokenizer(DEFAULT_CORPUS)
            torch.manual_seed(0)
            model = GPTModel(get_preset("cpu-demo", vocab_size=tokenizer.n_vocab)).eval()
            _FRESH[FRESH] = (model.requires_grad_(False), tokenizer)
        return _FRESH[FRESH]


def _hub_model(name: str) -> GPTModel:
    with _HUB_LOCK:
        if name not in _HUB_CACHE:
            _HUB_CACHE[name] = load_gpt2(name).requires_grad_(False)
        return _HUB_CACHE[name]


def resolve_model(choice: str | None, owner: str) -> PickedModel:
    """The model behind a picker value, or a gr.Error that says what to do."""
    if not choice:
        raise gr.Error(t("picker.err.none"))
    if choice == LIVE:
        job = REGISTRY.get(owner)
        if job is None:
            raise gr.Error(t("picker.err.no_live"))
        return PickedModel(job.snapshot_model(), job.spec.tokenizer, t("picker.live"))
    if choice.startswith("saved:"):
        models = REGISTRY.models(owner)
        index = int(choice.split(":", 1)[1]) if choice.split(":", 1)[1].isdigit() else -1
        if not 0 <= index < len(models):
            raise gr.Error(t("picker.err.gone"))
        return PickedModel(models[index].model, models[index].tokenizer, models[index].label)
    if choice == FRESH:
        model, tokenizer = _fresh_model()
        return PickedModel(model, tokenizer, t("picker.fresh"))
    if choice in GPT2_SOURCES:
        try:
            return PickedModel(_hub_model(choice), BPETokenizer(), t(f"picker.{choice}"))
        except PretrainedUnavailable as err:
            raise gr.Error(t("picker.err.hub", reason=err)) from err
    raise gr.Error(t("picker.err.none"))


class ModelPicker:
    """A dropdown of this learner's models plus a refresh button."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        with gr.Row():
            self.dropdown = gr.Dropdown(choices=model_choices(None), value=FRESH,
                                        label=t("picker.label"), info=t("picker.info"), scale=4,
                                        allow_custom_value=True)
            self.refresh_btn = gr.Button(t("picker.refresh"), scale=1, size="sm")
        self.refresh_btn.click(self._refresh, [ctx.learner, self.dropdown], self.dropdown,
                               api_visibility="private")

    @staticmethod
    def _refresh(browser_id, current, request: gr.Request):
        owner = learner_key(browser_id, request)
        choices = model_choices(owner)
        values = [value for _, value in choices]
        value = current if current in values else (LIVE if LIVE in values else FRESH)
        return gr.update(choices=choices, value=value)

    def attach_refresh(self, trigger) -> None:
        """Refresh the list when `trigger` fires (e.g. the tab is selected)."""
        trigger(self._refresh, [self.ctx.learner, self.dropdown], self.dropdown,
                api_visibility="private")
