"""Embeddings: neighbours, analogies, the map and its alignment on hand-made matrices; the
map probe in a training run; the tab's handlers and their messages; then the live app."""

import json
import math
import re
import time
from types import SimpleNamespace

import gradio as gr
import pytest
import torch

from conftest import start_kwargs
from core.embeddings import (UnitRowsCache, align_frames, analogy, has_learned_positions,
                             map_token_ids, nearest, neighbour_table, neighbours, procrustes,
                             project_2d, rank_of, scale_to_unit, token_class, unit_rows)
from core.jobs import JobRegistry, SavedModel
from core.model import GPTModel
from core.tokenizer import CharTokenizer
from playground.embeddings_tab import K, EmbeddingsTab
from playground.session import AppContext

REGISTRY = JobRegistry(max_running=2)
tab = EmbeddingsTab(AppContext(REGISTRY))
LEARNER = "learner-embeddings"


def rotation(angle: float) -> torch.Tensor:
    c, s = math.cos(angle), math.sin(angle)
    return torch.tensor([[c, -s], [s, c]])


def distances(points: torch.Tensor) -> torch.Tensor:
    return (points[:, None] - points[None]).norm(dim=-1)


MIRROR = torch.tensor([[1.0, 0.0], [0.0, -1.0]])


# ----- neighbours and analogies ------------------------------------------------------------

def test_neighbours_and_their_order_on_a_hand_made_matrix():
    matrix = torch.tensor([[1.0, 0.0],      # 0: the query
                           [10.0, 10.0],    # 1: 45° away but long: first by dot product
                           [1.0, 0.1],      # 2: nearly the same direction, short
                           [0.0, 1.0],      # 3: at right angles
                           [-1.0, 0.0]])    # 4: opposite
    ids, scores = neighbours(unit_rows(matrix), 0, 4)
    assert ids == [2, 1, 3, 4]                                 # by angle, not by length
    assert scores == pytest.approx([1 / math.sqrt(1.01), 1 / math.sqrt(2), 0.0, -1.0], abs=1e-6)
    assert neighbours(unit_rows(matrix), 0, 2)[0] == [2, 1]    # k cuts the list
    with pytest.raises(ValueError, match="k must be"):
        neighbours(unit_rows(matrix), 0, 0)
    with pytest.raises(ValueError, match="outside"):
        neighbours(unit_rows(matrix), 5, 1)


def test_an_analogy_holds_exactly_on_a_constructed_matrix():
    e = torch.eye(6)
    king, man, woman, queen = ((e[0] + e[1]) / math.sqrt(2), (e[1] + e[2]) / math.sqrt(2),
                               (e[2] + e[3]) / math.sqrt(2), (e[0] + e[3]) / math.sqrt(2))
    others = [e[4], e[5], (e[0] + e[4]) / math.sqrt(2), (e[3] + e[5]) / math.sqrt(2)]
    unit = unit_rows(torch.stack([king, man, woman, queen, *others]))
    ids, scores = analogy(unit, 0, 1, 2, 3)
    assert ids[0] == 3 and scores[0] == pytest.approx(1.0, abs=1e-6)  # king − man + woman = queen
    everything, _ = analogy(unit, 0, 1, 2, 5)
    assert sorted(everything) == [3, 4, 5, 6, 7]                       # a, b and c left out
    query = unit[0] - unit[1] + unit[2]
    assert rank_of(unit, query, 3, exclude=(0, 1, 2)) == (1, pytest.approx(1.0, abs=1e-6))
    assert rank_of(unit, query, 4, exclude=(0, 1, 2))[0] > 1


def test_nearest_leaves_out_what_it_is_told_and_the_table_matches_one_by_one():
    torch.manual_seed(0)
    unit = unit_rows(torch.randn(40, 8))
    ids, _ = nearest(unit, unit[3], 5, exclude=(3, 7))
    assert 3 not in ids and 7 not in ids
    table, scores = neighbour_table(unit, [0, 5, 39], 4, chunk=2)
    for row, index in enumerate([0, 5, 39]):
        assert table[row] == neighbours(unit, index, 4)[0]
        assert scores[row] == pytest.approx(neighbours(unit, index, 4)[1])


