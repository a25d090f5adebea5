"""The spam classifier from scratch, as the tab's defaults train it, on the split without
duplicates: test accuracy and time for several seeds, and seconds per "why" click of a
GPT-2-sized classifier on a 2,000-character message. Not a test; run it and read it:

    python tests/measure_spam.py                  # seeds 123, 1, 2, 3 and the "why"
    python tests/measure_spam.py --seeds 123 --threads 2

The training runs in this process with the same objective, model and settings the
job process gets (core/classifier.py); the "why" makes the tab's own calls. On a
machine shared with other work, the seconds say more about the load than the code.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if (ROOT.parent / "shared" / "data").is_dir():   # the team data folder, as the tests use it
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(ROOT.parent / "shared" / "data"))

import torch  # noqa: E402

from core.classifier import (CLASSIFIER_TRAINING, SCRATCH_CONFIG, SPAM_CLASSES,  # noqa: E402
                             class_probabilities, classification_task, explainable_tokens,
                             leave_one_out, scratch_tokenizer, sms_spam_collection,
                             sms_spam_splits)
from core.config import get_preset  # noqa: E402
from core.model import build_model  # noqa: E402
from core.objectives import make_objective  # noqa: E402
from core.tokenizer import BPETokenizer  # noqa: E402
from core.train import Trainer  # noqa: E402

HEAD = {"kind": "classifier", "classes": list(SPAM_CLASSES)}
WHY_MESSAGE = ("Hi, it's me again. Are we still meeting for dinner tonight at the new place "
               "near the station? Let me know if you are running late, and I will order for both "
               "of us. Also, did you get the tickets for Saturday? ")


def from_scratch(seed: int) -> tuple[dict, float]:
    """(final metrics, seconds) of the tab's from-scratch fine-tune with this seed."""
    start = time.perf_counter()
    train, val, test = sms_spam_splits()
    tokenizer = scratch_tokenizer(train)
    cfg = SCRATCH_CONFIG.replace(vocab_size=tokenizer.n_vocab)
    train_cfg = CLASSIFIER_TRAINING["scratch"].replace(seed=seed)
    objective = make_objective(classification_task(train, val, test, tokenizer,
                                                   cfg.context_length), tokenizer,
                               cfg.context_length)
    torch.manual_seed(seed)                  # as the job process seeds its model
    model = build_model(cfg, HEAD)
    result = Trainer(model, objective, train_cfg).run()
    return result.last_eval.metrics, time.perf_counter() - start


def why_click(repeats: int = 3) -> tuple[int, int, list[float]]:
    """(tokens explained, tokens, seconds per click) for GPT-2 124M's sizes."""
    torch.manual_seed(0)
    cfg = get_preset("gpt2-124m", drop_rate=0.0, qkv_bias=True, tie_weights=True)
    model = build_model(cfg, HEAD).eval().requires_grad_(False)
    ids = BPETokenizer().encode((WHY_MESSAGE * 20)[:2000])[:cfg.context_length]
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        class_probabilities(model, ids)
        explained = explainable_tokens(cfg, len(ids))
        leave_one_out(model, ids, target=1, positions=range(explained))
        seconds.append(time.perf_counter() - start)
    return explained, len(ids), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="123,1,2,3")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: a job's share with another job running, and "
                             "the server's own on 2 cores)")
    parser.add_argument("--no-why", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    unique, removed = sms_spam_collection()
    train, val, test = sms_spam_splits()
    print(f"{removed} exact duplicates removed; {len(train)} / {len(val)} / {len(test)} messages; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for seed in (int(s) for s in args.seeds.split(",") if s.strip()):
        metrics, seconds = from_scratch(seed)
        print(f"seed {seed}: test accuracy {metrics['test_accuracy']:.2%} "
              f"(validation {metrics['val_accuracy']:.2%}) in {seconds:.1f} s", flush=True)
    if not args.no_why:
        explained, n, seconds = why_click()
        print(f"why, GPT-2 124M sizes, 2,000 characters = {n} tokens: {explained} explained, "
              + ", ".join(f"{s:.1f}" for s in seconds) + " s per click", flush=True)


if __name__ == "__main__":
    main()
