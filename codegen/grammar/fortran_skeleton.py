"""Whole-program Fortran skeletons for requests a documented routine answers.

A request that a BLAS/LAPACK routine, an array intrinsic, an MPI collective or an OpenMP construct
answers gets a grammar for the program an HPC user would write around it, so the shape is right by
construction and the model only fills the values:

- library call: declarations of every argument from the documented signature (type, rank, kind:
  `double precision`, allocatable arrays, `integer` sizes, `external` for BLAS functions), the sizes
  read from input (which of them, in which order, the model chooses; the others get a literal), the
  scalars read or given a literal, arrays allocated from the documented dimensions, read row by row
  or whole, the call with the documented number of arguments (leading dimensions are `size(a, 1)` of
  their array, increments 1, character options one of the letters the documentation lists, workspace
  allocated), and the results printed;
- MPI: `mpi_init`/`mpi_comm_rank`/`mpi_comm_size`/`mpi_finalize`, input on rank 0 broadcast to all,
  a strided partial result per rank, combined with the requested collective, printed on rank 0;
- OpenMP: a `!$omp parallel do` loop with a `reduction` clause (operator chosen by the model) or a
  plain parallel element-wise loop.

`program_rules` (here) chooses the routine and the kind of program; it returns None when no
retrieved routine has a skeleton, and the caller then uses the statement-level grammar of
codegen.grammar.fortran. The programs: fortran_library (one routine, or a factorisation and the
routine using it), fortran_parallel (MPI, OpenMP); reading the documentation: fortran_arguments;
writing the Lark text: fortran_program; a subroutine with intents for library code:
fortran_subroutine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from codegen.docs.fortran_lapack_names import MATRIX_TYPE
from codegen.docs.record import DocRecord
from codegen.grammar.fortran_arguments import named_in
from codegen.grammar.fortran_library import library_program
from codegen.grammar.fortran_parallel import mpi_program, mpi_target, openmp_program, scatter_gather_program
from codegen.grammar.fortran_subroutine import library_subroutine


def program_rules(task: str, records: Sequence[DocRecord]) -> tuple[str, list[str]] | None:
    """(Lark text, summary) of the program skeleton for the routine that answers `task`, or None."""
    fortran = [r for r in records if r.dsl == "fortran"]
    text = task.lower()
    by_name = {r.name.lower(): r for r in fortran}
    if re.search(r"\bmpi\b", text) and "scatter" in text and {"mpi_scatter", "mpi_gather"} <= set(by_name):
        scattered = scatter_gather_program(by_name["mpi_scatter"], by_name["mpi_gather"], text)
        if scattered is not None:
            return scattered
    if re.search(r"\bmpi\b", text) and (mpi := mpi_target(text, fortran)) is not None:
        return mpi_program(mpi, text)
    if re.search(r"\b(openmp|omp)\b", text) or any(named_in(r, text) for r in fortran if _is_omp(r)):
        return openmp_program(text)
    # named BLAS/LAPACK routines before named intrinsics: `transpose` or `sum` in a request may be
    # plain English, `dgemm` never is
    named = sorted(
        (r for r in fortran if named_in(r, text)), key=lambda r: r.schema.get("kind") == "intrinsic"
    )
    # LAPACK's auxiliary routines (xLAyyy: dlaqtr, dlaed6) are its own building blocks, not what a
    # program calls; a skeleton of one answers nothing unless the request names it
    drivers = [r for r in fortran if not _AUXILIARY.match(r.name)]
    # a structured-matrix routine (dsymm, dtrmm) only when the request says the structure
    drivers.sort(key=lambda r: not _structure_asked(r, text))
    # a named solve/invert routine with its named factorisation first: one program calls both
    named.sort(key=lambda r: factorisation(r, fortran) is None)
    if re.search(r"\bsubroutine\b", text) and not re.search(r"\bprogram\b", text):
        for record in [*named, *drivers]:
            if (subroutine := library_subroutine(record, task)) is not None:
                return subroutine
    for record in [*named, *drivers]:
        rules = library_program(record, task, factorisation(record, fortran))
        if rules is not None:
            return rules
    return None


def factorisation(record: DocRecord, records: list[DocRecord]) -> DocRecord | None:
    """The retrieved xxxTRF routine an xxxTRS/xxxTRI routine works on (LAPACK naming: dgetrs and
    dgetri take the LU factors of dgetrf, dpotrs those of dpotrf)."""
    m = re.fullmatch(r"([sdcz][a-z]{2})tr[si]", record.name.lower())
    if m is None:
        return None
    return next((r for r in records if r.name.lower() == f"{m.group(1)}trf"), None)


def _structure_asked(record: DocRecord, text: str) -> bool:
    """Whether the request allows the matrix structure the BLAS/LAPACK name encodes (`dsymm`:
    symmetric): "multiply two matrices" asks for general ones (dgemm), not symmetric (dsymm)."""
    if record.schema.get("kind") not in ("blas", "lapack") or len(record.name) < 3:
        return True
    structure = MATRIX_TYPE.get(record.name[1:3].lower())
    if structure is None or structure.startswith("general"):
        return True
    return structure.split()[0].strip(",").lower() in text


_AUXILIARY = re.compile(r"^([sdcz]la|ila|[sdcz]?lamch)", re.I)


def _is_omp(record: DocRecord) -> bool:
    return str(record.schema.get("kind", "")).startswith("openmp")
