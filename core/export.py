"""Taking a model out of the app: a folder transformers loads, and the Hugging Face Hub.

`export_model(model, tokenizer, folder, meta)` writes what `GPT2LMHeadModel.from_pretrained`
and `GPT2Tokenizer.from_pretrained` read:
- `config.json` and `model.safetensors`, GPT-2's names and layout
  (`core.pretrained.gpt_to_hf_weights`, the inverse of the loader beside it);
- the tokenizer: GPT-2's `vocab.json` and `merges.txt` for a BPE model. A subset-BPE
  model (the-verdict's default) has its ids mapped back to GPT-2's, so the folder reads
  ordinary GPT-2 ids; the 50,257 − n ids it never had get zero rows, so their logit is
  always 0 (low after training next to the tokens it knows, but not −∞). A character
  model's vocabulary is written as `llm_playground_tokenizer.json`; transformers loads
  its weights, and the app loads both back (`load_exported`);
- `README.md`, a model card from the checkpoint's description: corpus, steps, losses,
  how it was made and how to load it.
`push_to_hub` uploads such a folder with huggingface-hub when the learner gives a token.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from safetensors.torch import save_file

from core.model import GPTModel, model_head
from core.pretrained import PretrainedUnavailable, gpt_to_hf_weights, hf_config, load_gpt2
from core.tokenizer import (GPT2_DIR, GPT2_EOS, BPETokenizer, CharTokenizer, SubsetBPETokenizer,
                            Tokenizer, tokenizer_from_spec)

TOKENIZER_FILE = "llm_playground_tokenizer.json"


class ExportError(ValueError):
    """The model cannot be exported (or pushed) as asked; the message says why."""


def _model_card(meta: dict, tokenizer: Tokenizer, kind: str) -> str:
    extra = meta.get("extra", {})
    metrics = meta.get("metrics", {})
    lines = ["---", "library_name: transformers", "tags:", "- gpt2", "- llm-playground",
             "- text-generation", "---", "",
             f"# {extra.get('label') or 'A GPT trained in LLM Playground'}", "",
             "A small GPT (GPT-2 architecture) trained with LLM Playground, which follows "
             "*Build a Large Language Model (From Scratch)*.", "",
             "| | |", "|---|---|",
             f"| training text | {extra.get('corpus') or '–'} |",
             f"| steps | {meta.get('step', 0):,} |"]
    for key in ("train_loss", "val_loss", "val_accuracy", "test_accuracy"):
        if isinstance(metrics.get(key), (int, float)):
            lines.append(f"| {key.replace('_', ' ')} | {metrics[key]:.4f} |")
    cfg = meta.get("config", {})
    lines.append(f"| size | {cfg.get('n_layers')} layers, {cfg.get('n_heads')} heads, "
                 f"{cfg.get('emb_dim')}-dim, context {cfg.get('context_length')} |")
    lines.append(f"| tokenizer | {tokenizer.name} ({tokenizer.n_vocab:,} tokens) |")
    if extra.get("tags"):
        lines.append(f"| tags | {', '.join(extra['tags'])} |")
    train_cfg = extra.get("train_config") or {}
    if train_cfg:
        lines.append(f"| training | batch {train_cfg.get('batch_size')}, peak learning rate "
                     f"{train_cfg.get('lr')}, seed {train_cfg.get('seed')} |")
    lines += ["", "## Load it", ""]
    if kind == "char":
        lines += ["The weights load in transformers; the vocabulary is one token per character, "
                  f"listed in `{TOKENIZER_FILE}` (not a GPT-2 tokenizer). LLM Playground loads both "
                  "back (Pretrain tab → Load, or `core.export.load_exported`).", ""]
    else:
        lines += ["```python", "from transformers import GPT2LMHeadModel, GPT2Tokenizer",
                  'model = GPT2LMHeadModel.from_pretrained("path/to/this/folder")',
                  'tokenizer = GPT2Tokenizer.from_pretrained("path/to/this/folder")', "```", ""]
        if kind == "gpt2-subset":
            lines += [f"This model knew only {tokenizer.n_vocab:,} of GPT-2's tokens. They are "
                      "mapped back to GPT-2's ids; the rows of the other ids are zero, so those "
                      "tokens always get the logit 0.", ""]
    return "\n".join(lines)


def export_model(model: GPTModel, tokenizer: Tokenizer, folder: str | Path,
                 meta: dict | None = None) -> Path:
    """Write a transformers folder for a language model; returns the folder."""
    if model_head(model).get("kind", "lm") != "lm":
        raise ExportError("only a language model exports to transformers' GPT2LMHeadModel "
                          "(a classifier's head has no vocabulary)")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = dict(meta or {})
    meta.setdefault("config", model.cfg.to_dict())
    gpt2_ids, vocab_size = None, model.cfg.vocab_size
    if isinstance(tokenizer, SubsetBPETokenizer):
        kind, gpt2_ids, vocab_size, eos = "gpt2-subset", tokenizer.gpt2_ids, 50257, 50256
    elif isinstance(tokenizer, BPETokenizer):
        kind, eos = "gpt2", tokenizer.eos_id
    elif isinstance(tokenizer, CharTokenizer):
        kind, eos = "char", tokenizer.eos_id
    else:
        raise ExportError(f"no export for the tokenizer {tokenizer.name!r}")
    weights = gpt_to_hf_weights(model, gpt2_ids, vocab_size)
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config = hf_config(model.cfg, vocab_size, eos)
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (folder / "generation_config.json").write_text(json.dumps(
        {"bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos}, indent=2), encoding="utf-8")
    if kind == "char":
        (folder / TOKENIZER_FILE).write_text(json.dumps(tokenizer.to_spec(), ensure_ascii=False),
                                             encoding="utf-8")
    else:
        shutil.copyfile(GPT2_DIR / "encoder.json", folder / "vocab.json")
        shutil.copyfile(GPT2_DIR / "vocab.bpe", folder / "merges.txt")
        special = {"bos_token": GPT2_EOS, "eos_token": GPT2_EOS, "unk_token": GPT2_EOS}
        (folder / "special_tokens_map.json").write_text(json.dumps(special), encoding="utf-8")
        (folder / "tokenizer_config.json").write_text(json.dumps(
            {"tokenizer_class": "GPT2Tokenizer", "model_max_length": model.cfg.context_length,
             "add_prefix_space": False, **special}, indent=2), encoding="utf-8")
    (folder / "README.md").write_text(_model_card(meta, tokenizer, kind), encoding="utf-8")
    return folder


def load_exported(folder: str | Path) -> tuple[GPTModel, Tokenizer]:
    """A folder written by `export_model` (or any GPT-2 folder) back into the app."""
    folder = Path(folder)
    if not (folder / "config.json").is_file() or not (folder / "model.safetensors").is_file():
        raise ExportError(f"{folder} is not an exported model: it needs config.json and "
                          "model.safetensors")
    try:
        model = load_gpt2(str(folder))
    except (PretrainedUnavailable, ValueError) as err:
        raise ExportError(f"{folder} could not be loaded: {err}") from err
    spec_file = folder / TOKENIZER_FILE
    if spec_file.is_file():
        tokenizer = tokenizer_from_spec(json.loads(spec_file.read_text(encoding="utf-8")))
    else:
        tokenizer = BPETokenizer()
    if tokenizer.n_vocab != model.cfg.vocab_size:
        raise ExportError(f"{folder}: the tokenizer has {tokenizer.n_vocab} tokens but the model "
                          f"{model.cfg.vocab_size}")
    return model, tokenizer


def push_to_hub(folder: str | Path, repo_id: str, token: str, private: bool = True) -> str:
    """Upload an exported folder to the Hugging Face Hub; returns the repo's URL.

    The token is used for this upload only and appears in no message."""
    if not isinstance(repo_id, str) or repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise ExportError("give the repo as user/name (e.g. alice/my-tiny-gpt)")
    if not token:
        raise ExportError("a Hugging Face token with write access is needed to upload")
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, private=private, exist_ok=True)
        api.upload_folder(folder_path=str(folder), repo_id=repo_id,
                          commit_message="Upload from LLM Playground")
    except Exception as err:  # offline, a bad token, no permission …
        message = str(err).replace(token, "[token]").splitlines()[0] if str(err) else ""
        raise ExportError(f"the upload to {repo_id} failed ({type(err).__name__}: {message}). "
                          "Check the network, the token's write permission and the repo name; "
                          "the exported folder is still there to download.") from None
    return f"https://huggingface.co/{repo_id}"
