"""Every tab in English and in Chinese, in a real headless Chromium against the launched app,
with the page's weight and its seconds to interactive in each language. Not a test (its
proof is in the pictures); run it and look at test-output/tab-*-{en,zh}.png:

    python tests/screenshot_tabs.py           # prints one JSON line per language
    python tests/screenshot_tabs.py --no-shots
    python tests/screenshot_tabs.py --tabs inside embeddings    # only these tabs' pictures

An open page with nothing running is then watched for 10 s: the events it sends a
second (its timers' polls) are printed as idle_events_per_s.

Page weight counts every request the page made until it was interactive (all must go to
127.0.0.1) and the bytes of their responses. "In its language" is when every label is in
the page's language (at once for the language the server built the page in; after the
page's load event and the switch for the other); "interactive" when, further, the first
tab has drawn its tokens in that language.
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
        ("attention", "att.tab"), ("inside", "inside.tab"), ("embeddings", "emb.tab"),
        ("ablation", "abl.tab"), ("spam", "spam.tab"), ("instruct", "ins.tab"),
        ("align", "dpo.tab"), ("gd-lab", "gd.tab"))
IDLE_S = 10           # how long an open page with nothing running is watched for polls
LOCALES = {"en": "en-US", "zh": "zh-CN"}
# The page's text unchanged for 2 s (the tab's views have drawn), or 30 s have passed.
STABLE_JS = """() => new Promise(done => {
  let last = '', same = 0, waited = 0;
  const tick = () => {
    const text = document.body.innerText;
    same = text === last ? same + 1 : 0; last = text; waited += 500;
    if (same >= 4 || waited > 30000) done(same >= 4); else setTimeout(tick, 500);
  };
  tick();
})"""


def _body_size(request) -> int:
    """Bytes of a finished request's response as they came over the wire (0 once the page
    is gone)."""
    try:
        return request.sizes()["responseBodySize"]
    except Exception:  # noqa: BLE001 - the page closed while the sizes were asked for
        return 0


def measure(url: str, lang: str, shots: bool, tabs: tuple = TABS) -> dict:
    sizes: list[int] = []
    with open_page(f"{url}?lang={lang}", viewport=(1400, 1000), timeout_ms=180_000,
                   locale=LOCALES[lang]) as (page, requests):
        page.on("requestfinished", lambda request: sizes.append(_body_size(request)))
        started = time.monotonic()
        page.wait_for_function(
            """([lang, title]) => {
                 const c = document.querySelector('#language-switch input:checked');
                 return c && c.value === lang && [...document.querySelectorAll('button[role=tab]')]
                   .some(b => b.offsetParent !== null && b.innerText.trim() === title); }""",
            arg=[lang, t("tok.tab", lang)], timeout=180_000)
        in_language = time.monotonic() - started
        page.get_by_text(t("tok.col_bytes", lang)).first.wait_for(timeout=180_000)
        interactive = time.monotonic() - started
        weight = {"lang": lang, "seconds_to_language": round(in_language, 2),
                  "seconds_to_interactive": round(interactive, 2),
                  "requests": len(requests), "bytes": sum(sizes),
                  "outside_requests": outside_requests(requests)}
        # An open page with nothing running should send nothing (its timers are off).
        page.wait_for_timeout(3000)                  # the opening's own events settle
        before = len(requests)
        page.wait_for_timeout(IDLE_S * 1000)
        weight["idle_events_per_s"] = round(
            sum("/queue/join" in u for u in requests[before:]) / IDLE_S, 2)
        if shots:
            for tab_id, key in tabs:
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
    parser.add_argument("--server-lang", choices=sorted(LOCALES), default="en",
                        help="the language the server builds its page in (LLM_PLAYGROUND_LANG)")
    parser.add_argument("--tabs", nargs="+", choices=[tab_id for tab_id, _ in TABS],
                        help="picture only these tabs")
    args = parser.parse_args()
    tabs = tuple(tab for tab in TABS if tab[0] in args.tabs) if args.tabs else TABS
    work = Path(tempfile.mkdtemp(prefix="tabs-"))
    started = time.monotonic()
    proc, url = launch_app(work / "app.log", work / "cache", LLM_PLAYGROUND_RUNS=str(work / "runs"),
                           LLM_PLAYGROUND_LANG=args.server_lang)
    print(json.dumps({"seconds_to_first_page": round(time.monotonic() - started, 1)}), flush=True)
    try:
        # the page's weight first, on a quiet server: each language's first page (the
        # first Chinese one loads the Tang poems for its story) and a later one
        for visit in ("first", "later"):
            for lang in LOCALES:
                print(json.dumps({"visit": visit, **measure(url, lang, shots=False)}), flush=True)
        for lang in [] if args.no_shots else LOCALES:
            measure(url, lang, shots=True, tabs=tabs)
    finally:
        stop_app(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
