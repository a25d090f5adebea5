"""The anatomy of a GPT (chapter 4): the steps in order with the shape of the data
after each, where the parameters live, what they weigh in memory, and the book's
demonstration of why shortcut connections let a deep stack learn.

Everything is read from the config alone: the parameters from a model built on the
"meta" device (shapes, no numbers), the shapes by arithmetic (a meta-device forward
cannot check its token ids). B and T (batch and tokens) stay letters: the model fixes
every other size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.config import GPTConfig
from core.model import GELU, GPTModel, count_parameters

MB = 2**20


@dataclass(frozen=True)
class AnatomyStep:
    """One step of the forward pass: `key` names it, `shape` is the tensor after it,
    `params` the parameters it owns (per block for steps inside a block)."""

    key: str
    shape: tuple
    params: int = 0
    in_block: bool = False


def _meta_model(cfg: GPTConfig) -> GPTModel:
    with torch.device("meta"):
        return GPTModel(cfg)


def _n(*modules: nn.Module | None) -> int:
    """Parameters of the modules (a piece a switch took away, None, has none)."""
    return sum(p.numel() for module in modules if module is not None for p in module.parameters())


def anatomy_steps(cfg: GPTConfig) -> list[AnatomyStep]:
    """The forward pass of GPTModel(cfg) in order; the block's steps once (they repeat
    in each of the n_layers blocks)."""
    model = _meta_model(cfg)
    block = model.trf_blocks[0]
    att = block.att
    C, H, D, V = cfg.emb_dim, cfg.n_heads, cfg.head_dim, cfg.vocab_size
    btc = ("B", "T", C)
    head = 0 if cfg.tie_weights else model.out_head.weight.numel()
    return [
        AnatomyStep("token_ids", ("B", "T")),
        AnatomyStep("tok_emb", btc, _n(model.tok_emb)),
        AnatomyStep("pos_emb", btc, _n(model.pos_emb)),
        AnatomyStep("dropout", btc),
        AnatomyStep("norm1", btc, _n(block.norm1), True),
        AnatomyStep("qkv", ("B", H, "T", D), _n(att.W_query, att.W_key, att.W_value), True),
        AnatomyStep("scores", ("B", H, "T", "T"), 0, True),
        AnatomyStep("context", btc, 0, True),
        AnatomyStep("out_proj", btc, _n(att.out_proj), True),
        AnatomyStep("shortcut_att", btc, 0, True),
        AnatomyStep("norm2", btc, _n(block.norm2), True),
        AnatomyStep("ff_up", ("B", "T", 4 * C), _n(block.ff.layers[0]), True),
        AnatomyStep("ff_down", btc, _n(block.ff.layers[2]), True),
        AnatomyStep("shortcut_ff", btc, 0, True),
        AnatomyStep("final_norm", btc, _n(model.final_norm)),
        AnatomyStep("out_head", ("B", "T", V), head),
    ]


@dataclass(frozen=True)
class ParameterCounts:
    """Where a config's parameters live, and the two totals people quote.

    `components` counts the output head as its own V × C matrix; with weight tying
    (GPT-2's) it is the token embedding itself, so the distinct parameters are
    `with_tying` = `without_tying` − V·C. `tied` says which of the two the config has.
    """

    components: dict[str, int]
    without_tying: int
    with_tying: int
    tied: bool

    @property
    def total(self) -> int:
        """The parameters this config really has."""
        return self.with_tying if self.tied else self.without_tying


def parameter_counts(cfg: GPTConfig) -> ParameterCounts:
    model = _meta_model(cfg)
    blocks = model.trf_blocks
    head = model.out_head.weight.numel()
    components = {
        "tok_emb": _n(model.tok_emb),
        "pos_emb": _n(model.pos_emb),
        "attention": sum(_n(b.att) for b in blocks),
        "feed_forward": sum(_n(b.ff) for b in blocks),
        "layer_norms": sum(_n(b.norm1, b.norm2) for b in blocks) + _n(model.final_norm),
        "out_head": head,
    }
    distinct = count_parameters(model)
    without = distinct + head if cfg.tie_weights else distinct
    return ParameterCounts(components, without, without - head, cfg.tie_weights)


def memory_mb(n_params: int, bytes_per_param: int = 4) -> float:
    """Megabytes (2²⁰ bytes) to hold n numbers: 4 bytes each in float32, 2 in bfloat16."""
    return n_params * bytes_per_param / MB


# ----- shortcut connections (chapter 4.4) -----------------------------------------------

SHORTCUT_LAYER_SIZES = (3, 3, 3, 3, 3, 1)
SHORTCUT_INPUT = ((1.0, 0.0, -1.0),)
SHORTCUT_TARGET = ((0.0,),)


class ExampleDeepNeuralNetwork(nn.Module):
    """The book's five-layer network: each layer a Linear and a GELU. With
    `use_shortcut`, a layer's input is added to its output where the shapes match."""

    def __init__(self, layer_sizes, use_shortcut: bool):
        super().__init__()
        self.use_shortcut = use_shortcut
        self.layers = nn.ModuleList(
            nn.Sequential(nn.Linear(layer_sizes[i], layer_sizes[i + 1]), GELU())
            for i in range(len(layer_sizes) - 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            layer_output = layer(x)
            if self.use_shortcut and x.shape == layer_output.shape:
                x = x + layer_output
            else:
                x = layer_output
        return x


def shortcut_gradients(use_shortcut: bool, seed: int = 123) -> list[float]:
    """Mean |gradient| of each layer's weights after one backward pass of the book's
    example: input [[1., 0., -1.]], target [[0.]], mean squared error.

    The layers start from nn.Linear's own initialisation, which draws from torch's
    global random state; `fork_rng` seeds it for this model only and puts it back
    afterwards. Without shortcuts the first layer's gradient is tiny (seed 123: about
    0.0002): it vanishes on the way back. With them it stays large (about 0.22).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = ExampleDeepNeuralNetwork(SHORTCUT_LAYER_SIZES, use_shortcut)
    with torch.enable_grad():
        output = model(torch.tensor(SHORTCUT_INPUT))
        loss = nn.MSELoss()(output, torch.tensor(SHORTCUT_TARGET))
        loss.backward()
    return [float(layer[0].weight.grad.abs().mean()) for layer in model.layers]
