"""Building and running Fortran with the tools the code needs: BLAS/LAPACK, OpenMP, MPI (real tools)."""

from __future__ import annotations

import shutil

import pytest

from codegen.evaluation.metrics.fortran import ExecTest, fortran_example, same_output
from codegen.validate import validate
from codegen.validate.fortran_build import plan_build

needs_gfortran = pytest.mark.skipif(shutil.which("gfortran") is None, reason="needs gfortran")
needs_mpi = pytest.mark.skipif(
    shutil.which("mpif90") is None or shutil.which("mpirun") is None, reason="needs Open MPI"
)

DDOT = """\
program p
  implicit none
  double precision :: x(3), y(3)
  double precision, external :: ddot
  read *, x, y
  print *, ddot(3, x, 1, y, 1)
end program p
"""

DGESV = """\
program p
  implicit none
  integer :: n, info, ipiv(2)
  double precision :: a(2,2), b(2)
  n = 2
  read *, a(1,:), a(2,:), b
  call dgesv(n, 1, a, n, ipiv, b, n, info)
  print *, b
end program p
"""

OMP_SUM = """\
program p
  use omp_lib
  implicit none
  integer :: i, n
  double precision :: s
  read *, n
  s = 0
  !$omp parallel do reduction(+:s)
  do i = 1, n
    s = s + i
  end do
  !$omp end parallel do
  print *, s
end program p
"""

MPI_SUM = """\
program p
  use mpi
  implicit none
  integer :: ierr, rank, nproc, x, total
  call mpi_init(ierr)
  call mpi_comm_rank(mpi_comm_world, rank, ierr)
  call mpi_comm_size(mpi_comm_world, nproc, ierr)
  if (rank == 0) read *, x
  call mpi_bcast(x, 1, mpi_integer, 0, mpi_comm_world, ierr)
  call mpi_allreduce(x + rank, total, 1, mpi_integer, mpi_sum, mpi_comm_world, ierr)
  if (rank == 0) print *, total, nproc
  call mpi_finalize(ierr)
end program p
"""


def test_the_build_follows_what_the_code_uses() -> None:
    assert plan_build(DGESV).linalg and not plan_build(DGESV).mpi
    assert plan_build(DDOT).linalg  # a level-1 BLAS function, not a `call`
    assert plan_build(OMP_SUM).openmp and not plan_build(OMP_SUM).linalg
    assert plan_build(MPI_SUM).mpi and not plan_build(MPI_SUM).linalg
    # a comment naming a routine chooses nothing; a subroutine alone is compiled, not linked
    assert not plan_build("program p\n  ! call dgemm later\nend program p\n").linalg
    library = plan_build("subroutine s(x)\n  real, intent(inout) :: x\n  x = 1\nend subroutine s\n")
    assert not library.link and "-c" in library.compile_argv("s.f90")
    # a routine the code defines itself is not looked for in LAPACK
    own = "program p\n  call dscal2()\ncontains\n  subroutine dscal2()\n  end subroutine dscal2\nend program p\n"
    assert not plan_build(own).linalg


@needs_gfortran
def test_the_validator_links_and_reports_undefined_routines() -> None:
    assert validate("fortran", DGESV).ok
    misspelt = validate("fortran", DGESV.replace("dgesv(", "dgesvv("))
    assert not misspelt.ok
    assert any("undefined reference" in d.message and "dgesvv" in d.message for d in misspelt.errors)


@needs_gfortran
def test_blas_lapack_and_openmp_programs_run_against_their_tests() -> None:
    assert fortran_example(DDOT, [ExecTest("1 2 3\n4 5 6\n", "32.0\n")]).passed
    # 2x + y = 3, x + 3y = 5 -> x = 0.8, y = 1.4
    assert fortran_example(DGESV, [ExecTest("2 1\n1 3\n3 5\n", "0.8 1.4\n")]).passed
    assert fortran_example(OMP_SUM, [ExecTest("100\n", "5050\n")]).passed


@needs_mpi
def test_mpi_programs_run_on_two_ranks() -> None:
    result = fortran_example(MPI_SUM, [ExecTest("5\n", "11 2\n")])
    assert result.compile_ok and result.passed


def test_numbers_compare_with_a_tolerance_other_words_exactly() -> None:
    assert same_output("   0.80000000000000004   1.3999999999999999\n", "0.8 1.4")
    assert same_output("5.0000E-01 2.5D+00", "0.5 2.5")
    assert same_output(" (1.000000,2.000000)", "(1.0, 2.0)")
    assert same_output("  1.0000000000000000E-017", "0")
    assert not same_output("0.80001", "0.8")
    assert same_output(" T F", "T F")
    assert not same_output("T", "F")
    assert not same_output("T", ".true.")  # Fortran prints logicals as T/F; a test must say so
    assert not same_output("1 2", "1 2 3")
