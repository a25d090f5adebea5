"""Measure the ablation lab's pairings as a learner gets them: the pair's job on the app's
job machinery (core/jobs: a registry, a job process), read at fixed seconds after Start.
Not a test; run it and read the table.

    python tests/measure_ablation.py                        # 6 pairings × 2 corpora, 60 and 120 s
    python tests/measure_ablation.py --corpus the-verdict --pairing positions --seconds 5,10
    python tests/measure_ablation.py --steps 200 --seconds end    # both losses after 200 steps
    python tests/measure_ablation.py --json ablation.json   # also the results as JSON

For each corpus and pairing it submits the pair's job (core/ablation_job.py's `pair_spec`,
the corpus's story settings, seed 123) and at each mark (seconds after the submit, or
`end`: when the job has ended) reads what the page would show: the last evaluation of
both models (step, validation losses, the gap second − first), the step reached, and
the pair's tokens/s (both models' tokens over the trainer's elapsed time); at the last
mark also the newest samples of both. A pair that diverges (one model diverging stops
both) is reported with its step and message.

Cost: the pairing's full model trains alone (same corpus, settings and seed, the plain
language-modelling job) for `--alone-seconds`; its tokens/s against the pair's gives the
ratio (about 1: the pair moves as many tokens a second as one model, each model at about
half the pace). Pairings whose full model is the same share one alone run.

`--steps` is the pair's step budget. By default it is the corpus's story budget (the
Pretrain tab's, at most the lab's maximum), so the job still trains at 120 s and the
learning rate follows that schedule; `--steps 200` is the lab's own default. With
`--seconds end` the losses are those after exactly that many steps: deterministic at the
seed, unlike seconds on a shared machine (this replaces the earlier in-process step mode:
the job runs the same objective and trainer).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
if (HERE.parent.parent / "shared" / "data").is_dir():
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(HERE.parent.parent / "shared" / "data"))

from core.ablation import PAIRINGS, SECOND, pair_verdict  # noqa: E402
from core.ablation_job import MAX_PAIR_STEPS, pair_spec  # noqa: E402
from core.corpora import load_corpus  # noqa: E402
from core.jobs import (RUNS_ENV, JobBusy, JobRegistry, JobSpec, JobTooBig, TrainingJob,  # noqa: E402
                       warm_up)
from core.pretraining import model_config_for, story_for, tokenizer_for, train_config_for  # noqa: E402

CORPORA = ("the-verdict", "tiny-shakespeare")
END = "end"                  # a mark: when the job has ended (its whole step budget)
SETUP_S = 15                 # per job: the spec, the process's start, the stop (a guess to re-measure)
ALONE_S = 30
SEED = 123


# ----- what to run --------------------------------------------------------------------

def parse_marks(text: str) -> list:
    """'60,120' -> [60.0, 120.0]; 'end' marks the job's end; marks in increasing order."""
    marks = [END if part.strip() == END else float(part) for part in text.split(",") if part.strip()]
    timed = [m for m in marks if m != END]
    if not marks or timed != sorted(timed) or any(m <= 0 for m in timed) or \
            (END in marks and marks[-1] != END):
        raise argparse.ArgumentTypeError(f"marks are increasing seconds, 'end' last: {text!r}")
    return marks


def story_steps(corpus: str) -> int:
    """The pair's default budget: the corpus's story budget, within the lab's maximum."""
    return min(train_config_for(story_for(corpus).preset).max_steps, MAX_PAIR_STEPS)


@functools.lru_cache(maxsize=None)
def _base_config(corpus: str):
    tokenizer = tokenizer_for(corpus, "auto", load_corpus(corpus))
    return model_config_for(story_for(corpus).preset, tokenizer.n_vocab)


def full_model(corpus: str, pairing: str):
    """The pairing's first (full) model on the corpus: the alone run's model."""
    return PAIRINGS[pairing].configs(_base_config(corpus))[0]


