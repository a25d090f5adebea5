"""Embeddings tab: what a token's vector means, and the vectors organising while a model
trains.

Four views over `core/embeddings.py`, on any model in the picker:
- neighbours: the k tokens (or positions) whose vectors point most alike;
- analogies: a − b + c and the tokens nearest it (GPT-2's words with their leading space);
- the map: many vectors on the plane of their two main directions, coloured by class;
- the film: the map frames the learner's training job takes (core/probes.py), turned
  onto each other and played with the loss at each frame.
Searching GPT-2's 50,257 rows is the expensive part: its unit rows are made once per
model (`UnitRowsCache`) and at most two such searches run at a time.
"""

from __future__ import annotations

import contextlib
import threading
import time

import gradio as gr
import torch

from core.embeddings import (analogy, analogy_vector, align_frames, corpus_of, has_learned_positions,
                             map_token_ids, neighbour_table, neighbours, position_vectors, project_2d,
                             rank_of, token_class, token_vectors, unit_rows, UnitRowsCache)
from core.tokenizer import BPETokenizer, SubsetBPETokenizer, Tokenizer
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import Range, read_in, slider
from playground.model_picker import FRESH, ModelPicker, PickedModel, resolve_model
from playground.plots.embeddings import map_film, position_map, token_map
from playground.prompt import code, for_tang, token_text
from playground.session import AppContext, learner_key

# One range per control: the slider is made from it and the handler checks against it.
K = Range(1, 50, 10)
MAP_TOKENS = Range(10, 1000, 300, 10)
MAP_LABELS = Range(0, 300, 80, 5)
FRAME = Range(0, 59, 0)                  # a job keeps at most 60 frames (core/jobs.py)
VECTORS = ("tokens", "positions")
MAX_TOKEN_CHARS = 100
HOVER_NEIGHBOURS = 5
BIG_VOCAB = 10_000                       # GPT-2 sized: searches wait for one of two slots
WAIT_FOR_JOB_S = 120                     # the film polls this long for a job to appear
TYPED = {"␣": " ", "↵": "\n", "⇥": "\t", "␀": "\0", "\\n": "\n", "\\t": "\t"}


def _is_bpe(tokenizer: Tokenizer) -> bool:
    return isinstance(tokenizer, (BPETokenizer, SubsetBPETokenizer))


def _typed(text) -> str:
    """What the learner meant: the visible stand-ins of the map's labels (␣ ↵ ⇥ ␀) and
    \\n, \\t as the characters they stand for."""
    if not isinstance(text, str):
        return ""
    if text in TYPED:
        return TYPED[text]
    for shown, char in TYPED.items():
        if len(shown) == 1:
            text = text.replace(shown, char)
    return text


def _class(tokenizer: Tokenizer, token_id: int) -> str:
    """The token's class (a piece of a UTF-8 character is "other")."""
    try:
        return token_class(tokenizer.token_bytes(token_id).decode("utf-8"))
    except UnicodeDecodeError:
        return token_class(None)


def _shown(word: str) -> str:
    """A typed word in Markdown, its spaces visible (GPT-2's " king" as ␣king)."""
    return code(word.replace(" ", "␣").replace("\n", "↵"))


class Lookup:
    """A typed word as the model's tokens: their ids and labels, and how it was read."""

    def __init__(self, word: str, ids: list[int], tokenizer: Tokenizer, spaced: str | None,
                 notices: list[str]):
        self.word, self.ids, self.spaced, self.notices = word, ids, spaced, notices
        self.labels = [token_text(tokenizer, i) for i in ids]


