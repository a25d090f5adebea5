"""The spam classifier (chapter 6): data, padding, the last token, freezing, metrics, a
fine-tune from a local random GPT-2, the tab's handlers and the live app."""

import time

import gradio as gr
import pytest
import torch

from core.classifier import (CLASSIFIER_TRAINING, LabelledText, accuracy, add_classifier_head,
                             classification_task, classify_logits, confusion_matrix,
                             create_balanced_dataset, encode_texts, freeze_for_finetuning,
                             leave_one_out, random_split, read_sms_collection, sms_spam_splits)
from core.config import get_preset
from core.model import GPTModel, build_model
from core.jobs.objective_table import make_objective
from core.objectives import ObjectiveContext
from core.tokenizer import CharTokenizer
from core.train import Trainer, TrainConfig


def _spam_start(tab, learner, *values):
    """The spam tab's Start with its widgets by name, as the API takes them."""
    from playground.spam_tab import SpamSetup
    return tab.start(None, learner, "en", **dict(zip(SpamSetup.WIDGETS, values)))


def test_the_books_split_sizes_with_seed_123(data_dir):
    items = read_sms_collection(data_dir / "sms_spam" / "SMSSpamCollection.tsv")
    assert len(items) == 5574 and sum(i.label for i in items) == 747
    balanced = create_balanced_dataset(items, seed=123)
    assert len(balanced) == 1494 and sum(i.label for i in balanced) == 747
    train, val, test = random_split(balanced, 0.7, 0.1, seed=123)
    assert (len(train), len(val), len(test)) == (1045, 149, 300)
    # the book's split holds copies of training messages in its test and validation sets
    seen = {item.text for item in train}
    assert sum(i.text in seen for i in test) == 27 and sum(i.text in seen for i in val) == 15


def test_the_split_the_app_uses_has_no_message_twice(data_dir):
    """Exact duplicates go before the split: no test or validation message is a copy of
    a training one, and the split is the book's recipe on what is left."""
    from core.classifier import drop_duplicates, sms_spam_collection
    items = read_sms_collection(data_dir / "sms_spam" / "SMSSpamCollection.tsv")
    unique, removed = sms_spam_collection()
    assert removed == 403 and len(unique) == 5171 and unique == drop_duplicates(items)
    train, val, test = sms_spam_splits()
    assert (len(train), len(val), len(test)) == (914, 130, 262)
    assert sum(i.label for i in train + val + test) == 653          # balanced: half spam
    texts = [i.text for i in train + val + test]
    assert len(set(texts)) == len(texts)
    assert (train, val, test) == random_split(create_balanced_dataset(unique, 123), seed=123)


def test_padding_and_the_last_token_on_a_hand_example():
    tok = CharTokenizer.from_text("abc")                     # "\0" is the end-of-text id 0
    items = [LabelledText("ab", 0), LabelledText("abca", 1), LabelledText("cabcab", 1)]
    enc = encode_texts(items, tok, max_length=4, pad_id=tok.eos_id)
    a, b, c = tok.stoi["a"], tok.stoi["b"], tok.stoi["c"]
    assert enc.ids.tolist() == [[a, b, 0, 0], [a, b, c, a], [c, a, b, c]]   # cut at 4
    assert enc.lengths.tolist() == [2, 4, 4] and enc.labels.tolist() == [0, 1, 1]
    torch.manual_seed(0)
    model = add_classifier_head(GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)), ["x", "y"])
    logits = classify_logits(model, enc.ids, enc.lengths)
    hidden = model.hidden_states(enc.ids)
    expected = model.out_head(torch.stack([hidden[0, 1], hidden[1, 3], hidden[2, 3]]))
    torch.testing.assert_close(logits, expected)
    # padding after the last token changes nothing (attention is causal)
    longer = encode_texts(items[:1], tok, max_length=4 + 3, pad_id=tok.eos_id)
    torch.testing.assert_close(classify_logits(model, longer.ids, longer.lengths), logits[:1])


