"""Routine-aware Fortran generation: a randomly initialised model (tests/tiny_lm.py), decoding under
the program-skeleton grammar built from real documentation (fixtures/grammar/hpc_records.json),
writes programs that call the routine with arguments of the documented types and that build with the
real tools. What is left to the model may be wrong with random weights, so only where the request
and the documentation fix every choice (dgesv, dsyev) must the program also pass a test."""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import pytest

from codegen.decoding import generate
from codegen.docs.record import DocRecord
from codegen.evaluation.metrics.fortran import ExecTest, fortran_example
from codegen.evaluation.suites import HPC_TASKS
from codegen.grammar import build_grammar
from codegen.grammar.fortran import argument_kind
from codegen.prompt import build_prompt
from codegen.validate import validate

FIXTURE = Path(__file__).parent / "fixtures" / "grammar" / "hpc_records.json"

pytestmark = pytest.mark.skipif(
    shutil.which("gfortran") is None or shutil.which("mpif90") is None, reason="needs gfortran and MPI"
)


@functools.cache
def records() -> dict[str, DocRecord]:
    return {r["name"].lower(): DocRecord.from_json(r) for r in json.loads(FIXTURE.read_text())}


@functools.cache
def model():
    from tests.tiny_lm import random_llama, train_bpe

    texts = [json.loads(line)["code"] for line in HPC_TASKS.read_text().splitlines()]
    tokenizer = train_bpe(texts * 3, 600)
    return random_llama(len(tokenizer), seed=7, eos_id=tokenizer.eos_token_id, eos_bias=5.0), tokenizer


def decode(request: str, *names: str) -> str:
    recs = [records()[n] for n in names]
    spec = build_grammar("fortran", recs, request=request)
    assert spec.whole_program, spec.constraints
    lm, tokenizer = model()
    out = generate(lm, tokenizer, build_prompt(request, "fortran", recs), spec.text, max_new_tokens=1024)
    assert not isinstance(out, Exception) and out[0].finished, out
    return out[0].text


def declarations(code: str) -> dict[str, tuple[str, int]]:
    """name -> (kind, rank) from the program's type declarations."""
    found = {}
    for line in code.splitlines():
        m = re.match(r"\s*(integer|double precision|logical)\b(.*?)\s::\s*(.*)", line)
        if not m:
            continue
        kind = {"double precision": "real"}.get(m[1], m[1])
        dimension = re.search(r"dimension\(([^)]*)\)", m[2])
        for entity in re.findall(r"\w+(?:\([^)]*\))?", m[3]):
            name, _, shape = entity.partition("(")
            shape = shape or (dimension[1] + ")" if dimension else "")
            found[name] = (kind, shape.count(",") + 1 if shape else 0)
    return found


def call_arguments(code: str, routine: str) -> list[str]:
    m = re.search(rf"\b{routine}\((.*)\)\s*$", code, re.IGNORECASE | re.MULTILINE)
    assert m, f"no call of {routine}:\n{code}"
    args, depth, cur = [], 0, ""
    for ch in m[1]:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return [*args, cur.strip()]


def assert_documented_call(code: str, name: str) -> None:
    """The routine is called with its documented number of arguments, each of the documented type
    and rank (character options as literals, leading dimensions `size(array, 1)`)."""
    documented = [a for a in records()[name].schema["arguments"] if not a["optional"]]
    actual = call_arguments(code, name)
    assert len(actual) == len(documented), (actual, code)
    declared = declarations(code)
    for doc, arg in zip(documented, actual, strict=True):
        want = argument_kind(doc["type"])
        assert want is not None
        if want[0] == "character":
            assert re.fullmatch(r"'[A-Z]'", arg), (doc["name"], arg)
        elif re.fullmatch(r"size\(\w+, 1\)|\d+", arg):
            assert want == ("integer", 0), (doc["name"], arg)
        else:
            assert declared.get(arg) == (want[0], min(want[1], 2)), (
                doc["name"],
                arg,
                declared.get(arg),
                code,
            )


