"""Each story with the defaults a learner gets, measured where a learner sees it: in the
page, in headless Chromium, with the page polling. Not a test; run it and read the table
(about 2 minutes a run, one run after the other):

    python tests/measure_stories.py                       # Tang and tiny-shakespeare, 3 seeds;
                                                          # the tutorial's Tang recipe, 1 seed
    python tests/measure_stories.py tang-five --seeds 7   # one story, one seed
    python tests/measure_stories.py --lang zh --screenshots tang-five   # the Chinese page, pictures
    python tests/measure_stories.py --direct              # the job alone, no browser (faster to read)

For each run it presses Start and reads, at 30, 60 and 120 s after the click, the step,
the trainer's tokens/s (steps × tokens per step / the trainer's elapsed time), the
validation loss and the newest samples, and scores them:
- Tang: the share of the newest poems' lines in the classical shape (two clauses of 5
  or of 7 characters closed by ， and 。, core/poetry.py), all of the newest step's
  poems taken together;
- tiny-shakespeare: the share of the newest sample's words (after the prompt) that are
  words of the text (core/words.py).
Seconds depend on the machine and what else it runs: say so when you quote them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
if (ROOT.parent / "shared" / "data").is_dir():   # the team data folder, as the tests use it
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(ROOT.parent / "shared" / "data"))

from core.config import PRESETS  # noqa: E402
from core.corpora import load_corpus  # noqa: E402
from core.poetry import count_classical_lines  # noqa: E402
from core.pretraining import story_for, train_config_for  # noqa: E402
from core.words import word_share, words_of  # noqa: E402

STORIES = ("tang-five", "tiny-shakespeare")
MARKS = (30, 60, 120)


def score(corpus: str, samples: list[str]) -> dict:
    """The story's measure of the newest samples: (hits, out of) and their share."""
    if corpus.startswith("tang"):
        counts = [count_classical_lines(s) for s in samples]
        kind = "shape"
    else:
        known = _known_words(corpus)
        prompt = story_for(corpus).sample_prompt
        counts = [word_share(s, known, prompt) for s in samples]
        kind = "words"
    hits, total = sum(k for k, _ in counts), sum(n for _, n in counts)
    return {"kind": kind, "hits": hits, "total": total, "share": hits / total if total else 0.0}


_KNOWN: dict[str, set[str]] = {}


def _known_words(corpus: str) -> set[str]:
    if corpus not in _KNOWN:
        _KNOWN[corpus] = set(words_of(load_corpus(corpus)))
    return _KNOWN[corpus]


def tokens_per_step(corpus: str) -> int:
    preset = story_for(corpus).preset
    return train_config_for(preset).batch_size * PRESETS[preset].context_length


# ----- in the page --------------------------------------------------------------------

def run_in_page(url: str, corpus: str, seed: int, lang: str, marks=MARKS,
                screenshots: bool = False) -> dict:
    from browser import open_page, save_screenshot
    from story_page import as_written, choose_story, press_start, press_stop, read_page

    out = {"corpus": corpus, "seed": seed, "lang": lang, "preset": story_for(corpus).preset,
           "marks": {}}
    # The page in `lang` however the browser is set (its Accept-Language outranks the
    # server's language): the link says so, and the browser speaks it too.
    with open_page(f"{url}?lang={lang}", viewport=(1400, 1100), timeout_ms=120_000,
                   locale="zh-CN" if lang == "zh" else "en-US") as (page, _):
        choose_story(page, corpus, lang, seed=seed)
        press_start(page, lang)
        clicked = time.monotonic()
        for mark in marks:
            while time.monotonic() - clicked < mark:
                time.sleep(0.2)
            reading = read_page(page)
            if screenshots:
                save_screenshot(page, f"story-{corpus}-{lang}-{mark}s.png")
            rate = (reading.step * tokens_per_step(corpus) / reading.elapsed_s
                    if reading.step and reading.elapsed_s else None)
            out["marks"][mark] = {"step": reading.step, "tokens_per_s": rate and round(rate),
                                  "val_loss": reading.val_loss, "sample_step": reading.newest_step,
                                  "samples": reading.newest,
                                  **score(corpus, [as_written(s) for s in reading.newest])}
        press_stop(page, lang)
    return out


# ----- the job alone (no browser) -----------------------------------------------------