def test_freezing_leaves_the_frozen_weights_bit_identical_after_a_step():
    tok = CharTokenizer.from_text("spam or ham")
    torch.manual_seed(0)
    model = freeze_for_finetuning(
        add_classifier_head(GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)), ["h", "s"]),
        "last-block")
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    trained = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    assert any(n.startswith("trf_blocks.0.") for n in frozen)
    assert all(n.startswith(("trf_blocks.1.", "final_norm.", "out_head.")) for n in trained)
    items = [LabelledText("spam", 1), LabelledText("ham", 0)] * 8
    task = classification_task(items, items, items, tok, 16, ("h", "s"))
    trainer = Trainer(model, make_objective(ObjectiveContext(task, tok, 16)),
                      TrainConfig(max_steps=3, batch_size=4, lr=1e-2, warmup_steps=0, sample_tokens=0))
    trainer.train_step()
    for name, param in model.named_parameters():
        if name in frozen:
            assert torch.equal(param, frozen[name]), name
    assert any(not torch.equal(p, trained[n]) for n, p in model.named_parameters() if n in trained)


def test_accuracy_and_confusion_against_hand_counted_cases():
    predicted = torch.tensor([0, 1, 1, 0, 1, 1])
    labels = torch.tensor([0, 1, 0, 0, 1, 0])
    assert accuracy(predicted, labels) == pytest.approx(4 / 6)
    # rows = true class: true ham → 2 right, 2 called spam; true spam → 2 right
    assert confusion_matrix(predicted, labels, 2) == [[2, 2], [0, 2]]


def test_leave_one_out_has_one_score_per_token_and_is_repeatable():
    tok = CharTokenizer.from_text("free prize now")
    torch.manual_seed(0)
    model = add_classifier_head(GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)), ["h", "s"]).eval()
    ids = tok.encode("free prize")
    scores = leave_one_out(model, ids)
    assert len(scores) == len(ids) and scores == leave_one_out(model, ids)


def test_leave_one_out_of_some_positions_matches_all_and_batches_bounded(monkeypatch):
    """The chosen positions give the same numbers as leaving every token out, and no
    forward pass holds more than WHY_BATCH_TOKENS tokens."""
    import core.classifier as classifier
    tok = CharTokenizer.from_text("free prize now, call")
    torch.manual_seed(0)
    model = add_classifier_head(GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)), ["h", "s"]).eval()
    ids = tok.encode("free prize now")[:12]              # within the tiny context (16)
    every = leave_one_out(model, ids)
    monkeypatch.setattr(classifier, "WHY_BATCH_TOKENS", 3 * (len(ids) - 1))
    shapes = []
    real = classifier.classify_logits
    monkeypatch.setattr(classifier, "classify_logits",
                        lambda m, x, n: shapes.append(tuple(x.shape)) or real(m, x, n))
    some = leave_one_out(model, ids, positions=[0, 2, 3, 5, 7, 8, 9])
    assert some == pytest.approx([every[i] for i in (0, 2, 3, 5, 7, 8, 9)], abs=1e-5)
    assert shapes[1:] == [(3, len(ids) - 1), (3, len(ids) - 1), (1, len(ids) - 1)]


def test_the_why_of_a_gpt2_sized_classifier_on_a_long_message_is_bounded():
    """GPT-2 124M's sizes and a 2,000-character message (~500 tokens): a few tokens
    are explained, not 500 passes of the model; a small model explains its whole context."""
    from core.classifier import MAX_EXPLAINED, SCRATCH_CONFIG, WHY_BUDGET_FLOPS, explainable_tokens
    gpt2 = get_preset("gpt2-124m")
    n = 500
    k = explainable_tokens(gpt2, n)
    assert 1 <= k < 20
    per_pass = (n - 1) * 24 * gpt2.n_layers * gpt2.emb_dim ** 2
    assert k * per_pass <= WHY_BUDGET_FLOPS
    assert explainable_tokens(SCRATCH_CONFIG, 128) == 128 == MAX_EXPLAINED
    assert explainable_tokens(gpt2, 1) == 1


