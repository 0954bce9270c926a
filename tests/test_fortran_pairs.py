"""Fortran NL→code pairs from documentation records: grammar-accepted, compiled, split by routine."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from codegen.docs.record import DocRecord
from codegen.grammar import build_grammar
from codegen.grammar.lint import accepts
from codegen.splits import split_of
from codegen.training.corpus.fortran_pairs import fortran_pairs, requests
from codegen.validate import validate
from codegen.validate.fortran import mpi_include_dirs
from tests.grammar_fixtures import pick

# the first sentences of dgesv's body in the index (liblapack-doc 3.11): naming-scheme reading,
# Purpose, doxygen group
DGESV_TEXT = (
    "solve a linear system of equations; general (dense, possibly nonsymmetric) matrix; double precision "
    "real. DGESV computes the solution to a real system of linear equations A * X = B, where A is an "
    "N-by-N matrix and X and B are N-by-NRHS matrices. The LU decomposition with partial pivoting and row "
    "interchanges is used to factor A as A = P * L * U. LAPACK double computational functions for GE "
    "matrices."
)


def _with(record: DocRecord, **changes) -> DocRecord:
    out = copy.deepcopy(record)
    for key, value in changes.items():
        setattr(out, key, value)
    return out


def _dgemm_documented() -> DocRecord:
    """dgemm with the TRANSA/TRANSB descriptions liblapack-doc gives (the fixture drops them)."""
    record = copy.deepcopy(pick("fortran", "dgemm")[0])
    for arg in record.schema["arguments"]:
        if arg["name"] in ("transa", "transb"):
            which = arg["name"][-1].upper()
            arg["description"] = (
                f"On entry, TRANS{which} specifies the form of op( {which} ) to be used in the matrix "
                f"multiplication as follows: TRANS{which} = 'N' or 'n', op( {which} ) = {which}."
            )
    return record


def _single_precision(record: DocRecord) -> DocRecord:
    """sgesv: dgesv's interface with REAL arrays, which the grammar would declare real(8)."""
    out = copy.deepcopy(record)
    out.name = "sgesv"
    for arg in out.schema["arguments"]:
        arg["type"] = arg["type"].replace("DOUBLE PRECISION", "REAL")
    return out


@pytest.fixture(scope="module")
def generated() -> tuple[list[DocRecord], list, Counter]:
    dgesv, daxpy, sqrt, cpu_time = pick("fortran", "dgesv", "daxpy", "sqrt", "cpu_time")
    records = [
        _with(dgesv, text=DGESV_TEXT),
        daxpy,
        sqrt,
        cpu_time,
        _dgemm_documented(),
        _single_precision(dgesv),
    ]
    tally: Counter[str] = Counter()
    return records, list(fortran_pairs(records, tally=tally)), tally


def test_every_pair_is_accepted_by_its_records_grammar_and_compiles(generated) -> None:
    records, pairs, _ = generated
    by_name = {r.name: r for r in records}
    assert pairs
    for pair in pairs:
        grammar = build_grammar("fortran", [by_name[pair.library]]).text
        assert accepts(grammar, pair.code), pair.code
        assert validate("fortran", pair.code, strict_tools=True).ok, pair.code


def test_pairs_are_split_by_routine_name_with_unique_ids(generated) -> None:
    _, pairs, _ = generated
    assert len({p.id for p in pairs}) == len(pairs)
    for pair in pairs:
        assert pair.lang == "fortran"
        assert pair.split == split_of(pair.library.lower())
        assert pair.id.startswith(f"fortran-doc:{pair.library.lower()}#")
    sources = {p.library: p.source for p in pairs}
    assert sources["dgesv"] == "fortran-doc:lapack" and sources["daxpy"] == "fortran-doc:blas"
    assert sources["sqrt"] == "fortran-doc:intrinsic"


def test_requests_come_from_the_summary_and_the_purpose(generated) -> None:
    _, pairs, _ = generated
    nl = {p.id: p.nl for p in pairs}
    assert nl["fortran-doc:dgesv#summary"] == (
        "compute the solution to system of linear equations A * X = B for GE matrices"
    )
    # the Purpose sentence, imperative, without its ", where ..." detail or the doxygen group
    assert (
        nl["fortran-doc:dgesv#purpose"]
        == "compute the solution to a real system of linear equations A * X = B"
    )
    # "DAXPY: <naming-scheme reading>" keeps the reading only
    assert nl["fortran-doc:daxpy#summary"] == (
        "y = alpha*x + y, add a multiple of one vector to another; double precision real"
    )
    assert nl["fortran-doc:sqrt#summary"] == "square-root function"
    assert nl["fortran-doc:cpu_time#summary"] == "get CPU processor time used in seconds"


def test_programs_call_the_routine_with_documented_values(generated) -> None:
    _, pairs, _ = generated
    code = {p.library: p.code for p in pairs}
    assert code["dgesv"].startswith("program main\nimplicit none\n")
    assert "call dgesv(2,2,a,10,ipiv,b,10,info)" in code["dgesv"]
    assert "print *, info," in code["dgesv"]
    assert "print *, sqrt(x)" in code["sqrt"]
    assert "call dgemm('N','N',2,2,2," in code["dgemm"]


def test_routines_that_cannot_be_written_correctly_give_no_pair(generated) -> None:
    _, pairs, tally = generated
    assert "sgesv" not in {p.library for p in pairs}  # REAL arrays: the grammar only declares real(8)
    assert tally["lapack:skip:single precision (the grammar declares real(8))"] == 1
    assert tally["lapack:compiled"] == 1 and tally["blas:compiled"] == 2
    # the fixture's dgemm has no argument descriptions: TRANSA has no documented value
    undocumented: Counter[str] = Counter()
    assert list(fortran_pairs(pick("fortran", "dgemm"), tally=undocumented)) == []
    assert undocumented["blas:skip:character argument without a documented one-letter value"] == 1


def test_generation_is_deterministic(generated) -> None:
    records, pairs, _ = generated
    assert list(fortran_pairs(list(reversed(records)))) == pairs


def test_a_third_person_summary_becomes_a_request() -> None:
    mpi_init = pick("fortran", "MPI_Init")[0]
    assert requests(mpi_init) == [("summary", "initialize the MPI execution environment")]
    # a body sentence about the routine rather than what it does is not a request
    finalize = _with(mpi_init, name="MPI_Finalize", text="MPI_Finalize is collective over all processes.")
    assert [v for v, _ in requests(finalize)] == ["summary"]


@pytest.mark.skipif(not mpi_include_dirs(), reason="no MPI Fortran wrapper (mpif90) installed")
def test_mpi_program_uses_the_mpi_module() -> None:
    pairs = list(fortran_pairs(pick("fortran", "MPI_Init")))
    assert [p.id for p in pairs] == ["fortran-doc:mpi_init#summary"]
    assert pairs[0].code.startswith("program main\nuse mpi\nimplicit none\n")
    assert "call mpi_init(ierror)" in pairs[0].code
