"""Pretrain tab: train a GPT live, watch the loss fall and the samples turn into words.

Handlers parse the widgets, call `core/` (corpora, tokenizers, trainer, jobs) and
format what comes back. The job itself lives in the shared registry, keyed by the
learner, and a `gr.Timer` polls it once a second.
"""

from __future__ import annotations

import math
import re
import tempfile
import threading
from pathlib import Path

import gradio as gr
import torch

from core.checkpoint import load_checkpoint
from core.chinese import to_simplified
from core.config import PRESETS, GPTConfig
from core.corpora import (CORPORA, check_user_text, corpus_tokenizer,
                          decode_upload, load_corpus)
from core.data import tokenize_and_split
from core.jobs import JobSpec, JobState, SavedModel, TrainingJob
from core.model import GPTModel, count_parameters
from core.runtime import pick_device
from core.tokenizer import BPETokenizer, CharTokenizer, SubsetBPETokenizer
from core.train import TRAIN_PRESETS, TrainConfig, check_split, estimate_step_seconds
from playground.errors import USER_ERRORS, friendly
from playground.i18n import t
from playground.inputs import read_whole
from playground.plots import loss_figure
from playground.session import REGISTRY, AppContext, learner_key

OWN_TEXT, UPLOAD = "own-text", "upload"
TOKENIZER_KINDS = ("auto", "char", "gpt2-subset", "gpt2")
PRESET_CHOICES = ("cpu-demo", "tang-char", "tang-tutorial", "tiny", "gpt2-124m", "gpt2-355m")
# The book trains GPT-2 124M on the-verdict with a 256-token context.
MODEL_OVERRIDES = {"gpt2-124m": {"context_length": 256}, "gpt2-355m": {"context_length": 256}}
MAX_UPLOAD_BYTES = 5_000_000
MAX_LOAD_BYTES = 2_000_000_000

# Checkpoints a learner loaded, kept so Start can continue from them (behind a lock).
_LOADED: dict[str, object] = {}
_LOADED_LOCK = threading.Lock()


# ----- reading the setup ---------------------------------------------------------------

def _corpus_text(corpus: str, own_text: str | None, upload: bytes | str | None) -> tuple[str, str]:
    """(text, display name) of the chosen corpus."""
    if corpus == OWN_TEXT:
        return check_user_text(own_text or ""), t("pre.own_text")
    if corpus == UPLOAD:
        if upload is None:
            raise ValueError(t("pre.err.no_upload"))
        raw = Path(upload).read_bytes() if isinstance(upload, str) else bytes(upload)
        return decode_upload(raw, MAX_UPLOAD_BYTES), t("pre.upload")
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}")
    return load_corpus(corpus), corpus


def _tokenizer(corpus: str, kind: str, text: str):
    if kind not in TOKENIZER_KINDS:
        raise ValueError(f"unknown tokenizer {kind!r}")
    if corpus in CORPORA:
        return corpus_tokenizer(corpus, None if kind == "auto" else kind)
    if kind in ("auto", "char"):
        return CharTokenizer.from_text(text, name="own-char")
    return SubsetBPETokenizer.from_text(text, "own-gpt2-subset") if kind == "gpt2-subset" else BPETokenizer()


def _model_config(preset, layers, heads, emb, context, vocab_size) -> GPTConfig:
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}")
    base = PRESETS[preset]
    return base.replace(vocab_size=vocab_size, n_layers=read_whole(layers, "layers", 1, 48),
                        n_heads=read_whole(heads, "heads", 1, 32), emb_dim=read_whole(emb, "embedding size", 8, 2048),
                        context_length=read_whole(context, "context", 4, 2048))


