"""Load any Hugging Face causal LM directory (the shipped default model or a user's) for decoding.

Three runtimes evaluate it: transformers (any architecture, CPU or CUDA); `NumpyLlama` (with
`FastTokenizer`) for small Llama checkpoints on the CPU, which spares a cold `dslgen` call the ~2-5 s
of importing torch and transformers (benchmarks/cli_latency.py); and `OnnxLM` for a directory that
holds an ONNX export (`dslgen train export-onnx`), the fast CPU path for larger models.
`runtime="auto"` picks onnx when the directory has model.onnx and CUDA is not requested, else numpy
for a supported Llama below NUMPY_MAX_PARAMS unless CUDA is requested (one sequence through a model
that small is bound by per-step overhead, not arithmetic, so a GPU would not make it faster).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import InputError
from codegen.extras import require_training_stack
from codegen.model.recipe import ensure_assembled, is_recipe
from codegen.prompt import prompt_examples
from codegen.torch_compat import load_torch_dynamo

SMALL_MODEL_PARAMS = 300_000_000
NUMPY_MAX_PARAMS = 50_000_000
RUNTIMES = ("auto", "numpy", "onnx", "transformers")
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "default"


@dataclass(slots=True)
class LoadedModel:
    model: Any
    tokenizer: Any
    device: str
    path: Path
    prompt_examples: int = 0  # closest examples its prompts carry (codegen.prompt.prompt_examples)


def default_model_dir() -> Path | None:
    """The model used when none is named: $DSLGEN_MODEL if set ("none": retrieval only), else the
    shipped default model when this checkout has one."""
    chosen = os.environ.get("DSLGEN_MODEL")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "none") else Path(chosen)
    return DEFAULT_MODEL if (DEFAULT_MODEL / "config.json").exists() or is_recipe(DEFAULT_MODEL) else None


def pick_device(device: str) -> tuple[str, Any]:
    """`auto` takes CUDA when present (bf16 where supported), else the CPU in float32."""
    if device == "cuda":
        require_training_stack("--device cuda", "torch")
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available on this machine")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        return device, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return device, torch.float32


def load_model(
    path: str | Path,
    device: str = "auto",
    runtime: str = "auto",
    progress: Callable[[str, int, int], None] | None = None,
) -> LoadedModel:
    """`runtime`: auto, numpy (small Llama checkpoints on the CPU), onnx (an ONNX export) or
    transformers. A recipe directory runs as the model it assembles into (codegen.model.recipe)."""
    path = Path(path)
    if is_recipe(path):  # a model shipped as a recipe runs as the directory it assembles into
        # assembling takes ~30 s once: shown as a stage of `progress` (the CLI's progress bar)
        path = ensure_assembled(path, log=(lambda message: progress(message, 0, 0)) if progress else None)
    if runtime not in RUNTIMES:
        raise InputError(f"unknown runtime {runtime!r}; use {', '.join(RUNTIMES)}")
    if not (path / "config.json").is_file():
        raise InputError(f"{path}: not a Hugging Face model directory (no config.json)")
    if device not in ("auto", "cpu", "cuda"):
        raise InputError(f"unknown device {device!r}; use auto, cpu or cuda")
    from codegen.model.onnx_lm import ONNX_FILE

    onnx_runtime = runtime == "onnx" or (
        runtime == "auto" and device != "cuda" and (path / ONNX_FILE).is_file()
    )
    if onnx_runtime:
        loaded = _load_onnx(path, device)
        loaded.prompt_examples = prompt_examples(path)
        return loaded
    reason = _numpy_unsupported(path, device)
    if runtime == "numpy" and reason is not None:
        raise InputError(f"{path}: the numpy runtime cannot run this model ({reason})")
    small = reason is None and _parameters_at_most(path) <= NUMPY_MAX_PARAMS
    numpy_runtime = runtime == "numpy" or (runtime == "auto" and small)
    loaded = _load_numpy(path) if numpy_runtime else _load_transformers(path, device)
    loaded.prompt_examples = prompt_examples(path)
    return loaded


def _numpy_unsupported(path: Path, device: str) -> str | None:
    from codegen.model.numpy_llama import WEIGHTS_FILE, unsupported_reason

    if device == "cuda":
        return "it runs on the CPU only"
    for needed in (WEIGHTS_FILE, "tokenizer.json"):
        if not (path / needed).is_file():
            return f"no {needed}"
    try:
        config = json.loads((path / "config.json").read_text())
    except (OSError, ValueError) as exc:
        return f"config.json: {exc}"
    return unsupported_reason(config)


def _parameters_at_most(path: Path) -> int:
    from codegen.model.numpy_llama import WEIGHTS_FILE

    return (path / WEIGHTS_FILE).stat().st_size // 2  # weights take at least 2 bytes each (bf16/fp16)


def _load_numpy(path: Path) -> LoadedModel:
    from threadpoolctl import threadpool_limits

    from codegen.model.fast_tokenizer import FastTokenizer
    from codegen.model.numpy_llama import NumpyLlama

    try:
        tokenizer = FastTokenizer.from_dir(path)
        model = NumpyLlama.load(path)
    # `tokenizers` reports a malformed tokenizer.json as a bare Exception, safetensors a damaged
    # weights file as SafetensorError: either is a broken model directory, not a crash
    except Exception as exc:
        raise InputError(f"{path}: the model could not be loaded ({exc})") from exc
    # matrices this small gain nothing from BLAS threads, and threads spinning while another
    # process holds the second core made each step ~2.5x slower
    threadpool_limits(limits=1, user_api="blas")
    return LoadedModel(model=model, tokenizer=tokenizer, device="cpu", path=path)


def _load_onnx(path: Path, device: str) -> LoadedModel:
    from codegen.model.fast_tokenizer import FastTokenizer
    from codegen.model.onnx_lm import ONNX_FILE, OnnxLM

    if device == "cuda":
        raise InputError(f"{path}: the onnx runtime runs on the CPU only")
    if not (path / ONNX_FILE).is_file():
        raise InputError(f"{path}: no {ONNX_FILE} (make one with `dslgen train export-onnx`)")
    try:
        tokenizer = FastTokenizer.from_dir(path)
        model = OnnxLM.load(path)
    # onnxruntime reports a damaged graph as its own exception types, `tokenizers` a bare Exception
    except Exception as exc:
        raise InputError(f"{path}: the model could not be loaded ({exc})") from exc
    return LoadedModel(model=model, tokenizer=tokenizer, device="cpu", path=path)


def _load_transformers(path: Path, device: str) -> LoadedModel:
    require_training_stack(
        f"{path}: a model the numpy runtime does not run (it runs small Llama checkpoints on the CPU)"
    )
    load_torch_dynamo()
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a bar per load is noise on the CLI's stderr and in the editor

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
