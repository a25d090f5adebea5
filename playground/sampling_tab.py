"""Sampling lab: how the next token is chosen, and how surprised the model is by a text.

Handlers parse the widgets (sliders stop a browser at their ranges; API calls are
checked against the same ranges), call `core/` (analysis, sampling, generation)
and format what comes back with `playground.sampling_plots`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import gradio as gr
import torch

from core.analysis import explain_next_token, position_seed, token_surprisals
from core.chinese import ConversionUnavailable, to_simplified, to_traditional
from core.generate import generate, generate_stream
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import read_number, read_whole
from playground.model_picker import ModelPicker, PickedModel, resolve_model
from playground.sampling_plots import distribution_figure, surprisal_html, token_label
from playground.session import AppContext, learner_key


# (low, high, default): the sliders' ranges, and what an API call may send
TEMPERATURE = (0.0, 3.0, 0.8)
TOP_K = (0, 200, 20)           # 0 = off
TOP_P = (0.01, 1.0, 0.9)       # 1 = off
SEED = (0, 2**31 - 1, 123)
BARS = (5, 50, 25)
N_TOKENS = (1, 300, 40)
COMPARE_DEFAULTS = ((0.0, 0, 1.0), (0.8, 40, 0.95), (1.5, 0, 1.0))
MAX_PROMPT_CHARS = 10_000
MAX_SCORE_CHARS = 5_000
STREAM_EVERY_S = 0.05          # how often a stream updates the page


# ----- reading the input ---------------------------------------------------------------

def _number(value, name: str, low: float, high: float) -> float:
    return read_number(value, t(f"samp.name.{name}"), low, high)


def _whole(value, name: str, low: int, high: int) -> int:
    return read_whole(value, t(f"samp.name.{name}"), low, high)


def _settings(temperature, top_k, top_p) -> tuple[float, int | None, float | None]:
    """Slider values → what core.sampling takes (0 / 1 switch a filter off)."""
    temperature = _number(temperature, "temperature", *TEMPERATURE[:2])
    top_k = _whole(top_k, "top_k", *TOP_K[:2])
    top_p = _number(top_p, "top_p", *TOP_P[:2])
    return temperature, (top_k or None), (top_p if top_p < 1 else None)


def _is_tang(picked: PickedModel) -> bool:
    return picked.tokenizer.name.startswith("tang")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _code(text: str) -> str:
    """Text shown verbatim in Markdown (a token may be `<e4 bd>`, `*` or `_`)."""
    text = text.replace("\n", " ")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


@dataclass
class _Input:
    picked: PickedModel
    text: str                  # what the model reads (traditional for a Tang model)
    ids: list[int]
    notices: list[str] = field(default_factory=list)

    @property
    def context(self) -> int:
        return self.picked.model.cfg.context_length


def _read_input(learner, choice, text, request, *, empty_key: str = "samp.err.empty",
                limit: int = MAX_PROMPT_CHARS) -> _Input:
    """The chosen model and the text as its token ids, with notices for what changed."""
    if text is not None and not isinstance(text, str):
        raise gr.Error(t("samp.err.not_text"))
    if not text or not text.strip():
        raise gr.Error(t(empty_key))
    if len(text) > limit:
        raise gr.Error(t("samp.err.too_long", n=len(text), limit=limit))
    picked = resolve_model(choice, learner_key(learner, request))
    notices = []
    if _is_tang(picked):
        try:
            converted = to_traditional(text)
        except ConversionUnavailable as err:
            notices.append(t("samp.notice.no_opencc", reason=err))
        else:
            if converted != text:
                notices.append(t("samp.notice.converted", before=_code(_short(text)),
                                 after=_code(_short(converted))))
                text = converted
    tokenizer = picked.tokenizer
    unknown = tokenizer.unknown_pieces(text)
    ids = tokenizer.encode(text)
    shown = _code(" ".join(repr(piece) for piece in unknown[:20]) + (" …" if len(unknown) > 20 else ""))
    if not ids:
        raise gr.Error(t("samp.err.nothing_left", pieces=shown))
    if unknown:
        notices.append(t("samp.notice.unknown", n=len(unknown), pieces=shown))
    return _Input(picked, text, ids, notices)


def _cut_notice(n_ids: int, context: int) -> list[str]:
    if n_ids <= context:
        return []
    return [t("samp.notice.cut", n=n_ids, context=context, cut=n_ids - context)]


def _notices(lines: list[str]) -> str:
    return "\n\n".join(f"⚠ {line}" for line in lines)


def _shown(text: str, picked: PickedModel, simplified: bool) -> str:
    """A Tang model's traditional characters, in simplified ones when asked."""
    if not (simplified and _is_tang(picked)):
        return text
    try:
        return to_simplified(text)
    except ConversionUnavailable:
        return text


