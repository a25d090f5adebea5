"""The app as a user meets it: built, served by `python app.py`, called through its
API with gradio_client, and driven in a headless Chromium."""

from __future__ import annotations

import re
import time
import urllib.request

import gradio as gr
import pytest

from browser import open_page, outside_requests, save_screenshot
from playground.i18n import t

HELLO = "Hello, do you like tea? <|endoftext|> In the sunlit terraces"
HELLO_IDS = [15496, 11, 466, 345, 588, 8887, 30, 220, 50256, 554, 262, 4252, 18250, 8812, 2114]


def _ids(df) -> list[int]:
    """The id column (second) of a dataframe output as gradio_client returns it."""
    rows = df["data"] if isinstance(df, dict) else df
    return [int(row[1]) for row in rows]


@pytest.fixture(scope="module")
def client(live_app):
    from gradio_client import Client
    return Client(live_app, verbose=False)


def test_build_app_lists_tokenize_endpoint():
    from app import build_app

    demo = build_app()
    assert isinstance(demo, gr.Blocks)
    api_names = [dep.get("api_name") for dep in demo.get_config_file()["dependencies"]]
    assert "tokenize" in api_names


def _unnamed(api_info: dict) -> list[str]:
    """Endpoints (and their parameters) that a script would have to call by position."""
    bad = [f"{name}: {p['parameter_name']}" for name, ep in api_info["named_endpoints"].items()
           for p in ep["parameters"] if re.fullmatch(r"param_\d+", p["parameter_name"])]
    return bad + [f"unnamed endpoint {k}" for k in api_info.get("unnamed_endpoints", {})]


def test_every_endpoint_names_its_parameters():
    from app import build_app

    info = build_app().get_api_info()
    assert not _unnamed(info)
    endpoints = info["named_endpoints"]
    assert [p["parameter_name"] for p in endpoints["/spam_start"]["parameters"]] == [
        "learner", "base", "trainable", "steps", "batch", "lr", "seed"]
    assert {"learner", "corpus", "preset", "layers", "resume"} <= {
        p["parameter_name"] for p in endpoints["/start"]["parameters"]}
    # every endpoint about a learner's models takes the learner id (DECISIONS 31)
    for name in ("/models", "/classifiers", "/start", "/spam_start", "/instruct_start"):
        assert endpoints[name]["parameters"][0]["parameter_name"] == "learner"


def test_the_check_sees_positional_parameters():
    """Negative control: an endpoint taking *values shows param_N, and the check says so."""
    with gr.Blocks() as demo:
        a, b, out = gr.Number(), gr.Number(), gr.Number()
        gr.Button().click(lambda *values: sum(values), [a, b], out, api_name="add")
    assert _unnamed(demo.get_api_info()) == ["/add: param_0", "/add: param_1"]


@pytest.mark.slow
def test_view_api_shows_no_param_n(client):
    api = client.view_api(return_format="dict", print_info=False)
    assert not _unnamed(api)
    assert "/start" in api["named_endpoints"]


@pytest.mark.slow
def test_a_learners_models_are_listed_by_their_id(live_app):
    """/models and /classifiers take the learner id: a script sees the models of the learner
    it names, whichever session it calls from."""
    from gradio_client import Client
    from conftest import start_kwargs

    trainer, reader = Client(live_app, verbose=False), Client(live_app, verbose=False)
    learner = "learner-models-by-id-0001"
    assert "started" in trainer.predict(
        learner, **start_kwargs("the-verdict", "", None, "auto", "tiny", 2, 2, 32, 16, 8, 5,
                                3e-3, 1, "", False), api_name="/start").lower()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        values = [v for _, v in reader.predict(learner, "en", api_name="/models")]
        if any(v.startswith("saved:") for v in values):
            break
        time.sleep(0.5)
    assert any(v.startswith("saved:") for v in values), values
    # another learner, from the same session as the first, sees none of them
    other = [v for _, v in trainer.predict("learner-someone-else-01", "en", api_name="/models")]
    assert not any(v.startswith("saved:") for v in other)
    assert reader.predict(learner, "en", api_name="/classifiers") == []


@pytest.mark.slow
def test_live_app_answers_200(live_app):
    with urllib.request.urlopen(live_app, timeout=10) as resp:
        assert resp.status == 200
        assert "<html" in resp.read(4096).decode("utf-8", "replace").lower()


@pytest.mark.slow
def test_the_page_keeps_no_run_history(live_app):
    """Gradio 6 keeps every public call's inputs in the browser's storage unless the app
    says not to: a Hub token typed for Push (an input of /push) would stay there."""
    import json
    with urllib.request.urlopen(live_app + "config", timeout=10) as resp:
        config = json.load(resp)
    assert config["run_history"] is False
    push = next(d for d in config["dependencies"] if d.get("api_name") == "push")
    assert push["api_visibility"] == "public"     # what the history would have recorded


@pytest.mark.slow
def test_api_tokenize_bpe_ids(client):
    counts, _bpe_hl, _char_hl, bpe_df, _char_df, _words_hl = client.predict(
        HELLO, "the-verdict", api_name="/tokenize")
    assert _ids(bpe_df) == HELLO_IDS
    assert f"**{len(HELLO_IDS)}** BPE tokens" in counts


@pytest.mark.slow
def test_api_tokenize_reports_skipped_chars(client):
    counts, *_ = client.predict("你好，世界 hello", "the-verdict", api_name="/tokenize")
    # The-verdict's character vocabulary has no Chinese: the counts say so.
    assert "were skipped" in counts
    assert "'你'" in counts and "'好'" in counts


@pytest.mark.slow
def test_api_empty_text_gives_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        client.predict("   ", "the-verdict", api_name="/tokenize")
    assert str(info.value) == t("err.empty_text")
    assert "Traceback" not in str(info.value)


@pytest.mark.slow
@pytest.mark.browser
def test_browser_tokenizer_tab(live_app):
    from playwright.sync_api import expect

    with open_page(live_app) as (page, requests):
        tab = page.get_by_role("tab", name=t("tok.tab"))
        expect(tab).to_be_visible(timeout=30_000)
        box = page.get_by_label(t("tok.text"), exact=True)
        box.fill("Hello, quick brown fox")
        page.get_by_role("button", name=t("tok.run"), exact=True).click()
        # 15496 = "Hello", 21831 = " fox": only the typed text yields both.
        table = page.get_by_role("grid", name=t("tok.table_bpe"))
        expect(table.get_by_role("gridcell", name="21831", exact=True)).to_be_visible(
            timeout=30_000)
        expect(table.get_by_role("gridcell", name="15496", exact=True)).to_be_visible()
        expect(page.get_by_text("22 characters")).to_be_visible()
        shot = save_screenshot(page, "tokenizer-tab.png")
        assert shot.is_file() and shot.stat().st_size > 0

        assert requests, "the page made no requests at all"
        outside = outside_requests(requests)
        assert not outside, f"the page reached outside 127.0.0.1: {outside}"
