"""`dslgen train data|pretrain|finetune` (mounted by codegen.cli).

Run alone, or under torchrun for data parallelism on several processes or GPUs:
`torchrun --nproc_per_node 2 --no-python dslgen train pretrain --config configs/pretrain.toml`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codegen.training.config import Stage, TrainConfig, load_config
from codegen.training.corpus.build import DEFAULT_DATA_DIR

err = Console(stderr=True, soft_wrap=True)
app = typer.Typer(help="Build the fine-tuning set; pretrain and fine-tune models.", no_args_is_help=True)


@app.callback()
def _evaluation_index() -> None:
    """Training reads the evaluation index (codegen.docs.profile): no held-out name's example may
    reach the model's prompts, the ranker's requests or the fine-tuning set."""
    from codegen.docs.profile import use_evaluation_index

    use_evaluation_index()


ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="A TOML or JSON training config.")]
OutOption = Annotated[str | None, typer.Option("--out", "-o", help="Run directory (overrides the config).")]
StepsOption = Annotated[int | None, typer.Option(min=1, help="Total optimizer steps (overrides the config).")]
SecondsOption = Annotated[
    float | None, typer.Option(min=0, help="Stop after this much training time, in seconds (overrides).")
]
SeedOption = Annotated[int | None, typer.Option(help="Random seed (overrides the config).")]
ResumeOption = Annotated[
    bool, typer.Option(help="Continue from the run directory's last checkpoint when there is one.")
]
DeviceOption = Annotated[str, typer.Option(help="auto, cpu or cuda.")]


def _run(
    stage: Stage,
    config_path: Path,
    out: str | None,
    steps: int | None,
    max_seconds: float | None,
    seed: int | None,
    resume: bool,
    device: str,
) -> None:
    from codegen.errors import InputError
    from codegen.training.train import train

    config: TrainConfig = load_config(
        config_path, {"out": out, "steps": steps, "max_seconds": max_seconds, "seed": seed}
    )
    if config.stage != stage:
        raise InputError(f"{config_path} is a {config.stage} config; run `dslgen train {config.stage}`")
    summary = train(
        config,
        resume=resume,
        log=lambda msg: err.print(msg, highlight=False),
        show_progress=sys.stderr.isatty(),
        device=device,
    )
    err.print(
        f"{summary.steps} steps, {summary.tokens:,} tokens in {summary.seconds:,.0f} s; "
        f"last loss {summary.last_loss:.4f}; model: {summary.model_dir}",
        highlight=False,
    )


@app.command()
def pretrain(
    config: ConfigOption,
    out: OutOption = None,
    steps: StepsOption = None,
    max_seconds: SecondsOption = None,
    seed: SeedOption = None,
    resume: ResumeOption = True,
    device: DeviceOption = "auto",
) -> None:
    """Train a model from scratch on the code corpus (next-token loss on every token)."""
    _run("pretrain", config, out, steps, max_seconds, seed, resume, device)


@app.command()
def finetune(
    config: ConfigOption,
    out: OutOption = None,
    steps: StepsOption = None,
    max_seconds: SecondsOption = None,
    seed: SeedOption = None,
    resume: ResumeOption = True,
    device: DeviceOption = "auto",
) -> None:
    """Fine-tune on request + retrieved documentation → code (loss on the code only)."""
    _run("finetune", config, out, steps, max_seconds, seed, resume, device)


@app.command()
def data(
    name: Annotated[str, typer.Option(help="Name of the fine-tuning set in the cache.")] = "finetune-v2",
    data_dir: Annotated[
        Path, typer.Option(help="The shared data directory (tldr, NL2Bash).")
    ] = DEFAULT_DATA_DIR,
    examples: Annotated[
        int, typer.Option(min=0, help="Closest examples per prompt (0: documentation only, as finetune-v1).")
    ] = 3,
) -> None:
    """Build the fine-tuning set: NL→code pairs with retrieval-built prompts, split by library."""
    from codegen.docs.registry import ensure_index
    from codegen.training.corpus.finetune import build_finetune_set

    index = ensure_index(progress=lambda msg: err.print(msg, highlight=False))
    manifest = build_finetune_set(
        index, name, data_dir, progress=lambda msg: err.print(msg, highlight=False), examples=examples
    )
    for lang, splits in manifest["sizes"].items():
        counts = ", ".join(f"{split} {v['pairs']:,}" for split, v in sorted(splits.items()))
        err.print(
            f"{lang}: {counts}; library in prompt {manifest['library_in_prompt'][lang]:.1%}", highlight=False
        )


@app.command()
def ranker(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Weights file (default: the shipped ranker.json).")
    ] = None,
    per_lang: Annotated[int, typer.Option(min=10, help="Real-use training requests per language.")] = 3000,
    docs_share: Annotated[
        list[str] | None,
        typer.Option(
            help="LANG=SHARE: documents' own example requests of LANG, as a share of --per-lang "
            "(default: codegen.training.ranker.DOCS_SHARE)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same weights).")] = 0,
) -> None:
    """Learn the retriever's ranking weights on training-split requests of the example memory."""
    from codegen.docs.registry import ensure_index
    from codegen.training.ranker import default_weights_path, train_ranker

    index = ensure_index()
    target = out or default_weights_path()
    from codegen.errors import InputError

    shares: dict[str, float] = {}
    for item in docs_share or []:
        lang, _, value = item.partition("=")
        try:
            shares[lang] = float(value)
        except ValueError as exc:
            raise InputError(f"--docs-share {item!r}: give LANG=SHARE, e.g. ansible=0.5") from exc
    report = train_ranker(index, target, per_lang=per_lang, docs_share=shares, seed=seed)
    err.print(
        f"{report.candidates:,} candidates of {sum(report.requests.values()):,} requests "
        f"({', '.join(f'{k} {v:,}' for k, v in report.requests.items())}) in {report.seconds:.0f} s; "
        f"training Hits@1 {report.hits_at_1}; weights: {target}",
        highlight=False,
    )