def estimate_s(corpora, pairings, marks, alone_s: float) -> tuple[float, int]:
    """Seconds a run should take (the `end` marks not counted) and its alone runs."""
    timed = [m for m in marks if m != END]
    pair_s = (timed[-1] if timed else 0) + SETUP_S
    alone = len({(c, full_model(c, p)) for c in corpora for p in pairings})
    return len(corpora) * len(pairings) * pair_s + alone * (alone_s + SETUP_S), alone


def alone_spec(pair: JobSpec) -> JobSpec:
    """The pair's first model alone: same text, settings, seed and start, plain pretraining."""
    data = pair.task.data
    return JobSpec.pretraining(f"{pair.label} alone", pair.model_cfg, pair.train_cfg,
                               pair.tokenizer, data["train_tokens"], data["val_tokens"],
                               prompts=data["prompts"], corpus=pair.corpus,
                               init_state=pair.init_state, listed=False)


def tokens_per_step(spec: JobSpec) -> int:
    """Tokens one step moves through every model the job trains."""
    contexts = [spec.model_cfg.context_length]
    contexts += [e.model_cfg.context_length for e in spec.extra_models if e.trainable]
    return spec.train_cfg.batch_size * sum(contexts)


# ----- running a job and reading it ---------------------------------------------------

def run_job(registry: JobRegistry, spec: JobSpec, marks: list, read) -> list[dict]:
    """Submit the job, call `read(view)` at each mark (seconds after the submit, or the
    job's end), then stop it. A job that ends early is read as it ended."""
    job = TrainingJob("measure", spec)
    submitted = time.monotonic()
    registry.submit("measure", job)
    readings = []
    try:
        for mark in marks:
            if mark == END:
                job.wait_ended()
            else:
                while time.monotonic() - submitted < mark and job.view().state.active:
                    time.sleep(0.2)
            readings.append({"mark": mark, "at_s": round(time.monotonic() - submitted, 1),
                             **read(job.view())})
    finally:
        job.stop()
    return readings


def _rate(view, spec: JobSpec) -> float | None:
    if view.last is None or view.last.elapsed_s <= 0:
        return None
    return (view.last.step - view.first_step) * tokens_per_step(spec) / view.last.elapsed_s


def read_progress(view, spec: JobSpec) -> dict:
    """What any job shows: its state (and why it ended), the step, its tokens/s."""
    return {"state": view.state.value, "cause": view.cause, "reason": view.reason,
            "step": view.step, "elapsed_s": view.last and round(view.last.elapsed_s, 1),
            "tokens_per_s": _rate(view, spec)}


def read_pair(view, spec: JobSpec) -> dict:
    """The pair's progress, both models' last evaluation and both newest samples."""
    out = read_progress(view, spec)
    verdict = pair_verdict(view.evals)
    if verdict is not None:
        out.update(eval_step=verdict.step, first_val=verdict.first_val,
                   second_val=verdict.second_val, gap=verdict.gap)
    newest = max((s.step for s in view.samples), default=None)
    out["sample_step"] = newest
    out["samples"] = {("first", SECOND)[s.item]: s.text for s in view.samples
                      if s.step == newest and s.item in (0, 1)}
    return out


def measure_pair(registry: JobRegistry, corpus: str, pairing: str, steps: int | None,
                 marks: list, alone_s: float, alone_cache: dict) -> dict:
    """One pairing on one corpus: the pair at each mark, and its full model alone."""
    out = {"corpus": corpus, "pairing": pairing, "seed": SEED}
    try:
        spec = pair_spec(f"measure {pairing}", corpus, pairing, steps or story_steps(corpus), SEED)
        out["steps"] = spec.train_cfg.max_steps
        out["marks"] = run_job(registry, spec, marks, lambda v: read_pair(v, spec))
        key = (corpus, spec.model_cfg)
        if key not in alone_cache:
            alone = alone_spec(spec)
            alone_cache[key] = run_job(registry, alone, [alone_s],
                                       lambda v: read_progress(v, alone))[-1]
        out["alone"] = alone_cache[key]
    except (ValueError, JobBusy, JobTooBig) as err:        # could not start: say why, go on
        out["error"] = str(err)
    return out


# ----- the report ---------------------------------------------------------------------

def _num(value, fmt: str = ".3f") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else \
        format(value, fmt)


def _mark_name(mark) -> str:
    return mark if mark == END else f"{mark:g} s"


