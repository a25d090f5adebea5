"""Attention and positions: the sinusoidal formula, the grid carries the teaching path's
weights, figure sizes, snapshots while training, bad input; then the live app."""

import math
import time

import gradio as gr
import pytest
import torch
from conftest import start_kwargs

from core.analysis import attention_maps, attention_patterns
from core.jobs import JobRegistry
from core.positional import learned_positions, position_similarity, sinusoidal_encoding
from playground.attention_tab import MAX_GRID_TOKENS, AttentionTab
from playground.plots.attention import attention_grid, attention_heatmap, similarity_heatmap
from playground.session import AppContext

REGISTRY = JobRegistry(max_running=2)
tab = AttentionTab(AppContext(REGISTRY))
LEARNER = "learner-attention"
PROMPT = "I had always thought Jack"


def show(prompt=PROMPT, choice="fresh", layer=0, head=0, average=False, lang="en"):
    return tab.show(None, LEARNER, lang, choice, prompt, layer, head, average)


# ----- core ------------------------------------------------------------------------------

def test_sinusoidal_encoding_against_hand_computed_values():
    pe = sinusoidal_encoding(3, 4)
    assert pe.shape == (3, 4)
    torch.testing.assert_close(pe[0], torch.tensor([0.0, 1.0, 0.0, 1.0]))
    # d = 4: dimension pairs wave at 1/10000^0 = 1 and 1/10000^(2/4) = 1/100
    expected = torch.tensor([math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)])
    torch.testing.assert_close(pe[1], expected)
    torch.testing.assert_close(pe[2, :2], torch.tensor([math.sin(2), math.cos(2)]))


def test_sinusoidal_similarity_depends_only_on_the_distance():
    sim = position_similarity(sinusoidal_encoding(40, 16))
    for k in (1, 3, 7):
        shifted = torch.stack([sim[i, i + k] for i in range(40 - k)])
        torch.testing.assert_close(shifted, shifted[0].expand_as(shifted), atol=1e-4, rtol=0)
    torch.testing.assert_close(sim.diagonal(), torch.full((40,), 8.0))   # d/2: sin² + cos²


@pytest.mark.parametrize("n, d, message", [(0, 4, "n_positions"), (4, 5, "even"),
                                           (4, 0, "d_model"), (5000, 4, "n_positions")])
def test_bad_encoding_sizes_are_refused(n, d, message):
    with pytest.raises(ValueError, match=message):
        sinusoidal_encoding(n, d)


def test_attention_maps_are_the_teaching_paths_weights(tiny_cfg, seeded):
    from core.model import GPTModel
    model = GPTModel(tiny_cfg).eval()
    ids = [1, 5, 9, 2, 7]
    maps = attention_maps(model, ids)
    with torch.no_grad():
        expected = torch.stack(model.trace(torch.tensor([ids])).attention)[:, 0]
    torch.testing.assert_close(maps.weights, expected)
    assert maps.weights.shape == (tiny_cfg.n_layers, tiny_cfg.n_heads, 5, 5)
    patterns = attention_patterns(maps.weights)
    assert patterns.first.shape == (tiny_cfg.n_layers, tiny_cfg.n_heads)
    assert bool(((patterns.first >= 0) & (patterns.first <= 1)).all())


def test_attention_maps_cut_long_prompts_from_the_left(tiny_cfg):
    from core.model import GPTModel
    maps = attention_maps(GPTModel(tiny_cfg), list(range(1, 41)), max_tokens=8)
    assert maps.ids == list(range(33, 41)) and maps.n_cut == 32


# ----- figures ---------------------------------------------------------------------------

def test_grid_and_zoom_figures_have_the_expected_size():
    L, H, T = 3, 2, 4
    weights = torch.softmax(torch.randn(L, H, T, T), -1).tril().tolist()
    grid = attention_grid(weights)
    z = grid.data[0].z
    assert len(z) == L * (T + 1) - 1 and len(z[0]) == H * (T + 1) - 1
    assert z[0][1] is None and z[1][0] is not None           # the masked triangle is empty
    zoom = attention_heatmap(weights[0][0], ["a", "b", "c", "d"], "title")
    assert len(zoom.data[0].z) == T and zoom.data[0].z[0][3] is None
    assert list(zoom.data[0].x) == ["0:a", "1:b", "2:c", "3:d"]
    sim = similarity_heatmap([[1.0, 0.5], [0.5, 1.0]], "s")
    assert len(sim.data[0].z) == 2