@pytest.mark.slow
def test_a_fine_tune_of_a_small_random_gpt2_beats_chance_on_validation(data_dir, tmp_path):
    from conftest import require_module
    transformers = require_module("transformers")
    from core.pretrained import load_gpt2
    from core.tokenizer import BPETokenizer

    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=50257, n_positions=128, n_embd=64, n_layer=2,
                                     n_head=4)
    transformers.GPT2LMHeadModel(config).save_pretrained(tmp_path)
    base = load_gpt2(str(tmp_path))
    train, val, test = sms_spam_splits()
    tok = BPETokenizer()
    task = classification_task(train, val, test, tok, base.cfg.context_length)
    model = build_model(base.cfg, {"kind": "classifier", "classes": ["ham", "spam"]})
    model.load_state_dict({k: v for k, v in base.state_dict().items()
                           if not k.startswith("out_head.")}, strict=False)
    cfg = CLASSIFIER_TRAINING["pretrained"].replace(max_steps=250, batch_size=16, lr=2e-3)
    objective = make_objective(ObjectiveContext(task, tok, base.cfg.context_length))
    result = Trainer(model, objective, cfg).run()
    metrics = result.last_eval.metrics
    assert metrics["val_accuracy"] >= 0.80, metrics      # "better than chance" (DECISIONS 10)
    assert sum(map(sum, metrics["test_confusion"])) == len(test) == 262


# ----- the tab ---------------------------------------------------------------------------

@pytest.fixture
def spam_tab(make_tab):
    from playground.spam_tab import SpamTab
    return make_tab(SpamTab)


def _wait_finished(tab, learner):
    from conftest import poll_until_finished
    return poll_until_finished(lambda key: tab.tick(None, learner, "en", key), 2)


def test_a_fine_tune_from_scratch_then_try_it(spam_tab, data_dir):
    message = _spam_start(spam_tab, "learner-alice", "scratch", "all", 60, 32, 1e-3, 1)
    assert "started" in message
    with pytest.raises(gr.Error, match="already have a training job"):
        _spam_start(spam_tab, "learner-alice", "scratch", "all", 60, 32, 1e-3, 1)
    loss, acc, status, results, confusion, picker, _ = _wait_finished(spam_tab, "learner-alice")
    assert picker["value"].startswith("saved:")              # offered in "Try it" at once
    assert "Test accuracy" in results and confusion.data[0].type == "heatmap"
    assert any("accuracy" in (trace.name or "") or trace.name for trace in acc.data)
    from playground.model_picker import model_choices
    saved = [v for _, v in model_choices(spam_tab.registry, "learner-alice", "classifier")
             if v.startswith("saved:")]
    assert saved
    verdict, why, notices = spam_tab.classify(None, "learner-alice", "en", saved[0],
                                              "WINNER! Claim your free prize now, call 0800", 0.5)
    assert "probability" in verdict and why.count("<span title=") >= 5
    long = " ".join(["free prize"] * 150)
    _, _, notices = spam_tab.classify(None, "learner-alice", "en", saved[0], long, 0.5)
    assert "reads only its first 128" in notices
    # a "why" over its budget explains the first tokens only, and says which
    import core.classifier as classifier
    budget = classifier.WHY_BUDGET_FLOPS
    try:
        classifier.WHY_BUDGET_FLOPS = 1.0
        _, why, notices = spam_tab.classify(None, "learner-alice", "en", saved[0],
                                            "WINNER! Claim your free prize now, call 0800", 0.5)
    finally:
        classifier.WHY_BUDGET_FLOPS = budget
    assert "explains the first 1 of the" in notices
    assert why.count("<span title=") == 1 and why.count('class="why-skipped"') >= 5
    with pytest.raises(gr.Error, match="Type a message"):
        spam_tab.classify(None, "learner-alice", "en", saved[0], "  ", 0.5)


def test_bad_bases_get_clear_messages(spam_tab, data_dir):
    with pytest.raises(gr.Error, match="GPT-2 could not be loaded"):
        _spam_start(spam_tab, "learner-bob", "gpt2-124m", "last-block", 10, 8, 5e-5, 1)
    from core.jobs import SavedModel
    tok = CharTokenizer.from_text("hello")
    char_model = SavedModel("chars", GPTModel(get_preset("tiny", vocab_size=tok.n_vocab)), tok)
    spam_tab.registry.add_model("learner-bob", char_model)
    with pytest.raises(gr.Error, match="character-level model cannot be used"):
        _spam_start(spam_tab, "learner-bob", f"saved:{char_model.id}", "last-block", 10, 8, 5e-5, 1)
    with pytest.raises(gr.Error, match="fine-tune one above first"):
        spam_tab.classify(None, "learner-bob", "en", None, "hi", 0.5)
    with pytest.raises(gr.Error, match="training steps"):
        _spam_start(spam_tab, "learner-bob", "scratch", "all", 0, 8, 1e-3, 1)


