"""Pretrain tab: train a GPT live, watch the loss fall and the samples turn into words.

Handlers parse the widgets into a `PretrainSetup`, hand it to core/pretraining.py
(the same assembly the command line uses) and format what comes back. The job runs in
its own process, kept in the shared registry under the learner's id; a `gr.Timer`
polls it once a second. Choosing a corpus chooses the settings that tell its story.
"""

from __future__ import annotations

import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from gradio.components.plot import PlotData

from core.checkpoint import load_checkpoint, model_memory, save_checkpoint
from core.chinese import to_simplified
from core.config import PRESETS
from core.corpora import CORPORA, check_user_text, decode_upload, load_corpus, read_upload
from core.estimates import count_model_parameters, estimate_step_seconds
from core.export import load_exported_zip
from core.jobs import SavedModel, TrainingJob
from core.kv_cache import use_decode_layout
from core.pretraining import (DEFAULT_STORIES, MODEL_OVERRIDES, OWN_TEXT, TOKENIZER_KINDS,
                              default_corpus,
                              model_config_for, pretraining_spec, story_for, tokenizer_for,
                              train_config_for)
from core.runtime import pick_device
from core.train import TRAIN_PRESETS
from playground.errors import USER_ERRORS, friendly, message_for
from playground.i18n import t
from playground.job_controls import TrainingTab, status_text
from playground.instructor import instructor_token
from playground.inputs import Range, number_box, read_in, read_number, slider, widget_values
from playground.plots import loss_figure, samples_html
from playground.session import AppContext, learner_key

UPLOAD = "upload"
# A room follows the class run: each page asks every FOLLOW_POLL_S seconds and gets a new
# drawing every FOLLOW_REFRESH_S (the learner's own job: every second, every step).
FOLLOW_POLL_S = 3.0
FOLLOW_REFRESH_S = 6.0
# Between evaluations, the learner's own curve is redrawn at most this often (the status
# line says every step): a figure redrawn every second kept a browser's renderer busy.
PLOT_REFRESH_S = 3.0
PRESET_CHOICES = ("cpu-demo", "shakespeare-char", "tang-char", "tang-tutorial", "tiny",
                  "gpt2-124m", "gpt2-355m")
# One range per control: the slider is made from it and the handler checks against it.
LAYERS = Range(1, 24, 4)
HEADS = Range(1, 16, 4)
EMB = Range(16, 1024, 128, 16)
CONTEXT = Range(8, 1024, 64, 8)
BATCH = Range(1, 128, 16)
STEPS = Range(1, 1_000_000, 600)
LR = Range(1e-6, 1.0, 3e-3)
SEED = Range(0, 2**31 - 1, 123)
MAX_UPLOAD_BYTES = 5_000_000
MAX_LOAD_BYTES = 2_000_000_000
MAX_PROMPT_CHARS = 200


