"""The Tang poet's three stages with the app's defaults, one after the other, through the
job machinery (no browser): how far a preference for five-character poems takes hold.
Not a test; run it and read the report (about 11 minutes with the default durations:
the three stages' 9 minutes, plus loading the poems, the stops and the poems written
before and after):

    python tests/measure_alignment.py                     # 120 s + 120 s, alignment read at 120, 300 s
    python tests/measure_alignment.py --json alignment.json
    python tests/measure_alignment.py --align-steps 3000  # Steps raised: still aligning at 300 s
    python tests/measure_alignment.py --pretrain-s 40 --instruct-s 30 --marks 20,40  # a check, ~4 min

Each stage is built as its tab builds it, from the same core functions and defaults:
1. Pretraining: the Tang story a Chinese page opens on (`tang-five`: the tang-char
   preset and its training settings), stopped after `--pretrain-s` as the Stop button
   stops it; the model it keeps is the next stage's base.
2. Instruction tuning: the instruction tab's Tang poems on that model (whole poems only,
   the tab's settings for a model pretrained here, the instruction not masked), stopped
   after `--instruct-s`.
3. The Alignment tab's pairs for that model: how many of the tutorial's pairs there
   are, how many fit its context whole, and the training / evaluation split.
4. Before: the five-character share of the poems the instruction-tuned model writes for
   the tab's 20 fixed titles and seed (`write_poems`, `five_character_share`: what every
   evaluation of the alignment job computes), and the job's own step-0 evaluation.
5. Alignment with the tab's defaults (β, steps, batch, learning rate, seed), read at each
   of `--marks` seconds after it was submitted: the newest evaluation's five-character
   share, preference accuracy and margin on the evaluation pairs (a periodic evaluation
   reads 32 of them). Then Stop: the kept model evaluated by the alignment objective's
   own final evaluation (every evaluation pair), and the poems for 3 titles, before and
   after.
Seconds depend on the machine and what else it runs: say so when you quote them. The
alignment job ends by itself at its step budget (the tab's 200 steps may take less than
the first mark on a quiet machine); a mark after that reads its end.
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
if (ROOT.parent / "shared" / "data").is_dir():   # the team data folder, as the tests use it
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(ROOT.parent / "shared" / "data"))

from core.alignment import TRAINING as ALIGN_TRAINING, alignment_pairs, alignment_spec  # noqa: E402
from core.corpora import tang_parts, tang_poems  # noqa: E402
from core.dpo import (DEFAULT_BETA, five_character_share, is_five_character_answer,  # noqa: E402
                      write_poems)
from core.instruct import (TRAINING as INSTRUCT_TRAINING, instruction_task,  # noqa: E402
                           tang_instruction_split, whole_tang_items)
from core.jobs import RUNS_ENV, JobRegistry, JobSpec, TrainingJob, warm_up  # noqa: E402
from core.jobs.objective_table import make_objective  # noqa: E402
from core.objectives import ObjectiveContext  # noqa: E402
from core.pretraining import DEFAULT_STORIES, story_for, story_spec  # noqa: E402
from core.runtime import pick_device  # noqa: E402

STORY = DEFAULT_STORIES["zh"]      # the Tang story: what a Chinese page opens on
MASK_INSTRUCTION = False           # the instruction tab's checkbox starts unticked
OWNER = "measure-alignment"
SHOWN_TITLES = 3
START_S = 120                      # loading the poems, the stops, the poems before and after


def run_for(registry: JobRegistry, job: TrainingJob, seconds: float) -> dict:
    """Submit `job`, let it train `seconds` (or until it ends), Stop it as the page does
    and return how far it got; its model is then the newest in the learner's list."""
    registry.submit(OWNER, job)
    began = time.monotonic()
    while time.monotonic() - began < seconds and job.view().state.active:
        time.sleep(0.2)
    view = stop(registry, job)
    last = view.evals[-1] if view.evals else None
    return {"state": view.state.value, "reason": view.reason, "step": view.step,
            "max_steps": view.max_steps, "seconds": round(time.monotonic() - began, 1),
            "kept_step": view.kept_step, "val_loss": last and last.val_loss,
            "train_loss": last and last.train_loss}


