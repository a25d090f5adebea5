"""The model picker every model-using tab shares: one component, built per tab.

Choices, for each learner:
- "live": my model, as it is right now in this learner's training job;
- "saved:<id>": the learner's finished or loaded models (newest first);
- "class": the class model, the last class run's (playground/instructor.py), offered to
  every learner, read-only (a fine-tune trains a copy, as from any model);
- "gpt2-124m" / "gpt2-355m": OpenAI's GPT-2 from the Hugging Face Hub (downloaded
  once, cached; offline this fails with a clear message and the rest still works);
- "fresh": an untrained CPU-demo model on the built-in text, so every tab works
  on a fresh offline start (its predictions are uniform noise, which is a lesson too);
- "twin:<choice>": the untrained twin of any other choice: its config and tokenizer
  with freshly drawn weights, what that model was before training (`untrained_twin`).
A tab that needs a particular head (a classifier, a language model) asks for that
`kind`, and only models of that kind are offered.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field

import gradio as gr
import torch

from core.config import get_preset
from core.corpora import DEFAULT_CORPUS, corpus_tokenizer
from core.jobs import JobRegistry, SavedModel
from core.kv_cache import use_decode_layout
from core.model import GPTModel, fresh_model, init_weights
from core.pretrained import GPT2_SOURCES, PretrainedUnavailable, load_gpt2
from core.tokenizer import BPETokenizer, Tokenizer
from playground.errors import say
from playground.i18n import t
from playground.session import AppContext, learner_key

LIVE, FRESH, SAVED, TWIN, CLASS = "live", "fresh", "saved:", "twin:", "class"


class _SharedModels:
    """Models every learner may use (hub GPT-2, the untrained ones): made once, frozen,
    behind their own lock. With a `limit`, the least recently used goes first."""

    def __init__(self, limit: int | None = None):
        self.lock = threading.Lock()
        self.limit = limit
        self.models: dict[str, tuple[GPTModel, Tokenizer]] = {}   # least recent first

    def get(self, name: str, make) -> tuple[GPTModel, Tokenizer]:
        with self.lock:
            if name in self.models:
                self.models[name] = self.models.pop(name)
            else:
                model, tokenizer = make()
                self.models[name] = (use_decode_layout(model.eval().requires_grad_(False)),
                                     tokenizer)
                while self.limit is not None and len(self.models) > self.limit:
                    self.models.pop(next(iter(self.models)))
            return self.models[name]


SHARED = _SharedModels()
TWINS = _SharedModels(limit=3)      # a twin of GPT-2 124M holds 0.5 GB: keep a few


@dataclass
class PickedModel:
    model: GPTModel
    tokenizer: Tokenizer
    label: str
    kind: str = "lm"
    saved: SavedModel | None = None            # when it came from the learner's list
    tags: tuple[str, ...] = field(default_factory=tuple)


def _fresh_model() -> tuple[GPTModel, Tokenizer]:
    tokenizer = corpus_tokenizer(DEFAULT_CORPUS)
    model = GPTModel(get_preset("cpu-demo", vocab_size=tokenizer.n_vocab))
    return init_weights(model, torch.Generator().manual_seed(0)), tokenizer


def untrained_twin(picked: PickedModel, lang: str | None = None) -> PickedModel:
    """The picked model's config and tokenizer with freshly drawn weights (seed 0): the
    same model before any training. Made once per config and tokenizer, then shared."""
    cfg, tokenizer = picked.model.cfg, picked.tokenizer
    key = hashlib.sha256(json.dumps([cfg.to_dict(), tokenizer.to_spec()], sort_keys=True)
                         .encode()).hexdigest()
    model, _ = TWINS.get(key, lambda: (fresh_model(cfg), tokenizer))
    return PickedModel(model, tokenizer, t("picker.twin", lang, label=picked.label))


def listed_job(registry: JobRegistry, owner: str):
    """The learner's job, if its model may be offered as "live" (not an ablation pair's)."""
    job = registry.get(owner)
    return job if job is not None and job.spec.listed else None


def model_choices(registry: JobRegistry, owner: str | None, kind: str | None = "lm",
                  lang: str | None = None, hub: bool = True,
                  extra: tuple[tuple[str, str], ...] = (), tag: str | None = None
                  ) -> list[tuple[str, str]]:
    """What a learner may pick: `extra` choices first (a tab's own, as catalogue keys and
    values), then the live job, the saved models, and the shared ones. With a `tag`
    ("instruction-tuned"), only the learner's models that carry it: no fresh, no hub."""
    choices = [(t(key, lang), value) for key, value in extra]
    if owner is not None:
        job = listed_job(registry, owner)
        if job is not None and (kind is None or job.spec.head.get("kind", "lm") == kind) and (
                tag is None or tag in job.spec.tags):
            choices.append((t("picker.live", lang), LIVE))
        choices += [(saved.label, SAVED + saved.id) for saved in registry.models(owner, kind)
                    if tag is None or tag in saved.tags]
    shared = registry.class_model
    if shared is not None and (kind is None or shared.kind == kind) and (
            tag is None or tag in shared.tags):
        choices.append((t("picker.class", lang, label=shared.label), CLASS))
    if tag is None and kind in (None, "lm"):
        choices.append((t("picker.fresh", lang), FRESH))
        if hub:
            choices += [(t(f"picker.{name}", lang), name) for name in GPT2_SOURCES]
    return choices