def test_the_unit_rows_cache_reuses_and_notices_changes():
    cache = UnitRowsCache(size=2)
    weights = [torch.nn.Parameter(torch.randn(5, 3), requires_grad=False) for _ in range(3)]
    first = cache.get(weights[0])
    assert cache.get(weights[0]) is first                       # made once
    torch.testing.assert_close(first, unit_rows(weights[0]))
    with torch.no_grad():
        weights[0].mul_(-1)                                     # changed in place: made again
    torch.testing.assert_close(cache.get(weights[0]), -first)
    cache.get(weights[1]), cache.get(weights[2])
    assert len(cache) == 2                                      # bounded in number …
    small = UnitRowsCache(size=4, max_bytes=2 * 5 * 3 * 4)      # … and in bytes: two matrices
    for weight in weights:
        small.get(weight)
    assert len(small) == 2 and small.get(weights[2]) is small.get(weights[2])


# ----- the map -----------------------------------------------------------------------------

def test_the_projection_of_a_low_rank_matrix_recovers_its_plane():
    torch.manual_seed(1)
    plane, _ = torch.linalg.qr(torch.randn(10, 2))               # an orthonormal basis (10, 2)
    coords = torch.randn(50, 2) * torch.tensor([3.0, 1.0])
    x = coords @ plane.T + torch.randn(10)                       # rank 2 around some mean
    projection = project_2d(x, normalise=False)
    # the map's axes span exactly the plane the rows lie in …
    overlap = projection.axes @ plane                            # (2, 2), orthogonal if so
    torch.testing.assert_close(overlap @ overlap.T, torch.eye(2), atol=1e-4, rtol=0)
    # … so the map keeps every distance and all of the spread
    torch.testing.assert_close(distances(projection.points), distances(x), atol=1e-4, rtol=0)
    assert sum(projection.explained) == pytest.approx(1.0, abs=1e-5)
    assert projection.explained[0] > projection.explained[1]
    # negative control: a third direction is not on the map
    bumped = x + torch.randn(50, 1) * torch.linalg.qr(torch.randn(10, 3))[0][:, 2]
    assert sum(project_2d(bumped, normalise=False).explained) < 0.99


def test_the_projection_is_the_same_every_time_and_draws_no_random_numbers():
    torch.manual_seed(2)
    x = torch.randn(30, 16)
    state = torch.random.get_rng_state()
    first, second = project_2d(x), project_2d(x.clone())
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.testing.assert_close(first.points, second.points)


def test_procrustes_maps_a_rotated_and_reflected_copy_back():
    torch.manual_seed(3)
    points = torch.randn(20, 2)
    turned = points @ rotation(2.1) @ MIRROR
    torch.testing.assert_close(procrustes(turned, points), points, atol=1e-5, rtol=0)
    # the frames of a film: scaled to one size and each turned onto the one before
    frames = align_frames([points, 3 * points @ rotation(0.7), points @ MIRROR @ rotation(-1.3)])
    for frame in frames:
        torch.testing.assert_close(frame, scale_to_unit(points), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="cannot align"):
        procrustes(points, points[:5])


def test_token_classes():
    expected = {"a": "vowel", "E": "vowel", "é": "vowel", "k": "consonant", "7": "digit",
                ",": "punctuation", "$": "punctuation", " ": "space", "\n": "space", "月": "cjk",
                "，": "punctuation", " king": "word", "king": "piece", "  ": "space", "1984": "digit",
                "\0": "other", "": "other", None: "other", "a1": "other"}
    assert {text: token_class(text) for text in expected} == expected


def test_map_tokens_are_the_most_frequent_of_the_corpus(data_dir):
    from core.corpora import corpus_tokenizer
    tok = corpus_tokenizer("tiny-shakespeare")
    ids, by_frequency = map_token_ids(tok, tok.n_vocab, 300)
    assert by_frequency and len(ids) == 65                          # every character it uses
    assert tok.decode(ids[:2]) == " e"                              # space, then e
    own = CharTokenizer.from_text("abc", name="own-char")
    assert map_token_ids(own, own.n_vocab, 3) == ([0, 1, 2], False)   # nothing to count


