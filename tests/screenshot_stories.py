"""Screenshots of the Pretrain tab after 120 s of each story with its defaults, taken in a
real headless Chromium against the launched app. Not a test (it takes minutes and its
proof is in the pictures); run it and look at test-output/story-*.png:

    python tests/screenshot_stories.py                    # tang and tiny-shakespeare
    python tests/screenshot_stories.py tang --seconds 60
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if (HERE.parent.parent / "shared" / "data").is_dir():    # the team data folder, as the tests use it
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(HERE.parent.parent / "shared" / "data"))

from browser import open_page, save_screenshot  # noqa: E402
from conftest import launch_app, stop_app  # noqa: E402

LABELS = {"tang": "Tang poems (全唐诗)", "tiny-shakespeare": "tiny-shakespeare (1 MB)",
          "the-verdict": "the-verdict (Edith Wharton, built in)"}


def shoot(url: str, corpus: str, seconds: float) -> Path:
    with open_page(url, viewport=(1400, 1100), timeout_ms=60_000) as (page, _):
        page.get_by_role("tab", name="Pretrain").click()
        page.get_by_label("Training text").click()
        page.get_by_role("option", name=LABELS[corpus]).click()
        page.get_by_text("What to expect").first.wait_for()
        time.sleep(1)                     # the story's settings arrive in the widgets
        page.get_by_role("button", name="Start", exact=True).click()
        page.get_by_text("training", exact=False).first.wait_for(timeout=60_000)
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            time.sleep(2)
        path = save_screenshot(page, f"story-{corpus}.png")
        page.get_by_role("button", name="Stop", exact=True).click()
        page.get_by_text("Stopped.").wait_for()
        return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=["tang", "tiny-shakespeare"])
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stories-"))
    proc, url = launch_app(work / "app.log", work / "cache", LLM_PLAYGROUND_RUNS=str(work / "runs"))
    try:
        for corpus in args.corpora:
            print(shoot(url, corpus, args.seconds), flush=True)
    finally:
        stop_app(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