@app.command()
def encoder(
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory (checkpoints, log.jsonl).")] = Path(
        "runs/encoder"
    ),
    pairs: Annotated[int, typer.Option(min=2, help="Training pairs (one epoch over them).")] = 24_000,
    batch_size: Annotated[int, typer.Option(min=2, help="Pairs per batch (in-batch negatives).")] = 32,
    max_seq_length: Annotated[int, typer.Option(min=8, help="Tokens per text.")] = 64,
    lr: Annotated[float, typer.Option(help="Peak learning rate.")] = 4e-5,
    real_share: Annotated[
        float, typer.Option(help="Share of pairs whose request is a real-use example (NL2Bash, role tasks).")
    ] = 0.55,
    request_share: Annotated[float, typer.Option(help="Share of request ↔ request pairs.")] = 0.35,
    max_seconds: SecondsOption = None,
    max_steps: Annotated[
        int, typer.Option(min=0, help="Stop after this many steps (the schedule still spans the epoch).")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Random seed (pairs, batches, dropout).")] = 0,
    threads: Annotated[int, typer.Option(min=1, help="torch threads.")] = 1,
    resume: ResumeOption = True,
    export: Annotated[
        Path | None, typer.Option(help="Write the overlay (bf16 layers + overlay.json) to this directory.")
    ] = None,
    name: Annotated[
        str, typer.Option(help="The overlay's name (part of the encoder's name).")
    ] = "dslgen-encoder-1",
    data_dir: Annotated[
        Path, typer.Option(help="The shared data directory (for the dev/test requests left out).")
    ] = DEFAULT_DATA_DIR,
) -> None:
    """Fine-tune the dense encoder (all-MiniLM-L6-v2) on training-split request ↔ document and
    request ↔ request pairs of the example memory; export its layers as an overlay."""
    import json

    from codegen.docs.exemplars import ansible_tasks_file
    from codegen.docs.index import open_index
    from codegen.docs.registry import ensure_index
    from codegen.training.encoder import (
        EncoderConfig,
        export_overlay,
        heldout_requests,
        index_items,
        train_encoder,
        training_pairs,
    )

    def say(msg: str) -> None:
        err.print(msg, highlight=False)

    config = EncoderConfig(
        pairs=pairs,
        batch_size=batch_size,
        max_seq_length=max_seq_length,
        lr=lr,
        real_share=real_share,
        request_share=request_share,
        seed=seed,
        threads=threads,
        max_seconds=max_seconds or 0.0,
        max_steps=max_steps,
    )
    # the pairs are texts of the example memory: the current index serves whatever encoder embedded it
    # (a stale one too), so no rebuild happens here; only a missing index is built
    index = open_index() or ensure_index(progress=lambda stage, done, total: None)
    splits = Path(__file__).resolve().parents[2] / "benchmarks" / "splits"
    heldout = heldout_requests(data_dir, ansible_tasks_file(), splits)
    chosen = training_pairs(index_items(index), heldout, config)
    say(f"{len(chosen):,} pairs ({config.counts}); {len(heldout):,} dev/test requests left out")
    report = train_encoder(chosen, out, config, resume=resume, log=say)
    say(
        f"{report.steps}/{report.total_steps} steps over {report.pairs:,} pairs in {report.seconds:,.0f} s; "
        f"last loss {report.last_loss:.4f}; checkpoint {report.checkpoint}"
    )
    if export is not None and report.checkpoint is not None:
        about = {
            "steps": report.steps,
            "of_steps": report.total_steps,
            "pairs": report.pairs,
            "counts": config.counts,
            "settings": {
                k: v
                for k, v in json.loads((out / "plan.json").read_text())["config"].items()
                if k != "counts"
            },
        }
        target = export_overlay(report.checkpoint, export, name, about)
        say(f"overlay: {target}")


@app.command("export-onnx")
def export_onnx_command(
    source: Annotated[Path, typer.Argument(help="A Hugging Face causal LM directory.")],
    out: Annotated[Path, typer.Argument(help="Where to write the ONNX model directory.")],
    quantize: Annotated[
        str, typer.Option(help="int8: int8 matrix products (the fast CPU path); none: float32.")
    ] = "int8",
) -> None:
    """Export a model for the onnx runtime (`--model OUT` then runs it with onnxruntime)."""
    from codegen.errors import InputError
    from codegen.training.onnx_export import export_onnx

    if quantize not in ("int8", "none"):
        raise InputError(f"--quantize {quantize!r}: use int8 or none")
    err.print(f"exporting {source} -> {out} ({quantize})", highlight=False)
    export_onnx(source, out, "int8" if quantize == "int8" else "none")
    err.print(f"model: {out}", highlight=False)
