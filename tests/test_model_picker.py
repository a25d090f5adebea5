"""The model picker every model-using tab shares: what a refresh of its list sends back."""

import gradio as gr
import pytest

from core.config import get_preset
from core.corpora import corpus_tokenizer
from core.jobs import JobRegistry, SavedModel
from core.model import GPTModel
from playground.model_picker import ModelPicker
from playground.session import AppContext

LEARNER = "learner-picker"


@pytest.fixture(scope="module")
def picker_and_saved():
    registry = JobRegistry(max_running=1)
    tokenizer = corpus_tokenizer("the-verdict")
    model = GPTModel(get_preset("tiny", vocab_size=tokenizer.n_vocab, context_length=32))
    saved = SavedModel("my tiny model", model.eval().requires_grad_(False), tokenizer)
    registry.add_model(LEARNER, saved)
    with gr.Blocks():
        picker = ModelPicker(AppContext.create(registry, "en"))
    return picker, "saved:" + saved.id


def test_a_refresh_leaves_a_value_still_listed_alone(picker_and_saved):
    """The page reads the value when it sends the refresh; the answer must not send that
    value back, or a model picked while the answer was on its way is undone (the untrained
    model comes back)."""
    picker, saved = picker_and_saved
    for current in (saved, "fresh"):
        update = picker._refresh(LEARNER, "en", current, None)
        assert "value" not in update
        assert saved in [value for _, value in update["choices"]]


@pytest.mark.parametrize("current", ["saved:gone", None])
def test_a_value_no_longer_listed_becomes_the_first_choice(picker_and_saved, current):
    picker, saved = picker_and_saved
    update = picker._refresh(LEARNER, "en", current, None)
    assert update["value"] == update["choices"][0][1] == saved
