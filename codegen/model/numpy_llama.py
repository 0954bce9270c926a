"""A Llama checkpoint evaluated with numpy: the CLI's runtime for small models on the CPU.

Importing torch and transformers takes ~5 s of a cold `dslgen` call on this kind of machine, and a
model of a few million parameters spends less time in its matrix products than that. This reads the
same Hugging Face directory (config.json + model.safetensors, via the `safetensors` library) and
computes what `transformers.LlamaForCausalLM` computes in float32 (tested equal to it), for the
configurations it checks in `unsupported_reason`; anything else loads through transformers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import deserialize

WEIGHTS_FILE = "model.safetensors"


def unsupported_reason(config: dict[str, Any]) -> str | None:
    """Why this runtime cannot evaluate the configuration exactly, or None when it can."""
    if config.get("model_type") != "llama":
        return f"model type {config.get('model_type')!r} is not llama"
    if config.get("hidden_act", "silu") != "silu":
        return f"activation {config.get('hidden_act')!r}"
    if config.get("attention_bias") or config.get("mlp_bias"):
        return "bias terms"
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if rope.get("rope_type", rope.get("type", "default")) != "default":
        return f"rope type {rope.get('rope_type', rope.get('type'))!r}"
    return None


def tensor_to_float32(tensor: dict[str, Any]) -> np.ndarray:
    raw, shape, dtype = tensor["data"], tensor["shape"], tensor["dtype"]
    if dtype == "BF16":  # numpy has no bfloat16: its bits are the upper half of a float32's
        values = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
    elif dtype in ("F32", "F16"):
        values = np.frombuffer(raw, dtype=np.float32 if dtype == "F32" else np.float16).astype(np.float32)
    else:
        raise ValueError(f"tensor dtype {dtype} is not supported by the numpy runtime")
    return values.reshape(shape)


def mapped_float32_tensors(path: Path) -> dict[str, np.ndarray]:
    """The floating-point tensors of a safetensors file as float32: read-only views of the
    memory-mapped file (F16 and BF16 ones converted; integer tensors left out). Reading a file whole costs a cold call every page it
    touches anew (~5 ms a MB here: the MiniLM encoder's 47 MB embedding took 0.26 s to convert); a
    view reads only the rows a request looks up."""
    with path.open("rb") as f:
        header_size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_size)
    out: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] not in ("F32", "F16", "BF16"):
            continue
        start, end = spec["data_offsets"]
        raw = data[start:end]
        if spec["dtype"] == "F32":
            out[name] = raw.view(np.float32).reshape(spec["shape"])
        else:
            out[name] = tensor_to_float32(
                {"data": raw.tobytes(), "shape": spec["shape"], "dtype": spec["dtype"]}
            )
    return out


@dataclass(slots=True)
class _Layer:
    attn_norm: np.ndarray
    qkv: np.ndarray  # [hidden, (heads + 2 * kv_heads) * head_dim], q/k/v projections side by side
    out: np.ndarray  # [heads * head_dim, hidden]
    mlp_norm: np.ndarray
    gate_up: np.ndarray  # [hidden, 2 * intermediate]
    down: np.ndarray  # [intermediate, hidden]


class KVCache:
    """Keys and values of every layer for the positions seen so far, in buffers grown by doubling
    (appending in place: a copied cache is a `copy.deepcopy`)."""

    def __init__(self, layers: int, kv_heads: int, head_dim: int, capacity: int) -> None:
        self.keys = np.zeros((layers, kv_heads, capacity, head_dim), dtype=np.float32)
        self.values = np.zeros_like(self.keys)
        self.length = 0

    def reserve(self, extra: int) -> None:
        needed = self.length + extra
        if needed <= self.keys.shape[2]:
            return
        capacity = max(needed, 2 * self.keys.shape[2])
        for name in ("keys", "values"):
            old = getattr(self, name)
            grown = np.zeros((*old.shape[:2], capacity, *old.shape[3:]), dtype=np.float32)
            grown[:, :, : self.length] = old[:, :, : self.length]
            setattr(self, name, grown)


class NumpyLlama:
    def __init__(self, config: dict[str, Any], weights: dict[str, np.ndarray]) -> None:
        self.config = config
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.kv_heads = int(config.get("num_key_value_heads") or self.heads)
        self.head_dim = int(config.get("head_dim") or self.hidden // self.heads)
        self.eps = float(config.get("rms_norm_eps", 1e-6))
        self.scale = self.head_dim**-0.5  # a Python float: a numpy float64 would promote to float64
        self.max_positions = int(config.get("max_position_embeddings", 2048))
        rope = config.get("rope_parameters") or {}
        theta = float(rope.get("rope_theta", config.get("rope_theta", 10000.0)))
        self.inv_freq = 1.0 / theta ** (np.arange(0, self.head_dim, 2, dtype=np.float32) / self.head_dim)

        self.embed = weights["model.embed_tokens.weight"]
        head = self.embed if config.get("tie_word_embeddings") else weights["lm_head.weight"]
        self.lm_head = np.ascontiguousarray(head.T)
        self.vocab_size = int(head.shape[0])
        self.norm = weights["model.norm.weight"]
        self.layers = [self._layer(weights, i) for i in range(int(config["num_hidden_layers"]))]

    @staticmethod
    def _layer(weights: dict[str, np.ndarray], i: int) -> _Layer:
        def w(name: str) -> np.ndarray:
            return weights[f"model.layers.{i}.{name}.weight"]

        # stored as [out, in]; products below are x @ W.T, so keep the transposes contiguous
        qkv = np.concatenate([w("self_attn.q_proj"), w("self_attn.k_proj"), w("self_attn.v_proj")])
        gate_up = np.concatenate([w("mlp.gate_proj"), w("mlp.up_proj")])
        return _Layer(
            attn_norm=w("input_layernorm"),
            qkv=np.ascontiguousarray(qkv.T),
            out=np.ascontiguousarray(w("self_attn.o_proj").T),
            mlp_norm=w("post_attention_layernorm"),
            gate_up=np.ascontiguousarray(gate_up.T),
            down=np.ascontiguousarray(w("mlp.down_proj").T),
        )

    @classmethod
    def load(cls, path: Path) -> NumpyLlama:
        config = json.loads((path / "config.json").read_text())
        reason = unsupported_reason(config)
        if reason is not None:
            raise ValueError(f"the numpy runtime does not support this model: {reason}")
        tensors = deserialize((path / WEIGHTS_FILE).read_bytes())
        return cls(config, {name: tensor_to_float32(t) for name, t in tensors})

    def num_parameters(self) -> int:
        """As transformers counts them: a tied output matrix once."""
        tied = self.config.get("tie_word_embeddings")
        matrices = [self.embed, self.norm] + ([] if tied else [self.lm_head])
        for layer in self.layers:
            matrices += [layer.attn_norm, layer.qkv, layer.out, layer.mlp_norm, layer.gate_up, layer.down]
        return sum(m.size for m in matrices)

    def start(self) -> KVCache:
        return KVCache(len(self.layers), self.kv_heads, self.head_dim, self.max_positions)

    def forward(
        self, tokens: list[int], cache: KVCache, *, all_logits: bool = True
    ) -> tuple[np.ndarray, KVCache]:
        """Logits for each token (or only the last one); `cache` is extended by the tokens in place."""
        start, n = cache.length, len(tokens)
        cache.reserve(n)
        cos, sin = self._rotary(np.arange(start, start + n, dtype=np.float32))
        x = self.embed[tokens]
        q_width, kv_width = self.heads * self.head_dim, self.kv_heads * self.head_dim
        for i, layer in enumerate(self.layers):
            qkv = self._rms_norm(x, layer.attn_norm) @ layer.qkv
            q = self._heads(qkv[:, :q_width], self.heads)
            k = self._heads(qkv[:, q_width : q_width + kv_width], self.kv_heads)
            cache.keys[i, :, start : start + n] = k * cos + _rotate_half(k) * sin
            cache.values[i, :, start : start + n] = self._heads(qkv[:, q_width + kv_width :], self.kv_heads)
            attended = self._attention(q * cos + _rotate_half(q) * sin, cache, i, start + n)
            x = x + attended @ layer.out
            gate, up = np.split(self._rms_norm(x, layer.mlp_norm) @ layer.gate_up, 2, axis=-1)
            x = x + (gate / (1.0 + np.exp(-gate)) * up) @ layer.down
        cache.length = start + n
        x = self._rms_norm(x if all_logits else x[-1:], self.norm)
        return x @ self.lm_head, cache

    def _heads(self, x: np.ndarray, heads: int) -> np.ndarray:
        return x.reshape(len(x), heads, self.head_dim).transpose(1, 0, 2)

    def _rotary(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        freqs = np.outer(positions, self.inv_freq)
        angles = np.concatenate([freqs, freqs], axis=-1)
        return np.cos(angles), np.sin(angles)

    def _rms_norm(self, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * weight

    def _attention(self, q: np.ndarray, cache: KVCache, layer: int, end: int) -> np.ndarray:
        n = q.shape[1]
        keys, values = cache.keys[layer, :, :end], cache.values[layer, :, :end]
        if self.kv_heads != self.heads:  # grouped-query attention: each kv head serves a group
            group = self.heads // self.kv_heads
            keys, values = np.repeat(keys, group, axis=0), np.repeat(values, group, axis=0)
        scores = q @ keys.transpose(0, 2, 1) * self.scale
        if n > 1:  # new token j sees the past and the new tokens up to itself
            scores[:, np.triu(np.ones((n, end), dtype=bool), k=end - n + 1)] = -np.inf
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = scores / scores.sum(axis=-1, keepdims=True)
        return (weights @ values).transpose(1, 0, 2).reshape(n, self.heads * self.head_dim)


def _rotate_half(x: np.ndarray) -> np.ndarray:
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
