"""The HPC Fortran task set: requests an HPC user makes, each answered by a BLAS/LAPACK routine, an
OpenMP construct, MPI calls or an array intrinsic, with a reference solution and stdin/stdout tests.

Written for dslgen (issue 18), not taken from the indexed documentation. Each task's expected outputs
come from a NumPy oracle here, independent of the Fortran reference, and `scripts/check_hpc_tasks.py`
checks that every reference compiles, links and passes them.

    python benchmarks/hpc/tasks.py   # writes benchmarks/data/hpc_tasks.jsonl and the hpc splits

Conventions, as in the requests: a matrix is read row by row after its dimensions; results are
printed with list-directed output (matrices row by row); MPI programs read on rank 0 and print on
rank 0 only, and are run on 2 processes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "benchmarks" / "data" / "hpc_tasks.jsonl"
SPLITS = REPO / "benchmarks" / "splits"
SALT = "dslgen-hpc-split-v1"


@dataclass(frozen=True)
class Task:
    id: str
    category: str  # blas1, blas2, blas3, lapack, openmp, mpi, intrinsic
    expects: tuple[str, ...]  # routines/constructs the code must use (all of them)
    nl: str
    code: str
    inputs: tuple[str, ...]
    oracle: Callable[[str], str]


def nums(text: str) -> list[float]:
    return [float(w) for w in text.split()]


def fmt(*values: object) -> str:
    words = []
    for v in values:
        for x in np.ravel(np.asarray(v)):
            if isinstance(x, (bool, np.bool_)):
                words.append("T" if x else "F")
            elif isinstance(x, (int, np.integer)):
                words.append(str(int(x)))
            else:
                words.append(f"{float(x):.12g}")
    return " ".join(words) + "\n"


def vec(text: str) -> tuple[int, np.ndarray, list[float]]:
    """`n` then n numbers; the rest of the input."""
    w = nums(text)
    n = int(w[0])
    return n, np.array(w[1 : 1 + n]), w[1 + n :]


def mat(words: list[float], m: int, n: int) -> tuple[np.ndarray, list[float]]:
    return np.array(words[: m * n]).reshape(m, n), words[m * n :]


TASKS: list[Task] = []


def add(category: str, expects: tuple[str, ...], nl: str, inputs: tuple[str, ...], oracle, code: str) -> None:
    TASKS.append(Task(f"hpc/{len(TASKS) + 1:03d}", category, expects, nl, code, inputs, oracle))


# ---------------------------------------------------------------- BLAS level 1


def _ddot(t: str) -> str:
    n, x, rest = vec(t)
    return fmt(x @ np.array(rest[:n]))


add(
    "blas1",
    ("ddot",),
    "Read n and two double precision vectors x and y of length n, and print their dot product computed with BLAS ddot.",
    ("3\n1 2 3\n4 5 6\n", "4\n0.5 -1 2 3\n2 2 2 2\n", "1\n-7\n3\n"),
    _ddot,
    """\
program dot
  implicit none
  integer :: n
  double precision, allocatable :: x(:), y(:)
  double precision, external :: ddot
  read *, n
  allocate(x(n), y(n))
  read *, x
  read *, y
  print *, ddot(n, x, 1, y, 1)
end program dot
""",
)


def _daxpy(t: str) -> str:
    w = nums(t)
    n, a = int(w[0]), w[1]
    x, y = np.array(w[2 : 2 + n]), np.array(w[2 + n : 2 + 2 * n])
    return fmt(a * x + y)


add(
    "blas1",
    ("daxpy",),
    "Read n, a scalar a and two vectors x and y of length n; update y = a*x + y with daxpy and print y.",
    ("3\n2.0\n1 2 3\n1 1 1\n", "2\n-0.5\n4 8\n1 2\n"),
    _daxpy,
    """\
program axpy
  implicit none
  integer :: n
  double precision :: a
  double precision, allocatable :: x(:), y(:)
  read *, n
  read *, a
  allocate(x(n), y(n))
  read *, x
  read *, y
  call daxpy(n, a, x, 1, y, 1)
  print *, y
end program axpy
""",
)


def _dscal(t: str) -> str:
    w = nums(t)
    n = int(w[0])
    return fmt(w[1] * np.array(w[2 : 2 + n]))


add(
    "blas1",
    ("dscal",),
    "Scale a vector in place with BLAS dscal: read n, the factor alpha and the n elements of x, then print alpha*x.",
    ("4\n3\n1 2 3 4\n", "2\n-0.25\n8 -4\n"),
    _dscal,
    """\
program scale
  implicit none
  integer :: n
  double precision :: alpha
  double precision, allocatable :: x(:)
  read *, n
  read *, alpha
  allocate(x(n))
  read *, x
  call dscal(n, alpha, x, 1)
  print *, x
end program scale
""",
)


def _dnrm2(t: str) -> str:
    return fmt(np.linalg.norm(vec(t)[1]))


add(
    "blas1",
    ("dnrm2",),
    "Compute the Euclidean norm of a double precision vector with dnrm2 (input: n, then the n values).",
    ("2\n3 4\n", "3\n1 2 2\n", "4\n-1 1 -1 1\n"),
    _dnrm2,
    """\
program norm
  implicit none
  integer :: n
  double precision, allocatable :: x(:)
  double precision, external :: dnrm2
  read *, n
  allocate(x(n))
  read *, x
  print *, dnrm2(n, x, 1)
end program norm
""",
)


def _dasum(t: str) -> str:
    return fmt(np.abs(vec(t)[1]).sum())


add(
    "blas1",
    ("dasum",),
    "Print the sum of absolute values of n numbers read from standard input, using the BLAS function dasum.",
    ("3\n-1 2 -3\n", "2\n0.5 -0.25\n"),
    _dasum,
    """\
program asum
  implicit none
  integer :: n
  double precision, allocatable :: x(:)
  double precision, external :: dasum
  read *, n
  allocate(x(n))
  read *, x
  print *, dasum(n, x, 1)
end program asum
""",
)


def _idamax(t: str) -> str:
    return fmt(int(np.argmax(np.abs(vec(t)[1]))) + 1)


add(
    "blas1",
    ("idamax",),
    "Find the 1-based position of the element of largest absolute value in a vector with idamax; read n and the values.",
    ("4\n1 -7 3 5\n", "3\n2 1 0\n", "5\n0 0 0 0 -0.5\n"),
    _idamax,
    """\
program amax
  implicit none
  integer :: n
  double precision, allocatable :: x(:)
  integer, external :: idamax
  read *, n
  allocate(x(n))
  read *, x
  print *, idamax(n, x, 1)
end program amax
""",
)


def _dswap(t: str) -> str:
    n, x, rest = vec(t)
    return fmt(np.array(rest[:n])) + fmt(x)


add(
    "blas1",
    ("dswap",),
    "Read n and two vectors x and y, exchange them with BLAS dswap, then print x on one line and y on the next.",
    ("3\n1 2 3\n4 5 6\n", "1\n-1\n1\n"),
    _dswap,
    """\
program swap
  implicit none
  integer :: n
  double precision, allocatable :: x(:), y(:)
  read *, n
  allocate(x(n), y(n))
  read *, x
  read *, y
  call dswap(n, x, 1, y, 1)
  print *, x
  print *, y
end program swap
""",
)


def _drot(t: str) -> str:
    w = nums(t)
    n, c, s = int(w[0]), w[1], w[2]
    x, y = np.array(w[3 : 3 + n]), np.array(w[3 + n : 3 + 2 * n])
    return fmt(c * x + s * y) + fmt(c * y - s * x)


add(
    "blas1",
    ("drot",),
    "Apply a plane (Givens) rotation with drot: read n, c and s, then vectors x and y; print the rotated x and y, one per line.",
    ("2\n0.6 0.8\n1 0\n0 1\n", "3\n0 1\n1 2 3\n4 5 6\n"),
    _drot,
    """\