def _lookup(picked: PickedModel, text, as_word: bool, lang) -> Lookup:
    """The token(s) of a typed word, or a gr.Error that says why there are none. For GPT-2's
    BPE a word gets its leading space (" king" is the word, "king" a piece)."""
    text = _typed(text)
    if text == "":
        raise gr.Error(t("emb.err.empty", lang))
    if len(text) > MAX_TOKEN_CHARS:
        raise gr.Error(t("emb.err.too_long", lang, n=len(text), limit=MAX_TOKEN_CHARS))
    tokenizer, notices = picked.tokenizer, []
    text = for_tang(text, tokenizer, lang, notices)
    spaced = None                          # the word as typed, when its space was added
    if as_word and _is_bpe(tokenizer) and not text[0].isspace():
        if tokenizer.unknown_pieces(" " + text) and not tokenizer.unknown_pieces(text):
            notices.append(t("emb.unspaced", lang, spaced=_shown(" " + text), plain=_shown(text)))
        else:
            spaced, text = text, " " + text
    unknown = tokenizer.unknown_pieces(text)
    ids = [i for i in tokenizer.encode(text) if i < picked.model.cfg.vocab_size]
    if unknown or not ids:
        pieces = " ".join(_shown(piece) for piece in (unknown or [text])[:10])
        raise gr.Error(t("emb.err.unknown", lang, vocab=tokenizer.n_vocab, pieces=pieces))
    return Lookup(text, ids, tokenizer, spaced, notices)


def _spaced_notice(found: Lookup, lang) -> list[str]:
    if found.spaced is None:
        return []
    return [t("emb.spaced", lang, spaced=_shown(found.word), plain=_shown(found.spaced))]


def _one_token(found: Lookup, lang) -> int:
    if len(found.ids) != 1:
        raise gr.Error(t("emb.err.analogy_pieces", lang, word=_shown(found.word), n=len(found.ids),
                         pieces=" · ".join(code(label) for label in found.labels)))
    return found.ids[0]


def _notices_md(lines: list[str]) -> str:
    return "\n\n".join(lines)


def _rows(ids: list[int], scores: list[float], name) -> list[list]:
    """The table: rank, the token (or position) as `name(id)` shows it, id, cosine."""
    return [[n, name(i), i, round(score, 4)] for n, (i, score) in enumerate(zip(ids, scores), 1)]


def _table_headers(lang) -> list[str]:
    return [t(key, lang) for key in ("emb.col_rank", "emb.col_token", "emb.col_id", "emb.col_cosine")]


def _empty_tables(lang, *shown: str) -> tuple:
    """Language-switch handler: each table not drawn yet (its text above it is empty) empty
    under the new language's headers; Gradio draws an empty table's headers from its value,
    not from `headers`. Drawn tables are redrawn by their own views."""
    return tuple(gr.skip() if text else {"headers": _table_headers(lang), "data": []}
                 for text in shown)


def _near_text(labels: list[str], scores: list[float]) -> str:
    return ", ".join(f"{label} ({score:.2f})" for label, score in zip(labels, scores))


