"""Evaluation data: one request with its reference code (and, optionally, execution tests) per example.

A data file is JSONL, one `{"id": str, "nl": str, "lang": str, "code": str}` object per line, with an
optional `"tests": [{"input": str, "output": str}]` for tasks whose program can be run, and an optional
`"expects": [str]` naming the routines or constructs the code must use (codegen.evaluation.metrics.
fortran_expects). A Bash task run by execution (`dslgen eval --execute`) gives a `"fixture"` (the
directory it runs in, see codegen/evaluation/execution.py) and may say how to compare standard output:
`"stdout": "exact"` (the default), `"unordered"` (as a set of lines, for find/ls-like output) or
`"ignore"` (only the resulting files count). Unlike batch requests, evaluation data is curated, so a
malformed line is an error that names the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codegen.docs.record import DSLS
from codegen.errors import InputError
from codegen.evaluation.metrics.fortran import ExecTest

STDOUT_MODES = ("exact", "unordered", "ignore")


@dataclass(frozen=True, slots=True)
class EvalExample:
    id: str
    nl: str
    lang: str
    code: str  # the reference
    tests: tuple[ExecTest, ...] = field(default=())
    fixture: dict[str, Any] | None = None  # the directory a Bash task runs in (execution-based eval)
    stdout: str = "exact"  # how execution-based eval compares standard output
    expects: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "nl": self.nl, "lang": self.lang, "code": self.code}
        if self.tests:
            data["tests"] = [{"input": t.input, "output": t.output} for t in self.tests]
        if self.fixture is not None:
            data["fixture"] = self.fixture
            data["stdout"] = self.stdout
        if self.expects:
            data["expects"] = list(self.expects)
        return data


def read_examples(path: Path) -> list[EvalExample]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    examples = list(_parse(path))
    seen: set[str] = set()
    for ex in examples:
        if ex.id in seen:
            raise InputError(f"{path}: id {ex.id!r} occurs more than once")
        seen.add(ex.id)
    return examples


def _parse(path: Path) -> Iterator[EvalExample]:
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield example_from_json(json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                raise InputError(f"{path}:{number}: {exc}") from None


def example_from_json(data: Any) -> EvalExample:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    for key in ("id", "nl", "lang", "code"):
        if not isinstance(data.get(key), str):
            raise ValueError(f"'{key}' must be a string")
    if data["lang"] not in DSLS:
        raise ValueError(f"unknown lang {data['lang']!r}; use one of {', '.join(DSLS)}")
    tests = data.get("tests") or []
    if not isinstance(tests, list) or not all(
        isinstance(t, dict) and isinstance(t.get("input"), str) and isinstance(t.get("output"), str)
        for t in tests
    ):
        raise ValueError('\'tests\' must be a list of {"input": str, "output": str}')
    fixture = data.get("fixture")
    if fixture is not None:
        from codegen.evaluation.execution import check_fixture

        check_fixture(fixture)
    stdout = data.get("stdout", "exact")
    if stdout not in STDOUT_MODES:
        raise ValueError(f"'stdout' must be one of {', '.join(STDOUT_MODES)}")
    expects = data.get("expects") or []
    if not isinstance(expects, list) or not all(isinstance(e, str) and e.strip() for e in expects):
        raise ValueError("'expects' must be a list of non-empty strings")
    return EvalExample(
        id=data["id"],
        nl=data["nl"],
        lang=data["lang"],
        code=data["code"],
        tests=tuple(ExecTest(t["input"], t["output"]) for t in tests),
        fixture=fixture,
        stdout=stdout,
        expects=tuple(expects),
    )