@dataclass(frozen=True)
class PretrainSetup:
    """What the setup widgets say, checked. The field order is the widgets' order."""

    corpus: str
    own_text: str | None
    upload: object
    tokenizer: str
    preset: str
    layers: int
    heads: int
    emb: int
    context: int
    batch: int
    steps: int
    lr: float
    seed: int
    prompt: str

    @classmethod
    def read(cls, values: dict, lang) -> "PretrainSetup":
        v = widget_values(cls, values, lang)
        if v["tokenizer"] not in TOKENIZER_KINDS:
            raise gr.Error(t("pre.err.tokenizer", lang, kind=v["tokenizer"]))
        if v["preset"] not in PRESETS:
            raise gr.Error(t("pre.err.preset", lang, preset=v["preset"]))
        prompt = v["prompt"] if isinstance(v["prompt"], str) else ""
        if len(prompt) > MAX_PROMPT_CHARS:
            raise gr.Error(t("samp.err.too_long", lang, n=len(prompt), limit=MAX_PROMPT_CHARS))
        return cls(
            corpus=v["corpus"], own_text=v["own_text"], upload=v["upload"],
            tokenizer=v["tokenizer"], preset=v["preset"],
            layers=read_in(LAYERS, v["layers"], t("pre.layers", lang), lang),
            heads=read_in(HEADS, v["heads"], t("pre.heads", lang), lang),
            emb=read_in(EMB, v["emb"], t("pre.emb", lang), lang),
            context=read_in(CONTEXT, v["context"], t("pre.context", lang), lang),
            batch=read_in(BATCH, v["batch"], t("pre.batch", lang), lang),
            steps=read_in(STEPS, v["steps"], t("pre.steps", lang), lang),
            lr=read_number(v["lr"], t("pre.lr", lang), LR.low, LR.high, lang),
            seed=read_in(SEED, v["seed"], t("pre.seed", lang), lang), prompt=prompt)

    def text(self, lang) -> tuple[str, str]:
        """(text, display name) of the chosen corpus."""
        if self.corpus == OWN_TEXT:
            return check_user_text(self.own_text or ""), t("pre.own_text", lang)
        if self.corpus == UPLOAD:
            if self.upload is None:
                raise gr.Error(t("pre.err.no_upload", lang))
            raw = read_upload(self.upload, MAX_UPLOAD_BYTES)
            return decode_upload(raw, MAX_UPLOAD_BYTES), t("pre.upload", lang)
        if self.corpus not in CORPORA:
            raise gr.Error(t("pre.err.corpus", lang, corpus=self.corpus))
        return load_corpus(self.corpus), self.corpus

    def model_config(self, vocab_size: int):
        return model_config_for(self.preset, vocab_size, n_layers=self.layers, n_heads=self.heads,
                                emb_dim=self.emb, context_length=self.context)

    def train_config(self, prompt: str, sample_stop: str):
        return train_config_for(self.preset, batch_size=self.batch, max_steps=self.steps,
                                lr=self.lr, seed=self.seed, sample_prompt=prompt,
                                sample_stop=sample_stop)


def describe_config(cfg, batch: int, lang) -> str:
    params = count_model_parameters(cfg)
    seconds = estimate_step_seconds(cfg, batch)
    return t("pre.setup_info", lang, params=params, tokens=batch * cfg.context_length,
             time=f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s",
             vocab=cfg.vocab_size)


def sample_text(text: str, tokenizer_name: str, simplified: bool) -> str:
    """Tang samples are in traditional characters; optionally show them simplified."""
    return to_simplified(text) if simplified and tokenizer_name.startswith("tang") else text


