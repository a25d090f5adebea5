"""The seam for extra models inside a job (core/jobs/spec.py): a frozen second model
stays frozen and apart from the mirror; a trainable one comes back out; both are counted.

The test objectives live here, so the job's process is forked from this test process
(which has them in the objective table) instead of the app's preloaded forkserver. A
child forked from a process that has run torch's thread pool hangs in its own first
parallel region (GNU OpenMP is not fork-safe), so these jobs use one thread.
"""

import time

import pytest
import torch
import torch.multiprocessing as mp

import core.jobs.job as job_module
from core.config import get_preset
from core.jobs import ExtraModel, JobRegistry, JobSpec, JobState, SavedModel, TrainingJob
from core.jobs.objective_table import OBJECTIVES
from core.model import GPTModel
from core.objectives import LanguageModeling, ObjectiveContext, Task
from core.tokenizer import CharTokenizer
from core.train import TrainConfig

TEXT = "to be or not to be, that is the question. " * 40


class FrozenReferenceCheck(LanguageModeling):
    """Pretraining, plus a frozen reference model that runs forward every step and is
    inspected at every evaluation."""

    name = "frozen-check"

    def __init__(self, ctx: ObjectiveContext):
        data = ctx.task.data
        super().__init__(data["train_tokens"], data["val_tokens"], ctx.tokenizer,
                         ctx.context_length)
        self.reference, self.device = ctx.extras["reference"], ctx.device
        self.initial = {k: v.clone() for k, v in self.reference.state_dict().items()}

    def loss(self, model, inputs, targets):
        with torch.no_grad():
            self.reference(inputs)
        return super().loss(model, inputs, targets)

    def evaluate(self, model, device, batch_size, n_batches, final=False):
        metrics = super().evaluate(model, device, batch_size, n_batches, final)
        ref = self.reference
        policy = {p.data_ptr() for p in model.parameters()}
        metrics.update(
            drift=max(float((v - self.initial[k]).abs().max()) for k, v in ref.state_dict().items()),
            frozen=float(not ref.training and not any(p.requires_grad for p in ref.parameters())),
            on_device=float(all(p.device.type == self.device.type for p in ref.parameters())),
            shares_policy=float(any(p.data_ptr() in policy for p in ref.parameters())))
        return metrics


class TrainableExtraCheck(LanguageModeling):
    """Pretraining, plus a second model the objective changes by +1 (one bias) a step."""

    name = "trainable-check"

    def __init__(self, ctx: ObjectiveContext):
        data = ctx.task.data
        super().__init__(data["train_tokens"], data["val_tokens"], ctx.tokenizer,
                         ctx.context_length)
        self.second = ctx.extras["second"]
        assert self.second.training and all(p.requires_grad for p in self.second.parameters())

    def loss(self, model, inputs, targets):
        with torch.no_grad():
            self.second.final_norm.shift.add_(1.0)
        return super().loss(model, inputs, targets)


@pytest.fixture
def forked(monkeypatch, tmp_path):
    """Jobs forked from this process, with the test objectives in the table."""
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("LLM_PLAYGROUND_JOB_THREADS", "1")
    monkeypatch.setattr(job_module, "job_context", lambda: mp.get_context("fork"))
    monkeypatch.setitem(OBJECTIVES, FrozenReferenceCheck.name, FrozenReferenceCheck)
    monkeypatch.setitem(OBJECTIVES, TrainableExtraCheck.name, TrainableExtraCheck)
    registry = JobRegistry(max_running=1, stop_grace=10)
    yield registry
    for job in registry.running_jobs():
        job.stop(grace=5)


