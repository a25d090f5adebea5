"""Attention and positions tab: where each token looks, how that forms while a model
trains, and how a GPT knows where a token is.

Three views over `core/`:
- a prompt's attention on any model in the picker: the grid of every layer × head,
  one head (or a layer's average) enlarged with the tokens on both axes, and the
  share of attention each head gives the first token, the previous one and itself;
- the time-lapse: the attention snapshots the learner's training job takes of a fixed
  probe text (core/probes.py), scrubbed with a slider as the loss falls;
- positional encodings: the sinusoidal one of "Attention Is All You Need" (heatmap,
  waves, similarity) beside a model's learned position embeddings.
"""

from __future__ import annotations

import gradio as gr
import torch

from core.analysis import attention_maps, attention_patterns
from core.positional import learned_positions, position_similarity, sinusoidal_encoding
from core.pretraining import story_for
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import Range, read_in, read_index, slider
from playground.job_controls import poll_while, polling_on
from playground.model_picker import ModelPicker, resolve_model
from playground.plots.attention import (attention_grid, attention_heatmap, encoding_heatmap,
                                        similarity_heatmap, waves_figure)
from playground.prompt import DefaultText, cut_notice, notices_md, read_prompt, token_text
from playground.session import AppContext, learner_key

MAX_GRID_TOKENS = 32      # GPT-2 124M: 12 × 12 heads of 32 × 32 tokens in one figure
MAX_PROMPT_CHARS = 2_000
# One range per control: the slider is made from it and the handler checks against it.
LAYER = Range(0, 47, 0)
HEAD = Range(0, 31, 0)
POSITIONS = Range(4, 512, 64, 4)
DIMS = Range(4, 512, 64, 2)
MAX_WAVES = 8
DEFAULT_WAVES = "0, 1, 6, 7, 20"


def _zoom_title(layer: int, head: int, average: bool, lang) -> str:
    if average:
        return t("att.zoom_avg", lang, layer=layer)
    return t("att.zoom", lang, layer=layer, head=head)


def _patterns_md(weights: torch.Tensor, layer: int, head: int, lang) -> str:
    """What the chosen head does, and which heads stand out, in words."""
    if weights.shape[-1] < 2:
        return t("att.one_token", lang)
    shares = attention_patterns(weights)
    lines = [t("att.pattern_line", lang, layer=layer, head=head,
               first=float(shares.first[layer, head]), previous=float(shares.previous[layer, head]),
               itself=float(shares.itself[layer, head]))]
    for name in ("previous", "first"):
        table = getattr(shares, name)
        value, index = table.flatten().max(0)
        where = divmod(int(index), table.shape[1])
        lines.append(t(f"att.top_{name}", lang, layer=where[0], head=where[1], share=float(value)))
    lines.append(t("att.caveat", lang))
    return "\n\n".join(lines)