def stop(registry: JobRegistry, job: TrainingJob):
    """Stop the job as the page's Stop does; its view, once it has kept its model."""
    registry.stop(OWNER)
    view = job.view()
    if view.kept_step is None:
        raise SystemExit(f"{job.spec.kind}: no model was kept, at step {view.step} "
                         f"({view.state.value}: {view.reason}); give it more time")
    return view


def newest_model(registry: JobRegistry, job: TrainingJob):
    """The model the ended job left in the learner's list (the picker's newest)."""
    saved = registry.models(OWNER)[0]
    assert saved.step == job.view().kept_step and saved.label.startswith(job.spec.label), saved.label
    return saved


def pretrain(registry: JobRegistry, seconds: float) -> tuple[dict, object]:
    spec = story_spec(STORY, f"measure · pretrain {STORY}")
    job = TrainingJob(OWNER, spec, device=pick_device())
    out = {"story": STORY, "preset": story_for(STORY).preset, **run_for(registry, job, seconds)}
    return out, newest_model(registry, job)


def instruct(registry: JobRegistry, base, seconds: float) -> tuple[dict, object]:
    tokenizer, model_cfg = base.tokenizer, base.model.cfg
    train, val, _ = tang_instruction_split()
    total = len(train)
    train, val, whole = whole_tang_items(train, val, tokenizer, model_cfg.context_length)
    train_cfg = INSTRUCT_TRAINING["pretrained"]
    task = instruction_task(train, val, tokenizer, model_cfg.context_length, MASK_INSTRUCTION,
                            max_new_tokens=train_cfg.sample_tokens)
    spec = JobSpec("measure · instruct tang", model_cfg, train_cfg, tokenizer, task, corpus="tang",
                   kind="instruct", init_state=base.model.state_dict(), tags=("instruction-tuned",),
                   base_model=base.id)
    job = TrainingJob(OWNER, spec, device=pick_device())
    out = {"items": total, "whole": whole, "train": len(train), "val": len(val),
           "batch": train_cfg.batch_size, "lr": train_cfg.lr, **run_for(registry, job, seconds)}
    return out, newest_model(registry, job)


def eval_reading(info) -> dict:
    return {"eval_step": info.step, **readings(info.metrics), "val_loss": info.val_loss}


def readings(m: dict) -> dict:
    return {k: m.get(k) for k in ("five_share", "val_accuracy", "val_margin", "train_accuracy",
                                  "train_margin", "val_chosen_logprob")}


def full_evaluation(spec: JobSpec, base, after) -> dict:
    """The alignment objective's own final evaluation of the kept model against its base,
    here: every evaluation pair (a stop that lands on an evaluation step is not evaluated
    again in the job, and a periodic evaluation reads only some of them)."""
    objective = make_objective(ObjectiveContext(spec.task, spec.tokenizer,
                                                spec.model_cfg.context_length,
                                                extras={"reference": base.model}))
    device = next(after.model.parameters()).device
    cfg = spec.train_cfg
    return readings(objective.evaluate(after.model, device, cfg.batch_size, cfg.eval_batches,
                                       final=True))


