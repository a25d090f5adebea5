"""Screenshots of the ablation lab: a full-vs-no-positions pair trained in the page for a
while, stopped, with both curves, both samples, the word-order table and the verdict, in
a real headless Chromium against the launched app, in English (the-verdict) and Chinese
(the Tang poems). Not a test (each run takes minutes; its proof is in the pictures): run
it and look at test-output/ablation-positions-*.png (does the no-positions model's text
lose its word order? does the word-order distance stay near 0 for it?):

    python tests/screenshot_ablation.py                       # both languages, 120 s each
    python tests/screenshot_ablation.py en --seconds 60

`shoot_pair` is also what the browser test drives, stopping at the first samples.
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
sys.path.insert(0, str(HERE.parent))
if (HERE.parent.parent / "shared" / "data").is_dir():    # the team data folder, as the tests use it
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(HERE.parent.parent / "shared" / "data"))

from browser import open_page, save_screenshot  # noqa: E402
from conftest import launch_app, stop_app  # noqa: E402
from playground.i18n import t  # noqa: E402

VERDICT = {"en": "Verdict at step", "zh": "步的结论"}     # from abl.verdict
BOTH_SAMPLES = "() => document.querySelectorAll('.samples table').length >= 2"


def shoot_pair(url: str, lang: str, seconds: float, name: str, steps: int = 5000,
               timeout_s: float = 900) -> Path:
    """Start a no-positions pair in the page, let it train `seconds` after its first
    samples (at least until both models have written one), stop it, wait for the
    verdict and screenshot the tab: the path under test-output/."""
    with open_page(f"{url}?lang={lang}", viewport=(1500, 1300), timeout_ms=60_000,
                   locale="zh-CN" if lang == "zh" else "en-US") as (page, _):
        page.get_by_role("tab", name=t("abl.tab", lang)).click()
        # the page holds a copy for each language: the one shown
        steps_box = page.locator(f'input[aria-label="{t("abl.steps", lang)}"]:visible').first
        steps_box.fill(str(steps))
        steps_box.press("Tab")
        page.get_by_role("button", name=t("abl.start", lang), exact=True).click()
        page.wait_for_function(BOTH_SAMPLES, timeout=timeout_s * 1000)
        began = time.monotonic()
        while time.monotonic() - began < seconds:    # the issue asks for a pair at 120 s
            page.wait_for_timeout(1000)
        page.get_by_role("button", name=t("pre.stop", lang), exact=True).click()
        page.get_by_text(VERDICT[lang]).first.wait_for(timeout=120_000)
        time.sleep(1)                     # plotly finishes drawing
        return save_screenshot(page, f"{name}.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="*", default=["en", "zh"])
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    for lang in args.languages:
        work = Path(tempfile.mkdtemp(prefix="ablation-"))
        proc, url = launch_app(work / "app.log", work / "cache", LLM_PLAYGROUND_RUNS=str(work / "runs"))
        try:
            print(shoot_pair(url, lang, args.seconds, f"ablation-positions-{lang}"), flush=True)
        finally:
            stop_app(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
