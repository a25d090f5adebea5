"""The alignment tab's handlers: the pairs view, a learner's own pair, a run, before and
after, the picker's tag filter, and every bad input a learner can make."""

import gradio as gr
import pytest
import torch

from core.config import GPTConfig
from core.jobs import SavedModel
from core.model import fresh_model

LEARNER = "learner-align-1"


@pytest.fixture
def tab(make_tab):
    from playground.align_tab import AlignTab
    return make_tab(AlignTab)


def _tang_model(context=64, tags=("instruction-tuned",), label="tuned"):
    from core.corpora import corpus_tokenizer
    tok = corpus_tokenizer("tang")
    model = fresh_model(GPTConfig(vocab_size=tok.n_vocab, context_length=context, emb_dim=16,
                                  n_heads=2, n_layers=1, drop_rate=0.0))
    return SavedModel(label, model.eval().requires_grad_(False), tok, tags=tags)


def _add(tab, saved) -> str:
    tab.registry.add_model(LEARNER, saved)
    return "saved:" + saved.id


def _start(tab, base, **kw):
    own = kw.pop("own_pairs", None)
    setup = dict(base=base, beta=0.1, steps=4, batch=2, lr=1e-3, seed=5)
    setup.update(kw)
    return tab.start(None, LEARNER, "en", own, **setup)


def test_the_picker_lists_only_instruction_tuned_models(tab):
    from playground.model_picker import model_choices
    tuned = _add(tab, _tang_model())
    _add(tab, SavedModel("plain", _tang_model().model, _tang_model().tokenizer))
    values = [v for _, v in model_choices(tab.registry, LEARNER, "lm", "en", tag="instruction-tuned")]
    assert values == [tuned]                              # no fresh, no hub, no untagged model
    everything = [v for _, v in model_choices(tab.registry, LEARNER, "lm", "en")]
    assert "fresh" in everything and len(everything) > 2


def test_no_instruction_tuned_model_is_a_clear_message(tab, data_dir):
    from playground.i18n import t
    with pytest.raises(gr.Error) as err:
        tab.show_pairs(None, LEARNER, "en", None, False)
    assert str(err.value.message) == t("dpo.err.no_model", "en")
    plain = _add(tab, _tang_model(tags=()))
    with pytest.raises(gr.Error, match="not instruction-tuned"):
        tab.show_pairs(None, LEARNER, "en", plain, False)
    with pytest.raises(gr.Error) as err:
        tab.show_pairs(None, LEARNER, "zh", "live", False)       # no job at all
    assert "Traceback" not in str(err.value.message)


def test_the_pairs_view_shows_pairs_and_how_many_fit(tab, data_dir):
    base = _add(tab, _tang_model())
    table, summary = tab.show_pairs(None, LEARNER, "en", base, False)
    assert table.count("<tr>") == 6                         # a header and five pairs
    assert "fit this model's context of 64" in summary and "under the chosen poem's title" in summary
    simplified, _ = tab.show_pairs(None, LEARNER, "zh", base, True)
    assert simplified != table


def test_a_learner_pair_is_checked_and_added(tab, data_dir):
    base = _add(tab, _tang_model())
    five, other = "床前明月光，疑是地上霜。", "兩個黃鸝鳴翠柳，一行白鷺上青天。"
    own, message = tab.add_pair(None, LEARNER, "en", base, "静夜思", other, five, "b", [])
    assert len(own) == 1 and own[0][0] == "靜夜思"        # simplified → traditional
    assert own[0][1].endswith("疑是地上霜。") and own[0][2] == other     # B was the better one
    assert "1 pair" in message
    with pytest.raises(gr.Error, match="Both answers need text"):
        tab.add_pair(None, LEARNER, "en", base, "靜夜思", five, "  ", "a", own)
    with pytest.raises(gr.Error, match="longer than the model's context of 64"):
        tab.add_pair(None, LEARNER, "en", base, "靜夜思", five * 4, other, "a", own)
    with pytest.raises(gr.Error, match="lacks these characters of your pair: ☃"):
        tab.add_pair(None, LEARNER, "en", base, "靜夜思", five, "☃" + other, "a", own)
    with pytest.raises(gr.Error, match="Say which answer"):
        tab.add_pair(None, LEARNER, "en", base, "靜夜思", five, other, "c", own)


@pytest.mark.parametrize("beta", [0, -1, "0.0", None])
def test_beta_of_zero_or_below_is_refused(tab, data_dir, beta):
    base = _add(tab, _tang_model())
    with pytest.raises(gr.Error, match="above 0|must be a number"):
        _start(tab, base, beta=beta)
    assert tab.registry.get(LEARNER) is None


def test_a_model_too_short_for_any_pair_is_refused(tab, data_dir):
    base = _add(tab, _tang_model(context=24))
    with pytest.raises(gr.Error, match="No pair fits this model whole"):
        tab.show_pairs(None, LEARNER, "en", base, False)


@pytest.mark.slow
def test_a_run_through_the_handlers_and_before_after(tab, data_dir):
    from conftest import poll_until_finished
    base = _add(tab, _tang_model())
    held = {k: v.clone() for k, v in _model_of(tab, base).state_dict().items()}
    own = [["靜夜思", "床前明月光，疑是地上霜。", "兩個黃鸝鳴翠柳，一行白鷺上青天。"]]
    message = _start(tab, base, own_pairs=own)
    assert "(1 of your own)" in message
    with pytest.raises(gr.Error, match="still training"):
        tab.show_pairs(None, LEARNER, "en", "live", False)
    out = poll_until_finished(lambda key: tab.tick(None, LEARNER, "en", False, key), 4, timeout=300)
    assert "DPO loss" in out[4] and "perplexity" not in out[4]
    job = tab.registry.get(LEARNER)
    assert job.spec.kind == "align" and job.spec.base_model == base[len("saved:"):]
    assert job.view().evals[0].train_loss == pytest.approx(0.6931, abs=1e-3)
    assert "five_share" in job.view().evals[-1].metrics
    kept = tab.registry.models(LEARNER)[0]
    assert set(kept.tags) == {"instruction-tuned", "aligned"}
    # a finished "live" pick is its saved model
    table, _ = tab.show_pairs(None, LEARNER, "en", "live", False)
    assert "<table" in table
    html, summary = tab.compare(None, LEARNER, "en", False)
    assert html.count("<tr>") == 1 + len(job.spec.task.data["titles"])
    assert "before" in summary and "seed 5" in summary
    assert tab.compare(None, LEARNER, "en", False) == (html, summary)      # same titles and seed
    # the picked base never changed: the reference was a copy, the policy another
    assert all(torch.equal(v, held[k]) for k, v in _model_of(tab, base).state_dict().items())


def _model_of(tab, choice):
    return tab.registry.model_by_id(LEARNER, choice[len("saved:"):]).model