def run_direct(corpus: str, seed: int, marks=MARKS) -> dict:
    from core.jobs import JobRegistry, TrainingJob, warm_up
    from core.pretraining import model_config_for, pretraining_spec, tokenizer_for
    from story_page import as_written

    warm_up()
    story = story_for(corpus)
    text = load_corpus(corpus)
    tokenizer = tokenizer_for(corpus, "auto", text)
    model_cfg = model_config_for(story.preset, tokenizer.n_vocab)
    prompts = story.prompts("")
    train_cfg = train_config_for(story.preset, sample_prompt=prompts[0], seed=seed,
                                 sample_stop=story.sample_stop)
    spec = pretraining_spec(f"story {corpus}", corpus, text, tokenizer, model_cfg, train_cfg,
                            probe_text=story.probe_text, prompts=prompts)
    registry = JobRegistry(max_running=1)
    job = TrainingJob("story", spec)
    clicked = time.monotonic()
    registry.submit("story", job)
    out = {"corpus": corpus, "seed": seed, "lang": "-", "preset": story.preset, "marks": {}}
    for mark in marks:
        while time.monotonic() - clicked < mark and job.view().state.active:
            time.sleep(0.2)
        view = job.view()
        newest_step = view.samples[-1].step if view.samples else None
        newest = sorted((s for s in view.samples if s.step == newest_step), key=lambda s: s.item)
        # The sample ends before its blank line; read it as the page shows it.
        texts = [as_written(s.text) for s in newest]
        out["marks"][mark] = {
            "step": view.step,
            "tokens_per_s": view.last and round(view.step * view.tokens_per_step /
                                                max(view.last.elapsed_s, 1e-9)),
            "val_loss": view.evals[-1].val_loss if view.evals else None,
            "sample_step": newest_step, "samples": texts, **score(corpus, texts)}
    job.stop()
    return out


def report(results: list[dict]) -> None:
    for r in results:
        print(f"== {r['corpus']} · preset {r['preset']} · seed {r['seed']} · page {r['lang']}")
        for mark, m in r["marks"].items():
            print(f"-- {mark} s: step {m['step']}, {m['tokens_per_s']} tokens/s, "
                  f"validation {m['val_loss']}, {m['kind']} {m['hits']}/{m['total']} "
                  f"= {m['share']:.0%} (samples of step {m['sample_step']})")
            for text in m["samples"]:
                print("\n".join("   | " + line for line in text.splitlines()))
    print("\n== summary: share of the newest samples (all seeds together)")
    for corpus in dict.fromkeys(r["corpus"] for r in results):
        runs = [r for r in results if r["corpus"] == corpus]
        for mark in runs[0]["marks"]:
            hits = sum(r["marks"][mark]["hits"] for r in runs if mark in r["marks"])
            total = sum(r["marks"][mark]["total"] for r in runs if mark in r["marks"])
            shares = ", ".join(f"{r['marks'][mark]['share']:.0%}" for r in runs if mark in r["marks"])
            print(f"{corpus:18s} {mark:>4} s: {hits}/{total} = {hits / max(total, 1):.0%} "
                  f"(per seed: {shares})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", help=f"default: {', '.join(STORIES)}, then tang")
    parser.add_argument("--seeds", type=int, nargs="*", default=[123, 1, 2])
    parser.add_argument("--lang", default="en", choices=("en", "zh"))
    parser.add_argument("--direct", action="store_true", help="the job alone, no browser")
    parser.add_argument("--screenshots", action="store_true",
                        help="save the page at each mark in test-output/")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--marks", type=int, nargs="*", default=list(MARKS),
                        help="seconds after Start at which to read (default: 30 60 120)")
    args = parser.parse_args()
    marks = tuple(args.marks)
    runs = [(c, s) for c in (args.corpora or STORIES) for s in args.seeds]
    if not args.corpora:                 # the tutorial's own recipe, for comparison
        runs.append(("tang", args.seeds[0]))
    results = []
    if args.direct:
        results = [run_direct(corpus, seed, marks) for corpus, seed in runs]
    else:
        from conftest import launch_app, stop_app
        work = Path(tempfile.mkdtemp(prefix="stories-"))
        proc, url = launch_app(work / "app.log", work / "cache", wait_s=900,
                               LLM_PLAYGROUND_RUNS=str(work / "runs"), LLM_PLAYGROUND_LANG=args.lang)
        try:
            for corpus, seed in runs:
                results.append(run_in_page(url, corpus, seed, args.lang, marks,
                                           screenshots=args.screenshots))
                print(f"done: {corpus} seed {seed}", file=sys.stderr, flush=True)
        finally:
            stop_app(proc)
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