program rot
  implicit none
  integer :: n
  double precision :: c, s
  double precision, allocatable :: x(:), y(:)
  read *, n
  read *, c, s
  allocate(x(n), y(n))
  read *, x
  read *, y
  call drot(n, x, 1, y, 1, c, s)
  print *, x
  print *, y
end program rot
""",
)


# ---------------------------------------------------------------- BLAS level 2


def _dgemv(t: str) -> str:
    w = nums(t)
    m, n = int(w[0]), int(w[1])
    a, rest = mat(w[2:], m, n)
    return fmt(a @ np.array(rest[:n]))


add(
    "blas2",
    ("dgemv",),
    "Matrix-vector product with BLAS dgemv: read m and n, an m by n matrix A row by row, and a vector x of length n; print y = A*x.",
    ("2 3\n1 2 3\n4 5 6\n1 1 1\n", "2 2\n2 0\n0 3\n-1 2\n"),
    _dgemv,
    """\
program matvec
  implicit none
  integer :: m, n, i
  double precision, allocatable :: a(:,:), x(:), y(:)
  read *, m, n
  allocate(a(m,n), x(n), y(m))
  do i = 1, m
    read *, a(i,:)
  end do
  read *, x
  call dgemv('N', m, n, 1.0d0, a, m, x, 1, 0.0d0, y, 1)
  print *, y
end program matvec
""",
)


def _dgemv_t(t: str) -> str:
    w = nums(t)
    m, n = int(w[0]), int(w[1])
    a, rest = mat(w[2:], m, n)
    return fmt(a.T @ np.array(rest[:m]))


add(
    "blas2",
    ("dgemv",),
    "Using dgemv with the transpose option, read m, n, an m x n matrix A (row by row) and a vector x of length m, and print A^T x.",
    ("2 3\n1 2 3\n4 5 6\n1 1\n", "3 2\n1 0\n0 1\n1 1\n2 3 4\n"),
    _dgemv_t,
    """\
program matvec_t
  implicit none
  integer :: m, n, i
  double precision, allocatable :: a(:,:), x(:), y(:)
  read *, m, n
  allocate(a(m,n), x(m), y(n))
  do i = 1, m
    read *, a(i,:)
  end do
  read *, x
  call dgemv('T', m, n, 1.0d0, a, m, x, 1, 0.0d0, y, 1)
  print *, y
end program matvec_t
""",
)


def _dger(t: str) -> str:
    w = nums(t)
    m, n, alpha = int(w[0]), int(w[1]), w[2]
    a, rest = mat(w[3:], m, n)
    x, y = np.array(rest[:m]), np.array(rest[m : m + n])
    return "".join(fmt(row) for row in a + alpha * np.outer(x, y))


add(
    "blas2",
    ("dger",),
    "Rank-one update A := A + alpha*x*y^T with BLAS dger. Input: m n, alpha, the m x n matrix A by rows, x (length m), y (length n). Print A row by row.",
    ("2 2\n1.0\n1 0\n0 1\n1 2\n3 4\n", "2 3\n0.5\n0 0 0\n1 1 1\n2 -2\n1 2 3\n"),
    _dger,
    """\
program rank1
  implicit none
  integer :: m, n, i
  double precision :: alpha
  double precision, allocatable :: a(:,:), x(:), y(:)
  read *, m, n
  read *, alpha
  allocate(a(m,n), x(m), y(n))
  do i = 1, m
    read *, a(i,:)
  end do
  read *, x
  read *, y
  call dger(m, n, alpha, x, 1, y, 1, a, m)
  do i = 1, m
    print *, a(i,:)
  end do
end program rank1
""",
)


def _dtrsv(t: str) -> str:
    w = nums(t)
    n = int(w[0])
    a, rest = mat(w[1:], n, n)
    return fmt(np.linalg.solve(np.tril(a), np.array(rest[:n])))


add(
    "blas2",
    ("dtrsv",),
    "Solve the lower triangular system L x = b with dtrsv: read n, the n x n matrix L row by row (zeros above the diagonal) and b; print x.",
    ("2\n2 0\n1 4\n2 9\n", "3\n1 0 0\n2 1 0\n3 2 1\n1 2 3\n"),
    _dtrsv,
    """\
program trisolve
  implicit none
  integer :: n, i
  double precision, allocatable :: l(:,:), b(:)
  read *, n
  allocate(l(n,n), b(n))
  do i = 1, n
    read *, l(i,:)
  end do
  read *, b
  call dtrsv('L', 'N', 'N', n, l, n, b, 1)
  print *, b
end program trisolve
""",
)


def _dsymv(t: str) -> str:
    w = nums(t)
    n = int(w[0])
    a, rest = mat(w[1:], n, n)
    return fmt(a @ np.array(rest[:n]))


add(
    "blas2",
    ("dsymv",),
    "Multiply a symmetric matrix by a vector with dsymv (upper triangle): read n, the full symmetric n x n matrix by rows, and x; print A*x.",
    ("2\n2 1\n1 3\n1 1\n", "3\n1 2 3\n2 4 5\n3 5 6\n1 0 -1\n"),
    _dsymv,
    """\
program symv
  implicit none
  integer :: n, i
  double precision, allocatable :: a(:,:), x(:), y(:)
  read *, n
  allocate(a(n,n), x(n), y(n))
  do i = 1, n
    read *, a(i,:)
  end do
  read *, x
  call dsymv('U', n, 1.0d0, a, n, x, 1, 0.0d0, y, 1)
  print *, y
end program symv
""",
)


def _dtrmv(t: str) -> str:
    w = nums(t)
    n = int(w[0])
    a, rest = mat(w[1:], n, n)
    return fmt(np.triu(a) @ np.array(rest[:n]))


add(
    "blas2",
    ("dtrmv",),
    "Compute x := U*x for an upper triangular matrix U with BLAS dtrmv; input n, U by rows, then x. Print the new x.",
    ("2\n1 2\n0 3\n1 1\n", "3\n1 1 1\n0 2 2\n0 0 3\n1 2 3\n"),
    _dtrmv,
    """\
program trmv
  implicit none
  integer :: n, i
  double precision, allocatable :: u(:,:), x(:)
  read *, n
  allocate(u(n,n), x(n))
  do i = 1, n
    read *, u(i,:)
  end do
  read *, x
  call dtrmv('U', 'N', 'N', n, u, n, x, 1)
  print *, x
end program trmv
""",
)


# ---------------------------------------------------------------- BLAS level 3


def _square_mats(t: str, count: int) -> tuple[int, list[np.ndarray], list[float]]:
    w = nums(t)
    n = int(w[0])
    rest, out = w[1:], []
    for _ in range(count):
        a, rest = mat(rest, n, n)
        out.append(a)
    return n, out, rest


def rows(a: np.ndarray) -> str:
    return "".join(fmt(r) for r in a)


def _dgemm(t: str) -> str:
    w = nums(t)
    m, k, n = (int(v) for v in w[:3])
    a, rest = mat(w[3:], m, k)
    b, _ = mat(rest, k, n)
    return rows(a @ b)


add(
    "blas3",
    ("dgemm",),
    "Multiply two double precision matrices with BLAS dgemm: read m, k, n, then A (m x k) and B (k x n) row by row, and print C = A*B row by row.",
    ("2 2 2\n1 2\n3 4\n5 6\n7 8\n", "2 3 1\n1 0 2\n0 1 1\n1\n2\n3\n", "1 2 2\n1 1\n2 0\n0 3\n"),
    _dgemm,
    """\
program matmul_blas
  implicit none
  integer :: m, k, n, i
  double precision, allocatable :: a(:,:), b(:,:), c(:,:)
  read *, m, k, n
  allocate(a(m,k), b(k,n), c(m,n))
  do i = 1, m
    read *, a(i,:)
  end do
  do i = 1, k
    read *, b(i,:)
  end do
  call dgemm('N', 'N', m, n, k, 1.0d0, a, m, b, k, 0.0d0, c, m)
  do i = 1, m
    print *, c(i,:)
  end do