class AttentionTab:
    """The tab's handlers, over the registry in the app context."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def _figures(self, weights: torch.Tensor, labels: list[str], layer: int, head: int,
                 average: bool, lang, step: int | None = None):
        """The grid, the enlarged map and the pattern text for weights (L, H, T, T)."""
        grid_weights = weights.mean(dim=1, keepdim=True) if average else weights
        grid = attention_grid(grid_weights.tolist(), lang, averaged=average, step=step)
        matrix = weights[layer].mean(0) if average else weights[layer, head]
        zoom = attention_heatmap(matrix.tolist(), labels, _zoom_title(layer, head, average, lang),
                                 lang)
        return grid, zoom, _patterns_md(weights, layer, head, lang)

    @friendly
    def show(self, request: gr.Request, learner, lang, choice, prompt, layer, head, average):
        """Handler: the prompt's attention on the chosen model."""
        owner = learner_key(learner, request, lang)
        picked = resolve_model(self.ctx.registry, choice, owner, lang, kind="lm")
        cfg, clamped = picked.model.cfg, []
        layer = read_index(LAYER, layer, t("att.layer", lang), cfg.n_layers - 1, clamped, lang)
        head = read_index(HEAD, head, t("att.head", lang), cfg.n_heads - 1, clamped, lang)
        inp = read_prompt(picked, prompt, lang, limit=MAX_PROMPT_CHARS)
        maps = attention_maps(picked.model, inp.ids, max_tokens=MAX_GRID_TOKENS)
        notices = inp.notices + clamped + cut_notice(
            len(inp.ids), min(MAX_GRID_TOKENS, cfg.context_length), lang)
        labels = [token_text(picked.tokenizer, token_id) for token_id in maps.ids]
        grid, zoom, patterns = self._figures(maps.weights, labels, layer, head, bool(average), lang)
        return grid, zoom, notices_md(notices), patterns

    def _lapse_job(self, request, learner, lang):
        """(job, is the class run): the learner's own job, or, without one, the class run
        the whole room can watch."""
        owner = learner_key(learner, request, lang)
        self.ctx.registry.touch(owner)
        job = self.ctx.registry.get(owner)
        class_job = self.ctx.registry.class_job() if job is None else None
        return (class_job, True) if class_job is not None else (job, False)

    def lapse_news(self, request, learner, lang, *rest) -> bool:
        """Whether the time-lapse can still grow: its job has not ended."""
        try:
            job, _ = self._lapse_job(request, learner, lang)
        except gr.Error:
            return False
        return job is not None and job.state.active

    @friendly
    def timelapse(self, request: gr.Request, learner, lang, index, layer, head, average, last_key):
        """Timer and slider handler: attention snapshot number `index` of the learner's job
        (or of the class run)."""
        job, of_class = self._lapse_job(request, learner, lang)
        snapshots = job.view().probes.get("attention", []) if job is not None else []
        if not snapshots:
            message = t("att.no_snapshots" if job is not None else "att.no_job", lang)
            return gr.skip(), gr.skip(), message, gr.update(maximum=1, value=0), last_key
        n = len(snapshots)
        follow = last_key is None or index is None or int(index) >= last_key[1] - 1
        index = n - 1 if follow else min(max(0, int(index)), n - 1)
        cfg = job.spec.model_cfg
        layer = min(read_in(LAYER, layer, t("att.layer", lang), lang), cfg.n_layers - 1)
        head = min(read_in(HEAD, head, t("att.head", lang), lang), cfg.n_heads - 1)
        key = (job.id, n, index, layer, head, bool(average), lang)
        if key == last_key:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), last_key
        snapshot = snapshots[index]
        weights = torch.tensor(snapshot.value["weights"])
        labels = [token_text(job.spec.tokenizer, token_id) for token_id in snapshot.value["ids"]]
        grid, zoom, patterns = self._figures(weights, labels, layer, head, bool(average), lang,
                                             step=snapshot.step)
        evals = [e for e in job.view().evals if e.step <= snapshot.step]
        loss = t("att.snapshot_loss", lang, loss=evals[-1].val_loss) if evals else ""
        status = t("att.snapshot", lang, i=index + 1, n=n, step=snapshot.step, loss=loss)
        if of_class:
            status = t("att.class_run", lang) + " " + status
        return (grid, zoom, status + "\n\n" + patterns,
                gr.update(maximum=max(1, n - 1), value=index), key)

    @friendly
    def positions(self, request: gr.Request, learner, lang, n_positions, d_model, dims, choice):
        """Handler: the sinusoidal encoding beside the chosen model's learned positions."""
        n_positions = read_in(POSITIONS, n_positions, t("att.positions", lang), lang)
        d_model = read_in(DIMS, d_model, t("att.dims", lang), lang)
        if d_model % 2:
            raise gr.Error(t("att.err.odd", lang))
        wanted = _dims(dims, d_model, lang)
        pe = sinusoidal_encoding(n_positions, d_model)
        figures = [encoding_heatmap(pe.tolist(), t("att.pe_title", lang, n=n_positions, d=d_model), lang),
                   waves_figure(pe.tolist(), wanted, t("att.waves_title", lang), lang),
                   similarity_heatmap(position_similarity(pe).tolist(), t("att.sim_title", lang), lang)]
        owner = learner_key(learner, request, lang)
        picked = resolve_model(self.ctx.registry, choice, owner, lang, kind="lm")
        learned = learned_positions(picked.model, n_positions)
        figures += [
            encoding_heatmap(learned.tolist(), t("att.learned_title", lang, label=picked.label,
                                                 n=learned.shape[0], d=learned.shape[1]), lang),
            similarity_heatmap(position_similarity(learned).tolist(),
                               t("att.learned_sim_title", lang), lang)]
        note = t("att.learned_note", lang, context=picked.model.cfg.context_length,
                 n=learned.shape[0]) if learned.shape[0] < n_positions else ""
        return (*figures, note)


