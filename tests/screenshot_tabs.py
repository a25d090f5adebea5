"""Every tab in English and in Chinese, in a real headless Chromium against the launched app,
with the page's weight and its seconds to interactive in each language. Not a test (its
proof is in the pictures); run it and look at test-output/tab-*-{en,zh}.png:

    python tests/screenshot_tabs.py           # prints one JSON line per language
    python tests/screenshot_tabs.py --no-shots

Page weight counts every request the page made until it was interactive (all must go to
127.0.0.1) and the bytes of their responses. "Interactive" is when the page's load event
has answered: the language switch shows the page's language and the first tab has drawn
its tokens.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from browser import open_page, outside_requests, save_screenshot  # noqa: E402
from conftest import launch_app, stop_app  # noqa: E402

from playground.i18n import t  # noqa: E402

TABS = (("tokenizer", "tok.tab"), ("pretrain", "pre.tab"), ("sampling", "samp.tab"),
        ("attention", "att.tab"), ("spam", "spam.tab"), ("instruct", "ins.tab"),
        ("gd-lab", "gd.tab"))
LOCALES = {"en": "en-US", "zh": "zh-CN"}
# The page's text unchanged for 2 s (the tab's views have drawn), or 90 s have passed.
STABLE_JS = """() => new Promise(done => {
  let last = '', same = 0, waited = 0;
  const tick = () => {
    const text = document.body.innerText;
    same = text === last ? same + 1 : 0; last = text; waited += 500;
    if (same >= 4 || waited > 90000) done(same >= 4); else setTimeout(tick, 500);
  };
  tick();
})"""


def measure(url: str, lang: str, shots: bool) -> dict:
    sizes: list[int] = []
    with open_page(f"{url}?lang={lang}", viewport=(1400, 1000), timeout_ms=180_000,
                   locale=LOCALES[lang]) as (page, requests):
        page.on("requestfinished", lambda req: sizes.append(req.sizes()["responseBodySize"]))
        started = time.monotonic()
        page.wait_for_function(
            """(lang) => { const c = document.querySelector('#language-switch input:checked');
                           return c && c.value === lang; }""", arg=lang, timeout=180_000)
        page.get_by_text(t("tok.col_bytes", lang)).first.wait_for(timeout=180_000)
        interactive = time.monotonic() - started
        weight = {"lang": lang, "seconds_to_interactive": round(interactive, 2),
                  "requests": len(requests), "bytes": sum(sizes),
                  "outside_requests": outside_requests(requests)}
        if shots:
            for tab_id, key in TABS:
                page.get_by_role("tab", name=t(key, lang), exact=True).first.click()
                page.wait_for_timeout(1000)
                # open the tab's lesson card, so the picture shows it too
                page.locator(".lesson-card:visible").first.get_by_text(
                    t("lesson.title", lang)).click()
                page.evaluate(STABLE_JS)
                save_screenshot(page, f"tab-{tab_id}-{lang}.png")
    return weight


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-shots", action="store_true", help="only measure the page")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tabs-"))
    started = time.monotonic()
    proc, url = launch_app(work / "app.log", work / "cache", LLM_PLAYGROUND_RUNS=str(work / "runs"))
    print(json.dumps({"seconds_to_first_page": round(time.monotonic() - started, 1)}), flush=True)
    try:
        for lang in LOCALES:
            print(json.dumps(measure(url, lang, not args.no_shots)), flush=True)
    finally:
        stop_app(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
