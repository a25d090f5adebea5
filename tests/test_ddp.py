"""Data parallel training that can fail: two processes (gloo) against one, the same run
without gradient averaging as the negative control, and a NaN (or an exploding loss,
which the averaged gradients do not carry) on one process that must stop every process
at the same step."""

from __future__ import annotations

import datetime
import json
import math
import time

import pytest
import torch

from core.config import get_preset
from core.model import GPTModel
from core.objectives import LanguageModeling
from core.tokenizer import CharTokenizer
from core.train import TrainCallbacks, TrainConfig, Trainer

TEXT = "to be or not to be, that is the question. " * 60
SETTINGS = dict(max_steps=8, batch_size=8, lr=3e-3, warmup_steps=2, eval_every=2, eval_batches=2,
                sample_tokens=0, seed=5)
TOLERANCE = 2e-3             # what the command line's parity test allows
NAN_AT = 3                   # the process that poisons its loss does so at this step


class _PoisonedAt(LanguageModeling):
    """Next-token loss multiplied by `factor` at one step (in the process that has it)."""

    def __init__(self, *args, poison_at: int | None = None, factor: float = math.nan, **kwargs):
        super().__init__(*args, **kwargs)
        self.poison_at, self.factor, self.calls = poison_at, factor, 0

    def loss(self, model, inputs, targets):
        self.calls += 1
        loss = super().loss(model, inputs, targets)
        return loss * self.factor if self.calls == self.poison_at else loss


def _run(model, rank=0, world_size=1, all_reduce=None, poison_at=None, factor=math.nan) -> dict:
    """Train the tiny model; the evaluations (rank 0's view) and how it ended."""
    tok = CharTokenizer.from_text(TEXT)
    ids = torch.tensor(tok.encode(TEXT))
    objective = _PoisonedAt(ids[:2000], ids[2000:], tok, 16, poison_at=poison_at, factor=factor)
    evals = []
    trainer = Trainer(model, objective, TrainConfig(**SETTINGS), rank=rank, world_size=world_size,
                      all_reduce=all_reduce,
                      callbacks=TrainCallbacks(on_eval=lambda e: evals.append(
                          (e.step, e.train_loss, e.val_loss))))
    result = trainer.run()
    return {"evals": evals, "status": result.status, "step": result.step, "reason": result.reason}


def _fresh_model() -> GPTModel:
    torch.manual_seed(0)                      # every process starts from the same weights
    tok = CharTokenizer.from_text(TEXT)
    return GPTModel(get_preset("tiny", vocab_size=tok.n_vocab, drop_rate=0.0))


def _worker(rank: int, world_size: int, init_file: str, out_dir: str) -> None:
    """One process of the pair: the averaged run, the run without averaging, the NaN run."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=world_size, timeout=datetime.timedelta(seconds=120))

    def all_reduce(value):
        dist.all_reduce(value)
        return value
    results = {
        "averaged": _run(DistributedDataParallel(_fresh_model()), rank, world_size, all_reduce),
        # the negative control: each process steps on its own half of every batch
        "not averaged": _run(_fresh_model(), rank, world_size, all_reduce),
        "nan on rank 1": _run(DistributedDataParallel(_fresh_model()), rank, world_size,
                              all_reduce, poison_at=NAN_AT if rank == 1 else None),
        # a finite loss far above chance: the gradients stay finite, only rank 1 sees it
        "explodes on rank 1": _run(DistributedDataParallel(_fresh_model()), rank, world_size,
                                   all_reduce, poison_at=NAN_AT if rank == 1 else None,
                                   factor=1000.0),
    }
    with open(f"{out_dir}/rank{rank}.json", "w") as fh:
        json.dump(results, fh)
    dist.barrier()
    dist.destroy_process_group()


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    import torch.multiprocessing as mp
    out = tmp_path_factory.mktemp("ddp")
    context = mp.start_processes(_worker, args=(2, str(out / "init"), str(out)), nprocs=2,
                                 join=False, start_method="spawn")
    deadline = time.monotonic() + 600
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail("the two training processes did not finish (one waits for the other?)")
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


@pytest.fixture(scope="module")
def one_process():
    torch.set_num_threads(1)
    return _run(_fresh_model())


def _largest_gap(a: list, b: list) -> float:
    assert [e[0] for e in a] == [e[0] for e in b] == [0, 2, 4, 6, 8]
    return max(max(abs(x[1] - y[1]), abs(x[2] - y[2])) for x, y in zip(a, b))


@pytest.mark.slow
def test_two_averaging_processes_match_one_and_without_averaging_they_do_not(two_processes,
                                                                             one_process):
    rank0 = two_processes[0]
    assert rank0["averaged"]["status"] == "finished" == one_process["status"]
    assert _largest_gap(rank0["averaged"]["evals"], one_process["evals"]) <= TOLERANCE
    # the control: the same run without averaging is told apart by the same tolerance
    assert rank0["not averaged"]["status"] == "finished"
    assert _largest_gap(rank0["not averaged"]["evals"], one_process["evals"]) > 10 * TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize("case", ["nan on rank 1", "explodes on rank 1"])
def test_trouble_on_one_process_stops_every_process_at_the_same_step(two_processes, case):
    """(Had one process stopped alone, the other would wait for ever in the next
    all-reduce: the fixture's deadline fails the test then.)"""
    runs = [ranks[case] for ranks in two_processes]
    assert [r["status"] for r in runs] == ["failed", "failed"]
    assert runs[0]["step"] == runs[1]["step"] == NAN_AT - 1      # the poisoned step never landed
    expected = "nan" if case.startswith("nan") else "exploded"
    assert expected in runs[1]["reason"].lower()
    if case.startswith("explodes"):                # rank 0 saw nothing wrong itself
        assert "another process" in runs[0]["reason"]
