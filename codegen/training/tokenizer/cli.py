"""`dslgen tokenizer train|encode|stats` (mounted by codegen.cli). Errors are raised as DslgenError
subclasses; the top-level entry point prints them and sets the exit code."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from codegen.errors import InputError
from codegen.training.corpus.build import (
    DEFAULT_DATA_DIR,
    REPO_CORPORA,
    build_corpus,
    documents_path,
    load_corpus,
)
from codegen.training.tokenizer.artifacts import DEFAULT_TOKENIZER, TOKENIZERS_DIR, load_tokenizer

# training and measuring pull in transformers and tree-sitter: imported by the commands that use
# them, so `dslgen --help` stays fast

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

app = typer.Typer(help="Train, apply and measure the compiler-aware tokenizers.", no_args_is_help=True)


class Kind(StrEnum):
    compiler = "compiler"
    bytelevel = "bytelevel"


class Split(StrEnum):
    train = "train"
    dev = "dev"
    test = "test"


TokenizerOption = Annotated[
    str, typer.Option("--tokenizer", "-t", help="A name under tokenizers/, a directory, or a tokenizer.json.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@app.command()
def train(
    name: Annotated[str, typer.Argument(help="Tokenizer name: the output goes to tokenizers/NAME/.")],
    vocab_size: Annotated[
        int, typer.Option(min=300, help="Vocabulary size, special tokens included.")
    ] = 16_000,
    kind: Annotated[
        Kind, typer.Option(help="compiler (tree-sitter words) or bytelevel (plain BPE).")
    ] = Kind.compiler,
    corpus: Annotated[
        str, typer.Option(help="Corpus name in the cache, or a documents.jsonl.gz.")
    ] = "code-v1",
    rebuild_corpus: Annotated[bool, typer.Option(help="Rebuild the corpus even if it is cached.")] = False,
    data_dir: Annotated[
        Path, typer.Option(help="The shared data directory (tldr, NL2Bash).")
    ] = DEFAULT_DATA_DIR,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output directory.")] = None,
    name_boost: Annotated[
        int, typer.Option(min=0, help="Extra counts per keyword/API name so that rare ones become tokens.")
    ] = 0,
    anonymise: Annotated[bool, typer.Option(help="Anonymise identifiers in the training text.")] = False,
    syntax_phrases: Annotated[
        bool,
        typer.Option(
            help="Let merges span runs of keywords and punctuation (END IF, ) THEN); compiler only."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Train a tokenizer on the corpus's training split and save tokenizer.json + manifest.json."""
    from codegen.training.tokenizer.settings import TrainSettings
    from codegen.training.tokenizer.train import save
    from codegen.training.tokenizer.train import train as train_tokenizer

    corpus_manifest = None
    if rebuild_corpus or not (corpus.endswith(".jsonl.gz") or documents_path(corpus).is_file()):
        corpus_manifest = build_corpus(
            corpus,
            data_dir,
            manifest_dir=REPO_CORPORA if REPO_CORPORA.is_dir() else None,
            progress=lambda msg: err.print(msg, highlight=False),
        )
    settings = TrainSettings(
        name=name,
        vocab_size=vocab_size,
        kind=kind.value,
        corpus=corpus,
        name_boost=name_boost,
        anonymise=anonymise,
        syntax_phrases=syntax_phrases,
    )
    with err.status(f"training {name} ({kind.value}, vocabulary {vocab_size})"):
        trained = train_tokenizer(load_corpus(corpus), settings)
    if corpus_manifest is None:
        manifest_file = (
            Path(corpus) if corpus.endswith(".jsonl.gz") else documents_path(corpus)
        ).parent / "manifest.json"
        corpus_manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else None
    path = save(trained, out_dir or TOKENIZERS_DIR / name, corpus_manifest)
    summary = {
        "tokenizer": str(path),
        "vocab_size": trained.tokenizer.get_vocab_size(),
        "seconds": round(trained.seconds, 1),
        "documents": {lang: stats.to_json() for lang, stats in sorted(trained.stats.items())},
    }
    if as_json:
        out.print_json(json.dumps(summary))
        return
    out.print(f"saved {path} (vocabulary {summary['vocab_size']}, {summary['seconds']} s)")
    for lang, stats in summary["documents"].items():
        out.print(f"  {lang}: {stats['documents']} documents, {stats['bytes']:,} bytes")


