"""Spam classifier tab (chapter 6): fine-tune a GPT to tell spam from ham, live, and ask
it why.

Start builds a classification job (core/classifier.py) from a base model — a language
model from the picker, or a new small one trained from scratch on the messages — and
runs it on the shared job machinery, like pretraining. The poll draws loss and
accuracy against messages seen; at the end the test accuracy and the confusion
matrix. "Try it" classifies a message with any finished classifier and shades each
token by how much it pushed the verdict (leaving that one token out); a long message on
a large model has only its first tokens explained, within a fixed cost per click.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core.classifier import (CLASSIFIER_TRAINING, SCRATCH_CONFIG, SPAM_CLASSES, TRAINABLE,
                             class_probabilities, explainable_tokens, leave_one_out,
                             scratch_tokenizer, sms_spam_splits, vocabulary_coverage)
from core.finetuning import classifier_spec
from core.jobs import TrainingJob
from core.pretrained import GPT2_SOURCES
from core.runtime import pick_device
from core.tokenizer import CharTokenizer
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import (Range, TrainingRanges, TrainingSettings, read_number, slider,
                               widget_values)
from playground.job_controls import TrainingTab, status_text, training_widgets
from playground.model_picker import ModelPicker, model_choices, resolve_model
from playground.plots import loss_figure, metric_figure
from playground.plots.classifier import confusion_figure, why_html
from playground.prompt import cut_notice, notices_md, read_prompt, token_text
from playground.session import AppContext, learner_key

SCRATCH = "scratch"
RANGES = TrainingRanges(steps=Range(1, 100_000, 300), batch=Range(1, 64, 32),
                        lr=Range(1e-6, 1.0, 1e-3))
THRESHOLD = Range(0.01, 0.99, 0.5, 0.01)
MAX_MESSAGE_CHARS = 2_000
EXAMPLES = ("spam.example.1", "spam.example.2", "spam.example.3", "spam.example.4")


@dataclass(frozen=True)
class SpamSetup:
    """The fine-tune's widgets, checked (`WIDGETS` is their order)."""

    base: str
    trainable: str
    training: TrainingSettings

    WIDGETS = ("base", "trainable", "steps", "batch", "lr", "seed")

    @classmethod
    def read(cls, values: dict, lang) -> "SpamSetup":
        v = widget_values(cls.WIDGETS, values, lang)
        if v["trainable"] not in TRAINABLE:
            raise gr.Error(t("spam.err.trainable", lang, value=v["trainable"]))
        return cls(v["base"], v["trainable"], RANGES.read(v, lang))


def _defaults_for(base: str) -> tuple[str, object]:
    if base == SCRATCH:
        return "all", CLASSIFIER_TRAINING["scratch"]
    if base in GPT2_SOURCES:
        return "last-block", CLASSIFIER_TRAINING["gpt2"]
    return "last-block", CLASSIFIER_TRAINING["pretrained"]