end program matmul_blas
""",
)


def _dgemm_ab(t: str) -> str:
    w = nums(t)
    n, alpha, beta = int(w[0]), w[1], w[2]
    a, rest = mat(w[3:], n, n)
    b, rest = mat(rest, n, n)
    c, _ = mat(rest, n, n)
    return rows(alpha * a @ b + beta * c)


add(
    "blas3",
    ("dgemm",),
    "General matrix update C := alpha*A*B + beta*C with dgemm for square n x n matrices. Input: n, alpha, beta, then A, B and C by rows. Output C by rows.",
    ("2\n2.0 1.0\n1 0\n0 1\n1 2\n3 4\n1 1\n1 1\n", "2\n1.0 -1.0\n1 2\n3 4\n1 0\n0 1\n1 2\n3 4\n"),
    _dgemm_ab,
    """\
program gemm_update
  implicit none
  integer :: n, i
  double precision :: alpha, beta
  double precision, allocatable :: a(:,:), b(:,:), c(:,:)
  read *, n
  read *, alpha, beta
  allocate(a(n,n), b(n,n), c(n,n))
  do i = 1, n
    read *, a(i,:)
  end do
  do i = 1, n
    read *, b(i,:)
  end do
  do i = 1, n
    read *, c(i,:)
  end do
  call dgemm('N', 'N', n, n, n, alpha, a, n, b, n, beta, c, n)
  do i = 1, n
    print *, c(i,:)
  end do
end program gemm_update
""",
)


def _dgemm_t(t: str) -> str:
    _, (a, b), _ = _square_mats(t, 2)
    return rows(a.T @ b)


add(
    "blas3",
    ("dgemm",),
    "Compute the product of the transpose of A with B, C = A^T B, using dgemm's transpose argument (no explicit transpose). Read n, then the n x n matrices A and B by rows; print C by rows.",
    ("2\n1 2\n3 4\n1 0\n0 1\n", "2\n1 1\n0 1\n2 3\n4 5\n"),
    _dgemm_t,
    """\
program gemm_t
  implicit none
  integer :: n, i
  double precision, allocatable :: a(:,:), b(:,:), c(:,:)
  read *, n
  allocate(a(n,n), b(n,n), c(n,n))
  do i = 1, n
    read *, a(i,:)
  end do
  do i = 1, n
    read *, b(i,:)
  end do
  call dgemm('T', 'N', n, n, n, 1.0d0, a, n, b, n, 0.0d0, c, n)
  do i = 1, n
    print *, c(i,:)
  end do
end program gemm_t
""",
)


def _dsyrk(t: str) -> str:
    w = nums(t)
    n, k = int(w[0]), int(w[1])
    a, _ = mat(w[2:], n, k)
    return rows(a @ a.T)


add(
    "blas3",
    ("dsyrk",),
    "Form the Gram matrix C = A*A^T of an n x k matrix with the symmetric rank-k update dsyrk (upper triangle), then print the full symmetric C row by row. Input: n k, then A by rows.",
    ("2 3\n1 2 3\n4 5 6\n", "3 1\n1\n2\n3\n"),
    _dsyrk,
    """\
program gram
  implicit none
  integer :: n, k, i, j
  double precision, allocatable :: a(:,:), c(:,:)
  read *, n, k
  allocate(a(n,k), c(n,n))
  do i = 1, n
    read *, a(i,:)
  end do
  c = 0.0d0
  call dsyrk('U', 'N', n, k, 1.0d0, a, n, 0.0d0, c, n)
  do j = 1, n
    do i = j + 1, n
      c(i,j) = c(j,i)
    end do
  end do
  do i = 1, n
    print *, c(i,:)
  end do
end program gram
""",
)


def _dtrsm(t: str) -> str:
    w = nums(t)
    n, m = int(w[0]), int(w[1])
    a, rest = mat(w[2:], n, n)
    b, _ = mat(rest, n, m)
    return rows(np.linalg.solve(np.tril(a), b))


add(
    "blas3",
    ("dtrsm",),
    "Solve L X = B for X with BLAS dtrsm, L lower triangular n x n, B n x m. Input: n m, L by rows, B by rows. Print X by rows.",
    ("2 2\n2 0\n1 1\n2 4\n3 5\n", "3 1\n1 0 0\n1 1 0\n1 1 1\n1\n2\n3\n"),
    _dtrsm,
    """\
program trsm
  implicit none
  integer :: n, m, i
  double precision, allocatable :: l(:,:), b(:,:)
  read *, n, m
  allocate(l(n,n), b(n,m))
  do i = 1, n
    read *, l(i,:)
  end do
  do i = 1, n
    read *, b(i,:)
  end do
  call dtrsm('L', 'L', 'N', 'N', n, m, 1.0d0, l, n, b, n)
  do i = 1, n
    print *, b(i,:)
  end do
end program trsm
""",
)


def _dtrmm(t: str) -> str:
    w = nums(t)
    n, m = int(w[0]), int(w[1])
    a, rest = mat(w[2:], n, n)
    b, _ = mat(rest, n, m)
    return rows(np.triu(a) @ b)


add(
    "blas3",
    ("dtrmm",),
    "Multiply an upper triangular n x n matrix U into an n x m matrix B in place, B := U*B, with dtrmm. Input: n m, U by rows, B by rows; print B by rows.",
    ("2 2\n1 2\n0 3\n1 0\n0 1\n", "2 1\n2 1\n0 4\n1\n1\n"),
    _dtrmm,
    """\
program trmm
  implicit none
  integer :: n, m, i
  double precision, allocatable :: u(:,:), b(:,:)
  read *, n, m
  allocate(u(n,n), b(n,m))
  do i = 1, n
    read *, u(i,:)
  end do
  do i = 1, n
    read *, b(i,:)
  end do
  call dtrmm('L', 'U', 'N', 'N', n, m, 1.0d0, u, n, b, n)
  do i = 1, n
    print *, b(i,:)
  end do
end program trmm
""",
)


# ---------------------------------------------------------------- LAPACK


def _system(t: str) -> tuple[np.ndarray, np.ndarray]:
    n, (a,), rest = _square_mats(t, 1)
    return a, np.array(rest[:n])


def _dgesv(t: str) -> str:
    a, b = _system(t)
    return fmt(np.linalg.solve(a, b))


add(
    "lapack",
    ("dgesv",),
    "Solve a dense linear system A x = b with LAPACK dgesv: read n, the n x n matrix A row by row and the right-hand side b, and print x.",
    ("2\n2 1\n1 3\n3 5\n", "3\n4 -2 1\n-2 4 -2\n1 -2 4\n11 -16 17\n", "1\n4\n2\n"),
    _dgesv,
    """\
program solve
  implicit none
  integer :: n, i, info
  integer, allocatable :: ipiv(:)
  double precision, allocatable :: a(:,:), b(:)
  read *, n
  allocate(a(n,n), b(n), ipiv(n))
  do i = 1, n
    read *, a(i,:)
  end do
  read *, b
  call dgesv(n, 1, a, n, ipiv, b, n, info)
  print *, b
end program solve
""",
)


def _dgesv_multi(t: str) -> str:
    w = nums(t)
    n, nrhs = int(w[0]), int(w[1])
    a, rest = mat(w[2:], n, n)
    b, _ = mat(rest, n, nrhs)
    return rows(np.linalg.solve(a, b))


add(
    "lapack",
    ("dgesv",),
    "Solve A X = B for several right-hand sides at once with dgesv. Input: n and nrhs, A (n x n) by rows, B (n x nrhs) by rows. Print X by rows.",
    ("2 2\n1 1\n1 -1\n2 3\n0 1\n", "2 1\n3 1\n1 2\n9\n8\n"),
    _dgesv_multi,
    """\
