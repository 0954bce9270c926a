"""The example memory: requests with the code that answered them, each voting for its document.

Everyday requests are mostly answered by a few dozen commands and core modules, phrased the way real
shell one-liners and playbook tasks are. The memory holds, for every training-split example:
- the documents' own examples (tldr pages, Ansible EXAMPLES; held-out names already lost theirs),
- NL2Bash's training pairs (package data, `scripts/vendor_nl2bash.py`; those running a command held out by
  name only in the product index, codegen.docs.profile),
- named tasks of real roles and playbooks from registry packages (`dslgen index fetch-examples`;
  training-split roles only),
- the user's own playbooks and shell scripts (`dslgen index add DIR`).
Each example points at the document of the command or module it calls. Real-use examples (all but
the documents' own) also count towards each document's usage: how often real code calls it.

Stored in a build: `exemplars.jsonl` (nl, code, source per line, read lazily through
`exemplar-offsets.npy`), `exemplar-target.npy` (document position per example, int32),
`exemplar-source.npy` (index into SOURCES, int8), `usage.npy` (real-use count per document, float32)
and the request vectors through codegen.docs.vectors (prefix "exemplar").
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from codegen.docs.commands import command_names, main_command
from codegen.docs.record import DocRecord
from codegen.langid import NL2BASH_FILE, NL2BASH_HELD_OUT_FILE
from codegen.paths import home, package_data
from codegen.splits import split_of

SOURCES = ("docs", "nl2bash", "ansible-tasks", "user")
REAL_USE = frozenset({"nl2bash", "ansible-tasks", "user"})


def ansible_tasks_file() -> Path:
    """Named tasks of real roles, written by `dslgen index fetch-examples`."""
    return home() / "examples" / "ansible-tasks.jsonl"


@dataclass(frozen=True, slots=True)
class Exemplar:
    nl: str
    code: str
    dsl: str
    target: str  # the document's name (Bash: the program; Ansible: the module's FQCN)
    source: str  # one of SOURCES
    # documents the example also calls (a pipeline's other commands): they count as usage, not votes
    also: tuple[str, ...] = ()


def document_exemplars(records: Iterable[DocRecord]) -> Iterator[Exemplar]:
    for rec in records:
        for ex in rec.examples:
            if ex.nl.strip():
                yield Exemplar(ex.nl, ex.code, rec.dsl, rec.name, "docs")


def nl2bash_exemplars(path: Path | None = None) -> Iterator[Exemplar]:
    with gzip.open(path or package_data(NL2BASH_FILE), "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            name = main_command(row["cmd"])
            if name:
                others = tuple(dict.fromkeys(n for n in command_names(row["cmd"]) if n != name))
                yield Exemplar(row["nl"], row["cmd"], "bash", name, "nl2bash", others)


def shipped_nl2bash_exemplars(drop_held_out: bool) -> Iterator[Exemplar]:
    """NL2Bash's training pairs; the product index adds those that run a command the evaluation
    holds out by name (`ls -l`), which the evaluation index leaves out."""
    yield from nl2bash_exemplars()
    if not drop_held_out:
        yield from nl2bash_exemplars(package_data(NL2BASH_HELD_OUT_FILE))


def module_tasks(path: Path | None = None) -> Iterator[dict[str, Any]]:
    """The named module calls of the real-task corpus (not includes, imports or other controls), each
    row with `role_key` ("project/role", what the dev/test splits name); none without the corpus."""
    path = path or ansible_tasks_file()
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("kind", "module") == "module" and row.get("module") and row.get("name"):
                yield row | {"role_key": f"{row['project']}/{row['role']}"}


def ansible_task_exemplars(path: Path | None = None) -> Iterator[Exemplar]:
    """Module calls of training-split roles (dev/test roles are the everyday Ansible dev/test sets)."""
    for row in module_tasks(path):
        if split_of(row["role_key"]) == "train":
            yield Exemplar(row["name"], row.get("task_text", ""), "ansible", row["module"], "ansible-tasks")


def default_exemplars(records: Sequence[DocRecord]) -> Iterator[Exemplar]:
    from codegen.docs.profile import drops_held_out

    yield from document_exemplars(records)
    yield from shipped_nl2bash_exemplars(drops_held_out())
    yield from ansible_task_exemplars()


def document_positions(records: Sequence[DocRecord], programs: Sequence[str]) -> dict[tuple[str, str], int]:
    """(dsl, name) → the document an example of that name votes for: the document itself, and for a
    Bash program without a page of its own name (`git` of git-commit's examples), its most central
    page (highest prior)."""
    positions = {(r.dsl, r.name): i for i, r in enumerate(records)}
    pages_of_program: dict[str, int] = {}
    for i, (rec, prog) in enumerate(zip(records, programs, strict=True)):
        if rec.dsl == "bash" and ("bash", prog) not in positions:
            best = pages_of_program.get(prog)
            if best is None or rec.prior > records[best].prior:
                pages_of_program[prog] = i
    positions.update({("bash", prog): i for prog, i in pages_of_program.items()})
    return positions


@dataclass(frozen=True, slots=True)
class ExemplarTable:
    targets: np.ndarray  # [examples] document positions
    sources: np.ndarray  # [examples] index into SOURCES
    usage: np.ndarray  # [documents] real-use count
    path: Path

    def __len__(self) -> int:
        return len(self.targets)

    def text(self, i: int) -> tuple[str, str, str]:
        """(nl, code, source) of example `i`."""
        offsets = np.load(self.path / "exemplar-offsets.npy", mmap_mode="r")
        with open(self.path / "exemplars.jsonl", "rb") as fh:
            fh.seek(int(offsets[i]))
            row = json.loads(fh.read(int(offsets[i + 1]) - int(offsets[i])))
        return row["nl"], row["code"], row["source"]

    def requests(self, rows: slice) -> list[str]:
        """The request of each example in `rows`, read in one pass."""
        offsets = np.load(self.path / "exemplar-offsets.npy", mmap_mode="r")
        with open(self.path / "exemplars.jsonl", "rb") as fh:
            fh.seek(int(offsets[rows.start]))
            lines = fh.read(int(offsets[rows.stop]) - int(offsets[rows.start])).splitlines()
        return [json.loads(line)["nl"] for line in lines]


def write_exemplars(
    build: Path,
    records: Sequence[DocRecord],
    programs: Sequence[str],
    exemplars: Iterable[Exemplar],
    previous: Path | None,
    encoder: Callable[[], object] | None,
    progress: Callable[[str, int, int], None] | None = None,
    encoder_name: str | None = None,
) -> dict[str, int]:
    """Resolve each example to its document, store the table and (with an encoder) the request vectors;
    returns the number of examples kept per source."""
    from codegen.docs.vectors import write_vectors

    positions = document_positions(records, programs)
    usage = np.zeros(len(records), dtype=np.float32)
    resolved: list[tuple[int, Exemplar]] = []
    for ex in exemplars:
        target = positions.get((ex.dsl, ex.target))
        if target is None:
            continue
        if ex.source in REAL_USE:
            usage[target] += 1
            for other in ex.also:
                pos = positions.get((ex.dsl, other))
                if pos is not None:
                    usage[pos] += 1
        if ex.nl.strip():  # a call without a request counts as usage only
            resolved.append((target, ex))
    # grouped by language (records are sorted by language), so a request reads one contiguous slice
    resolved.sort(key=lambda item: records[item[0]].dsl)
    kept = dict.fromkeys(SOURCES, 0)
    offsets = [0]
    with open(build / "exemplars.jsonl", "wb") as fh:
        for _, ex in resolved:
            kept[ex.source] += 1
            row = {"nl": ex.nl, "code": ex.code, "source": ex.source}
            fh.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
            offsets.append(fh.tell())
    targets = [t for t, _ in resolved]
    sources = [SOURCES.index(ex.source) for _, ex in resolved]
    texts = [ex.nl for _, ex in resolved]
    np.save(build / "exemplar-offsets.npy", np.asarray(offsets, dtype=np.int64))
    np.save(build / "exemplar-target.npy", np.asarray(targets, dtype=np.int32))
    np.save(build / "exemplar-source.npy", np.asarray(sources, dtype=np.int8))
    np.save(build / "usage.npy", usage)
    if encoder is not None:
        write_vectors(
            build,
            texts,
            previous,
            encoder,
            progress,
            prefix="exemplar",
            model_name=encoder_name,  # type: ignore[arg-type]
        )
    return kept


def read_exemplars(build: Path) -> ExemplarTable | None:
    """The build's example memory, or None for a build made before it existed."""
    try:
        return ExemplarTable(
            targets=np.load(build / "exemplar-target.npy"),
            sources=np.load(build / "exemplar-source.npy"),
            usage=np.load(build / "usage.npy"),
            path=build,
        )
    except FileNotFoundError:
        return None
