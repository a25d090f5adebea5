"""Preference alignment (DPO): the loss by hand, its identities, the log-probabilities,
the pair builder, the frozen reference and a tiny run that learns its pairs."""

import math

import pytest
import torch

from core.config import GPTConfig
from core.corpora import tang_preference_pairs
from core.dpo import (DEFAULT_BETA, PreferenceAlignment, collate_pairs, compute_dpo_loss,
                      compute_logprobs, encode_pairs, five_character_share,
                      is_five_character_answer, pair_fits, pair_logprobs, preference_accuracy,
                      preference_alignment, preference_task, write_poems)
from core.instruct import tang_prompt
from core.poetry import is_five_character_poem
from core.model import GPTModel, fresh_model
from core.objectives import ObjectiveContext
from core.tokenizer import CharTokenizer
from core.train import TrainConfig, Trainer

LN2 = math.log(2)
FIVE = ["床前明月光，疑是地上霜。", "舉頭望明月，低頭思故鄉。"]
SEVEN = ["兩個黃鸝鳴翠柳，一行白鷺上青天。"]
MIXED = ["白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓樓。"]


# ----- the loss by hand ------------------------------------------------------------------------

def test_the_dpo_loss_on_a_hand_computed_pair():
    # policy likes the chosen 0.5 more than the reference did, the rejected 0.5 less
    out = compute_dpo_loss(torch.tensor([-1.0]), torch.tensor([-2.0]),
                           torch.tensor([-1.5]), torch.tensor([-1.5]), beta=0.5)
    assert out.chosen_rewards.tolist() == [0.25] and out.rejected_rewards.tolist() == [-0.25]
    assert out.margins.tolist() == [0.5]
    assert out.loss.item() == pytest.approx(math.log(1 + math.exp(-0.5)))    # −ln σ(0.5)
    # reversed: the rejected answer gained, so the loss is above ln 2
    reverse = compute_dpo_loss(torch.tensor([-2.0]), torch.tensor([-1.0]),
                               torch.tensor([-1.5]), torch.tensor([-1.5]), beta=0.5)
    assert reverse.loss.item() == pytest.approx(math.log(1 + math.exp(0.5)))
    # two pairs: the loss is their mean
    both = compute_dpo_loss(torch.tensor([-1.0, -2.0]), torch.tensor([-2.0, -1.0]),
                            torch.tensor([-1.5, -1.5]), torch.tensor([-1.5, -1.5]), beta=0.5)
    assert both.loss.item() == pytest.approx((out.loss.item() + reverse.loss.item()) / 2)


def test_the_reference_matters_not_only_the_policy():
    """Same policy scores, different reference: a wrong formula that ignored the
    reference (or subtracted it the wrong way) would give the same loss."""
    policy = (torch.tensor([-1.0]), torch.tensor([-1.0]))
    liked_rejected = compute_dpo_loss(*policy, torch.tensor([-3.0]), torch.tensor([-1.0]), beta=1.0)
    assert liked_rejected.margins.item() == pytest.approx(2.0)
    assert liked_rejected.loss.item() < LN2


@pytest.mark.parametrize("beta", [1e-3, 0.1, 1.0, 10.0])
def test_policy_equal_to_reference_gives_ln2_and_zero_rewards(beta):
    torch.manual_seed(0)
    chosen, rejected = -torch.rand(5) * 4, -torch.rand(5) * 4
    out = compute_dpo_loss(chosen, rejected, chosen.clone(), rejected.clone(), beta=beta)
    assert out.loss.item() == pytest.approx(LN2, abs=1e-7)
    assert torch.all(out.chosen_rewards == 0) and torch.all(out.margins == 0)


def test_as_beta_goes_to_zero_the_loss_goes_to_ln2():
    args = (torch.tensor([-0.5, -4.0]), torch.tensor([-3.0, -0.2]),
            torch.tensor([-2.0, -1.0]), torch.tensor([-1.0, -2.0]))
    losses = [compute_dpo_loss(*args, beta=b).loss.item() for b in (1.0, 1e-2, 1e-6)]
    assert abs(losses[0] - LN2) > 0.1
    assert abs(losses[2] - LN2) < 1e-5 and abs(losses[2] - LN2) < abs(losses[1] - LN2)


