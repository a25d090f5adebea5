"""`python -m core.export CHECKPOINT OUT [--push REPO]`: a checkpoint of the command line
(or of the app's Save) as a folder transformers loads, and on the Hugging Face Hub.

    python -m core.train --corpus the-verdict --steps 600 --out runs/verdict
    python -m core.export runs/verdict/checkpoint exports/verdict
    HF_TOKEN=hf_… python -m core.export runs/verdict/checkpoint exports/verdict --push me/verdict-gpt

The folder is the Export button's (core/export.py): GPT-2's names and layout, the
tokenizer files and a model card. The token for `--push` comes from the HF_TOKEN
variable or a `huggingface-cli login`, never from a flag (a flag shows in the process
list and the shell's history); the repository is private unless `--public`.
"""

from __future__ import annotations

import argparse
import os
import sys

from core.checkpoint import CheckpointError, load_checkpoint
from core.export import ExportError, export_model, push_to_hub
from core.runtime import console


DESCRIPTION = ("Export an LLM Playground checkpoint to a folder that transformers' "
               "GPT2LMHeadModel.from_pretrained loads, and optionally push it to the Hugging "
               "Face Hub. The token for --push is read from HF_TOKEN or a huggingface-cli login.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.export", description=DESCRIPTION)
    parser.add_argument("checkpoint", help="a checkpoint: runs/x/checkpoint (or its "
                        ".safetensors file), as python -m core.train --out or Save writes it")
    parser.add_argument("out", help="the folder to write (created if missing)")
    parser.add_argument("--push", metavar="REPO", help="also upload to this Hub repository "
                        "(user/name)")
    parser.add_argument("--public", action="store_true",
                        help="make a new Hub repository public (default: private)")
    return parser


def _hub_token() -> str:
    token = os.environ.get("HF_TOKEN", "")
    if token:
        return token
    try:
        from huggingface_hub import get_token
        return get_token() or ""
    except ImportError:  # pragma: no cover - huggingface-hub is a requirement
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        checkpoint = load_checkpoint(args.checkpoint)
    except CheckpointError as err:
        parser.error(f"checkpoint: {err}")
    try:
        folder = export_model(checkpoint.model, checkpoint.tokenizer, args.out, checkpoint.meta)
    except (ExportError, OSError) as err:
        parser.error(f"export: {err}")
    log = console("core.export")
    log.info(f"exported the model at step {checkpoint.step:,} to {folder}")
    if args.push:
        try:
            url = push_to_hub(folder, args.push, _hub_token(), private=not args.public)
        except ExportError as err:
            parser.exit(1, f"python -m core.export: error: {err}\n")
        log.info(f"uploaded: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
