"""Ablation lab: train two tiny GPTs side by side with one piece changed, and see what
each piece is for.

Start builds the pair's job (core/ablation_job.py) and runs it on the shared job
machinery: one job, two models trained in turn. The poll draws both curves on one plot,
both samples of the same step side by side, the word-order probe for the positions
pairing, and at the end the verdict (core/ablation.py's `pair_verdict`). The pair is
nobody's "live" model elsewhere; "Keep" puts either model in the learner's list.
"""

from __future__ import annotations

import html

import gradio as gr

from core.ablation import MODEL_NAMES, PAIRINGS, SECOND, pair_curves, pair_verdict, word_order_sentences
from core.ablation_job import MAX_PAIR_STEPS, PAIR_CORPORA, pair_spec
from core.jobs import FailureCause, JobState, SavedModel, TrainingJob
from core.runtime import pick_device
from playground.errors import friendly, say
from playground.i18n import t
from playground.inputs import Range, number_box, read_in
from playground.job_controls import TrainingTab, headline_key
from playground.plots.ablation import pair_figure, word_order_html
from playground.plots.training import samples_html
from playground.prompt import token_text
from playground.session import AppContext, learner_key

STEPS = Range(1, MAX_PAIR_STEPS, 200)
SEED = Range(0, 2**31 - 1, 123)
ZH_CORPUS = {"zh": "tang-five"}


def model_names(pairing: str, lang) -> dict[str, str]:
    return {which: t(f"abl.name.{pairing}.{which}", lang) for which in MODEL_NAMES}


def _pairing_of(view_tags) -> str:
    return next((tag for tag in view_tags if tag in PAIRINGS), "positions")


class AblationTab(TrainingTab):
    """The tab's handlers, over the registry in the app context."""

    kind = "ablation"

    @staticmethod
    def on_pairing(lang, pairing):
        """A pairing chooses its sentence: what to look for."""
        return t(f"abl.look.{pairing}", lang) if pairing in PAIRINGS else ""

    @friendly
    def start(self, request: gr.Request, learner, lang, corpus, pairing, steps, seed):
        """Handler: train the pairing's two models on the corpus, `steps` steps each."""
        if corpus not in PAIR_CORPORA:
            raise gr.Error(t("abl.err.corpus", lang, value=corpus))
        if pairing not in PAIRINGS:
            raise gr.Error(t("abl.err.pairing", lang, value=pairing))
        steps = read_in(STEPS, steps, t("abl.steps", lang), lang)
        seed = read_in(SEED, seed, t("abl.seed", lang), lang)
        owner = learner_key(learner, request, lang)
        self.registry.touch(owner)
        label = t("abl.job_label", lang, pairing=t(f"abl.pairing.{pairing}", lang), corpus=corpus)
        spec = pair_spec(label, corpus, pairing, steps, seed)
        ahead = self.registry.submit(owner, TrainingJob(owner, spec, device=pick_device()))
        return t("pre.queued", lang, n=ahead) if ahead else t("abl.started", lang, seed=seed)

    def tick(self, request: gr.Request, learner, lang, last_key):
        """Timer handler: the curves, both samples, the probe, the status and the verdict."""
        polled = self.controls.poll(request, learner, lang, last_key)
        if polled is None:
            return (gr.skip(), t("abl.no_job", lang), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    last_key)
        view, key, job = polled.view, polled.key, polled.job
        if key == last_key:
            return (gr.skip(),) * 6 + (last_key,)
        pairing = _pairing_of(job.spec.tags)
        names = model_names(pairing, lang)
        figure = pair_figure(pair_curves(view.evals), names, lang)
        samples = [self._samples(view, item, names[which], lang)
                   for item, which in enumerate(MODEL_NAMES)]
        probe = self._probe(job, view, names, lang) if PAIRINGS[pairing].word_order_probe else ""
        return (figure, self._status(view, names, lang), *samples, probe,
                self._verdict(view, names, lang), key)

    @staticmethod
    def _samples(view, item: int, name: str, lang) -> str:
        """One model's samples, newest first, each with that model's validation loss at
        the evaluation of its step (or the one before it)."""
        key = ("val_loss", "second_val_loss")[item]
        losses = [(e.step, e.val_loss if item == 0 else e.metrics.get(key, float("nan")))
                  for e in view.evals]
        rows = [(s.step, next((v for step, v in reversed(losses) if step <= s.step), float("nan")),
                 s.text) for s in reversed(view.samples) if s.item == item]
        return f"<h4>{html.escape(name)}</h4>" + samples_html(rows[:8], lang)

    @staticmethod
    def _probe(job, view, names, lang) -> str:
        last = next((e for e in reversed(view.evals) if "first_word_order" in e.metrics), None)
        if last is None:
            return ""
        tokenizer = job.spec.tokenizer
        results = {which: last.metrics[f"{which}_word_order"] for which in MODEL_NAMES}
        table = word_order_html(word_order_sentences(job.spec.corpus), results, names,
                                lambda i: token_text(tokenizer, i), lang)
        return t("abl.probe.title", lang, step=last.step) + "\n\n" + table

    @staticmethod
    def _status(view, names, lang) -> str:
        lines = [t(headline_key(view), lang, step=view.step, max_steps=view.max_steps)]
        if view.queue_position:
            lines.append(t("pre.queued", lang, n=view.queue_position))
        if view.state is JobState.FAILED and view.cause == FailureCause.DIVERGED.value:
            which = "second" if "second model" in view.reason else "first"
            lines.append(t("abl.diverged", lang, name=names[which], reason=say(view.reason, lang)))
        elif view.reason and view.state in (JobState.FAILED, JobState.STOPPED):
            lines.append(t("pre.reason", lang, reason=say(view.reason, lang)))
        return "\n\n".join(lines)

    @staticmethod
    def _verdict(view, names, lang) -> str:
        verdict = pair_verdict(view.evals)
        if verdict is None or view.state.active:
            return ""
        lines = [t("abl.verdict", lang, step=verdict.step, first=names["first"],
                   second=names["second"], first_val=verdict.first_val,
                   second_val=verdict.second_val, gap=verdict.gap)]
        for which, other, step in (("first", "second", verdict.first_reached),
                                   ("second", "first", verdict.second_reached)):
            key = "abl.reached" if step is not None else "abl.never"
            lines.append(t(key, lang, name=names[which], other=names[other], step=step or 0))
        return "\n\n".join(lines)

    @friendly
    def keep(self, request: gr.Request, learner: str, lang: str, which: str) -> str:
        """Handler: put the pair's first or second model in the learner's list."""
        if which not in MODEL_NAMES:
            raise gr.Error(t("abl.err.which", lang, value=which))
        owner = learner_key(learner, request, lang)
        job = self.registry.get(owner)
        if job is None or job.spec.kind != self.kind:
            raise gr.Error(t("abl.no_job", lang))
        try:
            if which == SECOND:
                if job.state.active:
                    job.snapshot_model()          # both models' newest weights, mirrored
                model = job.extra_model(SECOND)
            else:
                model = job.final_model() if not job.state.active else job.snapshot_model()
        except (KeyError, RuntimeError):
            model = None
        if model is None:
            raise gr.Error(t("abl.err.no_weights", lang))
        pairing = _pairing_of(job.spec.tags)
        step = job.view().step
        label = t("abl.kept_label", lang, name=model_names(pairing, lang)[which],
                  corpus=job.spec.corpus, step=step)
        self.registry.add_model(owner, SavedModel(
            label, model, job.spec.tokenizer, tags=("ablation",), step=step,
            meta={"corpus": job.spec.corpus, "head": dict(job.spec.head), "job_kind": self.kind}))
        return t("abl.kept", lang, label=label)


