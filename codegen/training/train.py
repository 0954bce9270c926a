"""The training loop for pretraining and fine-tuning: one process, or many under torchrun.

A plain PyTorch loop rather than HF Trainer: with a few-million-parameter model the step is cheap,
and the loop keeps the data order a pure function of the step (exact resume, and W processes reading
exactly what one process with W times the batch reads), which Trainer's samplers do not promise.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer

from codegen.errors import InputError
from codegen.torch_compat import load_torch_dynamo
from codegen.training import checkpoint, distributed
from codegen.training.config import TrainConfig
from codegen.training.data import Batch, PackedBlocks, PromptCodeExamples, sample_order
from codegen.training.distributed import Place
from codegen.training.loss import TargetLoss

EOS = "<|endoftext|>"
PAD = "<|pad|>"
Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RunSummary:
    out: Path
    model_dir: Path
    steps: int
    tokens: int
    seconds: float
    last_loss: float
    resumed_from: int | None
    stopped_early: bool


def cpu_supports_bf16() -> bool:
    """AVX-512 BF16 or AMX: the CPU features that make bf16 matrix products native."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    if precision == "fp32":
        return None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if precision == "bf16" or cpu_supports_bf16():
        return torch.bfloat16
    return None


def _tokenizer_source(config: TrainConfig) -> Path:
    from codegen.training.tokenizer.artifacts import tokenizer_file

    if config.init_from:
        path = Path(config.init_from) / "tokenizer.json"
        if not path.is_file():
            raise InputError(f"{config.init_from}: no tokenizer.json next to the model to fine-tune")
        return path
    return tokenizer_file(config.tokenizer)


def build_model(config: TrainConfig, tokenizer: Tokenizer) -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    eos = tokenizer.token_to_id(EOS)
    if eos is None:
        raise InputError(f"the tokenizer has no {EOS} token")
    pad = tokenizer.token_to_id(PAD)
    shape = config.model
    torch.manual_seed(config.seed)
    llama = LlamaConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        max_position_embeddings=shape.max_positions,
        tie_word_embeddings=shape.tie_embeddings,
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=pad if pad is not None else eos,
    )
    return LlamaForCausalLM(llama)


def _load_data(
    config: TrainConfig, tokenizer: Tokenizer, key: str, split: str
) -> PackedBlocks | PromptCodeExamples:
    if config.stage == "pretrain":
        return PackedBlocks.from_corpus(config.corpus, split, config.langs, tokenizer, key, config.seq_len)
    from codegen.training.corpus.finetune import examples_path

    path = Path(config.pairs) if config.pairs.endswith(".jsonl.gz") else examples_path(config.pairs)
    return PromptCodeExamples.from_file(path, split, config.langs, tokenizer, key, config.seq_len)


def _write_prompt_format(config: TrainConfig, model_dir: Path) -> None:
    """A fine-tuned model is prompted as its pairs were: record how many examples they carried
    (codegen.prompt.PROMPT_FILE), from the pair set's manifest."""
    from codegen.prompt import PROMPT_FILE
    from codegen.training.corpus.finetune import examples_path

    if config.stage != "finetune":
        return
    path = Path(config.pairs) if config.pairs.endswith(".jsonl.gz") else examples_path(config.pairs)
    manifest = path.parent / "manifest.json"
    examples = json.loads(manifest.read_text()).get("prompt_examples", 0) if manifest.is_file() else 0
    (model_dir / PROMPT_FILE).write_text(json.dumps({"examples": examples}) + "\n")


def _schedule(config: TrainConfig) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < config.warmup:
            return (step + 1) / config.warmup
        progress = min(1.0, (step - config.warmup) / max(1, config.steps - config.warmup))
        return config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def _optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    # no weight decay on norms (1-D parameters); embeddings and projections decay
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.95), eps=1e-8)


def _micro_batches(data: Any, indices: list[int], accum: int) -> Iterator[Batch]:
    size = len(indices) // accum
    for i in range(accum):
        yield data.batch(indices[i * size : (i + 1) * size])


# Batches are right-padded and padding carries no loss, so no attention mask is passed: under the
# causal mask a real token never attends to the padding after it, and without an explicit mask the
# attention kernel takes its fast causal path (with one, bf16 fine-tuning on CPU ran 3-5x slower).


def _to(batch: Batch, device: torch.device) -> Batch:
    return Batch(batch.input_ids.to(device), batch.labels.to(device), batch.attention_mask.to(device))