class SpamTab(TrainingTab):
    """The tab's handlers, over the registry in the app context."""

    kind = "classifier"

    @staticmethod
    def on_base(lang, base: str):
        """A base model chooses its usual settings: what trains, steps, batch, rate."""
        trainable, cfg = _defaults_for(base)
        return trainable, cfg.max_steps, cfg.batch_size, cfg.lr

    @friendly
    def start(self, request: gr.Request, learner, lang, **setup):
        """Handler: fine-tune a classifier from the chosen base on the SMS messages
        (`SpamSetup.WIDGETS`, by name)."""
        setup = SpamSetup.read(setup, lang)
        owner = learner_key(learner, request, lang)
        self.registry.touch(owner)
        splits = sms_spam_splits()
        _, defaults = _defaults_for(setup.base)
        train_cfg = setup.training.apply(defaults)
        notes = []
        if setup.base == SCRATCH:
            tokenizer = scratch_tokenizer(splits[0])
            model_cfg = SCRATCH_CONFIG.replace(vocab_size=tokenizer.n_vocab)
            base_state, base_id, base_label = None, None, t("spam.base.scratch_short", lang)
        else:
            picked = resolve_model(self.registry, setup.base, owner, lang, kind="lm")
            tokenizer = picked.tokenizer
            if isinstance(tokenizer, CharTokenizer):
                raise gr.Error(t("spam.err.char", lang))
            coverage = vocabulary_coverage(splits[0], tokenizer)
            if coverage < 0.999:
                notes.append(t("spam.notice.coverage", lang, share=coverage))
            model_cfg = picked.model.cfg
            base_state = picked.model.state_dict()
            base_id = picked.saved.id if picked.saved is not None else None
            base_label = picked.label
        spec = classifier_spec(t("spam.job_label", lang, base=base_label), splits, tokenizer,
                               model_cfg, train_cfg, trainable=setup.trainable,
                               base_state=base_state, base_model=base_id)
        ahead = self.registry.submit(owner, TrainingJob(owner, spec, device=pick_device()))
        message = t("pre.queued", lang, n=ahead) if ahead else t("spam.started", lang,
                                                                  seed=train_cfg.seed)
        return "\n\n".join([message, *notes])

    def tick(self, request: gr.Request, learner, lang, last_key):
        """Timer handler: curves, status and (at the end) the test results."""
        polled = self.controls.poll(request, learner, lang, last_key)
        if polled is None:
            return (gr.skip(), gr.skip(), t("spam.no_job", lang), gr.skip(), gr.skip(), gr.skip(),
                    last_key)
        view, key = polled.view, polled.key
        if key == last_key:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), last_key
        loss = loss_figure(view.steps, view.evals, lang=lang, per_example=True)
        acc = metric_figure(view.evals, ("train_accuracy", "val_accuracy"),
                            t("spam.plot.accuracy", lang), t("spam.plot.accuracy_axis", lang),
                            t("plot.examples_seen", lang), lang=lang)
        status = status_text(view, lang)
        final = next((e for e in reversed(view.evals) if "test_accuracy" in e.metrics), None)
        confusion, results, picker = gr.skip(), "", gr.skip()
        if final is not None and not view.state.active:
            # the finished classifier is ready to try: offer it in "Try it"
            choices = model_choices(self.registry, polled.job.owner, "classifier", lang, hub=False)
            newest = next((v for _, v in choices if v.startswith("saved:")), None)
            picker = gr.update(choices=choices, value=newest)
        if final is not None:
            m = final.metrics
            confusion = confusion_figure(m["test_confusion"], list(SPAM_CLASSES),
                                         t("spam.plot.confusion", lang), lang)
            results = t("spam.results_clean", lang, test=m["test_accuracy"], val=m["val_accuracy"],
                        n=sum(map(sum, m["test_confusion"])))
        elif view.evals:
            results = t("spam.val_now", lang, val=view.evals[-1].metrics.get("val_accuracy", 0.0))
        return loss, acc, status, results, confusion, picker, key

    @friendly
    def classify(self, request: gr.Request, learner, lang, choice, message, threshold):
        """Handler: spam probability, verdict and the per-token "why" for a message."""
        threshold = read_number(threshold, t("spam.threshold", lang), THRESHOLD.low,
                                THRESHOLD.high, lang)
        owner = learner_key(learner, request, lang)
        if not choice:
            raise gr.Error(t("spam.err.no_classifier", lang))
        picked = resolve_model(self.registry, choice, owner, lang, kind="classifier")
        inp = read_prompt(picked, message, lang, empty_key="spam.err.empty",
                          limit=MAX_MESSAGE_CHARS)
        context = picked.model.cfg.context_length
        notices = inp.notices + ([t("spam.notice.cut", lang, n=len(inp.ids), context=context)]
                                 if len(inp.ids) > context else [])
        ids = inp.ids[:context]
        p_spam = float(class_probabilities(picked.model, ids)[1])
        verdict = t("spam.verdict_spam" if p_spam >= threshold else "spam.verdict_ham", lang,
                    p=p_spam, threshold=threshold)
        explained = explainable_tokens(picked.model.cfg, len(ids))
        if explained < len(ids):
            notices.append(t("spam.notice.explained", lang, shown=explained, n=len(ids)))
        deltas = leave_one_out(picked.model, ids, target=1, positions=range(explained))
        pieces = [token_text(picked.tokenizer, i, visible_space=False) for i in ids]
        strongest = max(range(explained), key=lambda i: deltas[i])
        deltas += [None] * (len(ids) - explained)
        verdict += "\n\n" + t("spam.strongest", lang, token=pieces[strongest].strip() or pieces[strongest],
                              delta=deltas[strongest])
        return verdict, why_html(pieces, deltas, "spam", lang), notices_md(notices)


