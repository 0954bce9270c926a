"""`dslgen eval`: run one system over a data file or a named dev suite and (re)write the report.

Mounted into the main CLI (codegen/cli.py). Imports stay inside the command so that `dslgen --help`
does not load the evaluation stack.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from codegen.errors import InputError
from codegen.evaluation.suites import SUITES
from codegen.extras import missing, require_training_stack

err = Console(stderr=True, soft_wrap=True)

app = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)

EXAMPLES = """

\b
Examples:
  dslgen eval --suite bash-dev --limit 500 -o eval/
  dslgen eval --data my_requests.jsonl --model path/to/model -o eval/
  dslgen eval --suite ansible-dev --model path/to/model --no-constrain -o eval/
  dslgen eval --suite bash-dev --model path/to/chat-model --plain-chat -o eval/
  dslgen eval --suite bash-exec --execute -o eval/exec/
  dslgen eval --suite bash-exec --execute --baseline reference -o eval/exec/
"""


Suite = StrEnum("Suite", {name.replace("-", "_"): name for name in SUITES})  # codegen.evaluation.suites


class Baseline(StrEnum):
    reference = "reference"
    nearest_example = "nearest-example"


@app.command(
    "eval",
    help="Evaluate a system on reference code and write records, summary.json, report.md and plots.\n\n"
    "Running again with the same -o and system resumes; other systems in -o appear side by side." + EXAMPLES,
)
def eval_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Evaluation directory (records, report).")],
    data: Annotated[
        Path | None,
        typer.Option(help='JSONL of {"id", "nl", "lang", "code"[, "tests"]}: requests with reference code.'),
    ] = None,
    suite: Annotated[Suite | None, typer.Option(help="A named dev suite instead of --data.")] = None,
    model: Annotated[Path | None, typer.Option(help="A Hugging Face causal LM directory.")] = None,
    no_constrain: Annotated[bool, typer.Option("--no-constrain", help="Decode without the grammar.")] = False,
    dense: Annotated[
        bool | None,
        typer.Option(
            "--dense/--no-dense",
            help="Retrieval with or without the dense similarity (default: with it when the index has "
            "document vectors).",
            show_default=False,
        ),
    ] = None,
    plain_chat: Annotated[
        bool,
        typer.Option(
            "--plain-chat",
            help="Run --model as a plain chat model: its chat template and a few-shot prompt, "
            "no retrieval, no grammar (greedy).",
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="Evaluate a fixed sample of N examples (the same for every system)."),
    ] = None,
    system: Annotated[
        str | None,
        typer.Option(help="Name of this system in the report (default: from the model and constraints)."),
    ] = None,
    perplexity: Annotated[
        bool, typer.Option(help="With --model: bits per byte and per-lexeme perplexity on the references.")
    ] = True,
    execute: Annotated[
        bool,
        typer.Option(
            help="Bash tasks with a fixture: run prediction and reference in sandboxes and compare "
            "what happened (execution accuracy)."
        ),
    ] = False,
    baseline: Annotated[
        Baseline | None,
        typer.Option(help="Evaluate a system without a model: the reference itself, or the nearest example."),
    ] = None,
) -> None:
    if model is not None and perplexity and missing("torch", "transformers"):
        err.print(
            "no perplexity: it needs torch and transformers (the `train` extra); --no-perplexity hides this"
        )
        perplexity = False
    if model is not None and perplexity and not any(model.glob("model*.safetensors")):
        err.print("no perplexity: it is computed by transformers, and this model has no safetensors weights")
        perplexity = False
    if model is not None and perplexity:
        from codegen.torch_compat import load_torch_dynamo

        load_torch_dynamo()  # the metrics import ansible; see codegen/torch_compat.py

    from codegen.evaluation.report import write_report, write_system_meta
    from codegen.evaluation.runner import run_system
    from codegen.evaluation.scoring import Documentation
    from codegen.evaluation.suites import load_suite, sample

    if (data is None) == (suite is None):
        raise InputError("give exactly one of --data FILE.jsonl and --suite NAME")
    from codegen.docs.profile import use_evaluation_index

    use_evaluation_index()  # measured on the index that holds the held-out names' examples back
    if model is not None and not model.is_dir():
        raise InputError(f"--model {model}: no such model directory")
    if plain_chat and (model is None or no_constrain):
        raise InputError(
            "--plain-chat needs --model DIR (a chat model) and never constrains (no --no-constrain)"
        )
    if plain_chat and dense is not None:
        raise InputError("--plain-chat has no retrieval, so --dense/--no-dense do not apply")
    if baseline is not None and (model is not None or plain_chat or no_constrain):
        raise InputError("--baseline runs no model: leave out --model, --plain-chat and --no-constrain")
    name = system or (
        baseline.value if baseline else _system_name(model, no_constrain, plain_chat, lexical=dense is False)
    )
    if baseline is not None:
        from codegen.docs.registry import ensure_index
        from codegen.evaluation.baselines import nearest_example, reference

        with _progress("index") as update:
            index = ensure_index(progress=lambda s, d, t: update(d, t))
        generate = reference if baseline is Baseline.reference else nearest_example(index)
        about = {"baseline": baseline.value}
    elif plain_chat:
        require_training_stack("--plain-chat (the model decodes through transformers' generate)")
        from codegen.docs.registry import ensure_index
        from codegen.evaluation.plain_chat import FEWSHOT, PlainChat

        assert model is not None
        chat = PlainChat.load(model)
        with _progress("index") as update:
            index = ensure_index(progress=lambda s, d, t: update(d, t))
        generate = chat.generate
        about = {"prompt": f"plain chat, few-shot ({FEWSHOT.name}), no retrieval"}
    else:
        generator = _load_generator(model, dense)
        index = generator.index
        generate = _pipeline(generator, constrain=not no_constrain)
        about = {"dense_retrieval": generator.retriever.dense is not None}
    if data is not None:
        from codegen.evaluation.data import read_examples

        examples = read_examples(data)
    else:
        assert suite is not None
        examples = load_suite(suite.value, lambda: index)
    examples = sample(examples, limit)
    if not examples:
        raise InputError("no examples to evaluate")
    write_system_meta(
        output,
        name,
        {
            "system": name,
            "model": str(model) if model else "none" if baseline else "default",
            "constrained": not no_constrain and not plain_chat and baseline is None,
            **about,
            "data": str(data) if data else suite.value if suite else "",
            "limit": limit,
            "examples": len(examples),
            "execute": execute,
            "lm": _lm_scores(model, examples) if model is not None and perplexity else {},
        },
    )
    with _progress("examples") as update:
        stats = run_system(
            examples,
            generate,
            output,
            name,
            Documentation(index),
            progress=update,
            execute=execute,
        )
    summary = write_report(output)
    err.print(
        f"{stats.written} examples evaluated in {stats.seconds:.1f} s ({stats.skipped} already done); "
        f"report: {output / 'report.md'}",
        highlight=False,
    )
    json.dump(summary["systems"].get(name, {}).get("languages", {}), sys.stdout, indent=2)
    sys.stdout.write("\n")


def _system_name(
    model: Path | None, no_constrain: bool, plain_chat: bool = False, *, lexical: bool = False
) -> str:
    base = model.resolve().name if model is not None else "dslgen"
    if plain_chat:
        return f"{base}-plain-chat"
    base = f"{base}-no-dense" if lexical else base
    return f"{base}-unconstrained" if no_constrain else base


def _pipeline(generator: Any, constrain: bool) -> Callable[[Any], Any]:
    return lambda ex: generator.generate(ex.nl, ex.lang, id=ex.id, constrain=constrain)


def _load_generator(model: Path | None, dense: bool | None) -> Any:
    from codegen.pipeline import Generator

    with _progress("index") as update:
        return Generator.load(
            str(model) if model else None, "auto", dense=dense, progress=lambda s, d, t: update(d, t)
        )


def _lm_scores(model: Path, examples: list[Any]) -> dict[str, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from codegen.evaluation.metrics.lm import lm_scores

    tokenizer = AutoTokenizer.from_pretrained(model)
    lm = AutoModelForCausalLM.from_pretrained(model).eval()
    langs = sorted({ex.lang for ex in examples})
    return {
        lang: lm_scores(lm, tokenizer, [ex.code for ex in examples if ex.lang == lang], lang).to_json()
        for lang in langs
    }


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr (hidden when stderr is not a terminal), as a callback."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update