def align(registry: JobRegistry, base, marks: list[float], steps: int | None = None) -> dict:
    tokenizer, context = base.tokenizer, base.model.cfg.context_length
    parts = tang_parts(tang_poems())
    pairs = alignment_pairs(tokenizer, context)
    train_cfg = ALIGN_TRAINING           # the tab's defaults, or its Steps box changed
    if steps is not None:
        train_cfg = train_cfg.with_settings(steps, train_cfg.batch_size, train_cfg.lr, train_cfg.seed)
    titles, seed = pairs.titles, train_cfg.seed
    before_poems = write_poems(base.model, tokenizer, titles, seed)
    out = {"pairs": {"tutorial_train": len(parts["pairs_train"]),
                     "tutorial_eval": len(parts["pairs_eval"]),
                     "fit_train": len(pairs.train), "fit_eval": len(pairs.val), "context": context,
                     "eval_pairs_per_evaluation": min(len(pairs.val), train_cfg.batch_size
                                                      * train_cfg.eval_batches)},
           "beta": DEFAULT_BETA, "steps": train_cfg.max_steps, "batch": train_cfg.batch_size,
           "lr": train_cfg.lr, "seed": seed, "titles": titles,
           "before": {"five_share": five_character_share(before_poems), "poems": before_poems},
           "marks": {}}
    spec = alignment_spec("measure · align tang", base.model, tokenizer, pairs, train_cfg,
                          beta=DEFAULT_BETA, base_model=base.id)
    job = TrainingJob(OWNER, spec, device=pick_device())
    registry.submit(OWNER, job)
    began = time.monotonic()
    for mark in marks:
        while time.monotonic() - began < mark and job.view().state.active:
            time.sleep(0.2)
        view = job.view()
        print(f"alignment at {mark:g} s: step {view.step}", file=sys.stderr, flush=True)
        if not view.evals:
            out["marks"][mark] = {"step": view.step, "state": view.state.value}
            continue
        newest = max((s.step for s in view.samples), default=None)
        poems = [s.text for s in sorted(view.samples, key=lambda s: s.item) if s.step == newest]
        out["marks"][mark] = {"step": view.step, "state": view.state.value,
                              "pair_draws": view.step * train_cfg.batch_size,
                              **eval_reading(view.evals[-1]), "sample_step": newest,
                              "poems": poems}
        if view.evals[0].step == 0:
            out["before"]["job_step0"] = eval_reading(view.evals[0])
    view = stop(registry, job)
    out["end"] = {"step": view.step, "state": view.state.value, "reason": view.reason,
                  "seconds": round(time.monotonic() - began, 1), **eval_reading(view.evals[-1])}
    after = newest_model(registry, job)
    after_poems = write_poems(after.model, tokenizer, titles, seed)
    out["after"] = {"step": after.step, "five_share": five_character_share(after_poems),
                    "poems": after_poems, "evaluation": full_evaluation(spec, base, after)}
    return out


def measure(pretrain_s: float, instruct_s: float, marks: list[float],
            align_steps: int | None = None) -> dict:
    warm_up()
    registry = JobRegistry(max_running=1)
    try:
        pre, pretrained = pretrain(registry, pretrain_s)
        print(f"pretrained: step {pre['step']} in {pre['seconds']} s", file=sys.stderr, flush=True)
        ins, tuned = instruct(registry, pretrained, instruct_s)
        print(f"instruction-tuned: step {ins['step']} in {ins['seconds']} s", file=sys.stderr,
              flush=True)
        return {"pretrain": pre, "instruct": ins, "align": align(registry, tuned, marks, align_steps)}
    finally:
        registry.shutdown()


def _pct(x) -> str:
    return "–" if x is None else f"{x:.0%}"


def _num(x, fmt=".3f") -> str:
    return "–" if x is None else format(x, fmt)


