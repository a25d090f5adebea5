"""What the embedding-map probe costs a training run: in one process, the time of the
training steps and of the probe calls they come with (one every `eval_every` steps, as
in a job), measured block by block so both see the same machine load. Not a test (it
takes minutes and its result is a ratio to report); run it and read the table:

    python tests/measure_embedding_probe.py                   # the three stories
    python tests/measure_embedding_probe.py tiny-shakespeare --blocks 4
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
if (HERE.parent.parent / "shared" / "data").is_dir():    # the team data folder, as the tests use it
    os.environ.setdefault("LLM_PLAYGROUND_DATA", str(HERE.parent.parent / "shared" / "data"))

import torch  # noqa: E402

from core.corpora import corpus_tokenizer, load_corpus  # noqa: E402
from core.model import GPTModel  # noqa: E402
from core.pretraining import (model_config_for, pretraining_spec, story_for,  # noqa: E402
                              train_config_for)
from core.runtime import configure_cpu_threads  # noqa: E402
from core.train import TrainCallbacks, pretraining_trainer  # noqa: E402


def measure(corpus: str, blocks: int) -> tuple[float, float, int, int]:
    """(seconds training, seconds in the map probe, steps, probe calls)."""
    story = story_for(corpus)
    tokenizer = corpus_tokenizer(corpus)
    text = load_corpus(corpus)
    train_cfg = train_config_for(story.preset)
    spec = pretraining_spec("measure", corpus, text, tokenizer,
                            model_config_for(story.preset, tokenizer.n_vocab), train_cfg)
    probe = next(p for p in spec.probes if p.name == "embedding_map")
    torch.manual_seed(train_cfg.seed)
    model = GPTModel(spec.model_cfg)
    trainer = pretraining_trainer(model, tokenizer, spec.task.data["train_tokens"],
                                  spec.task.data["val_tokens"], train_cfg,
                                  callbacks=TrainCallbacks(on_probe=lambda info: None),
                                  probes=(probe,))
    trainer.run_probes(every_step=True)                  # warm-up: the first call pays for set-up
    training = probing = 0.0
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(probe.every):
            trainer.train_step()
        middle = time.perf_counter()
        trainer.run_probes(every_step=True)
        probing += time.perf_counter() - middle
        training += middle - start
    return training, probing, blocks * probe.every, blocks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=["tiny-shakespeare", "tang", "the-verdict"])
    parser.add_argument("--blocks", type=int, default=6)
    args = parser.parse_args()
    configure_cpu_threads()
    print(f"torch threads: {torch.get_num_threads()}")
    print("corpus            steps  training s  probe calls  probe s  probe / training")
    for corpus in args.corpora:
        training, probing, steps, calls = measure(corpus, args.blocks)
        print(f"{corpus:<17} {steps:>5}  {training:>10.2f}  {calls:>11}  {probing:>7.3f}  "
              f"{probing / training:>16.2%}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
