"""Splits of the real-task corpus by role, its committed id lists, and its manifest.

Tasks of one role share variables, wording and habits, so a role is held out whole: its split is
`split_of("PROJECT/ROLE")`, the same salted hash as the module and command splits (the key contains a
'/', which no module FQCN or command name does, so the namespaces cannot collide). Module calls (kind
"module", "local" or "unresolved") make the statistics; control tasks (includes, set_fact, ...) are counted apart.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codegen.atomic import atomic_write_text
from codegen.docs.ansible_tasks import TaskExample
from codegen.splits import Split, split_of

SPLITS: tuple[Split, ...] = ("train", "dev", "test")
TOP_MODULES = 30
# ansible-core's integration targets test one module each (a target named `user` is mostly `user`
# tasks), so the distribution of everyday requests is also given without them
TEST_SUITES = frozenset({"ansible-core"})


def role_key(example: TaskExample) -> str:
    return f"{example.project}/{example.role}"


def split_of_task(example: TaskExample) -> Split:
    return split_of(role_key(example))


def is_module_call(example: TaskExample) -> bool:
    return example.kind != "control"


def split_counts(examples: Sequence[TaskExample]) -> dict[str, dict[str, int]]:
    roles: dict[str, set[str]] = {s: set() for s in SPLITS}
    tasks: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    for example in examples:
        split = split_of_task(example)
        roles[split].add(role_key(example))
        tasks[split] += 1
        calls[split] += is_module_call(example)
    return {s: {"roles": len(roles[s]), "tasks": tasks[s], "module_tasks": calls[s]} for s in SPLITS}


def module_distribution(
    examples: Sequence[TaskExample],
    split: Split,
    top: int = TOP_MODULES,
    exclude: frozenset[str] = frozenset(),
) -> list[list[Any]]:
    """[[module, tasks], ...] of the module calls of one split, most frequent first (ties by name);
    `exclude` leaves out projects."""
    counts = Counter(
        e.module
        for e in examples
        if is_module_call(e) and split_of_task(e) == split and e.project not in exclude
    )
    return [[module, n] for module, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def train_overlap(examples: Sequence[TaskExample]) -> dict[str, dict[str, int]]:
    """Held-out tasks that also occur in train roles (boilerplate copied between roles): how many share
    the exact task text, and how many the request (name, case-insensitive). Evaluations should know."""
    train = [e for e in examples if split_of_task(e) == "train"]
    texts = {e.task_text for e in train}
    names = {e.name.casefold() for e in train}
    overlap = {}
    for split in ("dev", "test"):
        held = [e for e in examples if split_of_task(e) == split]
        overlap[split] = {
            "same_text": sum(e.task_text in texts for e in held),
            "same_name": sum(e.name.casefold() in names for e in held),
        }
    return overlap


def held_out_roles(examples: Sequence[TaskExample], split: Split) -> list[str]:
    return sorted({role_key(e) for e in examples if split_of_task(e) == split})


def write_split_lists(examples: Sequence[TaskExample], directory: Path) -> dict[str, Path]:
    written = {}
    for split in ("dev", "test"):
        keys = held_out_roles(examples, split)
        header = (
            f"# Real-use Ansible task corpus ({split} split): PROJECT/ROLE keys, one per line.\n"
            f"# A role is in {split} when codegen.splits.split_of('PROJECT/ROLE') == '{split}'; made by\n"
            "# `dslgen index fetch-examples --split-lists benchmarks/splits` from the packages pinned in\n"
            "# codegen/docs/taskfetch.py (see corpora/ansible-tasks.json).\n"
        )
        path = directory / f"ansible_real_{split}.txt"
        atomic_write_text(path, header + "".join(f"{key}\n" for key in keys))
        written[split] = path
    return written


def manifest(report: Any, examples: Sequence[TaskExample]) -> dict[str, Any]:
    """What the corpus holds; deterministic for the same packages (no timestamps), so re-runs diff clean."""
    packages = []
    for p in report.packages:
        entry = asdict(p)
        entry["kinds"] = dict(sorted(p.kinds.items()))
        entry["skipped"] = dict(sorted(p.skipped.items()))
        entry["roles"] = len({role_key(e) for e in examples if e.package == p.package})
        packages.append(entry)
    return {
        "corpus": "ansible-tasks",
        "file": "$DSLGEN_HOME/examples/ansible-tasks.jsonl",
        "fields": list(TaskExample.__dataclass_fields__),
        "split_rule": "codegen.splits.split_of(f'{project}/{role}')",
        "packages": packages,
        "failed": dict(sorted(report.failed.items())),
        "totals": {
            "tasks": len(examples),
            "module_tasks": sum(map(is_module_call, examples)),
            "roles": len({role_key(e) for e in examples}),
        },
        "splits": split_counts(examples),
        "held_out_in_train": train_overlap(examples),
        "dev_top_modules": module_distribution(examples, "dev"),
        "dev_top_modules_without_test_suites": module_distribution(examples, "dev", exclude=TEST_SUITES),
    }


def write_manifest(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
