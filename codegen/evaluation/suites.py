"""Named evaluation suites built from the dev splits (benchmarks/splits/, see codegen.splits).

- bash-dev: the examples of the tldr pages listed in bash_dev.txt, from the shared tldr data
  (../shared/data/bash/tldr_pages.jsonl.gz next to the repository). Alias pages ("View documentation
  for the original command") are requests about tldr itself and are left out. Ids: `common/tar#0`.
- ansible-dev: the EXAMPLES tasks of the modules listed in ansible_dev.txt, as parsed from the
  installed collections by the index (held-out modules keep their examples there). Ids:
  `community.general.ufw#2`.
- fortran-dev: benchmarks/data/fortran_tasks.jsonl (the data-file format of codegen.evaluation.data).
- bash-exec: benchmarks/data/bash_exec_tasks.jsonl, everyday Bash tasks with fixtures, for
  execution-based evaluation (`dslgen eval --suite bash-exec --execute`).
- hpc-dev, hpc-test: the tasks of benchmarks/data/hpc_tasks.jsonl (BLAS, LAPACK, OpenMP, MPI, array
  intrinsics; made by benchmarks/hpc/tasks.py) listed in hpc_dev.txt / hpc_test.txt.
- bash-everyday: everyday Bash requests, NL2Bash's dev split (`split_rerun`; ids in
  bash_everyday_dev.txt) from ../shared/data/bash/nl2bash.jsonl.gz. Ids: `nl2bash/123`.
- ansible-real: everyday Ansible requests, the named module tasks of the real roles listed in
  ansible_real_dev.txt (split by project/role), from the corpus `dslgen index fetch-examples` writes.

A sample (`limit`) is the first N examples by a hash of their id, so every system run with the same
limit gets the same examples, spread over all pages or modules rather than the first ones.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from codegen.docs.exemplars import ansible_tasks_file, module_tasks
from codegen.docs.index import DocIndex
from codegen.errors import InputError
from codegen.evaluation.data import EvalExample, read_examples

REPO = Path(__file__).resolve().parents[2]
SPLITS = REPO / "benchmarks" / "splits"
TLDR_PAGES = REPO.parent / "shared" / "data" / "bash" / "tldr_pages.jsonl.gz"
NL2BASH = REPO.parent / "shared" / "data" / "bash" / "nl2bash.jsonl.gz"
FORTRAN_TASKS = REPO / "benchmarks" / "data" / "fortran_tasks.jsonl"
BASH_EXEC_TASKS = REPO / "benchmarks" / "data" / "bash_exec_tasks.jsonl"
HPC_TASKS = REPO / "benchmarks" / "data" / "hpc_tasks.jsonl"
SUITES = (
    "bash-dev",
    "ansible-dev",
    "bash-everyday",
    "ansible-real",
    "fortran-dev",
    "bash-exec",
    "hpc-dev",
    "hpc-test",
)
_SAMPLE_SALT = "dslgen-eval-sample-v1"


def read_split(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(f"{path}: no such split file (make it with scripts/make_splits.py)")
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def bash_dev(pages: Path = TLDR_PAGES, split: Path = SPLITS / "bash_dev.txt") -> list[EvalExample]:
    if not pages.is_file():
        raise InputError(f"{pages}: the tldr pages for bash-dev are missing")
    names = set(read_split(split))
    examples = []
    with gzip.open(pages, "rt", encoding="utf-8") as fh:
        for line in fh:
            page = json.loads(line)
            if page["page"] not in names or page.get("is_alias_page"):
                continue
            for i, ex in enumerate(page.get("examples", [])):
                examples.append(EvalExample(f"{page['id']}#{i}", ex["nl"], "bash", ex["cmd"]))
    return examples


def ansible_dev(
    index: DocIndex, split: Path = SPLITS / "ansible_dev.txt", source: str = "ansible"
) -> list[EvalExample]:
    names = set(read_split(split))
    examples = []
    seen: set[str] = set()
    for record in sorted(index.source_records(source), key=lambda r: r.name):
        if record.dsl != "ansible" or record.name not in names or record.name in seen:
            continue
        seen.add(record.name)
        for i, ex in enumerate(record.examples):
            examples.append(EvalExample(f"{record.name}#{i}", ex.nl, "ansible", ex.code))
    return examples


def bash_everyday(path: Path = NL2BASH, split: Path = SPLITS / "bash_everyday_dev.txt") -> list[EvalExample]:
    if not path.is_file():
        raise InputError(f"{path}: the NL2Bash pairs for bash-everyday are missing")
    ids = set(read_split(split))
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [EvalExample(r["id"], r["nl"], "bash", r["cmd"]) for r in rows if r["id"] in ids]


def ansible_real(
    path: Path | None = None, split: Path = SPLITS / "ansible_real_dev.txt"
) -> list[EvalExample]:
    if not (path or ansible_tasks_file()).is_file():
        raise InputError(
            f"{path or ansible_tasks_file()}: no real-task corpus; run `dslgen index fetch-examples`"
        )
    roles = set(read_split(split))
    return [
        EvalExample(row["id"], row["name"], "ansible", row["task_text"])
        for row in module_tasks(path)
        if row["role_key"] in roles
    ]


def fortran_dev(path: Path = FORTRAN_TASKS) -> list[EvalExample]:
    if not path.is_file():
        raise InputError(f"fortran-dev reads {path}, which does not exist yet")
    return read_examples(path)


def hpc(split: str, path: Path = HPC_TASKS) -> list[EvalExample]:
    ids = read_split(SPLITS / f"hpc_{split}.txt")
    by_id = {ex.id: ex for ex in read_examples(path)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise InputError(f"hpc_{split}.txt names tasks {path} does not have: {', '.join(missing[:5])}")
    return [by_id[i] for i in ids]


def load_suite(name: str, index: Callable[[], DocIndex]) -> list[EvalExample]:
    """The examples of suite `name`; `index` opens the documentation index (only ansible-dev needs it)."""
    if name == "bash-dev":
        return bash_dev()
    if name == "ansible-dev":
        return ansible_dev(index())
    if name == "bash-everyday":
        return bash_everyday()
    if name == "ansible-real":
        return ansible_real()
    if name == "fortran-dev":
        return fortran_dev()
    if name == "bash-exec":
        return read_examples(BASH_EXEC_TASKS)
    if name in ("hpc-dev", "hpc-test"):
        return hpc(name.removeprefix("hpc-"))
    raise InputError(f"unknown suite {name!r}; use one of {', '.join(SUITES)}")


def sample(examples: list[EvalExample], limit: int | None) -> list[EvalExample]:
    """At most `limit` examples, chosen by a hash of their id, in their original order."""
    if limit is None or limit >= len(examples):
        return examples
    rank = sorted(
        range(len(examples)),
        key=lambda i: hashlib.sha256(f"{_SAMPLE_SALT}:{examples[i].id}".encode()).digest(),
    )
    keep = set(rank[:limit])
    return [ex for i, ex in enumerate(examples) if i in keep]