def resolve_model(registry: JobRegistry, choice: str | None, owner: str,
                  lang: str | None = None, kind: str | None = None) -> PickedModel:
    """The model behind a picker value, or a gr.Error that says what to do."""
    if not choice:
        raise gr.Error(t("picker.err.none", lang))
    if choice == LIVE:
        job = listed_job(registry, owner)
        if job is None:
            raise gr.Error(t("picker.err.no_live", lang))
        try:
            model = job.snapshot_model()
        except RuntimeError as err:
            raise gr.Error(t("picker.err.not_ready", lang)) from err
        picked = PickedModel(model, job.spec.tokenizer, t("picker.live", lang),
                             job.spec.head.get("kind", "lm"), tags=tuple(job.spec.tags))
    elif choice.startswith(SAVED):
        saved = registry.model_by_id(owner, choice[len(SAVED):])
        if saved is None:
            raise gr.Error(t("picker.err.gone", lang))
        picked = PickedModel(saved.model, saved.tokenizer, saved.label, saved.kind, saved,
                             saved.tags)
    elif choice == CLASS:
        saved = registry.class_model
        if saved is None:
            raise gr.Error(t("picker.err.gone", lang))
        picked = PickedModel(saved.model, saved.tokenizer, t("picker.class", lang, label=saved.label),
                             saved.kind, saved, saved.tags)
    elif choice == FRESH:
        model, tokenizer = SHARED.get(FRESH, _fresh_model)
        picked = PickedModel(model, tokenizer, t("picker.fresh", lang))
    elif choice.startswith(TWIN):
        picked = untrained_twin(resolve_model(registry, choice[len(TWIN):], owner, lang, "lm"),
                                lang)
    elif choice in GPT2_SOURCES:
        try:
            model, tokenizer = SHARED.get(choice, lambda: (load_gpt2(choice), BPETokenizer()))
        except PretrainedUnavailable as err:
            raise gr.Error(t("picker.err.hub", lang, reason=say(str(err), lang))) from err
        picked = PickedModel(model, tokenizer, t(f"picker.{choice}", lang))
    else:
        raise gr.Error(t("picker.err.none", lang))
    if kind is not None and picked.kind != kind:
        raise gr.Error(t(f"picker.err.kind_{kind}", lang))
    return picked


def saved_live_model(registry: JobRegistry, choice: str | None, owner: str,
                     lang: str | None = None) -> str | None:
    """A picker value that names a saved model: "live" becomes the saved model the
    learner's finished job left in the list; a job still training, or one whose model
    was not kept, is refused (it has no saved weights to start from or compare with)."""
    if choice != LIVE:
        return choice
    job = registry.get(owner)
    if job is None:
        raise gr.Error(t("picker.err.no_live", lang))
    if job.state.active:
        raise gr.Error(t("picker.err.live_training", lang))
    kept = [m for m in registry.models(owner)     # newest first: this job's is the first
            if m.step == job.kept_step and m.label.startswith(job.spec.label)]
    saved = next((m for m in kept if m.checkpoint == job.final_checkpoint), kept[0] if kept else None)
    if saved is None:
        raise gr.Error(t("picker.err.live_not_saved", lang))
    return SAVED + saved.id


