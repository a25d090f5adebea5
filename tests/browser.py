"""Headless Chromium for browser tests, driven through Playwright.

Uses the system Chromium (CHROMIUM_PATH, default /usr/bin/chromium); Playwright's
own browser downloads are never used, so `playwright install` is not needed.
A missing browser skips the test locally but fails it in CI (CI=true).

    from browser import open_page, save_screenshot

    def test_x(live_app):
        with open_page(live_app) as (page, requests):
            ...
            save_screenshot(page, "x.png")
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / "test-output"  # git-ignored
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)


def chromium_path() -> str:
    """The browser executable; skips (or, in CI, fails) the test when it is missing."""
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        msg = (f"Chromium not found at {path!r}: install it or set CHROMIUM_PATH "
               "to a Chromium executable")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {msg}; browser tests must run in CI", pytrace=False)
        pytest.skip(msg)
    return path


@contextmanager
def open_page(url: str, *, viewport=(1280, 900), timeout_ms: int = 30_000,
              locale: str = "en-US") -> Iterator[tuple[object, list[str]]]:
    """Open `url` in a fresh headless Chromium; yields (page, requests).

    `requests` lists the URL of every request the page made, in order, and keeps
    growing while the page is used. `locale` is the browser's language (its
    Accept-Language header and navigator.language).
    """
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev environment has it
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but the playwright package is not installed", pytrace=False)
        pytest.skip("playwright package not installed")

    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)
            context.set_default_timeout(timeout_ms)
            page = context.new_page()
            page.on("request", lambda req: requests.append(req.url))
            page.goto(url, wait_until="domcontentloaded")
            yield page, requests
        finally:
            browser.close()


def outside_requests(requests: list[str], allowed_hosts=("127.0.0.1",)) -> list[str]:
    """The requests that went to any host but `allowed_hosts` (data:/blob: URLs are local)."""
    outside = []
    for url in requests:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.hostname not in allowed_hosts:
            outside.append(url)
    return outside


def save_screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of `page` as test-output/<name> at the repo root; returns the path."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_DIR / name
    page.screenshot(path=str(path), full_page=full_page)
    return path