def report(results: list[dict]) -> None:
    print(f"{'corpus':17} {'pairing':10} {'at':>6} {'step':>5} {'eval':>5} {'first':>6} "
          f"{'second':>6} {'gap':>7} {'pair tok/s':>10} {'alone tok/s':>11} {'ratio':>5}  note")
    for r in results:
        if "error" in r:
            print(f"{r['corpus']:17} {r['pairing']:10} could not start: {r['error']}")
            continue
        alone = r["alone"].get("tokens_per_s")
        for m in r["marks"]:
            rate = m["tokens_per_s"]
            ratio = rate / alone if rate and alone else None
            note = "" if m["state"] == "running" else \
                f"{m['state']} at step {m['step']}" + (f": {m['reason']}" if m["reason"] else "")
            print(f"{r['corpus']:17} {r['pairing']:10} {_mark_name(m['mark']):>6} {m['step']:>5} "
                  f"{_num(m.get('eval_step'), 'd'):>5} {_num(m.get('first_val')):>6} "
                  f"{_num(m.get('second_val')):>6} {_num(m.get('gap'), '+.3f'):>7} "
                  f"{_num(rate, '.0f'):>10} {_num(alone, '.0f'):>11} {_num(ratio, '.2f'):>5}  {note}")
    print("\nSamples at the last mark (first model, then second):")
    for r in results:
        if "error" in r:
            continue
        last = r["marks"][-1]
        print(f"== {r['corpus']} · {r['pairing']} · {_mark_name(last['mark'])} · "
              f"samples of step {last['sample_step']} (budget {r['steps']} steps)")
        for which in ("first", SECOND):
            text = last["samples"].get(which, "-")
            print(f"-- {which}:\n" + "\n".join("   | " + line for line in text.splitlines()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", choices=CORPORA + ("tang-five",),
                        help=f"repeatable; default: {', '.join(CORPORA)}")
    parser.add_argument("--pairing", action="append", choices=list(PAIRINGS),
                        help="repeatable; default: every pairing")
    parser.add_argument("--seconds", type=parse_marks, default=parse_marks("60,120"),
                        help="marks: seconds after the submit, comma-separated; 'end' waits "
                             "for the job's end (default 60,120)")
    parser.add_argument("--steps", type=int, help="the pair's step budget (default: the "
                        "corpus's story budget, at most the lab's maximum)")
    parser.add_argument("--alone-seconds", type=float, default=ALONE_S,
                        help=f"how long the full model trains alone (default {ALONE_S})")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    corpora, pairings = args.corpus or list(CORPORA), args.pairing or list(PAIRINGS)
    total, n_alone = estimate_s(corpora, pairings, args.seconds, args.alone_seconds)
    print(f"{len(corpora)} corpora × {len(pairings)} pairings, read at "
          f"{', '.join(_mark_name(m) for m in args.seconds)}, "
          f"+ {n_alone} alone runs of {args.alone_seconds:g} s: about {total / 60:.0f} min "
          f"({total:.0f} s, {SETUP_S} s a job for setup"
          + (", plus the step budgets' own time" if END in args.seconds else "") + ")",
          flush=True)
    own_runs = None if os.environ.get(RUNS_ENV) else tempfile.mkdtemp(prefix="ablation-")
    if own_runs:             # the jobs' checkpoints: a folder of this run's own (set before
        os.environ[RUNS_ENV] = own_runs     # the job processes' server starts)
    warm_up()
    registry = JobRegistry(max_running=1)
    results, alone_cache = [], {}
    began = time.monotonic()
    try:
        for corpus in corpora:
            for pairing in pairings:
                results.append(measure_pair(registry, corpus, pairing, args.steps, args.seconds,
                                            args.alone_seconds, alone_cache))
                print(f"done: {corpus} · {pairing} ({time.monotonic() - began:.0f} s so far)",
                      file=sys.stderr, flush=True)
    finally:
        registry.shutdown()
        if own_runs:
            shutil.rmtree(own_runs, ignore_errors=True)
    report(results)
    print(f"\n{time.monotonic() - began:.0f} s in all")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
