"""A Hugging Face causal LM directory -> an ONNX directory that `codegen.model.onnx_lm` runs.

onnxruntime-genai's model builder writes the decoder graph (fused attention with a KV cache, for
Llama, Mistral, Qwen, Phi, Gemma, ...). The export then
1. adds the input `logits_from` (a Slice before the output projection), so that a prompt's forward
   pass computes the logits of its last position only;
2. quantizes the matrix products to int8 (`onnx_graph.quantize_int8`): a 300-token prompt through
   SmolLM2-135M 0.58 -> 0.21 s, a decoding step 46 -> 17 ms on one thread (benchmarks/RESULTS.md,
   "ONNX runtime");
3. copies what the rest of dslgen reads beside the weights: config.json, the tokenizer files, the
   prompt format (prompt.json), the model card and training record.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Literal

from codegen.errors import InputError
from codegen.extras import missing
from codegen.model.onnx_graph import DATA_SUFFIX, quantize_int8
from codegen.model.onnx_lm import LOGITS_FROM, MODEL_FILES, ONNX_FILE

Quantization = Literal["int8", "none"]
DATA_FILE = ONNX_FILE + DATA_SUFFIX
EXPORT_INSTALL = "pip install 'dslgen[export]' (or `bash scripts/install.sh --train` in a checkout)"


def export_onnx(source: Path, out: Path, quantize: Quantization = "int8") -> Path:
    """Write `out/model.onnx` (+ its weights file) and the files beside it; returns `out`."""
    with tempfile.TemporaryDirectory(prefix="dslgen-onnx-") as tmp:
        sliced = build_graph(source, Path(tmp)).parent
        out.mkdir(parents=True, exist_ok=True)
        for stale in (out / ONNX_FILE, out / DATA_FILE):
            stale.unlink(missing_ok=True)
        if quantize == "int8":
            quantize_int8(sliced / ONNX_FILE, out / ONNX_FILE)
        else:
            shutil.copy2(sliced / ONNX_FILE, out / ONNX_FILE)
            shutil.copy2(sliced / DATA_FILE, out / DATA_FILE)
    for name in MODEL_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, out / name)
    return out


def build_graph(source: Path, work: Path) -> Path:
    """The float32 graph with the `logits_from` input, written under `work`; returns its path."""
    absent = missing("torch", "transformers", "onnx", "onnxruntime_genai", "onnx_ir")
    if absent:
        raise InputError(f"export-onnx needs {', '.join(absent)}: {EXPORT_INSTALL}")
    if not (source / "config.json").is_file():
        raise InputError(f"{source}: not a Hugging Face model directory (no config.json)")
    built = work / "built"
    _build(source, built, work / "cache")
    _slice_logits(built / ONNX_FILE, work / "sliced" / ONNX_FILE)
    return work / "sliced" / ONNX_FILE


def _build(source: Path, built: Path, cache: Path) -> None:
    """onnxruntime-genai's builder in float32 (quantization is ours, step 2), as a subprocess: it
    prints a progress line per tensor and keeps its state in module globals."""
    command = [
        sys.executable, "-m", "onnxruntime_genai.models.builder",
        "-m", source.name, "-i", str(source), "-o", str(built), "-p", "fp32", "-e", "cpu", "-c", str(cache),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not (built / ONNX_FILE).is_file():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise InputError(f"{source}: onnxruntime-genai could not export this model:\n{tail}")


def _slice_logits(src: Path, dst: Path) -> None:
    """Insert `Slice(hidden, logits_from:, axis 1)` before the node that writes `logits`."""
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(src))
    graph = model.graph
    head = next(node for node in graph.node if "logits" in node.output)
    sliced = f"{head.name}/{LOGITS_FROM}"
    graph.input.append(helper.make_tensor_value_info(LOGITS_FROM, TensorProto.INT64, [1]))
    graph.initializer.extend(
        [
            helper.make_tensor(f"{sliced}/end", TensorProto.INT64, [1], [2**62]),
            helper.make_tensor(f"{sliced}/axis", TensorProto.INT64, [1], [1]),
        ]
    )
    cut = helper.make_node(
        "Slice", [head.input[0], LOGITS_FROM, f"{sliced}/end", f"{sliced}/axis"], [sliced], name=sliced
    )
    head.input[0] = sliced
    graph.node.insert(list(graph.node).index(head), cut)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(dst), save_as_external_data=True, location=DATA_FILE)
