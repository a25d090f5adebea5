"""Sampling lab: how the next token is chosen, and how surprised the model is by a text.

Handlers parse the widgets (sliders stop a browser at their ranges; API calls are
checked against the same ranges), call `core/` (analysis, sampling, generation)
and format what comes back with `playground.plots`. The tab shows a result for its
default prompt as soon as it opens.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import gradio as gr
import torch

from core.analysis import explain_next_token, position_seed, token_surprisals
from core.generate import generate, generate_stream
from core.pretraining import story_for
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import Range, number_box, read_in, slider
from playground.model_picker import ModelPicker, resolve_model
from playground.plots import distribution_figure, surprisal_html
from playground.prompt import (DefaultText, PromptInput, code, cut_notice, notices_md,
                               read_prompt, shown, token_text, wire_examples)
from playground.session import AppContext, learner_key

# One range per control: the slider is made from it and the handler checks against it.
TEMPERATURE = Range(0.0, 3.0, 0.8, 0.05)
TOP_K = Range(0, 200, 20)             # 0 = off
TOP_P = Range(0.01, 1.0, 0.9, 0.01)   # 1 = off
SEED = Range(0, 2**31 - 1, 123)
BARS = Range(5, 50, 25)
N_TOKENS = Range(1, 300, 40)
COMPARE_DEFAULTS = ((0.0, 0, 1.0), (0.8, 40, 0.95), (1.5, 0, 1.0))
SETTING_NAMES = ("temperature", "top_k", "top_p")
COMPARE_NAMES = tuple(f"{name}_{n}" for n in range(1, len(COMPARE_DEFAULTS) + 1)
                      for name in SETTING_NAMES)
MAX_SCORE_CHARS = 5_000
STREAM_EVERY_S = 0.05          # how often a stream updates the page


@dataclass(frozen=True)
class Sampling:
    """One sampling setting, as core.sampling takes it (None = that filter is off)."""

    temperature: float
    top_k: int | None
    top_p: float | None

    @classmethod
    def read(cls, temperature, top_k, top_p, lang: str | None) -> "Sampling":
        """Slider values → a setting (top-k 0 and top-p 1 switch a filter off)."""
        temperature = read_in(TEMPERATURE, temperature, t("samp.name.temperature", lang), lang,
                              whole=False)
        top_k = read_in(TOP_K, top_k, t("samp.name.top_k", lang), lang)
        top_p = read_in(TOP_P, top_p, t("samp.name.top_p", lang), lang, whole=False)
        return cls(temperature, top_k or None, top_p if top_p < 1 else None)

    def describe(self, lang: str | None) -> str:
        if self.temperature == 0:
            return t("samp.setting_greedy", lang)
        off = t("samp.off", lang)
        return t("samp.setting_desc", lang, temperature=self.temperature,
                 top_k=self.top_k or off, top_p=off if self.top_p is None else f"{self.top_p:g}")

    def kwargs(self) -> dict:
        return dict(temperature=self.temperature, top_k=self.top_k, top_p=self.top_p)


def _batch(ids: list[int]) -> torch.Tensor:
    return torch.tensor([ids], dtype=torch.long)   # (1, T): a batch of one


class SamplingLab:
    """The tab's handlers; they share the model picker."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def _input(self, learner, choice, text, request, lang, **kwargs) -> PromptInput:
        owner = learner_key(learner, request, lang)
        picked = resolve_model(self.ctx.registry, choice, owner, lang, kind="lm")
        return read_prompt(picked, text, lang, **kwargs)

    # ----- the next-token view ---------------------------------------------------------
    def _explain(self, inp: PromptInput, ids: list[int], setting: Sampling, seed: int, bars: int,
                 simplified: bool, lang):
        """The chart and its explanation for the token after `ids`."""
        picked = inp.picked
        tok = picked.tokenizer
        view = explain_next_token(picked.model, ids, inp.context, setting.temperature,
                                  setting.top_k, setting.top_p, n_top=bars,
                                  seed=position_seed(seed, len(ids)))
        labels = [token_text(tok, row.token_id, simplified) for row in view.rows]
        figure = distribution_figure(view, labels, setting.temperature, setting.top_k,
                                     setting.top_p, lang)
        drawn = next(row for row in view.rows if row.token_id == view.drawn_id)
        lines = [t("samp.drawn", lang, token=code(token_text(tok, view.drawn_id, simplified)),
                   id=view.drawn_id, rank=drawn.rank, vocab=view.vocab_size, p=drawn.p_final)]
        if view.greedy:
            lines.append(t("samp.greedy", lang))
        else:
            lines.append(t("samp.kept", lang, k=view.n_kept_top_k, p=view.n_kept_top_p,
                           vocab=view.vocab_size))
        lines.append(t("samp.entropies", lang, plain=view.entropy_plain,
                       tempered=view.entropy_tempered, final=view.entropy_final,
                       temperature=setting.temperature, vocab=view.vocab_size,
                       max=math.log(view.vocab_size)))
        notices = inp.notices + cut_notice(len(ids), inp.context, lang)
        return view, figure, notices_md(notices), "\n\n".join(lines)

    def _view_args(self, lang, temperature, top_k, top_p, seed, bars):
        return (Sampling.read(temperature, top_k, top_p, lang),
                read_in(SEED, seed, t("samp.name.seed", lang), lang),
                read_in(BARS, bars, t("samp.name.bars", lang), lang))

    @friendly
    def next_token(self, request: gr.Request, learner, lang, choice, prompt, temperature, top_k,
                   top_p, seed, bars, simplified, progress=gr.Progress(track_tqdm=True)):
        """Handler: the distribution of the token after the prompt, and the one drawn."""
        setting, seed, bars = self._view_args(lang, temperature, top_k, top_p, seed, bars)
        inp = self._input(learner, choice, prompt, request, lang)
        _, figure, notices, summary = self._explain(inp, inp.ids, setting, seed, bars,
                                                    simplified, lang)
        return figure, notices, summary

    @friendly
    def step(self, request: gr.Request, learner, lang, choice, prompt, temperature, top_k, top_p,
             seed, bars, simplified, progress=gr.Progress(track_tqdm=True)):
        """Handler: append the drawn token to the prompt, then show the next distribution."""
        setting, seed, bars = self._view_args(lang, temperature, top_k, top_p, seed, bars)
        inp = self._input(learner, choice, prompt, request, lang)
        view, *_ = self._explain(inp, inp.ids, setting, seed, bars, simplified, lang)
        new_prompt = inp.text + inp.picked.tokenizer.decode([view.drawn_id])
        _, figure, notices, summary = self._explain(inp, inp.ids + [view.drawn_id], setting,
                                                    seed, bars, simplified, lang)
        return new_prompt, figure, notices, summary

    @friendly
    def generate(self, request: gr.Request, learner, lang, choice, prompt, temperature, top_k,
                 top_p, seed, n_tokens, simplified, progress=gr.Progress(track_tqdm=True)):
        """Handler (streams): the prompt followed by up to N new tokens, as they come."""
        setting = Sampling.read(temperature, top_k, top_p, lang)
        seed = read_in(SEED, seed, t("samp.name.seed", lang), lang)
        n_tokens = read_in(N_TOKENS, n_tokens, t("samp.name.n_tokens", lang), lang)
        inp = self._input(learner, choice, prompt, request, lang)
        picked, notices = inp.picked, inp.notices + cut_notice(len(inp.ids), inp.context, lang)
        tok = picked.tokenizer
        if setting.temperature == 0:
            notices.append(t("samp.greedy", lang))
        new_ids: list[int] = []
        last_shown = 0.0
        stream = generate_stream(picked.model, _batch(inp.ids), n_tokens, inp.context,
                                 eos_id=tok.eos_id, seed=seed, **setting.kwargs())
        for idx_next in stream:
            new_ids.append(int(idx_next[0, 0]))
            now = time.monotonic()
            if now - last_shown >= STREAM_EVERY_S or len(new_ids) == 1:
                last_shown = now
                yield shown(inp.text + tok.decode(new_ids), tok, simplified), notices_md(notices)
        if len(new_ids) < n_tokens:
            notices.append(t("samp.notice.eos", lang, n=len(new_ids)))
        yield shown(inp.text + tok.decode(new_ids), tok, simplified), notices_md(notices)

    @friendly
    def compare(self, request: gr.Request, learner, lang, choice, prompt, seed, n_tokens,
                simplified, **settings):
        """Handler: three continuations of one prompt with one seed, one per setting.

        `settings` holds temperature_N, top_k_N and top_p_N for each column N = 1, 2, 3."""
        seed = read_in(SEED, seed, t("samp.name.seed", lang), lang)
        n_tokens = read_in(N_TOKENS, n_tokens, t("samp.name.n_tokens", lang), lang)
        if set(settings) != set(COMPARE_NAMES):
            raise gr.Error(t("samp.err.settings", lang, n=len(COMPARE_DEFAULTS)))
        chosen = [Sampling.read(*(settings[f"{name}_{n}"] for name in SETTING_NAMES), lang)
                  for n in range(1, len(COMPARE_DEFAULTS) + 1)]
        inp = self._input(learner, choice, prompt, request, lang)
        picked, texts = inp.picked, []
        for setting in chosen:
            out = generate(picked.model, _batch(inp.ids), n_tokens, inp.context,
                           eos_id=picked.tokenizer.eos_id, seed=seed, **setting.kwargs())
            new_ids = out[0, len(inp.ids):].tolist()
            texts.append(shown(picked.tokenizer.decode(new_ids), picked.tokenizer, simplified))
        done = t("samp.compare_done", lang, seed=seed, n=n_tokens,
                 **{f"s{i + 1}": s.describe(lang) for i, s in enumerate(chosen)})
        notices = notices_md(inp.notices + cut_notice(len(inp.ids), inp.context, lang))
        return *texts, "\n\n".join(filter(None, [notices, done]))

    # ----- surprisal ---------------------------------------------------------------------
    @friendly
    def surprisal(self, request: gr.Request, learner, lang, choice, text, simplified,
                  progress=gr.Progress(track_tqdm=True)):
        """Handler: the text coloured by -ln p of each token, with the mean loss and perplexity."""
        inp = self._input(learner, choice, text, request, lang, empty_key="samp.err.empty_text",
                          limit=MAX_SCORE_CHARS)
        if len(inp.ids) < 2:
            raise gr.Error(t("samp.err.two_tokens", lang))
        picked = inp.picked
        tok = picked.tokenizer
        scores = token_surprisals(picked.model, inp.ids, inp.context)
        pieces = [(token_text(tok, inp.ids[0], simplified, visible_space=False), None)]
        pieces += [(token_text(tok, token_id, simplified, visible_space=False), nats)
                   for token_id, nats in scores.pairs]
        vocab = picked.model.cfg.vocab_size
        strip = surprisal_html(pieces, high=math.log(vocab), lang=lang)
        worst_id, worst = max(scores.pairs, key=lambda pair: pair[1])
        lines = [t("samp.surprisal_summary", lang, n=len(scores.pairs), loss=scores.mean_loss,
                   ppl=scores.perplexity, vocab=vocab, uniform=math.log(vocab),
                   worst=code(token_text(tok, worst_id, simplified)), worst_nats=worst)]
        if scores.windows > 1:
            lines.append(t("samp.surprisal_windows", lang, context=inp.context,
                           windows=scores.windows))
        if inp.notices:
            lines.append(notices_md(inp.notices))
        return strip, "\n\n".join(lines)