program solve_many
  implicit none
  integer :: n, nrhs, i, info
  integer, allocatable :: ipiv(:)
  double precision, allocatable :: a(:,:), b(:,:)
  read *, n, nrhs
  allocate(a(n,n), b(n,nrhs), ipiv(n))
  do i = 1, n
    read *, a(i,:)
  end do
  do i = 1, n
    read *, b(i,:)
  end do
  call dgesv(n, nrhs, a, n, ipiv, b, n, info)
  do i = 1, n
    print *, b(i,:)
  end do
end program solve_many
""",
)


def _det(t: str) -> str:
    _, (a,), _ = _square_mats(t, 1)
    return fmt(np.linalg.det(a))


add(
    "lapack",
    ("dgetrf",),
    "Compute the determinant of an n x n matrix from its LU factorisation (dgetrf): product of the diagonal of U, with the sign flipped for each row interchange. Input n and the matrix by rows.",
    ("2\n1 2\n3 4\n", "3\n2 0 1\n1 3 2\n1 1 1\n", "2\n0 1\n1 0\n"),
    _det,
    """\
program determinant
  implicit none
  integer :: n, i, info
  integer, allocatable :: ipiv(:)
  double precision, allocatable :: a(:,:)
  double precision :: det
  read *, n
  allocate(a(n,n), ipiv(n))
  do i = 1, n
    read *, a(i,:)
  end do
  call dgetrf(n, n, a, n, ipiv, info)
  det = 1.0d0
  do i = 1, n
    det = det * a(i,i)
    if (ipiv(i) /= i) det = -det
  end do
  print *, det
end program determinant
""",
)


def _inverse(t: str) -> str:
    _, (a,), _ = _square_mats(t, 1)
    return rows(np.linalg.inv(a))


add(
    "lapack",
    ("dgetrf", "dgetri"),
    "Invert a square matrix with LAPACK: LU factorise with dgetrf, then dgetri. Read n and the matrix by rows, print the inverse by rows.",
    ("2\n4 7\n2 6\n", "3\n2 0 0\n0 4 0\n0 0 5\n"),
    _inverse,
    """\
program inverse
  implicit none
  integer :: n, i, info, lwork
  integer, allocatable :: ipiv(:)
  double precision, allocatable :: a(:,:), work(:)
  read *, n
  lwork = 64 * n
  allocate(a(n,n), ipiv(n), work(lwork))
  do i = 1, n
    read *, a(i,:)
  end do
  call dgetrf(n, n, a, n, ipiv, info)
  call dgetri(n, a, n, ipiv, work, lwork, info)
  do i = 1, n
    print *, a(i,:)
  end do
end program inverse
""",
)


def _cholesky(t: str) -> str:
    _, (a,), _ = _square_mats(t, 1)
    return rows(np.linalg.cholesky(a))


add(
    "lapack",
    ("dpotrf",),
    "Cholesky factorisation A = L L^T of a symmetric positive definite matrix with dpotrf. Read n and A by rows, print L by rows with zeros above the diagonal.",
    ("2\n4 2\n2 5\n", "3\n4 12 -16\n12 37 -43\n-16 -43 98\n"),
    _cholesky,
    """\
program cholesky
  implicit none
  integer :: n, i, j, info
  double precision, allocatable :: a(:,:)
  read *, n
  allocate(a(n,n))
  do i = 1, n
    read *, a(i,:)
  end do
  call dpotrf('L', n, a, n, info)
  do j = 2, n
    a(1:j-1, j) = 0.0d0
  end do
  do i = 1, n
    print *, a(i,:)
  end do
end program cholesky
""",
)


add(
    "lapack",
    ("dposv",),
    "Solve a symmetric positive definite system A x = b with dposv (Cholesky based). Input: n, A by rows, b. Print x.",
    ("2\n4 2\n2 3\n2 1\n", "3\n2 -1 0\n-1 2 -1\n0 -1 2\n1 0 1\n"),
    _dgesv,
    """\
program spd_solve
  implicit none
  integer :: n, i, info
  double precision, allocatable :: a(:,:), b(:)
  read *, n
  allocate(a(n,n), b(n))
  do i = 1, n
    read *, a(i,:)
  end do
  read *, b
  call dposv('U', n, 1, a, n, b, n, info)
  print *, b
end program spd_solve
""",
)


def _eigvals(t: str) -> str:
    _, (a,), _ = _square_mats(t, 1)
    return fmt(np.linalg.eigvalsh(a))


add(
    "lapack",
    ("dsyev",),
    "Eigenvalues of a real symmetric matrix with LAPACK dsyev: read n and the matrix by rows, print the eigenvalues in ascending order.",
    ("2\n2 1\n1 2\n", "3\n2 -1 0\n-1 2 -1\n0 -1 2\n", "2\n5 0\n0 -3\n"),
    _eigvals,
    """\
program eigen
  implicit none
  integer :: n, i, info, lwork
  double precision, allocatable :: a(:,:), w(:), work(:)
  read *, n
  lwork = max(1, 3 * n - 1)
  allocate(a(n,n), w(n), work(lwork))
  do i = 1, n
    read *, a(i,:)
  end do
  call dsyev('N', 'U', n, a, n, w, work, lwork, info)
  print *, w
end program eigen
""",
)


def _eig_desc(t: str) -> str:
    _, (a,), _ = _square_mats(t, 1)
    return fmt(np.linalg.eigvalsh(a)[::-1])


add(
    "lapack",
    ("dsyev",),
    "Find the eigenvalues of a symmetric matrix (dsyev) and print them from largest to smallest. Input: n, then the matrix row by row.",
    ("2\n1 2\n2 1\n", "3\n6 0 0\n0 2 1\n0 1 2\n"),
    _eig_desc,
    """\
program eigen_desc
  implicit none
  integer :: n, i, info, lwork
  double precision, allocatable :: a(:,:), w(:), work(:)
  read *, n
  lwork = max(1, 3 * n - 1)
  allocate(a(n,n), w(n), work(lwork))
  do i = 1, n
    read *, a(i,:)
  end do
  call dsyev('N', 'U', n, a, n, w, work, lwork, info)
  print *, w(n:1:-1)
end program eigen_desc
""",
)


def _lstsq(t: str) -> str:
    w = nums(t)
    m, n = int(w[0]), int(w[1])
    a, rest = mat(w[2:], m, n)
    return fmt(np.linalg.lstsq(a, np.array(rest[:m]), rcond=None)[0])


add(
    "lapack",
    ("dgels",),
    "Least-squares fit with LAPACK dgels: read m and n (m >= n), the m x n matrix A by rows and b of length m, and print the n coefficients x minimising ||A x - b||.",
    ("3 2\n1 1\n1 2\n1 3\n1 2 2\n", "4 2\n1 0\n1 1\n1 2\n1 3\n1 3 5 7\n"),
    _lstsq,
    """\
program lsq
  implicit none
  integer :: m, n, i, info, lwork
  double precision, allocatable :: a(:,:), b(:), work(:)
  read *, m, n
  lwork = 64 * (m + n)
  allocate(a(m,n), b(m), work(lwork))
  do i = 1, m
    read *, a(i,:)
  end do
  read *, b
  call dgels('N', m, n, 1, a, m, b, m, work, lwork, info)
  print *, b(1:n)
end program lsq
""",
)


def _svals(t: str) -> str:
    w = nums(t)
    m, n = int(w[0]), int(w[1])
    a, _ = mat(w[2:], m, n)
    return fmt(np.linalg.svd(a, compute_uv=False))


add(
    "lapack",
    ("dgesvd",),
    "Print the singular values of an m x n matrix (largest first) computed by LAPACK dgesvd without singular vectors. Input: m n and the matrix by rows.",
    ("2 2\n3 0\n0 4\n", "3 2\n1 0\n0 1\n1 1\n"),
    _svals,
    """\