@pytest.mark.parametrize("beta", [0, -0.1, float("nan")])
def test_beta_must_be_above_zero(beta):
    with pytest.raises(ValueError, match="beta"):
        compute_dpo_loss(torch.zeros(1), torch.zeros(1), torch.zeros(1), torch.zeros(1), beta=beta)


def test_preference_accuracy_counts_a_tie_as_half():
    assert preference_accuracy(torch.tensor([1.0, -1.0, 0.0, 2.0])) == pytest.approx(0.625)
    assert preference_accuracy(torch.zeros(7)) == 0.5              # step 0: policy = reference
    assert preference_accuracy(torch.tensor([0.3, 0.1])) == 1.0


# ----- log-probabilities ------------------------------------------------------------------

def test_compute_logprobs_by_hand():
    # one sequence, V = 2: logits (0, 0) → p = ½ each; logits (ln 3, 0) → p = ¾, ¼
    logits = torch.tensor([[[0.0, 0.0], [math.log(3), 0.0], [5.0, -5.0]]])
    targets = torch.tensor([[1, 0, -100]])
    expected_sum = math.log(0.5) + math.log(0.75)
    assert compute_logprobs(logits, targets, average=False).item() == pytest.approx(expected_sum)
    assert compute_logprobs(logits, targets).item() == pytest.approx(expected_sum / 2)


def test_logprobs_ignore_the_prompt_and_the_padding():
    torch.manual_seed(1)
    logits = torch.randn(2, 6, 5)
    targets = torch.tensor([[-100, -100, 3, 1, 4, -100], [-100, 2, 0, -100, -100, -100]])
    before = compute_logprobs(logits, targets)
    changed = logits.clone()
    changed[targets == -100] = torch.randn(int((targets == -100).sum()), 5) * 10
    assert torch.allclose(compute_logprobs(changed, targets), before)
    changed[0, 3, 1] += 1.0                                     # a response token counts
    assert not torch.allclose(compute_logprobs(changed, targets)[0], before[0])


def test_a_pairs_logprobs_do_not_depend_on_the_padding_of_its_batch():
    """Collated beside a longer pair (more padding), a pair keeps its log-probabilities;
    the prompt's tokens are not scored."""
    tok = CharTokenizer.from_text(tang_prompt("春夜") + "".join(FIVE + SEVEN + MIXED) + "長" * 30)
    model = fresh_model(GPTConfig(vocab_size=tok.n_vocab, context_length=96, emb_dim=32,
                                  n_heads=2, n_layers=2, drop_rate=0.0)).eval()
    short = encode_pairs([(tang_prompt("春夜"), FIVE[0], SEVEN[0])], tok)
    long = encode_pairs([(tang_prompt("春夜"), "\n".join(FIVE), "長" * 30)], tok)
    alone = pair_logprobs(model, *collate_pairs(short, tok.eos_id))
    beside = pair_logprobs(model, *collate_pairs(short + long, tok.eos_id))
    assert torch.allclose(alone[0], beside[0][:1], atol=1e-6)
    assert torch.allclose(alone[1], beside[1][:1], atol=1e-6)
    inputs, targets = collate_pairs(short + long, tok.eos_id)
    assert inputs.shape == targets.shape and inputs.shape[:2] == (2, 2)
    prompt_len = short[0].chosen.prompt_len
    assert torch.all(targets[:, :, :prompt_len - 1] == -100)            # the prompt: never a target
    counted = (targets[0, 0] != -100).sum().item()
    assert counted == len(FIVE[0]) + 1                                  # the answer and its end-of-text


# ----- the five-character test --------------------------------------------------------------

def test_the_five_character_detector_on_hand_made_poems():
    assert is_five_character_answer("\n".join(FIVE))
    assert is_five_character_answer("\n".join(FIVE) + "\n")             # a trailing newline
    assert not is_five_character_answer("\n".join(SEVEN))
    assert not is_five_character_answer("\n".join(MIXED))                # one line too long
    assert not is_five_character_answer("")                               # no poem at all
    assert not is_five_character_answer(FIVE[0] + "\n\n" + FIVE[1])       # a broken line
    # 12 characters, but punctuation where the characters go: the tutorial's test passes it
    assert is_five_character_poem(["。襃。畧。駒，。朓，，。"])
    assert not is_five_character_answer("。襃。畧。駒，。朓，，。")
    assert is_five_character_answer("□□□□□，山月照□□。")                   # unknown characters count
    assert five_character_share(["\n".join(FIVE), "\n".join(SEVEN)]) == 0.5


