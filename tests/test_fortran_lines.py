"""Folding long Fortran lines keeps the program and makes gfortran accept it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from codegen.fortran_lines import LIMIT, wrap_long_lines
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