program svals
  implicit none
  integer :: m, n, i, info, lwork
  double precision, allocatable :: a(:,:), s(:), work(:)
  double precision :: u(1,1), vt(1,1)
  read *, m, n
  lwork = 10 * (m + n)
  allocate(a(m,n), s(min(m,n)), work(lwork))
  do i = 1, m
    read *, a(i,:)
  end do
  call dgesvd('N', 'N', m, n, a, m, s, u, 1, vt, 1, work, lwork, info)
  print *, s
end program svals
""",
)


def _tridiag(t: str) -> str:
    w = nums(t)
    n = int(w[0])
    dl, d, du = w[1:n], w[n : 2 * n], w[2 * n : 3 * n - 1]
    b = w[3 * n - 1 : 4 * n - 1]
    a = np.diag(d) + np.diag(dl, -1) + np.diag(du, 1)
    return fmt(np.linalg.solve(a, np.array(b)))


add(
    "lapack",
    ("dgtsv",),
    "Solve a tridiagonal system with dgtsv. Input: n, the n-1 sub-diagonal entries, the n diagonal entries, the n-1 super-diagonal entries, then the right-hand side. Print the solution.",
    ("3\n-1 -1\n2 2 2\n-1 -1\n1 0 1\n", "2\n1\n4 3\n1\n5 4\n"),
    _tridiag,
    """\
program tridiagonal
  implicit none
  integer :: n, info
  double precision, allocatable :: dl(:), d(:), du(:), b(:)
  read *, n
  allocate(dl(n-1), d(n), du(n-1), b(n))
  read *, dl
  read *, d
  read *, du
  read *, b
  call dgtsv(n, 1, dl, d, du, b, n, info)
  print *, b
end program tridiagonal
""",
)


add(
    "lapack",
    ("dsysv",),
    "Solve a symmetric (possibly indefinite) linear system with dsysv: read n, the symmetric matrix by rows and b; print x.",
    ("2\n1 2\n2 1\n3 3\n", "3\n0 1 2\n1 0 3\n2 3 0\n3 4 5\n"),
    _dgesv,
    """\
program sym_solve
  implicit none
  integer :: n, i, info, lwork
  integer, allocatable :: ipiv(:)
  double precision, allocatable :: a(:,:), b(:), work(:)
  read *, n
  lwork = 64 * n
  allocate(a(n,n), b(n), ipiv(n), work(lwork))
  do i = 1, n
    read *, a(i,:)
  end do
  read *, b
  call dsysv('U', n, 1, a, n, ipiv, b, n, work, lwork, info)
  print *, b
end program sym_solve
""",
)


def _two_rhs(t: str) -> str:
    n, (a,), rest = _square_mats(t, 1)
    return fmt(np.linalg.solve(a, np.array(rest[:n]))) + fmt(np.linalg.solve(a, np.array(rest[n : 2 * n])))


add(
    "lapack",
    ("dgetrf", "dgetrs"),
    "Factorise A once with dgetrf and reuse the LU factors with dgetrs to solve for two right-hand sides read one after the other. Input: n, A by rows, b1, b2. Print x1 and x2 on separate lines.",
    ("2\n2 1\n1 3\n3 5\n1 0\n", "2\n1 0\n0 2\n1 1\n2 2\n"),
    _two_rhs,
    """\
program lu_reuse
  implicit none
  integer :: n, i, info
  integer, allocatable :: ipiv(:)
  double precision, allocatable :: a(:,:), b(:)
  read *, n
  allocate(a(n,n), b(n), ipiv(n))
  do i = 1, n
    read *, a(i,:)
  end do
  call dgetrf(n, n, a, n, ipiv, info)
  do i = 1, 2
    read *, b
    call dgetrs('N', n, 1, a, n, ipiv, b, n, info)
    print *, b
  end do
end program lu_reuse
""",
)


# ---------------------------------------------------------------- OpenMP


def _sum(t: str) -> str:
    return fmt(vec(t)[1].sum())


add(
    "openmp",
    ("omp parallel do", "omp reduction"),
    "Sum n double precision numbers read from standard input in parallel with an OpenMP parallel do and a reduction clause.",
    ("4\n1 2 3 4\n", "3\n0.5 0.25 -1\n"),
    _sum,
    """\
program omp_sum
  implicit none
  integer :: n, i
  double precision, allocatable :: x(:)
  double precision :: s
  read *, n
  allocate(x(n))
  read *, x
  s = 0.0d0
  !$omp parallel do reduction(+:s)
  do i = 1, n
    s = s + x(i)
  end do
  !$omp end parallel do
  print *, s
end program omp_sum
""",
)


def _max(t: str) -> str:
    return fmt(vec(t)[1].max())


add(
    "openmp",
    ("omp parallel do", "omp reduction"),
    "Find the maximum of n values with OpenMP, using a max reduction in a parallel loop. Input n and the values.",
    ("5\n3 9 -2 7 1\n", "2\n-5 -6\n"),
    _max,
    """\
program omp_max
  implicit none
  integer :: n, i
  double precision, allocatable :: x(:)
  double precision :: m
  read *, n
  allocate(x(n))
  read *, x
  m = -huge(m)
  !$omp parallel do reduction(max:m)
  do i = 1, n
    m = max(m, x(i))
  end do
  !$omp end parallel do
  print *, m
end program omp_max
""",
)


def _min(t: str) -> str:
    return fmt(vec(t)[1].min())


add(
    "openmp",
    ("omp parallel do", "omp reduction"),
    "Parallel minimum with OpenMP: read n numbers and print the smallest, computed with reduction(min:...).",
    ("4\n3 -1 2 8\n", "1\n42\n"),
    _min,
    """\
program omp_min
  implicit none
  integer :: n, i
  double precision, allocatable :: x(:)
  double precision :: m
  read *, n
  allocate(x(n))
  read *, x
  m = huge(m)
  !$omp parallel do reduction(min:m)
  do i = 1, n
    m = min(m, x(i))
  end do
  !$omp end parallel do
  print *, m
end program omp_min
""",
)


def _pi(t: str) -> str:
    n = int(t.split()[0])
    x = (np.arange(1, n + 1) - 0.5) / n
    return fmt((4.0 / (1.0 + x * x)).sum() / n)


add(
    "openmp",
    ("omp parallel do", "omp reduction"),
    "Approximate pi with the midpoint rule for the integral of 4/(1+x^2) on [0,1] using n intervals (n read from input), parallelised with OpenMP and a sum reduction.",
    ("1000\n", "10\n", "1\n"),
    _pi,
    """\
program omp_pi
  implicit none
  integer :: n, i
  double precision :: h, x, s
  read *, n
  h = 1.0d0 / n
  s = 0.0d0
  !$omp parallel do private(x) reduction(+:s)
  do i = 1, n
    x = (i - 0.5d0) * h
    s = s + 4.0d0 / (1.0d0 + x * x)
  end do
  !$omp end parallel do
  print *, s * h
end program omp_pi
""",
)


def _affine(t: str) -> str:
    return fmt(2 * vec(t)[1] + 1)


add(
    "openmp",
    ("omp parallel do",),
    "Apply y(i) = 2*x(i) + 1 to every element of an array with an OpenMP parallel do loop; read n and x, print y.",
    ("3\n1 2 3\n", "2\n-0.5 10\n"),
    _affine,
    """\
program omp_affine
  implicit none
  integer :: n, i
  double precision, allocatable :: x(:), y(:)
  read *, n
  allocate(x(n), y(n))
  read *, x
  !$omp parallel do
  do i = 1, n
    y(i) = 2.0d0 * x(i) + 1.0d0
  end do
  !$omp end parallel do
  print *, y