# ----- the pair builder ---------------------------------------------------------------------

def _poems(n_five=12, n_other=12):
    poems = []
    for i in range(n_five):
        poems.append({"title": f"五{i}", "paragraphs": FIVE[: 1 + i % 2]})
    for i in range(n_other):
        poems.append({"title": f"七{i}", "paragraphs": SEVEN * (1 + i % 3)})
    return poems


def test_the_pair_builder_keeps_whole_pairs_that_fit():
    poems = _poems()
    tok = CharTokenizer.from_text("".join(tang_prompt(p["title"]) + "\n".join(p["paragraphs"])
                                          for p in poems))
    context = len(tok.encode(tang_prompt("七10") + "\n".join(SEVEN * 2))) + 1   # 2 lines fit, 3 don't
    train, val = tang_preference_pairs(poems * 5, pair_fits(tok, context))
    pairs = train + val
    assert pairs and len(train) == int(len(pairs) * 0.9)
    for title, chosen, rejected in pairs:
        assert is_five_character_answer(chosen) and not is_five_character_answer(rejected)
        assert rejected.count("\n") <= 1                 # a 3-line seven-character poem never fits
        for side in (chosen, rejected):
            assert len(tok.encode(tang_prompt(title) + side)) < context
        assert title.startswith("五")                    # the rejected lines, under the chosen title
    # a side is never cut: collated, every side ends with its whole lines and an end-of-text
    inputs, targets = collate_pairs(encode_pairs([(tang_prompt(t), c, r) for t, c, r in pairs], tok),
                                    tok.eos_id)
    assert inputs.shape[-1] < context
    for row, (_, chosen, rejected) in zip(targets, pairs):
        for side, text in zip(row, (chosen, rejected)):
            ids = [i for i in side.tolist() if i != -100]
            assert tok.decode(ids) == text + "\0"


def test_the_pair_builder_leaves_out_what_does_not_fit_or_is_unknown():
    poems = _poems() * 5
    tok = CharTokenizer.from_text("".join(tang_prompt(p["title"]) + "\n".join(p["paragraphs"])
                                          for p in poems))
    assert tang_preference_pairs(poems, pair_fits(tok, 10)) == ([], [])      # nothing fits
    lacking = CharTokenizer([c for c in tok.chars if c != "鄉"])            # 舉頭望明月，低頭思故鄉。
    train, val = tang_preference_pairs(poems, pair_fits(lacking, 200))
    assert train + val and all("鄉" not in c + r for _, c, r in train + val)


def test_the_pair_builder_is_fixed_by_its_seed():
    poems = _poems() * 5
    tok = CharTokenizer.from_text("".join(tang_prompt(p["title"]) + "\n".join(p["paragraphs"])
                                          for p in poems))
    fits = pair_fits(tok, 200)
    assert tang_preference_pairs(poems, fits) == tang_preference_pairs(poems, fits)


# ----- the objective, the reference, a tiny run --------------------------------------------

TITLES = ["春", "夏", "秋", "冬", "山", "水", "風", "月"]


def _tiny_setup(seed=0):
    """A tiny character model and eight pairs: a five-character answer against a
    seven-character one under the same title."""
    pairs = [(tang_prompt(t), FIVE[i % 2], SEVEN[0]) for i, t in enumerate(TITLES)]
    tok = CharTokenizer.from_text("".join(p + c + r for p, c, r in pairs))
    cfg = GPTConfig(vocab_size=tok.n_vocab, context_length=64, emb_dim=32, n_heads=2, n_layers=2,
                    drop_rate=0.0)
    policy = fresh_model(cfg, seed=seed)
    reference = GPTModel(cfg)
    reference.load_state_dict(policy.state_dict())        # its own copy, as the job's seam makes
    reference.eval().requires_grad_(False)
    task = preference_task(pairs, pairs[:4], tok, beta=0.5, titles=TITLES[:3], seed=7)
    objective = preference_alignment(ObjectiveContext(task, tok, cfg.context_length,
                                                      extras={"reference": reference}))
    return policy, reference, objective, tok