def _label(picked: PickedModel, token_id: int, simplified: bool, visible_space: bool = True) -> str:
    raw = picked.tokenizer.token_bytes(token_id)
    return _shown(token_label(raw, visible_space), picked, simplified)


def _batch(ids: list[int]) -> torch.Tensor:
    return torch.tensor([ids], dtype=torch.long)   # (1, T): a batch of one


# ----- the next-token view -------------------------------------------------------------

def _view_settings(temperature, top_k, top_p, seed, bars) -> tuple:
    return (*_settings(temperature, top_k, top_p), _whole(seed, "seed", *SEED[:2]),
            _whole(bars, "bars", *BARS[:2]))


def _explain(inp: _Input, ids: list[int], settings: tuple, simplified: bool):
    """The chart and its explanation for the token after `ids`."""
    temperature, top_k, top_p, seed, bars = settings
    picked = inp.picked
    view = explain_next_token(picked.model, ids, inp.context, temperature, top_k, top_p,
                              n_top=bars, seed=position_seed(seed, len(ids)))
    labels = [_label(picked, row.token_id, simplified) for row in view.rows]
    figure = distribution_figure(view, labels, temperature, top_k, top_p)
    drawn = next(row for row in view.rows if row.token_id == view.drawn_id)
    lines = [t("samp.drawn", token=_code(_label(picked, view.drawn_id, simplified)), id=view.drawn_id,
               rank=drawn.rank, vocab=view.vocab_size, p=drawn.p_final)]
    if view.greedy:
        lines.append(t("samp.greedy"))
    else:
        lines.append(t("samp.kept", k=view.n_kept_top_k, p=view.n_kept_top_p, vocab=view.vocab_size))
    lines.append(t("samp.entropies", plain=view.entropy_plain, tempered=view.entropy_tempered,
                   final=view.entropy_final, temperature=temperature, vocab=view.vocab_size,
                   max=math.log(view.vocab_size)))
    notices = inp.notices + _cut_notice(len(ids), inp.context)
    return view, figure, _notices(notices), "\n\n".join(lines)


@friendly
def _next_token(learner, choice, prompt, temperature, top_k, top_p, seed, bars, simplified,
                request: gr.Request, progress=gr.Progress(track_tqdm=True)):
    """Handler: the distribution of the token after the prompt, and the one drawn."""
    settings = _view_settings(temperature, top_k, top_p, seed, bars)
    inp = _read_input(learner, choice, prompt, request)
    _, figure, notices, summary = _explain(inp, inp.ids, settings, simplified)
    return figure, notices, summary


@friendly
def _step(learner, choice, prompt, temperature, top_k, top_p, seed, bars, simplified,
          request: gr.Request, progress=gr.Progress(track_tqdm=True)):
    """Handler: append the drawn token to the prompt, then show the next distribution."""
    settings = _view_settings(temperature, top_k, top_p, seed, bars)
    inp = _read_input(learner, choice, prompt, request)
    view, *_ = _explain(inp, inp.ids, settings, simplified)
    new_prompt = inp.text + inp.picked.tokenizer.decode([view.drawn_id])
    _, figure, notices, summary = _explain(inp, inp.ids + [view.drawn_id], settings, simplified)
    return new_prompt, figure, notices, summary