# ----- the probe ---------------------------------------------------------------------------

def run_char_model(probes=(), drop_rate=0.1, steps=12):
    """Train a tiny character model as a job does (torch seeded, then the model built);
    returns (training losses, probe results)."""
    from core.config import get_preset
    from core.train import TrainCallbacks, TrainConfig, pretraining_trainer
    text = "the quick brown fox jumps over the lazy dog. " * 40
    tok = CharTokenizer.from_text(text)
    ids = torch.tensor(tok.encode(text))
    torch.manual_seed(0)
    model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab).replace(drop_rate=drop_rate))
    cfg = TrainConfig(max_steps=steps, batch_size=8, lr=3e-3, warmup_steps=2, eval_every=4,
                      eval_batches=2, sample_every=100, sample_tokens=5, seed=7)
    losses, results = [], []
    callbacks = TrainCallbacks(on_step=lambda s: losses.append(s.loss), on_probe=results.append)
    pretraining_trainer(model, tok, ids[:1600], ids[1600:], cfg, callbacks=callbacks,
                        probes=probes).run()
    return losses, results


def test_the_probe_runs_at_its_interval_and_stays_small():
    from core.train import ProbeSpec
    spec = ProbeSpec("embedding_map", "embedding_map", 5, {"ids": list(range(20))})
    _, results = run_char_model((spec,))
    assert [r.step for r in results] == [0, 5, 10]
    value = results[-1].value
    assert value["ids"] == list(range(20)) and len(value["points"]) == 20
    assert all(len(p) == 2 for p in value["points"])
    # 300 tokens of a Tang-sized model: the points only, a few kilobytes a frame
    from core.config import get_preset
    from core.probes import embedding_map_probe
    tang = GPTModel(get_preset("tang-char", vocab_size=8548))
    frame = embedding_map_probe(tang, list(range(0, 8548, 28))[:300])
    assert len(frame["points"]) == 300 and len(json.dumps(frame)) < 20_000


def test_a_run_with_the_probe_has_the_same_losses_as_without():
    from core.probes import PROBES
    from core.train import ProbeSpec
    spec = ProbeSpec("embedding_map", "embedding_map", 2, {"ids": list(range(20))})
    without, (with_probe, results) = run_char_model()[0], run_char_model((spec,))
    assert len(results) > 3 and with_probe == without                    # exactly equal
    # negative control: a probe that draws from torch's global generator (as
    # torch.pca_lowrank does) moves dropout's stream, and the losses change
    PROBES["draws"] = lambda model: float(torch.randn(1))
    try:
        noisy, _ = run_char_model((ProbeSpec("draws", "draws", 2, {}),))
    finally:
        del PROBES["draws"]
    assert noisy != without


def test_pretraining_jobs_carry_the_map_probe_of_their_frequent_tokens(data_dir):
    from core.corpora import corpus_tokenizer, load_corpus
    from core.pretraining import MAP_TOKENS, model_config_for, pretraining_spec, train_config_for
    tok = corpus_tokenizer("tiny-shakespeare")
    spec = pretraining_spec("t", "tiny-shakespeare", load_corpus("tiny-shakespeare"), tok,
                            model_config_for("tiny", tok.n_vocab),
                            train_config_for("tiny", eval_every=10), probe_text="ROMEO:")
    probes = {p.name: p for p in spec.probes}
    assert set(probes) == {"attention", "embedding_map"}
    assert probes["embedding_map"].every == 10 and len(probes["embedding_map"].args["ids"]) == 65
    verdict = corpus_tokenizer("the-verdict")
    spec = pretraining_spec("v", "the-verdict", load_corpus("the-verdict"), verdict,
                            model_config_for("tiny", verdict.n_vocab), train_config_for("tiny"))
    assert len(next(p for p in spec.probes if p.name == "embedding_map").args["ids"]) == MAP_TOKENS


# ----- the tab -----------------------------------------------------------------------------