end program omp_affine
""",
)


add(
    "openmp",
    ("omp parallel do", "omp reduction"),
    "Dot product of two vectors with OpenMP: read n, x and y, and accumulate x(i)*y(i) in a parallel loop with a reduction.",
    ("3\n1 2 3\n4 5 6\n", "2\n1 -1\n1 1\n"),
    _ddot,
    """\
program omp_dot
  implicit none
  integer :: n, i
  double precision, allocatable :: x(:), y(:)
  double precision :: s
  read *, n
  allocate(x(n), y(n))
  read *, x
  read *, y
  s = 0.0d0
  !$omp parallel do reduction(+:s)
  do i = 1, n
    s = s + x(i) * y(i)
  end do
  !$omp end parallel do
  print *, s
end program omp_dot
""",
)


def _primes(t: str) -> str:
    n = int(t.split()[0])
    return fmt(sum(1 for k in range(2, n + 1) if all(k % d for d in range(2, int(k**0.5) + 1))))


add(
    "openmp",
    ("omp parallel do", "omp reduction"),
    "Count the prime numbers up to n (read from input) with an OpenMP parallel loop and an integer sum reduction.",
    ("10\n", "100\n", "2\n"),
    _primes,
    """\
program omp_primes
  implicit none
  integer :: n, k, d, count
  logical :: prime
  read *, n
  count = 0
  !$omp parallel do private(d, prime) reduction(+:count) schedule(dynamic)
  do k = 2, n
    prime = .true.
    do d = 2, int(sqrt(dble(k)))
      if (mod(k, d) == 0) then
        prime = .false.
        exit
      end if
    end do
    if (prime) count = count + 1
  end do
  !$omp end parallel do
  print *, count
end program omp_primes
""",
)


add(
    "openmp",
    ("omp parallel do", "omp private"),
    "Matrix-vector product parallelised over rows with OpenMP (the inner index and the row sum private). Input: m n, A by rows, x; print A*x.",
    ("2 3\n1 2 3\n4 5 6\n1 1 1\n", "2 2\n0 1\n1 0\n3 4\n"),
    _dgemv,
    """\
program omp_matvec
  implicit none
  integer :: m, n, i, j
  double precision, allocatable :: a(:,:), x(:), y(:)
  double precision :: s
  read *, m, n
  allocate(a(m,n), x(n), y(m))
  do i = 1, m
    read *, a(i,:)
  end do
  read *, x
  !$omp parallel do private(j, s)
  do i = 1, m
    s = 0.0d0
    do j = 1, n
      s = s + a(i,j) * x(j)
    end do
    y(i) = s
  end do
  !$omp end parallel do
  print *, y
end program omp_matvec
""",
)


def _squares(t: str) -> str:
    n = int(t.split()[0])
    return fmt(sum(k * k for k in range(1, n + 1)))


add(
    "openmp",
    ("omp parallel do", "omp reduction"),
    "Compute the sum of squares 1^2 + 2^2 + ... + n^2 as a 64-bit integer with an OpenMP reduction (n read from input).",
    ("3\n", "100000\n"),
    _squares,
    """\
program omp_squares
  implicit none
  integer :: n, i
  integer(kind=8) :: s
  read *, n
  s = 0
  !$omp parallel do reduction(+:s)
  do i = 1, n
    s = s + int(i, 8) * i
  end do
  !$omp end parallel do
  print *, s
end program omp_squares
""",
)


def _histogram(t: str) -> str:
    w = nums(t)
    n = int(w[0])
    h = np.zeros(10, dtype=int)
    for v in w[1 : 1 + n]:
        h[min(int(v * 10), 9)] += 1
    return fmt(h)


add(
    "openmp",
    ("omp parallel do", "omp reduction"),
    "Histogram of n values in [0,1) into 10 equal bins, computed in parallel with OpenMP using an array reduction on the counts. Print the 10 counts.",
    ("5\n0.05 0.15 0.95 0.5 0.55\n", "3\n0.0 0.99 0.999\n"),
    _histogram,
    """\
program omp_hist
  implicit none
  integer :: n, i, b
  double precision, allocatable :: x(:)
  integer :: h(10)
  read *, n
  allocate(x(n))
  read *, x
  h = 0
  !$omp parallel do private(b) reduction(+:h)
  do i = 1, n
    b = min(int(x(i) * 10) + 1, 10)
    h(b) = h(b) + 1
  end do
  !$omp end parallel do
  print *, h
end program omp_hist
""",
)


# ---------------------------------------------------------------- MPI


def _mpi_program(name: str, declarations: str, body: str) -> str:
    return (
        f"program {name}\n  use mpi\n  implicit none\n  integer :: ierr, rank, nproc\n{declarations}"
        "  call mpi_init(ierr)\n  call mpi_comm_rank(mpi_comm_world, rank, ierr)\n"
        f"  call mpi_comm_size(mpi_comm_world, nproc, ierr)\n{body}  call mpi_finalize(ierr)\n"
        f"end program {name}\n"
    )


_READ_VECTOR = """\
  if (rank == 0) read *, n
  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)
  allocate(x(n))
  if (rank == 0) read *, x
  call mpi_bcast(x, n, mpi_double_precision, 0, mpi_comm_world, ierr)
"""

add(
    "mpi",
    ("mpi_allreduce",),
    "MPI program: rank 0 reads n and n numbers and broadcasts them; each process sums a strided share (elements rank+1, rank+1+nproc, ...); combine the partial sums with MPI_Allreduce and print the total on rank 0.",
    ("4\n1 2 3 4\n", "3\n0.5 1.5 -2\n"),
    _sum,
    _mpi_program(
        "allreduce_sum",
        """\
  integer :: n, i
  double precision, allocatable :: x(:)
  double precision :: part, total
""",
        _READ_VECTOR
        + """\
  part = 0.0d0
  do i = rank + 1, n, nproc
    part = part + x(i)
  end do
  call mpi_allreduce(part, total, 1, mpi_double_precision, mpi_sum, mpi_comm_world, ierr)
  if (rank == 0) print *, total
""",
    ),
)


def _twice(t: str) -> str:
    k = int(t.split()[0])
    return fmt(k, k)


add(
    "mpi",
    ("mpi_bcast", "mpi_reduce"),
    "Broadcast an integer read by rank 0 to every MPI process with MPI_Bcast, then check that all received it by reducing the values with MPI_MIN and MPI_MAX to rank 0; print the minimum and maximum.",
    ("7\n", "-3\n"),
    _twice,
    _mpi_program(
        "bcast_check",
        """\
  integer :: k, lo, hi
""",
        """\
  if (rank == 0) read *, k
  call mpi_bcast(k, 1, mpi_integer, 0, mpi_comm_world, ierr)
  call mpi_reduce(k, lo, 1, mpi_integer, mpi_min, 0, mpi_comm_world, ierr)
  call mpi_reduce(k, hi, 1, mpi_integer, mpi_max, 0, mpi_comm_world, ierr)
  if (rank == 0) print *, lo, hi
""",
    ),
)

add(
    "mpi",
    ("mpi_reduce",),
    "Distributed maximum with MPI: rank 0 reads n values and broadcasts them, each rank takes the maximum of its strided share, and MPI_Reduce with MPI_MAX gives the global maximum, printed by rank 0.",
    ("5\n3 9 -2 7 1\n", "2\n-5 -6\n"),
    _max,
    _mpi_program(
        "reduce_max",
        """\
  integer :: n, i
  double precision, allocatable :: x(:)
  double precision :: part, best
""",
        _READ_VECTOR
        + """\
  part = -huge(part)
  do i = rank + 1, n, nproc
    part = max(part, x(i))
  end do
  call mpi_reduce(part, best, 1, mpi_double_precision, mpi_max, 0, mpi_comm_world, ierr)
  if (rank == 0) print *, best
