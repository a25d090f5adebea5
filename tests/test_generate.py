"""generate / generate_stream: argument checks, cropping, stopping, streaming."""

import pytest
import torch

from core.generate import crop_prompt, generate, generate_stream
from core.model import GPTModel


@pytest.fixture
def model(tiny_cfg, seeded):
    return GPTModel(tiny_cfg)


def test_stream_yields_the_same_tokens_as_generate(model):
    prompt = torch.tensor([[3, 4, 5]])
    streamed = [t.item() for t in generate_stream(model, prompt, 12, 16, temperature=1.0, seed=3)]
    assert generate(model, prompt, 12, 16, temperature=1.0, seed=3)[0, 3:].tolist() == streamed


def test_long_prompt_is_cut_from_the_left_and_the_caller_can_tell(model):
    prompt = torch.arange(40).unsqueeze(0) % 64
    cropped, cut = crop_prompt(prompt, 16)
    assert cut == 24 and torch.equal(cropped, prompt[:, -16:])
    out = generate(model, prompt, 5, 16)
    assert torch.equal(out[:, :40], prompt)               # the full prompt is returned
    assert torch.equal(out[:, 40:], generate(model, cropped, 5, 16)[:, 16:])


def test_eos_stops_generation(model):
    prompt = torch.tensor([[1, 2]])
    first = generate(model, prompt, 1, 16)[0, -1].item()
    assert generate(model, prompt, 10, 16, eos_id=first).shape == (1, 2)


def test_generation_leaves_training_mode_as_it_was(model):
    model.train()
    generate(model, torch.tensor([[1]]), 3, 16)
    assert model.training


@pytest.mark.parametrize("kwargs, message", [
    ({"idx": torch.zeros(1, 0, dtype=torch.long)}, "empty"),
    ({"idx": torch.tensor([1, 2])}, "batch, tokens"),
    ({"idx": torch.tensor([[1, 99]])}, "vocabulary"),
    ({"max_new_tokens": -1}, "max_new_tokens"),
    ({"context_size": 0}, "context_size"),
    ({"context_size": 17}, "context_size"),
    ({"temperature": -0.5}, "temperature"),
    ({"top_k": 0}, "top_k"),
    ({"top_p": 0}, "top_p"),
])
def test_bad_arguments_get_clear_errors(model, kwargs, message):
    args = dict(idx=torch.tensor([[1, 2]]), max_new_tokens=3, context_size=16)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        generate(model, **args)


def test_zero_new_tokens_returns_prompt(model):
    prompt = torch.tensor([[1, 2]])
    assert torch.equal(generate(model, prompt, 0, 16), prompt)
