"""Fortran documentation sources: fortls intrinsics, LAPACK/BLAS and Open MPI man pages (real pages
copied under tests/fixtures/fortran), and the hand-written openmp.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.docs.fortran import fortran_sources
from codegen.docs.fortran_intrinsics import (
    MODULES,
    PROCEDURES,
    STATEMENTS,
    IntrinsicSource,
    fortls_arguments,
    fortls_data,
)
from codegen.docs.fortran_lapack import LapackSource, documented_elsewhere
from codegen.docs.fortran_lapack_names import naming_words
from codegen.docs.fortran_markdown import IntrinsicPage
from codegen.docs.fortran_mpi import MpiSource
from codegen.docs.fortran_openmp import OpenMPSource
from codegen.docs.fortran_roff import is_redirect, th_fields
from codegen.docs.fortran_schema import argument, call_signature, parse_intent, split_top
from codegen.docs.record import DocRecord

FIXTURES = Path(__file__).parent / "fixtures" / "fortran"
MAN3 = FIXTURES / "man3"
REQUESTS = Path(__file__).parents[1] / "benchmarks" / "data" / "fortran_requests.jsonl"
SCHEMA_KEYS = {"kind", "procedure", "signature", "arguments", "min_args", "max_args", "returns"}


def _load(source) -> dict[str, DocRecord]:
    out: dict[str, DocRecord] = {}
    for unit in source.units():
        for rec in source.load(unit):
            assert rec.name not in out, f"duplicate record {rec.name}"
            out[rec.name] = rec
    return out


def _args(rec: DocRecord) -> dict[str, dict]:
    return {a["name"]: a for a in rec.schema["arguments"]}


@pytest.fixture(scope="module")
def intrinsics() -> dict[str, DocRecord]:
    return _load(IntrinsicSource())


@pytest.fixture(scope="module")
def lapack() -> dict[str, DocRecord]:
    return _load(LapackSource(man3=MAN3, dpkg_list=None, html_root=FIXTURES / "html"))


@pytest.fixture(scope="module")
def mpi() -> dict[str, DocRecord]:
    return _load(MpiSource(man3=MAN3, dpkg_list=None))


@pytest.fixture(scope="module")
def openmp() -> dict[str, DocRecord]:
    return _load(OpenMPSource())


# ------------------------------------------------------------------------------------ fortls


def test_intrinsic_units_are_fortls_json_files():
    units = list(IntrinsicSource().units())
    assert [u.id for u in units] == [PROCEDURES, MODULES, STATEMENTS]
    version = metadata.version("fortls")
    assert all(u.fingerprint.startswith(f"{version}:") for u in units)
    assert all((fortls_data() / u.id).is_file() for u in units)


def test_sum_optional_arguments_from_bracket_notation(intrinsics):
    rec = intrinsics["sum"]
    assert rec.schema["kind"] == "intrinsic" and rec.schema["procedure"] == "function"
    assert rec.schema["signature"] == "sum(array [, dim] [, mask])"
    assert (rec.schema["min_args"], rec.schema["max_args"]) == (1, 3)
    args = _args(rec)
    assert [a["optional"] for a in rec.schema["arguments"]] == [False, True, True]
    assert args["dim"]["intent"] == "in" and args["dim"]["type"].startswith("integer")
    assert args["mask"]["description"].startswith("an array of the same shape as array")
    assert rec.version == metadata.version("fortls")


def test_required_keyword_argument_stays_required(intrinsics):
    # fortls writes NUMBER=number although NUMBER is required; the markdown synopsis decides
    rec = intrinsics["get_command_argument"]
    assert rec.schema["procedure"] == "subroutine"
    assert rec.schema["signature"] == "call get_command_argument(number [, value] [, length] [, status])"
    assert (rec.schema["min_args"], rec.schema["max_args"]) == (1, 4)
    assert _args(rec)["value"]["intent"] == "out"


def test_markdown_corrects_procedure_kind_and_missing_arguments(intrinsics):
    assert intrinsics["system_clock"].schema["procedure"] == "subroutine"
    assert intrinsics["system_clock"].schema["min_args"] == 0
    assert intrinsics["null"].schema["signature"] == "null([mold])"
    assert intrinsics["date_and_time"].schema["max_args"] == 4
    assert intrinsics["date_and_time"].schema["min_args"] == 0


def test_variadic_max(intrinsics):
    rec = intrinsics["max"]
    assert rec.schema["min_args"] == 2 and rec.schema["max_args"] is None
    assert rec.schema["signature"] == "max(a1, a2, ...)"


def test_module_procedures_and_overloads(intrinsics):
    cfp = intrinsics["c_f_pointer"]
    assert cfp.schema["module"] == "iso_c_binding"
    assert cfp.schema["signature"] == "call c_f_pointer(cptr, fptr [, shape])"
    # acc_wait(wait_arg) and acc_wait(wait_arg, dev_num) are one generic name
    assert (intrinsics["acc_wait"].schema["min_args"], intrinsics["acc_wait"].schema["max_args"]) == (1, 2)
    assert intrinsics["ieee_is_nan"].schema["returns"] == "LOGICAL"


def test_intrinsic_modules(intrinsics):
    env = intrinsics["iso_fortran_env"]
    assert env.schema["kind"] == "intrinsic_module" and env.schema["procedure"] == "module"
    assert {"int32", "real64", "output_unit", "compiler_version"} <= set(env.schema["members"])
    assert intrinsics["omp_lib"].schema["kind"] == "intrinsic_module"
    # omp_lib's procedures come from openmp.json, not twice
    assert "omp_get_thread_num" not in intrinsics


def test_statements(intrinsics):
    rec = intrinsics["read statement"]
    assert rec.schema["kind"] == "statement" and rec.schema["keyword"] == "read"
    assert "read" in rec.aliases
    assert intrinsics["flush"].schema["kind"] == "intrinsic"  # the GNU subroutine, not the statement


def test_sample_programs_become_examples(intrinsics):
    examples = intrinsics["sum"].examples
    assert examples and examples[0].code.lstrip().startswith("program")


# ------------------------------------------------------------------------------- LAPACK / BLAS


def test_lapack_pages_found_by_content_without_dpkg():
    pages = LapackSource(man3=MAN3, dpkg_list=None, html_root=None).pages()
    assert sorted(p.name for p in pages) == ["doubleGTsolve.3.gz", "double_blas_level3.3.gz"]


def test_dgemm_signature_types_and_intents(lapack):
    rec = lapack["dgemm"]
    assert rec.schema["kind"] == "blas" and rec.schema["procedure"] == "subroutine"
    assert (
        rec.schema["signature"]
        == "subroutine dgemm (transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)"
    )
    assert (rec.schema["min_args"], rec.schema["max_args"]) == (13, 13)
    args = _args(rec)
    assert args["transa"]["type"] == "CHARACTER*1"
    assert args["m"]["type"] == "INTEGER"
    assert args["a"]["type"] == "DOUBLE PRECISION array, dimension ( LDA, ka )"
    assert args["a"]["description"].startswith("where ka is k when TRANSA")
    assert args["c"]["intent"] == "inout" and args["a"]["intent"] == "in"
    assert "number of rows" in args["m"]["description"]
    assert "matrix-matrix multiply" in rec.text and rec.version == "3.11.0"
    assert rec.summary.startswith("DGEMM: matrix-matrix multiply")


def test_group_pages_give_every_routine_once(lapack):
    assert {n for n, r in lapack.items() if r.schema["group"] == "double_blas_level3"} == {
        "dgemm",
        "dsymm",
        "dsyr2k",
        "dsyrk",
        "dtrmm",
        "dtrsm",
    }
    # no doxygen member page for dsymm in the fixture: intent unknown rather than guessed
    assert {a["intent"] for a in lapack["dsymm"].schema["arguments"]} == {None}


def test_lapack_driver(lapack):
    rec = lapack["dgtsv"]
    assert rec.schema["kind"] == "lapack"
    assert rec.schema["signature"] == "subroutine dgtsv (n, nrhs, dl, d, du, b, ldb, info)"
    args = _args(rec)
    assert args["dl"]["type"] == "DOUBLE PRECISION array, dimension (N-1)"
    assert (args["n"]["intent"], args["dl"]["intent"], args["info"]["intent"]) == ("in", "inout", "out")
    assert rec.summary.startswith("DGTSV computes the solution to system of linear equations")
    assert "general tridiagonal" in rec.text


def test_symlink_decides_between_groups(tmp_path):
    page = tmp_path / "OTHERauxiliary.3.gz"
    other = tmp_path / "aux_blas.3.gz"
    page.write_bytes(b"")
    other.write_bytes(b"")
    os.symlink("OTHERauxiliary.3.gz", tmp_path / "xerbla.3.gz")
    os.symlink("variantsGEcomputational.3.gz", tmp_path / "dgetrf.3.gz")
    assert documented_elsewhere(tmp_path, "xerbla", str(other))
    assert not documented_elsewhere(tmp_path, "xerbla", str(page))
    assert not documented_elsewhere(tmp_path, "dgetrf", str(page))  # variants are not parsed
    assert not documented_elsewhere(tmp_path, "dgemm", str(page))  # no symlink at all


def test_naming_scheme():
    assert naming_words("dgtsv", "lapack") == (
        "solve a linear system of equations; general tridiagonal matrix; double precision real"
    )
    assert naming_words("idamax", "blas").startswith("index of the element with the largest absolute")
    assert naming_words("zheevd", "lapack").startswith("eigenvalues and eigenvectors, divide and conquer")
    assert naming_words("ilaenv", "lapack") == ""


# ------------------------------------------------------------------------------------------ MPI


def test_mpi_page_with_two_routines(mpi):
    rec = mpi["MPI_Bcast"]
    assert rec.schema["kind"] == "mpi" and rec.schema["procedure"] == "subroutine"
    assert rec.summary.startswith("Broadcasts a message from the process with rank root")
    assert rec.schema["signature"] == "call MPI_Bcast(buffer, count, datatype, root, comm, ierror)"
    assert (rec.schema["min_args"], rec.schema["max_args"]) == (6, 6)
    args = _args(rec)
    assert args["buffer"]["type"] == "<type>, DIMENSION(*)" and args["buffer"]["intent"] == "inout"
    assert (args["root"]["type"], args["root"]["intent"]) == ("INTEGER", "in")
    f08 = rec.schema["f08"]
    assert f08["signature"] == "call MPI_Bcast(buffer, count, datatype, root, comm [, ierror])"
    assert (f08["min_args"], f08["max_args"]) == (5, 6)
    assert _args_of(f08)["comm"]["type"] == "TYPE(MPI_Comm)"
    assert mpi["MPI_Ibcast"].schema["max_args"] == 7 and rec.version == "4.1.4"


def _args_of(binding: dict) -> dict[str, dict]:
    return {a["name"]: a for a in binding["arguments"]}


def test_mpi_function_and_multiline_prototypes(mpi):
    wtime = mpi["MPI_Wtime"]
    assert wtime.schema["procedure"] == "function" and wtime.schema["returns"] == "DOUBLE PRECISION"
    assert wtime.schema["signature"] == "DOUBLE PRECISION MPI_Wtime()" and wtime.schema["max_args"] == 0
    sendrecv = _args(mpi["MPI_Sendrecv"])
    assert len(sendrecv) == 13
    assert sendrecv["status"]["type"] == "INTEGER, DIMENSION(MPI_STATUS_SIZE)"
    assert sendrecv["recvbuf"]["intent"] == "out"
    # MPI_Allgather's page has a stray comma before `INTEGER IERROR`
    assert _args(mpi["MPI_Allgather"])["ierror"]["type"] == "INTEGER"
    assert _args(mpi["MPI_Allgather"])["comm"]["type"] == "INTEGER"


def test_mpi_stubs_and_c_only_pages_give_nothing():
    source = MpiSource(man3=MAN3, dpkg_list=None)
    by_page = {Path(u.id).name: source.load(u) for u in source.units()}
    assert by_page["MPI_Ibcast.openmpi.3.gz"] == []
    assert by_page["MPI_Comm_f2c.openmpi.3.gz"] == []


# --------------------------------------------------------------------------------------- OpenMP


CORE_DIRECTIVES = [
    "parallel",
    "do",
    "parallel do",
    "sections",
    "single",
    "master",
    "masked",
    "critical",
    "atomic",
    "barrier",
    "task",
    "taskwait",
    "taskloop",
    "simd",
    "do simd",
    "target",
    "teams",
    "distribute",
]
CORE_CLAUSES = [
    "private",
    "shared",
    "firstprivate",
    "lastprivate",
    "reduction",
    "schedule",
    "collapse",
    "num_threads",
    "default",
    "if",
    "nowait",
]


def test_openmp_core_directives_and_clauses(openmp):
    for d in CORE_DIRECTIVES:
        assert openmp[f"!$omp {d}"].schema["kind"] == "openmp_directive"
    for c in CORE_CLAUSES:
        assert openmp[f"{c} clause"].schema["keyword"] == c
    pdo = openmp["!$omp parallel do"]
    assert {"reduction", "schedule", "private", "collapse", "num_threads"} <= set(pdo.schema["clauses"])
    assert pdo.schema["end"] == "!$omp end parallel do" and pdo.schema["end_required"] is False
    assert "nowait" in openmp["!$omp do"].schema["end_clauses"]


def test_openmp_clause_references_resolve(openmp):
    for rec in openmp.values():
        if rec.schema["kind"] == "openmp_directive":
            for c in rec.schema["clauses"] + rec.schema["end_clauses"]:
                assert f"{c} clause" in openmp, (rec.name, c)


def test_openmp_clause_arguments(openmp):
    schedule = openmp["schedule clause"].schema
    assert (schedule["min_args"], schedule["max_args"]) == (1, 3)
    kind = _args(openmp["schedule clause"])["kind"]
    assert kind["choices"] == ["static", "dynamic", "guided", "auto", "runtime"]
    assert openmp["nowait clause"].schema["max_args"] == 0
    assert "+" in _args(openmp["reduction clause"])["reduction-identifier"]["choices"]
    assert "!$omp parallel do" in openmp["reduction clause"].schema["directives"]


def test_openmp_routines_agree_with_fortls_omp_lib(openmp):
    fortls = json.loads((fortls_data() / MODULES).read_text())["omp_lib"]["children"]
    listed = {c["name"]: c for c in fortls if c["type"] in (1, 2)}
    routines = {n: r for n, r in openmp.items() if r.schema["kind"] == "openmp_routine"}
    assert {"omp_get_thread_num", "omp_get_num_threads", "omp_get_wtime", "omp_set_num_threads"} <= set(
        routines
    )
    shared = set(routines) & set(listed)
    assert len(shared) >= 50
    for name in shared:
        expected = [a.lower() for a in listed[name].get("args", "").split(",") if a]
        assert [a["name"] for a in routines[name].schema["arguments"]] == expected, name
    wtime = routines["omp_get_wtime"].schema
    assert (wtime["procedure"], wtime["returns"], wtime["signature"]) == (
        "function",
        "double precision",
        "omp_get_wtime()",
    )
    assert routines["omp_set_num_threads"].schema["signature"] == "call omp_set_num_threads(num_threads)"


@pytest.mark.skipif(shutil.which("gfortran") is None, reason="gfortran not installed")
def test_gfortran_accepts_every_openmp_routine_signature(openmp, tmp_path):
    decls, calls = [], []
    for i, rec in enumerate(r for r in openmp.values() if r.schema["kind"] == "openmp_routine"):
        names = []
        for j, a in enumerate(rec.schema["arguments"]):
            var = f"a{i}_{j}"
            type_ = a["type"].replace(", dimension(*)", "")
            type_ = "character(len=64)" if type_.startswith("character") else type_
            decls.append(f"{type_} :: {var}{'(8)' if 'dimension' in a['type'] else ''}")
            names.append(var)
        call = f"{rec.name}({', '.join(names)})"
        if rec.schema["procedure"] == "function":
            decls.append(f"{rec.schema['returns']} :: r{i}")
            calls.append(f"r{i} = {call}")
        else:
            calls.append(f"call {call}")
    src = tmp_path / "routines.f90"
    src.write_text("\n".join(["program p", "use omp_lib", "implicit none", *decls, *calls, "end program"]))
    done = subprocess.run(
        ["gfortran", "-fopenmp", "-fsyntax-only", str(src)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------------------ all sources


def test_every_record_has_the_fortran_schema(intrinsics, lapack, mpi, openmp):
    for records in (intrinsics, lapack, mpi, openmp):
        for rec in records.values():
            assert rec.dsl == "fortran" and rec.summary and rec.version
            assert set(rec.schema) >= SCHEMA_KEYS, rec.name
            args = rec.schema["arguments"]
            required = sum(1 for a in args if not a["optional"])
            assert rec.schema["min_args"] == required
            assert rec.schema["max_args"] in (None, len(args))
            assert DocRecord.from_json(json.loads(json.dumps(rec.to_json()))) == rec


def test_fortran_sources_have_distinct_names():
    names = [s.name for s in fortran_sources()]
    assert len(names) == len(set(names)) == 4


# ---------------------------------------------------------------------------------- helpers


def test_page_helpers():
    assert th_fields(
        '.TH "double_blas_level3" 3 "Sun Nov 27 2022" "Version 3.11.0" "LAPACK" \\" -*- nroff -*-'
    ) == [
        "double_blas_level3",
        "3",
        "Sun Nov 27 2022",
        "Version 3.11.0",
        "LAPACK",
    ]
    assert is_redirect('.\\" comment\n.so man3/MPI_Bcast.3\n')
    assert not is_redirect(".TH MPI_Bcast 3\n")


def test_parse_intent():
    assert [
        parse_intent(t) for t in ("[in]", "[out]", "[in,out]", "INTENT(IN OUT)", "intent(inout)", "x")
    ] == [
        "in",
        "out",
        "inout",
        "inout",
        "inout",
        None,
    ]


IDENT = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)


@given(st.lists(st.tuples(IDENT, st.booleans()), min_size=1, max_size=8, unique_by=lambda t: t[0]))
def test_fortls_notation_round_trips(args):
    spec = ",".join(f"{n}={n.lower()}" if keyword else n for n, keyword in args)
    assert fortls_arguments(spec) == args


@given(st.lists(st.tuples(IDENT, st.booleans()), min_size=0, max_size=8, unique_by=lambda t: t[0]))
def test_bracket_synopsis_round_trips(args):
    """call_signature renders optional arguments in brackets; the synopsis reader reads them back."""
    arguments = [argument(n.lower(), optional=opt) for n, opt in args]
    page = IntrinsicPage(call_synopsis="result = " + call_signature("f", arguments, False, False))
    assert [page.optional_in_synopsis(n.lower()) for n, _ in args] == [opt for _, opt in args]


@given(st.lists(st.from_regex(r"[a-z]+(\([a-z0-9,:*]*\))?", fullmatch=True), min_size=1, max_size=6))
def test_split_top_keeps_parenthesised_commas(parts):
    assert split_top(", ".join(parts)) == parts


# ----------------------------------------------------------------------------- requests file


def _requests() -> list[dict]:
    return [json.loads(line) for line in REQUESTS.read_text().splitlines() if line.strip()]


def test_requests_file_shape():
    rows = _requests()
    assert len(rows) >= 60
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["id"].startswith("fortran/req-") and r["lang"] == "fortran"
        assert r["nl"].strip() and isinstance(r["expected"], list)
    assert sum("fortran" in r["nl"].lower() for r in rows) < len(rows) / 4


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("DSLGEN_SLOW_TESTS") != "1", reason="needs all installed Fortran docs")
def test_requests_expect_documented_names():
    names = {rec.name for source in fortran_sources() for unit in source.units() for rec in source.load(unit)}
    missing = {n for r in _requests() for n in r["expected"] if n not in names}
    assert not missing
