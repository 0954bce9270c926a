"""The fine-tuning set: NL→code pairs with the prompt the model will see at inference.

Pairs come from tldr pages and NL2Bash (Bash), the EXAMPLES tasks of the installed Ansible modules, the
named tasks of real roles (`dslgen index fetch-examples`) and Fortran pairs derived from the Fortran
documentation (codegen.training.corpus.fortran_pairs). Every pair is split by the library it uses
(codegen.splits); an NL2Bash pair is also held out outside NL2Bash's training split (`split_rerun`)
and a real task outside the training roles, since those are the everyday dev/test sets. Pairs are
de-duplicated, decontaminated against the held-out references, and given the prompt `build_prompt`
makes from what retrieval returns for their request, so the model learns to use the documentation it
will be shown, hits and misses alike. With `examples` > 0 the prompt also carries the example memory's
closest examples of the best-ranked document, as the generator shows them; the pair's own example
(same request or same code) is left out of both the ranking and the prompt, as it would be for a new
request.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from codegen.atomic import atomic_write_bytes, atomic_write_text
from codegen.docs.exemplars import module_tasks
from codegen.docs.index import DocIndex
from codegen.prompt import build_prompt, usable_example
from codegen.retrieval import Retriever
from codegen.splits import Split, split_of
from codegen.training.corpus.build import DEFAULT_DATA_DIR, REPO_CORPORA, corpus_dir
from codegen.training.corpus.pairs import Pair
from codegen.training.corpus.shell import NL2BASH_FILE, TLDR_FILE, command_names, command_split

Progress = Callable[[str], None]
TOP_K = 5
EXAMPLES = 3  # closest examples per prompt (codegen.prompt)
EMBED_CHUNK = 2000  # requests embedded per batch
HELD_OUT_PAIRS = 400  # dev (and test) pairs per language kept for the training's loss


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


def nl2bash_split(row: dict[str, Any]) -> Split:
    """Held out when it runs a held-out command, or when NL2Bash's own split (`split_rerun`: the
    everyday dev/test sets) is not its training split."""
    by_command = command_split(row["cmd"])
    if by_command != "train":
        return by_command
    return "train" if row["split_rerun"] == "train" else "test" if row["split_rerun"] == "test" else "dev"


def nl2bash_pairs(data_dir: Path) -> Iterator[Pair]:
    for row in _rows(data_dir / NL2BASH_FILE):
        if row.get("split_rerun") == "filtered_out":
            continue
        names = command_names(row["cmd"])
        if names:
            yield Pair(row["id"], "bash", row["nl"], row["cmd"], nl2bash_split(row), "nl2bash", names[0])


def ansible_task_pairs(path: Path | None = None) -> Iterator[Pair]:
    """Named module tasks of real roles (task name -> task text), split by role: the dev and test
    roles are the everyday Ansible dev/test sets (benchmarks/splits/ansible_real_*.txt)."""
    for row in module_tasks(path):
        if not usable_example(row["name"], row["task_text"]):
            continue  # a long templated task (debops' loops) teaches role internals, not the request
        yield Pair(
            f"task:{row['id']}",
            "ansible",
            row["name"],
            row["task_text"],
            split_of(row["role_key"]),
            f"ansible-tasks:{row['package']}=={row['version']}",
            row["module"],
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


class OwnExamples:
    """The rows of the example memory holding a pair's own request, per language (row numbers within
    the language's part of the memory, as `Retriever.candidates` takes them)."""

    def __init__(self, retriever: Retriever) -> None:
        self._rows: dict[tuple[str, str], list[int]] = {}
        memory = retriever.memory
        if memory is None:
            return
        for lang, rows in memory.rows.items():
            for i, nl in enumerate(memory.table.requests(rows)):
                self._rows.setdefault((lang, _normal(nl)), []).append(i)

    def of(self, pair: Pair) -> np.ndarray:
        return np.asarray(self._rows.get((pair.lang, _normal(pair.nl)), []), dtype=np.int64)


def _request_vectors(
    pairs: list[Pair], retriever: Retriever, own: OwnExamples, encoder: Callable[[], Any]
) -> dict[str, np.ndarray]:
    """Each request's vector: the memory's own copy for a request it holds, else embedded in one batch."""
    memory = retriever.memory
    known: dict[str, np.ndarray] = {}
    missing = []
    for pair in pairs:
        rows = own.of(pair)
        if memory is not None and len(rows):
            known[pair.nl] = memory.vectors[memory.rows[pair.lang].start + int(rows[0])]
        else:
            missing.append(pair.nl)
    if missing:
        known.update(zip(missing, encoder().encode(missing), strict=True))
    return known