def test_at_step_zero_the_loss_is_ln2_and_every_margin_zero():
    policy, _, objective, _ = _tiny_setup()
    metrics = objective.evaluate(policy, "cpu", 4, 2)
    assert metrics["train_loss"] == pytest.approx(LN2, abs=1e-6)
    assert metrics["val_loss"] == pytest.approx(LN2, abs=1e-6)
    assert metrics["train_margin"] == 0 and metrics["train_accuracy"] == 0.5
    assert 0.0 <= metrics["five_share"] <= 1.0
    assert objective.chance_loss == pytest.approx(LN2)


def test_a_step_moves_the_policy_and_never_the_reference():
    policy, reference, objective, _ = _tiny_setup()
    before = {k: v.clone() for k, v in reference.state_dict().items()}
    start = {k: v.clone() for k, v in policy.state_dict().items()}
    trainer = Trainer(policy, objective, TrainConfig(max_steps=5, batch_size=4, lr=1e-2,
                                                     warmup_steps=0, eval_every=5))
    for _ in range(3):
        trainer.train_step()
    assert all(torch.equal(v, before[k]) for k, v in reference.state_dict().items())
    assert all(p.grad is None and not p.requires_grad for p in reference.parameters())
    assert not reference.training
    assert any(not torch.equal(v, start[k]) for k, v in policy.state_dict().items())
    policy_storage = {p.data_ptr() for p in policy.parameters()}
    assert not any(p.data_ptr() in policy_storage for p in reference.parameters())


def test_a_reference_that_follows_the_policy_never_learns():
    """The negative control of the seam's rule: a reference that is the policy itself (as
    one aliasing the job's mirror would become) keeps the loss at ln 2 for ever."""
    policy, _, objective, _ = _tiny_setup()
    objective.reference = policy
    trainer = Trainer(policy, objective, TrainConfig(max_steps=5, batch_size=4, lr=1e-2,
                                                     warmup_steps=0, eval_every=5))
    losses = [trainer.train_step().loss for _ in range(3)]
    assert losses == pytest.approx([LN2] * 3, abs=1e-6)


def test_a_tiny_run_learns_to_prefer_its_training_pairs():
    torch.manual_seed(0)
    policy, reference, objective, _ = _tiny_setup()
    cfg = TrainConfig(max_steps=40, batch_size=8, lr=3e-3, warmup_steps=0, eval_every=40,
                      sample_every=1000, seed=3)
    evals = []
    from core.train import TrainCallbacks
    result = Trainer(policy, objective, cfg, callbacks=TrainCallbacks(on_eval=evals.append)).run()
    assert result.status == "finished", result.reason
    first, last = evals[0], evals[-1]
    assert first.metrics["train_accuracy"] == 0.5
    assert last.metrics["train_accuracy"] > 0.9
    assert last.train_loss < LN2 and last.metrics["train_margin"] > 0
    assert last.metrics["train_chosen_reward"] > last.metrics["train_rejected_reward"]


def test_samples_are_one_poem_per_title_and_repeat_with_the_seed():
    policy, _, objective, tok = _tiny_setup()
    samples = objective.samples(policy, TrainConfig())
    assert [s.item for s in samples] == [0, 1, 2]
    again = write_poems(policy, tok, TITLES[:3], seed=7)
    assert [s.text for s in samples] == again
    assert write_poems(policy, tok, TITLES[:3], seed=8) != again


def test_the_objective_refuses_a_pair_longer_than_the_context():
    pairs = [(tang_prompt("春"), FIVE[0], SEVEN[0])]
    tok = CharTokenizer.from_text("".join(p + c + r for p, c, r in pairs))
    reference = fresh_model(GPTConfig(vocab_size=tok.n_vocab, context_length=30, emb_dim=16,
                                      n_heads=2, n_layers=1))
    task = preference_task(pairs, pairs, tok, DEFAULT_BETA, ["春"], 1)
    with pytest.raises(ValueError, match="longer than the context"):
        preference_alignment(ObjectiveContext(task, tok, 30, extras={"reference": reference}))


