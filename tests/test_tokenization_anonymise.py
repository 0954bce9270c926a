"""Reversible identifier anonymisation."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.training.tokenizer.anonymise import anonymise, restore

FIXTURES = Path(__file__).parent / "fixtures" / "tokenization"


def test_fortran_user_names_become_placeholders_and_api_names_stay() -> None:
    text = (FIXTURES / "heat_mpi_omp.f90").read_text()
    result = anonymise(text, "fortran")
    assert restore(result) == text
    for api in ("MPI_Allreduce", "MPI_COMM_WORLD", "omp_get_max_threads", "kind", "print"):
        assert api in result.text
    assert "program func_1" in result.text and "end program func_1" in result.text
    assert "local_sum" not in result.text and "unew" not in result.text
    assert result.names["func_1"] == "heat"


def test_fortran_names_are_case_insensitive_and_spellings_restored() -> None:
    text = "subroutine s(N)\n  integer n\n  n = N + 1\nend subroutine s\n"
    result = anonymise(text, "fortran")
    assert (
        result.text
        == "subroutine func_1(var_1)\n  integer var_1\n  var_1 = var_1 + 1\nend subroutine func_1\n"
    )
    assert restore(result) == text


def test_fixed_form_and_blas_calls() -> None:
    text = (FIXTURES / "daxpy_fixed.f").read_text()
    result = anonymise(text, "fortran", "daxpy_fixed.f")
    assert "CALL DSCAL(" in result.text  # BLAS names are API names
    assert "DUPD" not in result.text
    assert restore(result) == text


def test_bash_variables_and_functions_but_not_environment() -> None:
    text = (FIXTURES / "job.sh").read_text()
    result = anonymise(text, "bash")
    assert restore(result) == text
    assert (
        "${HOME}" in result.text and "SLURM_CPUS_PER_TASK" in result.text and "OMP_NUM_THREADS" in result.text
    )
    assert "log_dir" not in result.text and "cleanup" not in result.text
    assert "trap func_1 EXIT" in result.text


def test_placeholders_never_collide_with_existing_text() -> None:
    text = 'x=1\necho "var_1 $x"\n'
    result = anonymise(text, "bash")
    assert result.prefixes != ("var", "func")
    assert "var_1" in result.text  # the original string is untouched
    assert restore(result) == text


def test_yaml_and_english_are_unchanged() -> None:
    text = (FIXTURES / "copy_examples.yml").read_text()
    assert anonymise(text, "ansible").text == text


names = st.sampled_from(["a", "B", "x1", "var_2", "Total", "n", "N", "func", "i", "MPI_Send", "dgemm"])


@given(st.lists(st.tuples(names, names, st.sampled_from(["+", "*", "-"])), min_size=1, max_size=8))
@settings(max_examples=80, deadline=None)
def test_restore_is_exact_for_generated_fortran(statements: list[tuple[str, str, str]]) -> None:
    body = "".join(f"  {a} = {b} {op} {a}\n" for a, b, op in statements)
    text = f"program p\n{body}end program p\n"
    assert restore(anonymise(text, "fortran")) == text


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b_2", "HOME", "x", "var_1"]), st.text("abc $", max_size=6)),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=80, deadline=None)
def test_restore_is_exact_for_generated_bash(assignments: list[tuple[str, str]]) -> None:
    text = "".join(f'{name}="{value}"; echo "${name}"\n' for name, value in assignments)
    assert restore(anonymise(text, "bash")) == text
