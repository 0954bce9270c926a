"""The HPC task set: well-formed, split by task, every category in dev, and sound references."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from codegen.evaluation.data import EvalExample, read_examples
from codegen.evaluation.metrics.fortran import fortran_example
from codegen.evaluation.metrics.fortran_expects import uses, uses_expected
from codegen.evaluation.suites import HPC_TASKS, SPLITS, hpc, read_split

CATEGORIES = {"blas1", "blas2", "blas3", "lapack", "openmp", "mpi", "intrinsic"}


@pytest.fixture(scope="module")
def tasks() -> list[EvalExample]:
    return read_examples(HPC_TASKS)


def test_enough_tasks_of_every_kind(tasks: list[EvalExample]) -> None:
    assert len(tasks) >= 60
    categories = Counter(json.loads(line)["category"] for line in HPC_TASKS.read_text().splitlines())
    assert set(categories) == CATEGORIES and min(categories.values()) >= 6
    assert all(t.expects and len(t.tests) >= 2 and t.lang == "fortran" for t in tasks)
    assert len({" ".join(t.nl.lower().split()) for t in tasks}) == len(tasks)


def test_dev_and_test_split_the_tasks_and_dev_covers_every_category(tasks: list[EvalExample]) -> None:
    dev, test = read_split(SPLITS / "hpc_dev.txt"), read_split(SPLITS / "hpc_test.txt")
    assert not set(dev) & set(test)
    assert sorted(dev + test) == sorted(t.id for t in tasks)
    category = {
        json.loads(line)["id"]: json.loads(line)["category"] for line in HPC_TASKS.read_text().splitlines()
    }
    assert {category[i] for i in dev} == CATEGORIES
    assert [ex.id for ex in hpc("dev")] == dev


def test_expectations_are_checked_on_code_not_comments() -> None:
    code = "! call dgemm(...) would be faster\nc = matmul(a, b)\n!$omp parallel do reduction(+:s)\n"
    assert uses(code, "matmul") and not uses(code, "dgemm")
    assert uses(code, "omp parallel do") and uses(code, "omp reduction") and not uses(code, "omp private")
    assert not uses("print *, 'call dgesv(n)'", "dgesv")
    assert not uses_expected("x = ddot2(n, x, 1, y, 1)", ["ddot"])


@pytest.mark.skipif(
    shutil.which("gfortran") is None or shutil.which("mpirun") is None, reason="needs gfortran and MPI"
)
@pytest.mark.parametrize("split", ["dev", "test"])
def test_every_reference_builds_uses_what_it_expects_and_passes(split: str) -> None:
    for task in hpc(split):
        result = fortran_example(task.code, list(task.tests), expects=task.expects)
        assert (result.compile_ok, result.uses_expected, result.passed) == (True, True, True), task.id
