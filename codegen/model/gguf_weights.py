"""A Llama GGUF file's weights as float32 numpy arrays under their Hugging Face names.

What transformers computes when it loads a GGUF (`from_pretrained(..., gguf_file=)`): each tensor
dequantised by the `gguf` package, the query and key projections un-permuted (llama.cpp's converter
interleaves their rotary halves). Here without torch, so that a base model shipped inside a registry
wheel can be turned into our default model on a serving install (codegen.model.recipe).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

GLOBAL_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
BLOCK_NAMES = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
BLOCK = re.compile(r"blk\.(\d+)\.(\w+)\.weight")


def hf_name(gguf_name: str) -> str:
    if gguf_name in GLOBAL_NAMES:
        return GLOBAL_NAMES[gguf_name]
    match = BLOCK.fullmatch(gguf_name)
    if match is None or match.group(2) not in BLOCK_NAMES:
        raise ValueError(f"GGUF tensor {gguf_name!r} is not part of a Llama model")
    return f"model.layers.{match.group(1)}.{BLOCK_NAMES[match.group(2)]}.weight"


def llama_weights(path: Path, heads: int, kv_heads: int) -> dict[str, np.ndarray]:
    """Every tensor of the GGUF at `path`, dequantised to float32, by Hugging Face name."""
    from gguf import GGUFReader, dequantize

    weights = {}
    for tensor in GGUFReader(path).tensors:
        name = hf_name(tensor.name)
        values = np.asarray(dequantize(tensor.data, tensor.tensor_type), dtype=np.float32)
        if name.endswith("q_proj.weight"):
            values = _unpermute(values, heads)
        elif name.endswith("k_proj.weight"):
            values = _unpermute(values, kv_heads)
        weights[name] = values
    return weights


def _unpermute(weights: np.ndarray, heads: int) -> np.ndarray:
    """Undo llama.cpp's `permute`: per head, rows (pairs, 2) back to (2, pairs)."""
    pairs = weights.shape[0] // heads // 2
    return weights.reshape(heads, pairs, 2, *weights.shape[1:]).swapaxes(2, 1).reshape(weights.shape)