def picked_tokenizer(registry: JobRegistry, choice: str | None, owner: str) -> Tokenizer | None:
    """The tokenizer of a picker value, without building or downloading the model."""
    if choice == LIVE:
        job = listed_job(registry, owner)
        return job.spec.tokenizer if job is not None else None
    if isinstance(choice, str) and choice.startswith(SAVED):
        saved = registry.model_by_id(owner, choice[len(SAVED):])
        return saved.tokenizer if saved is not None else None
    if choice == CLASS:
        return registry.class_model.tokenizer if registry.class_model is not None else None
    if choice == FRESH:
        return corpus_tokenizer(DEFAULT_CORPUS)
    return BPETokenizer() if choice in GPT2_SOURCES else None


class ModelPicker:
    """A dropdown of this learner's models plus a refresh button."""

    def __init__(self, ctx: AppContext, kind: str | None = "lm", hub: bool = True,
                 label: str | None = None, info: str | None = None, api_name: str | None = None,
                 extra: tuple[tuple[str, str], ...] = (), tag: str | None = None):
        self.ctx, self.kind, self.hub, self.extra, self.tag = ctx, kind, hub, extra, tag
        lang = ctx.ui_lang
        initial = self._choices(None, lang)
        with gr.Row():
            self.dropdown = gr.Dropdown(choices=initial, value=initial[0][1] if initial else None,
                                        label=label or t("picker.label", lang),
                                        info=info or t("picker.info", lang), scale=4,
                                        allow_custom_value=True)
            self.refresh_btn = gr.Button(t("picker.refresh", lang), scale=1, size="sm")
        self.refresh_btn.click(self._refresh, [ctx.learner, ctx.lang, self.dropdown],
                               self.dropdown, api_visibility="private", concurrency_limit=None)
        ctx.on_language(self._refresh, [ctx.learner, ctx.lang, self.dropdown], self.dropdown)
        if api_name:   # what this learner can pick, for API clients: [[label, value], …]
            gr.api(self._list, api_name=api_name, concurrency_limit=None)

    def _list(self, learner: str, lang: str = "en", request: gr.Request = None
              ) -> list[list[str]]:
        """The models this learner (their learner id, as every endpoint takes it) can pick:
        [[label, value], …]."""
        owner = learner_key(learner, request, lang)
        return [[label, value] for label, value in self._choices(owner, lang)]

    def _choices(self, owner, lang) -> list[tuple[str, str]]:
        return model_choices(self.ctx.registry, owner, self.kind, lang, self.hub, self.extra,
                             self.tag)

    def _refresh(self, browser_id, lang, current, request: gr.Request):
        """The list as it is now. A value still in it is left alone, not sent back: the page
        read `current` when it sent the refresh, and a model the learner picked while the
        answer was on its way (seconds on a busy server) must stay picked. A value no longer
        in the list becomes its first choice."""
        owner = learner_key(browser_id, request, lang)
        choices = self._choices(owner, lang)
        values = [value for _, value in choices]
        if current in values:
            return gr.update(choices=choices)
        return gr.update(choices=choices, value=values[0] if values else None)

    def attach_refresh(self, trigger) -> None:
        """Refresh the list when `trigger` fires (e.g. the tab is selected). The browser
        runs the events of one trigger in the order they were attached, each after the last
        has answered: attach this before the tab's slower events on the same trigger."""
        trigger(self._refresh, [self.ctx.learner, self.ctx.lang, self.dropdown], self.dropdown,
                api_visibility="private", concurrency_limit=None)

    def resolve(self, choice, learner, request, lang) -> PickedModel:
        return resolve_model(self.ctx.registry, choice, learner_key(learner, request, lang), lang,
                             self.kind)
