"""Pre-tokenization: regex pieces, tree-sitter lexemes, fixed-form rewrite, directives, training words."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.training.tokenizer.directives import directive_lexemes
from codegen.training.tokenizer.fixed_form import looks_fixed_form, to_free_form
from codegen.training.tokenizer.lexemes import lex
from codegen.training.tokenizer.pieces import pieces
from codegen.training.tokenizer.words import training_words

FIXTURES = Path(__file__).parent / "fixtures" / "tokenization"
FILES = {
    "heat_mpi_omp.f90": "fortran",
    "daxpy_fixed.f": "fortran",
    "job.sh": "bash",
    "copy_examples.yml": "ansible",
}
CODE_CHARS = [*"abzXYZ_09 \t\n\r.,;:!#$%&'\"(){}[]=+-*/\\<>|~@^`cC", "é", "中", "\u00a0", "\x0c"]
# any Unicode text a file can hold (lone surrogates are not UTF-8 and never reach a tokenizer)
code_text = st.text(
    alphabet=st.sampled_from(CODE_CHARS) | st.characters(blacklist_categories=("Cs",)), max_size=300
)


def _pieces(text: str, syntax_phrases: bool = False) -> list[str]:
    return [piece for piece, _offsets in pieces(text, syntax_phrases)]


@pytest.mark.parametrize("syntax_phrases", [False, True])
@given(text=code_text)
@settings(max_examples=300, deadline=None)
def test_pieces_cover_the_text_exactly(syntax_phrases: bool, text: str) -> None:
    found = pieces(text, syntax_phrases)
    assert "".join(p for p, _ in found) == text
    assert all(text[a:b] == p for p, (a, b) in found)


@pytest.mark.parametrize("syntax_phrases", [False, True])
@pytest.mark.parametrize("lang", ["fortran", "bash", "ansible", "english"])
@given(text=code_text)
@settings(max_examples=60, deadline=None)
def test_training_words_cover_the_text_and_stay_inside_pieces(
    lang: str, syntax_phrases: bool, text: str
) -> None:
    words = training_words(text, lang, syntax_phrases=syntax_phrases).words
    assert "".join(words) == text
    piece_ends = set()
    offset = 0
    for piece in _pieces(text, syntax_phrases):
        offset += len(piece)
        piece_ends.add(offset)
    # every inference piece boundary is also a word boundary: no learned token is unreachable
    word_ends = set()
    offset = 0
    for word in words:
        offset += len(word)
        word_ends.add(offset)
    assert piece_ends <= word_ends


def test_api_names_flags_and_dotted_names_are_single_pieces() -> None:
    assert " MPI_Comm_rank" in _pieces("call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)")
    assert " omp_get_thread_num" in _pieces("n = omp_get_thread_num()")
    assert "ansible.builtin.copy" in _pieces("- name: x\n  ansible.builtin.copy:\n")
    assert " --ntasks-per-node" in _pieces("#SBATCH --ntasks-per-node=4")
    assert " 1.0d0" in _pieces("x = 1.0d0")
    assert {".eq.", " .and."} <= set(_pieces("if (a.eq.b .and. c) y = 1"))


def test_layout_joins_a_keyword_or_comment_but_never_a_name() -> None:
    assert _pieces("x = 1\n      CALL FOO\n") == ["x", " =", " 1", "\n      CALL", " FOO", "\n"]
    # a name is tokenized the same at any indentation
    assert _pieces("\n      CNT = 1\n  callback = 2\n    src: a\n")[:2] == ["\n      ", "CNT"]
    assert {"callback", "src"} <= set(_pieces("\n  callback = 2\n    src: a\n"))
    assert "\n  then" in _pieces("if x\n  then\n")
    assert "\nC     .. Local Scalars .." in _pieces("      END\nC     .. Local Scalars ..\n")
    assert "\n  ! note" in _pieces("x = 1\n  ! note\n")
    # a fixed-form continuation mark belongs to the layout
    assert "\n     $           " in _pieces("      Y = Y +\n     $           DA*X\n")


FORTRAN = """      SUBROUTINE F(X, N)
      DOUBLE PRECISION, INTENT(IN) :: X(N)
      IF (N .GT. 0) THEN
         GO TO 10
      END IF
      X(1) = -1.0D0
      END
