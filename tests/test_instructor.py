"""The instructor view and the class run, in process: every job listed under a salted
label (never the learner's key), pause / stop one or all, a polling that touches no
learner, the queue's estimated wait, and a class run a second learner follows and
whose model reaches that learner's picker. (The mounted page, its token and what the
learners' app lists: tests/test_instructor_live.py.)"""

import time

import pytest

from core.jobs import JobRegistry, JobState, TrainingJob
from playground.i18n import t
from playground.instructor import CLASS_OWNER, Room, build_instructor, token_check
from playground.job_controls import status_text
from playground.model_picker import CLASS, model_choices, resolve_model
from test_jobs import spec, wait_for

ALICE, BOB = "alice-secret-key-0001", "bob-secret-key-00002"


@pytest.fixture
def registry(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    reg = JobRegistry(max_running=1, idle_timeout=60, stop_grace=10)
    yield reg
    reg.stop_many(reg.running_jobs(), 5)


def running(job: TrainingJob) -> bool:
    return job.state is JobState.RUNNING and len(job.view().steps) >= 2


def test_the_token_is_checked_whole_and_any_user_name_goes():
    check = token_check("s3cret-token")
    assert check("anyone", "s3cret-token") and check("", "s3cret-token")
    assert not check("anyone", "s3cret-toke") and not check("s3cret-token", "")
    assert not check("anyone", None)


def test_the_room_lists_every_job_under_a_label_never_the_key(registry):
    room = Room(registry)
    alice, bob = TrainingJob(ALICE, spec()), TrainingJob(BOB, spec())
    registry.submit(ALICE, alice)
    registry.submit(BOB, bob)                          # one slot: bob waits
    wait_for(lambda: running(alice))
    for lang in ("en", "zh"):
        table, summary = room.table(lang), room.summary(lang)
        for key in (ALICE, BOB):
            assert key not in table and key not in summary
            assert room.label(key) in table
        assert table.count("<tr>") == 3               # the header and two jobs
        assert "<svg" in table                        # alice's curve
        assert t("room.waiting", lang, n=1, wait="")[:4] in table   # bob's place
    assert room.label(ALICE) != room.label(BOB)
    assert Room(registry).label(ALICE) != room.label(ALICE)         # salted per server start
    assert set(room.jobs_by_label()) == {room.label(ALICE), room.label(BOB)}


def test_the_view_pauses_and_stops_a_job_and_its_polling_touches_no_learner(registry):
    page = build_instructor(registry, "en")
    room = page.room
    job = TrainingJob(ALICE, spec())
    registry.submit(ALICE, job)
    wait_for(lambda: running(job))
    seen = dict(registry._seen)
    refresh = next(fn for fn in page.fns.values() if fn.api_name == "room").fn
    for _ in range(3):
        summary, table, _, choices = refresh("en", None)
    assert registry._seen == seen                    # the reaper still sees an idle learner
    label = room.label(ALICE)
    assert label in [c[0] if isinstance(c, tuple) else c for c in choices["choices"]]
    assert room.pause("en", label) == t("room.paused", "en", label=label)
    assert job.state is JobState.PAUSED
    room.resume("en", label)
    assert job.state is JobState.RUNNING
    room.stop("en", label)
    assert job.state is JobState.STOPPED
    with pytest.raises(Exception):
        room.pause("en", "#nosuch")


def test_stop_all_asks_every_job_before_waiting_for_any(registry, monkeypatch):
    """A stop may take its grace period: asked one after the other, a room's stops
    would add up. Every job's request comes before the first wait."""
    registry.max_running = 2
    jobs = [TrainingJob(owner, spec()) for owner in (ALICE, BOB)]
    for job in jobs:
        registry.submit(job.owner, job)
    wait_for(lambda: all(running(j) for j in jobs))
    calls = []
    for job in jobs:
        for name in ("request_stop", "wait_ended"):
            real = getattr(job, name)
            monkeypatch.setattr(job, name, lambda *a, real=real, name=name, **k:
                                (calls.append(name), real(*a, **k))[1])
    assert Room(registry).stop_all("en") == t("room.stopped_all", "en", n=2)
    assert calls[:2] == ["request_stop", "request_stop"]
    assert all(j.state is JobState.STOPPED for j in jobs)


def test_a_queued_learner_reads_their_place_and_an_estimated_wait(registry):
    first, second, third = (TrainingJob(o, spec()) for o in (ALICE, BOB, "carol-key-000003"))
    for job in (first, second, third):
        registry.submit(job.owner, job)
    wait_for(lambda: running(first))
    waits = [registry.queue_wait(job) for job in (first, second, third)]
    assert waits[0] is None                          # running, not queued
    assert 0 < waits[1] < waits[2]                   # the third waits for the second too
    view = third.view(registry.queue_position(third))
    view.queue_wait_s = waits[2]
    text = status_text(view, "zh")
    assert t("pre.queued", "zh", n=2) in text and "预计约" in text


def test_a_second_learner_follows_the_class_run_and_gets_its_model(make_tab, monkeypatch):
    """Alice's job is made the class run: Bob, with no job of his own, follows it live
    from his Pretrain tab, and when it ends its model is in Bob's picker."""
    from playground.pretrain_tab import Pretrain
    tab = make_tab(Pretrain)
    registry, room = tab.registry, Room(tab.registry)
    job = TrainingJob(ALICE, spec(steps=40))
    registry.submit(ALICE, job)
    assert room.mark_class("en", room.label(ALICE)) == t("room.class_marked", "en",
                                                         label=room.label(ALICE))
    assert registry.class_job() is job
    assert t("class.none", "en") not in tab.tick(None, BOB, "en", False, False, None, True)[1]
    # Bob's own view has no job; following shows the class run's.
    assert tab.tick(None, BOB, "en", False, False, None)[1] == t("pre.no_job_yet", "en")
    key, status = None, ""
    deadline = time.monotonic() + 120
    while "finished" not in status and time.monotonic() < deadline:
        plot, status, samples, key = tab.tick(None, BOB, "en", False, False, key, True)
        status = status if isinstance(status, str) else ""
        time.sleep(0.3)
    assert status.startswith(t("class.following", "en")) and "finished" in status
    assert registry.get(BOB) is None                 # no slot, no job of his own
    wait_for(lambda: registry.class_model is not None)
    choices = dict((value, label) for label, value in model_choices(registry, BOB, "lm", "en"))
    assert CLASS in choices and choices[CLASS].startswith(t("picker.class", "en", label="")[:5])
    picked = resolve_model(registry, CLASS, BOB, "en", "lm")
    assert picked.model is registry.class_model.model
    # The learners who did not train it see it too; without a class run nobody does.
    assert CLASS in [v for _, v in model_choices(registry, "carol-key-000003", "lm", "en")]
    assert CLASS not in [v for _, v in model_choices(JobRegistry(), BOB, "lm", "en")]


def test_the_reaper_leaves_the_class_run_alone(registry):
    """Nobody polls the class run as its owner (the room follows it): idle as its owner
    is, it keeps training; another idle job is stopped."""
    job = TrainingJob(CLASS_OWNER, spec())
    registry.submit(CLASS_OWNER, job)
    registry.set_class_run(CLASS_OWNER)
    wait_for(lambda: running(job))
    assert registry.reap_idle(now=time.monotonic() + 10_000) == []
    assert job.state.active
    registry.set_class_run(None)
    assert registry.reap_idle(now=time.monotonic() + 10_000) == [CLASS_OWNER]


def test_a_class_run_started_from_the_view_has_its_storys_settings(registry):
    from core.config import PRESETS
    from core.pretraining import story_for
    room = Room(registry)
    assert room.start_class("en", "the-verdict") == t("room.class_started", "en")
    job = registry.class_job()
    assert job is not None and job.owner == CLASS_OWNER and registry.get(CLASS_OWNER) is job
    preset = PRESETS[story_for("the-verdict").preset]
    assert (job.spec.model_cfg.n_layers, job.spec.model_cfg.emb_dim) == (preset.n_layers,
                                                                         preset.emb_dim)
    assert job.spec.corpus == "the-verdict" and job.spec.probes
    assert "#class" in room.class_status("en") and "#class" in room.table("zh")
    with pytest.raises(Exception):
        room.start_class("en", "no-such-corpus")


def test_following_without_a_class_run_says_so(make_tab):
    from playground.pretrain_tab import Pretrain
    tab = make_tab(Pretrain)
    assert tab.tick(None, BOB, "zh", False, False, None, True)[1] == t("class.none", "zh")


def test_the_attention_time_lapse_follows_the_class_run_without_a_job_of_ones_own(make_tab):
    """Bob has no job: the Attention tab's time-lapse shows the class run's snapshots (and
    keeps polling while it trains); once it ends, his page stops asking."""
    from playground.attention_tab import AttentionTab
    from playground.pretrain_tab import Pretrain
    pretrain = make_tab(Pretrain)
    registry, lapse = pretrain.registry, AttentionTab(pretrain.ctx)
    bob = (None, BOB, "en")
    assert lapse.timelapse(*bob, None, 0, 0, False, None)[2] == t("att.no_job", "en")
    assert not lapse.lapse_news(*bob)
    Room(registry).start_class("en", "the-verdict")
    job = registry.class_job()
    assert lapse.lapse_news(*bob)
    status, deadline = "", time.monotonic() + 120
    while not status.startswith(t("att.class_run", "en")) and time.monotonic() < deadline:
        out = lapse.timelapse(*bob, None, 0, 0, False, None)
        status = out[2] if isinstance(out[2], str) else ""
        time.sleep(0.5)
    assert status.startswith(t("att.class_run", "en")) and "Snapshot 1 of" in status
    # A learner with a job of their own sees their own, never the class run.
    registry.submit(ALICE, TrainingJob(ALICE, spec()))
    assert not str(lapse.timelapse(None, ALICE, "en", None, 0, 0, False, None)[2]).startswith(
        t("att.class_run", "en"))
    job.stop()
    wait_for(lambda: not job.state.active)
    assert not lapse.lapse_news(*bob)


def test_the_instructors_page_keeps_no_run_history(registry):
    """Nothing of the room (labels, states) is kept in the instructor's browser storage."""
    assert build_instructor(registry).get_config_file()["run_history"] is False
