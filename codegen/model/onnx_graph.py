"""The decoder graph of an ONNX export, apart from its weights: strip them, fill them back, quantize.

A shipped model can then be a graph (a few hundred KB, `strip_weights`) plus Hugging Face weights
computed on the user's machine (codegen.model.recipe): `fill_weights` maps them onto the tensor
names and layouts that onnxruntime-genai's builder uses for Llama (q/k/v fused into one matrix,
every matrix stored input-major, the embedding read through the transposed output projection when
the two are tied), without torch or the builder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

DATA_SUFFIX = ".data"
FLOAT_TYPES = (1, 10, 16)  # onnx.TensorProto FLOAT, FLOAT16, BFLOAT16: the tensors that are weights
DOWN_PROJECTION = "/mlp/down_proj/"  # how onnxruntime-genai's builder names the MLP's last product


def strip_weights(src: Path, dst: Path) -> None:
    """`src` with the values of its floating-point initializers (weights, rotary tables) dropped;
    names, shapes and types stay, and so do integer constants (shapes, slice bounds)."""
    import onnx

    model = onnx.load(str(src))
    for tensor in model.graph.initializer:
        if tensor.data_type not in FLOAT_TYPES:
            continue
        tensor.ClearField("raw_data")
        tensor.ClearField("external_data")
        tensor.data_location = onnx.TensorProto.DEFAULT
        for field in ("float_data", "int32_data", "int64_data", "double_data"):
            tensor.ClearField(field)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(dst))


def llama_initializers(weights: dict[str, np.ndarray], config: dict[str, Any]) -> dict[str, np.ndarray]:
    """The builder's initializers of a Llama graph, from its Hugging Face weights."""
    layers = int(config["num_hidden_layers"])
    heads = int(config["num_attention_heads"])
    head_dim = int(config.get("head_dim") or int(config["hidden_size"]) // heads)
    out: dict[str, np.ndarray] = {}
    for i in range(layers):
        hf, ours = f"model.layers.{i}", f"model.layers.{i}"
        out[f"{ours}.input_layernorm.weight"] = weights[f"{hf}.input_layernorm.weight"]
        out[f"{ours}.post_attention_layernorm.weight"] = weights[f"{hf}.post_attention_layernorm.weight"]
        qkv = [weights[f"{hf}.self_attn.{p}_proj.weight"] for p in "qkv"]
        out[f"{ours}.attn.qkv_proj.MatMul.weight"] = np.concatenate(qkv).T
        out[f"{ours}.attn.o_proj.MatMul.weight"] = weights[f"{hf}.self_attn.o_proj.weight"].T
        for proj in ("gate_proj", "up_proj", "down_proj"):
            out[f"{ours}.mlp.{proj}.MatMul.weight"] = weights[f"{hf}.mlp.{proj}.weight"].T
    out[f"model.layers.{layers}.final_norm_layernorm.weight"] = weights["model.norm.weight"]
    embedding = weights["model.embed_tokens.weight"]
    out["lm_head.MatMul.weight"] = weights.get("lm_head.weight", embedding).T
    out["model.embed_tokens.weight"] = embedding
    rope = config.get("rope_parameters") or {}
    theta = float(rope.get("rope_theta", config.get("rope_theta", 10000.0)))
    positions = np.arange(int(config.get("max_position_embeddings", 2048)), dtype=np.float32)
    inv_freq = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.int64).astype(np.float32) / head_dim)
    angles = np.outer(positions, inv_freq)
    out["cos_cache"], out["sin_cache"] = np.cos(angles), np.sin(angles)
    return out


def fill_weights(skeleton: Path, arrays: dict[str, np.ndarray], dst: Path) -> None:
    """Write `dst` (+ its `.data` file): the skeleton's graph with each floating-point initializer's
    values taken from `arrays` by name; a missing name or a shape that differs is an error."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(skeleton))
    filled = []
    for tensor in model.graph.initializer:
        if tensor.data_type not in FLOAT_TYPES:
            filled.append(tensor)
            continue
        if tensor.name not in arrays:
            raise ValueError(f"{skeleton.name}: no weights for the graph's tensor {tensor.name}")
        values = np.ascontiguousarray(
            arrays[tensor.name], dtype=onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type)
        )
        if list(values.shape) != list(tensor.dims):
            raise ValueError(
                f"{tensor.name}: weights of shape {values.shape}, the graph wants {list(tensor.dims)}"
            )
        filled.append(numpy_helper.from_array(values, tensor.name))
    del model.graph.initializer[:]
    model.graph.initializer.extend(filled)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(dst), save_as_external_data=True, location=dst.name + DATA_SUFFIX)


def quantize_int8(src: Path, dst: Path) -> None:
    """int8 weights (a scale per output channel) with dynamic activation scales for the matrix
    products (onnxruntime's `quantize_dynamic`), which then run on the CPU's integer units (AMX/VNNI
    where present). The MLP's down projections stay float32: their inputs have outliers that one
    int8 scale per row cannot hold (SmolLM2-135M, code-token loss on 80 dev pairs: float32 1.267,
    all int8 per tensor 1.566, per channel 1.531, down projections float32 1.298; benchmarks/RESULTS.md,
    "ONNX runtime")."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src), load_external_data=False).graph
    float_kept = [
        node.name for node in graph.node if node.op_type == "MatMul" and DOWN_PROJECTION in node.name
    ]
    dst.parent.mkdir(parents=True, exist_ok=True)  # it writes the weights file before the graph
    # it advises, on the root logger, a pre-processing pass meant for vision models
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(src), str(dst), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
            per_channel=True, nodes_to_exclude=float_kept, use_external_data_format=True,
        )  # fmt: skip
    finally:
        root.setLevel(level)
