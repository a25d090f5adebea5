"""Measure the ablation lab's pairings: both models' validation loss after a fixed number
of steps (deterministic at a fixed seed, unlike seconds on a shared machine), the
samples at the end, and the pair's seconds against one model alone on the same settings.

    python tests/measure_ablation.py                                  # every pairing, 2 corpora
    python tests/measure_ablation.py --corpus the-verdict --pairing positions --steps 200

Runs in this process with the app's own objective and trainer (one thread), not through
the job machinery: the numbers are the pair's, without the server around it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
if (HERE.parent.parent / "shared" / "data").is_dir():
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(HERE.parent.parent / "shared" / "data"))

import torch  # noqa: E402

from core.ablation import PAIRINGS, SECOND, pair_verdict  # noqa: E402
from core.ablation_job import pair_spec  # noqa: E402
from core.jobs.objective_table import make_objective  # noqa: E402
from core.model import build_model  # noqa: E402
from core.objectives import LanguageModeling, ObjectiveContext  # noqa: E402
from core.train import TrainCallbacks, Trainer  # noqa: E402


def run_pair(corpus: str, pairing: str, steps: int, seed: int = 123) -> dict:
    spec = pair_spec("measure", corpus, pairing, steps, seed)
    extra = spec.extra_models[0]
    first, second = build_model(spec.model_cfg), build_model(extra.model_cfg)
    first.load_state_dict(spec.init_state)
    second.load_state_dict(extra.init_state)
    objective = make_objective(ObjectiveContext(spec.task, spec.tokenizer,
                                                spec.model_cfg.context_length,
                                                extras={SECOND: second}))
    evals, samples = [], []
    cfg = spec.train_cfg.replace(sample_every=steps)
    began = time.perf_counter()
    result = Trainer(first, objective, cfg, callbacks=TrainCallbacks(
        on_eval=evals.append, on_sample=samples.append)).run()
    seconds = time.perf_counter() - began
    alone = LanguageModeling(spec.task.data["train_tokens"], spec.task.data["val_tokens"],
                             spec.tokenizer, spec.model_cfg.context_length)
    solo = build_model(spec.model_cfg)
    solo.load_state_dict(spec.init_state)
    began = time.perf_counter()
    Trainer(solo, alone, cfg.replace(sample_tokens=0)).run()
    solo_seconds = time.perf_counter() - began
    return {"result": result, "verdict": pair_verdict(evals), "samples": samples,
            "seconds": seconds, "solo_seconds": solo_seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append")
    parser.add_argument("--pairing", action="append")
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for corpus in args.corpus or ["the-verdict", "tiny-shakespeare"]:
        for pairing in args.pairing or list(PAIRINGS):
            out = run_pair(corpus, pairing, args.steps)
            v, r = out["verdict"], out["result"]
            print(f"{corpus} · {pairing}: {r.status} at step {r.step} {r.reason}", flush=True)
            if v is not None:
                print(f"  validation first {v.first_val:.3f}, second {v.second_val:.3f}, "
                      f"gap {v.gap:+.3f}; first reached second's at {v.first_reached}, "
                      f"second reached first's at {v.second_reached}")
            print(f"  pair {out['seconds']:.1f} s, one model alone {out['solo_seconds']:.1f} s")
            for sample in out["samples"][-2:]:
                print(f"  sample {sample.item}: {sample.text[:160]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
