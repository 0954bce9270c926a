"""How Fortran code is built and run, chosen from what the code uses.

MPI code (`use mpi`, `mpif.h`, `call mpi_...`) is compiled with the MPI wrapper (mpif90/mpifort) and
run under `mpirun -np 2 --oversubscribe`; OpenMP code (`!$omp`, `use omp_lib`) gets `-fopenmp`; code
that refers to a BLAS or LAPACK routine it does not define is linked with `-llapack -lblas`. A source
without a main program (a module, a subroutine for a library) is compiled to an object file only, since
there is nothing to link it into. The validator and the evaluation share this, so what `dslgen` calls
valid is what `dslgen eval` runs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

from codegen.errors import DslgenError

MPI_RANKS = 2
_USES_MPI = re.compile(
    r"^\s*(use\s+mpi(_f08)?\b|include\s+['\"]mpif\.h['\"])|\bcall\s+mpi_\w+", re.IGNORECASE | re.MULTILINE
)
_USES_OPENMP = re.compile(r"^\s*(!\$omp\b|use\s+omp_lib\b)|\bomp_get_\w+", re.IGNORECASE | re.MULTILINE)
# BLAS/LAPACK routines are called as subroutines, or used as functions (level-1 BLAS: ddot, dnrm2,
# idamax), which a program must declare `external` or with a type.
_CALL = re.compile(r"\bcall\s+([a-z]\w*)", re.IGNORECASE)
_BLAS_FUNCTION = re.compile(
    r"\b([sdcz](dot[uc]?|nrm2|asum)|dz(nrm2|asum)|scnrm2|scasum|i[sdcz]amax)\s*\(", re.I
)
_DEFINED = re.compile(r"^\s*(?:[\w(),=*\s]*\s)?(?:subroutine|function)\s+([a-z]\w*)", re.I | re.M)
_MAIN_PROGRAM = re.compile(r"^\s*program\s+\w+", re.IGNORECASE | re.MULTILINE)
# a source whose first statement opens one of these and that has no `program` is library code; any
# other source is a main program (one may start without a `program` statement and end with `end`)
_LIBRARY_START = re.compile(
    r"^\s*((pure|impure|elemental|recursive|module|integer|real|double\s*precision|logical|complex"
    r"|character|\(|\)|kind|=|\d|\*|\s)+\s)?(module|submodule|subroutine|function|block\s*data)\b",
    re.IGNORECASE,
)
# intrinsic subroutines and the MPI/OpenMP libraries: any other routine a program calls without
# defining it can only come from a library, and BLAS/LAPACK are the ones linked
_NOT_LIBRARY = re.compile(
    r"^(mpi_|omp_|random_|cpu_time$|system_clock$|date_and_time$|get_command|execute_|move_alloc$"
    r"|mvbits$|get_environment)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Build:
    mpi: bool
    openmp: bool
    linalg: bool  # links LAPACK and BLAS
    link: bool  # has a main program to link into an executable

    def compile_argv(self, source: str, output: str = "prog", *, syntax_only: bool = False) -> list[str]:
        argv = [mpi_wrapper() if self.mpi else "gfortran", "-fdiagnostics-plain-output"]
        if self.openmp:
            argv.append("-fopenmp")
        if syntax_only:
            return [*argv, "-fsyntax-only", source]
        if not self.link:
            return [*argv, "-c", source, "-o", f"{output}.o"]
        return [*argv, source, "-o", output, *(linalg_libraries() if self.linalg else ())]

    def run_argv(self, program: str = "./prog") -> list[str]:
        if not self.mpi:
            return [program]
        runner = shutil.which("mpirun") or shutil.which("mpiexec")
        if runner is None:
            raise DslgenError("MPI code needs mpirun to run (apt install openmpi-bin)")
        return [runner, "-np", str(MPI_RANKS), "--oversubscribe", program]


def plan_build(source: str) -> Build:
    """The build of a complete compilation unit (see codegen.validate.fortran.as_compilation_unit)."""
    code = _without_comments(source)
    defined = {name.lower() for name in _DEFINED.findall(code)}
    called = {name.lower() for name in _CALL.findall(code)} - defined
    linalg = bool(_BLAS_FUNCTION.search(code)) or any(not _NOT_LIBRARY.match(name) for name in called)
    return Build(
        mpi=bool(_USES_MPI.search(code)),
        openmp=bool(_USES_OPENMP.search(source)),
        linalg=linalg,
        link=bool(_MAIN_PROGRAM.search(code)) or not _LIBRARY_START.match(_first_statement(code)),
    )


def _first_statement(code: str) -> str:
    return next((line for line in code.splitlines() if line.strip()), "")


def _without_comments(source: str) -> str:
    # comment text ("! call dgemm here") must not choose libraries; `!$omp` lines are kept apart
    return "\n".join(re.sub(r"!.*", "", line) for line in source.splitlines())


@cache
def mpi_wrapper() -> str:
    wrapper = shutil.which("mpif90") or shutil.which("mpifort")
    if wrapper is None:
        raise DslgenError("MPI code needs an MPI Fortran wrapper (apt install libopenmpi-dev)")
    return wrapper


@cache
def linalg_libraries() -> tuple[str, ...]:
    """-llapack -lblas, for those the linker can find (gfortran prints a bare name when it cannot)."""
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
