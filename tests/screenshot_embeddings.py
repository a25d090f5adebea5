"""Screenshots of the embedding map forming: a short tiny-shakespeare run started in the
Pretrain tab, then the Embeddings tab's film at its first and its last frame, in a real
headless Chromium against the launched app, in English and Chinese. Not a test (each run
takes minutes and its proof is in the pictures); run it and look at
test-output/embeddings-film-*.png (do the vowels group?):

    python tests/screenshot_embeddings.py                    # both languages, 400 steps
    python tests/screenshot_embeddings.py en --steps 200

`shoot_film` is also what the browser test drives, with the tiny preset.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
if (HERE.parent.parent / "shared" / "data").is_dir():    # the team data folder, as the tests use it
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(HERE.parent.parent / "shared" / "data"))

from browser import open_page, save_screenshot  # noqa: E402
from conftest import launch_app, stop_app  # noqa: E402
from playground.i18n import t  # noqa: E402

AT_STEP = {"en": "at step {step:,}", "zh": "第 {step:,} 步"}
FIRST_FRAME = {"en": "Frame 1 of", "zh": "第 1 /"}


def shoot_film(url: str, lang: str, preset: str, steps: int, name: str,
               timeout_s: float = 900) -> tuple[Path, Path]:
    """Train `steps` steps of tiny-shakespeare with `preset` in the page, then screenshot
    the film at its last frame and at its first: (last, first) under test-output/."""
    with open_page(url, viewport=(1400, 1000), timeout_ms=60_000) as (page, _):
        page.get_by_role("tab", name=t("pre.tab", lang)).click()
        page.get_by_label(t("pre.corpus", lang)).click()
        page.get_by_role("option", name=t("corpus.tiny-shakespeare", lang)).click()
        time.sleep(1)                     # the story's settings arrive in the widgets
        page.get_by_label(t("pre.preset", lang)).click()
        page.get_by_role("option", name=t(f"preset.{preset}", lang)).click()
        time.sleep(1)
        page.get_by_text(t("pre.settings", lang)).click()
        steps_box = page.get_by_label(t("pre.steps", lang)).first
        steps_box.fill(str(steps))
        steps_box.press("Tab")
        page.get_by_role("button", name=t("pre.start", lang), exact=True).click()
        page.get_by_role("tab", name=t("emb.tab", lang)).click()
        status = page.locator("#film-status")
        status.get_by_text(AT_STEP[lang].format(step=steps)).wait_for(timeout=timeout_s * 1000)
        page.locator("#embedding-film").scroll_into_view_if_needed()
        time.sleep(1)                     # plotly finishes drawing the labels
        last = save_screenshot(page, f"{name}-last.png", full_page=False)
        frame_box = page.locator("#film-frame input[type=number]")
        frame_box.fill("0")
        frame_box.press("Enter")
        status.get_by_text(re.compile(re.escape(FIRST_FRAME[lang]))).wait_for(timeout=60_000)
        time.sleep(1)
        first = save_screenshot(page, f"{name}-first.png", full_page=False)
        return last, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="*", default=["en", "zh"])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--preset", default="shakespeare-char")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the run")
    args = parser.parse_args()
    for lang in args.languages:
        work = Path(tempfile.mkdtemp(prefix="embeddings-"))
        proc, url = launch_app(work / "app.log", work / "cache", LLM_PLAYGROUND_RUNS=str(work / "runs"),
                               LLM_PLAYGROUND_LANG=lang)
        try:
            for path in shoot_film(url, lang, args.preset, args.steps, f"embeddings-film-{lang}",
                                   args.timeout):
                print(path, flush=True)
        finally:
            stop_app(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