# ----- layout --------------------------------------------------------------------------

def _sampling_sliders(defaults: tuple[float, int, float], lang, suffix: str = ""):
    temperature, top_k, top_p = defaults
    return (slider(TEMPERATURE._replace(default=temperature), t("samp.temperature", lang) + suffix),
            slider(TOP_K._replace(default=top_k), t("samp.top_k", lang) + suffix),
            slider(TOP_P._replace(default=top_p), t("samp.top_p", lang) + suffix))


def build(ctx: AppContext) -> None:
    lab, lang = SamplingLab(ctx), ctx.ui_lang
    tang = story_for("tang")
    prompt_text = DefaultText(t("samp.default_prompt", "en"), tang.sample_prompt)
    score_text = DefaultText(t("samp.default_surprisal", "en"), tang.probe_text)
    with ctx.tab("sampling", "samp.tab", "samp.card") as tab:
        gr.Markdown(t("samp.intro", lang))
        picker = ModelPicker(ctx, api_name="models")
        with gr.Row():
            prompt_box = gr.Textbox(prompt_text.english, label=t("samp.prompt", lang),
                                    lines=3, placeholder=t("samp.prompt_hint", lang), scale=3)
            with gr.Column(scale=1, min_width=240):
                seed_num = number_box(SEED, t("samp.seed", lang))
                simplified_cb = gr.Checkbox(False, label=t("samp.simplified", lang))
        prompt_note = gr.Markdown()
        with gr.Row():
            temperature_sl, top_k_sl, top_p_sl = _sampling_sliders(
                (TEMPERATURE.default, TOP_K.default, TOP_P.default), lang)
        with gr.Row():
            bars_sl = slider(BARS, t("samp.bars", lang))
            n_tokens_sl = slider(N_TOKENS, t("samp.n_tokens", lang))
        with gr.Row():
            show_btn = gr.Button(t("samp.show", lang), variant="primary")
            step_btn = gr.Button(t("samp.step", lang))
            generate_btn = gr.Button(t("samp.generate", lang))
        notice_md = gr.Markdown()
        dist_plot = gr.Plot(label=t("samp.plot", lang))
        summary_md = gr.Markdown()
        generated_box = gr.Textbox(label=t("samp.generated", lang), lines=4, interactive=False)

        gr.Markdown(t("samp.compare_title", lang))
        compare_sliders, compare_boxes = [], []
        with gr.Row():
            for n, defaults in enumerate(COMPARE_DEFAULTS, start=1):
                with gr.Column(min_width=220):
                    gr.Markdown(f"**{t('samp.setting', lang, n=n)}**")
                    compare_sliders += _sampling_sliders(defaults, lang)
                    compare_boxes.append(gr.Textbox(label=t("samp.continuation", lang, n=n),
                                                    lines=5, interactive=False))
        with gr.Row():
            compare_n_sl = slider(N_TOKENS, t("samp.n_tokens", lang))
            compare_btn = gr.Button(t("samp.compare", lang), variant="primary")
        compare_md = gr.Markdown()

        gr.Markdown(t("samp.surprisal_title", lang))
        with gr.Row():
            score_box = gr.Textbox(score_text.english, label=t("samp.surprisal_text", lang),
                                   lines=3, scale=4)
            score_btn = gr.Button(t("samp.score", lang), variant="primary", scale=1)
        surprisal_out = gr.HTML()
        surprisal_md = gr.Markdown()

        for name, widget, rng in (("temperature", temperature_sl, TEMPERATURE), ("top_k", top_k_sl, TOP_K),
                                  ("top_p", top_p_sl, TOP_P), ("seed", seed_num, SEED),
                                  ("bars", bars_sl, BARS), ("n_tokens", n_tokens_sl, N_TOKENS),
                                  *zip(COMPARE_NAMES, compare_sliders,
                                       (TEMPERATURE, TOP_K, TOP_P) * len(COMPARE_DEFAULTS)),
                                  ("compare_n_tokens", compare_n_sl, N_TOKENS)):
            ctx.link(name, widget, rng)
        model_dd = picker.dropdown
        who = [ctx.learner, ctx.lang, model_dd]
        view_inputs = [*who, prompt_box, temperature_sl, top_k_sl, top_p_sl, seed_num, bars_sl,
                       simplified_cb]
        # Cheap read-only views: no queue behind one learner (a room shares this server).
        gr.on([show_btn.click, prompt_box.submit], lab.next_token, view_inputs,
              [dist_plot, notice_md, summary_md], api_name="next_token", concurrency_limit=None)
        step_btn.click(lab.step, view_inputs, [prompt_box, dist_plot, notice_md, summary_md],
                       api_name="step", concurrency_limit=None)
        generate_btn.click(lab.generate, [*who, prompt_box, temperature_sl, top_k_sl, top_p_sl,
                                          seed_num, n_tokens_sl, simplified_cb],
                           [generated_box, notice_md], api_name="generate",
                           concurrency_id="sampling-generate", concurrency_limit=4)
        compare_btn.click(lab.compare, [*who, prompt_box, seed_num, compare_n_sl, simplified_cb],
                          [*compare_boxes, compare_md],
                          inputs_kwargs=dict(zip(COMPARE_NAMES, compare_sliders)),
                          api_name="compare", concurrency_id="sampling-generate",
                          concurrency_limit=4)
        gr.on([score_btn.click, score_box.submit], lab.surprisal,
              [*who, score_box, simplified_cb], [surprisal_out, surprisal_md],
              api_name="surprisal", concurrency_limit=None)
        # First impressions: the default prompt's distribution and its surprisal on opening.
        gr.on([tab.select], lab.next_token, view_inputs, [dist_plot, notice_md, summary_md],
              api_visibility="private", concurrency_limit=None, show_progress="hidden")
        gr.on([tab.select], lab.surprisal, [*who, score_box, simplified_cb],
              [surprisal_out, surprisal_md], api_visibility="private", concurrency_limit=None,
              show_progress="hidden")
        picker.attach_refresh(tab.select)
        swap = wire_examples(ctx, model_dd, [(prompt_text, prompt_box, prompt_note),
                                             (score_text, score_box, None)])
        ctx.on_language(lab.next_token, view_inputs, [dist_plot, notice_md, summary_md],
                        when_shown=summary_md, after=swap)
        ctx.on_language(lab.surprisal, [*who, score_box, simplified_cb],
                        [surprisal_out, surprisal_md], when_shown=surprisal_md, after=swap)
