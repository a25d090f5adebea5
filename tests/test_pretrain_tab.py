"""Pretrain tab handlers called directly: bad input gives clear messages, jobs run."""

import threading
import time

import gradio as gr
import pytest

from core.jobs import JobRegistry
from playground import pretrain_tab
from playground.session import AppContext

REGISTRY = JobRegistry(max_running=4)
tab = pretrain_tab.Pretrain(AppContext(REGISTRY))
TINY = dict(kind="auto", preset="tiny", layers=2, heads=2, emb=32, context=16, batch=4)


def setup_values(corpus="the-verdict", own_text="", upload=None, steps=30, lr=3e-3, seed=1,
                 prompt="", **overrides):
    """The setup widgets by their names (the API's parameter names)."""
    args = {**TINY, **overrides}
    return dict(corpus=corpus, own_text=own_text, upload=upload, tokenizer=args["kind"],
                preset=args["preset"], layers=args["layers"], heads=args["heads"], emb=args["emb"],
                context=args["context"], batch=args["batch"], steps=steps, lr=lr, seed=seed,
                prompt=prompt)


def start(learner, *args, resume=False, lang="en", **kwargs):
    return tab.start(None, learner, lang, resume, **setup_values(*args, **kwargs))


def wait_state(learner, states, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = REGISTRY.get(learner)
        if job is not None and job.view().state.value in states:
            return job.view()
        time.sleep(0.05)
    raise AssertionError(f"job did not reach {states}")


@pytest.fixture
def learner(request):
    name = f"learner-{request.node.name}"[:60]
    yield name
    REGISTRY.stop(name)


@pytest.mark.parametrize("corpus, text, message", [
    ("own-text", "", "too short"),
    ("own-text", "a", "too short"),
    ("upload", None, "Choose a .txt file"),
])
def test_bad_text_gets_a_clear_message(learner, corpus, text, message):
    with pytest.raises(gr.Error, match=message):
        start(learner, corpus, own_text=text)


def test_binary_and_oversized_uploads_are_refused(learner, tmp_path, monkeypatch):
    binary = tmp_path / "x.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(gr.Error, match="not UTF-8"):
        start(learner, "upload", upload=str(binary))
    monkeypatch.setattr(pretrain_tab, "MAX_UPLOAD_BYTES", 100)
    big = tmp_path / "big.txt"
    big.write_text("word " * 100)
    with pytest.raises(gr.Error, match="too large"):
        start(learner, "upload", upload=str(big))


@pytest.mark.parametrize("overrides, message", [
    ({"steps": 0}, "steps"),
    ({"steps": "many"}, "steps"),
    ({"context": 1024}, "shorter context"),
    ({"lr": "fast"}, "learning rate"),
    ({"emb": 30, "heads": 4}, "divisible"),
])
def test_bad_settings_get_a_clear_message(learner, overrides, message):
    with pytest.raises(gr.Error, match=message):
        start(learner, **overrides)


@pytest.mark.parametrize("overrides, message", [
    ({"layers": 25}, "layers .* from 1 to 24"),
    ({"batch": 129}, "batch size .* from 1 to 128"),
    ({"heads": 0}, "attention heads .* from 1 to 16"),
])
def test_checks_match_the_slider_ranges(learner, overrides, message):
    with pytest.raises(gr.Error, match=message):
        start(learner, **overrides)


def test_absurd_learning_rate_is_refused_and_a_too_high_one_trips_the_guard(learner):
    with pytest.raises(gr.Error, match="learning rate must be a number from"):
        start(learner, steps=200, lr=1e9)
    start(learner, steps=200, lr=1.0)
    view = wait_state(learner, {"failed", "finished"})
    assert view.state.value == "failed"
    from playground.job_controls import status_text
    status = status_text(view, "en")
    assert "learning rate is too high" in status or "nan" in status.lower()


def test_own_text_trains_and_reports(learner):
    text = "It was the best of times, it was the worst of times. " * 30
    assert "started" in start(learner, "own-text", own_text=text, steps=25)
    view = wait_state(learner, {"finished"})
    assert view.steps and view.evals and view.samples
    assert view.evals[-1].train_loss < view.evals[0].train_loss + 1e-6 or len(view.evals) == 1
    plot, status, samples, key = tab.tick(None, learner, "en", False, False, None)
    assert "finished" in status and "<td" in samples and key is not None
    assert tab.tick(None, learner, "en", False, False, key)[0] is not plot   # unchanged → skipped
    files, message = tab.controls.save(None, learner, "en")
    assert files[0].endswith(".safetensors") and "step 25" in message


def test_second_start_while_running_is_refused(learner):
    start(learner, steps=100_000)
    with pytest.raises(gr.Error, match="already have a training job"):
        start(learner)


def test_load_refuses_non_safetensors(learner, tmp_path):
    fake = tmp_path / "model.bin"
    fake.write_bytes(b"pickle!")
    with pytest.raises(gr.Error, match="safetensors"):
        tab.load(None, learner, "en", str(fake))
    broken = tmp_path / "model.safetensors"
    broken.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(gr.Error, match="truncated or damaged|not a readable|not an LLM"):
        tab.load(None, learner, "en", str(broken))


def test_describe_shows_parameter_count():
    values = setup_values(preset="cpu-demo", layers=4, heads=4, emb=128, context=64, batch=16)
    text = tab.describe("en", **values)
    assert "parameters" in text and "per step" in text
    values["corpus"] = "tang-missing"
    assert "⚠" in tab.describe("en", **values)


def test_tang_samples_can_be_shown_in_simplified_characters():
    sample_text = pretrain_tab.sample_text
    assert sample_text("舉頭望明月", "tang-char", True) == "举头望明月"
    assert sample_text("舉頭望明月", "tang-char", False) == "舉頭望明月"
    assert sample_text("Hello", "the-verdict-gpt2-subset", True) == "Hello"


@pytest.mark.parametrize("corpus, preset, prompt", [
    ("the-verdict", "cpu-demo", "I had always thought"),
    ("tiny-shakespeare", "shakespeare-char", "ROMEO:\n"),
    ("tang-five", "tang-char", "春夜喜雨\n月夜\n送別"),
    ("tang", "tang-tutorial", "春夜喜雨\n月夜\n送別"),
])
def test_choosing_a_corpus_sets_its_story(corpus, preset, prompt):
    own, upload, chosen_preset, tokenizer, chosen_prompt, expect = tab.on_corpus("en", corpus)
    assert (chosen_preset, tokenizer, chosen_prompt) == (preset, "auto", prompt)
    assert expect.startswith("**What to expect:**")
    layers, heads, emb, context, batch, steps, lr = tab.on_preset("en", chosen_preset)
    from core.config import PRESETS
    assert (layers, emb, context) == (PRESETS[preset].n_layers, PRESETS[preset].emb_dim,
                                      PRESETS[preset].context_length)
    assert steps >= 600


def test_the_learners_own_change_sticks(learner, data_dir):
    """corpus → preset → sliders as the page fires them (the app's own wiring), then the
    learner's own choices, then Start: the job is built from what the page shows."""
    from app import build_app
    from core.config import PRESETS
    from page import Page

    page = Page(build_app(REGISTRY), learner)
    widget = lambda label: page.find(lambda b: getattr(b, "label", None) == label)  # noqa: E731
    corpus, preset, layers, prompt, steps = (widget(pretrain_tab.t(key, "en")) for key in (
        "pre.corpus", "pre.preset", "pre.layers", "pre.prompt", "pre.steps"))
    page.set(corpus, "tiny-shakespeare")             # the story picks shakespeare-char …
    assert page.values[preset._id] == "shakespeare-char"
    assert page.values[layers._id] == PRESETS["shakespeare-char"].n_layers
    assert page.values[prompt._id] == "ROMEO:\n"
    page.set(preset, "tiny")                         # … the learner picks another preset …
    assert page.values[layers._id] == PRESETS["tiny"].n_layers
    page.set(layers, 3)                              # … changes a slider and the prompt …
    page.set(prompt, "JULIET:")
    page.set(steps, 12)
    assert page.values[layers._id] == 3 and page.values[preset._id] == "tiny"
    start_fn = page.api("start")                     # … and presses Start
    assert "started" in page.call(start_fn).lower()
    view = wait_state(learner, {"finished"})
    job = REGISTRY.get(learner)
    assert job.spec.model_cfg.n_layers == 3 and job.spec.train_cfg.sample_prompt == "JULIET:"
    assert job.spec.corpus == "tiny-shakespeare" and job.spec.train_cfg.max_steps == 12
    assert view.samples and all(s.text.startswith("JULIET:") for s in view.samples)


def test_a_tang_run_writes_one_poem_per_title(learner, data_dir):
    message = start(learner, "tang-five", preset="tiny", prompt="春夜喜雨\n 秋思 \n\n", steps=20)
    assert "started" in message.lower()
    view = wait_state(learner, {"finished"}, timeout=120)
    job = REGISTRY.get(learner)
    assert job.spec.task.data["prompts"] == ["春夜喜雨\n", "秋思\n"]
    assert job.spec.train_cfg.sample_stop == "\n\n"        # the tiny preset's samples on a poem corpus
    last = [s for s in view.samples if s.step == view.step]
    assert [s.text.split("\n")[0] for s in last] == ["春夜喜雨", "秋思"]
    assert all("\n\n" not in s.text for s in last)            # each ends at its blank line


def test_the_samples_heading_states_how_they_are_drawn():
    en, zh = tab.on_sampling("en", "tang-five", "tang-char"), tab.on_sampling("zh", "tang-five", "tang-char")
    assert "temperature 0.8" in en and "top-k 40" in en and "blank line" in en
    assert "温度 0.8" in zh and "空行" in zh
    assert "blank line" not in tab.on_sampling("en", "tiny-shakespeare", "shakespeare-char")


def test_a_poem_sample_keeps_its_line_breaks():
    from playground.plots import samples_html
    html = samples_html([(100, 5.5, "月夜\n牀前明月光，\n疑是地上霜。")], "en")
    assert "月夜\n牀前明月光，\n疑是地上霜。" in html and "pre-wrap" in html


def test_two_learners_load_checkpoints_at_once(tmp_path):
    from core.checkpoint import save_checkpoint
    from core.config import get_preset
    from core.model import GPTModel
    from core.tokenizer import CharTokenizer

    tok = CharTokenizer.from_text("hello world")
    paths = []
    for i in range(2):
        model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab))
        paths.append(save_checkpoint(tmp_path / f"m{i}", model, tok, step=7 + i))
    errors, messages = [], {}

    def load(i):
        try:
            messages[i] = tab.load(None, f"loader-{i}", "en", str(paths[i]))
        except Exception as err:  # pragma: no cover - the test fails below
            errors.append(err)
    threads = [threading.Thread(target=load, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    for i in range(2):
        models = REGISTRY.models(f"loader-{i}")
        assert len(models) == 1 and models[0].step == 7 + i and models[0].checkpoint.is_file()
        assert f"step {7 + i}" in messages[i]


def test_continue_from_a_loaded_checkpoint_resumes_its_steps(learner, tmp_path):
    from core.checkpoint import save_checkpoint
    from core.config import get_preset
    from core.corpora import corpus_tokenizer
    from core.model import GPTModel
    from core.runtime import make_optimizer

    tok = corpus_tokenizer("the-verdict")
    model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab))
    optimizer = make_optimizer(model)
    path = save_checkpoint(tmp_path / "half", model, tok, step=10, optimizer=optimizer)
    tab.load(None, learner, "en", str(path))
    assert "started" in start(learner, steps=15, resume=True).lower()
    view = wait_state(learner, {"finished"})
    assert view.first_step == 10 and view.step == 15 and len(view.steps) == 5