def _hand_made_char_model() -> str:
    """A saved character model whose token vectors are set by hand: a, e, o point alike."""
    from core.config import get_preset
    tok = CharTokenizer(list("aeoxyz"), name="own-char", eos=None)
    model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)).eval().requires_grad_(False)
    rows = torch.zeros(6, model.cfg.emb_dim)
    for i, (x, y) in enumerate([(1, 0.1), (1, 0.2), (1, -0.1), (0.1, 1), (-0.2, 1), (0, 1)]):
        rows[i, :2] = torch.tensor([x, y])
    with torch.no_grad():
        model.tok_emb.weight.copy_(rows)
    saved = SavedModel("hand-made", model, tok)
    REGISTRY.add_model(LEARNER, saved)
    return "saved:" + saved.id


def neighbours_of(token, choice="fresh", vectors="tokens", piece=None, k=5, as_word=True, lang="en"):
    return tab.find_neighbours(None, LEARNER, lang, choice, vectors, token, piece, k, as_word)


def test_neighbours_in_the_tab_are_the_cores():
    choice = _hand_made_char_model()
    md, pieces, rows = neighbours_of("a", choice, k=5)
    assert [row[1] for row in rows] == ["e", "o", "x", "z", "y"]
    assert "Nearest to `a`" in md and pieces["choices"] == []
    md, pieces, rows = neighbours_of("ax", choice, piece="x", k=2)   # split: pick a piece
    assert pieces["choices"] == ["a", "x"] and pieces["value"] == "x"
    assert [row[1] for row in rows] == ["z", "y"] and "is 2 tokens" in md


def test_gpt2_words_get_their_leading_space():
    md, _, rows = neighbours_of("he")
    assert "`␣he` was used" in md and len(rows) == 5
    md, _, _ = neighbours_of("he", as_word=False)
    assert "was used" not in md and "Nearest to `he`" in md
    md, _, _ = neighbours_of("king")                    # the-verdict has "king" but not " king"
    assert "`␣king` is not in this model's vocabulary, so `king`" in md


def test_gpt2_sized_searches_take_one_of_two_slots():
    slot = tab._slot(torch.empty(50_257, 1))
    assert slot is tab.big_searches and tab._slot(torch.empty(1_417, 1)) is not slot
    with slot, slot:
        assert not slot.acquire(blocking=False)         # a third search waits


def test_an_analogy_and_its_honest_sentence():
    md, rows = tab.solve_analogy(None, LEARNER, "en", "fresh", "he", "man", "woman", "she", 5, True)
    assert len(rows) == 5 and "`␣he` − `␣man` + `␣woman`" in md
    assert "leading space" in md
    assert "do not give the textbook answer" in md and "trained to predict the next token" in md
    choice = _hand_made_char_model()
    md, rows = tab.solve_analogy(None, LEARNER, "en", choice, "e", "a", "x", "z", 1, True)
    assert rows[0][1] == "z" and "✓ `z` is number 1" in md           # x + (e − a) is nearest z
    md, _ = tab.solve_analogy(None, LEARNER, "en", choice, "e", "a", "x", "o", 1, True)
    assert "`o` is only number 3 of 3" in md
    md, rows = tab.solve_analogy(None, LEARNER, "en", "fresh", "king", "man", "woman", "queen", 5, True)
    assert "so `king` (without the space) was used" in md and len(rows) == 5
    assert "Not in this model's vocabulary" in md and "`␣queen`" in md  # said, not a failure
    with pytest.raises(gr.Error, match="is 2 tokens"):
        tab.solve_analogy(None, LEARNER, "en", choice, "ax", "a", "e", "", 3, True)


def test_maps_of_tokens_and_positions():
    figure, note = tab.draw_map(None, LEARNER, "en", "fresh", "tokens", 100, 10)
    points = sum(len(trace.x) for trace in figure.data)
    labelled = sum(1 for trace in figure.data for text in trace.text if text)
    assert points == 100 and labelled == 10 and "the most frequent in the-verdict" in note
    assert all("nearest:" in h for trace in figure.data for h in trace.hovertext)
    figure, note = tab.draw_map(None, LEARNER, "zh", "fresh", "positions", 40, 4)
    assert len(figure.data[0].x) == 40 and "个位置" in note


