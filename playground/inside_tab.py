"""Inside the GPT tab: how each piece of a GPT works, on the learner's own model or
GPT-2, with the numbers of `core/`'s teaching path (core/inside.py, core/anatomy.py).

1. From text to training pairs: the tokens, the sliding window's input and target rows
   as the project's dataset makes them, the prefix → next-token table; then the lookup
   (token-embedding rows + position rows = the input vectors).
2. Attention step by step for one layer, head and query: Q·Kᵀ, ÷ √D, the mask, the
   softmax, the weighted sum, beside the same model untrained (its twin).
3. Anatomy of any preset or model: shapes after each step, parameters per component,
   memory; LayerNorm on one real vector; the book's shortcut-connection demo.
4. The loss by hand: each target's probability, its log, the mean, cross-entropy,
   perplexity, beside ln(vocabulary), the loss of a uniform guess.
5. The logit lens: what each layer would predict.
"""

from __future__ import annotations

import gradio as gr

from core.anatomy import anatomy_steps, memory_mb, parameter_counts, shortcut_gradients
from core.config import PRESETS, GPTConfig, get_preset
from core.data import window_rows
from core.gradient_descent import next_token_pairs
from core.inside import (attention_step, embedding_lookup, layer_norm_step, logit_lens,
                         loss_by_hand)
from core.pretrained import GPT2_HUB_SIZES, gpt2_hub_config
from core.pretraining import story_for
from core.tokenizer import BPETokenizer, SimpleTokenizer, Tokenizer
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import Range, number_box, read_in, read_index, slider
from playground.model_picker import ModelPicker, PickedModel, resolve_model, untrained_twin
from playground.plots.inside import (attention_step_figure, embedding_lookup_figure,
                                     layer_norm_figure, logit_lens_figure, shortcut_figure)
from playground.prompt import (DefaultText, PromptInput, check_text, notices_md, read_prompt,
                               token_text)
from playground.session import AppContext, learner_key
from playground.tokenizer_tab import CHAR_SOURCES, vocabulary_tokenizer

MAX_TEXT_CHARS = 2_000
MAX_TOKENS = 64          # the traced views keep every layer's numbers; their tables stay readable
MAX_LOOKUP_TOKENS = 16   # embedding rows drawn (every dimension of each)
MAX_WINDOWS = 40
MAX_PREFIX_ROWS = 24
TOKENIZERS = ("gpt2", "char", "simple")
PICKED = "picked"        # the anatomy of the model chosen in the picker
HUB = "hub:"             # the anatomy of a hub GPT-2 as the picker loads it
# One range per control: the widget is made from it and the handler checks against it.
MAX_LENGTH = Range(1, 32, 4)
STRIDE = Range(0, 32, 1)          # 0 is allowed to be tried: the handler says why it is refused
LAYER = Range(0, 47, 0)
HEAD = Range(0, 31, 0)
QUERY = Range(0, MAX_TOKENS - 1, 4)
LN_LAYER = Range(0, 47, 0)
LN_TOKEN = Range(0, MAX_TOKENS - 1, 4)
SEED = Range(0, 2**31 - 1, 123)


def _pieces(tokenizer: Tokenizer, ids: list[int], spaced: bool = False) -> list[str]:
    """How each token reads in a table: BPE and characters with visible spaces; the
    book's word tokenizer drops spaces, so with `spaced` its words get one back."""
    if isinstance(tokenizer, SimpleTokenizer):
        return [tokenizer.words[i] + (" " if spaced else "") for i in ids]
    return [token_text(tokenizer, i) for i in ids]


def _numbers(values, digits: int = 4) -> str:
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


def _fmt(value: float) -> str:
    """A table number: 4 decimals, −∞ for a masked score."""
    return "−∞" if value == float("-inf") else f"{value:.4f}"


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(f"{d:,}" if isinstance(d, int) else d for d in shape) + ")"


def _config_line(cfg: GPTConfig, name: str, lang) -> str:
    yes, no = t("inside.yes", lang), t("inside.no", lang)
    return t("inside.anat.config", lang, name=name, vocab=cfg.vocab_size,
             context=cfg.context_length, dim=cfg.emb_dim, layers=cfg.n_layers,
             heads=cfg.n_heads, bias=yes if cfg.qkv_bias else no,
             tied=yes if cfg.tie_weights else no)