def test_the_objective_is_in_the_table():
    from core.jobs.objective_table import OBJECTIVES
    assert OBJECTIVES["dpo"] is preference_alignment
    assert PreferenceAlignment.name == "dpo"


# ----- through the job's seam ----------------------------------------------------------------

@pytest.fixture
def forked(monkeypatch, tmp_path):
    """Jobs forked from this process (one thread: see tests/test_job_seam.py)."""
    import torch.multiprocessing as mp

    import core.jobs.job as job_module
    from core.jobs import JobRegistry
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("LLM_PLAYGROUND_JOB_THREADS", "1")
    monkeypatch.setattr(job_module, "job_context", lambda: mp.get_context("fork"))
    registry = JobRegistry(max_running=1, stop_grace=10)
    yield registry
    for job in registry.running_jobs():
        job.stop(grace=5)


@pytest.mark.slow
def test_an_alignment_job_scores_against_the_base_it_started_from(forked):
    """The job's own final numbers, recomputed here with the base held still as the
    reference: a reference that drifted in the job (trained, or following the policy
    through the mirror) would give other margins."""
    from core.alignment import AlignmentPairs, alignment_spec
    from core.jobs import JobState, SavedModel, TrainingJob

    policy, _, _, tok = _tiny_setup()
    base = policy.eval().requires_grad_(False)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    forked.add_model("alice", SavedModel("base", base, tok, tags=("instruction-tuned",)))
    saved = forked.models("alice")[0]
    pairs = AlignmentPairs([(t, FIVE[i % 2], SEVEN[0]) for i, t in enumerate(TITLES)],
                           [(t, FIVE[0], SEVEN[0]) for t in TITLES[:3]])
    spec = alignment_spec("align", base, tok, pairs,
                          TrainConfig(max_steps=30, batch_size=4, lr=3e-3, warmup_steps=0,
                                      eval_every=10, sample_every=1000), beta=0.5,
                          base_model=saved.id)
    assert spec.kind == "align" and spec.sequences_per_item == 2
    assert set(spec.tags) == {"instruction-tuned", "aligned"}
    job = TrainingJob("alice", spec)
    forked.submit("alice", job)
    assert job.wait_ended(300) and job.view().state is JobState.FINISHED, job.view().reason
    evals = job.view().evals
    assert evals[0].train_loss == pytest.approx(LN2, abs=1e-5)
    final = evals[-1]
    assert final.metrics["train_accuracy"] > 0.9
    trained = job.final_model()
    check = PreferenceAlignment(
        *[encode_pairs([(tang_prompt(t), c, r) for t, c, r in rows], tok)
          for rows in (pairs.train, pairs.val)],
        reference=base, tokenizer=tok, context_length=64, pad_id=tok.eos_id, beta=0.5,
        titles=pairs.titles, seed=spec.train_cfg.seed)
    again = check.evaluate(trained, "cpu", 4, 4, final=True)
    assert again["val_margin"] == pytest.approx(final.metrics["val_margin"], abs=1e-4)
    assert again["val_margin"] > 0
    assert all(torch.equal(v, before[k]) for k, v in base.state_dict().items())
    kept = forked.models("alice")[0]
    assert set(kept.tags) == {"instruction-tuned", "aligned"}


@pytest.mark.slow
def test_the_job_check_catches_a_reference_built_on_the_mirror(forked, monkeypatch):
    """The negative control: a reference whose tensors are the job's own mirror follows
    the policy, and the recomputed margins no longer agree."""
    from core.jobs.process import _JobRun

    def on_the_mirror(self, extra, device):
        model = GPTModel(extra.model_cfg)
        model.load_state_dict(self.links.mirror.tensors, strict=False, assign=True)
        return model.eval().requires_grad_(False)
    monkeypatch.setattr(_JobRun, "_extra_model", on_the_mirror)
    with pytest.raises(AssertionError):
        test_an_alignment_job_scores_against_the_base_it_started_from(forked)
