"""Taking a model out of the app: a folder transformers loads, and the Hugging Face Hub.

`export_model(model, tokenizer, folder, meta)` writes what `GPT2LMHeadModel.from_pretrained`
and `GPT2Tokenizer.from_pretrained` read:
- `config.json` and `model.safetensors`, GPT-2's names and layout
  (`core.pretrained.gpt_to_hf_weights`, the inverse of the loader beside it);
- the tokenizer: GPT-2's `vocab.json` and `merges.txt` for a BPE model. A subset-BPE
  model (the-verdict's default) has its ids mapped back to GPT-2's, so the folder reads
  ordinary GPT-2 ids; the 50,257 − n ids it never had get zero rows, so their raw logit
  is always 0, which is often above the tokens it knows after training. Those ids are
  listed as `suppress_tokens` in `generation_config.json`: transformers' `generate()`
  sets them to −∞, so it samples only tokens the model knows. A character model's
  vocabulary is written as `llm_playground_tokenizer.json`; transformers loads its
  weights, and the app loads both back (`load_exported`, or the Pretrain tab's Load
  given the exported zip);
- `README.md`, a model card from the checkpoint's description: corpus, steps, losses,
  how it was made and how to load it, and `llm_playground.json`, that description for
  the app (step, metrics, label), so a model loaded back keeps its name and step.
`load_exported_zip` reads such a folder zipped, as the Export button offers it: only the
files a model needs are read, each to a fixed name, within a size limit.
`push_to_hub` uploads such a folder with huggingface-hub when the learner gives a token.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from safetensors.torch import save_file

from core.checkpoint import Checkpoint
from core.config import SwitchedOff, require_full_model
from core.model import GPTModel, model_head
from core.pretrained import PretrainedUnavailable, gpt_to_hf_weights, hf_config, load_gpt2
from core.tokenizer import (GPT2_DIR, GPT2_EOS, BPETokenizer, CharTokenizer, SubsetBPETokenizer,
                            Tokenizer, tokenizer_from_spec)

TOKENIZER_FILE = "llm_playground_tokenizer.json"
DESCRIPTION_FILE = "llm_playground.json"
MAX_UNZIPPED_BYTES = 2_000_000_000


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
                      "mapped back to GPT-2's ids; the rows of the other "
                      f"{50257 - tokenizer.n_vocab:,} ids are zero. `generate()` never emits "
                      "those ids: `generation_config.json` lists them as `suppress_tokens`, "
                      "which transformers' generation sets to −inf, so greedy and sampled text "
                      "use only the known tokens. The raw logits (`model(ids).logits`) still "
                      "give every one of them exactly 0, which after training is often above "
                      "the known tokens: a softmax over the raw logits puts most of its mass "
                      "on tokens the model never saw. Mask them (or read only the known ids) "
                      "before using the raw probabilities. As input, an unknown id adds only "
                      "its position.", ""]
    return "\n".join(lines)


def export_model(model: GPTModel, tokenizer: Tokenizer, folder: str | Path,
                 meta: dict | None = None) -> Path:
    """Write a transformers folder for a language model; returns the folder."""
    if model_head(model).get("kind", "lm") != "lm":
        raise ExportError("only a language model exports to transformers' GPT2LMHeadModel "
                          "(a classifier's head has no vocabulary)")
    try:
        require_full_model(model.cfg, "export to transformers' GPT-2")
    except SwitchedOff as err:
        raise ExportError(str(err)) from None
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
    generation = {"bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos}
    if gpt2_ids is not None:     # never emit an id the model never had (its logit is 0)
        generation["suppress_tokens"] = sorted(set(range(vocab_size)) - set(gpt2_ids))
    (folder / "generation_config.json").write_text(json.dumps(generation), encoding="utf-8")
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
    description = {key: meta[key] for key in ("step", "metrics", "extra") if key in meta}
    (folder / DESCRIPTION_FILE).write_text(json.dumps(description, ensure_ascii=False),
                                           encoding="utf-8")
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


def load_exported_zip(path: str | Path, max_bytes: int = MAX_UNZIPPED_BYTES):
    """An exported folder, zipped as the Export button gives it, back into the app as a
    `Checkpoint` (its step and label from `llm_playground.json` when present).

    Only `config.json`, `model.safetensors`, the character vocabulary and the
    description are read (at the zip's top or in one folder), each to a fixed name in a
    temporary folder: no name in the zip decides where anything is written."""
    wanted = ("config.json", "model.safetensors", TOKENIZER_FILE, DESCRIPTION_FILE)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise ExportError(f"{Path(path).name} is not a readable zip file: {err}") from None
    with archive, tempfile.TemporaryDirectory(prefix="llm-playground-import-") as tmp:
        members: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            name = PurePosixPath(info.filename).name
            if name in wanted and not info.is_dir():
                if name in members:
                    raise ExportError(f"{Path(path).name} holds more than one {name}")
                members[name] = info
        if "config.json" not in members or "model.safetensors" not in members:
            raise ExportError(f"{Path(path).name} is not an exported model: it needs "
                              "config.json and model.safetensors")
        if sum(info.file_size for info in members.values()) > max_bytes:
            raise ExportError(f"{Path(path).name} unpacks to more than {max_bytes:,} bytes")
        try:
            for name, info in members.items():
                with archive.open(info) as source, open(Path(tmp) / name, "wb") as target:
                    shutil.copyfileobj(source, target)
        except (zipfile.BadZipFile, OSError, RuntimeError) as err:
            raise ExportError(f"{Path(path).name} could not be unpacked: {err}") from None
        try:
            model, tokenizer = load_exported(tmp)
        except ExportError as err:
            raise ExportError(str(err).replace(str(tmp), Path(path).name)) from None
        meta = {}
        if DESCRIPTION_FILE in members:
            try:
                meta = json.loads((Path(tmp) / DESCRIPTION_FILE).read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                meta = {}
    if not isinstance(meta, dict):
        meta = {}
    meta = {"step": meta.get("step", 0) if isinstance(meta.get("step"), int) else 0,
            "metrics": meta.get("metrics") if isinstance(meta.get("metrics"), dict) else {},
            "extra": meta.get("extra") if isinstance(meta.get("extra"), dict) else {}}
    return Checkpoint(model, tokenizer, meta)


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


if __name__ == "__main__":
    # `python -m core.export` runs the command line, which imports this module:
    # run it as the program rather than import it, so the chapter never depends on its CLI.
    import runpy
    runpy.run_module("core.export_cli", run_name="__main__")
