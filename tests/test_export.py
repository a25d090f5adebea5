"""Models that leave the app: export to a transformers folder (same logits), a subset
model mapped to GPT-2's ids, a character model round trip, refusals, the Hub offline."""

import pytest
import torch

from conftest import require_module
from core.config import get_preset
from core.export import ExportError, export_model, load_exported, push_to_hub
from core.model import GPTModel
from core.pretrained import load_gpt2
from core.tokenizer import BPETokenizer, CharTokenizer, SubsetBPETokenizer

META = {"step": 42, "metrics": {"train_loss": 1.5, "val_loss": 2.25},
        "extra": {"label": "my pretrain · the-verdict", "corpus": "the-verdict"}}


def _model(vocab, **kw):
    torch.manual_seed(0)
    return GPTModel(get_preset("tiny", vocab_size=vocab, context_length=32, **kw)).eval()


def test_export_loads_in_transformers_with_the_same_logits(tmp_path):
    transformers = require_module("transformers")
    model = _model(50257)
    export_model(model, BPETokenizer(), tmp_path, META)
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path).eval()
    idx = torch.randint(0, 50257, (2, 20))
    with torch.no_grad():
        torch.testing.assert_close(hf(idx).logits, model(idx), rtol=1e-4, atol=1e-4)
    tokenizer = transformers.GPT2Tokenizer.from_pretrained(tmp_path)
    text = "Hello, do you like tea? In the sunlit terraces"
    assert tokenizer.encode(text) == BPETokenizer().encode(text)
    card = (tmp_path / "README.md").read_text()
    assert "the-verdict" in card and "| steps | 42 |" in card and "2.2500" in card
    # and back into the app, through the loader it inverts
    torch.testing.assert_close(load_gpt2(str(tmp_path))(idx), model(idx), rtol=1e-4, atol=1e-4)


def test_a_tied_model_with_qkv_biases_exports_too(tmp_path):
    transformers = require_module("transformers")
    model = _model(50257, tie_weights=True, qkv_bias=True)
    with torch.no_grad():
        for block in model.trf_blocks:
            block.att.W_query.bias.normal_()
    export_model(model, BPETokenizer(), tmp_path)
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path).eval()
    idx = torch.randint(0, 50257, (1, 12))
    with torch.no_grad():
        torch.testing.assert_close(hf(idx).logits, model(idx), rtol=1e-4, atol=1e-4)


def test_a_subset_model_is_mapped_to_gpt2_ids(tmp_path):
    transformers = require_module("transformers")
    tokenizer = SubsetBPETokenizer.from_text("I had always thought Jack Gisburn rather a cheap genius")
    model = _model(tokenizer.n_vocab)
    export_model(model, tokenizer, tmp_path, META)
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path).eval()
    local = torch.tensor([tokenizer.encode("I had always thought Jack")])
    gpt2 = torch.tensor([tokenizer.to_gpt2_ids(local[0].tolist())])
    with torch.no_grad():
        ours, theirs = model(local), hf(gpt2).logits
    known = torch.tensor(tokenizer.gpt2_ids)
    torch.testing.assert_close(theirs[..., known], ours, rtol=1e-4, atol=1e-4)
    unknown = torch.ones(50257, dtype=torch.bool)
    unknown[known] = False
    assert torch.all(theirs[..., unknown] == 0)            # the zero rows: logit 0


def _known_below_zero(tokenizer) -> GPTModel:
    """A subset model whose known tokens all score below 0, as a trained small model's
    often do: the final norm adds a fixed vector, and every head row points away from it."""
    model = _model(tokenizer.n_vocab)
    with torch.no_grad():
        direction = torch.nn.functional.normalize(torch.randn(model.cfg.emb_dim), dim=0)
        model.final_norm.scale.fill_(0.05)
        model.final_norm.shift.copy_(4 * direction)
        model.out_head.weight.mul_(2).sub_(direction)
    return model