""",
    ),
)


def _squares_vec(t: str) -> str:
    return fmt(vec(t)[1] ** 2)


add(
    "mpi",
    ("mpi_scatter", "mpi_gather"),
    "Scatter an array from rank 0 to all MPI processes with MPI_Scatter (n is a multiple of the number of processes), square each element locally, gather the results back with MPI_Gather and print them on rank 0.",
    ("4\n1 2 3 4\n", "2\n-1.5 3\n"),
    _squares_vec,
    _mpi_program(
        "scatter_gather",
        """\
  integer :: n, chunk
  double precision, allocatable :: x(:), part(:)
""",
        """\
  if (rank == 0) read *, n
  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)
  chunk = n / nproc
  allocate(x(n), part(chunk))
  if (rank == 0) read *, x
  call mpi_scatter(x, chunk, mpi_double_precision, part, chunk, mpi_double_precision, 0, &
                   mpi_comm_world, ierr)
  part = part**2
  call mpi_gather(part, chunk, mpi_double_precision, x, chunk, mpi_double_precision, 0, &
                  mpi_comm_world, ierr)
  if (rank == 0) print *, x
""",
    ),
)

add(
    "mpi",
    ("mpi_reduce",),
    "Compute pi in parallel with MPI: rank 0 reads the number of intervals n and broadcasts it, each process integrates 4/(1+x^2) by the midpoint rule over its strided intervals, and MPI_Reduce sums the parts on rank 0, which prints the result.",
    ("1000\n", "10\n"),
    _pi,
    _mpi_program(
        "dist_pi",
        """\
  integer :: n, i
  double precision :: h, x, part, total
""",
        """\
  if (rank == 0) read *, n
  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)
  h = 1.0d0 / n
  part = 0.0d0
  do i = rank + 1, n, nproc
    x = (i - 0.5d0) * h
    part = part + 4.0d0 / (1.0d0 + x * x)
  end do
  call mpi_reduce(part * h, total, 1, mpi_double_precision, mpi_sum, 0, mpi_comm_world, ierr)
  if (rank == 0) print *, total
""",
    ),
)

add(
    "mpi",
    ("mpi_allreduce",),
    "Distributed dot product with MPI: rank 0 reads n, x and y and broadcasts them; each rank computes the partial dot product of its strided share and MPI_Allreduce combines them; rank 0 prints the result.",
    ("3\n1 2 3\n4 5 6\n", "2\n1 -1\n1 1\n"),
    _ddot,
    _mpi_program(
        "dist_dot",
        """\
  integer :: n, i
  double precision, allocatable :: x(:), y(:)
  double precision :: part, total
""",
        """\
  if (rank == 0) read *, n
  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)
  allocate(x(n), y(n))
  if (rank == 0) read *, x, y
  call mpi_bcast(x, n, mpi_double_precision, 0, mpi_comm_world, ierr)
  call mpi_bcast(y, n, mpi_double_precision, 0, mpi_comm_world, ierr)
  part = 0.0d0
  do i = rank + 1, n, nproc
    part = part + x(i) * y(i)
  end do
  call mpi_allreduce(part, total, 1, mpi_double_precision, mpi_sum, mpi_comm_world, ierr)
  if (rank == 0) print *, total
""",
    ),
)


def _prod(t: str) -> str:
    w = t.split()
    return fmt(int(np.prod([int(v) for v in w[1 : 1 + int(w[0])]])))


add(
    "mpi",
    ("mpi_reduce",),
    "Product of n integers with MPI: rank 0 reads them and broadcasts; each rank multiplies its strided share and MPI_Reduce with MPI_PROD gives the product on rank 0.",
    ("4\n1 2 3 4\n", "3\n-2 5 3\n"),
    _prod,
    _mpi_program(
        "product_all",
        """\
  integer :: n, i, part, total
  integer, allocatable :: v(:)
""",
        """\
  if (rank == 0) read *, n
  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)
  allocate(v(n))
  if (rank == 0) read *, v
  call mpi_bcast(v, n, mpi_integer, 0, mpi_comm_world, ierr)
  part = 1
  do i = rank + 1, n, nproc
    part = part * v(i)
  end do
  call mpi_reduce(part, total, 1, mpi_integer, mpi_prod, 0, mpi_comm_world, ierr)
  if (rank == 0) print *, total
""",
    ),
)


def _count_above(t: str) -> str:
    w = nums(t)
    n, thr = int(w[0]), w[1]
    return fmt(int((np.array(w[2 : 2 + n]) > thr).sum()))


add(
    "mpi",
    ("mpi_reduce",),
    "Count with MPI how many of n values exceed a threshold: rank 0 reads n, the threshold and the values and broadcasts them, each rank counts in its strided share, and an MPI_Reduce sum gives the count printed by rank 0.",
    ("5 2.5\n1 3 5 2 4\n", "3 0\n-1 -2 -3\n"),
    _count_above,
    _mpi_program(
        "count_above",
        """\
  integer :: n, i, part, total
  double precision :: threshold
  double precision, allocatable :: x(:)
""",
        """\
  if (rank == 0) read *, n, threshold
  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)
  call mpi_bcast(threshold, 1, mpi_double_precision, 0, mpi_comm_world, ierr)
  allocate(x(n))
  if (rank == 0) read *, x
  call mpi_bcast(x, n, mpi_double_precision, 0, mpi_comm_world, ierr)
  part = 0
  do i = rank + 1, n, nproc
    if (x(i) > threshold) part = part + 1
  end do
  call mpi_reduce(part, total, 1, mpi_integer, mpi_sum, 0, mpi_comm_world, ierr)
  if (rank == 0) print *, total
""",
    ),
)

add(
    "mpi",
    ("mpi_gather",),
    "Each MPI process computes the sum of its strided share of n numbers (read and broadcast by rank 0); gather the partial sums on rank 0 with MPI_Gather and print their total there.",
    ("4\n1 2 3 4\n", "3\n10 20 30\n"),
    _sum,
    _mpi_program(
        "gather_sums",
        """\
  integer :: n, i
  double precision, allocatable :: x(:), parts(:)
  double precision :: part
""",
        _READ_VECTOR
        + """\
  allocate(parts(nproc))
  part = 0.0d0
  do i = rank + 1, n, nproc
    part = part + x(i)
  end do
  call mpi_gather(part, 1, mpi_double_precision, parts, 1, mpi_double_precision, 0, &
                  mpi_comm_world, ierr)
  if (rank == 0) print *, sum(parts)
""",
    ),
)


def _norm(t: str) -> str:
    return fmt(np.linalg.norm(vec(t)[1]))


add(
    "mpi",
    ("mpi_allreduce",),
    "Euclidean norm of a distributed vector: rank 0 reads n values and broadcasts them, each MPI rank sums the squares of its strided share, MPI_Allreduce adds them up, and rank 0 prints the square root.",
    ("2\n3 4\n", "3\n1 2 2\n"),
    _norm,
    _mpi_program(
        "dist_norm",
        """\
  integer :: n, i
  double precision, allocatable :: x(:)
  double precision :: part, total
""",
        _READ_VECTOR
        + """\
  part = 0.0d0
  do i = rank + 1, n, nproc
    part = part + x(i)**2
  end do
  call mpi_allreduce(part, total, 1, mpi_double_precision, mpi_sum, mpi_comm_world, ierr)
  if (rank == 0) print *, sqrt(total)
""",
    ),
)


# ---------------------------------------------------------------- array intrinsics

add(
    "intrinsic",
    ("matmul",),
    "Multiply two matrices with the Fortran intrinsic matmul: read m, k, n, A (m x k) and B (k x n) by rows, print A*B by rows.",
    ("2 2 2\n1 2\n3 4\n5 6\n7 8\n", "1 3 1\n1 2 3\n1\n1\n1\n"),
    _dgemm,
    """\
program mm
  implicit none
  integer :: m, k, n, i
  double precision, allocatable :: a(:,:), b(:,:), c(:,:)
  read *, m, k, n
  allocate(a(m,k), b(k,n))
  do i = 1, m
    read *, a(i,:)
  end do
  do i = 1, k
    read *, b(i,:)
  end do
  c = matmul(a, b)
  do i = 1, m
    print *, c(i,:)
  end do