class _Metrics:
    """metrics.jsonl: one line per step (loss, lr, tokens, tokens/s) and per evaluation."""

    def __init__(self, path: Path, resume_step: int, main: bool) -> None:
        self.path, self.main = path, main
        if main and path.is_file():
            # a resumed run rewrites what the killed run logged after its last checkpoint
            kept = [
                line
                for line in path.read_text().splitlines()
                if line.strip() and json.loads(line).get("step", 0) <= resume_step
            ]
            path.write_text("".join(f"{line}\n" for line in kept))
        self.fh = open(path, "a", encoding="utf-8") if main else None  # noqa: SIM115

    def write(self, row: dict[str, Any]) -> None:
        if self.fh is not None:
            self.fh.write(json.dumps(row) + "\n")
            self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


@torch.no_grad()
def evaluate(model: Any, data: Any, config: TrainConfig, place: Place, dtype: torch.dtype | None) -> float:
    """Mean loss per target token over a fixed slice of the held-out split."""
    model.eval()
    n = min(len(data), config.eval_batches * config.batch_size)
    mine = list(range(place.rank, n, place.world))
    total = torch.zeros(2, dtype=torch.float64, device=place.device)
    for start in range(0, len(mine), config.batch_size):
        batch = _to(data.batch(mine[start : start + config.batch_size]), place.device)
        with _autocast(place, dtype):
            loss, count = model(input_ids=batch.input_ids, labels=batch.labels)
        total += torch.tensor([float(loss) * count, count], dtype=torch.float64, device=place.device)
    if place.world > 1:
        torch.distributed.all_reduce(total)
    model.train()
    return float(total[0] / max(1.0, float(total[1])))


def _autocast(place: Place, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=place.device.type, dtype=dtype)


def export(model: Any, tokenizer_json: Path, out: Path, dtype: str) -> Path:
    """A Hugging Face model directory: config, safetensors weights and the tokenizer."""
    from transformers import PreTrainedTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    to_save = model
    if dtype == "bfloat16":
        import copy

        to_save = copy.deepcopy(model).to(torch.bfloat16)
    to_save.save_pretrained(out, safe_serialization=True)
    vocab = Tokenizer.from_file(str(tokenizer_json)).get_vocab()
    special = {"eos_token": EOS, "bos_token": EOS}
    if PAD in vocab:
        special["pad_token"] = PAD
    PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_json), **special).save_pretrained(out)
    return out


def train(
    config: TrainConfig,
    *,
    resume: bool = True,
    log: Log = lambda _msg: None,
    show_progress: bool = False,
    device: str = "auto",
) -> RunSummary:
    load_torch_dynamo()
    place = distributed.start(device)
    try:
        return _train(
            config,
            place,
            resume=resume,
            log=log if place.main else lambda _m: None,
            show_progress=show_progress and place.main,
        )
    finally:
        distributed.stop()