def anatomy_choices(lang) -> list[tuple[str, str]]:
    """The configs the anatomy describes: the hub's GPT-2 as loaded, every preset, and
    the model picked above."""
    hub = [(t("inside.anat.hub", lang, name=name), HUB + name) for name in GPT2_HUB_SIZES]
    presets = [(t("inside.anat.preset", lang, name=name), name) for name in PRESETS]
    return presets[:2] + hub + presets[2:] + [(t("inside.anat.picked", lang), PICKED)]


class InsideTab:
    """The tab's handlers, over the registry in the app context."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    # --- reading the widgets ---------------------------------------------------------
    def _picked(self, request, learner, lang, model) -> PickedModel:
        # No request and no learner: the page being built draws a shared model for no one.
        owner = None if request is None and learner is None else learner_key(learner, request,
                                                                             lang)
        return resolve_model(self.ctx.registry, model, owner, lang, kind="lm")

    def _read(self, request, learner, lang, model, text, extra: int = 0
              ) -> tuple[PickedModel, PromptInput]:
        """The picked model and the text as its ids: at most MAX_TOKENS (+ `extra`) and
        the model's context; a clear message otherwise."""
        picked = self._picked(request, learner, lang, model)
        inp = read_prompt(picked, text, lang, empty_key="err.empty_text", limit=MAX_TEXT_CHARS)
        limit = min(MAX_TOKENS, picked.model.cfg.context_length) + extra
        if len(inp.ids) > limit:
            raise gr.Error(t("inside.err.too_many_tokens", lang, n=len(inp.ids), limit=limit))
        return picked, inp

    @staticmethod
    def _position(value, rng: Range, key: str, n: int, lang) -> int:
        """A token position, checked against its Range and the text's n tokens."""
        position = read_in(rng, value, t(key, lang), lang)
        if position >= n:
            raise gr.Error(t("inside.err.position", lang, name=t(key, lang), value=position,
                             n=n, last=n - 1))
        return position

    # --- 1. from text to training pairs ----------------------------------------------
    @staticmethod
    def _tokenizer(kind: str, vocabulary: str, text: str, lang) -> Tokenizer:
        if kind not in TOKENIZERS:
            raise gr.Error(t("inside.err.tokenizer", lang, kind=kind))
        if kind == "gpt2":
            return BPETokenizer()
        return vocabulary_tokenizer(vocabulary, text, lang, kind=kind)

    @friendly
    def pairs(self, lang, text: str, tokenizer: str, vocabulary: str, max_length: float,
              stride: float):
        """Handler: tokens, the dataset's window rows and the prefix → next-token table."""
        text = check_text(text, lang, "err.empty_text", MAX_TEXT_CHARS)
        max_length = read_in(MAX_LENGTH, max_length, t("inside.max_length", lang), lang)
        stride = read_in(STRIDE, stride, t("inside.stride", lang), lang)
        if stride == 0:
            raise gr.Error(t("inside.err.stride0", lang))
        tok = self._tokenizer(tokenizer, vocabulary, text, lang)
        ids = tok.encode(text)
        if len(ids) < max_length + 1:
            raise gr.Error(t("inside.err.window", lang, n=len(ids), need=max_length + 1,
                             max_length=max_length))
        rows, n_windows = window_rows(ids, max_length, stride, MAX_WINDOWS)
        windows = [[w, w * stride, str(x), str(y), "|".join(_pieces(tok, x)),
                    "|".join(_pieces(tok, y))] for w, (x, y) in enumerate(rows)]
        shown = ids[:MAX_PREFIX_ROWS]
        prefix = next_token_pairs(_pieces(tok, shown, spaced=True))
        if len(ids) > len(shown):                        # the text goes on: no END yet
            prefix = prefix[:-1]
        prefix_rows = [[n, context, answer] for n, (context, answer) in enumerate(prefix, 1)]
        counts = [t("inside.pairs.counts", lang, n=len(ids), vocab=tok.n_vocab,
                    windows=n_windows, max_length=max_length, stride=stride)]
        counts.append(self._three_counts(text, vocabulary, lang))
        if n_windows > len(rows):
            counts.append(t("inside.pairs.windows_cut", lang, shown=len(rows), n=n_windows))
        highlight = [(piece, str(i % 2)) for i, piece in enumerate(_pieces(tok, ids, spaced=True))]
        return "\n\n".join(counts), highlight, windows, prefix_rows

    def _three_counts(self, text: str, vocabulary: str, lang) -> str:
        """The same text's token count under all three tokenizers."""
        counts = {kind: len(self._tokenizer(kind, vocabulary, text, lang).encode(text))
                  for kind in TOKENIZERS}
        return t("inside.pairs.three", lang, chars=len(text), bpe=counts["gpt2"],
                 char=counts["char"], words=counts["simple"])

    @friendly
    def lookup(self, request: gr.Request, learner: str | None, lang, model: str, text: str):
        """Handler: ids → token-embedding rows + position rows = the input vectors."""
        picked, inp = self._read(request, learner, lang, model, text)
        ids = inp.ids[:MAX_LOOKUP_TOKENS]
        look = embedding_lookup(picked.model, ids)
        labels = [token_text(picked.tokenizer, i) for i in ids]
        figure = embedding_lookup_figure(look.token_rows.tolist(), look.position_rows.tolist(),
                                         look.inputs.tolist(), labels, lang)
        cfg = picked.model.cfg
        lines = [t("inside.lookup.summary", lang, label=picked.label, n=len(inp.ids),
                   ids=str(ids), vocab=cfg.vocab_size, context=cfg.context_length,
                   dim=cfg.emb_dim)]
        if len(inp.ids) > len(ids):
            lines.append(t("inside.lookup.cut", lang, shown=len(ids), n=len(inp.ids)))
        return notices_md(inp.notices) + "\n\n" + "\n\n".join(lines), figure

    # --- 2. attention step by step ---------------------------------------------------
    @friendly
    def attention(self, request: gr.Request, learner: str | None, lang, model: str, text: str,
                  layer: float, head: float, query: float):
        """Handler: one head's attention for one query, the untrained twin beside the model."""
        picked, inp = self._read(request, learner, lang, model, text)
        cfg, notices = picked.model.cfg, list(inp.notices)
        layer = read_index(LAYER, layer, t("inside.layer", lang), cfg.n_layers - 1, notices, lang)
        head = read_index(HEAD, head, t("inside.head", lang), cfg.n_heads - 1, notices, lang)
        query = self._position(query, QUERY, "inside.query", len(inp.ids), lang)
        labels = [token_text(picked.tokenizer, i) for i in inp.ids]
        twin = untrained_twin(picked, lang)
        outputs = []
        for shown in (twin, picked):
            step = attention_step(shown.model, inp.ids, layer, head)
            outputs += [self._step_md(shown, step, labels, query, lang),
                        self._step_rows(step, labels, query),
                        attention_step_figure(
                            step.scores_raw.tolist(), step.scores_scaled.tolist(),
                            step.scores_masked.tolist(), step.weights.tolist(),
                            step.values.tolist(), step.context.tolist(), labels, query, lang)]
        return (notices_md(notices), *outputs)

    @staticmethod
    def _step_rows(step, labels: list[str], query: int) -> list[list]:
        """One row per key: its token, q·k, ÷ √D, after the mask, the softmax weight."""
        return [[k, labels[k], _fmt(float(step.scores_raw[query, k])),
                 _fmt(float(step.scores_scaled[query, k])),
                 _fmt(float(step.scores_masked[query, k])), _fmt(float(step.weights[query, k]))]
                for k in range(len(labels))]

    @staticmethod
    def _step_md(shown: PickedModel, step, labels: list[str], query: int, lang) -> str:
        context = step.context[query]
        return t("inside.att.model_md", lang, label=shown.label, layer=step.layer, head=step.head,
                 query=query, token=labels[query], d=step.head_dim,
                 sqrt=step.head_dim ** 0.5, weight=float(step.weights[query].max()),
                 looked_at=labels[int(step.weights[query].argmax())],
                 context=_numbers(context[:6].tolist(), 3))

    # --- 3. anatomy ------------------------------------------------------------------
    def _config(self, request, learner, lang, config: str, model: str) -> tuple[GPTConfig, str]:
        """The config the anatomy describes, and its name as shown."""
        if config == PICKED:
            picked = self._picked(request, learner, lang, model)
            return picked.model.cfg, picked.label
        if isinstance(config, str) and config.startswith(HUB) and config[len(HUB):] in GPT2_HUB_SIZES:
            return gpt2_hub_config(config[len(HUB):]), t("inside.anat.hub", lang,
                                                         name=config[len(HUB):])
        if config not in PRESETS:
            raise gr.Error(t("inside.err.config", lang, config=config))
        return get_preset(config), t("inside.anat.preset", lang, name=config)

    @friendly
    def anatomy(self, request: gr.Request, learner: str | None, lang, config: str, model: str):
        """Handler: shapes after each step, parameters per component, totals and memory."""
        cfg, name = self._config(request, learner, lang, config, model)
        layers = t("inside.anat.per_block", lang, n=cfg.n_layers)
        steps = [[t(f"inside.step.{s.key}", lang), _shape(s.shape),
                  f"{s.params:,}" + (f" {layers}" if s.in_block and s.params else "")]
                 for s in anatomy_steps(cfg)]
        if cfg.tie_weights:
            steps[-1][2] = t("inside.anat.shared", lang)
        counts = parameter_counts(cfg)
        params = [[t(f"inside.part.{key}", lang), f"{n:,}",
                   f"{100 * n / counts.without_tying:.2f}%"] for key, n in counts.components.items()]
        summary = [_config_line(cfg, name, lang),
                   t("inside.anat.totals", lang,
                     without=counts.without_tying, with_tying=counts.with_tying,
                     fp32_without=memory_mb(counts.without_tying),
                     bf16_without=memory_mb(counts.without_tying, 2),
                     fp32_with=memory_mb(counts.with_tying),
                     bf16_with=memory_mb(counts.with_tying, 2)),
                   t("inside.anat.this_tied" if counts.tied else "inside.anat.this_untied", lang,
                     total=counts.total, fp32=memory_mb(counts.total))]
        return "\n\n".join(summary), steps, params

    @friendly
    def layer_norm(self, request: gr.Request, learner: str | None, lang, model: str, text: str,
                   layer: float, token: float):
        """Handler: one real token vector through the first LayerNorm of a block."""
        picked, inp = self._read(request, learner, lang, model, text)
        notices = list(inp.notices)
        layer = read_index(LN_LAYER, layer, t("inside.layer", lang),
                           picked.model.cfg.n_layers - 1, notices, lang)
        token = self._position(token, LN_TOKEN, "inside.token", len(inp.ids), lang)
        step = layer_norm_step(picked.model, inp.ids, layer, token)
        label = token_text(picked.tokenizer, inp.ids[token])
        title = t("inside.ln.title", lang, layer=layer, position=token, token=label)
        figure = layer_norm_figure(step.x.tolist(), step.normalised.tolist(),
                                   step.output.tolist(), title, lang)
        (n_mean, n_var), (o_mean, o_var) = step.normalised_stats, step.output_stats
        summary = t("inside.ln.summary", lang, mean=step.mean, var=step.var, eps=step.eps,
                    n_mean=n_mean, n_var=n_var, o_mean=o_mean, o_var=o_var)
        return notices_md(notices) + "\n\n" + summary, figure

    @friendly
    def shortcuts(self, lang, seed: float):
        """Handler: the book's five-layer network's gradients without and with shortcuts."""
        seed = read_in(SEED, seed, t("inside.seed", lang), lang)
        without, with_shortcut = shortcut_gradients(False, seed), shortcut_gradients(True, seed)
        rows = "\n".join(t("inside.sc.row", lang, n=i + 1, without=a, with_shortcut=b)
                         for i, (a, b) in enumerate(zip(without, with_shortcut)))
        summary = t("inside.sc.summary", lang, seed=seed, ratio=with_shortcut[0] / without[0])
        return summary + "\n\n" + t("inside.sc.header", lang) + "\n" + rows, shortcut_figure(
            without, with_shortcut, lang)

    # --- 4. the loss by hand ---------------------------------------------------------
    @friendly
    def loss(self, request: gr.Request, learner: str | None, lang, model: str, text: str):
        """Handler: the text's loss as probabilities, logs and a mean, beside ln V."""
        picked, inp = self._read(request, learner, lang, model, text, extra=1)
        if len(inp.ids) < 2:
            raise gr.Error(t("inside.err.two_tokens", lang))
        hand = loss_by_hand(picked.model, inp.ids)
        twin = loss_by_hand(untrained_twin(picked, lang).model, inp.ids)
        label = [token_text(picked.tokenizer, i) for i in inp.ids]
        rows = [[n, label[n], label[n + 1], f"{float(p):.4f}", f"{float(lp):.4f}"]
                for n, (p, lp) in enumerate(zip(hand.probs, hand.log_probs))]
        summary = t("inside.loss.summary", lang, label=picked.label, n=len(rows),
                    mean=hand.mean_log_prob, loss=hand.loss, ppl=hand.perplexity,
                    vocab=hand.vocab_size, chance=hand.chance_loss, twin=twin.loss,
                    twin_ppl=twin.perplexity)
        return notices_md(inp.notices) + "\n\n" + summary, rows

    # --- 5. the logit lens -----------------------------------------------------------
    @friendly
    def lens(self, request: gr.Request, learner: str | None, lang, model: str, text: str):
        """Handler: the top next token each layer would predict, at every position."""
        picked, inp = self._read(request, learner, lang, model, text)
        seen = logit_lens(picked.model, inp.ids, top_k=5)
        tok = picked.tokenizer
        labels = [token_text(tok, i) for i in inp.ids]
        top_labels = [[[token_text(tok, i) for i in position] for position in layer]
                      for layer in seen.top_ids.tolist()]
        figure = logit_lens_figure(labels, top_labels, seen.top_probs.tolist(),
                                   [token_text(tok, i) for i in seen.final_ids.tolist()],
                                   seen.final_rank.tolist(), seen.final_prob.tolist(), lang)
        L = picked.model.cfg.n_layers
        settled = seen.settled_layer.float().mean().item()
        summary = t("inside.lens.summary", lang, label=picked.label, layers=L, settled=settled)
        return notices_md(inp.notices) + "\n\n" + summary + "\n\n" + t("inside.lens.caveat", lang), figure