def report(r: dict) -> None:
    pre, ins, al = r["pretrain"], r["instruct"], r["align"]
    print(f"== 1. pretraining: story {pre['story']} (preset {pre['preset']}), {pre['seconds']} s: "
          f"step {pre['step']} of {pre['max_steps']}, {pre['state']}; kept step {pre['kept_step']}, "
          f"validation loss {_num(pre['val_loss'])}")
    print(f"== 2. instruction tuning: {ins['whole']} of {ins['items']} Tang items fit whole, "
          f"{ins['train']} trained on, {ins['val']} validation; batch {ins['batch']}, lr {ins['lr']}; "
          f"{ins['seconds']} s: step {ins['step']} of {ins['max_steps']}, {ins['state']}; "
          f"kept step {ins['kept_step']}, validation loss {_num(ins['val_loss'])}")
    p = al["pairs"]
    print(f"== 3. pairs: the tutorial's {p['tutorial_train']} + {p['tutorial_eval']}; "
          f"{p['fit_train']} + {p['fit_eval']} (training + evaluation) fit a {p['context']}-token "
          f"context whole and were used; each periodic evaluation reads "
          f"{p['eval_pairs_per_evaluation']} evaluation pairs, the final one all {p['fit_eval']}")
    before = al["before"]
    zero = before.get("job_step0", {})
    print(f"== 4. before (instruction-tuned, {len(al['titles'])} titles, seed {al['seed']}): "
          f"five-character share {_pct(before['five_share'])} "
          f"(the job's step-0 evaluation: {_pct(zero.get('five_share'))})")
    print(f"== 5. alignment: β {al['beta']}, {al['steps']} steps, batch {al['batch']}, "
          f"lr {al['lr']}")
    for mark, m in al["marks"].items():
        if "eval_step" not in m:
            print(f"-- {mark:g} s: step {m['step']} ({m['state']}), no evaluation yet")
            continue
        ended = "" if m["state"] == "running" else ", ended before this mark"
        print(f"-- {mark:g} s: step {m['step']} ({m['state']}{ended}), "
              f"evaluation of step {m['eval_step']}: "
              f"five-character share {_pct(m['five_share'])}, evaluation preference accuracy "
              f"{_pct(m['val_accuracy'])}, margin {_num(m['val_margin'])} (training: "
              f"{_pct(m['train_accuracy'])}, {_num(m['train_margin'])}); chosen log-prob "
              f"{_num(m['val_chosen_logprob'])}; {m['pair_draws']} pairs drawn "
              f"({m['pair_draws'] / p['fit_train']:.1f}× the training pairs)")
    end = al["end"]
    how = "ended by itself" if end["state"] == "finished" else "stopped after the last mark"
    full = al["after"]["evaluation"]
    print(f"-- {end['state']} at step {end['step']}, {end['seconds']} s after the start ({how}); "
          f"the job's last evaluation (step {end['eval_step']}): five-character share "
          f"{_pct(end['five_share'])}, evaluation preference accuracy {_pct(end['val_accuracy'])}, "
          f"margin {_num(end['val_margin'])}")
    print(f"-- the kept model (step {al['after']['step']}) on all {p['fit_eval']} evaluation pairs: "
          f"preference accuracy {_pct(full['val_accuracy'])}, margin {_num(full['val_margin'])}, "
          f"chosen log-prob {_num(full['val_chosen_logprob'])}; five-character share "
          f"{_pct(full['five_share'])}")
    print(f"== before / after (step {al['after']['step']}): five-character share "
          f"{_pct(before['five_share'])} → {_pct(al['after']['five_share'])}")
    for title, b, a in list(zip(al["titles"], before["poems"], al["after"]["poems"]))[:SHOWN_TITLES]:
        print(f"-- {title}")
        for name, poem in (("before", b), ("after", a)):
            mark = "five-character" if is_five_character_answer(poem) else "not five-character"
            print(f"   {name} ({mark}):")
            print("\n".join("   | " + line for line in (poem.strip("\n") or "(nothing)").splitlines()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain-s", type=float, default=120.0,
                        help="seconds of pretraining before Stop (default 120)")
    parser.add_argument("--instruct-s", type=float, default=120.0,
                        help="seconds of instruction tuning before Stop (default 120)")
    parser.add_argument("--marks", default="120,300",
                        help="seconds after the alignment's start to read it, the last one "
                             "then Stop (default 120,300)")
    parser.add_argument("--align-steps", type=int,
                        help=f"the alignment's Steps box (default: the tab's "
                             f"{ALIGN_TRAINING.max_steps}, which may end before the last mark)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    marks = sorted(float(x) for x in args.marks.split(","))
    expected = args.pretrain_s + args.instruct_s + marks[-1] + START_S
    print(f"expected duration: about {expected / 60:.0f} min ({args.pretrain_s:g} s pretraining, "
          f"{args.instruct_s:g} s instruction tuning, {marks[-1]:g} s alignment, ~{START_S} s "
          f"for the rest)", flush=True)
    with tempfile.TemporaryDirectory(prefix="measure-alignment-") as runs:
        os.environ.setdefault(RUNS_ENV, runs)          # the jobs' checkpoints, gone after
        results = measure(args.pretrain_s, args.instruct_s, marks, args.align_steps)
    if args.json:                                      # first: the numbers outlive a report's error
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
