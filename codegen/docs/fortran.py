"""Fortran documentation sources for the index: intrinsics and statements (fortls), BLAS/LAPACK
(liblapack-doc), MPI (openmpi-doc) and OpenMP (packaged openmp.json).

Every record has dsl="fortran" and the Fortran schema of codegen.docs.record, with these additions:
  kind "statement" (fortls' statement list, named `read statement`, ...), and keys
  `module` (intrinsic module / omp_lib a procedure comes from), `group` (LAPACK doxygen group),
  `f08` (MPI: the `USE mpi_f08` binding: signature, arguments, min_args, max_args),
  `keyword`, `directives` (OpenMP clauses), `end`, `end_required`, `end_clauses`, `association`
  (OpenMP directives), `choices` on arguments that take keywords; `max_args` None = variadic.
"""

from __future__ import annotations

from codegen.docs.fortran_intrinsics import IntrinsicSource
from codegen.docs.fortran_lapack import LapackSource
from codegen.docs.fortran_mpi import MpiSource
from codegen.docs.fortran_openmp import OpenMPSource
from codegen.docs.source import Source

__all__ = ["IntrinsicSource", "LapackSource", "MpiSource", "OpenMPSource", "fortran_sources"]


def fortran_sources() -> list[Source]:
    """In authority order: the language itself, then the libraries."""
    return [IntrinsicSource(), OpenMPSource(), LapackSource(), MpiSource()]