def _train_config(preset, batch, steps, lr, seed, sample_prompt) -> TrainConfig:
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise ValueError("learning rate must be a number") from None
    base = TRAIN_PRESETS.get(preset, TRAIN_PRESETS["cpu-demo"])
    cfg = TrainConfig(**{**base.__dict__, "batch_size": read_whole(batch, "batch size", 1, 512),
                         "max_steps": read_whole(steps, "steps", 1, 1_000_000), "lr": lr,
                         "seed": read_whole(seed, "seed", 0, 2**31 - 1), "sample_prompt": sample_prompt})
    cfg.warmup_steps = min(cfg.warmup_steps, max(0, cfg.max_steps // 10))
    cfg.check()
    return cfg


def _sample_prompt(corpus: str, text: str) -> str:
    if corpus in CORPORA:
        return CORPORA[corpus].sample_prompt
    return text.strip()[:12]


def _describe_config(cfg: GPTConfig, batch: int) -> str:
    with torch.device("meta"):
        params = count_parameters(GPTModel(cfg))
    seconds = estimate_step_seconds(cfg, batch)
    return t("pre.setup_info", params=params, tokens=batch * cfg.context_length,
             time=f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s",
             vocab=cfg.vocab_size)


# ----- handlers ------------------------------------------------------------------------

def _on_preset(preset: str):
    if preset not in PRESETS:
        raise gr.Error(f"unknown preset {preset!r}")
    cfg = PRESETS[preset].replace(**MODEL_OVERRIDES.get(preset, {}))
    train = TRAIN_PRESETS.get(preset, TRAIN_PRESETS["cpu-demo"])
    return (cfg.n_layers, cfg.n_heads, cfg.emb_dim, cfg.context_length, train.batch_size,
            train.max_steps, train.lr)


def _on_corpus(corpus: str):
    return gr.update(visible=corpus == OWN_TEXT), gr.update(visible=corpus == UPLOAD)


@friendly
def _describe(corpus, own_text, upload, kind, preset, layers, heads, emb, context, batch):
    try:
        text, _ = _corpus_text(corpus, own_text, upload)
        vocab = _tokenizer(corpus, kind, text).n_vocab
    except USER_ERRORS as err:
        return t("pre.setup_problem", reason=err)
    cfg = _model_config(preset, layers, heads, emb, context, vocab)
    return _describe_config(cfg, read_whole(batch, "batch size", 1, 512))


@friendly
def _start(learner, corpus, own_text, upload, kind, preset, layers, heads, emb, context, batch,
           steps, lr, seed, resume, request: gr.Request):
    owner = learner_key(learner, request)
    REGISTRY.touch(owner)
    text, corpus_name = _corpus_text(corpus, own_text, upload)
    loaded = _LOADED.get(owner) if resume else None
    if loaded is not None:
        tokenizer, model_cfg = loaded.tokenizer, loaded.model.cfg
    else:
        tokenizer = _tokenizer(corpus, kind, text)
        model_cfg = _model_config(preset, layers, heads, emb, context, tokenizer.n_vocab)
    train_ids, val_ids = tokenize_and_split(text, tokenizer)
    check_split(train_ids, model_cfg.context_length, "training")
    check_split(val_ids, model_cfg.context_length, "validation")
    train_cfg = _train_config(preset, batch, steps, lr, seed, _sample_prompt(corpus, text))
    spec = JobSpec(label=t("pre.job_label", corpus=corpus_name, preset=preset),
                   model_cfg=model_cfg, train_cfg=train_cfg, tokenizer=tokenizer,
                   train_tokens=train_ids, val_tokens=val_ids, corpus=corpus_name)
    if loaded is not None:
        if train_cfg.max_steps <= loaded.step:
            raise ValueError(t("pre.err.resume_steps", step=loaded.step))
        spec.init_state = loaded.model.state_dict()
        spec.init_optimizer = loaded.meta.get("_optimizer_state")
        spec.start_step = loaded.step
    job = TrainingJob(owner, spec, device=pick_device())
    ahead = REGISTRY.submit(owner, job)
    return t("pre.started", seed=train_cfg.seed) if ahead == 0 else t("pre.queued", n=ahead)


def _control(action: str):
    @friendly
    def handler(learner, request: gr.Request):
        owner = learner_key(learner, request)
        job = REGISTRY.get(owner)
        if job is None:
            return t("pre.no_job")
        if action == "pause":
            job.pause()
        elif action == "resume":
            job.resume()
        else:
            REGISTRY.stop(owner)
        return t(f"pre.did_{action}")
    handler.__name__ = f"_{action}"
    return handler


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:60] or "model"


@friendly
def _save(learner, request: gr.Request):
    owner = learner_key(learner, request)
    job = REGISTRY.get(owner)
    if job is None:
        raise gr.Error(t("pre.no_job"))
    folder = Path(tempfile.gettempdir()) / "llm-playground" / _safe_name(owner)
    view = job.view()
    weights = Path(job.save(folder / _safe_name(f"{job.spec.corpus}-step{view.step}")))
    return [str(weights), str(weights.with_suffix(".json"))], t("pre.saved", step=view.step)


@friendly
def _load(learner, file_path, request: gr.Request):
    owner = learner_key(learner, request)
    if not file_path:
        raise gr.Error(t("pre.err.no_checkpoint"))
    path = Path(file_path)
    if path.suffix != ".safetensors":
        raise gr.Error(t("pre.err.not_safetensors"))
    if path.stat().st_size > MAX_LOAD_BYTES:
        raise gr.Error(t("pre.err.too_big"))
    checkpoint, optimizer = load_checkpoint(path, optimizer_factory=_plain_optimizer)
    checkpoint.meta["_optimizer_state"] = optimizer.state_dict() if checkpoint.meta.get("optimizer") else None
    with _LOADED_LOCK:
        _LOADED[owner] = checkpoint
    label = checkpoint.meta.get("extra", {}).get("label") or path.stem
    REGISTRY.add_model(owner, SavedModel(f"{label} · step {checkpoint.step}", checkpoint.model.eval(),
                                         checkpoint.tokenizer))
    return t("pre.loaded", step=checkpoint.step, params=count_parameters(checkpoint.model))


def _plain_optimizer(model):
    from core.runtime import make_optimizer
    return make_optimizer(model)


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _status(view) -> str:
    lines = [t(f"pre.state.{view.state.value}", step=view.step, max_steps=view.max_steps)]
    if view.queue_position:
        lines.append(t("pre.queued", n=view.queue_position))
    if view.last is not None:
        lines.append(t("pre.stats", tps=view.last.tokens_per_s, elapsed=_fmt_seconds(view.last.elapsed_s),
                       eta=_fmt_seconds(view.eta_s), loss=view.last.loss, lr=view.last.lr,
                       grad=view.last.grad_norm, seed=view.seed, params=view.params))
    if view.evals:
        last = view.evals[-1]
        lines.append(t("pre.eval", train=last.train_loss, val=last.val_loss,
                       ppl=last.val_perplexity))
    if view.overfitting:
        lines.append(t("pre.overfitting"))
    if view.reason and view.state in (JobState.FAILED, JobState.STOPPED):
        lines.append(t("pre.reason", reason=view.reason))
    return "\n\n".join(lines)


def _sample_text(text: str, tokenizer_name: str, simplified: bool) -> str:
    """Tang samples are in traditional characters; optionally show them simplified."""
    return to_simplified(text) if simplified and tokenizer_name.startswith("tang") else text


def _tick(learner, log_scale, simplified, last_key, request: gr.Request):
    """Timer handler: the current plot, status and samples (skipped when unchanged)."""
    try:
        owner = learner_key(learner, request)
    except gr.Error:
        return gr.skip(), gr.skip(), gr.skip(), last_key
    REGISTRY.touch(owner)
    job = REGISTRY.get(owner)
    if job is None:
        return gr.skip(), t("pre.no_job_yet"), gr.skip(), last_key
    view = job.view(REGISTRY.queue_position(job))
    key = (view.id, view.step, len(view.evals), len(view.samples), view.state.value,
           bool(log_scale), bool(simplified))
    if key == last_key:
        return gr.skip(), gr.skip(), gr.skip(), last_key
    name = job.spec.tokenizer.name
    samples = [[s.step, round(s.loss, 3), _sample_text(s.text, name, simplified)]
               for s in reversed(view.samples)]
    return loss_figure(view.steps, view.evals, bool(log_scale)), _status(view), samples, key


# ----- layout --------------------------------------------------------------------------

def build(ctx: AppContext) -> None:
    learner = ctx.learner
    cpu = PRESETS["cpu-demo"]
    cpu_train = TRAIN_PRESETS["cpu-demo"]
    with gr.Tab(t("pre.tab"), id="pretrain"):
        gr.Markdown(t("pre.intro"))
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                corpus_dd = gr.Dropdown(
                    choices=[(t(f"corpus.{name}"), name) for name in CORPORA]
                    + [(t("pre.own_text"), OWN_TEXT), (t("pre.upload"), UPLOAD)],
                    value="the-verdict", label=t("pre.corpus"))
                own_text_box = gr.Textbox(label=t("pre.own_text"), lines=6, visible=False,
                                          placeholder=t("pre.own_text_hint"))
                upload_file = gr.File(label=t("pre.upload"), file_types=[".txt"], type="filepath",
                                      visible=False)
                tokenizer_dd = gr.Dropdown(choices=[(t(f"pre.tok.{k}"), k) for k in TOKENIZER_KINDS],
                                           value="auto", label=t("pre.tokenizer"))
                preset_dd = gr.Dropdown(choices=[(t(f"preset.{p}"), p) for p in PRESET_CHOICES],
                                        value="cpu-demo", label=t("pre.preset"))
                with gr.Accordion(t("pre.settings"), open=False):
                    layers_sl = gr.Slider(1, 24, value=cpu.n_layers, step=1, label=t("pre.layers"))
                    heads_sl = gr.Slider(1, 16, value=cpu.n_heads, step=1, label=t("pre.heads"))
                    emb_sl = gr.Slider(16, 1024, value=cpu.emb_dim, step=16, label=t("pre.emb"))
                    context_sl = gr.Slider(8, 1024, value=cpu.context_length, step=8, label=t("pre.context"))
                    batch_sl = gr.Slider(1, 64, value=cpu_train.batch_size, step=1, label=t("pre.batch"))
                    steps_num = gr.Number(value=cpu_train.max_steps, precision=0, label=t("pre.steps"))
                    lr_num = gr.Number(value=cpu_train.lr, label=t("pre.lr"))
                    seed_num = gr.Number(value=123, precision=0, label=t("pre.seed"))
                setup_md = gr.Markdown()
                resume_cb = gr.Checkbox(False, label=t("pre.resume"))
                with gr.Row():
                    start_btn = gr.Button(t("pre.start"), variant="primary")
                    pause_btn = gr.Button(t("pre.pause"))
                    resume_btn = gr.Button(t("pre.resume_btn"))
                    stop_btn = gr.Button(t("pre.stop"), variant="stop")
                with gr.Row():
                    save_btn = gr.Button(t("pre.save"))
                download_files = gr.File(label=t("pre.download"), file_count="multiple",
                                         interactive=False)
                load_file = gr.File(label=t("pre.load"), file_types=[".safetensors"], type="filepath")
            with gr.Column(scale=2):
                message_md = gr.Markdown()
                status_md = gr.Markdown(t("pre.no_job_yet"))
                with gr.Row():
                    log_cb = gr.Checkbox(False, label=t("pre.log_scale"))
                    simplified_cb = gr.Checkbox(False, label=t("pre.simplified"))
                loss_plot = gr.Plot(label=t("plot.loss_title"))
                samples_df = gr.Dataframe(headers=[t("pre.col_step"), t("pre.col_loss"), t("pre.col_sample")],
                                          label=t("pre.samples"), wrap=True, interactive=False,
                                          max_height=420, column_widths=["10%", "10%", "80%"])
        last_key = gr.State(None)
        timer = gr.Timer(1.0)

        setup_inputs = [corpus_dd, own_text_box, upload_file, tokenizer_dd, preset_dd, layers_sl,
                        heads_sl, emb_sl, context_sl, batch_sl]
        preset_dd.change(_on_preset, preset_dd,
                         [layers_sl, heads_sl, emb_sl, context_sl, batch_sl, steps_num, lr_num],
                         api_visibility="private")
        corpus_dd.change(_on_corpus, corpus_dd, [own_text_box, upload_file], api_visibility="private")
        gr.on([c.change for c in setup_inputs], _describe, setup_inputs, setup_md,
              api_name="describe", trigger_mode="always_last")
        start_btn.click(_start, [learner, *setup_inputs, steps_num, lr_num, seed_num, resume_cb],
                        message_md, api_name="start", concurrency_id="pretrain-start",
                        concurrency_limit=2)
        for btn, action in ((pause_btn, "pause"), (resume_btn, "resume"), (stop_btn, "stop")):
            btn.click(_control(action), learner, message_md, api_name=action, concurrency_limit=None)
        save_btn.click(_save, learner, [download_files, message_md], api_name="save")
        load_file.upload(_load, [learner, load_file], message_md, api_name="load")
        poll_inputs = [learner, log_cb, simplified_cb, last_key]
        timer.tick(_tick, poll_inputs, [loss_plot, status_md, samples_df, last_key],
                   show_progress="hidden", concurrency_limit=None, api_name="poll")
        gr.on([log_cb.change, simplified_cb.change], _tick, poll_inputs, [loss_plot, status_md, samples_df, last_key],
                      show_progress="hidden", api_visibility="private")