def test_a_model_without_positions_gets_a_clear_message(tiny_cfg):
    model = GPTModel(tiny_cfg)
    assert has_learned_positions(model)
    model.pos_emb = None                                    # as the ablation lab builds it
    assert not has_learned_positions(model)
    switched = SimpleNamespace(cfg=SimpleNamespace(use_positions=False),   # the config's switch
                               pos_emb=torch.nn.Embedding(4, 2))
    assert not has_learned_positions(switched)
    tok = CharTokenizer(list("abc"), name="own-char", eos=None)
    saved = SavedModel("no positions", model.eval().requires_grad_(False), tok)
    REGISTRY.add_model(LEARNER, saved)
    with pytest.raises(gr.Error, match="without position embeddings"):
        neighbours_of("3", "saved:" + saved.id, vectors="positions")
    with pytest.raises(gr.Error, match="without position embeddings"):
        tab.draw_map(None, LEARNER, "en", "saved:" + saved.id, "positions", 40, 4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(token=""), "Type a token first"),
    (dict(token="zebra"), "Not in this model's vocabulary"),
    (dict(token="he", k=K.high + 1), "must be a number from 1 to 50"),
    (dict(token="he", k="ten"), "must be a number"),
    (dict(token="he", choice="live"), "no training job yet"),
    (dict(token="he", choice=""), "Choose a model first"),
    (dict(token="he", vectors="words"), "Choose token or position vectors"),
    (dict(token="x" * 101), "type one token"),
    (dict(token="99", vectors="positions"), "from 0 to 63"),
    (dict(token="he", vectors="positions"), "from 0 to 63"),
])
def test_bad_input_gets_a_clear_message(kwargs, message):
    with pytest.raises(gr.Error, match=message):
        neighbours_of(**kwargs)


def test_bad_input_in_chinese():
    with pytest.raises(gr.Error, match="不在这个模型的词表里"):
        neighbours_of("zebra", lang="zh")


def test_the_film_aligns_the_frames_and_shows_the_loss(tmp_path, monkeypatch, data_dir):
    from core.corpora import corpus_tokenizer, load_corpus
    from core.jobs import TrainingJob
    from core.pretraining import model_config_for, pretraining_spec, train_config_for

    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path))
    tok = corpus_tokenizer("tiny-shakespeare")
    spec = pretraining_spec("film", "tiny-shakespeare", load_corpus("tiny-shakespeare")[:50_000], tok,
                            model_config_for("tiny", tok.n_vocab),
                            train_config_for("tiny", max_steps=30, eval_every=10))
    owner = "learner-film"
    REGISTRY.submit(owner, TrainingJob(owner, spec))
    deadline = time.monotonic() + 300                           # a hang guard, not a timing
    while REGISTRY.get(owner).view().state.active and time.monotonic() < deadline:
        time.sleep(0.1)
    view = REGISTRY.get(owner).view()
    assert view.state.value == "finished", view.reason
    figure, status, slider, key, timer = tab.film(None, owner, "en", 0, 80, None)
    frames = view.probes["embedding_map"]
    assert [f.step for f in frames] == [0, 10, 20, 30]
    assert "Frame 4 of 4" in status and "step 30" in status and "validation loss" in status
    buttons = figure.layout.updatemenus[0].buttons
    inline = buttons[0].args[0]                                 # the frames, carried inline
    aligned = align_frames([torch.tensor(f.value["points"]) for f in frames])
    for shown, expected in zip(inline, aligned):
        xs = [x for trace in shown["data"] for x in trace["x"]]
        assert sorted(xs) == pytest.approx(sorted(expected[:, 0].tolist()), abs=1e-3)
    loss_at_20 = [e.val_loss for e in view.evals if e.step <= 20][-1]
    assert inline[2]["layout"]["title"]["text"] == f"Step 20 · validation loss {loss_at_20:.3f}"
    again = tab.film(None, owner, "en", 1, 80, key)
    assert "Frame 2 of 4" in again[1] and "step 10" in again[1]
    assert again[4].active is False                             # the job is over: stop polling


