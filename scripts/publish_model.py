"""Publish a trained run of our own small domain model: models/dslgen-7m (or --out) with a model card.

    python scripts/publish_model.py [--finetune runs/finetune] [--pretrain runs/pretrain] [--out models/dslgen-7m]

Copies the fine-tuned run's Hugging Face directory (config, safetensors weights, tokenizer, and the
prompt format when its pairs carried examples), checks the size limit (30 MB), and writes README.md
(the model card) from what the runs recorded: shape, tokenizer, data manifests, steps, tokens, time,
and the dev metrics in benchmarks/results/model_quality.json when that file describes this model.
A run that continued from a published model (its `init_from` holds a training.json) keeps that
model's stages before its own; otherwise the stages are --pretrain then --finetune.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
)
OPTIONAL_FILES = ("prompt.json",)  # codegen.prompt.PROMPT_FILE: absent for documentation-only prompts
LIMIT_BYTES = 30 * 1024 * 1024


def _stage(run: Path) -> dict:
    info = json.loads((run / "model" / "training.json").read_text())
    evals = [
        json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if "eval_loss" in line
    ]
    run_info = json.loads((run / "run.json").read_text())
    return {**info, "last_eval_loss": evals[-1]["eval_loss"] if evals else None, "run": run_info}


def _stages(pretrain: Path, finetune: Path) -> dict[str, dict]:
    """The stages that made the fine-tuned run, in order: a published model it continued from brings its
    own (read before the run's weights overwrite it)."""
    last = _stage(finetune)
    start = Path(last["config"].get("init_from") or "")
    if not start.is_absolute():
        start = ROOT / start
    if (start / "training.json").is_file() and (start / "config.json").is_file():
        earlier = json.loads((start / "training.json").read_text())
        return {**earlier, finetune.name: last}
    return {"pretrain": _stage(pretrain), "finetune": last}


def _corpus(name: str) -> dict:
    path = ROOT / "corpora" / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _quality_table(out: Path, source: Path | None) -> str:
    """The dev table of model_quality.json for the published model: its rows as `--model`, or (when
    publishing a run that was measured as `--candidate`) the candidate's rows."""
    path = ROOT / "benchmarks" / "results" / "model_quality.json"
    if not path.is_file():
        return "Not measured yet: run `python benchmarks/model_quality.py`.\n"
    data = json.loads(path.read_text())
    measured = out
    if data.get("candidate") and source is not None and Path(data["candidate"]).resolve() == source.resolve():
        measured = source
    elif Path(data["model"]).resolve() != out.resolve():
        return f"Not measured for this directory ({path.name} describes {data['model']}).\n"
    lines = [
        f"Measured {data['date']} with `{data['command']}` (dev splits; sample of {data['limit']} per suite,",
        "fortran-dev: all tasks). Everyday suites: bash-everyday, ansible-real; unseen: bash-dev, ansible-dev.",
        "",
        "| suite | metric | constrained | unconstrained | nearest example |",
        "|---|---|---|---|---|",
    ]
    ours, free = measured.resolve().name, f"{measured.resolve().name}-unconstrained"  # model_quality's names
    for suite, systems in data["suites"].items():
        for metric, value in systems.get(ours, {}).items():
            if metric in ("examples", "seconds"):
                continue
            other = systems.get(free, {}).get(metric)
            lookup = systems.get("nearest-example", {}).get(metric)
            lines.append(f"| {suite} | {metric} | {_fmt(value)} | {_fmt(other)} | {_fmt(lookup)} |")
    return "\n".join(lines) + "\n"


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "–" if value is None else str(value)


def model_card(out: Path, stages: dict[str, dict], source: Path | None = None) -> str:
    config = json.loads((out / "config.json").read_text())
    last = list(stages.values())[-1]
    params = last["run"]["parameters"]
    pretrain = next((s for s in stages.values() if s["config"]["stage"] == "pretrain"), None)
    corpus = pretrain["config"]["corpus"] if pretrain else "code-v1"
    code = _corpus(corpus)
    code_sizes = {
        lang: sum(v["bytes"] for k, v in s.items() if k == "train")
        for lang, s in code.get("sizes", {}).items()
    }
    tuned = [s["config"]["pairs"] for s in stages.values() if s["config"]["stage"] == "finetune"]
    pair_lines = []
    for name in dict.fromkeys(tuned):
        pairs = _corpus(name)
        sizes = {lang: s.get("train", {}).get("pairs", 0) for lang, s in pairs.get("sizes", {}).items()}
        shown = pairs.get("prompt_examples", 0)
        pair_lines.append(
            f"  - `{name}` (corpora/{name}.json), train split, pairs per language: {json.dumps(sizes)}; "
            + (
                f"prompts carry the {shown} closest examples of the best-ranked document."
                if shown
                else "documentation-only prompts."
            )
        )
    rows = []
    for name, stage in stages.items():
        cfg = stage["config"]
        rows.append(
            f"| {name} | `{stage['run']['config'].get('out')}` | {stage['steps']:,} | {stage['tokens']:,} | "
            f"{stage['seconds'] / 60:.0f} min | {stage['processes']} | {cfg['batch_size'] * cfg['grad_accum']} x "
            f"{cfg['seq_len']} | {cfg['lr']} | {stage['run']['autocast'] or 'fp32'} | {stage['last_eval_loss']} |"
        )
    prompt = json.loads((out / "prompt.json").read_text()) if (out / "prompt.json").is_file() else {}
    prompt_text = (
        f"request + snippets of the retrieved documentation + the {prompt['examples']} closest examples of the "
        "best-ranked document from the example memory"
        if prompt.get("examples")
        else "request + snippets of the retrieved documentation"
    )
    reproduce = ", ".join(
        f"`dslgen train {s['config']['stage']} -c configs/{Path(s['config']['out']).name}.toml`"
        for s in stages.values()
    )
    return f"""# dslgen-7m: our small domain model (`--model models/dslgen-7m`)

A {params / 1e6:.1f}M-parameter Llama decoder (`LlamaForCausalLM`: hidden {config["hidden_size"]},
{config["num_hidden_layers"]} layers, {config["num_attention_heads"]} heads, tied embeddings, context
{config["max_position_embeddings"]}) trained on this project's 2-core CPU with `dslgen train`. It writes
Ansible tasks, Bash commands and Fortran programs from a prompt made by `codegen.prompt.build_prompt`
({prompt_text}); dslgen's grammar keeps its output inside the
documented modules, keys, flags and routines. Weights are stored as bfloat16 safetensors; dslgen
loads them as float32 on CPUs.

## Tokenizer
`tokenizers/code-16k` (compiler-aware BPE, 16k tokens; see tokenizers/README.md), copied here as
`tokenizer.json`.

## Data
- Pretraining: corpus `{corpus}` (corpora/{corpus}.json), train split, bytes per language:
  {json.dumps(code_sizes)}. Fortran from PyPI sdists (BSD-licensed scipy releases, files listed in the
  manifest), tldr pages (CC-BY 4.0, (c) the tldr-pages team and contributors), NL2Bash (MIT),
  and the EXAMPLES of the installed Ansible modules (licences per collection, mostly GPL-3.0-or-later).
- Fine-tuning, one stage per set, loss on the code only:
{chr(10).join(pair_lines)}
  tldr examples, NL2Bash pairs, Ansible EXAMPLES tasks (name -> task), named tasks of real roles from
  PyPI packages (corpora/ansible-tasks.json; finetune-v2 on), and Fortran pairs derived from the
  indexed Fortran documentation.
- Held out: every split is by library (tldr page / command, Ansible module, Fortran routine;
  codegen/splits.py), so the unseen dev metrics below are on commands and modules the model never saw;
  from finetune-v2 on, NL2Bash's own dev/test split and the dev/test roles of the real-task corpus are
  held out too (the everyday dev sets).

This model was trained on tldr-pages content: credit the tldr-pages team and contributors
(CC-BY 4.0) wherever it is redistributed.

## Training
| stage | run | steps | tokens | time | processes | batch x length | peak lr | autocast | last dev loss |
|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Reproduce, stage by stage: {reproduce}; `dslgen train data --name <pairs> [--examples 0]`
builds a stage's pair set; then `python scripts/publish_model.py --finetune <last run>`.

## Dev metrics
{_quality_table(out, source)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--finetune", type=Path, default=ROOT / "runs" / "finetune")
    parser.add_argument("--pretrain", type=Path, default=ROOT / "runs" / "pretrain")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "dslgen-7m")
    parser.add_argument("--card-only", action="store_true", help="Rewrite README.md only.")
    args = parser.parse_args()
    if not args.card_only:
        args.out.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copy2(args.finetune / "model" / name, args.out / name)
        for name in OPTIONAL_FILES:
            source = args.finetune / "model" / name
            if source.is_file():
                shutil.copy2(source, args.out / name)
            else:
                (args.out / name).unlink(missing_ok=True)
    present = [name for name in (*FILES, *OPTIONAL_FILES) if (args.out / name).is_file()]
    size = sum((args.out / name).stat().st_size for name in present)
    if size > LIMIT_BYTES:
        raise SystemExit(f"{args.out} holds {size / 2**20:.1f} MB, over the 30 MB limit")
    if args.card_only:  # the runs may be gone: the published directory records its stages
        stages = json.loads((args.out / "training.json").read_text())
    else:
        stages = _stages(args.pretrain, args.finetune)
    (args.out / "training.json").write_text(json.dumps(stages, indent=1) + "\n")
    source = None if args.card_only else args.finetune / "model"
    (args.out / "README.md").write_text(model_card(args.out, stages, source))
    print(f"published {args.out} ({size / 2**20:.1f} MB)")


if __name__ == "__main__":
    main()
