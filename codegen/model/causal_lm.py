"""What the decoder needs from a language model, whichever runtime evaluates it.

`start` gives an empty cache; `forward` takes token ids and the cache of the positions before them,
and returns float32 numpy logits (one row per token, or only the last) and the extended cache. A
cache is copied with `copy.deepcopy` when candidates branch from one prompt.
"""

from __future__ import annotations

import inspect
from typing import Any, Protocol

import numpy as np

from codegen.model.numpy_llama import NumpyLlama
from codegen.model.onnx_lm import OnnxLM


class CausalLM(Protocol):
    vocab_size: int

    def start(self) -> Any: ...

    def forward(self, tokens: list[int], cache: Any, *, all_logits: bool) -> tuple[np.ndarray, Any]: ...


class TransformersLM:
    """A transformers (torch) causal LM on its device."""

    def __init__(self, model: Any) -> None:
        import torch

        self.model = model
        self.torch = torch
        embeddings = model.get_output_embeddings()
        self.vocab_size = int(
            embeddings.weight.shape[0] if embeddings is not None else model.config.vocab_size
        )
        self.device = next(model.parameters()).device
        # transformers 5 renamed `past_key_values` to `cache`; accept models from either side
        self.cache_arg = (
            "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        )

    def start(self) -> Any:
        return None

    def forward(self, tokens: list[int], cache: Any, *, all_logits: bool) -> tuple[np.ndarray, Any]:
        with self.torch.no_grad():
            out = self.model(
                self.torch.tensor([tokens], device=self.device),
                **({self.cache_arg: cache} if cache is not None else {}),
                use_cache=True,
            )
        logits = out.logits[0] if all_logits else out.logits[0, -1:]
        cache = getattr(out, "cache", None)
        return logits.float().cpu().numpy(), cache if cache is not None else out.past_key_values


def as_causal_lm(model: Any) -> CausalLM:
    """The decoder's view of a loaded model: a numpy Llama, an ONNX export or any transformers causal LM."""
    if isinstance(model, NumpyLlama | OnnxLM | TransformersLM):
        return model
    return TransformersLM(model)