def build(ctx: AppContext) -> None:
    tab, lang = SpamTab(ctx), ctx.ui_lang
    trainable0, cfg0 = _defaults_for(SCRATCH)
    with ctx.tab("spam", "spam.tab", "spam.card") as page:
        gr.Markdown(t("spam.intro_clean", lang))
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                base_picker = ModelPicker(ctx, label=t("spam.base", lang), info=t("spam.base_info", lang),
                                          extra=(("spam.base.scratch", SCRATCH),))
                trainable_radio = gr.Radio([(t(f"spam.trainable.{k}", lang), k) for k in TRAINABLE],
                                           value=trainable0, label=t("spam.trainable", lang))
                steps_num, batch_sl, lr_num, seed_num = training_widgets(RANGES, cfg0, lang)
                start_btn, control_btns, download_files = tab.controls.buttons(lang, "spam.start")
            with gr.Column(scale=2):
                message_md = gr.Markdown()
                status_md = gr.Markdown(t("spam.no_job", lang))
                results_md = gr.Markdown()
                with gr.Row():
                    loss_plot = gr.Plot(label=t("plot.loss_title", lang))
                    accuracy_plot = gr.Plot(label=t("spam.plot.accuracy", lang))
                confusion_plot = gr.Plot(label=t("spam.plot.confusion", lang))
        last_key = gr.State(None)
        timer = gr.Timer(1.0)

        gr.Markdown(t("spam.try_title", lang))
        classifier_picker = ModelPicker(ctx, kind="classifier", hub=False,
                                        label=t("spam.classifier", lang),
                                        info=t("spam.classifier_info", lang), api_name="classifiers")
        with gr.Row():
            message_box = gr.Textbox(t(EXAMPLES[0], lang), label=t("spam.message", lang), lines=3,
                                     scale=3)
            with gr.Column(scale=1, min_width=220):
                threshold_sl = slider(THRESHOLD, t("spam.threshold", lang))
                classify_btn = gr.Button(t("spam.classify", lang), variant="primary")
        gr.Examples([[t(key, lang)] for key in EXAMPLES], inputs=[message_box],
                    label=t("spam.examples", lang))
        verdict_md = gr.Markdown()
        why_out = gr.HTML()
        notice_md = gr.Markdown()

        setup = dict(base=base_picker.dropdown, trainable=trainable_radio, steps=steps_num,
                     batch=batch_sl, lr=lr_num, seed=seed_num)
        ctx.link("trainable", trainable_radio)
        for name in ("steps", "batch", "lr", "seed"):
            ctx.link(name, setup[name], getattr(RANGES, name))
        ctx.link("threshold", threshold_sl, THRESHOLD)
        ctx.cascade(base_picker.dropdown, tab.on_base, [trainable_radio, steps_num, batch_sl, lr_num])
        who = [ctx.learner, ctx.lang]
        started = start_btn.click(tab.start, who, message_md, inputs_kwargs=setup,
                                  api_name="spam_start", concurrency_id="spam-start",
                                  concurrency_limit=2)
        tab.controls.wire(ctx, control_btns, message_md, download_files, api_prefix="spam_")
        poll_outputs = [loss_plot, accuracy_plot, status_md, results_md, confusion_plot,
                        classifier_picker.dropdown, last_key]
        tab.controls.wire_poll(timer, tab.tick, [*who, last_key], poll_outputs, "spam_poll",
                               wake=[started])
        classify_inputs = [*who, classifier_picker.dropdown, message_box, threshold_sl]
        # The "why" costs up to classifier.WHY_BUDGET_FLOPS a click: a group of its own, so
        # two long ones at a time share the server's cores and queue no other event.
        gr.on([classify_btn.click, message_box.submit], tab.classify, classify_inputs,
              [verdict_md, why_out, notice_md], api_name="spam_classify",
              concurrency_id="spam-why", concurrency_limit=2)
        base_picker.attach_refresh(page.select)
        classifier_picker.attach_refresh(page.select)
        ctx.on_language(tab.tick, [*who, last_key], poll_outputs)
        ctx.on_language(tab.classify, classify_inputs, [verdict_md, why_out, notice_md],
                        when_shown=verdict_md)
