"""GPT-2 weights: parity with transformers on a small random GPT-2 saved locally."""

import json

import pytest
import torch

from core.generate import generate
from core.pretrained import PretrainedUnavailable, load_gpt2

from conftest import require_module

transformers = require_module("transformers")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A small random GPT-2 made and saved by transformers itself."""
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=211, n_positions=48, n_embd=64, n_layer=3,
                                     n_head=4, bos_token_id=0, eos_token_id=0)
    model = transformers.GPT2LMHeadModel(config).eval()
    folder = tmp_path_factory.mktemp("gpt2-small")
    model.save_pretrained(folder)
    return model, folder


def test_logits_match_transformers(reference):
    ref, folder = reference
    ours = load_gpt2(str(folder))
    idx = torch.randint(0, 211, (2, 40))
    with torch.no_grad():
        torch.testing.assert_close(ours(idx), ref(idx).logits, rtol=1e-4, atol=1e-4)


def test_greedy_continuation_matches_transformers(reference):
    ref, folder = reference
    ours = load_gpt2(str(folder))
    prompt = torch.tensor([[5, 17, 99, 3]])
    expected = ref.generate(prompt, max_new_tokens=30, do_sample=False, pad_token_id=0,
                            eos_token_id=None)
    assert torch.equal(generate(ours, prompt, 30, context_size=48), expected)


def test_wrong_shaped_file_is_refused_naming_the_tensor(reference, tmp_path):
    _, folder = reference
    from safetensors.torch import load_file, save_file
    tensors = load_file(str(folder / "model.safetensors"))
    key = next(k for k in tensors if k.endswith("h.1.mlp.c_fc.weight"))
    tensors[key] = torch.zeros(64, 100)
    save_file(tensors, str(tmp_path / "model.safetensors"))
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    with pytest.raises(ValueError, match=r"h\.1\.mlp\.c_fc\.weight"):
        load_gpt2(str(tmp_path))


def test_pickle_weights_are_never_loaded(tmp_path, reference):
    _, folder = reference
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    (tmp_path / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(PretrainedUnavailable, match="pickle"):
        load_gpt2(str(tmp_path))


def test_unsupported_config_is_refused(tmp_path, reference):
    _, folder = reference
    config = json.loads((folder / "config.json").read_text())
    config["activation_function"] = "relu"
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "model.safetensors").write_bytes((folder / "model.safetensors").read_bytes())
    with pytest.raises(PretrainedUnavailable, match="activation"):
        load_gpt2(str(tmp_path))


def test_offline_hub_download_says_what_failed_and_what_to_do():
    with pytest.raises(PretrainedUnavailable) as info:
        load_gpt2("openai-community/gpt2")   # HF_HUB_OFFLINE=1 in tests: no cache, no network
    message = str(info.value)
    assert "openai-community/gpt2" in message and "model.safetensors" in message


def test_missing_folder_and_empty_source():
    with pytest.raises(PretrainedUnavailable, match="no folder"):
        load_gpt2("./no/such/folder")
    with pytest.raises(ValueError, match="repo id"):
        load_gpt2("  ")


def test_hub_path_uses_the_download_cache(reference, monkeypatch):
    """A repo id goes through huggingface-hub; a cached copy needs no network."""
    import huggingface_hub
    ref, folder = reference
    calls = []

    def fake_download(repo_id, filename, revision=None, local_files_only=False):
        calls.append((repo_id, filename, local_files_only))
        return str(folder / filename)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    ours = load_gpt2("gpt2-124m")
    assert calls == [("openai-community/gpt2", "config.json", True),
                     ("openai-community/gpt2", "model.safetensors", True)]
    idx = torch.randint(0, 211, (1, 10))
    with torch.no_grad():
        torch.testing.assert_close(ours(idx), ref(idx).logits, rtol=1e-4, atol=1e-4)
