"""Training configuration: the model's shape and the run's settings, read from a TOML or JSON file.

A config names everything a run depends on (corpus, tokenizer, seed, batch, schedule), so a run is
reproduced by its config alone; command-line overrides are recorded in the run directory.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from codegen.errors import InputError

Stage = Literal["pretrain", "finetune"]
Precision = Literal["auto", "fp32", "bf16"]


@dataclass(frozen=True, slots=True)
class ModelShape:
    """A Llama decoder (transformers' LlamaForCausalLM); the vocabulary size comes from the tokenizer."""

    hidden: int = 256
    layers: int = 4
    heads: int = 4
    kv_heads: int = 4
    intermediate: int = 688
    max_positions: int = 1024
    tie_embeddings: bool = True


@dataclass(frozen=True, slots=True)
class TrainConfig:
    stage: Stage = "pretrain"
    out: str = "runs/pretrain"
    tokenizer: str = "code-16k"  # a name under tokenizers/, or a path; ignored when init_from is set
    init_from: str | None = None  # a Hugging Face model directory to start from (fine-tuning)
    corpus: str = "code-v1"  # pretraining: a built corpus (codegen.training.corpus.build)
    pairs: str = "finetune-v1"  # fine-tuning: a built fine-tuning set (codegen.training.corpus.finetune)
    langs: tuple[str, ...] = ("ansible", "bash", "fortran", "english")
    model: ModelShape = field(default_factory=ModelShape)
    seq_len: int = 512
    batch_size: int = 8  # sequences per process per micro-batch
    grad_accum: int = 1
    steps: int = 1000
    lr: float = 1e-3
    min_lr_ratio: float = 0.1
    warmup: int = 50
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    seed: int = 0
    precision: Precision = "auto"
    threads: int = 0  # intra-op threads per process; 0 = the machine's cores shared among processes
    log_every: int = 10
    eval_every: int = 200
    eval_batches: int = 8
    save_every: int = 200
    keep_checkpoints: int = 2
    max_seconds: float = 0.0  # stop (and save) after this much training time; 0 = no limit
    max_cpu_seconds: float = 0.0  # the same in CPU time of this process: equal compute on a busy machine
    export_dtype: Literal["float32", "bfloat16"] = "float32"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
    values = dict(data)
    if cls is TrainConfig:
        if isinstance(values.get("model"), dict):
            values["model"] = _build(ModelShape, values["model"], f"{where} [model]")
        if "langs" in values:
            values["langs"] = tuple(values["langs"])
    try:
        return cls(**values)
    except TypeError as exc:
        raise InputError(f"{where}: {exc}") from None


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    if not path.is_file():
        raise InputError(f"{path}: no such config file")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: {exc}") from None
    config = _build(TrainConfig, data, str(path))
    config = replace(config, **{k: v for k, v in (overrides or {}).items() if v is not None})
    check_config(config)
    return config


def check_config(config: TrainConfig) -> None:
    problems = []
    if config.stage not in ("pretrain", "finetune"):
        problems.append(f"stage must be pretrain or finetune, not {config.stage!r}")
    if config.precision not in ("auto", "fp32", "bf16"):
        problems.append(f"precision must be auto, fp32 or bf16, not {config.precision!r}")
    for name in ("seq_len", "batch_size", "grad_accum", "steps", "log_every", "eval_every", "save_every"):
        if getattr(config, name) < 1:
            problems.append(f"{name} must be at least 1")
    if config.seq_len > config.model.max_positions:
        problems.append(f"seq_len {config.seq_len} exceeds model.max_positions {config.model.max_positions}")
    if config.model.hidden % config.model.heads or config.model.heads % config.model.kv_heads:
        problems.append("model.hidden must divide by model.heads, and heads by kv_heads")
    if problems:
        raise InputError("bad training config: " + "; ".join(problems))