def build(ctx: AppContext) -> None:
    tab, lang = AblationTab(ctx), ctx.ui_lang
    with ctx.tab("ablation", "abl.tab", "abl.card"):
        gr.Markdown(t("abl.intro", lang))
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                # Custom values reach the handler, which says what is offered in the
                # learner's language (an API client can send anything).
                corpus_dd = gr.Dropdown([(t(f"corpus.{c}", lang), c) for c in PAIR_CORPORA],
                                        value=PAIR_CORPORA[0], label=t("pre.corpus", lang),
                                        allow_custom_value=True)
                pairing_dd = gr.Dropdown([(t(f"abl.pairing.{p}", lang), p) for p in PAIRINGS],
                                            value="positions", label=t("abl.pairing", lang),
                                            allow_custom_value=True)
                look_md = gr.Markdown(t("abl.look.positions", lang))
                steps_num = number_box(STEPS, t("abl.steps", lang), info=t("abl.steps_info", lang))
                seed_num = number_box(SEED, t("abl.seed", lang))
                with gr.Row():
                    start_btn = gr.Button(t("abl.start", lang), variant="primary")
                    stop_btn = gr.Button(t("pre.stop", lang), variant="stop")
                with gr.Row():
                    keep_first_btn = gr.Button(t("abl.keep.first", lang), size="sm")
                    keep_second_btn = gr.Button(t("abl.keep.second", lang), size="sm")
                message_md = gr.Markdown()
            with gr.Column(scale=2):
                status_md = gr.Markdown(t("abl.no_job", lang))
                loss_plot = gr.Plot(label=t("abl.plot.title", lang))
                verdict_md = gr.Markdown()
                with gr.Row():
                    first_html = gr.HTML()
                    second_html = gr.HTML()
                probe_md = gr.Markdown()
        last_key = gr.State(None)
        timer = gr.Timer(1.0)
        which_first, which_second = gr.State("first"), gr.State(SECOND)

        setup = dict(corpus=corpus_dd, pairing=pairing_dd, steps=steps_num, seed=seed_num)
        ctx.link("corpus", corpus_dd, default=ZH_CORPUS)     # a Chinese page opens on Tang
        ctx.link("pairing", pairing_dd)
        ctx.link("steps", steps_num, STEPS)
        ctx.link("seed", seed_num, SEED)
        # .change, not a cascade: a pairing set by a link says its sentence too
        pairing_dd.change(tab.on_pairing, [ctx.lang, pairing_dd], look_md,
                          api_visibility="private", concurrency_limit=None)
        who = [ctx.learner, ctx.lang]
        started = start_btn.click(tab.start, who, message_md, inputs_kwargs=setup,
                                  api_name="ablation_start", concurrency_id="ablation-start",
                                  concurrency_limit=2)
        tab.controls.wire(ctx, {"stop": stop_btn}, message_md, None, api_prefix="ablation_")
        keep_first_btn.click(tab.keep, [*who, which_first], message_md, api_visibility="private")
        keep_second_btn.click(tab.keep, [*who, which_second], message_md, api_visibility="private")
        gr.api(tab.keep, api_name="ablation_keep", concurrency_limit=2)
        outputs = [loss_plot, status_md, first_html, second_html, probe_md, verdict_md, last_key]
        tab.controls.wire_poll(timer, tab.tick, [*who, last_key], outputs, "ablation_poll",
                               wake=[started])
        ctx.on_language(tab.tick, [*who, last_key], outputs)
        ctx.on_language(tab.on_pairing, [ctx.lang, pairing_dd], look_md)
