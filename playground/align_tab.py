"""Preference alignment tab (DPO): teach an instruction-tuned Tang poet to prefer
five-character poems, and watch the preference take hold.

- Pairs: a few of the pairs that fit the picked model (a five-character poem against
  another poem under the same title), how many fit, and a pair of the learner's own.
- Alignment runs on the shared job machinery (core/alignment.py assembles it; the
  frozen reference lives in the job's process): loss, rewards, margin, preference
  accuracy, the five-character share and the poems for the fixed titles, live.
- Before / after: the base and the aligned model write for the same titles and seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core.alignment import TRAINING, alignment_pairs, alignment_spec
from core.dpo import DEFAULT_BETA, five_character_share, is_five_character_answer, write_poems
from core.instruct import tang_prompt
from core.jobs import TrainingJob
from core.runtime import pick_device
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import Range, TrainingRanges, TrainingSettings, read_in, slider, widget_values
from playground.job_controls import TrainingTab, status_text, training_widgets
from playground.model_picker import (LIVE, ModelPicker, model_choices, resolve_model,
                                     saved_live_model)
from playground.plots import loss_figure
from playground.plots.alignment import (before_after_html, pairs_html, poems_html,
                                        preference_figure, rewards_figure)
from playground.prompt import check_text, for_tang, is_tang, shown
from playground.session import AppContext, learner_key

TAG = "instruction-tuned"
BETA = Range(0.0, 5.0, DEFAULT_BETA, 0.01, low_open=True)
RANGES = TrainingRanges(steps=Range(1, 20_000, TRAINING.max_steps),
                        batch=Range(1, 64, TRAINING.batch_size), lr=Range(1e-7, 0.1, TRAINING.lr))
PAIRS_SHOWN = 5
MAX_OWN_PAIRS = 20
MAX_ANSWER_CHARS = 400
A, B = "a", "b"


@dataclass(frozen=True)
class AlignSetup:
    """The alignment's widgets, checked (`WIDGETS` is their order)."""

    base: str
    beta: float
    training: TrainingSettings

    WIDGETS = ("base", "beta", "steps", "batch", "lr", "seed")

    @classmethod
    def read(cls, values: dict, lang) -> "AlignSetup":
        v = widget_values(cls.WIDGETS, values, lang)
        beta = read_in(BETA, v["beta"], t("dpo.beta", lang), lang, whole=False)
        return cls(v["base"], beta, RANGES.read(v, lang))