end program mm
""",
)


def _transpose(t: str) -> str:
    w = nums(t)
    m, n = int(w[0]), int(w[1])
    return rows(mat(w[2:], m, n)[0].T)


add(
    "intrinsic",
    ("transpose",),
    "Read an m x n matrix (m and n first, then the rows) and print its transpose row by row using the transpose intrinsic.",
    ("2 3\n1 2 3\n4 5 6\n", "1 2\n7 8\n"),
    _transpose,
    """\
program tr
  implicit none
  integer :: m, n, i
  double precision, allocatable :: a(:,:), t(:,:)
  read *, m, n
  allocate(a(m,n))
  do i = 1, m
    read *, a(i,:)
  end do
  t = transpose(a)
  do i = 1, n
    print *, t(i,:)
  end do
end program tr
""",
)

add(
    "intrinsic",
    ("dot_product",),
    "Read n and two real vectors and print their scalar product with the dot_product intrinsic.",
    ("3\n1 2 3\n4 5 6\n", "2\n0.5 0.5\n2 -2\n"),
    _ddot,
    """\
program dp
  implicit none
  integer :: n
  double precision, allocatable :: x(:), y(:)
  read *, n
  allocate(x(n), y(n))
  read *, x
  read *, y
  print *, dot_product(x, y)
end program dp
""",
)


def _colsums(t: str) -> str:
    w = nums(t)
    m, n = int(w[0]), int(w[1])
    return fmt(mat(w[2:], m, n)[0].sum(axis=0))


add(
    "intrinsic",
    ("sum",),
    "Column sums of a matrix: read m, n and the m x n matrix by rows, print the sum of each column using sum with dim=1.",
    ("2 3\n1 2 3\n4 5 6\n", "3 1\n1\n2\n3\n"),
    _colsums,
    """\
program colsums
  implicit none
  integer :: m, n, i
  double precision, allocatable :: a(:,:)
  read *, m, n
  allocate(a(m,n))
  do i = 1, m
    read *, a(i,:)
  end do
  print *, sum(a, dim=1)
end program colsums
""",
)


def _maxloc(t: str) -> str:
    return fmt(int(np.argmax(vec(t)[1])) + 1)


add(
    "intrinsic",
    ("maxloc",),
    "Print the position (1-based) of the largest of n numbers using the maxloc intrinsic.",
    ("5\n3 9 -2 7 1\n", "3\n-1 -2 -3\n"),
    _maxloc,
    """\
program where_max
  implicit none
  integer :: n
  double precision, allocatable :: x(:)
  integer :: p(1)
  read *, n
  allocate(x(n))
  read *, x
  p = maxloc(x)
  print *, p(1)
end program where_max
""",
)

add(
    "intrinsic",
    ("norm2",),
    "Euclidean length of a vector with the Fortran 2008 norm2 intrinsic; read n and the components.",
    ("2\n3 4\n", "4\n1 1 1 1\n"),
    _norm,
    """\
program length
  implicit none
  integer :: n
  double precision, allocatable :: x(:)
  read *, n
  allocate(x(n))
  read *, x
  print *, norm2(x)
end program length
""",
)


def _count_pos(t: str) -> str:
    return fmt(int((vec(t)[1] > 0).sum()))


add(
    "intrinsic",
    ("count",),
    "Count how many of n numbers are positive with the count intrinsic and a mask.",
    ("5\n1 -2 3 0 4\n", "2\n-1 -1\n"),
    _count_pos,
    """\
program npos
  implicit none
  integer :: n
  double precision, allocatable :: x(:)
  read *, n
  allocate(x(n))
  read *, x
  print *, count(x > 0.0d0)
end program npos
""",
)


def _any_all(t: str) -> str:
    x = vec(t)[1]
    return fmt(bool((x < 0).any()), bool((x > 0).all()))


add(
    "intrinsic",
    ("any", "all"),
    "Read n numbers; print whether any is negative and whether all are positive (two logicals, using the any and all intrinsics).",
    ("3\n1 2 3\n", "3\n1 -2 3\n", "2\n0 1\n"),
    _any_all,
    """\
program checks
  implicit none
  integer :: n
  double precision, allocatable :: x(:)
  read *, n
  allocate(x(n))
  read *, x
  print *, any(x < 0.0d0), all(x > 0.0d0)
end program checks
""",
)


def _reshape(t: str) -> str:
    w = nums(t)
    return rows(np.array(w[:6]).reshape(3, 2).T)


add(
    "intrinsic",
    ("reshape",),
    "Read 6 numbers and reshape them into a 2 x 3 matrix in Fortran's column-major order with the reshape intrinsic; print the matrix row by row.",
    ("1 2 3 4 5 6\n", "0 1 0 1 0 1\n"),
    _reshape,
    """\
program shape6
  implicit none
  integer :: i
  double precision :: v(6), a(2,3)
  read *, v
  a = reshape(v, [2, 3])
  do i = 1, 2
    print *, a(i,:)
  end do
end program shape6
""",
)


def _cshift(t: str) -> str:
    w = nums(t)
    n, k = int(w[0]), int(w[1])
    return fmt(np.roll(np.array(w[2 : 2 + n]), -k))


add(
    "intrinsic",
    ("cshift",),
    "Circularly shift an array left by k positions with cshift: read n and k, then the n values; print the shifted array.",
    ("5 2\n1 2 3 4 5\n", "3 -1\n1 2 3\n"),
    _cshift,
    """\
program shift
  implicit none
  integer :: n, k
  double precision, allocatable :: x(:)
  read *, n, k
  allocate(x(n))
  read *, x
  print *, cshift(x, k)
end program shift
""",
)


def _minmax(t: str) -> str:
    x = vec(t)[1]
    return fmt(x.min(), x.max())


add(
    "intrinsic",
    ("minval", "maxval"),
    "Print the smallest and the largest of n values using the minval and maxval intrinsics.",
    ("4\n3 -1 7 2\n", "1\n5\n"),
    _minmax,
    """\
program range
  implicit none
  integer :: n
  double precision, allocatable :: x(:)
  read *, n
  allocate(x(n))
  read *, x
  print *, minval(x), maxval(x)
end program range
""",
)


# ---------------------------------------------------------------- output


def balanced_splits(tasks: list[Task]) -> dict[str, str]:
    """Within each category, ids ordered by their hash alternate dev/test: a plain hash split of ~8
    tasks a category could leave a category out of dev."""
    out: dict[str, str] = {}
    for category in dict.fromkeys(t.category for t in tasks):
        ids = sorted(
            (t.id for t in tasks if t.category == category),
            key=lambda i: hashlib.sha256(f"{SALT}:{i}".encode()).hexdigest(),
        )
        out |= {i: ("dev" if k % 2 == 0 else "test") for k, i in enumerate(ids)}
    return out


def record(t: Task) -> dict[str, object]:
    return {
        "id": t.id,
        "nl": t.nl,
        "lang": "fortran",
        "code": t.code,
        "category": t.category,
        "expects": list(t.expects),
        "tests": [{"input": i, "output": t.oracle(i)} for i in t.inputs],
    }


def main() -> int:
    OUT.write_text("".join(json.dumps(record(t)) + "\n" for t in TASKS), encoding="utf-8")
    splits = balanced_splits(TASKS)
    for name in ("dev", "test"):
        ids = [t.id for t in TASKS if splits[t.id] == name]
        header = (
            f"# hpc_{name}: {len(ids)} ids of benchmarks/data/hpc_tasks.jsonl (benchmarks/hpc/tasks.py)\n"
        )
        (SPLITS / f"hpc_{name}.txt").write_text(header + "\n".join(ids) + "\n", encoding="utf-8")
    print(f"{len(TASKS)} tasks -> {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