# ----- the tab's handlers ----------------------------------------------------------------

def _tile(grid, layer: int, head: int, T: int) -> list[list]:
    size = T + 1
    z = grid.data[0].z
    return [row[head * size:head * size + T] for row in z[layer * size:layer * size + T]]


def test_the_grid_carries_exactly_the_models_attention():
    grid, zoom, notices, patterns = show(layer=1, head=1)
    from playground.model_picker import resolve_model
    picked = resolve_model(REGISTRY, "fresh", LEARNER)
    ids = picked.tokenizer.encode(PROMPT)
    with torch.no_grad():
        weights = torch.stack(picked.model.trace(torch.tensor([ids])).attention)[:, 0]
    T = len(ids)
    for layer in range(weights.shape[0]):
        for head in range(weights.shape[1]):
            tile = _tile(grid, layer, head, T)
            for q in range(T):
                for k in range(T):
                    if k > q:
                        assert tile[q][k] is None
                    else:
                        assert tile[q][k] == pytest.approx(float(weights[layer, head, q, k]), abs=1e-4)
    zoom_z = zoom.data[0].z
    assert zoom_z[T - 1][0] == pytest.approx(float(weights[1, 1, T - 1, 0]), abs=1e-4)
    assert "first token" in patterns and "previous token" in patterns and notices == ""


def test_averaged_heads_and_a_too_high_layer():
    grid, zoom, notices, _ = show(layer=40, average=True)
    assert "showing 3, its last one" in notices                 # the fresh model has 4 layers
    assert len(grid.data[0].z[0]) == 5 - 1 + 1                  # one averaged column of T=5 … minus the gap
    assert "all heads averaged" in zoom.layout.title.text


@pytest.mark.parametrize("kwargs, message", [
    (dict(prompt=""), "type a prompt"),
    (dict(choice="live"), "no training job yet"),
    (dict(choice=None), "Choose a model first"),
    (dict(choice="gpt2-124m"), "GPT-2 could not be loaded"),
    (dict(layer=-1), "layer .* from 0 to 47"),
])
def test_bad_input_gets_a_clear_message(kwargs, message):
    with pytest.raises(gr.Error, match=message):
        show(**kwargs)


def test_a_prompt_over_the_grid_limit_is_cut_with_a_notice():
    long_prompt = " ".join(["I had always thought"] * 20)
    grid, _, notices, _ = show(long_prompt)
    assert f"only the last {MAX_GRID_TOKENS} tokens are used" in notices
    assert len(grid.data[0].z[0]) == 4 * (MAX_GRID_TOKENS + 1) - 1


def test_positions_view_and_its_errors():
    figures = tab.positions(None, LEARNER, "en", 32, 16, "0, 1, 7", "fresh")
    pe, waves, sim, learned, learned_sim, note = figures
    assert len(pe.data[0].z) == 32 and len(pe.data[0].z[0]) == 16
    assert len(waves.data) == 3 and len(sim.data[0].z) == 32
    assert len(learned.data[0].z) == 32 and len(learned.data[0].z[0]) == 128
    with pytest.raises(gr.Error, match="even"):
        tab.positions(None, LEARNER, "en", 32, 15, "0", "fresh")
    with pytest.raises(gr.Error, match="up to 8 dimensions"):
        tab.positions(None, LEARNER, "en", 32, 16, "0, 99", "fresh")
    with pytest.raises(gr.Error, match="up to 8 dimensions"):
        tab.positions(None, LEARNER, "en", 32, 16, "zero", "fresh")
    big = tab.positions(None, LEARNER, "en", 128, 16, "0", "fresh")
    assert "only 64 are shown" in big[-1]                        # the fresh model's context


