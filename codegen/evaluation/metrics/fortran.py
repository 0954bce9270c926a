"""Fortran metrics: `gfortran -fsyntax-only`, a full compile (and link), and execution pass@1.

A fragment (statements without a program unit) is wrapped in a main program as codegen.validate does.
The build follows codegen.validate.fortran_build: LAPACK/BLAS linked for code that calls them, the
MPI wrapper and `mpirun -np 2 --oversubscribe` for MPI code, `-fopenmp` for OpenMP. Execution runs the
compiled program once per test, in a fresh temporary directory (never in the repository), each run
limited in time; a test passes when its stdout matches the expected output word by word (see
`same_output`): spacing, blank lines and Fortran's list-directed leading blanks do not matter,
numbers agree within a tolerance, every other printed token must be equal. pass@1 counts a task as solved when all its tests pass with the one prediction made.
An empty prediction fails every check.
"""

from __future__ import annotations

import re
import secrets
import shlex
from dataclasses import asdict, dataclass
from typing import Any

from codegen.errors import DslgenError
from codegen.evaluation.metrics.fortran_expects import uses_expected
from codegen.validate.fortran import SOURCE, as_compilation_unit, validate_fortran
from codegen.validate.fortran_build import plan_build
from codegen.validate.tools import ToolProblem, run_tool

COMPILE_SECONDS = 60.0
RUN_SECONDS = 10.0  # per test
REL_TOLERANCE = 1e-6
ABS_TOLERANCE = 1e-6  # printed values of 0 come out as 1e-17 from a different summation order
# Open MPI refuses to start as root unless told; singleton runs (no mpirun) still check it. Two
# OpenMP threads, so a missing `private` or `reduction` clause can show as a wrong result.
_RUN_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "2"}


@dataclass(frozen=True, slots=True)
class ExecTest:
    input: str
    output: str


@dataclass(frozen=True, slots=True)
class FortranExample:
    syntax_ok: bool
    compile_ok: bool
    tests_total: int
    tests_passed: int
    passed: bool | None  # all tests passed; None for a task without tests
    uses_expected: bool | None = None  # uses every routine/construct the task expects; None: expects none

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def fortran_example(
    code: str,
    tests: list[ExecTest],
    *,
    run_seconds: float = RUN_SECONDS,
    compile_seconds: float = COMPILE_SECONDS,
    expects: tuple[str, ...] | list[str] = (),
) -> FortranExample:
    no_tests = None if not tests else False
    expected = uses_expected(code, expects) if expects else None
    if not code.strip():
        return FortranExample(False, False, len(tests), 0, no_tests, expected)
    checked = validate_fortran(code, strict_tools=True, timeout=compile_seconds, link=False)
    syntax_ok = not any(d.severity == "error" for d in checked)
    if not syntax_ok:
        return FortranExample(False, False, len(tests), 0, no_tests, expected)
    compiled, outputs = _compile_and_run(code, [t.input for t in tests], run_seconds, compile_seconds)
    passed = sum(
        1 for t, out in zip(tests, outputs, strict=True) if out is not None and same_output(out, t.output)
    )
    all_passed = (passed == len(tests)) if tests else None
    return FortranExample(True, compiled, len(tests), passed, all_passed, expected)


def same_output(actual: str, expected: str) -> bool:
    """Word by word: numbers within a relative (or, near zero, absolute) tolerance, so `0.5`,
    `0.50000000000000000` and `5.0000E-01` agree; anything else (logicals as Fortran prints them,
    `T`/`F`, strings) must be equal. Complex numbers `(1.0,2.0)` are compared part by part."""
    got, want = _words(actual), _words(expected)
    return len(got) == len(want) and all(_same_word(g, w) for g, w in zip(got, want, strict=True))


def _words(text: str) -> list[str]:
    return re.sub(r"[(),]", " ", text).split()


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eEdD][-+]?\d+)?")


def _same_word(got: str, want: str) -> bool:
    if got == want:
        return True
    if not (_NUMBER.fullmatch(got) and _NUMBER.fullmatch(want)):
        return False
    a, b = float(got.replace("d", "e").replace("D", "e")), float(want.replace("d", "e").replace("D", "e"))
    return abs(a - b) <= max(ABS_TOLERANCE, REL_TOLERANCE * max(abs(a), abs(b)))


def _compile_and_run(
    code: str, inputs: list[str], run_seconds: float, compile_seconds: float
) -> tuple[bool, list[str | None]]:
    """(compiled and linked, stdout of each run or None when it failed or timed out)."""
    source, _ = as_compilation_unit(code)
    mark = f"@@dslgen-{secrets.token_hex(8)}@@"
    build = plan_build(source)
    if not build.link:  # a module or subroutine alone: nothing to run
        return False, [None] * len(inputs)
    try:
        compile_cmd, run_cmd = shlex.join(build.compile_argv(SOURCE)), shlex.join(build.run_argv())
    except DslgenError:
        return False, [None] * len(inputs)
    lines = [f"{compile_cmd} 2>compile.log || exit 3", f"echo '{mark} compiled'"]
    for i in range(len(inputs)):
        lines += [
            f"echo '{mark} run {i}'",
            f"timeout -k 1 {run_seconds:g} {run_cmd} < input{i}.txt; status=$?",
            f"echo; echo '{mark} exit {i} '$status",
        ]
    files = {SOURCE: source, "run.sh": "\n".join(lines) + "\n"}
    files |= {f"input{i}.txt": text for i, text in enumerate(inputs)}
    budget = compile_seconds + len(inputs) * (run_seconds + 2)
    try:
        out = run_tool("run", ["sh", "run.sh"], files=files, timeout=budget, strict=True, env=_RUN_ENV)
    except ToolProblem:
        return False, [None] * len(inputs)
    return f"{mark} compiled" in out.stdout, _outputs(out.stdout, mark, len(inputs))


def _outputs(stdout: str, mark: str, n: int) -> list[str | None]:
    results: list[str | None] = [None] * n
    for i in range(n):
        match = re.search(
            rf"^{re.escape(mark)} run {i}\n(.*?)^{re.escape(mark)} exit {i} (\d+)$",
            stdout,
            re.DOTALL | re.MULTILINE,
        )
        if match and match[2] == "0":
            results[i] = match[1]
    return results


@dataclass(frozen=True, slots=True)
class FortranScores:
    syntax_rate: float
    compile_rate: float
    pass_at_1: float | None  # over tasks with tests; None when no task has tests
    tasks_with_tests: int
    n: int
    expected_rate: float | None = None  # over tasks that expect routines; None when none does


def fortran_scores(examples: list[FortranExample]) -> FortranScores:
    if not examples:
        raise ValueError("no examples to score")
    n = len(examples)
    tested = [e for e in examples if e.passed is not None]
    expecting = [e for e in examples if e.uses_expected is not None]
    return FortranScores(
        syntax_rate=sum(e.syntax_ok for e in examples) / n,
        compile_rate=sum(e.compile_ok for e in examples) / n,
        pass_at_1=sum(bool(e.passed) for e in tested) / len(tested) if tested else None,
        tasks_with_tests=len(tested),
        n=n,
        expected_rate=sum(bool(e.uses_expected) for e in expecting) / len(expecting) if expecting else None,
    )