def build(ctx: AppContext) -> None:
    tab, lang = InsideTab(ctx), ctx.ui_lang
    text0 = t("inside.default_text", lang)
    first_pairs = tab.pairs(lang, text0, "gpt2", "the-verdict", MAX_LENGTH.default, STRIDE.default)
    first_anatomy = tab.anatomy(None, None, lang, "gpt2-124m", None)
    first_shortcuts = tab.shortcuts(lang, SEED.default)
    # GPT-2 124M's 12 layers and heads on the sliders; a handler clamps to the model's own.
    layer_range, head_range = LAYER._replace(high=11), HEAD._replace(high=11)
    ln_layer_range = LN_LAYER._replace(high=11)
    with ctx.tab("inside", "inside.tab", "inside.card") as page:
        gr.Markdown(t("inside.intro", lang))
        picker = ModelPicker(ctx)
        # First impressions: every view of the picker's first model (the shared untrained
        # one), drawn once with the page. Not on the tab's `.select`: such a draw, asked for
        # before a learner's pick and click, could land after their own and replace it.
        first = {name: getattr(tab, name)(None, None, lang, picker.dropdown.value, text0, *args)
                 for name, args in (("lookup", ()),
                                    ("attention", (LAYER.default, HEAD.default, QUERY.default)),
                                    ("layer_norm", (LN_LAYER.default, LN_TOKEN.default)),
                                    ("loss", ()), ("lens", ()))}
        text_box = gr.Textbox(text0, label=t("inside.text", lang), lines=2, max_lines=6)
        # A Tang model reads no English: picking one swaps the example for a poem's lines.
        swap = DefaultText(t("inside.default_text", "en"), story_for("tang").probe_text).wire(
            ctx, picker.dropdown, text_box)
        who = [ctx.learner, ctx.lang]
        on_model = [*who, picker.dropdown, text_box]

        with gr.Accordion(t("inside.pairs.title", lang), open=True):
            gr.Markdown(t("inside.pairs.intro", lang))
            with gr.Row():
                tokenizer_radio = gr.Radio(
                    [(t(f"inside.tokenizer.{kind}", lang), kind) for kind in TOKENIZERS],
                    value="gpt2", label=t("inside.tokenizer", lang), scale=2)
                vocabulary_dd = gr.Dropdown(
                    [(t("tok.source.this" if s == "this-text" else f"corpus.{s}", lang), s)
                     for s in CHAR_SOURCES],
                    value="the-verdict", label=t("inside.vocabulary", lang),
                    info=t("inside.vocabulary_info", lang), scale=2)
                max_length_sl = slider(MAX_LENGTH, t("inside.max_length", lang), scale=1)
                stride_sl = slider(STRIDE, t("inside.stride", lang), scale=1)
            pairs_btn = gr.Button(t("inside.pairs.run", lang), variant="primary")
            pairs_md = gr.Markdown(first_pairs[0])
            tokens_hl = gr.HighlightedText(first_pairs[1], label=t("inside.tokens", lang),
                                           combine_adjacent=False, show_legend=False,
                                           show_inline_category=False,
                                           color_map={"0": "#fde68a", "1": "#bfdbfe"})
            windows_df = gr.Dataframe(
                first_pairs[2], label=t("inside.windows", lang), interactive=False,
                headers=[t(f"inside.col.{c}", lang) for c in
                         ("window", "start", "x_ids", "y_ids", "x_tokens", "y_tokens")],
                column_widths=["7%", "8%", "19%", "19%", "23%", "24%"], max_height=360,
                wrap=True)
            prefix_df = gr.Dataframe(
                first_pairs[3], label=t("inside.prefix", lang), interactive=False,
                headers=[t(f"inside.col.{c}", lang) for c in ("n", "context", "next")],
                column_widths=["6%", "64%", "30%"], max_height=360, wrap=True)
            gr.Markdown(t("inside.lookup.intro", lang))
            lookup_btn = gr.Button(t("inside.lookup.run", lang))
            lookup_md = gr.Markdown(first["lookup"][0])
            lookup_plot = gr.Plot(first["lookup"][1], label=t("inside.lookup.plot", lang))

        with gr.Accordion(t("inside.att.title", lang), open=True):
            gr.Markdown(t("inside.att.intro", lang))
            with gr.Row():
                layer_sl = slider(layer_range, t("inside.layer", lang))
                head_sl = slider(head_range, t("inside.head", lang))
                query_sl = slider(QUERY, t("inside.query", lang))
            att_btn = gr.Button(t("inside.att.run", lang), variant="primary")
            att_notice = gr.Markdown(first["attention"][0])
            att_headers = [t(f"inside.col.{c}", lang) for c in
                           ("key", "token", "raw", "scaled", "masked", "weight")]
            side = []
            with gr.Row():
                for n, side_key in enumerate(("twin", "model")):
                    md, rows, figure = first["attention"][1 + 3 * n:4 + 3 * n]
                    with gr.Column(min_width=420):
                        gr.Markdown(t(f"inside.att.{side_key}_placeholder", lang))
                        side += [gr.Markdown(md),
                                 gr.Dataframe(rows, headers=att_headers, interactive=False,
                                              label=t("inside.att.table", lang), max_height=420),
                                 gr.Plot(figure, label=t("inside.att.plot", lang))]

        with gr.Accordion(t("inside.anat.title", lang), open=True):
            gr.Markdown(t("inside.anat.intro", lang))
            with gr.Row():
                config_dd = gr.Dropdown(anatomy_choices(lang), value="gpt2-124m",
                                        label=t("inside.anat.config_label", lang), scale=3)
                anatomy_btn = gr.Button(t("inside.anat.run", lang), variant="primary", scale=1)
            anatomy_md = gr.Markdown(first_anatomy[0])
            with gr.Row():
                steps_df = gr.Dataframe(
                    first_anatomy[1], interactive=False, label=t("inside.anat.steps", lang),
                    headers=[t(f"inside.col.{c}", lang) for c in ("step", "shape", "params")],
                    column_widths=["50%", "20%", "30%"], max_height=720, wrap=True, scale=3)
                params_df = gr.Dataframe(
                    first_anatomy[2], interactive=False, label=t("inside.anat.parts", lang),
                    headers=[t(f"inside.col.{c}", lang) for c in ("part", "params", "share")],
                    column_widths=["50%", "32%", "18%"], wrap=True, scale=2)
            gr.Markdown(t("inside.ln.intro", lang))
            with gr.Row():
                ln_layer_sl = slider(ln_layer_range, t("inside.layer", lang))
                ln_token_sl = slider(LN_TOKEN, t("inside.token", lang))
                ln_btn = gr.Button(t("inside.ln.run", lang))
            ln_md = gr.Markdown(first["layer_norm"][0])
            ln_plot = gr.Plot(first["layer_norm"][1], label=t("inside.ln.plot", lang))
            gr.Markdown(t("inside.sc.intro", lang))
            with gr.Row():
                seed_box = number_box(SEED, t("inside.seed", lang))
                sc_btn = gr.Button(t("inside.sc.run", lang))
            with gr.Row():
                sc_md = gr.Markdown(first_shortcuts[0])
                sc_plot = gr.Plot(first_shortcuts[1], label=t("inside.sc.plot", lang))

        with gr.Accordion(t("inside.loss.title", lang), open=True):
            gr.Markdown(t("inside.loss.intro", lang))
            loss_btn = gr.Button(t("inside.loss.run", lang), variant="primary")
            loss_md = gr.Markdown(first["loss"][0])
            loss_df = gr.Dataframe(
                first["loss"][1], headers=[t(f"inside.col.{c}", lang) for c in ("pos", "reads", "target", "p", "ln_p")],
                interactive=False, label=t("inside.loss.table", lang), max_height=420)

        with gr.Accordion(t("inside.lens.title", lang), open=True):
            gr.Markdown(t("inside.lens.intro", lang))
            lens_btn = gr.Button(t("inside.lens.run", lang), variant="primary")
            lens_md = gr.Markdown(first["lens"][0])
            lens_plot = gr.Plot(first["lens"][1], label=t("inside.lens.plot", lang))

        # A link sets every choice and number (the text is the learner's to type).
        for name, widget, rng in (("tokenizer", tokenizer_radio, None),
                                  ("vocabulary", vocabulary_dd, None),
                                  ("max_length", max_length_sl, MAX_LENGTH),
                                  ("stride", stride_sl, STRIDE), ("layer", layer_sl, layer_range),
                                  ("head", head_sl, head_range), ("query", query_sl, QUERY),
                                  ("config", config_dd, None),
                                  ("ln_layer", ln_layer_sl, ln_layer_range),
                                  ("ln_token", ln_token_sl, LN_TOKEN), ("seed", seed_box, SEED)):
            ctx.link(name, widget, rng)
        # Read-only views: the cheap ones without a concurrency limit, the traced ones 4 at once.
        pairs_inputs = [ctx.lang, text_box, tokenizer_radio, vocabulary_dd, max_length_sl, stride_sl]
        pairs_outputs = [pairs_md, tokens_hl, windows_df, prefix_df]
        pairs_btn.click(tab.pairs, pairs_inputs, pairs_outputs, api_name="inside_pairs",
                        concurrency_limit=None)
        # `.change`, not `.release`: a workshop link's window and stride redraw the rows too.
        gr.on([tokenizer_radio.change, vocabulary_dd.change, max_length_sl.change,
               stride_sl.change], tab.pairs, pairs_inputs, pairs_outputs,
              api_visibility="private", concurrency_limit=None, trigger_mode="always_last")
        # (button, handler, inputs, outputs, API name)
        views = [
            (lookup_btn, tab.lookup, on_model, [lookup_md, lookup_plot], "inside_lookup"),
            (att_btn, tab.attention, [*on_model, layer_sl, head_sl, query_sl],
             [att_notice, *side], "inside_attention"),
            (ln_btn, tab.layer_norm, [*on_model, ln_layer_sl, ln_token_sl], [ln_md, ln_plot],
             "inside_layer_norm"),
            (loss_btn, tab.loss, on_model, [loss_md, loss_df], "inside_loss"),
            (lens_btn, tab.lens, on_model, [lens_md, lens_plot], "inside_lens"),
        ]
        for button, handler, inputs, outputs, api_name in views:
            button.click(handler, inputs, outputs, api_name=api_name, concurrency_limit=4)
            # After a language switch, every view is drawn again in the new language.
            ctx.on_language(handler, inputs, outputs, after=swap)
        anatomy_inputs = [*who, config_dd, picker.dropdown]
        anatomy_outputs = [anatomy_md, steps_df, params_df]
        anatomy_btn.click(tab.anatomy, anatomy_inputs, anatomy_outputs, api_name="inside_anatomy",
                          concurrency_limit=None)
        config_dd.change(tab.anatomy, anatomy_inputs, anatomy_outputs, api_visibility="private",
                         concurrency_limit=None)
        sc_btn.click(tab.shortcuts, [ctx.lang, seed_box], [sc_md, sc_plot],
                     api_name="inside_shortcuts", concurrency_limit=None)
        picker.attach_refresh(page.select)
        # Drawn when the page is built: redrawn at every switch.
        ctx.on_language(tab.pairs, pairs_inputs, pairs_outputs, after=swap)
        ctx.on_language(tab.anatomy, anatomy_inputs, anatomy_outputs)
        ctx.on_language(tab.shortcuts, [ctx.lang, seed_box], [sc_md, sc_plot])