@pytest.mark.slow
def test_api_tiny_fine_tune_accuracy_and_classification(live_app):
    from gradio_client import Client
    client = Client(live_app, verbose=False)
    assert "started" in client.predict(None, base="scratch", trainable="all", steps=50, batch=32,
                                       lr=1e-3, seed=1, api_name="/spam_start")
    deadline, status = time.monotonic() + 120, ""
    while time.monotonic() < deadline:
        loss, acc, status, results, confusion, _, _ = client.predict(None, api_name="/spam_poll")
        if "finished" in status:
            break
        time.sleep(0.5)
    assert "finished" in status and "Test accuracy" in results
    import json
    figure = json.loads(acc["plot"])
    assert any(len(trace.get("y", [])) >= 2 for trace in figure["data"])   # accuracy points
    saved = [v for _, v in client.predict(None, "en", api_name="/classifiers") if v.startswith("saved:")]
    verdict, why, _ = client.predict(None, saved[0], "Free entry to win a cash prize", 0.5,
                                     api_name="/spam_classify")
    assert "probability" in verdict and "log-odds" in why


@pytest.mark.slow
@pytest.mark.browser
def test_browser_shows_the_tab_after_a_run(live_app):
    from browser import open_page, outside_requests, save_screenshot
    with open_page(live_app, viewport=(1400, 1100)) as (page, requests):
        page.get_by_role("tab", name="Spam classifier").click()
        page.get_by_label("training steps").fill("40")
        page.get_by_role("button", name="Fine-tune", exact=True).click()
        page.get_by_text("Test accuracy", exact=False).first.wait_for(timeout=120_000)
        page.get_by_role("button", name="Classify", exact=True).click()
        page.locator(".why-strip span").first.wait_for(timeout=30_000)
        save_screenshot(page, "spam-tab.png")
        assert outside_requests(requests) == []


def test_a_submitted_fine_tune_pins_the_model_it_started_from(tmp_path, monkeypatch):
    """Through the registry's own submit: the base of a running fine-tune stays in the
    learner's list however many models arrive while it trains; the same list without a
    fine-tune of it (the control) pushes it off. (Once the job ends the base is let go.)"""
    from core.finetuning import classifier_spec
    from core.jobs import JobRegistry, SavedModel, TrainingJob
    from core.tokenizer import SubsetBPETokenizer
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path))
    items = [LabelledText("win a free prize now", 1), LabelledText("see you at dinner", 0)] * 6
    tok = SubsetBPETokenizer.from_text(" ".join(i.text for i in items))
    cfg = get_preset("tiny", vocab_size=tok.n_vocab)
    registry = JobRegistry(models_per_learner=2, max_models=20)
    try:
        for owner in ("tuner", "control"):
            torch.manual_seed(0)
            registry.add_model(owner, SavedModel("base", GPTModel(cfg), tok))
        base = registry.models("tuner")[0]
        spec = classifier_spec("my classifier", (items, items[:4], items[:4]), tok, cfg,
                               TrainConfig(max_steps=100_000, batch_size=4, warmup_steps=0, eval_every=2,
                                           eval_batches=1, sample_tokens=0),
                               trainable="all", base_state=base.model.state_dict(),
                               base_model=base.id)
        assert registry.submit("tuner", TrainingJob("tuner", spec)) == 0
        for owner in ("tuner", "control"):
            for i in range(3):
                registry.add_model(owner, SavedModel(f"m{i}", GPTModel(cfg), tok))
        assert registry.get("tuner").view().state.active     # still training: the pin holds
        tuned = [m.label for m in registry.models("tuner")]
        assert "base" in tuned, tuned
        assert "base" not in [m.label for m in registry.models("control")]
        registry.stop("tuner")
    finally:
        registry.shutdown()
