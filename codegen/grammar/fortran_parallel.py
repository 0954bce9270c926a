"""MPI and OpenMP program skeletons (codegen.grammar.fortran_skeleton): a distributed reduction,
scatter/work/gather, a `parallel do` reduction or element-wise loop, a matrix-vector product."""

from __future__ import annotations

import re
from collections.abc import Sequence

from codegen.docs.record import DocRecord
from codegen.grammar.fortran_arguments import named_in, request_order
from codegen.grammar.fortran_program import Program, size_reads

_UPDATES = {
    "+": ["s + x(i)", "s + x(i) * x(i)", "s + abs(x(i))"],
    "*": ["s * x(i)"],
    "max": ["max(s, x(i))", "max(s, abs(x(i)))"],
    "min": ["min(s, x(i))"],
}
_START = {"+": "0.0d0", "*": "1.0d0", "max": "-huge(s)", "min": "huge(s)"}


def openmp_program(task: str) -> tuple[str, list[str]]:
    """Read n values, then a `!$omp parallel do` loop: a reduction, or an element-wise update; for
    a request about a matrix, a matrix-vector product over rows with the inner index and the row sum
    `private`."""
    if re.search(r"\bmatri(x|ces)\b", task, re.I):
        return _openmp_matvec(task)
    p = Program()
    pair = _PAIR.search(task) is not None
    p.text(
        "program main\n  implicit none\n  integer :: n, i\n  double precision :: s\n"
        "  double precision, allocatable :: x(:), y(:)\n  read *, n\n  allocate(x(n), y(n))\n  read *, x\n"
        + ("  read *, y\n" if pair else "")
    )
    reductions = [
        f"  s = {_START[op]}\n  !$omp parallel do reduction({op}:s)\n  do i = 1, n\n    s = {u}\n"
        "  end do\n  !$omp end parallel do\n  print *, s\n"
        for op, updates in _updates(pair).items()
        for u in updates
    ]
    elementwise = [
        f"  !$omp parallel do\n  do i = 1, n\n    y(i) = {e}\n  end do\n  !$omp end parallel do\n  print *, y\n"
        for e in ("2.0d0 * x(i) + 1.0d0", "x(i) * x(i)", "abs(x(i))", "sqrt(abs(x(i)))")
    ]
    p.choice(_by_request(task, reductions, elementwise))
    p.text("end program main")
    return p.lark(), ["program skeleton: OpenMP parallel do over n values read (reduction or element-wise)"]


def _openmp_matvec(task: str) -> tuple[str, list[str]]:
    p = Program()
    p.text(
        "program main\n  implicit none\n  integer :: m, n, i, j\n  double precision :: s\n"
        "  double precision, allocatable :: a(:,:), x(:), y(:)\n"
    )
    p.choice(size_reads(["m", "n"], request_order(["m", "n"], task)))
    p.text(
        "  allocate(a(m, n), x(n), y(m))\n  read *, ((a(i,j), j = 1, n), i = 1, m)\n  read *, x\n"
        "  !$omp parallel do private(j, s)\n  do i = 1, m\n    s = 0.0d0\n    do j = 1, n\n"
        "      s = s + a(i,j) * x(j)\n    end do\n    y(i) = s\n  end do\n  !$omp end parallel do\n"
        "  print *, y\nend program main"
    )
    return p.lark(), ["program skeleton: OpenMP matrix-vector product over rows, private(j, s)"]


# a request about two vectors (a dot product) reads y after x and reduces x(i) * y(i)
_PAIR = re.compile(r"\bdot\b|two vectors|\bx and y\b", re.I)


def _updates(pair: bool) -> dict[str, list[str]]:
    return {"+": ["s + x(i) * y(i)"]} if pair else _UPDATES


# operation words of a request -> the reduction operator they ask for
_OP_WORDS = {
    "+": r"\b(sum|total|add|norm|dot|mean|integra)",
    "*": r"\b(product|multipl)",
    "max": r"\b(max|largest|greatest)",
    "min": r"\b(min|smallest|least)",
}


def _by_request(task: str, reductions: list[str], others: Sequence[str] = ()) -> list[str]:
    """The loop bodies whose reduction operator the request names (all of them when it names none),
    and of those, the ones whose terms it names: squares (`x(i) * x(i)`), absolute values."""
    ops = [op for op, words in _OP_WORDS.items() if re.search(words, task, re.I)]
    picked = [
        b
        for b in reductions
        if any(f"reduction({op}:" in b or f"mpi_{_MPI_OPS[op]}" in b or _GATHERED[op] in b for op in ops)
    ]
    terms = {"x(i) * x(i)": r"\b(squares?|norm|length|euclid)", "abs(": r"\babs"}
    plain = [b for b in picked if not any(t in b and not re.search(w, task, re.I) for t, w in terms.items())]
    return plain or picked or [*reductions, *others]


_MPI_OPS = {"+": "sum", "*": "prod", "max": "max", "min": "min"}
_MPI_COLLECTIVES = ("mpi_allreduce", "mpi_reduce", "mpi_gather")


def mpi_target(text: str, records: list[DocRecord]) -> DocRecord | None:
    collectives = [r for r in records if r.name.lower() in _MPI_COLLECTIVES]
    named = [r for r in collectives if named_in(r, text)]
    # gathering parts is a reduction only when the request asks for it by name
    unnamed = [r for r in collectives if r.name.lower() != "mpi_gather"]
    return (named or unnamed or [None])[0]


