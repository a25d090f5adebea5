"""What every training tab shows of a job's end, and the files its buttons leave."""

import time

import pytest
import torch

from core.config import get_preset
from core.jobs import FailureCause, JobRegistry, JobSpec, JobState, JobView, TrainingJob
from core.tokenizer import CharTokenizer
from core.train import TrainConfig
from playground.errors import say
from playground.i18n import t
from playground.job_controls import JobControls, status_text
from playground.session import AppContext


def view(state=JobState.FAILED, **fields) -> JobView:
    return JobView(id=1, label="job", state=state, reason=fields.pop("reason", "why"), step=7,
                   max_steps=10, steps=[], evals=[], samples=[], last=None, seed=1, params=10,
                   tokens_per_step=4, **fields)


GUARD = {"en": "stopped by the guard", "zh": "被保护机制停止"}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("cause", [c.value for c in FailureCause])
def test_each_failure_has_its_own_headline(cause, lang):
    text = status_text(view(cause=cause), lang)
    headline = text.split("\n\n")[0]
    if cause == FailureCause.DIVERGED.value:
        assert GUARD[lang] in headline
    else:
        assert GUARD[lang] not in text
        assert headline == t(f"job.failed.{cause}", lang, step=7)
    assert t("pre.reason", lang, reason=say("why", lang)) in text   # the detail stays below


def test_the_headlines_differ_from_each_other():
    headlines = {status_text(view(cause=c.value), "en").split("\n\n")[0] for c in FailureCause}
    assert len(headlines) == len(FailureCause)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_stop_says_what_it_skipped_and_what_it_kept(lang):
    text = status_text(view(JobState.STOPPED, reason="stopped by request",
                            skipped=("final_evaluation", "optimizer_state"), kept_step=6), lang)
    assert t("job.skipped.final_evaluation", lang) in text
    assert t("job.skipped.optimizer_state", lang) in text
    assert t("job.kept", lang, step=6) in text
    plain = status_text(view(JobState.STOPPED, reason="stopped by request", kept_step=7), lang)
    assert t("job.skipped", lang, what="")[:4] not in plain and t("job.kept", lang, step=7) in plain


def test_a_model_that_could_not_be_kept_says_so():
    text = status_text(view(JobState.FINISHED, reason="", not_kept=True), "en")
    assert "not kept" in text and "Save" in text


def test_save_clicks_leave_a_few_folders_per_learner(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    registry = JobRegistry(learner_ttl=100)
    controls = JobControls(AppContext(registry), "pretrain")
    text = "to be or not to be, that is the question. " * 40
    tok = CharTokenizer.from_text(text)
    ids = torch.tensor(tok.encode(text))
    job = TrainingJob("learner-files", JobSpec.pretraining(
        "job", get_preset("tiny", vocab_size=tok.n_vocab), TrainConfig(max_steps=4, batch_size=4, warmup_steps=0),
        tok, ids[:1400], ids[1400:]))
    registry.submit("learner-files", job)
    assert job.wait_ended(120)
    files = [controls.save(None, "learner-files", "en")[0][0] for _ in range(4)]
    downloads = tmp_path / "runs" / "learners"
    folders = [p for p in downloads.rglob("downloads/*") if p.is_dir()]
    assert len(folders) == 2                                  # the newest two clicks
    assert all(f.startswith(str(downloads)) for f in files)
    registry.reap_idle(time.monotonic() + 1000)               # the learner leaves
    assert not any(downloads.rglob("*"))


def test_a_page_polls_only_while_its_job_can_bring_news(make_tab):
    """The poll's timer stays on while the learner's job of the tab's kind has not ended:
    none, another kind's, or an ended one turns it off."""
    from playground.pretrain_tab import Pretrain
    from test_jobs import spec, wait_for
    tab = make_tab(Pretrain)
    learner = "alice-secret-key-0001"
    assert not tab.controls.has_news(None, learner, "en")
    job = TrainingJob(learner, spec())
    tab.registry.submit(learner, job)
    assert tab.controls.has_news(None, learner, "en")
    assert not JobControls(tab.ctx, "classifier").has_news(None, learner, "en")
    job.stop()
    wait_for(lambda: not job.state.active)
    assert not tab.controls.has_news(None, learner, "en")