def test_dgemm_program_calls_it_with_documented_types_and_builds() -> None:
    code = decode("Multiply matrices with BLAS dgemm: read m, k, n, then A (m x k) and B (k x n).", "dgemm")
    assert_documented_call(code, "dgemm")
    assert validate("fortran", code).ok, code
    assert re.search(r"allocate\(a\(m, k\)\)", code) and re.search(r"allocate\(b\(k, n\)\)", code), code


def test_dgesv_program_solves_a_system() -> None:
    code = decode(
        "Solve a dense linear system A x = b with LAPACK dgesv: read n, A by rows, then b; print x.", "dgesv"
    )
    assert_documented_call(code, "dgesv")
    result = fortran_example(code, [ExecTest("2\n2 1\n1 3\n3 5\n", "0.8 1.4\n")])
    assert result.compile_ok and result.passed, code


def test_dsyev_program_prints_eigenvalues() -> None:
    code = decode("Eigenvalues of a real symmetric matrix with LAPACK dsyev: read n and the matrix.", "dsyev")
    assert_documented_call(code, "dsyev")
    result = fortran_example(code, [ExecTest("2\n2 1\n1 2\n", "1 3\n")])
    assert result.compile_ok and result.passed, code


def test_mpi_allreduce_program_runs_on_two_ranks() -> None:
    code = decode(
        "MPI program: rank 0 reads n numbers, sum them with MPI_Allreduce.", "mpi_allreduce", "mpi_bcast"
    )
    for step in ("mpi_init", "mpi_comm_rank", "mpi_comm_size", "mpi_finalize"):
        assert f"call {step}(" in code, code
    assert len(call_arguments(code, "mpi_allreduce")) == len(records()["mpi_allreduce"].schema["arguments"])
    result = fortran_example(code, [ExecTest("4\n1 2 3 4\n", "10\n")])
    assert result.compile_ok and result.passed, code


def test_openmp_reduction_program() -> None:
    code = decode(
        "Sum n numbers in parallel with an OpenMP parallel do and a reduction clause.",
        "!$omp parallel do",
        "reduction clause",
    )
    assert re.search(r"!\$omp parallel do reduction\(\+:s\)", code), code
    result = fortran_example(code, [ExecTest("3\n1 2 3.5\n", "6.5\n")])
    assert result.compile_ok and result.passed, code


def test_matmul_program_declares_conforming_matrices() -> None:
    code = decode(
        "Multiply two matrices with the intrinsic matmul: read m, k, n, then A and B by rows.", "matmul"
    )
    assert re.search(r"= matmul\(matrix_a, matrix_b\)", code), code
    assert declarations(code)["matrix_a"] == ("real", 2) and declarations(code)["r"] == ("real", 2), code
    result = fortran_example(code, [ExecTest("1 2 1\n1 2\n3\n4\n", "11\n")])
    assert result.compile_ok and result.passed, code


def test_without_a_routine_for_the_request_the_statement_grammar_remains() -> None:
    spec = build_grammar("fortran", [records()["mpi_bcast"]], request="print hello")
    assert not spec.whole_program
    assert not build_grammar("fortran", [records()["dgemm"]]).whole_program  # no request: statements


def test_an_inverse_calls_the_factorisation_first() -> None:
    code = decode(
        "Invert a square matrix with LAPACK dgetri: read n and the matrix by rows.", "dgetri", "dgetrf"
    )
    assert code.index("call dgetrf(") < code.index("call dgetri("), code
    assert_documented_call(code, "dgetri")
    assert_documented_call(code, "dgetrf")
    result = fortran_example(code, [ExecTest("2\n4 7\n2 6\n", "0.6 -0.7\n-0.2 0.4\n")])
    assert result.compile_ok and result.passed, code


def test_scatter_gather_program_runs_on_two_ranks() -> None:
    code = decode(
        "MPI: scatter n numbers from rank 0 with MPI_Scatter, square each, gather them with MPI_Gather.",
        "mpi_scatter",
        "mpi_gather",
    )
    assert len(call_arguments(code, "mpi_scatter")) == len(records()["mpi_scatter"].schema["arguments"])
    result = fortran_example(code, [ExecTest("4\n1 2 3 4\n", "1 4 9 16\n")])
    assert result.compile_ok and result.passed, code


