"""Real DocRecords for grammar and decoding tests (provenance in fixtures/grammar/README.md)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from codegen.docs.record import DocRecord

FIXTURE = Path(__file__).parent / "fixtures" / "grammar" / "records.json"


@functools.cache
def records() -> tuple[DocRecord, ...]:
    return tuple(DocRecord.from_json(r) for r in json.loads(FIXTURE.read_text()))


def pick(dsl: str, *names: str) -> list[DocRecord]:
    by_name = {r.name.lower(): r for r in records() if r.dsl == dsl}
    return [by_name[n.lower()] for n in names]


# documents a decoding case draws on, per language (the property tests and benchmarks/decoding.py)
DECODING_CASES = {
    "bash": ("ls", "grep", "find", "xargs", "tar"),
    "ansible": (
        "ansible.builtin.apt",
        "ansible.builtin.copy",
        "ansible.builtin.uri",
        "ansible.builtin.command",
    ),
    "fortran": ("dgemm", "daxpy", "sqrt", "sum", "size", "dot_product", "cpu_time"),
}
