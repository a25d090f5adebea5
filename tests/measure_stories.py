"""Each corpus's story with the defaults a learner gets: what the model writes after
30, 60 and 120 s of training, its validation loss and its speed. Not a test; run it
and read the samples (about 2 minutes a corpus, one after the other):

    python tests/measure_stories.py                     # all three corpora
    python tests/measure_stories.py tang --seconds 120  # one

Jobs run exactly as the app runs them: in their own process, with the settings the
Pretrain tab chooses for the corpus (core/pretraining.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if (ROOT.parent / "shared" / "data").is_dir():   # the team data folder, as the tests use it
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(ROOT.parent / "shared" / "data"))

from core.corpora import load_corpus  # noqa: E402
from core.jobs import warm_up  # noqa: E402
from core.jobs import JobRegistry, TrainingJob  # noqa: E402
from core.pretraining import (model_config_for, pretraining_spec, story_for,  # noqa: E402
                              tokenizer_for, train_config_for)

CORPORA = ("tiny-shakespeare", "tang", "the-verdict")


def run_story(corpus: str, seconds: float, marks=(30, 60, 120)) -> dict:
    story = story_for(corpus)
    text = load_corpus(corpus)
    tokenizer = tokenizer_for(corpus, "auto", text)
    model_cfg = model_config_for(story.preset, tokenizer.n_vocab)
    train_cfg = train_config_for(story.preset, sample_prompt=story.sample_prompt)
    spec = pretraining_spec(f"story {corpus}", corpus, text, tokenizer, model_cfg, train_cfg,
                            probe_text=story.probe_text)
    registry = JobRegistry(max_running=1)
    job = TrainingJob("story", spec)
    t0 = time.monotonic()
    registry.submit("story", job)
    out = {"corpus": corpus, "preset": story.preset, "tokenizer": tokenizer.name,
           "vocab": tokenizer.n_vocab, "marks": {}}
    for mark in marks:
        if mark > seconds:
            break
        while time.monotonic() - t0 < mark and job.view().state.active:
            time.sleep(0.2)
        view = job.view()
        last_eval = view.evals[-1] if view.evals else None
        out["marks"][mark] = {
            "step": view.step,
            "train_loss": last_eval and round(last_eval.train_loss, 3),
            "val_loss": last_eval and round(last_eval.val_loss, 3),
            "tokens_per_s": view.last and round(view.step * view.tokens_per_step /
                                                max(view.last.elapsed_s, 1e-9)),
            "sample_step": view.samples[-1].step if view.samples else None,
            "sample": view.samples[-1].text if view.samples else "",
            "overfitting": view.overfitting,
        }
    job.stop()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=list(CORPORA))
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    warm_up()
    results = [run_story(corpus, args.seconds) for corpus in args.corpora]
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    for r in results:
        print(f"== {r['corpus']} · preset {r['preset']} · {r['tokenizer']} ({r['vocab']:,} tokens)")
        for mark, m in r["marks"].items():
            print(f"-- {mark} s: step {m['step']}, train {m['train_loss']}, val {m['val_loss']}, "
                  f"{m['tokens_per_s']} tokens/s{' (overfitting)' if m['overfitting'] else ''}")
            print(f"   sample at step {m['sample_step']}:\n" +
                  "\n".join("   | " + line for line in m["sample"].splitlines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