def test_learned_positions_of_a_model(tiny_cfg):
    from core.model import GPTModel
    model = GPTModel(tiny_cfg)
    torch.testing.assert_close(learned_positions(model, 4), model.pos_emb.weight[:4].detach())


def test_timelapse_scrubs_snapshots_of_a_training_job(tmp_path, monkeypatch):
    from core.corpora import corpus_tokenizer, load_corpus
    from core.jobs import TrainingJob
    from core.pretraining import model_config_for, pretraining_spec, train_config_for

    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path))
    text = load_corpus("the-verdict")
    tok = corpus_tokenizer("the-verdict")
    spec = pretraining_spec("probe", "the-verdict", text, tok, model_config_for("tiny", tok.n_vocab),
                            train_config_for("tiny", max_steps=30, eval_every=10),
                            probe_text="I had always thought")
    owner = "learner-timelapse"
    REGISTRY.submit(owner, TrainingJob(owner, spec))
    deadline = time.monotonic() + 60
    while REGISTRY.get(owner).view().state.active and time.monotonic() < deadline:
        time.sleep(0.1)
    grid, zoom, status, slider, key = tab.timelapse(None, owner, "en", 0, 0, 0, False, None)
    snapshots = REGISTRY.get(owner).view().probes["attention"]
    assert [s.step for s in snapshots] == [0, 10, 20, 30]       # step 0, then every 10
    assert "Snapshot 4 of 4" in status and "step 30" in status  # follows the newest
    again = tab.timelapse(None, owner, "en", 1, 0, 0, False, key)
    assert "Snapshot 2 of 4" in again[2] and "step 10" in again[2]
    first = torch.tensor(snapshots[1].value["weights"])
    assert again[0].data[0].z[1][0] == pytest.approx(float(first[0, 0, 1, 0]), abs=1e-4)


def test_timelapse_without_a_job_says_what_to_do():
    result = tab.timelapse(None, "nobody-here", "en", 0, 0, 0, False, None)
    assert "start one in the Pretrain tab" in result[2]


# ----- the live app ----------------------------------------------------------------------

@pytest.mark.slow
def test_api_heatmaps_and_snapshots_during_a_tiny_job(live_app):
    import json
    from gradio_client import Client

    client = Client(live_app, verbose=False)
    grid, zoom, notices, patterns = client.predict(None, "fresh", PROMPT, 0, 0, False,
                                                   api_name="/attention")
    figure = json.loads(grid["plot"])
    assert figure["data"][0]["type"] == "heatmap" and "first token" in patterns
    tiny = ["the-verdict", "", None, "auto", "tiny", 2, 2, 32, 16, 8]
    client.predict(None, **start_kwargs(*tiny, 100_000, 3e-3, 1, "", False), api_name="/start")
    try:
        deadline = time.monotonic() + 90
        status = ""
        while time.monotonic() < deadline:
            _, _, status, _, _ = client.predict(None, 0, 0, 0, False, api_name="/attention_snapshots")
            if "Snapshot" in status and " of 1," not in status:
                break
            time.sleep(0.5)
        assert "Snapshot" in status and " of 1," not in status, status    # two or more
    finally:
        client.predict(None, api_name="/stop")


@pytest.mark.slow
@pytest.mark.browser
def test_browser_shows_both_attention_views(live_app):
    from browser import open_page, outside_requests, save_screenshot

    def wait_for_heatmaps(n: int) -> None:   # drawn by plotly, not a fixed sleep
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .heatmaplayer image, "
            ".js-plotly-plot .hm image').length >= n", arg=n, timeout=60_000)

    with open_page(live_app, viewport=(1400, 1000)) as (page, requests):
        page.get_by_role("tab", name="Attention").click()
        wait_for_heatmaps(4)                  # the tab draws its defaults on opening
        page.get_by_text("first token", exact=False).first.wait_for()
        save_screenshot(page, "attention-tab.png")
        page.get_by_role("button", name="Show positional encodings").click()
        wait_for_heatmaps(6)
        page.get_by_text("Waves", exact=False).first.scroll_into_view_if_needed()
        save_screenshot(page, "attention-positions.png")
        assert outside_requests(requests) == []
