"""Fortran metrics: `gfortran -fsyntax-only`, a full compile (and link), and execution pass@1.

A fragment (statements without a program unit) is wrapped in a main program as codegen.validate does.
The full compile links LAPACK/BLAS when the linker finds them and uses the MPI wrapper for code that
uses MPI. Execution runs the compiled program once per test, in a fresh temporary directory (never in
the repository), each run limited in time; a test passes when its stdout equals the expected output
after whitespace normalisation: both are split on any whitespace and the word sequences compared, so
spacing, blank lines and Fortran's list-directed leading blanks do not matter, but every printed
token does. pass@1 counts a task as solved when all its tests pass with the one prediction made.
An empty prediction fails every check.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from codegen.errors import DslgenError
from codegen.validate import validate
from codegen.validate.fortran import SOURCE, as_compilation_unit
from codegen.validate.tools import ToolProblem, run_tool

COMPILE_SECONDS = 60.0
RUN_SECONDS = 10.0  # per test
_USES_MPI = re.compile(r"^\s*(use\s+mpi(_f08)?\b|include\s+['\"]mpif\.h['\"])", re.IGNORECASE | re.MULTILINE)
# Open MPI refuses to start as root unless told; singleton runs (no mpirun) still check it.
_RUN_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "1"}


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def fortran_example(
    code: str,
    tests: list[ExecTest],
    *,
    run_seconds: float = RUN_SECONDS,
    compile_seconds: float = COMPILE_SECONDS,
) -> FortranExample:
    no_tests = None if not tests else False
    if not code.strip():
        return FortranExample(False, False, len(tests), 0, no_tests)
    syntax_ok = validate("fortran", code, strict_tools=True, timeout=compile_seconds).ok
    if not syntax_ok:
        return FortranExample(False, False, len(tests), 0, no_tests)
    compiled, outputs = _compile_and_run(code, [t.input for t in tests], run_seconds, compile_seconds)
    passed = sum(
        1 for t, out in zip(tests, outputs, strict=True) if out is not None and same_output(out, t.output)
    )
    return FortranExample(True, compiled, len(tests), passed, (passed == len(tests)) if tests else None)


def same_output(actual: str, expected: str) -> bool:
    return actual.split() == expected.split()


def _compile_and_run(
    code: str, inputs: list[str], run_seconds: float, compile_seconds: float
) -> tuple[bool, list[str | None]]:
    """(compiled and linked, stdout of each run or None when it failed or timed out)."""
    source, _ = as_compilation_unit(code)
    mark = f"@@dslgen-{secrets.token_hex(8)}@@"
    compiler = _compiler(bool(_USES_MPI.search(code)))
    lines = [
        f"{compiler} -fopenmp {SOURCE} -o prog {' '.join(_libraries())} 2>compile.log || exit 3",
        f"echo '{mark} compiled'",
    ]
    for i in range(len(inputs)):
        lines += [
            f"echo '{mark} run {i}'",
            f"timeout -k 1 {run_seconds:g} ./prog < input{i}.txt; status=$?",
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


def _compiler(mpi: bool) -> str:
    compiler = (shutil.which("mpif90") or shutil.which("mpifort")) if mpi else None
    compiler = compiler or shutil.which("gfortran")
    if compiler is None:
        raise DslgenError(
            "gfortran is not installed, so Fortran code cannot be compiled (apt install gfortran)"
        )
    return compiler


@cache
def _libraries() -> tuple[str, ...]:
    """-llapack -lblas for those the linker can find (gfortran prints a bare name when it cannot)."""
    found = []
    for lib in ("lapack", "blas"):
        try:
            path = subprocess.run(
                ["gfortran", f"-print-file-name=lib{lib}.so"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if "/" in path:
            found.append(f"-l{lib}")
    return tuple(found)


@dataclass(frozen=True, slots=True)
class FortranScores:
    syntax_rate: float
    compile_rate: float
    pass_at_1: float | None  # over tasks with tests; None when no task has tests
    tasks_with_tests: int
    n: int


def fortran_scores(examples: list[FortranExample]) -> FortranScores:
    if not examples:
        raise ValueError("no examples to score")
    n = len(examples)
    tested = [e for e in examples if e.passed is not None]
    return FortranScores(
        syntax_rate=sum(e.syntax_ok for e in examples) / n,
        compile_rate=sum(e.compile_ok for e in examples) / n,
        pass_at_1=sum(bool(e.passed) for e in tested) / len(tested) if tested else None,
        tasks_with_tests=len(tested),
        n=n,
    )
