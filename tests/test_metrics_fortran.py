"""Fortran metrics with the real gfortran: syntax check, full compile, execution against tests."""

from __future__ import annotations

import shutil

import pytest

from codegen.evaluation.metrics.fortran import ExecTest, fortran_example, fortran_scores, same_output

pytestmark = pytest.mark.skipif(shutil.which("gfortran") is None, reason="needs gfortran")

DOUBLE = """\
program double
  implicit none
  integer :: n
  read *, n
  print *, 2 * n
end program double
"""


def test_a_program_that_passes_its_tests() -> None:
    tests = [ExecTest("21\n", "42\n"), ExecTest("-4", "  -8")]
    result = fortran_example(DOUBLE, tests)
    assert (result.syntax_ok, result.compile_ok, result.tests_passed, result.passed) == (True, True, 2, True)


def test_one_failing_test_fails_the_task() -> None:
    result = fortran_example(DOUBLE, [ExecTest("1", "2"), ExecTest("1", "3")])
    assert (result.tests_passed, result.passed) == (1, False)


def test_a_fragment_is_wrapped_in_a_program() -> None:
    result = fortran_example("integer :: x\nx = 6 * 7\nprint *, x", [ExecTest("", "42")])
    assert result.passed


def test_syntax_errors_and_link_errors() -> None:
    broken = fortran_example("program p\n  x = = 1\nend program p\n", [])
    assert (broken.syntax_ok, broken.compile_ok, broken.passed) == (False, False, None)
    unlinked = fortran_example("program p\n  call no_such_routine_anywhere(1)\nend program p\n", [])
    assert unlinked.syntax_ok and not unlinked.compile_ok


def test_a_program_that_never_ends_is_stopped() -> None:
    forever = "program p\n  integer :: i\n  i = 0\n  do while (i >= 0)\n    i = mod(i + 1, 7)\n  end do\nend program p\n"
    result = fortran_example(forever, [ExecTest("", "")], run_seconds=1)
    assert result.compile_ok and result.passed is False


def test_a_crash_fails_its_test() -> None:
    result = fortran_example(
        "program p\n  print *, 'partial'\n  error stop 2\nend program p\n", [ExecTest("", "partial")]
    )
    assert result.compile_ok and result.passed is False


def test_empty_prediction_fails() -> None:
    result = fortran_example("   ", [ExecTest("", "")])
    assert (result.syntax_ok, result.compile_ok, result.passed) == (False, False, False)


def test_output_comparison_ignores_whitespace_only() -> None:
    assert same_output("   42\n\n", "42")
    assert same_output("1 2\n3", "1\n2 3")
    assert not same_output("1 2", "12")


def test_pass_at_1_counts_only_tasks_with_tests() -> None:
    with_tests = fortran_example(DOUBLE, [ExecTest("1", "2")])
    without = fortran_example(DOUBLE, [])
    scores = fortran_scores([with_tests, without])
    assert (scores.pass_at_1, scores.tasks_with_tests, scores.compile_rate) == (1.0, 1, 1.0)
    assert fortran_scores([without]).pass_at_1 is None
