"""The fortran-dev task file: well-formed, big enough, and every task checkable by execution.

Compiling and running the references is the benchmark's job (slow); this only checks the data.
"""

from __future__ import annotations

import re

import pytest

from codegen.evaluation.data import EvalExample, read_examples
from codegen.evaluation.suites import FORTRAN_TASKS


@pytest.fixture(scope="module")
def tasks() -> list[EvalExample]:
    return read_examples(FORTRAN_TASKS)


def test_enough_tasks_with_unique_well_formed_ids(tasks: list[EvalExample]) -> None:
    assert len(tasks) >= 40
    ids = [t.id for t in tasks]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"fortran-task/\d{3}", i) for i in ids), ids


def test_every_task_is_fortran_with_at_least_two_tests(tasks: list[EvalExample]) -> None:
    for task in tasks:
        assert task.lang == "fortran", task.id
        assert len(task.tests) >= 2, task.id
        # An empty expected output would be passed by a program that prints nothing.
        assert all(t.output.split() for t in task.tests), task.id
        assert len({t.input for t in task.tests}) == len(task.tests), f"{task.id}: repeated test input"


def test_requests_are_distinct(tasks: list[EvalExample]) -> None:
    texts = [" ".join(t.nl.lower().split()) for t in tasks]
    assert all(texts)
    assert len(set(texts)) == len(texts)


def test_references_are_complete_programs_with_implicit_none(tasks: list[EvalExample]) -> None:
    for task in tasks:
        code = task.code.lower()
        assert "implicit none" in code, task.id
        assert re.search(r"^\s*end program\b", code, re.MULTILINE), task.id
        assert "read(*,*)" in code, task.id  # the tests feed stdin, so the reference must read it
