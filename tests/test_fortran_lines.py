"""Folding long Fortran lines keeps the program and makes gfortran accept it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from codegen.fortran_lines import LIMIT, fixed_to_free, fortran_units, wrap_long_lines
from codegen.grammar.base import base_grammar
from codegen.grammar.lint import accepts
from codegen.validate import validate


def _program(names: list[str]) -> str:
    decl = "real(8) :: " + ", ".join(f"{n}(10)" for n in names)
    return f"program main\nimplicit none\n{decl}\n{names[0]} = 1.0d0\nprint *, '{'x, ' * 30}', {names[0]}(1)\nend program main"


def test_a_long_declaration_is_folded_and_compiles() -> None:
    code = _program([f"array_number_{i}" for i in range(12)])
    assert validate("fortran", code).errors  # gfortran: line truncated
    folded = wrap_long_lines(code)
    assert all(len(line) <= LIMIT for line in folded.splitlines())
    assert validate("fortran", folded).ok
    assert "'x, x, " in folded  # the string literal with commas is left whole


def test_short_code_and_comments_are_unchanged() -> None:
    code = "program p\n! " + "c" * 200 + "\nend program p"
    assert wrap_long_lines(code) == code


@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True), min_size=1, max_size=40, unique=True))
def test_folding_only_adds_continuations(names: list[str]) -> None:
    line = "  call foo(" + ", ".join(names) + ")"
    folded = wrap_long_lines(line)
    assert all(len(part) <= LIMIT for part in folded.splitlines())
    assert "".join(p.rstrip(" &").strip() for p in folded.splitlines()).replace(" ", "") == line.replace(
        " ", ""
    )


F77 = """c     a comment line
      SUBROUTINE SCAL(N, DA, DX, KY)
      INTEGER
     &   N, KY
      DOUBLE PRECISION DA, DX(KY
     *1), PI
      DATA PI / 3.1415926535 8979323846 D0 /
      IF (N. LT. 0) RETURN                 ! a trailing comment
      DO 10 I = 1, N
   10 DX(I) = DA*DX(I)
      PRINT *, 'A. LT. B 1. 2'
  330 END
"""


def test_fixed_form_continuations_and_blanks_inside_lexemes() -> None:
    free = fixed_to_free(F77)
    assert free.splitlines() == [
        "SUBROUTINE SCAL(N, DA, DX, KY)",
        "INTEGER N, KY",  # a type alone on its line, names on the continuation
        "DOUBLE PRECISION DA, DX(KY1), PI",  # a name continued with digits
        "DATA PI / 3.14159265358979323846D0 /",
        "IF (N.LT. 0) RETURN                 ! a trailing comment",
        "DO 10 I = 1, N",
        "10 DX(I) = DA*DX(I)",
        "PRINT *, 'A. LT. B 1. 2'",  # string literals keep their blanks
        "330 END",
    ]
    assert accepts(base_grammar("fortran"), free)


def test_a_continuation_after_a_trailing_comment_continues_the_code() -> None:
    free = fixed_to_free("      X = A +   ! note\n     &    B\n")
    assert free == "X = A + B\n"


def test_units_run_to_their_own_end() -> None:
    free = """module m
contains
subroutine outer(x)
  real :: x
  interface
    function f(y) result(z)
      real :: y, z
    end function f
  end interface
  call inner()
contains
  subroutine inner()
  end subroutine inner
end subroutine outer
real(8) function g(n)
  g = n
end
end module m
"""
    units = fortran_units(free)
    assert [u.splitlines()[0] for u in units] == ["subroutine outer(x)", "real(8) function g(n)"]
    assert units[0].endswith("end subroutine outer\n")
    assert fortran_units(fixed_to_free(F77))[0].endswith("330 END\n")  # a labelled END