def test_a_subset_export_generates_only_known_tokens_in_transformers(tmp_path):
    """As a transformers user: the tokenizer's ids, the logits of the known ids, greedy
    text equal to the app's, and sampling with top_k=0 (the whole distribution) over
    several seeds that never emits an id the model never had."""
    transformers = require_module("transformers")
    from core.generate import generate
    tokenizer = SubsetBPETokenizer.from_text(
        "I had always thought Jack Gisburn rather a cheap genius--though a good fellow "
        "enough--so it was no great surprise to me to hear that, in the height of his glory")
    model = _known_below_zero(tokenizer)
    prompt = "I had always thought Jack"
    local = torch.tensor([tokenizer.encode(prompt)])
    with torch.no_grad():
        assert float(model(local).max()) < 0
    export_model(model, tokenizer, tmp_path, META)
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path).eval()
    hf_tokenizer = transformers.GPT2Tokenizer.from_pretrained(tmp_path)
    ids = hf_tokenizer(prompt, return_tensors="pt").input_ids
    assert ids[0].tolist() == tokenizer.to_gpt2_ids(local[0].tolist())
    known = torch.tensor(tokenizer.gpt2_ids)
    with torch.no_grad():
        torch.testing.assert_close(hf(ids).logits[..., known], model(local), rtol=1e-4, atol=1e-4)
    new = 20
    with torch.no_grad():
        ours = generate(model, local, new, model.cfg.context_length)
        greedy = hf.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                             max_new_tokens=new, min_new_tokens=new)
    assert hf_tokenizer.decode(greedy[0]) == tokenizer.decode(ours[0].tolist())
    known_set = set(tokenizer.gpt2_ids)
    for seed in range(4):
        torch.manual_seed(seed)
        with torch.no_grad():
            sampled = hf.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True,
                                  top_k=0, top_p=1.0, temperature=1.0, max_new_tokens=new,
                                  min_new_tokens=new)
        assert set(sampled[0, ids.shape[1]:].tolist()) <= known_set, seed
    card = (tmp_path / "README.md").read_text()
    assert "suppress_tokens" in card and "raw logits" in card


def test_a_character_model_round_trips(tmp_path):
    tokenizer = CharTokenizer.from_text("床前明月光，疑是地上霜。", name="tang-char")
    model = _model(tokenizer.n_vocab)
    export_model(model, tokenizer, tmp_path, META)
    back, back_tokenizer = load_exported(tmp_path)
    assert back_tokenizer.to_spec() == tokenizer.to_spec()
    idx = torch.tensor([tokenizer.encode("床前明月")])
    with torch.no_grad():
        torch.testing.assert_close(back(idx), model(idx), rtol=1e-5, atol=1e-5)


def test_wrong_folders_and_classifiers_are_refused(tmp_path):
    with pytest.raises(ExportError, match="needs config.json and model.safetensors"):
        load_exported(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ExportError, match="could not be loaded"):
        load_exported(tmp_path)
    from core.classifier import add_classifier_head
    classifier = add_classifier_head(_model(50257), ["ham", "spam"])
    with pytest.raises(ExportError, match="only a language model"):
        export_model(classifier, BPETokenizer(), tmp_path / "c")