def test_handler_messages_follow_the_learners_language(learner):
    with pytest.raises(gr.Error, match="文本太短|too short"):
        start(learner, "own-text", own_text="a", lang="zh")
    with pytest.raises(gr.Error, match="层数"):
        start(learner, layers=99, lang="zh")


def test_a_checkpoint_too_big_to_keep_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from core.checkpoint import save_checkpoint
    from core.config import get_preset
    from core.model import GPTModel
    from core.tokenizer import CharTokenizer

    tok = CharTokenizer.from_text("hello world")
    model = GPTModel(get_preset("tiny", vocab_size=tok.n_vocab))
    path = save_checkpoint(tmp_path / "big", model, tok, step=3)
    small = pretrain_tab.Pretrain(AppContext(JobRegistry(max_model_bytes=1000)))
    monkeypatch.setattr(pretrain_tab, "load_checkpoint", lambda *a, **k: pytest.fail("read"))
    with pytest.raises(gr.Error, match="more than the server can keep"):
        small.load(None, "loader-big", "en", str(path))
    assert small.registry.models("loader-big") == []


@pytest.mark.parametrize("lang, corpus", [("zh", "tang-five"), ("en", "the-verdict")])
def test_the_page_opens_on_its_languages_story_with_the_storys_settings(lang, corpus, data_dir):
    """What a page opening without a link shows: the corpus link's default for its
    language, and the cascade from it (preset, sizes, the titles as the prompt)."""
    from core.config import PRESETS
    from core.pretraining import story_for
    from core.train import TRAIN_PRESETS
    from playground.links import resolve
    ctx = AppContext.create(JobRegistry(max_running=1), lang)
    with gr.Blocks():
        pretrain_tab.build(ctx)
    entry = ctx.tabs["pretrain"]
    setup = resolve(entry, {}, lang)
    value = {link.name: setup.values[link.component] for link in entry.links}
    story = story_for(corpus)
    model, train = PRESETS[story.preset], TRAIN_PRESETS[story.preset]
    assert value["corpus"] == corpus and value["preset"] == story.preset
    assert story.prompt_text in setup.values.values()
    assert (value["layers"], value["emb"], value["context"], value["batch"], value["lr"]) == (
        model.n_layers, model.emb_dim, model.context_length, train.batch_size, train.lr)