class EmbeddingsTab:
    """The tab's handlers, over the registry in the app context."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self.unit_rows = UnitRowsCache()
        self.big_searches = threading.BoundedSemaphore(2)

    # ----- shared steps ------------------------------------------------------------
    def _model(self, request, learner, lang, choice) -> PickedModel:
        return resolve_model(self.ctx.registry, choice, learner_key(learner, request, lang), lang)

    def _slot(self, weight: torch.Tensor):
        """A turn for a search over a GPT-2-sized matrix (at most two at once)."""
        return self.big_searches if weight.shape[0] >= BIG_VOCAB else contextlib.nullcontext()

    def _vectors(self, picked: PickedModel, which, lang) -> torch.Tensor:
        if which not in VECTORS:
            raise gr.Error(t("emb.err.vectors", lang))
        if which == "tokens":
            return token_vectors(picked.model)
        if not has_learned_positions(picked.model):
            raise gr.Error(t("emb.err.no_positions", lang))
        return position_vectors(picked.model)

    # ----- neighbours ----------------------------------------------------------------
    @friendly
    def find_neighbours(self, request: gr.Request, learner, lang, choice, vectors, token, piece,
                        k, as_word):
        """Handler: the k nearest tokens (or positions) of the typed one, with cosines."""
        k = read_in(K, k, t("emb.k", lang), lang)
        picked = self._model(request, learner, lang, choice)
        weight = self._vectors(picked, vectors, lang)
        if vectors == "positions":
            return self._position_neighbours(picked, weight, token, k, lang)
        found = _lookup(picked, token, bool(as_word), lang)
        chosen = found.labels.index(piece) if piece in found.labels else 0
        notices = found.notices + _spaced_notice(found, lang)
        if len(found.ids) > 1:
            notices.append(t("emb.pieces", lang, word=_shown(found.word), n=len(found.ids),
                             pieces=" · ".join(code(label) for label in found.labels),
                             piece=code(found.labels[chosen])))
        token_id = found.ids[chosen]
        with self._slot(weight):
            ids, scores = neighbours(self.unit_rows.get(weight), token_id, k)
        head = t("emb.neighbours_of", lang, token=code(found.labels[chosen]), id=token_id,
                 n=weight.shape[0], label=picked.label)
        if choice == FRESH:
            notices.append(t("emb.untrained", lang))
        rows = _rows(ids, scores, lambda i: token_text(picked.tokenizer, i))
        pieces = gr.update(choices=found.labels if len(found.ids) > 1 else [],
                           value=found.labels[chosen] if len(found.ids) > 1 else None)
        return _notices_md([head, *notices]), pieces, rows

    def _position_neighbours(self, picked: PickedModel, weight, typed, k: int, lang):
        last = weight.shape[0] - 1
        text = typed.strip() if isinstance(typed, str) else ""
        if not (text.isdigit() and int(text) <= last):
            raise gr.Error(t("emb.err.position", lang, last=last))
        ids, scores = neighbours(self.unit_rows.get(weight), int(text), k)
        name = t("emb.col_position", lang)
        head = t("emb.positions_of", lang, position=int(text), n=weight.shape[0], label=picked.label)
        return head, gr.update(choices=[], value=None), _rows(ids, scores, lambda i: f"{name} {i}")

    # ----- analogies -----------------------------------------------------------------
    @friendly
    def solve_analogy(self, request: gr.Request, learner, lang, choice, a, b, c, expected, k,
                      as_word):
        """Handler: a − b + c and the k tokens nearest it (a, b and c left out)."""
        k = read_in(K, k, t("emb.k", lang), lang)
        picked = self._model(request, learner, lang, choice)
        words = [_lookup(picked, word, bool(as_word), lang) for word in (a, b, c)]
        a_id, b_id, c_id = (_one_token(found, lang) for found in words)
        weight = token_vectors(picked.model)
        with self._slot(weight):
            unit = self.unit_rows.get(weight)
            ids, scores = analogy(unit, a_id, b_id, c_id, k)
            lines = [t("emb.analogy_head", lang, a=code(words[0].labels[0]), b=code(words[1].labels[0]),
                       c=code(words[2].labels[0]), label=picked.label)]
            lines += [notice for found in words for notice in found.notices]
            if any(found.spaced is not None for found in words):
                lines.append(t("emb.analogy_spaced", lang,
                               tokens=", ".join(code(f.labels[0]) for f in words)))
            if isinstance(expected, str) and expected.strip():
                lines.append(self._expected_line(picked, unit, (a_id, b_id, c_id), expected,
                                                 bool(as_word), k, lang))
        return _notices_md(lines), _rows(ids, scores, lambda i: token_text(picked.tokenizer, i))

    @staticmethod
    def _expected_line(picked, unit, abc, expected, as_word, k, lang) -> str:
        """Where the expected answer came, and one honest sentence when it did not."""
        try:
            found = _lookup(picked, expected.strip(), as_word, lang)
        except gr.Error as err:                  # not in the vocabulary: say so, keep the rest
            return str(err.message)
        shown = code(found.labels[0]) if len(found.ids) == 1 else _shown(found.word)
        if len(found.ids) != 1:
            return t("emb.expected_pieces", lang, expected=shown, n=len(found.ids))
        rank, score = rank_of(unit, analogy_vector(unit, *abc), found.ids[0], exclude=abc)
        if rank <= k:
            return t("emb.analogy_hit", lang, expected=shown, rank=rank, score=score)
        return t("emb.analogy_miss", lang, expected=shown, rank=rank, n=unit.shape[0] - 3, score=score)

    # ----- the map -------------------------------------------------------------------
    @friendly
    def draw_map(self, request: gr.Request, learner, lang, choice, vectors, tokens, labelled):
        """Handler: the chosen vectors on the plane of their two main directions."""
        tokens = read_in(MAP_TOKENS, tokens, t("emb.map_tokens", lang), lang)
        labelled = read_in(MAP_LABELS, labelled, t("emb.map_labels", lang), lang)
        picked = self._model(request, learner, lang, choice)
        weight = self._vectors(picked, vectors, lang)
        if vectors == "positions":
            return self._position_map(picked, weight, tokens, labelled, lang)
        ids, by_frequency = map_token_ids(picked.tokenizer, weight.shape[0], tokens)
        projection = project_2d(weight[ids])
        with self._slot(weight):
            near_ids, near_scores = neighbour_table(self.unit_rows.get(weight), ids, HOVER_NEIGHBOURS)
        labels = [token_text(picked.tokenizer, i) for i in ids]
        classes = [_class(picked.tokenizer, i) for i in ids]
        hover = [t("emb.plot.hover", lang, token=label, cls=t(f"emb.class.{cls}", lang),
                   near=_near_text([token_text(picked.tokenizer, j) for j in near], scores))
                 for label, cls, near, scores in zip(labels, classes, near_ids, near_scores)]
        title = t("emb.plot.map_title", lang, label=picked.label, n=len(ids))
        figure = token_map(projection.points.tolist(), labels, classes,
                           [n < labelled for n in range(len(ids))], hover, title, lang)
        how = (t("emb.map_how.frequent", lang, corpus=corpus_of(picked.tokenizer)) if by_frequency
               else t("emb.map_how.first", lang))
        return figure, t("emb.map_note", lang, n=len(ids), how=how, share=sum(projection.explained))

    def _position_map(self, picked, weight, tokens, labelled, lang):
        n = min(tokens, weight.shape[0])
        projection = project_2d(weight[:n])
        near_ids, near_scores = neighbour_table(unit_rows(weight[:n]), list(range(n)),
                                                min(HOVER_NEIGHBOURS, n - 1))
        hover = [t("emb.plot.position_hover", lang, position=p,
                   near=_near_text([str(j) for j in near], scores))
                 for p, (near, scores) in enumerate(zip(near_ids, near_scores))]
        every = max(1, -(-n // max(1, labelled))) if labelled else n + 1
        title = t("emb.plot.positions_title", lang, label=picked.label, last=n - 1)
        figure = position_map(projection.points.tolist(), [p % every == 0 for p in range(n)],
                              hover, title, lang)
        return figure, t("emb.positions_note", lang, n=n, context=weight.shape[0],
                         share=sum(projection.explained))

    # ----- the film ------------------------------------------------------------------
    @friendly
    def film(self, request: gr.Request, learner, lang, frame, labelled, last_key):
        """Timer and slider handler: the learner's job's map frames, aligned, with the loss."""
        owner = learner_key(learner, request, lang)
        self.ctx.registry.touch(owner)
        job = self.ctx.registry.get(owner)
        view = job.view() if job is not None else None
        frames = view.probes.get("embedding_map", []) if view is not None else []
        if not frames:      # no job yet: wait a while (Start may be on its way), then rest
            waiting = last_key if last_key and last_key[0] == "waiting" else ("waiting", time.monotonic())
            active = ((view is not None and view.state.active)
                      or time.monotonic() - waiting[1] < WAIT_FOR_JOB_S)
            message = t("emb.no_frames" if job is not None else "emb.no_job", lang)
            return gr.skip(), message, gr.update(maximum=1, value=0), waiting, gr.Timer(active=active)
        ids = frames[-1].value["ids"]
        frames = [f for f in frames if f.value["ids"] == ids]
        n = len(frames)
        follow = (last_key is None or last_key[0] != job.id or frame is None
                  or int(frame) >= last_key[2] - 1)
        index = n - 1 if follow else min(read_in(FRAME, frame, t("emb.frame_slider", lang), lang),
                                         n - 1)
        labelled = read_in(MAP_LABELS, labelled, t("emb.map_labels", lang), lang)
        key = (job.id, view.state.value, n, index, labelled, lang)
        polling = gr.Timer(active=view.state.active)
        if key == last_key:
            return gr.skip(), gr.skip(), gr.skip(), last_key, polling
        aligned = align_frames([torch.tensor(f.value["points"]) for f in frames])
        titles = [self._frame_title(view.evals, f.step, lang) for f in frames]
        tokenizer = job.spec.tokenizer
        labels = [token_text(tokenizer, i) for i in ids]
        classes = [_class(tokenizer, i) for i in ids]
        figure = map_film([[[round(v, 4) for v in p] for p in a.tolist()] for a in aligned],
                          labels, classes, [m < labelled for m in range(len(ids))], titles, index, lang)
        status = t("emb.frame_status", lang, i=index + 1, n=n, step=frames[index].step,
                   loss=self._loss_text(view.evals, frames[index].step, lang))
        return (figure, status, gr.update(maximum=max(1, n - 1), value=index), key, polling)

    def film_opened(self, request: gr.Request, learner, lang, frame, labelled, last_key):
        """Tab-select handler: the film afresh, polling again while a job may be starting."""
        return self.film(request, learner, lang, frame, labelled, None)

    def film_again(self, request: gr.Request, learner, lang, frame, labelled, last_key):
        """Language-switch handler: the film in `lang`; before the tab has drawn it (no key
        yet), only its status line, so a switch starts no polling."""
        if last_key is None:
            return gr.skip(), t("emb.no_job", lang), gr.skip(), gr.skip(), gr.skip()
        return self.film(request, learner, lang, frame, labelled, last_key)

    @staticmethod
    def _loss_text(evals, step: int, lang) -> str:
        """The last evaluation at or before `step`, as text ('' before the first)."""
        before = [e for e in evals if e.step <= step]
        return t("emb.plot.frame_loss", lang, loss=before[-1].val_loss) if before else ""

    def _frame_title(self, evals, step: int, lang) -> str:
        return t("emb.plot.frame_title", lang, step=step, loss=self._loss_text(evals, step, lang))


def build(ctx: AppContext) -> None:
    tab, lang = EmbeddingsTab(ctx), ctx.ui_lang
    with ctx.tab("embeddings", "emb.tab", "emb.card") as page:
        gr.Markdown(t("emb.intro", lang))
        picker = ModelPicker(ctx)
        with gr.Row():
            vectors_radio = gr.Radio([(t(f"emb.vectors.{v}", lang), v) for v in VECTORS],
                                     value="tokens", label=t("emb.vectors", lang))
            as_word_cb = gr.Checkbox(True, label=t("emb.as_word", lang))
            k_sl = slider(K, t("emb.k", lang))

        gr.Markdown(t("emb.neighbours_title", lang))
        with gr.Row():
            token_box = gr.Textbox(t("emb.default_token", lang), label=t("emb.token", lang), scale=2)
            piece_dd = gr.Dropdown(choices=[], value=None, label=t("emb.piece", lang), scale=2,
                                   allow_custom_value=True)
            find_btn = gr.Button(t("emb.find", lang), variant="primary", scale=1)
        neighbours_md = gr.Markdown()
        table_headers = _table_headers(lang)
        neighbours_df = gr.Dataframe(headers=table_headers, interactive=False, max_height=360)

        gr.Markdown(t("emb.analogy_title", lang))
        with gr.Row():
            a_box, b_box, c_box, expected_box = (
                gr.Textbox(t(default, lang), label=t(label, lang)) for default, label in (
                    ("emb.default_a", "emb.a"), ("emb.default_b", "emb.b"),
                    ("emb.default_c", "emb.c"), ("emb.default_expected", "emb.expected")))
        analogy_btn = gr.Button(t("emb.analogy_run", lang), variant="primary")
        analogy_md = gr.Markdown()
        analogy_df = gr.Dataframe(headers=table_headers, interactive=False, max_height=360)

        gr.Markdown(t("emb.map_title", lang))
        with gr.Row():
            tokens_sl = slider(MAP_TOKENS, t("emb.map_tokens", lang))
            labels_sl = slider(MAP_LABELS, t("emb.map_labels", lang))
            draw_btn = gr.Button(t("emb.draw", lang), variant="primary")
        map_md = gr.Markdown()
        map_plot = gr.Plot(label=t("emb.map_title", lang).split("\n")[0].lstrip("# "))

        gr.Markdown(t("emb.film_title", lang))
        frame_sl = slider(FRAME, t("emb.frame_slider", lang), elem_id="film-frame")
        film_md = gr.Markdown(t("emb.no_job", lang), elem_id="film-status")
        film_plot = gr.Plot(label=t("emb.film_title", lang).split("\n")[0].lstrip("# "),
                            elem_id="embedding-film")
        film_key = gr.State(None)
        timer = gr.Timer(3.0, active=False)

        # A link sets the choices and numbers (typed words are the learner's; the film's
        # frame is a place in a running job, which a link cannot know).
        for name, widget, rng in (("vectors", vectors_radio, None), ("k", k_sl, K),
                                  ("tokens", tokens_sl, MAP_TOKENS),
                                  ("labelled", labels_sl, MAP_LABELS)):
            ctx.link(name, widget, rng)
        who = [ctx.learner, ctx.lang]
        neighbour_inputs = [*who, picker.dropdown, vectors_radio, token_box, piece_dd, k_sl, as_word_cb]
        neighbour_outputs = [neighbours_md, piece_dd, neighbours_df]
        searches = dict(concurrency_id="embeddings", concurrency_limit=4)
        gr.on([find_btn.click, token_box.submit], tab.find_neighbours, neighbour_inputs,
              neighbour_outputs, api_name="embedding_neighbours", **searches)
        piece_dd.input(tab.find_neighbours, neighbour_inputs, neighbour_outputs,
                       api_visibility="private", **searches)
        analogy_inputs = [*who, picker.dropdown, a_box, b_box, c_box, expected_box, k_sl, as_word_cb]
        gr.on([analogy_btn.click, a_box.submit, b_box.submit, c_box.submit, expected_box.submit],
              tab.solve_analogy, analogy_inputs, [analogy_md, analogy_df],
              api_name="embedding_analogy", **searches)
        map_inputs = [*who, picker.dropdown, vectors_radio, tokens_sl, labels_sl]
        draw_btn.click(tab.draw_map, map_inputs, [map_plot, map_md], api_name="embedding_map",
                       **searches)
        film_inputs = [*who, frame_sl, labels_sl, film_key]
        film_outputs = [film_plot, film_md, frame_sl, film_key, timer]
        timer.tick(tab.film, film_inputs, film_outputs, show_progress="hidden",
                   concurrency_limit=None, api_name="embedding_frames")
        gr.on([frame_sl.release, frame_sl.input], tab.film, film_inputs, film_outputs,
              show_progress="hidden", concurrency_limit=None, api_visibility="private",
              trigger_mode="always_last")
        # First impressions: the map of the default model, and the film if a job is running.
        page.select(tab.draw_map, map_inputs, [map_plot, map_md], api_visibility="private",
                    show_progress="hidden", **searches)
        page.select(tab.film_opened, film_inputs, film_outputs, api_visibility="private",
                    show_progress="hidden", concurrency_limit=None)
        picker.attach_refresh(page.select)
        # After a language switch, what has been drawn is drawn again in the new language.
        ctx.on_language(tab.find_neighbours, neighbour_inputs, neighbour_outputs,
                        when_shown=neighbours_md)
        ctx.on_language(tab.solve_analogy, analogy_inputs, [analogy_md, analogy_df],
                        when_shown=analogy_md)
        ctx.on_language(tab.draw_map, map_inputs, [map_plot, map_md], when_shown=map_md)
        ctx.on_language(_empty_tables, [ctx.lang, neighbours_md, analogy_md],
                        [neighbours_df, analogy_df])
        ctx.on_language(tab.film_again, film_inputs, film_outputs)