def _train(config: TrainConfig, place: Place, *, resume: bool, log: Log, show_progress: bool) -> RunSummary:
    from transformers import AutoModelForCausalLM

    out = Path(config.out)
    threads = config.threads or max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    if place.device.type == "cpu":
        torch.set_num_threads(threads)
    tokenizer_json = _tokenizer_source(config)
    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    key = hashlib.sha256(tokenizer_json.read_bytes()).hexdigest()[:16]
    if place.main:
        log("preparing data (tokenised once, then cached)")
        train_data = _load_data(config, tokenizer, key, "train")
        dev_data = _load_data(config, tokenizer, key, "dev")
    distributed.barrier(place)
    if not place.main:  # the cache is warm now
        train_data = _load_data(config, tokenizer, key, "train")
        dev_data = _load_data(config, tokenizer, key, "dev")
    if config.init_from:
        model = AutoModelForCausalLM.from_pretrained(
            config.init_from, local_files_only=True, dtype=torch.float32
        )
    else:
        model = build_model(config, tokenizer)
    model.to(place.device).train()
    optimizer = _optimizer(model, config)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(config))
    progress = checkpoint.Progress(0, 0, 0.0)
    resumed_from = None
    saved = checkpoint.checkpoints(out)
    if resume and saved:
        progress = checkpoint.load(saved[-1], model, optimizer, scheduler)
        resumed_from = progress.step
        log(f"resuming from {saved[-1]} (step {progress.step})")
    elif place.main and saved:
        raise InputError(f"{out} already holds checkpoints; resume, or choose another --out")
    ddp: torch.nn.Module = TargetLoss(model)
    if place.world > 1:
        ddp = torch.nn.parallel.DistributedDataParallel(ddp)
    dtype = autocast_dtype(config.precision, place.device)
    if place.main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "run.json").write_text(
            json.dumps(_run_info(config, place, dtype, model, train_data), indent=1) + "\n"
        )
    metrics = _metrics_for(out, progress.step, place.main)
    global_batch = config.batch_size * config.grad_accum * place.world
    log(
        f"{config.stage}: {sum(p.numel() for p in model.parameters()):,} parameters, {len(train_data):,} training "
        f"sequences, global batch {global_batch}, {place.world} process(es), autocast {dtype or 'off'}"
    )
    bar = _Bar(config.steps, progress.step, show_progress)
    loss_value = float("nan")
    stopped_early = False
    step = progress.step
    try:
        while step < config.steps:
            started, cpu_started = time.perf_counter(), time.process_time()
            indices = sample_order(step, global_batch, place.rank, place.world, len(train_data), config.seed)
            step_loss, step_tokens = 0.0, 0
            for i, micro in enumerate(_micro_batches(train_data, indices, config.grad_accum)):
                batch = _to(micro, place.device)
                sync = i == config.grad_accum - 1
                with ddp.no_sync() if place.world > 1 and not sync else contextlib.nullcontext():  # type: ignore[operator]
                    with _autocast(place, dtype):
                        loss, _ = ddp(input_ids=batch.input_ids, labels=batch.labels)
                    (loss / config.grad_accum).backward()
                step_loss += float(loss.detach()) / config.grad_accum
                step_tokens += int(batch.attention_mask.sum())
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            elapsed = time.perf_counter() - started
            loss_value = distributed.mean(step_loss, place)
            tokens = int(distributed.mean(step_tokens, place) * place.world)
            progress = checkpoint.Progress(
                step,
                progress.tokens + tokens,
                progress.seconds + elapsed,
                progress.cpu_seconds + time.process_time() - cpu_started,
            )
            metrics.write(
                {
                    "step": step,
                    "loss": round(loss_value, 5),
                    "lr": scheduler.get_last_lr()[0],
                    "tokens": progress.tokens,
                    "tokens_per_s": round(tokens / elapsed, 1),
                    "seconds": round(progress.seconds, 2),
                    "cpu_seconds": round(progress.cpu_seconds, 2),
                }
            )
            bar.update(step, loss_value)
            if not show_progress and step % config.log_every == 0:
                log(f"step {step}/{config.steps} loss {loss_value:.4f} {tokens / elapsed:,.0f} tokens/s")
            if step % config.eval_every == 0 or step == config.steps:
                dev_loss = evaluate(ddp, dev_data, config, place, dtype)
                metrics.write({"step": step, "eval_loss": round(dev_loss, 5)})
                log(f"step {step}: dev loss {dev_loss:.4f}")
            over_time = (bool(config.max_seconds) and progress.seconds >= config.max_seconds) or (
                bool(config.max_cpu_seconds) and progress.cpu_seconds >= config.max_cpu_seconds
            )
            stop = distributed.broadcast_flag(over_time, place)
            if step % config.save_every == 0 or step == config.steps or stop:
                if place.main:
                    checkpoint.save(out, model, optimizer, scheduler, progress, config.keep_checkpoints)
                distributed.barrier(place)
            if stop:
                stopped_early = step < config.steps
                log(f"time budget spent at step {step}")
                break
    finally:
        bar.close()
        metrics.close()
    model_dir = out / "model"
    if place.main:
        export(model, tokenizer_json, model_dir, config.export_dtype)
        (model_dir / "training.json").write_text(
            json.dumps(
                {
                    "config": config.to_json(),
                    "steps": progress.step,
                    "tokens": progress.tokens,
                    "seconds": round(progress.seconds, 1),
                    "processes": place.world,
                },
                indent=1,
            )
            + "\n"
        )
        _write_prompt_format(config, model_dir)
    distributed.barrier(place)
    return RunSummary(
        out,
        model_dir,
        progress.step,
        progress.tokens,
        progress.seconds,
        loss_value,
        resumed_from,
        stopped_early,
    )


def _metrics_for(out: Path, step: int, main: bool) -> _Metrics:
    if main:
        out.mkdir(parents=True, exist_ok=True)
    return _Metrics(out / "metrics.jsonl", step, main)


def _run_info(config: TrainConfig, place: Place, dtype: torch.dtype | None, model: Any, data: Any) -> dict:
    return {
        "config": config.to_json(),
        "processes": place.world,
        "device": str(place.device),
        "autocast": str(dtype) if dtype else None,
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_sequences": len(data),
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "machine": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
    }


class _Bar:
    """A rich progress bar on a terminal; nothing otherwise (logs carry the progress then)."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.progress = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("training"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]}"),
                TimeRemainingColumn(),
                transient=True,
            )
            self.task = self.progress.add_task("train", total=total, completed=done, loss="-")
            self.progress.start()

    def update(self, step: int, loss: float) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=step, loss=f"{loss:.3f}")

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