"""


def test_syntax_phrases_join_runs_of_keywords_and_punctuation_only() -> None:
    found = _pieces(FORTRAN, syntax_phrases=True)
    assert {"\n      DOUBLE PRECISION, INTENT(IN) ::", "\n      IF (", ") THEN", "\n         GO TO"} <= set(
        found
    )
    assert {"\n      END IF", " X", "N", " .GT.", " 0", " 10", ") =", " -1.0D0"} <= set(found)
    # without the setting each keyword and punctuation run is its own piece
    assert {"\n      DOUBLE", " PRECISION", " INTENT", "(", "IN", ")", " ::"} <= set(_pieces(FORTRAN))
    # names keep their prefixes, template slots their braces
    bash = "if [ -f $x ]; then cp --force {{path/to/file}} ~/b; fi"
    assert _pieces(bash, syntax_phrases=True) == [
        "if [",
        " -f",
        " $x",
        " ]; then",
        " cp",
        " --force",
        " {{path/to/file}}",
        " ~/",
        "b",
        "; fi",
    ]
    assert " {{ item }}" in _pieces("    src: {{ item }}\n", syntax_phrases=True)


def test_syntax_phrase_words_join_only_what_tree_sitter_calls_syntax() -> None:
    words = training_words(FORTRAN, "fortran", "f.f90", syntax_phrases=True).words
    assert {"\n      DOUBLE PRECISION, INTENT(IN) ::", "\n      IF (", ") THEN", "\n      END IF"} <= set(
        words
    )
    assert {" SUBROUTINE", " F", "(", "X", ",", " N", ")", " 10"} <= set(words)  # names stay alone
    # `in` is a keyword, but `*.txt` is a word (a name) for tree-sitter: no merge may join them
    words = training_words("for f in *.txt; do echo $f; done\n", "bash", syntax_phrases=True).words
    assert " in *" in _pieces("for f in *.txt; do", syntax_phrases=True)
    assert {" in", " *", "; do", "; done"} <= set(words)
    # English has no grammar: its words are cut as without syntax phrases
    text = "copy it in (or to) the directory\n"
    assert training_words(text, "english", syntax_phrases=True).words == training_words(text, "english").words


def test_lexing_reports_joins_between_anonymous_leaves() -> None:
    text = "      real(kind=8), intent(in) :: y\n      end if\n"
    joins = lex(text, "fortran", "a.f90").joins
    # the last characters before each join | the next ones; none touches the names `8` and `y`
    assert [text[:j].split()[-1][-4:] + "|" + text[j : j + 3] for j in joins] == [
        "real|(ki",
        "eal(|kin",
        "kind|=8)",
        "d=8)|, i",
        "=8),| in",
        "tent|(in",
        "ent(|in)",
        "t(in|) :",
        "(in)| ::",
        "end| if",
    ]


def test_directive_sentinels_are_not_comments() -> None:
    found = _pieces("x = 1\n!$omp parallel do private(i)\nc$omp end parallel do\n#SBATCH --time=01:00:00\n")
    assert {"!$omp", "c$omp", "#SBATCH", " private", " --time"} <= set(found)


def test_directive_lexer_splits_clauses() -> None:
    text = "!$omp parallel do reduction(+:s) private(i)"
    spans = directive_lexemes(text)
    assert spans is not None
    assert [text[a:b] for a, b in spans] == [
        "!$omp",
        "parallel",
        "do",
        "reduction",
        "(",
        "+",
        ":",
        "s",
        ")",
        "private",
        "(",
        "i",
        ")",
    ]
    assert directive_lexemes("! an ordinary comment") is None
    sbatch = "#SBATCH --nodes=2 --time=01:00:00"
    assert [sbatch[a:b] for a, b in directive_lexemes(sbatch) or []] == [
        "#SBATCH",
        "--nodes",
        "=",
        "2",
        "--time",
        "=",
        "01:00:00",
    ]


@pytest.mark.parametrize("name", sorted(FILES))
def test_fixture_files_parse_without_errors(name: str) -> None:
    text = (FIXTURES / name).read_text()
    lexing = lex(text, FILES[name], name)
    assert lexing.error_chars == 0
    assert lexing.fixed_form == (name == "daxpy_fixed.f")
    words = training_words(text, FILES[name], name).words
    assert "".join(words) == text


def test_lexeme_boundaries_keep_words_apart() -> None:
    words = training_words((FIXTURES / "heat_mpi_omp.f90").read_text(), "fortran").words
    assert " MPI_Allreduce" in words and "(" in words
    # the directive comment is split by the directive lexer, an ordinary comment stays whole
    assert "!$omp" in words and " reduction" in words
    assert "! 1-D heat equation: MPI domain decomposition, OpenMP inside each rank." in words
    bash_words = training_words((FIXTURES / "job.sh").read_text(), "bash").words
    assert "#SBATCH" in bash_words and " --nodes" in bash_words


def test_fixed_form_rewrite_maps_back_exactly() -> None:
    text = (FIXTURES / "daxpy_fixed.f").read_text()
    assert looks_fixed_form(text)
    free = to_free_form(text)
    assert "DY(I) + &\n     &           DA*DX(I)" in free.text
    assert "".join(text[o] for o in free.origin if o >= 0) == text
    assert free.text.count("\n!") == 3  # C, c and * comment lines


@given(
    st.lists(
        st.sampled_from(["C comment", "      X = 1", "     $  + 2", "* note", "   10 CONTINUE", ""]),
        max_size=12,
    )
)
def test_fixed_form_origin_is_monotone_and_complete(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    free = to_free_form(text)
    kept = [o for o in free.origin if o >= 0]
    assert kept == list(range(len(text)))
    assert len(free.origin) == len(free.text)


def test_lexicon_comes_from_grammars_and_installed_documentation() -> None:
    from codegen.training.tokenizer.lexicon import lexicon

    names = lexicon()
    assert {"subroutine", "allocate", "contains"} <= names["fortran_keywords"]
    assert {"if", "then", "done", "esac"} <= names["bash_keywords"]
    assert {"matmul", "size"} <= names["fortran_intrinsics"]
    assert {"omp_get_thread_num"} <= names["openmp"]
    assert {"!$omp", "parallel", "reduction", "num_threads"} <= names["openmp_directives"]
    assert {"MPI_Comm_rank", "MPI_COMM_WORLD", "MPI_DOUBLE_PRECISION"} <= names["mpi"]
    assert "dgemm" in names["blas"] and "dgesv" in names["lapack"] and "dgesv" not in names["blas"]
    assert {"ansible.builtin.copy", "copy", "when", "loop"} <= names["ansible"]