def test_openmp_matrix_vector_keeps_the_inner_index_private() -> None:
    code = decode("OpenMP matrix-vector product: read m n, the matrix by rows and x.", "!$omp parallel do")
    assert "!$omp parallel do private(j, s)" in code, code
    result = fortran_example(code, [ExecTest("2 3\n1 2 3\n4 5 6\n1 1 1\n", "6 15\n")])
    assert result.compile_ok and result.passed, code


def test_a_logical_mask_is_a_comparison_of_the_numbers_read() -> None:
    code = decode("Read n numbers and print whether any is negative, with the any intrinsic.", "any")
    assert "any(x < 0.0d0)" in code and declarations(code)["r"] == ("logical", 0), code
    result = fortran_example(code, [ExecTest("3\n1 -2 3\n", "T\n"), ExecTest("2\n1 2\n", "F\n")])
    assert result.compile_ok and result.passed, code


def test_the_request_fixes_options_and_the_order_sizes_are_read() -> None:
    from codegen.grammar.fortran_skeleton import program_rules

    dgemm = records()["dgemm"]
    text, _ = program_rules("C = A^T B with dgemm: read m, k, n, then A and B", [dgemm])
    assert 'call dgemm(" "\'T\'" ", " "\'N\'"' in text, text  # only A is transposed
    assert '"  read *, m, k, n\\n"' in text, text  # the request's order, not the signature's m, n, k
    plain, _ = program_rules("multiply two matrices with dgemm", [dgemm])
    assert 'call dgemm(" "\'N\'" ", " "\'N\'"' in plain, plain
    assert '"  alpha = 1.0d0\\n  beta = 0.0d0\\n"' in plain  # unnamed scalars: the plain product


def test_plain_matrices_get_the_general_routine_over_a_better_ranked_symmetric_one() -> None:
    from codegen.grammar.fortran_skeleton import program_rules

    ranked = [records()["dsymm"], records()["dgemm"]]  # as retrieval ranked them for this request
    text, summary = program_rules("multiply two double precision matrices", ranked)
    assert "call dgemm(" in text and "dsymm" not in text, summary
    text, _ = program_rules("multiply a symmetric matrix by a general one", ranked)
    assert "call dsymm(" in text


@pytest.mark.parametrize("name", ["dgesv", "dsyev", "dgemm"])
def test_a_subroutine_request_gets_dummy_arguments_with_the_documented_intents(name: str) -> None:
    code = decode(f"Write a subroutine for our library that calls {name}.", name)
    assert code.startswith(f"subroutine call_{name}("), code
    assert_documented_call(code, name)
    documented = {a["name"]: a["intent"] for a in records()[name].schema["arguments"]}
    declared = dict(re.findall(r"intent\((\w+)\) :: (\w+)", code))
    declared = {v: k for k, v in declared.items()}
    assert declared and all(documented[arg] == intent for arg, intent in declared.items()), (declared, code)
    assert validate("fortran", code).ok, code  # compiled as library code (-c): nothing to link into


def test_extents_follow_the_option_letter_the_request_sets() -> None:
    from codegen.grammar.fortran_skeleton import program_rules

    text, _ = program_rules("y = A^T x with dgemv: read m, n, the m x n matrix A and x", [records()["dgemv"]])
    assert '"  allocate(x(" "m" "))' in text and '"  allocate(y(" "n" "))' in text, text
    text, _ = program_rules("C = A^T B with dgemm: read m, k, n, then A (k x m) and B", [records()["dgemm"]])
    assert '"  allocate(a(" "k" ", " "m" "))' in text, text  # op(A) = A**T is m x k
    plain, _ = program_rules("C = A B with dgemm: read m, k, n, then A and B", [records()["dgemm"]])
    assert '"  allocate(a(" "m" ", " "k" "))' in plain, plain
