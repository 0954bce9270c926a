"""Fortran validation with the real gfortran (-fsyntax-only, OpenMP, MPI modules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.validate import validate
from codegen.validate.fortran import as_compilation_unit, mpi_include_dirs

FIXTURES = Path(__file__).parent / "fixtures" / "validate"


@pytest.mark.parametrize(
    "code",
    [
        "x = 1.0\nprint *, sqrt(x)",
        "call dgemm('N', 'N', m, n, k, 1.0d0, a, lda, b, ldb, 0.0d0, c, ldc)",
        "subroutine scale(x, n)\n  integer, intent(in) :: n\n  real, intent(inout) :: x(n)\n  x = 2 * x\nend subroutine",
        "pure integer function twice(i)\n  integer, intent(in) :: i\n  twice = 2 * i\nend function",
        "!$omp parallel\nprint *, omp_get_thread_num()\n!$omp end parallel",
        "x = 1\nend",
    ],
)
def test_correct_code_passes(code: str) -> None:
    result = validate("fortran", code, strict_tools=True)
    assert result.ok, result.errors


@pytest.mark.skipif(not mpi_include_dirs(), reason="no MPI Fortran wrapper (mpif90) installed")
def test_program_using_mpi_and_openmp_modules_passes() -> None:
    result = validate("fortran", (FIXTURES / "openmp_mpi.f90").read_text(), strict_tools=True)
    assert result.ok, result.errors


def test_syntax_error_in_a_fragment_keeps_the_fragment_line() -> None:
    result = validate("fortran", "do i = 1, 3\n  x = i *\nend do", strict_tools=True)
    assert [d.line for d in result.errors] == [2]
    assert result.errors[0].tool == "gfortran"


def test_undeclared_variable_under_implicit_none() -> None:
    code = "program p\n  implicit none\n  integer :: i\n  y = 2\nend program p"
    result = validate("fortran", code, strict_tools=True)
    assert [(d.line, d.message) for d in result.errors] == [(4, "Symbol 'y' at (1) has no IMPLICIT type")]


def test_unclosed_block_is_an_error_without_a_fragment_line() -> None:
    result = validate("fortran", "do i = 1, 3\n  print *, i", strict_tools=True)
    assert not result.ok
    assert any("END DO" in d.message for d in result.errors)
    assert all(d.line is None for d in result.errors)  # the problem shows only at the wrapper's end


def test_unknown_module_is_an_error() -> None:
    result = validate("fortran", "use no_such_library\nx = 1", strict_tools=True)
    assert result.errors[0].line == 1
    assert "no_such_library.mod" in result.errors[0].message


def test_only_fragments_are_wrapped() -> None:
    assert as_compilation_unit("x = 1") == ("program dslgen_snippet\nx = 1\nend program dslgen_snippet\n", 1)
    module = "! comment\nmodule m\ncontains\nsubroutine s()\nend subroutine\nend module"
    assert as_compilation_unit(module) == (module, 0)