class AlignTab(TrainingTab):
    """The tab's handlers, over the registry in the app context."""

    kind = "align"

    def base(self, choice, owner: str, lang):
        """The picked instruction-tuned Tang model (a "live" pick: its saved model)."""
        if not choice:
            raise gr.Error(t("dpo.err.no_model", lang))
        picked = resolve_model(self.registry, saved_live_model(self.registry, choice, owner, lang),
                               owner, lang, kind="lm")
        if TAG not in picked.tags:
            raise gr.Error(t("dpo.err.not_tuned", lang))
        if not is_tang(picked.tokenizer):
            raise gr.Error(t("dpo.err.needs_tang", lang))
        return picked

    def _pairs(self, picked, lang):
        context = picked.model.cfg.context_length
        pairs = alignment_pairs(picked.tokenizer, context)
        if not pairs.train or not pairs.val:
            raise gr.Error(t("dpo.err.no_pairs", lang, context=context))
        return pairs

    # ----- the pairs ---------------------------------------------------------------------
    @friendly
    def show_pairs(self, request: gr.Request, learner, lang, base, simplified):
        """Handler: a few pairs side by side, and how many fit the picked model."""
        owner = learner_key(learner, request, lang)
        picked = self.base(base, owner, lang)
        pairs = self._pairs(picked, lang)
        tok = picked.tokenizer
        rows = [tuple(shown(x, tok, bool(simplified)) for x in pair) for pair in pairs.val[:PAIRS_SHOWN]]
        summary = t("dpo.pairs_summary", lang, train=len(pairs.train), val=len(pairs.val),
                    context=picked.model.cfg.context_length)
        return pairs_html(rows, lang), summary

    @friendly
    def add_pair(self, request: gr.Request, learner, lang, base, title, answer_a, answer_b,
                 better, own_pairs):
        """Handler: the learner's own pair (two answers to one title, which is better),
        checked against the picked model, added to the next run."""
        owner = learner_key(learner, request, lang)
        picked = self.base(base, owner, lang)
        tok, notices = picked.tokenizer, []
        title = for_tang(check_text(title, lang, "dpo.err.empty_title", MAX_ANSWER_CHARS).strip(),
                         tok, lang, notices)
        answers = [for_tang(check_text(a, lang, "dpo.err.empty_side", MAX_ANSWER_CHARS).strip(),
                            tok, lang, notices) for a in (answer_a, answer_b)]
        if better not in (A, B):
            raise gr.Error(t("dpo.err.better", lang))
        context = picked.model.cfg.context_length
        for answer in answers:
            text = tang_prompt(title) + answer
            unknown = tok.unknown_pieces(text)
            if unknown:
                raise gr.Error(t("dpo.err.unknown", lang, chars=" ".join(unknown[:20])))
            n = len(tok.encode(text)) + 1
            if n > context:
                raise gr.Error(t("dpo.err.too_long", lang, n=n, context=context))
        chosen, rejected = answers if better == A else answers[::-1]
        own = list(own_pairs or [])[-(MAX_OWN_PAIRS - 1):] + [[title, chosen, rejected]]
        return own, t("dpo.own_added", lang, n=len(own))

    # ----- alignment ---------------------------------------------------------------------
    @friendly
    def start(self, request: gr.Request, learner, lang, own_pairs=None, **setup):
        """Handler: align the picked model (`AlignSetup.WIDGETS`, by name)."""
        setup = AlignSetup.read(setup, lang)
        owner = learner_key(learner, request, lang)
        self.registry.touch(owner)
        picked = self.base(setup.base, owner, lang)
        pairs = self._pairs(picked, lang)
        train_cfg = setup.training.apply(TRAINING)
        spec = alignment_spec(t("dpo.job_label", lang, base=picked.label, beta=setup.beta),
                              picked.model, picked.tokenizer, pairs, train_cfg, beta=setup.beta,
                              base_model=picked.saved.id,
                              learner_pairs=tuple(tuple(p) for p in own_pairs or ()))
        ahead = self.registry.submit(owner, TrainingJob(owner, spec, device=pick_device()))
        return t("pre.queued", lang, n=ahead) if ahead else t(
            "dpo.started", lang, n=len(pairs.train) + len(own_pairs or ()), own=len(own_pairs or ()),
            seed=train_cfg.seed)

    def tick(self, request: gr.Request, learner, lang, simplified, last_key):
        """Timer handler: the curves, the status and the latest poems."""
        polled = self.controls.poll(request, learner, lang, last_key, bool(simplified))
        if polled is None:
            return (gr.skip(),) * 4 + (t("dpo.no_job", lang), gr.skip(), last_key)
        job, view, key = polled.job, polled.view, polled.key
        if key == last_key:
            return (gr.skip(),) * 6 + (last_key,)
        tok, titles = job.spec.tokenizer, job.spec.task.data["titles"]
        latest: dict[int, tuple[int, str]] = {}
        for sample in view.samples:
            latest[sample.item] = (sample.step, sample.text)
        step = max((s for s, _ in latest.values()), default=None)
        rows = [(shown(title, tok, simplified), shown(latest.get(i, (0, ""))[1], tok, simplified),
                 is_five_character_answer(latest.get(i, (0, ""))[1])) for i, title in enumerate(titles)]
        picker = gr.skip()
        if not view.state.active and view.step > view.first_step:
            choices = model_choices(self.registry, job.owner, "lm", lang, tag=TAG)
            newest = next((v for _, v in choices if v.startswith("saved:")), None)
            picker = gr.update(choices=choices, value=newest)
        return (loss_figure(view.steps, view.evals, lang=lang), rewards_figure(view.evals, lang),
                preference_figure(view.evals, lang), poems_html(rows, lang, step),
                status_text(view, lang), picker, key)

    # ----- before and after --------------------------------------------------------------
    @friendly
    def compare(self, request: gr.Request, learner, lang, simplified):
        """Handler: the base and the aligned model, the same titles and seed."""
        owner = learner_key(learner, request, lang)
        job = self.registry.get(owner)
        if job is None or job.spec.kind != self.kind:
            raise gr.Error(t("dpo.err.no_run", lang))
        base = self.registry.model_by_id(owner, job.spec.base_model or "")
        if base is None:
            raise gr.Error(t("dpo.err.base_gone", lang))
        try:
            after = resolve_model(self.registry, LIVE if job.state.active else
                                  saved_live_model(self.registry, LIVE, owner, lang), owner, lang).model
        except gr.Error:
            raise gr.Error(t("dpo.err.no_weights", lang)) from None
        tok, data = job.spec.tokenizer, job.spec.task.data
        titles, seed = data["titles"], data["seed"]
        before_poems = write_poems(base.model, tok, titles, seed)
        after_poems = write_poems(after, tok, titles, seed)
        show = lambda text: shown(text, tok, bool(simplified))  # noqa: E731
        rows = [(show(title), show(b), is_five_character_answer(b), show(a), is_five_character_answer(a))
                for title, b, a in zip(titles, before_poems, after_poems)]
        summary = t("dpo.compare_summary", lang, before=five_character_share(before_poems),
                    after=five_character_share(after_poems), n=len(titles), seed=seed)
        return before_after_html(rows, lang), summary