def _dims(text, d_model: int, lang) -> list[int]:
    """'0, 1, 6' → [0, 1, 6]: the dimensions to draw as waves."""
    if not isinstance(text, str):
        raise gr.Error(t("att.err.dims", lang, d=d_model - 1))
    try:
        dims = [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
    except ValueError:
        raise gr.Error(t("att.err.dims", lang, d=d_model - 1)) from None
    if not dims or len(dims) > MAX_WAVES or any(not 0 <= d < d_model for d in dims):
        raise gr.Error(t("att.err.dims", lang, d=d_model - 1))
    return list(dict.fromkeys(dims))


def build(ctx: AppContext) -> None:
    tab, lang = AttentionTab(ctx), ctx.ui_lang
    prompt_text = DefaultText(t("att.default_prompt", "en"), story_for("tang").probe_text)
    layer_range, head_range = LAYER._replace(high=11), HEAD._replace(high=11)
    with ctx.tab("attention", "att.tab", "att.card") as page:
        gr.Markdown(t("att.intro", lang))
        picker = ModelPicker(ctx)
        with gr.Row():
            prompt_box = gr.Textbox(prompt_text.english, label=t("att.prompt", lang),
                                    lines=2, scale=3)
            with gr.Column(scale=2, min_width=260):
                layer_sl = slider(layer_range, t("att.layer", lang))
                head_sl = slider(head_range, t("att.head", lang))
                average_cb = gr.Checkbox(False, label=t("att.average", lang))
        prompt_note = gr.Markdown()
        show_btn = gr.Button(t("att.show", lang), variant="primary")
        notice_md = gr.Markdown()
        with gr.Row():
            grid_plot = gr.Plot(label=t("att.grid", lang))
            zoom_plot = gr.Plot(label=t("att.zoom_label", lang))
        patterns_md = gr.Markdown()

        gr.Markdown(t("att.timelapse_title", lang))
        snapshot_sl = gr.Slider(0, 1, value=0, step=1, label=t("att.snapshot_slider", lang))
        lapse_md = gr.Markdown(t("att.no_job", lang))
        with gr.Row():
            lapse_grid = gr.Plot(label=t("att.grid", lang))
            lapse_zoom = gr.Plot(label=t("att.zoom_label", lang))
        lapse_key = gr.State(None)
        timer = gr.Timer(2.0)        # on while the job can take more snapshots

        gr.Markdown(t("att.pe_intro", lang))
        with gr.Row():
            positions_sl = slider(POSITIONS, t("att.positions", lang))
            dims_sl = slider(DIMS, t("att.dims", lang))
            waves_box = gr.Textbox(DEFAULT_WAVES, label=t("att.waves", lang))
        pe_btn = gr.Button(t("att.pe_show", lang), variant="primary")
        with gr.Row():
            pe_plot = gr.Plot(label=t("att.pe_label", lang))
            waves_plot = gr.Plot(label=t("att.waves_label", lang))
            sim_plot = gr.Plot(label=t("att.sim_label", lang))
        with gr.Row():
            learned_plot = gr.Plot(label=t("att.learned_label", lang))
            learned_sim_plot = gr.Plot(label=t("att.learned_sim_label", lang))
        learned_md = gr.Markdown()
        gr.Markdown(t("emb.from_attention", lang))

        for name, widget, rng in (("layer", layer_sl, layer_range), ("head", head_sl, head_range),
                                  ("n_positions", positions_sl, POSITIONS), ("d_model", dims_sl, DIMS)):
            ctx.link(name, widget, rng)
        who = [ctx.learner, ctx.lang]
        show_inputs = [*who, picker.dropdown, prompt_box, layer_sl, head_sl, average_cb]
        show_outputs = [grid_plot, zoom_plot, notice_md, patterns_md]
        gr.on([show_btn.click, prompt_box.submit], tab.show, show_inputs, show_outputs,
              api_name="attention", concurrency_limit=4)
        gr.on([layer_sl.release, head_sl.release, average_cb.change], tab.show, show_inputs,
              show_outputs, api_visibility="private", concurrency_limit=4, trigger_mode="always_last")
        lapse_inputs = [*who, snapshot_sl, layer_sl, head_sl, average_cb, lapse_key]
        lapse_outputs = [lapse_grid, lapse_zoom, lapse_md, snapshot_sl, lapse_key]
        poll_while(timer, tab.timelapse, tab.lapse_news, lapse_inputs, lapse_outputs,
                   "attention_snapshots")
        page.select(polling_on, None, timer, api_visibility="private", show_progress="hidden",
                    concurrency_limit=None)       # a job started in another tab since
        snapshot_sl.release(tab.timelapse, lapse_inputs, lapse_outputs, show_progress="hidden",
                            concurrency_limit=None, api_visibility="private")
        pe_inputs = [*who, positions_sl, dims_sl, waves_box, picker.dropdown]
        pe_outputs = [pe_plot, waves_plot, sim_plot, learned_plot, learned_sim_plot, learned_md]
        pe_btn.click(tab.positions, pe_inputs, pe_outputs, api_name="positions", concurrency_limit=4)
        # First impressions: both views for their defaults when the tab opens.
        page.select(tab.show, show_inputs, show_outputs, api_visibility="private",
                    concurrency_limit=4, show_progress="hidden")
        page.select(tab.positions, pe_inputs, pe_outputs, api_visibility="private",
                    concurrency_limit=4, show_progress="hidden")
        picker.attach_refresh(page.select)
        swap = prompt_text.wire(ctx, picker.dropdown, prompt_box, prompt_note)
        # The tab draws both views when it opens: its pattern text says they are there.
        ctx.on_language(tab.show, show_inputs, show_outputs, when_shown=patterns_md, after=swap)
        ctx.on_language(tab.positions, pe_inputs, pe_outputs, when_shown=patterns_md)
        ctx.on_language(tab.timelapse, lapse_inputs, lapse_outputs)