def _read_input(text: str | None, file: Path | None) -> str:
    if text is not None and file is not None:
        raise InputError("give TEXT or --file, not both")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {file}: {exc}") from exc
    if text is None or text == "-":
        if sys.stdin.isatty():
            raise InputError("give TEXT, --file PATH, or pipe the text on standard input")
        return sys.stdin.read()
    return text


@app.command()
def encode(
    text: Annotated[
        str | None, typer.Argument(help="Text to encode ('-' or nothing: standard input).")
    ] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Encode this file.")] = None,
    tokenizer: TokenizerOption = DEFAULT_TOKENIZER,
    as_json: JsonOption = False,
) -> None:
    """Show how a tokenizer splits a text (and check that decoding gives it back)."""
    source = _read_input(text, file)
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"the text is not valid UTF-8 ({exc.reason})") from exc
    tok = load_tokenizer(tokenizer)
    encoding = tok.encode(source, add_special_tokens=False)
    pieces = [source[a:b] for a, b in encoding.offsets]
    exact = tok.decode(encoding.ids, skip_special_tokens=False) == source
    if as_json:
        out.print_json(
            json.dumps({"ids": encoding.ids, "tokens": pieces, "count": len(pieces), "round_trip": exact})
        )
        return
    out.print(" ".join(f"[reverse]{repr(p)[1:-1]}[/]" for p in pieces), highlight=False)
    out.print(
        f"{len(pieces)} tokens for {len(source.encode())} bytes; round trip {'exact' if exact else 'FAILED'}"
    )


@app.command()
def stats(
    tokenizer: TokenizerOption = DEFAULT_TOKENIZER,
    corpus: Annotated[
        str, typer.Option(help="Corpus name in the cache, or a documents.jsonl.gz.")
    ] = "code-v1",
    split: Annotated[Split, typer.Option(help="Which split to measure on.")] = Split.dev,
    limit: Annotated[int, typer.Option(min=1, help="At most this many documents per language.")] = 300,
    as_json: JsonOption = False,
) -> None:
    """Tokens per lexeme, bytes per token, round trips and unknown tokens per language; API-name coverage."""
    from codegen.training.tokenizer.lexicon import CATEGORY_LANG, lexicon
    from codegen.training.tokenizer.measure import single_token_share, tally, whole_name_share

    tok = load_tokenizer(tokenizer)
    taken: dict[str, int] = {}
    documents = []
    for doc in load_corpus(corpus):
        if doc.split == split.value and taken.get(doc.lang, 0) < limit:
            taken[doc.lang] = taken.get(doc.lang, 0) + 1
            documents.append(doc)
    tallies = tally(tok, documents)
    coverage = {category: round(single_token_share(tok, names), 4) for category, names in lexicon().items()}
    in_code = {
        category: round(
            whole_name_share(tok, [d for d in documents if d.lang == CATEGORY_LANG[category]], names)[1], 4
        )
        for category, names in lexicon().items()
    }
    report = {
        "tokenizer": tokenizer,
        "vocab_size": tok.get_vocab_size(),
        "split": split.value,
        "languages": {lang: t.to_json() for lang, t in sorted(tallies.items())},
        "single_token_names": coverage,
        "whole_names_in_code": in_code,
    }
    if as_json:
        out.print_json(json.dumps(report))
        return
    table = Table(title=f"{tokenizer} on {corpus}/{split.value}")
    for column in ("language", "documents", "tokens/lexeme", "bytes/token", "round-trip failures", "unknown"):
        table.add_column(column, justify="right" if column != "language" else "left")
    for lang, row in report["languages"].items():
        table.add_row(
            lang,
            str(row["documents"]),
            f"{row['tokens_per_lexeme']:.3f}",
            f"{row['bytes_per_token']:.2f}",
            str(row["round_trip_failures"]),
            str(row["unknown_tokens"]),
        )
    out.print(table)
    out.print("names that are one token: " + ", ".join(f"{k} {v:.0%}" for k, v in coverage.items()))
    out.print(
        "name occurrences in code held in one token: " + ", ".join(f"{k} {v:.0%}" for k, v in in_code.items())
    )
