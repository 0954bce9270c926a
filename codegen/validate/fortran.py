"""Fortran: compile and link with the tools the code needs (codegen.validate.fortran_build): the MPI
wrapper for MPI code, `-fopenmp` for OpenMP, `-llapack -lblas` for BLAS/LAPACK calls, so a call to a
routine that does not exist, or a program that cannot be linked, is an error here and not at run time.

Generated code is often a fragment (a few statements, a `call dgemm(...)`) rather than a program unit;
such a fragment is wrapped in a main program so gfortran accepts it as a compilation unit, and the
reported lines are shifted back to the fragment's own numbering.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache

from codegen.errors import DslgenError
from codegen.result import Diagnostic
from codegen.validate.fortran_build import plan_build
from codegen.validate.tools import ToolProblem, run_tool

SOURCE = "snippet.f90"
WRAPPER_OPEN = "program dslgen_snippet"
WRAPPER_CLOSE = "end program dslgen_snippet"

_UNIT_START = re.compile(
    r"""^(program|module|submodule|block\s*data)\b
      | ^((pure|impure|elemental|recursive|non_recursive|module)\s+)*
         ((integer|real|double\s*precision|complex|logical|character|type\s*\([^)]*\))
          (\s*\([^)]*\)|\s*\*\s*\d+)?\s+)?
         ((pure|impure|elemental|recursive)\s+)*(subroutine|function)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_MAIN_PROGRAM_END = re.compile(r"^end(\s*program\b.*)?$", re.IGNORECASE)
# file:line:col: Error: message   (gfortran with -fdiagnostics-plain-output)
_DIAGNOSTIC = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?:\d+:)?\s*(?P<kind>Fatal Error|Error|Warning):\s*(?P<msg>.*)$"
)
_UNLOCATED = re.compile(r"^[^:]+:\s*(?P<kind>Fatal Error|Error):\s*(?P<msg>.*)$")
# the linker: `snippet.f90:(.text+0x2c): undefined reference to `dgemn_'`
_LINK_ERROR = re.compile(r"(?P<msg>undefined reference to .*)$")


def validate_fortran(code: str, *, strict_tools: bool, timeout: float, link: bool = True) -> list[Diagnostic]:
    """Diagnostics of compiling and linking `code`; only of the syntax and semantic checks when not
    `link` (the evaluation reports the two apart)."""
    source, offset = as_compilation_unit(code)
    try:
        argv = plan_build(source).compile_argv(SOURCE, syntax_only=not link)
        out = run_tool("gfortran", argv, files={SOURCE: source}, timeout=timeout, strict=strict_tools)
    except ToolProblem as problem:
        return [problem.diagnostic]
    except DslgenError as missing:  # MPI code without an MPI wrapper installed
        return [Diagnostic("gfortran", "error" if strict_tools else "warning", None, str(missing))]
    diagnostics = _parse(out.stderr, offset, code.count("\n") + 1)
    if out.returncode != 0 and not any(d.severity == "error" for d in diagnostics):
        diagnostics.append(
            Diagnostic("gfortran", "error", None, out.stderr.strip()[:300] or "gfortran failed")
        )
    return diagnostics


def as_compilation_unit(code: str) -> tuple[str, int]:
    """(source gfortran accepts as a file, number of lines added before the code)."""
    statements = [s for s in (_strip_comment(line) for line in code.splitlines()) if s]
    if statements and (_UNIT_START.match(statements[0]) or _MAIN_PROGRAM_END.match(statements[-1])):
        return code, 0
    return f"{WRAPPER_OPEN}\n{code.rstrip()}\n{WRAPPER_CLOSE}\n", 1


def _strip_comment(line: str) -> str:
    # `!$omp` directives are statements, other `!` lines are comments; good enough for unit detection.
    stripped = line.strip()
    return "" if stripped.startswith("!") and not stripped.lower().startswith("!$") else stripped


def _parse(stderr: str, offset: int, code_lines: int) -> list[Diagnostic]:
    found = []
    for text in stderr.splitlines():
        match = _DIAGNOSTIC.match(text)
        if match:
            line = int(match["line"]) - offset
            # A line inside the wrapper means the fragment itself is incomplete (e.g. an open `do`).
            located = line if 1 <= line <= code_lines else None
            severity = "warning" if match["kind"] == "Warning" else "error"
            found.append(Diagnostic("gfortran", severity, located, _plain(match["msg"])))
        elif match := _UNLOCATED.match(text):
            found.append(Diagnostic("gfortran", "error", None, _plain(match["msg"])))
        elif match := _LINK_ERROR.search(text):
            found.append(Diagnostic("ld", "error", None, _plain(match["msg"]).replace("`", "'")))
    return found


def _plain(message: str) -> str:
    return message.replace("‘", "'").replace("’", "'")


@cache
def mpi_include_dirs() -> tuple[str, ...]:
    """Directories holding the MPI Fortran modules (mpi.mod), from the installed MPI wrapper, if any."""
    wrapper = shutil.which("mpif90") or shutil.which("mpifort")
    if wrapper is None:
        return ()
    # Open MPI answers --showme:incdirs; MPICH prints its full compile line for -show.
    for flag, from_flags in (("--showme:incdirs", False), ("-show", True)):
        try:
            out = subprocess.run([wrapper, flag], capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode != 0:
            continue
        words = out.stdout.split()
        dirs = [w[2:] for w in words if w.startswith("-I")] if from_flags else words
        if dirs:
            return tuple(dirs)
    return ()
