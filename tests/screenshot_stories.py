"""Screenshots of the Pretrain tab at 30, 60 and 120 s of a story with its defaults,
taken in a real headless Chromium against the launched app. Not a test (it takes
minutes and its proof is in the pictures); run it and look at
test-output/story-<corpus>-<lang>-<seconds>s.png:

    python tests/screenshot_stories.py                       # the Tang story, in Chinese
    python tests/screenshot_stories.py --lang en tiny-shakespeare
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from measure_stories import MARKS, report, run_in_page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=["tang-five"])
    parser.add_argument("--lang", default="zh", choices=("en", "zh"))
    parser.add_argument("--seed", type=int, default=123)
    args = parser.parse_args()
    from conftest import launch_app, stop_app
    work = Path(tempfile.mkdtemp(prefix="stories-"))
    proc, url = launch_app(work / "app.log", work / "cache", wait_s=900,
                           LLM_PLAYGROUND_RUNS=str(work / "runs"), LLM_PLAYGROUND_LANG=args.lang)
    try:
        report([run_in_page(url, corpus, args.seed, args.lang, MARKS, screenshots=True)
                for corpus in args.corpora])
    finally:
        stop_app(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
