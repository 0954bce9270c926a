"""The fine-tuning set: NL→code pairs with the prompt the model will see at inference.

Pairs come from tldr pages and NL2Bash (Bash), the EXAMPLES tasks of the installed Ansible modules,
and Fortran pairs derived from the Fortran documentation (codegen.training.corpus.fortran_pairs). Every pair is
split by the library it uses (codegen.splits), de-duplicated, decontaminated against the held-out
references, and given the prompt `build_prompt` makes from what retrieval returns for its request,
so the model learns to use the documentation it will be shown, hits and misses alike.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codegen.atomic import atomic_write_bytes, atomic_write_text
from codegen.docs.index import DocIndex
from codegen.prompt import build_prompt
from codegen.retrieval import Retriever
from codegen.splits import split_of
from codegen.training.corpus.build import DEFAULT_DATA_DIR, REPO_CORPORA, corpus_dir
from codegen.training.corpus.pairs import Pair
from codegen.training.corpus.shell import NL2BASH_FILE, TLDR_FILE, command_names, command_split

Progress = Callable[[str], None]
TOP_K = 5


def examples_path(name: str) -> Path:
    return corpus_dir(name) / "examples.jsonl.gz"


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def tldr_pairs(data_dir: Path) -> Iterator[Pair]:
    for page in _rows(data_dir / TLDR_FILE):
        if page.get("is_alias_page"):
            continue  # "View documentation for the original command": about tldr, not the task
        split = split_of(page["page"])
        for i, example in enumerate(page["examples"]):
            yield Pair(
                f"tldr:{page['id']}#{i}", "bash", example["nl"], example["cmd"], split, "tldr", page["page"]
            )


def nl2bash_pairs(data_dir: Path) -> Iterator[Pair]:
    for row in _rows(data_dir / NL2BASH_FILE):
        if row.get("split_rerun") == "filtered_out":
            continue
        names = command_names(row["cmd"])
        if names:
            yield Pair(
                row["id"], "bash", row["nl"], row["cmd"], command_split(row["cmd"]), "nl2bash", names[0]
            )


def ansible_pairs(index: DocIndex) -> Iterator[Pair]:
    seen: set[str] = set()
    for record in sorted(index.source_records("ansible"), key=lambda r: r.name):
        if record.dsl != "ansible" or record.name in seen:
            continue
        seen.add(record.name)
        for i, example in enumerate(record.examples):
            yield Pair(
                f"{record.name}#{i}",
                "ansible",
                example.nl,
                example.code,
                split_of(record.name),
                f"ansible:{record.name.rsplit('.', 1)[0]}",
                record.name,
            )


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def clean(pairs: Iterable[Pair]) -> tuple[list[Pair], dict[str, int]]:
    """Drop exact duplicates (same request and code after whitespace/case folding) and training pairs
    whose request or code equals a held-out one (NL2Bash repeats some tldr lines, for instance)."""
    pairs = list(pairs)
    held_out = {_normal(p.code) for p in pairs if p.split != "train"} | {
        _normal(p.nl) for p in pairs if p.split != "train"
    }
    kept, seen = [], set()
    counts = Counter()
    for pair in pairs:
        key = (pair.lang, _normal(pair.nl), _normal(pair.code))
        if key in seen:
            counts["duplicates"] += 1
            continue
        seen.add(key)
        if pair.split == "train" and (_normal(pair.code) in held_out or _normal(pair.nl) in held_out):
            counts["contaminated"] += 1
            continue
        kept.append(pair)
    return kept, dict(counts)


def with_prompts(pairs: list[Pair], retriever: Retriever, progress: Progress) -> Iterator[dict[str, Any]]:
    for n, pair in enumerate(pairs):
        if n % 5000 == 0:
            progress(f"retrieving documentation: {n:,}/{len(pairs):,}")
        hits = retriever.search(pair.nl, lang=pair.lang, k=TOP_K)
        records = [retriever.record(h) for h in hits]
        yield {
            **asdict(pair),
            "prompt": build_prompt(pair.nl, pair.lang, records),
            "retrieved": [h.name for h in hits],
        }


def build_finetune_set(
    index: DocIndex,
    name: str = "finetune-v1",
    data_dir: Path = DEFAULT_DATA_DIR,
    manifest_dir: Path | None = REPO_CORPORA,
    progress: Progress = lambda _msg: None,
) -> dict[str, Any]:
    from codegen.training.corpus.fortran_pairs import fortran_pairs

    progress("gathering pairs")
    gathered = [
        *tldr_pairs(data_dir),
        *nl2bash_pairs(data_dir),
        *ansible_pairs(index),
        *fortran_pairs(r for r in index.records() if r.dsl == "fortran"),
    ]
    pairs, removed = clean(gathered)
    rows = list(with_prompts(pairs, Retriever(index), progress))
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    atomic_write_bytes(examples_path(name), gzip.compress(lines.encode("utf-8"), mtime=0))
    manifest = {
        "name": name,
        "examples": f"$DSLGEN_HOME/corpora/{name}/examples.jsonl.gz",
        "sources": {
            "tldr": "shared/data/bash/tldr_pages.jsonl.gz (CC-BY-4.0, tldr-pages team and contributors)",
            "nl2bash": "shared/data/bash/nl2bash.jsonl.gz (MIT), without the rows NL2Bash's filter drops",
            "ansible": "EXAMPLES tasks of the installed modules (the index's ansible source)",
            "fortran": "pairs derived from the indexed Fortran documentation (codegen.training.corpus.fortran_pairs)",
        },
        "split": "by library: tldr page, NL2Bash commands run, Ansible module FQCN, Fortran routine",
        "prompt": f"codegen.prompt.build_prompt over the top {TOP_K} retrieved documents of the pair's language",
        "gathered": len(gathered),
        "removed": removed,
        "sizes": _sizes(rows),
        "library_in_prompt": _library_in_prompt(rows),
    }
    text = json.dumps(manifest, indent=1) + "\n"
    atomic_write_text(corpus_dir(name) / "manifest.json", text)
    if manifest_dir is not None:
        atomic_write_text(manifest_dir / f"{name}.json", text)
    return manifest


def _sizes(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    sizes: dict[str, dict[str, dict[str, int]]] = {}
    for row in rows:
        entry = sizes.setdefault(row["lang"], {}).setdefault(row["split"], {"pairs": 0, "code_bytes": 0})
        entry["pairs"] += 1
        entry["code_bytes"] += len(row["code"].encode("utf-8"))
    return sizes


def _library_in_prompt(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Share of pairs whose library is among the documents in the prompt: what the model can copy."""
    from codegen.prompt import MAX_DOCS

    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for row in rows:
        totals[row["lang"]] += 1
        hits[row["lang"]] += row["library"] in row["retrieved"][:MAX_DOCS]
    return {lang: round(hits[lang] / totals[lang], 4) for lang in sorted(totals)}