def held_out_sample(pairs: list[Pair], per_split: int = HELD_OUT_PAIRS) -> list[Pair]:
    """Every training pair, and of each language's dev and test pairs the first `per_split` by a hash
    of their id: they only measure the loss during training (the benchmarks read the dev sets
    themselves), and each costs a retrieval."""
    held: dict[tuple[str, str], list[Pair]] = {}
    for pair in pairs:
        if pair.split != "train":
            held.setdefault((pair.lang, pair.split), []).append(pair)
    keep = set()
    for group in held.values():
        group.sort(key=lambda p: hashlib.sha256(p.id.encode()).digest())
        keep.update(p.id for p in group[:per_split])
    return [p for p in pairs if p.split == "train" or p.id in keep]


def with_prompts(
    pairs: list[Pair], retriever: Retriever, progress: Progress, examples: int = 0
) -> Iterator[dict[str, Any]]:
    from functools import cache

    from codegen.embedding import BatchEncoder

    own = OwnExamples(retriever)
    encoder = cache(BatchEncoder)
    for n, pair in enumerate(pairs):
        if n % EMBED_CHUNK == 0:
            progress(f"retrieving documentation: {n:,}/{len(pairs):,}")
            if retriever.dense is not None:  # vectors ahead, instead of one request at a time
                retriever.dense.known = _request_vectors(pairs[n : n + EMBED_CHUNK], retriever, own, encoder)
        hits = retriever.search(pair.nl, lang=pair.lang, k=TOP_K, leave_out=own.of(pair))
        records = [retriever.record(h) for h in hits]
        request, code = _normal(pair.nl), _normal(pair.code)

        def not_own(nl: str, example_code: str, request: str = request, code: str = code) -> bool:
            return (
                usable_example(nl, example_code) and request != _normal(nl) and code != _normal(example_code)
            )

        shown = (
            retriever.nearest_examples(pair.nl, pair.lang, hits[0].position, examples, not_own)
            if hits
            else []
        )
        yield {
            **asdict(pair),
            "prompt": build_prompt(pair.nl, pair.lang, records, shown),
            "retrieved": [h.name for h in hits],
            "examples": len(shown),
        }


def build_finetune_set(
    index: DocIndex,
    name: str = "finetune-v2",
    data_dir: Path = DEFAULT_DATA_DIR,
    manifest_dir: Path | None = REPO_CORPORA,
    progress: Progress = lambda _msg: None,
    examples: int = EXAMPLES,
    tasks: Path | None = None,
) -> dict[str, Any]:
    """`examples`: closest examples per prompt (0: documentation-only prompts, as finetune-v1);
    `tasks`: the real-task corpus (default: the one `dslgen index fetch-examples` wrote)."""
    from codegen.training.corpus.fortran_pairs import fortran_pairs

    progress("gathering pairs")
    gathered = [
        *tldr_pairs(data_dir),
        *nl2bash_pairs(data_dir),
        *ansible_pairs(index),
        *ansible_task_pairs(tasks),
        *fortran_pairs(r for r in index.records() if r.dsl == "fortran"),
    ]
    pairs, removed = clean(gathered)
    pairs = held_out_sample(pairs)
    rows = list(with_prompts(pairs, Retriever(index), progress, examples))
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    atomic_write_bytes(examples_path(name), gzip.compress(lines.encode("utf-8"), mtime=0))
    manifest = {
        "name": name,
        "examples": f"$DSLGEN_HOME/corpora/{name}/examples.jsonl.gz",
        "sources": {
            "tldr": "shared/data/bash/tldr_pages.jsonl.gz (CC-BY-4.0, tldr-pages team and contributors)",
            "nl2bash": "shared/data/bash/nl2bash.jsonl.gz (MIT), without the rows NL2Bash's filter drops",
            "ansible": "EXAMPLES tasks of the installed modules (the index's ansible source)",
            "ansible-tasks": "named module tasks of real roles from PyPI packages (corpora/ansible-tasks.json)",
            "fortran": "pairs derived from the indexed Fortran documentation (codegen.training.corpus.fortran_pairs)",
        },
        "split": "by library: tldr page, NL2Bash commands run, Ansible module FQCN, Fortran routine; "
        "NL2Bash pairs also by split_rerun, real tasks by project/role",
        "prompt": f"codegen.prompt.build_prompt over the top {TOP_K} retrieved documents of the pair's language",
        "prompt_examples": examples,
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