def test_the_hub_offline_is_a_clear_message_without_the_token(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    export_model(_model(50257), BPETokenizer(), tmp_path)
    token = "hf_secret_token_123"
    with pytest.raises(ExportError) as info:
        push_to_hub(tmp_path, "someone/tiny-gpt", token)
    assert "upload to someone/tiny-gpt failed" in str(info.value)
    assert token not in str(info.value)
    with pytest.raises(ExportError, match="user/name"):
        push_to_hub(tmp_path, "no-slash", token)
    with pytest.raises(ExportError, match="token"):
        push_to_hub(tmp_path, "a/b", "")


def test_the_pretrain_tab_exports_the_learners_model(tmp_path, monkeypatch):
    import time
    import zipfile
    from core.jobs import JobRegistry
    from playground.pretrain_tab import Pretrain
    from playground.session import AppContext
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path))
    tab = Pretrain(AppContext(JobRegistry()))
    tab.start(None, "learner-export", "en", corpus="the-verdict", own_text="", upload=None,
              tokenizer="auto", preset="tiny", layers=2, heads=2, emb=32, context=16, batch=4,
              steps=10, lr=3e-3, seed=1, prompt="")
    deadline = time.monotonic() + 60
    while tab.registry.get("learner-export").view().state.active and time.monotonic() < deadline:
        time.sleep(0.1)
    archive, message = tab.controls.export(None, "learner-export", "en")
    names = zipfile.ZipFile(archive).namelist()
    assert {"config.json", "model.safetensors", "vocab.json", "merges.txt", "README.md"} <= set(names)
    assert "step 10" in message


def _zip_folder(folder, archive, prefix=""):
    import zipfile
    with zipfile.ZipFile(archive, "w") as z:
        for file in sorted(folder.iterdir()):
            z.write(file, prefix + file.name)
    return archive


def test_the_pretrain_tabs_load_takes_an_exported_character_model_as_a_zip(tmp_path, monkeypatch):
    """The model card says "Pretrain tab → Load": the zip the Export button gives loads
    there, with its step and label, the same logits, and a checkpoint to resume from."""
    from core.checkpoint import load_checkpoint
    from core.jobs import JobRegistry
    from playground.pretrain_tab import Pretrain
    from playground.session import AppContext
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    tokenizer = CharTokenizer.from_text("床前明月光，疑是地上霜。", name="tang-char")
    model = _model(tokenizer.n_vocab)
    export_model(model, tokenizer, tmp_path / "export", META)
    card = (tmp_path / "export" / "README.md").read_text()
    assert "Pretrain tab → Load" in card
    tab = Pretrain(AppContext(JobRegistry()))
    for name, prefix in (("top.zip", ""), ("nested.zip", "char-tang/")):
        archive = _zip_folder(tmp_path / "export", tmp_path / name, prefix)
        message = tab.load(None, "learner-zip", "en", str(archive))
        assert "step 42" in message
        saved = tab.registry.models("learner-zip")[0]
        assert saved.label == "my pretrain · the-verdict · step 42"
        idx = torch.tensor([tokenizer.encode("床前明月")])
        with torch.no_grad():
            torch.testing.assert_close(saved.model(idx), model(idx), rtol=1e-5, atol=1e-5)
        kept = load_checkpoint(saved.checkpoint)
        assert kept.step == 42 and kept.tokenizer.to_spec() == tokenizer.to_spec()


def test_a_zip_that_is_not_an_export_is_refused_and_names_in_it_go_nowhere(tmp_path):
    import zipfile
    import gradio as gr
    from core.export import load_exported_zip
    from core.jobs import JobRegistry
    from playground.pretrain_tab import Pretrain
    from playground.session import AppContext
    export_model(_model(50257), BPETokenizer(), tmp_path / "export", META)
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in (tmp_path / "export").iterdir():
            z.write(file, f"../../outside/{file.name}")
    checkpoint = load_exported_zip(archive)            # read to fixed names only
    assert checkpoint.step == 42 and not (tmp_path.parent / "outside").exists()
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(ExportError, match="empty.zip is not an exported model"):
        load_exported_zip(empty)
    (tmp_path / "broken.zip").write_bytes(b"PK not really")
    tab = Pretrain(AppContext(JobRegistry()))
    with pytest.raises(gr.Error, match="not a readable zip"):
        tab.load(None, "learner-zip2", "en", str(tmp_path / "broken.zip"))
    (tmp_path / "model.pt").write_bytes(b"pickle")
    with pytest.raises(gr.Error, match=r"\.zip that Export gives"):
        tab.load(None, "learner-zip2", "en", str(tmp_path / "model.pt"))
