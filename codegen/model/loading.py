"""Load any Hugging Face causal LM directory (the shipped default model or a user's) for decoding."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import InputError
from codegen.torch_compat import load_torch_dynamo

SMALL_MODEL_PARAMS = 300_000_000
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "default"


@dataclass(slots=True)
class LoadedModel:
    model: Any
    tokenizer: Any
    device: str
    path: Path


def default_model_dir() -> Path | None:
    """The model used when none is named: $DSLGEN_MODEL if set ("none": retrieval only), else the
    shipped default model when this checkout has one."""
    chosen = os.environ.get("DSLGEN_MODEL")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "none") else Path(chosen)
    return DEFAULT_MODEL if (DEFAULT_MODEL / "config.json").exists() else None


def pick_device(device: str) -> tuple[str, Any]:
    """`auto` takes CUDA when present (bf16 where supported), else the CPU in float32."""
    import torch

    if device not in ("auto", "cpu", "cuda"):
        raise InputError(f"unknown device {device!r}; use auto, cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available on this machine")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        return device, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return device, torch.float32


def load_model(path: str | Path, device: str = "auto") -> LoadedModel:
    load_torch_dynamo()
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a bar per load is noise on the CLI's stderr and in the editor

    path = Path(path)
    if not (path / "config.json").is_file():
        raise InputError(f"{path}: not a Hugging Face model directory (no config.json)")
    device, dtype = pick_device(device)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=dtype)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: the model could not be loaded ({exc})") from exc
    model.to(device).eval()
    if device == "cpu" and sum(p.numel() for p in model.parameters()) < SMALL_MODEL_PARAMS:
        # decoding one sequence through a small model gains little from intra-op threads, and when
        # another process holds a core their spinning made generation 20x slower (0.4 s -> 8 s for
        # the default model; 1.8 s -> 34.5 s for 32 tokens of the 135M SmolLM2 peer)
        import torch

        torch.set_num_threads(1)
    return LoadedModel(model=model, tokenizer=tokenizer, device=device, path=path)