def test_between_evaluations_the_curve_is_redrawn_at_most_every_few_seconds(monkeypatch):
    """The status line follows every step; the curve is redrawn at most every
    PLOT_REFRESH_S between evaluations (a figure a second kept the renderer busy), and at
    once for an evaluation or a change of state; the samples table only for new samples."""
    from types import SimpleNamespace as NS

    from playground.job_controls import Polled
    now, view = [100.0], NS(id="j", step=1, evals=[], samples=[], steps=[],
                            state=NS(value="running"))

    def polled(*_):
        return Polled(NS(spec=NS(tokenizer=NS(name="char"))), view,
                      (view.id, view.step, len(view.evals), len(view.samples), view.state.value))
    monkeypatch.setattr(tab.controls, "poll", polled)
    monkeypatch.setattr(tab, "clock", lambda: now[0])
    monkeypatch.setattr(pretrain_tab, "status_text", lambda v, lang: f"step {v.step}")
    monkeypatch.setattr(pretrain_tab, "loss_figure", lambda *a: f"curve at {view.step}")
    skip = gr.skip()

    def tick(after_s, key, **changes):
        now[0] += after_s
        for name, value in changes.items():
            setattr(view, name, value)
        return tab.tick(None, "someone", "en", False, False, key)
    plot, status, samples, key = tick(0, None)
    assert (plot, status) == ("curve at 1", "step 1") and samples != skip
    plot, status, samples, key = tick(1.0, key, step=2)
    assert (plot, status, samples) == (skip, "step 2", skip)
    plot, status, samples, key = tick(1.0, key, step=3)
    assert plot == skip
    plot, status, _, key = tick(1.5, key, step=4)         # 3.5 s after the last curve
    assert (plot, status) == ("curve at 4", "step 4")
    plot, _, _, key = tick(0.5, key, step=5, evals=[NS()])   # an evaluation: at once
    assert plot == "curve at 5"
    plot, _, _, key = tick(0.5, key, state=NS(value="finished"))   # and the end
    assert plot == "curve at 5"
    assert tick(1.0, key)[:3] == (skip, skip, skip)       # nothing new: nothing sent