# MPI arguments by their documented names: what the reduction program passes
_MPI_ACTUALS = {
    "sendbuf": "s",
    "recvbuf": "total",
    "count": "1",
    "datatype": "mpi_double_precision",
    "root": "0",
    "comm": "mpi_comm_world",
    "ierror": "ierr",
    # MPI_Gather of each rank's part: one value each, into `parts` on rank 0
    "sendcount": "1",
    "sendtype": "mpi_double_precision",
    "recvcount": "1",
    "recvtype": "mpi_double_precision",
}
# what rank 0 prints from the gathered parts, by reduction operator
_GATHERED = {"+": "sum(parts)", "*": "product(parts)", "max": "maxval(parts)", "min": "minval(parts)"}


def mpi_program(record: DocRecord, task: str = "") -> tuple[str, list[str]] | None:
    """Rank 0 reads n values and broadcasts them; each rank reduces a strided share; the documented
    collective combines the parts; rank 0 prints."""
    raw = record.schema.get("arguments")
    names = (
        [str(a.get("name", "")).lower() for a in raw if isinstance(a, dict)] if isinstance(raw, list) else []
    )
    if not names or any(n not in _MPI_ACTUALS and n != "op" for n in names):
        return None
    name = record.name.lower()
    pair = _PAIR.search(task) is not None
    vectors = ["x", "y"] if pair else ["x"]
    gather = name == "mpi_gather"
    arrays = [f"{v}(:)" for v in [*vectors, *(["parts"] if gather else [])]]
    p = Program()
    p.text(
        "program main\n  use mpi\n  implicit none\n  integer :: ierr, rank, nproc, n, i\n"
        f"  double precision :: s, total\n  double precision, allocatable :: {', '.join(arrays)}\n"
        "  call mpi_init(ierr)\n  call mpi_comm_rank(mpi_comm_world, rank, ierr)\n"
        "  call mpi_comm_size(mpi_comm_world, nproc, ierr)\n"
        "  if (rank == 0) read *, n\n  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)\n"
        f"  allocate({', '.join([*(v + '(n)' for v in vectors), *(['parts(nproc)'] if gather else [])])})\n"
        + "".join(f"  if (rank == 0) read *, {v}\n" for v in vectors)
        + "".join(
            f"  call mpi_bcast({v}, n, mpi_double_precision, 0, mpi_comm_world, ierr)\n" for v in vectors
        )
    )
    ops = {"+": "mpi_sum", "*": "mpi_prod", "max": "mpi_max", "min": "mpi_min"}
    norm = re.search(r"\b(norm|length|euclid)", task, re.I) is not None
    bodies = []
    for op, updates in _updates(pair).items():
        for u in updates:
            actuals = ", ".join(
                ops[op] if n == "op" else "parts" if n == "recvbuf" and gather else _MPI_ACTUALS[n]
                for n in names
            )
            results = ("total", "sqrt(total)") if op == "+" and norm else ("total",)
            for result in (_GATHERED[op],) if gather else results:
                bodies.append(
                    f"  s = {_START[op]}\n  do i = rank + 1, n, nproc\n    s = {u}\n  end do\n"
                    f"  call {name}({actuals})\n  if (rank == 0) print *, {result}\n"
                )
    p.choice(_by_request(task, bodies))
    p.text("  call mpi_finalize(ierr)\nend program main")
    return p.lark(), [f"program skeleton: MPI reduction of n values read on rank 0 with {name}"]


# element-wise work on a scattered chunk, by what the request says is done to each element
_CHUNK_OPS = {
    "part**2": r"\bsquare",
    "2.0d0 * part": r"\b(double|twice)\b",
    "abs(part)": r"\babs",
    "sqrt(abs(part))": r"\bsqrt|square root",
}


def scatter_gather_program(scatter: DocRecord, gather: DocRecord, task: str) -> tuple[str, list[str]] | None:
    """Rank 0 reads n values (n a multiple of the number of processes) and scatters equal chunks;
    each rank transforms its chunk; rank 0 gathers the chunks back and prints them. The calls pass
    each documented argument by its name: send and receive buffers, counts, types, root, communicator."""
    calls = []
    for record, send, receive in ((scatter, "x", "part"), (gather, "part", "x")):
        raw = record.schema.get("arguments")
        names = (
            [str(a.get("name", "")).lower() for a in raw if isinstance(a, dict)]
            if isinstance(raw, list)
            else []
        )
        actual = {"sendbuf": send, "recvbuf": receive, "sendcount": "chunk", "recvcount": "chunk"}
        actual |= {k: v for k, v in _MPI_ACTUALS.items() if k not in actual and "count" not in k}
        if not names or any(n not in actual for n in names):
            return None
        calls.append(f"  call {record.name.lower()}({', '.join(actual[n] for n in names)})\n")
    p = Program()
    p.text(
        "program main\n  use mpi\n  implicit none\n  integer :: ierr, rank, nproc, n, chunk\n"
        "  double precision, allocatable :: x(:), part(:)\n"
        "  call mpi_init(ierr)\n  call mpi_comm_rank(mpi_comm_world, rank, ierr)\n"
        "  call mpi_comm_size(mpi_comm_world, nproc, ierr)\n"
        "  if (rank == 0) read *, n\n  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)\n"
        "  chunk = n / nproc\n  allocate(x(n), part(chunk))\n  if (rank == 0) read *, x\n"
        + calls[0]
        + "  part = "
    )
    named = [op for op, words in _CHUNK_OPS.items() if re.search(words, task, re.I)]
    p.choice(named[:1] or list(_CHUNK_OPS))
    p.text("\n" + calls[1] + "  if (rank == 0) print *, x\n  call mpi_finalize(ierr)\nend program main")
    return p.lark(), ["program skeleton: MPI scatter of n values read on rank 0, element-wise work, gather"]