@friendly
def _generate(learner, choice, prompt, temperature, top_k, top_p, seed, n_tokens, simplified,
              request: gr.Request, progress=gr.Progress(track_tqdm=True)):
    """Handler (streams): the prompt followed by up to N new tokens, as they come."""
    temperature, top_k, top_p = _settings(temperature, top_k, top_p)
    seed = _whole(seed, "seed", *SEED[:2])
    n_tokens = _whole(n_tokens, "n_tokens", *N_TOKENS[:2])
    inp = _read_input(learner, choice, prompt, request)
    picked, notices = inp.picked, inp.notices + _cut_notice(len(inp.ids), inp.context)
    if temperature == 0:
        notices.append(t("samp.greedy"))
    new_ids: list[int] = []
    last_shown = 0.0
    stream = generate_stream(picked.model, _batch(inp.ids), n_tokens, inp.context, temperature,
                             top_k, top_p, eos_id=picked.tokenizer.eos_id, seed=seed)
    for idx_next in stream:
        new_ids.append(int(idx_next[0, 0]))
        now = time.monotonic()
        if now - last_shown >= STREAM_EVERY_S or len(new_ids) == 1:
            last_shown = now
            yield _shown(inp.text + picked.tokenizer.decode(new_ids), picked, simplified), _notices(notices)
    if len(new_ids) < n_tokens:
        notices.append(t("samp.notice.eos", n=len(new_ids)))
    yield _shown(inp.text + picked.tokenizer.decode(new_ids), picked, simplified), _notices(notices)


def _describe_setting(temperature: float, top_k: int | None, top_p: float | None) -> str:
    if temperature == 0:
        return t("samp.setting_greedy")
    off = t("samp.off")
    return t("samp.setting_desc", temperature=temperature, top_k=top_k or off,
             top_p=off if top_p is None else f"{top_p:g}")


@friendly
def _compare(learner, choice, prompt, seed, n_tokens, simplified,
             temperature_1, top_k_1, top_p_1, temperature_2, top_k_2, top_p_2,
             temperature_3, top_k_3, top_p_3, request: gr.Request,
             progress=gr.Progress(track_tqdm=True)):
    """Handler: three continuations of one prompt with one seed, one per setting."""
    seed = _whole(seed, "seed", *SEED[:2])
    n_tokens = _whole(n_tokens, "n_tokens", *N_TOKENS[:2])
    settings = [_settings(*values) for values in ((temperature_1, top_k_1, top_p_1),
                                                  (temperature_2, top_k_2, top_p_2),
                                                  (temperature_3, top_k_3, top_p_3))]
    inp = _read_input(learner, choice, prompt, request)
    picked, texts = inp.picked, []
    for temperature, top_k, top_p in settings:
        out = generate(picked.model, _batch(inp.ids), n_tokens, inp.context, temperature, top_k,
                       top_p, eos_id=picked.tokenizer.eos_id, seed=seed)
        new_ids = out[0, len(inp.ids):].tolist()
        texts.append(_shown(picked.tokenizer.decode(new_ids), picked, simplified))
    done = t("samp.compare_done", seed=seed, n=n_tokens,
             **{f"s{i + 1}": _describe_setting(*s) for i, s in enumerate(settings)})
    notices = _notices(inp.notices + _cut_notice(len(inp.ids), inp.context))
    return *texts, "\n\n".join(filter(None, [notices, done]))


# ----- surprisal -----------------------------------------------------------------------

@friendly
def _surprisal(learner, choice, text, simplified, request: gr.Request,
               progress=gr.Progress(track_tqdm=True)):
    """Handler: the text coloured by -ln p of each token, with the mean loss and perplexity."""
    inp = _read_input(learner, choice, text, request, empty_key="samp.err.empty_text",
                      limit=MAX_SCORE_CHARS)
    if len(inp.ids) < 2:
        raise gr.Error(t("samp.err.two_tokens"))
    picked = inp.picked
    scores = token_surprisals(picked.model, inp.ids, inp.context)
    pieces = [(_label(picked, inp.ids[0], simplified, visible_space=False), None)]
    pieces += [(_label(picked, token_id, simplified, visible_space=False), nats)
               for token_id, nats in scores.pairs]
    vocab = picked.model.cfg.vocab_size
    strip = surprisal_html(pieces, high=math.log(vocab))
    worst_id, worst = max(scores.pairs, key=lambda pair: pair[1])
    lines = [t("samp.surprisal_summary", n=len(scores.pairs), loss=scores.mean_loss,
               ppl=scores.perplexity, vocab=vocab, uniform=math.log(vocab),
               worst=_code(_label(picked, worst_id, simplified)), worst_nats=worst)]
    if scores.windows > 1:
        lines.append(t("samp.surprisal_windows", context=inp.context, windows=scores.windows))
    if inp.notices:
        lines.append(_notices(inp.notices))
    return strip, "\n\n".join(lines)


# ----- layout --------------------------------------------------------------------------

