"""A decoder LM exported to ONNX (`dslgen train export-onnx`), evaluated by onnxruntime on the CPU.

The runtime for models too large for `NumpyLlama`: onnxruntime imports in ~0.1 s (torch and
transformers take ~2 s of a cold call), and the export's int8 matrix products run on the CPU's integer
units (AMX/VNNI where present), so SmolLM2-135M reads a 300-token prompt in 0.2 s instead of 0.7 s
with transformers, and takes 17 ms a token instead of 65 ms (benchmarks/RESULTS.md, "ONNX runtime").

The graph is the one onnxruntime-genai's model builder writes (inputs `input_ids`, `attention_mask`,
`past_key_values.N.key|value`; outputs `logits`, `present.N.key|value`), plus the input `logits_from`
the export adds: the position from which logits are computed, so that a prompt's forward pass does
not project every position onto the vocabulary when only the last one is read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ONNX_FILE = "model.onnx"
# A directory whose graph is onnxruntime's optimised one, written for the installed runtime version
# (`save_optimized`, when a recipe is assembled), says so in this file: its session then skips the
# graph optimisation, 0.55 -> 0.19 s of a cold call, with equal logits and step time (RESULTS.md,
# "Cold calls")
OPTIMIZED_RECORD = "optimized.json"
LOGITS_FROM = "logits_from"
# what an ONNX model directory holds beside the graph: read by the runtime (config, tokenizer), the
# prompt builder (prompt.json) and people (model card, training record)
MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "prompt.json",
    "training.json",
    "README.md",
)
# a request is one sequence: more threads than this wait on each other more than they compute
MAX_THREADS = 2


@dataclass(slots=True)
class OnnxCache:
    """Keys and values of every layer for the positions seen so far (the graph's `present` outputs)."""

    past: list[np.ndarray]
    length: int = 0


class OnnxLM:
    def __init__(self, session: Any, config: dict[str, Any]) -> None:
        self.session = session
        self.layers = int(config["num_hidden_layers"])
        heads = int(config["num_attention_heads"])
        self.kv_heads = int(config.get("num_key_value_heads") or heads)
        self.head_dim = int(config.get("head_dim") or int(config["hidden_size"]) // heads)
        self.inputs = {i.name for i in session.get_inputs()}
        logits = next(o for o in session.get_outputs() if o.name == "logits")
        width = logits.shape[-1]
        self.vocab_size = int(width) if isinstance(width, int) else int(config["vocab_size"])
        self.past_names = [
            f"past_key_values.{i}.{kind}" for i in range(self.layers) for kind in ("key", "value")
        ]
        self.present_names = [name.replace("past_key_values", "present") for name in self.past_names]
        outputs = {o.name for o in session.get_outputs()}
        missing = ({"input_ids", "attention_mask", *self.past_names} - self.inputs) | (
            set(self.present_names) - outputs
        )
        if missing:
            raise ValueError(f"{ONNX_FILE} lacks {', '.join(sorted(missing))}")

    @classmethod
    def load(cls, path: Path, threads: int | None = None) -> OnnxLM:
        import onnxruntime as ort

        options = _session_options(threads)
        if _optimized_for(path, ort.__version__):
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(str(path / ONNX_FILE), options, providers=["CPUExecutionProvider"])
        return cls(session, json.loads((path / "config.json").read_text()))

    def start(self) -> OnnxCache:
        empty = np.zeros((1, self.kv_heads, 0, self.head_dim), dtype=np.float32)
        return OnnxCache([empty] * len(self.past_names))

    def forward(
        self, tokens: list[int], cache: OnnxCache, *, all_logits: bool = True
    ) -> tuple[np.ndarray, OnnxCache]:
        """Logits for each token (or only the last one), and the cache extended by the tokens."""
        n = len(tokens)
        total = cache.length + n
        feeds: dict[str, np.ndarray] = {
            "input_ids": np.asarray([tokens], dtype=np.int64),
            "attention_mask": np.ones((1, total), dtype=np.int64),
            **dict(zip(self.past_names, cache.past, strict=True)),
        }
        if "position_ids" in self.inputs:
            feeds["position_ids"] = np.arange(cache.length, total, dtype=np.int64)[None]
        sliced = LOGITS_FROM in self.inputs
        if sliced:
            feeds[LOGITS_FROM] = np.asarray([0 if all_logits else n - 1], dtype=np.int64)
        logits, *present = self.session.run(["logits", *self.present_names], feeds)
        logits = logits[0] if all_logits or sliced else logits[0, -1:]
        return logits.astype(np.float32, copy=False), OnnxCache(present, total)


def _session_options(threads: int | None = None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(MAX_THREADS, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    # threads that spin between steps hold the core the grammar's worker thread needs
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # warnings about unused initializers are noise on stderr
    return options


def _optimized_for(path: Path, version: str) -> bool:
    try:
        return json.loads((path / OPTIMIZED_RECORD).read_text()).get("onnxruntime") == version
    except (OSError, ValueError):
        return False


def save_optimized(graph: Path, out: Path) -> None:
    """Write onnxruntime's optimised version of the ONNX file `graph` as `out`/model.onnx (weights
    in model.onnx.data) for the installed onnxruntime, and record it: a session of `out` then loads it
    unoptimised. The extended level, not all: the layout optimisations of the last level are the
    ones tied to a CPU (onnxruntime's documentation), and for this decoder both levels write the same
    operators (RESULTS.md, "Cold calls")."""
    import onnxruntime as ort

    options = _session_options()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(out / ONNX_FILE)
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", ONNX_FILE + ".data"
    )
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
    (out / OPTIMIZED_RECORD).write_text(json.dumps({"onnxruntime": ort.__version__}) + "\n")