class Pretrain(TrainingTab):
    """The tab's handlers, over the registry in the app context."""

    kind = "pretrain"
    clock = staticmethod(time.monotonic)      # when a curve was drawn (a test sets its own)

    def __init__(self, ctx: AppContext):
        super().__init__(ctx)
        self._class_drawings: dict[tuple, tuple] = {}   # the class run's, by poll key

    def owner(self, learner, request, lang) -> str:
        return learner_key(learner, request, lang)

    # ----- setup -------------------------------------------------------------------
    @staticmethod
    def on_preset(lang, preset: str):
        if preset not in PRESETS:
            raise gr.Error(t("pre.err.preset", lang, preset=preset))
        cfg = PRESETS[preset].replace(**MODEL_OVERRIDES.get(preset, {}))
        train = TRAIN_PRESETS.get(preset, TRAIN_PRESETS["cpu-demo"])
        return (cfg.n_layers, cfg.n_heads, cfg.emb_dim, cfg.context_length, train.batch_size,
                train.max_steps, train.lr)

    @staticmethod
    def on_corpus(lang, corpus: str):
        """A corpus chooses its story: preset, tokenizer, prompt and what to expect."""
        story = story_for(corpus)
        return (gr.update(visible=corpus == OWN_TEXT), gr.update(visible=corpus == UPLOAD),
                story.preset, "auto", story.prompt_text, Pretrain.story(lang, corpus))

    @staticmethod
    def story(lang, corpus: str) -> str:
        """What the chosen text's story shows, in the learner's language."""
        return t(f"story.{_story_key(corpus)}", lang)

    @staticmethod
    def on_sampling(lang, corpus: str, preset: str) -> str:
        """How the samples of this text and preset are drawn: stated above the table."""
        story = story_for(_story_key(corpus))
        return samples_heading(train_config_for(preset, sample_stop=story.sample_stop), lang)

    @friendly
    def describe(self, lang, **setup):
        """Handler: parameters and step time of the current settings (or what is wrong)."""
        setup = PretrainSetup.read(setup, lang)
        try:
            text, _ = setup.text(lang)
            vocab = tokenizer_for(setup.corpus, setup.tokenizer, text).n_vocab
            cfg = setup.model_config(vocab)
        except (gr.Error, *USER_ERRORS) as err:
            return t("pre.setup_problem", lang, reason=message_for(err, lang))
        return describe_config(cfg, setup.batch, lang)

    # ----- running -----------------------------------------------------------------
    @friendly
    def start(self, request: gr.Request, learner, lang, resume=False, **setup):
        """Handler: build the job from the setup (`PretrainSetup`'s fields, by name) or,
        with `resume`, from the loaded checkpoint, and submit it."""
        setup = PretrainSetup.read(setup, lang)
        owner = self.owner(learner, request, lang)
        self.registry.touch(owner)
        text, corpus_name = setup.text(lang)
        story = story_for(setup.corpus)
        loaded = self._loaded(owner) if resume else None
        if resume and loaded is None:
            raise gr.Error(t("pre.err.nothing_loaded", lang))
        if loaded is not None:
            tokenizer, model_cfg = loaded.tokenizer, loaded.model.cfg
        else:
            tokenizer = tokenizer_for(setup.corpus, setup.tokenizer, text)
            model_cfg = setup.model_config(tokenizer.n_vocab)
        prompts = (story.prompts(setup.prompt) if setup.corpus in CORPORA
                   else [setup.prompt or text.strip()[:12]])
        train_cfg = setup.train_config(prompts[0], story.sample_stop)
        extra = {}
        if loaded is not None:
            if train_cfg.max_steps <= loaded.step:
                raise gr.Error(t("pre.err.resume_steps", lang, step=loaded.step))
            extra = dict(init_checkpoint=str(loaded.checkpoint), start_step=loaded.step)
        spec = pretraining_spec(t("pre.job_label", lang, corpus=corpus_name, preset=setup.preset),
                                corpus_name, text, tokenizer, model_cfg, train_cfg,
                                probe_text=story.probe_text, prompts=prompts, **extra)
        ahead = self.registry.submit(owner, TrainingJob(owner, spec, device=pick_device()))
        if ahead:
            return t("pre.queued", lang, n=ahead)
        return t("pre.started", lang, seed=train_cfg.seed)

    def _loaded(self, owner: str) -> SavedModel | None:
        return next((m for m in self.registry.models(owner) if m.meta.get("loaded")
                     and m.checkpoint is not None), None)

    @friendly
    def load(self, request: gr.Request, learner, lang, file_path):
        owner = self.owner(learner, request, lang)
        if not file_path:
            raise gr.Error(t("pre.err.no_checkpoint", lang))
        path = Path(file_path)
        exported = path.suffix == ".zip"       # a folder the Export button made
        if path.suffix != ".safetensors" and not exported:
            raise gr.Error(t("pre.err.not_loadable", lang))
        if path.stat().st_size > MAX_LOAD_BYTES:
            raise gr.Error(t("pre.err.too_big", lang))
        if exported:                           # checks everything; weights only in memory
            checkpoint = load_exported_zip(path)
            self.registry.check_room(sum(p.numel() * p.element_size()
                                         for p in checkpoint.model.parameters()))
        else:
            self.registry.check_room(model_memory(path))   # from the header, before reading
            checkpoint = load_checkpoint(path)
        kept = self.registry.storage_dir(owner) / f"{uuid.uuid4().hex[:12]}.safetensors"
        if exported:                           # resuming reads a checkpoint: write one
            save_checkpoint(kept, checkpoint.model, checkpoint.tokenizer, step=checkpoint.step,
                            metrics=checkpoint.meta["metrics"], extra=checkpoint.meta["extra"])
        else:
            shutil.copyfile(path, kept)        # resuming reads the optimizer state from here
        label = checkpoint.meta.get("extra", {}).get("label") or path.stem
        model = use_decode_layout(checkpoint.model.eval().requires_grad_(False))
        self.registry.add_model(owner, SavedModel(
            f"{label} · step {checkpoint.step}", model, checkpoint.tokenizer,
            kind=checkpoint.head.get("kind", "lm"), tags=tuple(checkpoint.tags), checkpoint=kept,
            step=checkpoint.step, meta={"loaded": True, "head": checkpoint.head}))
        return t("pre.loaded", lang, step=checkpoint.step,
                 params=count_model_parameters(checkpoint.model.cfg))

    def tick(self, request: gr.Request, learner, lang, log_scale, simplified, last_key,
             follow=False):
        """Timer handler: the current plot, status and samples (skipped when unchanged) of
        the learner's job, or with `follow`, of the class run."""
        extra = (bool(log_scale), bool(simplified))
        if follow:
            return self._follow(request, learner, lang, last_key, *extra)
        polled = self.controls.poll(request, learner, lang, last_key, *extra)
        if polled is None:
            return self._nothing(lang, last_key, log_scale, "pre.no_job_yet")
        shown = last_key if isinstance(last_key, Shown) else None
        if shown is not None and polled.key == shown.key:
            return gr.skip(), gr.skip(), gr.skip(), last_key
        log_scale, simplified = extra
        view, now = polled.view, self.clock()
        plot_key = (view.id, len(view.evals), view.state.value, lang, log_scale)
        samples_key = (view.id, len(view.samples), lang, simplified)
        draw_plot = (shown is None or shown.plot != plot_key
                     or now - shown.plot_at >= PLOT_REFRESH_S)
        plot = loss_figure(view.steps, view.evals, log_scale, lang) if draw_plot else gr.skip()
        samples = (self._samples(polled, lang, simplified)
                   if shown is None or shown.samples != samples_key else gr.skip())
        return (plot, status_text(view, lang), samples,
                Shown(polled.key, plot_key, now if draw_plot else shown.plot_at, samples_key))

    def _follow(self, request, learner, lang, last_key, log_scale, simplified):
        """The class run, drawn once per change and shared by every follower in the same
        language and view. Following counts as being here: the follower's own job, if
        they have one, is not taken for abandoned."""
        try:
            self.registry.touch(self.owner(learner, request, lang))   # this learner is here
        except gr.Error:
            pass
        job = self.registry.class_job()
        if job is None:
            return self._nothing(lang, last_key, log_scale, "class.none")
        polled = self.controls.polled(job, lang, "class", log_scale, simplified)
        # A room follows in steps of FOLLOW_REFRESH_S (and at each evaluation, sample and
        # change of state), not at every training step: one drawing serves them all.
        view = polled.view
        polled.key = ("class", view.id, len(view.evals), len(view.samples), view.state.value,
                      lang, bool(log_scale), bool(simplified),
                      int(time.monotonic() // FOLLOW_REFRESH_S))
        if polled.key == last_key:
            return gr.skip(), gr.skip(), gr.skip(), last_key
        drawn = self._class_drawings.get(polled.key)
        if drawn is None:
            plot, status, samples = self._draw(polled, lang, log_scale, simplified)
            # The figure as Gradio sends it (its JSON), made once for every follower.
            drawn = (PlotData(type="plotly", plot=plot.to_json()),
                     t("class.following", lang) + "\n\n" + status, samples)
            if len(self._class_drawings) >= 8:
                self._class_drawings.pop(next(iter(self._class_drawings)))
            self._class_drawings[polled.key] = drawn
        return (*drawn, polled.key)

    @staticmethod
    def _nothing(lang, last_key, log_scale, status_key):
        """An empty figure and table, and a status line (skipped when already shown)."""
        key = ("none", status_key, lang)
        if last_key == key:
            return gr.skip(), gr.skip(), gr.skip(), last_key
        return (loss_figure([], [], bool(log_scale), lang), t(status_key, lang),
                samples_html([], lang), key)

    @staticmethod
    def _draw(polled, lang, log_scale, simplified):
        """(loss figure, status, samples table) of a polled job."""
        view = polled.view
        return (loss_figure(view.steps, view.evals, log_scale, lang), status_text(view, lang),
                Pretrain._samples(polled, lang, simplified))

    @staticmethod
    def _samples(polled, lang, simplified) -> str:
        """The samples table, newest first (a step's poems in title order)."""
        name = polled.job.spec.tokenizer.name
        newest_first = sorted(polled.view.samples, key=lambda s: (-s.step, s.item))
        rows = [(s.step, s.loss, sample_text(s.text, name, simplified)) for s in newest_first]
        return samples_html(rows, lang)


@dataclass(frozen=True)
class Shown:
    """What a page shows of its learner's job: the poll's key, and the keys the curve and
    the samples table were drawn from (the curve's without the step, and when)."""

    key: tuple
    plot: tuple
    plot_at: float
    samples: tuple


def _story_key(corpus: str) -> str:
    return corpus if corpus in CORPORA else OWN_TEXT


def samples_heading(train_cfg, lang) -> str:
    """The samples table's heading: what it shows and how the samples are drawn."""
    top_k = train_cfg.sample_top_k if train_cfg.sample_top_k else t("samp.off", lang)
    how = t("pre.sampling", lang, temperature=train_cfg.sample_temperature, top_k=top_k)
    if train_cfg.sample_stop == "\n\n":
        how += t("pre.sampling_poem", lang)
    return f"**{t('pre.samples', lang)}** · {how}"


# ----- layout --------------------------------------------------------------------------

def build(ctx: AppContext) -> None:
    tab, lang = Pretrain(ctx), ctx.ui_lang
    # The page is the same in every language (the switch sends only its words); a Chinese
    # page opens on its own story through the corpus link's default, below.
    corpus = default_corpus("en")
    story = story_for(corpus)
    cpu, cpu_train = PRESETS[story.preset], TRAIN_PRESETS[story.preset]
    with ctx.tab("pretrain", "pre.tab", "pre.card"):
        gr.Markdown(t("pre.intro", lang))
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                corpus_dd = gr.Dropdown(
                    choices=[(t(f"corpus.{name}", lang), name) for name in CORPORA]
                    + [(t("pre.own_text", lang), OWN_TEXT), (t("pre.upload", lang), UPLOAD)],
                    value=corpus, label=t("pre.corpus", lang))
                story_md = gr.Markdown(t(f"story.{corpus}", lang))
                own_text_box = gr.Textbox(label=t("pre.own_text", lang), lines=6, visible=False,
                                          placeholder=t("pre.own_text_hint", lang))
                upload_file = gr.File(label=t("pre.upload", lang), file_types=[".txt"],
                                      type="filepath", visible=False)
                tokenizer_dd = gr.Dropdown(choices=[(t(f"pre.tok.{k}", lang), k) for k in TOKENIZER_KINDS],
                                           value="auto", label=t("pre.tokenizer", lang))
                preset_dd = gr.Dropdown(choices=[(t(f"preset.{p}", lang), p) for p in PRESET_CHOICES],
                                        value=story.preset, label=t("pre.preset", lang))
                with gr.Accordion(t("pre.settings", lang), open=False):
                    layers_sl = slider(LAYERS._replace(default=cpu.n_layers), t("pre.layers", lang))
                    heads_sl = slider(HEADS._replace(default=cpu.n_heads), t("pre.heads", lang))
                    emb_sl = slider(EMB._replace(default=cpu.emb_dim), t("pre.emb", lang))
                    context_sl = slider(CONTEXT._replace(default=cpu.context_length), t("pre.context", lang))
                    batch_sl = slider(BATCH._replace(default=cpu_train.batch_size), t("pre.batch", lang))
                    steps_num = number_box(STEPS._replace(default=cpu_train.max_steps), t("pre.steps", lang),
                                           info=t("pre.steps_info", lang))
                    lr_num = gr.Number(cpu_train.lr, minimum=LR.low, maximum=LR.high,
                                       label=t("pre.lr", lang))
                    seed_num = number_box(SEED, t("pre.seed", lang))
                    prompt_box = gr.Textbox(story.prompt_text, label=t("pre.prompt", lang),
                                            info=t("pre.prompt_info", lang), max_lines=4)
                # The setup by its names: the API's parameters, PretrainSetup's fields, links.
                setup = dict(corpus=corpus_dd, own_text=own_text_box, upload=upload_file,
                             tokenizer=tokenizer_dd, preset=preset_dd, layers=layers_sl,
                             heads=heads_sl, emb=emb_sl, context=context_sl, batch=batch_sl,
                             steps=steps_num, lr=lr_num, seed=seed_num, prompt=prompt_box)
                setup_md = gr.Markdown(tab.describe(lang, **{k: w.value for k, w in setup.items()}))
                resume_cb = gr.Checkbox(False, label=t("pre.resume", lang))
                start_btn, control_btns, download_files = tab.controls.buttons(lang)
                load_file = gr.File(label=t("pre.load_any", lang),
                                    file_types=[".safetensors", ".zip"],
                                    type="filepath")
                tab.controls.export_box(ctx, lang)
            with gr.Column(scale=2):
                message_md = gr.Markdown()
                status_md = gr.Markdown(t("pre.no_job_yet", lang))
                # Only where an instructor can start a class run (playground/instructor.py).
                follow_cb = gr.Checkbox(False, label=t("class.follow", lang),
                                        info=t("class.follow_info", lang),
                                        visible=instructor_token() is not None)
                with gr.Row():
                    log_cb = gr.Checkbox(False, label=t("pre.log_scale", lang))
                    simplified_cb = gr.Checkbox(False, label=t("pre.simplified", lang))
                loss_plot = gr.Plot(loss_figure([], [], lang=lang), label=t("plot.loss_title", lang))
                samples_md = gr.Markdown(tab.on_sampling(lang, corpus, story.preset))
                samples_out = gr.HTML(samples_html([], lang))
        last_key = gr.State(None)
        timer = gr.Timer(1.0)

        # A link may set the text, the tokenizer, the preset and every number; pasted and
        # uploaded text cannot travel in one. In Chinese the story is the Tang poems'.
        ctx.link("corpus", corpus_dd, private=(OWN_TEXT, UPLOAD), default=dict(DEFAULT_STORIES))
        ctx.link("tokenizer", tokenizer_dd)
        ctx.link("preset", preset_dd)
        for name, rng in (("layers", LAYERS), ("heads", HEADS), ("emb", EMB),
                          ("context", CONTEXT), ("batch", BATCH), ("steps", STEPS), ("lr", LR),
                          ("seed", SEED)):
            ctx.link(name, setup[name], rng)
        ctx.cascade(corpus_dd, tab.on_corpus,
                    [own_text_box, upload_file, preset_dd, tokenizer_dd, prompt_box, story_md])
        ctx.cascade(preset_dd, tab.on_preset,
                    [layers_sl, heads_sl, emb_sl, context_sl, batch_sl, steps_num, lr_num])

        who = [ctx.learner, ctx.lang]
        # One listener per control's `.change` (two on one dropdown can set each other off
        # for ever in Gradio 6's page): how the samples are drawn follows the description.
        described = gr.on([w.change for w in setup.values() if w is not prompt_box], tab.describe,
                          [ctx.lang], setup_md, inputs_kwargs=setup, api_name="describe",
                          trigger_mode="always_last", concurrency_limit=None)
        described.then(tab.on_sampling, [ctx.lang, corpus_dd, preset_dd], samples_md,
                       api_visibility="private", concurrency_limit=None, show_progress="hidden")
        started = start_btn.click(tab.start, who, message_md,
                                  inputs_kwargs={"resume": resume_cb, **setup}, api_name="start",
                                  concurrency_id="pretrain-start", concurrency_limit=2)
        tab.controls.wire(ctx, control_btns, message_md, download_files)
        load_file.upload(tab.load, [*who, load_file], message_md, api_name="load",
                         concurrency_limit=2)
        poll_inputs = [*who, log_cb, simplified_cb, last_key, follow_cb]
        poll_outputs = [loss_plot, status_md, samples_out, last_key]
        # A follower's page keeps asking, at its own pace: the class run is drawn once
        # for all of them.
        poll = tab.controls.wire_poll(timer, tab.tick, poll_inputs, poll_outputs, "poll",
                                      wake=[started],
                                      keep=lambda *rest: FOLLOW_POLL_S if rest[-1] else 0)
        gr.on([log_cb.change, simplified_cb.change, follow_cb.change], poll, poll_inputs,
              [*poll_outputs, timer], show_progress="hidden", api_visibility="private",
              concurrency_limit=None)
        ctx.on_language(tab.story, [ctx.lang, corpus_dd], story_md)
        ctx.on_language(tab.on_sampling, [ctx.lang, corpus_dd, preset_dd], samples_md)
        ctx.on_language(tab.describe, [ctx.lang], setup_md, inputs_kwargs=setup)
        ctx.on_language(tab.tick, poll_inputs, poll_outputs)