def test_the_film_without_a_job_says_what_to_do_and_waits_a_while_for_one(monkeypatch):
    import playground.embeddings_tab as embeddings_tab
    result = tab.film_opened(None, "nobody-here", "en", 0, 80, "an old key")
    assert "start one in the Pretrain tab" in result[1]
    assert result[4].active is True                         # Start may be on its way
    later = time.monotonic() + embeddings_tab.WAIT_FOR_JOB_S + 1
    monkeypatch.setattr(embeddings_tab.time, "monotonic", lambda: later)
    assert tab.film(None, "nobody-here", "en", 0, 80, result[3])[4].active is False


# ----- the live app ------------------------------------------------------------------------

@pytest.mark.slow
def test_api_neighbours_analogy_and_aligned_frames_during_a_tiny_job(live_app):
    from gradio_client import Client

    client = Client(live_app, verbose=False)
    md, _, rows = client.predict(None, "fresh", "tokens", "he", None, 5, True,
                                 api_name="/embedding_neighbours")
    assert "`␣he` was used" in md and len(rows["data"]) == 5
    md, rows = client.predict(None, "fresh", "he", "man", "woman", "she", 5, True,
                              api_name="/embedding_analogy")
    assert "`␣he` − `␣man` + `␣woman`" in md and len(rows["data"]) == 5
    tiny = ["tiny-shakespeare", "", None, "auto", "tiny", 2, 2, 32, 16, 8]
    client.predict(None, **start_kwargs(*tiny, 100_000, 3e-3, 1, "", False), api_name="/start")
    try:
        deadline, status, plot, frame = time.monotonic() + 120, "", None, 0
        while time.monotonic() < deadline:
            # asking for the newest frame follows the job; a skip while nothing changed
            got_plot, got_status, slider, _ = client.predict(None, frame, 80,
                                                             api_name="/embedding_frames")
            if isinstance(got_status, str):
                plot, status, frame = got_plot, got_status, slider["value"]
            if re.search(r"Frame (\d+) of \1,", status) and " of 1," not in status:
                break
            time.sleep(0.5)
        assert re.search(r"Frame (\d+) of \1,", status) and " of 1," not in status, status
        figure = json.loads(plot["plot"])
        inline = figure["layout"]["updatemenus"][0]["buttons"][0]["args"][0]
        assert len(inline) >= 2
        frames = [torch.tensor([[x, y] for trace in frame["data"]
                                for x, y in zip(trace["x"], trace["y"])]) for frame in inline]
        for before, after in zip(frames, frames[1:]):   # aligned: the best turn is none at all
            torch.testing.assert_close(procrustes(after, before), after, atol=2e-3, rtol=0)
        md, _, rows = client.predict(None, "live", "tokens", "e", None, 3, True,
                                     api_name="/embedding_neighbours")
        assert "Nearest to `e`" in md and len(rows["data"]) == 3
    finally:
        client.predict(None, api_name="/stop")


@pytest.mark.slow
def test_api_bad_input_is_a_message_and_the_app_keeps_serving(live_app):
    from gradio_client import Client

    client = Client(live_app, verbose=False)
    cases = [(("fresh", "tokens", "zebra", None, 5, True), "Not in this model's vocabulary"),
             (("fresh", "tokens", "", None, 5, True), "Type a token first"),
             (("fresh", "tokens", "he", None, 500, True), "maximum value 50"),   # Gradio checks first
             (("live", "tokens", "he", None, 5, True), "no training job yet")]
    for args, message in cases:
        with pytest.raises(Exception, match=message):
            client.predict(None, *args, api_name="/embedding_neighbours")
    with pytest.raises(Exception, match="an analogy takes one token"):
        client.predict(None, "fresh", "Gisburn", "man", "woman", "", 5, True,
                       api_name="/embedding_analogy")
    md, _, rows = client.predict(None, "fresh", "positions", "3", None, 4, True,
                                 api_name="/embedding_neighbours")
    assert "position 3" in md and len(rows["data"]) == 4     # still serving


@pytest.mark.slow
@pytest.mark.browser
def test_browser_plays_the_film_of_a_short_run(live_app):
    from screenshot_embeddings import shoot_film

    last, first = shoot_film(live_app, "en", "tiny", 40, "embeddings-film-test")
    assert last.stat().st_size > 10_000 and first.stat().st_size > 10_000