def _sampling_sliders(temperature: float, top_k: int, top_p: float, suffix: str = ""):
    return (gr.Slider(*TEMPERATURE[:2], value=temperature, step=0.05, label=t("samp.temperature") + suffix),
            gr.Slider(*TOP_K[:2], value=top_k, step=1, label=t("samp.top_k") + suffix),
            gr.Slider(*TOP_P[:2], value=top_p, step=0.01, label=t("samp.top_p") + suffix))


def build(ctx: AppContext) -> None:
    learner = ctx.learner
    with gr.Tab(t("samp.tab"), id="sampling") as tab:
        gr.Markdown(t("samp.intro"))
        picker = ModelPicker(ctx)
        picker.attach_refresh(tab.select)
        with gr.Row():
            prompt_box = gr.Textbox(t("samp.default_prompt"), label=t("samp.prompt"), lines=3,
                                    placeholder=t("samp.prompt_hint"), scale=3)
            with gr.Column(scale=1, min_width=240):
                seed_num = gr.Number(SEED[2], precision=0, minimum=SEED[0], maximum=SEED[1],
                                     label=t("samp.seed"))
                simplified_cb = gr.Checkbox(False, label=t("samp.simplified"))
        with gr.Row():
            temperature_sl, top_k_sl, top_p_sl = _sampling_sliders(TEMPERATURE[2], TOP_K[2], TOP_P[2])
        with gr.Row():
            bars_sl = gr.Slider(*BARS[:2], value=BARS[2], step=1, label=t("samp.bars"))
            n_tokens_sl = gr.Slider(*N_TOKENS[:2], value=N_TOKENS[2], step=1, label=t("samp.n_tokens"))
        with gr.Row():
            show_btn = gr.Button(t("samp.show"), variant="primary")
            step_btn = gr.Button(t("samp.step"))
            generate_btn = gr.Button(t("samp.generate"))
        notice_md = gr.Markdown()
        dist_plot = gr.Plot(label=t("samp.plot"))
        summary_md = gr.Markdown()
        generated_box = gr.Textbox(label=t("samp.generated"), lines=4, interactive=False)

        gr.Markdown(t("samp.compare_title"))
        compare_sliders, compare_boxes = [], []
        with gr.Row():
            for n, defaults in enumerate(COMPARE_DEFAULTS, start=1):
                with gr.Column(min_width=220):
                    gr.Markdown(f"**{t('samp.setting', n=n)}**")
                    compare_sliders += _sampling_sliders(*defaults)
                    compare_boxes.append(gr.Textbox(label=t("samp.continuation", n=n), lines=5,
                                                    interactive=False))
        with gr.Row():
            compare_n_sl = gr.Slider(*N_TOKENS[:2], value=N_TOKENS[2], step=1, label=t("samp.n_tokens"))
            compare_btn = gr.Button(t("samp.compare"), variant="primary")
        compare_md = gr.Markdown()

        gr.Markdown(t("samp.surprisal_title"))
        with gr.Row():
            score_box = gr.Textbox(t("samp.default_surprisal"), label=t("samp.surprisal_text"), lines=3,
                                   scale=4)
            score_btn = gr.Button(t("samp.score"), variant="primary", scale=1)
        surprisal_out = gr.HTML()
        surprisal_md = gr.Markdown()

        model_dd = picker.dropdown
        view_inputs = [learner, model_dd, prompt_box, temperature_sl, top_k_sl, top_p_sl, seed_num,
                       bars_sl, simplified_cb]
        gr.on([show_btn.click, prompt_box.submit], _next_token, view_inputs,
              [dist_plot, notice_md, summary_md], api_name="next_token")
        step_btn.click(_step, view_inputs, [prompt_box, dist_plot, notice_md, summary_md],
                       api_name="step")
        generate_btn.click(_generate, [learner, model_dd, prompt_box, temperature_sl, top_k_sl,
                                       top_p_sl, seed_num, n_tokens_sl, simplified_cb],
                           [generated_box, notice_md], api_name="generate",
                           concurrency_id="sampling-generate", concurrency_limit=2)
        compare_btn.click(_compare, [learner, model_dd, prompt_box, seed_num, compare_n_sl,
                                     simplified_cb, *compare_sliders], [*compare_boxes, compare_md],
                          api_name="compare", concurrency_id="sampling-generate",
                          concurrency_limit=2)
        gr.on([score_btn.click, score_box.submit], _surprisal,
              [learner, model_dd, score_box, simplified_cb], [surprisal_out, surprisal_md],
              api_name="surprisal")
