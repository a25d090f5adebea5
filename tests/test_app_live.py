"""The app as a user meets it: built, served by `python app.py`, called through its
API with gradio_client, and driven in a headless Chromium."""

from __future__ import annotations

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


@pytest.mark.slow
def test_live_app_answers_200(live_app):
    with urllib.request.urlopen(live_app, timeout=10) as resp:
        assert resp.status == 200
        assert "<html" in resp.read(4096).decode("utf-8", "replace").lower()


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