def build(ctx: AppContext) -> None:
    tab, lang = AlignTab(ctx), ctx.ui_lang
    with ctx.tab("align", "dpo.tab", "dpo.card") as page:
        gr.Markdown(t("dpo.intro", lang))
        base_picker = ModelPicker(ctx, hub=False, tag=TAG, label=t("dpo.base", lang),
                                  info=t("dpo.base_info", lang), api_name="align_models")
        simplified_cb = gr.Checkbox(False, label=t("pre.simplified", lang))

        gr.Markdown(t("dpo.pairs_title", lang))
        pairs_btn = gr.Button(t("dpo.show_pairs", lang))
        pairs_md = gr.Markdown()
        pairs_out = gr.HTML()
        with gr.Accordion(t("dpo.own_title", lang), open=False):
            title_box = gr.Textbox("秋夜", label=t("dpo.own_instruction", lang))
            with gr.Row():
                answer_a = gr.Textbox(label=t("dpo.own_a", lang), lines=4)
                answer_b = gr.Textbox(label=t("dpo.own_b", lang), lines=4)
            better_radio = gr.Radio([(t("dpo.own_a", lang), A), (t("dpo.own_b", lang), B)], value=A,
                                    label=t("dpo.own_better", lang))
            add_btn = gr.Button(t("dpo.own_add", lang))
            own_md = gr.Markdown()
        own_pairs = gr.State([])

        gr.Markdown(t("dpo.train_title", lang))
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                beta_sl = slider(BETA, t("dpo.beta", lang), info=t("dpo.beta_info", lang))
                steps_num, batch_sl, lr_num, seed_num = training_widgets(RANGES, TRAINING, lang)
                start_btn, control_btns, download_files = tab.controls.buttons(lang, "dpo.start")
            with gr.Column(scale=2):
                message_md = gr.Markdown()
                status_md = gr.Markdown(t("dpo.no_job", lang))
                loss_plot = gr.Plot(label=t("plot.loss_title", lang))
                with gr.Row():
                    rewards_plot = gr.Plot(label=t("dpo.plot.rewards_title", lang))
                    preference_plot = gr.Plot(label=t("dpo.plot.preference_title", lang))
                gr.Markdown(t("dpo.too_far", lang))
                poems_out = gr.HTML()
        last_key = gr.State(None)
        timer = gr.Timer(1.0)

        gr.Markdown(t("dpo.compare_title", lang))
        compare_btn = gr.Button(t("dpo.compare", lang), variant="primary")
        compare_md = gr.Markdown()
        compare_out = gr.HTML()

        setup = dict(base=base_picker.dropdown, beta=beta_sl, steps=steps_num, batch=batch_sl,
                     lr=lr_num, seed=seed_num)
        ctx.link("beta", beta_sl, BETA)
        for name in ("steps", "batch", "lr", "seed"):
            ctx.link(name, setup[name], getattr(RANGES, name))
        who = [ctx.learner, ctx.lang]
        pairs_inputs = [*who, base_picker.dropdown, simplified_cb]
        pairs_btn.click(tab.show_pairs, pairs_inputs, [pairs_out, pairs_md], api_name="align_pairs",
                        concurrency_limit=4)
        add_btn.click(tab.add_pair, [*who, base_picker.dropdown, title_box, answer_a, answer_b,
                                     better_radio, own_pairs], [own_pairs, own_md],
                      api_name="align_add_pair", concurrency_limit=4)
        started = start_btn.click(tab.start, [*who, own_pairs], message_md, inputs_kwargs=setup,
                                  api_name="align_start", concurrency_id="align-start",
                                  concurrency_limit=2)
        tab.controls.wire(ctx, control_btns, message_md, download_files, api_prefix="align_")
        poll_inputs = [*who, simplified_cb, last_key]
        poll_outputs = [loss_plot, rewards_plot, preference_plot, poems_out, status_md,
                        base_picker.dropdown, last_key]
        tab.controls.wire_poll(timer, tab.tick, poll_inputs, poll_outputs, "align_poll",
                               wake=[started])
        compare_btn.click(tab.compare, [*who, simplified_cb], [compare_out, compare_md],
                          api_name="align_compare", concurrency_id="align-compare",
                          concurrency_limit=2)
        base_picker.attach_refresh(page.select)
        ctx.on_language(tab.tick, poll_inputs, poll_outputs)
        ctx.on_language(tab.show_pairs, pairs_inputs, [pairs_out, pairs_md], when_shown=pairs_md)
        ctx.on_language(tab.compare, [*who, simplified_cb], [compare_out, compare_md],
                        when_shown=compare_md)
