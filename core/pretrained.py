"""OpenAI's GPT-2 weights in our `GPTModel` (chapter 5.5).

`load_gpt2(source)` takes a Hugging Face Hub repo id (`openai-community/gpt2`,
`openai-community/gpt2-medium`, …), fetched once with huggingface-hub and cached,
or a local folder in the same format (`config.json` + `model.safetensors`, as
`save_pretrained` writes it). Only safetensors is read: pickle-based
`pytorch_model.bin` files can run code when loaded and are refused.

GPT-2 stores its linear layers as "Conv1D" with the weight transposed (in, out) and
the query, key and value projections fused in one `c_attn` matrix; the loader
transposes and splits them into the book's `W_query`, `W_key`, `W_value`.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from core.config import GPTConfig, require_full_model
from core.model import GPTModel

GPT2_SOURCES = {
    "gpt2-124m": "openai-community/gpt2",
    "gpt2-355m": "openai-community/gpt2-medium",
}
SUPPORTED_ACTIVATIONS = ("gelu_new", "gelu_pytorch_tanh")
# The sizes in the hub checkpoints' config.json: enough to know a model's shape and
# parameter count before (or without) downloading its weights.
GPT2_HUB_SIZES = {
    "gpt2-124m": {"n_embd": 768, "n_layer": 12, "n_head": 12},
    "gpt2-355m": {"n_embd": 1024, "n_layer": 24, "n_head": 16},
}


class PretrainedUnavailable(RuntimeError):
    """The weights could not be fetched or read; the message says what to do."""


def config_from_hf(hf: dict) -> GPTConfig:
    """A transformers GPT-2 `config.json` → our GPTConfig (weights tied, QKV biases)."""
    if hf.get("model_type", "gpt2") != "gpt2":
        raise ValueError(f"not a GPT-2 model (model_type {hf.get('model_type')!r})")
    if hf.get("activation_function", "gelu_new") not in SUPPORTED_ACTIVATIONS:
        raise ValueError(f"unsupported activation {hf.get('activation_function')!r}")
    if abs(float(hf.get("layer_norm_epsilon", 1e-5)) - 1e-5) > 1e-12:
        raise ValueError("only layer_norm_epsilon = 1e-5 is supported")
    return GPTConfig(
        vocab_size=int(hf["vocab_size"]),
        context_length=int(hf.get("n_positions", hf.get("n_ctx", 1024))),
        emb_dim=int(hf["n_embd"]), n_heads=int(hf["n_head"]), n_layers=int(hf["n_layer"]),
        drop_rate=0.0, qkv_bias=True, tie_weights=bool(hf.get("tie_word_embeddings", True)),
    )


def gpt2_hub_config(name: str) -> GPTConfig:
    """The GPTConfig `load_gpt2(name)` gives (QKV biases, tied head), without a download."""
    if name not in GPT2_HUB_SIZES:
        raise ValueError(f"unknown GPT-2 size {name!r}; choose one of {sorted(GPT2_HUB_SIZES)}")
    return config_from_hf({"vocab_size": 50257, "n_positions": 1024, **GPT2_HUB_SIZES[name]})


def _assign(target: torch.Tensor, source: torch.Tensor, name: str) -> None:
    if tuple(target.shape) != tuple(source.shape):
        raise ValueError(
            f"tensor '{name}' has shape {tuple(source.shape)}, expected {tuple(target.shape)}")
    with torch.no_grad():
        target.copy_(source)


def load_weights_into_gpt(gpt: GPTModel, params: dict[str, torch.Tensor]) -> None:
    """Copy GPT-2 tensors (transformers names) into `gpt`, checking every shape."""
    require_full_model(gpt.cfg, "GPT-2's weights")
    params = {k.removeprefix("transformer."): v for k, v in params.items()}

    def take(name: str) -> torch.Tensor:
        if name not in params:
            raise ValueError(f"tensor '{name}' is missing from the weights file")
        return params[name]

    _assign(gpt.tok_emb.weight, take("wte.weight"), "wte.weight")
    _assign(gpt.pos_emb.weight, take("wpe.weight"), "wpe.weight")
    for b, block in enumerate(gpt.trf_blocks):
        p = f"h.{b}."
        c_attn_w, c_attn_b = take(p + "attn.c_attn.weight"), take(p + "attn.c_attn.bias")
        if c_attn_w.dim() != 2 or c_attn_w.shape[1] % 3 or c_attn_b.shape[0] % 3:
            raise ValueError(f"tensor '{p}attn.c_attn.weight' has shape {tuple(c_attn_w.shape)}, "
                             f"expected ({gpt.cfg.emb_dim}, {3 * gpt.cfg.emb_dim})")
        q_w, k_w, v_w = c_attn_w.chunk(3, dim=-1)     # Conv1D: (in, out) → transpose
        q_b, k_b, v_b = c_attn_b.chunk(3, dim=-1)
        att = block.att
        for layer, w, bias, part in ((att.W_query, q_w, q_b, "q"), (att.W_key, k_w, k_b, "k"),
                                     (att.W_value, v_w, v_b, "v")):
            _assign(layer.weight, w.T, f"{p}attn.c_attn.weight[{part}]")
            if layer.bias is None:
                raise ValueError("GPT-2 weights have QKV biases: build the model with qkv_bias=True")
            _assign(layer.bias, bias, f"{p}attn.c_attn.bias[{part}]")
        _assign(att.out_proj.weight, take(p + "attn.c_proj.weight").T, p + "attn.c_proj.weight")
        _assign(att.out_proj.bias, take(p + "attn.c_proj.bias"), p + "attn.c_proj.bias")
        _assign(block.ff.layers[0].weight, take(p + "mlp.c_fc.weight").T, p + "mlp.c_fc.weight")
        _assign(block.ff.layers[0].bias, take(p + "mlp.c_fc.bias"), p + "mlp.c_fc.bias")
        _assign(block.ff.layers[2].weight, take(p + "mlp.c_proj.weight").T, p + "mlp.c_proj.weight")
        _assign(block.ff.layers[2].bias, take(p + "mlp.c_proj.bias"), p + "mlp.c_proj.bias")
        for norm, ln in ((block.norm1, "ln_1"), (block.norm2, "ln_2")):
            _assign(norm.scale, take(f"{p}{ln}.weight"), f"{p}{ln}.weight")
            _assign(norm.shift, take(f"{p}{ln}.bias"), f"{p}{ln}.bias")
    _assign(gpt.final_norm.scale, take("ln_f.weight"), "ln_f.weight")
    _assign(gpt.final_norm.shift, take("ln_f.bias"), "ln_f.bias")
    if not gpt.cfg.tie_weights:
        head = params.get("lm_head.weight", params["wte.weight"])
        _assign(gpt.out_head.weight, head, "lm_head.weight")


def gpt_to_hf_weights(gpt: GPTModel, gpt2_ids: list[int] | None = None,
                      vocab_size: int | None = None) -> dict[str, torch.Tensor]:
    """The inverse of `load_weights_into_gpt`: our weights under transformers' GPT-2 names.

    Linear weights are transposed back into Conv1D's (in, out), W_query/W_key/W_value are
    joined into `c_attn` (zero biases when the model has none), and the head is written
    as `lm_head.weight`. With `gpt2_ids` (a subset-BPE model), row i of the token
    embedding and of the head goes to GPT-2 id gpt2_ids[i] in matrices of `vocab_size`
    rows; the rows of ids the model never had are zero.
    """
    def rows(weight: torch.Tensor) -> torch.Tensor:
        weight = weight.detach().float().cpu()
        if gpt2_ids is None:
            return weight.clone()        # a tied head and embedding are written apart
        full = torch.zeros(vocab_size, weight.shape[1])
        full[torch.tensor(gpt2_ids)] = weight
        return full

    def t(w: torch.Tensor) -> torch.Tensor:
        return w.detach().float().cpu().T.contiguous()

    def bias(layer: torch.nn.Linear) -> torch.Tensor:
        if layer.bias is None:
            return torch.zeros(layer.weight.shape[0])
        return layer.bias.detach().float().cpu()

    out = {"transformer.wte.weight": rows(gpt.tok_emb.weight),
           "transformer.wpe.weight": gpt.pos_emb.weight.detach().float().cpu().contiguous()}
    for b, block in enumerate(gpt.trf_blocks):
        p, att = f"transformer.h.{b}.", block.att
        qkv = (att.W_query, att.W_key, att.W_value)
        out[p + "attn.c_attn.weight"] = torch.cat([t(layer.weight) for layer in qkv], dim=1)
        out[p + "attn.c_attn.bias"] = torch.cat([bias(layer) for layer in qkv])
        out[p + "attn.c_proj.weight"] = t(att.out_proj.weight)
        out[p + "attn.c_proj.bias"] = bias(att.out_proj)
        out[p + "mlp.c_fc.weight"] = t(block.ff.layers[0].weight)
        out[p + "mlp.c_fc.bias"] = bias(block.ff.layers[0])
        out[p + "mlp.c_proj.weight"] = t(block.ff.layers[2].weight)
        out[p + "mlp.c_proj.bias"] = bias(block.ff.layers[2])
        for norm, ln in ((block.norm1, "ln_1"), (block.norm2, "ln_2")):
            out[f"{p}{ln}.weight"] = norm.scale.detach().float().cpu()
            out[f"{p}{ln}.bias"] = norm.shift.detach().float().cpu()
    out["transformer.ln_f.weight"] = gpt.final_norm.scale.detach().float().cpu()
    out["transformer.ln_f.bias"] = gpt.final_norm.shift.detach().float().cpu()
    out["lm_head.weight"] = rows(gpt.out_head.weight)
    return out


def hf_config(cfg: GPTConfig, vocab_size: int | None = None, eos_id: int | None = None) -> dict:
    """The inverse of `config_from_hf`: a transformers GPT-2 `config.json` for `cfg`.

    The head is written separately (`tie_word_embeddings: false`), which loads the same
    whether or not the model was tied."""
    return {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
        "vocab_size": vocab_size or cfg.vocab_size, "n_positions": cfg.context_length,
        "n_ctx": cfg.context_length, "n_embd": cfg.emb_dim, "n_layer": cfg.n_layers,
        "n_head": cfg.n_heads, "n_inner": None, "activation_function": "gelu_new",
        "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "layer_norm_epsilon": 1e-5,
        "initializer_range": 0.02, "tie_word_embeddings": False,
        "bos_token_id": eos_id, "eos_token_id": eos_id, "use_cache": True,
    }


def _cached_folder(repo_id: str, revision: str | None) -> Path | None:
    """The folder of an earlier download, if both files are in the local cache."""
    from huggingface_hub import hf_hub_download

    try:
        config = hf_hub_download(repo_id, "config.json", revision=revision, local_files_only=True)
        hf_hub_download(repo_id, "model.safetensors", revision=revision, local_files_only=True)
        return Path(config).parent
    except Exception:  # not cached (or the cache is incomplete)
        return None


def _hub_reachable(timeout: float = 3.0) -> str | None:
    """None if the Hub's host answers a TCP connection, else the reason it did not.

    Checked first so that an offline machine gets its message in seconds, not after
    the download client's retries.
    """
    import os
    import socket
    from urllib.parse import urlsplit

    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return "HF_HUB_OFFLINE is set"
    from huggingface_hub import constants

    url = urlsplit(constants.ENDPOINT)
    try:
        with socket.create_connection((url.hostname, url.port or 443), timeout=timeout):
            return None
    except OSError as err:
        return f"cannot reach {url.hostname}: {err}"


def _fetch(repo_id: str, revision: str | None) -> Path:
    """Download config.json and model.safetensors (cached) and return their folder."""
    from huggingface_hub import hf_hub_download

    cached = _cached_folder(repo_id, revision)
    if cached is not None:
        return cached
    try:
        reason = _hub_reachable()
        if reason is not None:
            raise ConnectionError(reason)
        config = hf_hub_download(repo_id, "config.json", revision=revision)
        hf_hub_download(repo_id, "model.safetensors", revision=revision)
    except Exception as err:  # offline, unknown repo, no safetensors file, …
        raise PretrainedUnavailable(
            f"Could not download '{repo_id}' from the Hugging Face Hub "
            f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'no details'}). "
            "Check the network connection and the repo id, or download its config.json and "
            "model.safetensors elsewhere and give the folder's path instead. "
            "Models trained in the app keep working offline.") from err
    return Path(config).parent


def load_gpt2(source: str, device: str | torch.device = "cpu",
              revision: str | None = None) -> GPTModel:
    """GPT-2 weights from a hub repo id, a preset name (gpt2-124m) or a local folder."""
    if not isinstance(source, str) or not source.strip():
        raise ValueError("give a Hugging Face repo id (e.g. openai-community/gpt2) or a folder")
    source = GPT2_SOURCES.get(source, source)
    folder = Path(source).expanduser()
    if not folder.is_dir():
        looks_like_path = source.startswith(("/", ".", "~")) or source.count("/") > 1
        if looks_like_path:
            raise PretrainedUnavailable(f"no folder at {source}")
        folder = _fetch(source, revision)
    config_file, weights_file = folder / "config.json", folder / "model.safetensors"
    if not weights_file.is_file():
        hint = " (pytorch_model.bin is a pickle file and is never loaded)" \
            if (folder / "pytorch_model.bin").exists() else ""
        raise PretrainedUnavailable(f"{folder} has no model.safetensors{hint}")
    if not config_file.is_file():
        raise PretrainedUnavailable(f"{folder} has no config.json")
    try:
        cfg = config_from_hf(json.loads(config_file.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as err:
        raise PretrainedUnavailable(f"{config_file} is not a usable GPT-2 config: {err}") from err
    try:
        params = load_file(str(weights_file))
    except (SafetensorError, OSError) as err:
        raise PretrainedUnavailable(f"{weights_file} could not be read (truncated?): {err}") from err
    model = GPTModel(cfg)
    load_weights_into_gpt(model, params)
    return model.to(device).eval()