def wait_for(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def job_spec(objective: str, extras: tuple, steps=30, **train) -> JobSpec:
    tok = CharTokenizer.from_text(TEXT)
    ids = torch.tensor(tok.encode(TEXT))
    spec = JobSpec.pretraining("seam", get_preset("tiny", vocab_size=tok.n_vocab),
                               TrainConfig(max_steps=steps, batch_size=4, eval_every=5,
                                           sample_every=1000, lr=3e-2, **train),
                               tok, ids[:1400], ids[1400:])
    spec.task = Task(objective, spec.task.data)
    spec.extra_models = extras
    return spec


def base_model(spec: JobSpec) -> GPTModel:
    torch.manual_seed(99)
    return GPTModel(spec.model_cfg).eval().requires_grad_(False)


def test_a_frozen_extra_model_holds_still_apart_from_the_mirror(forked):
    spec = job_spec("frozen-check", ())
    base = base_model(spec)                      # a model the learner picked
    forked.add_model("alice", SavedModel("base", base, spec.tokenizer))
    before = {k: v.clone() for k, v in base.state_dict().items()}
    spec.extra_models = (ExtraModel("reference", spec.model_cfg, init_state=base.state_dict()),)
    job = TrainingJob("alice", spec)
    forked.submit("alice", job)
    assert job.wait_ended(300) and job.view().state is JobState.FINISHED, job.view().reason
    evals = job.view().evals
    assert len(evals) >= 6
    for e in evals:
        assert e.metrics["drift"] == 0.0, e           # never changed while training …
        assert e.metrics["frozen"] == 1.0 and e.metrics["on_device"] == 1.0
        assert e.metrics["shares_policy"] == 0.0
    # … while the model it sat beside moved away from the same starting point
    trained = job.final_model().state_dict()
    assert any(not torch.allclose(trained[k], v) for k, v in before.items() if k in trained)
    # the picked model's own tensors never travelled (fresh shared copies did), unchanged
    assert not any(t.is_shared() for t in base.state_dict().values())
    assert all(torch.equal(v, before[k]) for k, v in base.state_dict().items())
    assert spec.extra_models[0].init_state is None    # the spec let go of the weights


def test_the_check_catches_a_reference_built_on_the_mirror(forked, monkeypatch):
    """The negative control: an extra model whose tensors are the job's own mirror
    follows the trained model, and the same check sees it drift."""
    from core.jobs.process import _JobRun

    def on_the_mirror(self, extra, device):
        model = GPTModel(extra.model_cfg)
        model.load_state_dict(self.links.mirror.tensors, strict=False, assign=True)
        return model.eval().requires_grad_(False)
    monkeypatch.setattr(_JobRun, "_extra_model", on_the_mirror)
    spec = job_spec("frozen-check", ())
    spec.extra_models = (ExtraModel("reference", spec.model_cfg,
                                    init_state=base_model(spec).state_dict()),)
    job = TrainingJob("alice", spec)
    forked.submit("alice", job)
    assert job.wait_ended(300)
    assert max(e.metrics["drift"] for e in job.view().evals) > 0


def test_torchs_pickler_moves_a_tensor_into_shared_memory_in_place():
    """Why the seam copies: sending a model's own tensor to a process would change
    that tensor's storage under everyone who uses it."""
    from multiprocessing.reduction import ForkingPickler

    tensor = torch.zeros(3)
    ForkingPickler.dumps(tensor)
    assert tensor.is_shared()


def test_a_trainable_extra_model_comes_back_out(forked):
    spec = job_spec("trainable-check", (), steps=100_000)
    spec.extra_models = (ExtraModel("second", spec.model_cfg, trainable=True),)
    job = TrainingJob("alice", spec)
    forked.submit("alice", job)
    wait_for(lambda: job.view().step >= 4)
    forked.pause("alice")
    held = -1
    while held != job.view().step:                       # wait until the step holds
        held = job.view().step
        time.sleep(0.5)
    job.snapshot_model()                                 # copies both models out
    second = job.extra_model("second")
    first_step_shift = second.final_norm.shift - held    # +1 a step, from fresh weights
    assert torch.allclose(first_step_shift, torch.zeros_like(first_step_shift), atol=1e-4)
    assert not second.training
    with pytest.raises(KeyError):
        job.extra_model("missing")
    forked.stop("alice")


def test_a_frozen_extra_model_without_every_weight_is_refused(forked):
    spec = job_spec("frozen-check", ())
    partial = {k: v for k, v in base_model(spec).state_dict().items() if "trf_blocks.0" not in k}
    spec.extra_models = (ExtraModel("reference", spec.model_cfg, init_state=partial),)
    job = TrainingJob("alice", spec)
    forked.submit("alice", job)
    view = job.view()
    assert view.state is JobState.FAILED and view.cause == "not_started"
    assert "'reference' has no weights" in view.reason


def test_memory_estimates_count_the_extra_models():
    spec = job_spec("lm", ())
    alone = spec.memory_estimate()
    weights = alone.weights
    assert alone.server == 2 * weights                   # the mirror and one snapshot
    spec.extra_models = (ExtraModel("reference", spec.model_cfg),)
    frozen = spec.memory_estimate()
    assert frozen.weights == 2 * weights and frozen.optimizer == alone.optimizer
    assert frozen.server == 3 * weights and frozen.total > alone.total
    spec.extra_models = (ExtraModel("second", spec.model_cfg, trainable=True),)
    trained = spec.memory_estimate()
    assert trained.optimizer == 2 * alone.optimizer and trained.total > frozen.total
    assert trained.process == alone.process              # one process, counted once
    spec.sequences_per_item = 2                          # a DPO pair: two sequences an item
    assert spec.memory_estimate().activations > trained.activations
