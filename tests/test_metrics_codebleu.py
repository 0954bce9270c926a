"""CodeBLEU machinery and its Bash / Ansible YAML / Fortran language parts.

Parity with the `codebleu` package is checked in benchmarks/codebleu_parity.py (it needs a separate
environment); these are worked examples of each component.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.evaluation.metrics.codebleu import (
    code_bleu,
    corpus_bleu,
    data_flow,
    normalize_flow,
    syntax_match,
)
from codegen.evaluation.metrics.codebleu_languages import code_language

BASH = code_language("bash")
FORTRAN = code_language("fortran")
ANSIBLE = code_language("ansible")


def test_ngram_match_is_nltk_corpus_bleu() -> None:
    # clipped precisions 4/5, 3/4, 2/3, 1/2; same length, so no brevity penalty
    assert corpus_bleu([list("abcde")], [list("abcdf")]) == pytest.approx(0.2**0.25)
    # no 4-gram match: smoothing adds 0.1 to the zero count
    expected = math.exp((math.log(3 / 4) + math.log(1 / 3) + math.log(0.1 / 2) + math.log(0.1 / 1)) / 4)
    assert corpus_bleu([list("abcd")], [list("abxd")]) == pytest.approx(expected)
    assert corpus_bleu([list("abcd")], [list("xyz")]) == 0.0


def test_weighted_ngram_match_weighs_keywords_and_counts_recall() -> None:
    weights = [{"if": 1.0, "x": 0.2, "fi": 1.0}]
    got = corpus_bleu([["if", "x", "fi"]], [["if", "y", "fi"]], weights)
    # unigrams: (1 + 1) / (1 + 0.2 + 1); no bigram or trigram matches; no 4-grams at all
    expected = math.exp((math.log(2 / 2.2) + math.log(0.1 / 2) + math.log(0.1 / 1) + math.log(0.1 / 1)) / 4)
    assert got == pytest.approx(expected)


def test_bash_keywords_come_from_the_grammar() -> None:
    assert {"if", "then", "fi", "for", "do", "done", "case", "esac", "function"} <= BASH.keywords
    assert "echo" not in BASH.keywords
    assert {"subroutine", "call", "intent", "do"} <= FORTRAN.keywords
    assert FORTRAN.keyword_form("CALL") in FORTRAN.keywords
    assert {"name", "when", "become", "loop", "register"} <= ANSIBLE.keywords
    assert ANSIBLE.keyword_form("become:") in ANSIBLE.keywords


def test_syntax_match_counts_reference_subtrees_found_in_the_candidate() -> None:
    # reference subtrees: program, pipeline, 2 x command, 2 x command_name; the candidate has the
    # `echo a` command (which has the same shape as `wc -l`) and its command_name, not the others
    assert syntax_match(["echo a | wc -l"], ["echo a"], BASH) == pytest.approx(4 / 6)
    assert syntax_match(["ls -l  # list it"], ["ls -l"], BASH) == 1.0  # comments do not count


def test_bash_data_flow_matches_up_to_renaming() -> None:
    ref = 'x=$(date); echo "$x"'
    assert [e[1:] for e in normalize_flow(data_flow(ref, BASH))] == [
        ("computedFrom", ()),
        ("comesFrom", ("var_0",)),
    ]
    renamed = code_bleu([ref], ['y=$(date); echo "$y"'], BASH)
    assert renamed.dataflow_match == 1.0
    unrelated = code_bleu([ref], ['x=$(date); echo "$z"'], BASH)
    assert unrelated.dataflow_match == 0.0


def test_bash_loop_and_read_define_variables() -> None:
    flow = normalize_flow(data_flow('read -r n; for f in "$n"/*; do wc -l "$f"; done', BASH))
    assert ("var_1", "computedFrom", ("var_0",)) in flow  # f computed from n
    assert ("var_1", "comesFrom", ("var_1",)) in flow  # $f comes from the loop variable


def test_fortran_data_flow() -> None:
    code = "subroutine scale(a, n)\n  integer :: n, i\n  real :: a(n)\n  do i = 1, n\n    a(i) = 2 * a(i)\n  end do\nend subroutine\n"
    flow = normalize_flow(data_flow(code, FORTRAN))
    # a(i) = 2 * a(i): `a` is computed from the `a` and `i` on the right (a=var_0, n=var_1, i=var_2)
    assert ("var_0", "computedFrom", ("var_0", "var_2")) in flow
    # do i = 1, n: the loop variable is computed from n
    assert ("var_2", "computedFrom", ("var_1",)) in flow
    same = code_bleu([code], [code.upper()], FORTRAN)  # Fortran is case-insensitive
    assert same.dataflow_match == 1.0 and same.syntax_match == 1.0


def test_fortran_directives_are_code_not_comments() -> None:
    assert FORTRAN.strip_comments("! note\n!$omp parallel\nx = 1 ! why\n") == "\n!$omp parallel\nx = 1 \n"


def test_yaml_has_no_data_flow_and_its_weight_is_spread() -> None:
    ref = "- name: Install nginx\n  ansible.builtin.apt:\n    name: nginx\n    state: present\n"
    pred = "- name: Install nginx\n  ansible.builtin.apt:\n    name: nginx\n    state: latest\n"
    score = code_bleu([ref], [pred], ANSIBLE)
    assert score.dataflow_match is None
    parts = (score.ngram_match, score.weighted_ngram_match, score.syntax_match)
    assert score.codebleu == pytest.approx(sum(parts) / 3)


@pytest.mark.parametrize(
    ("lang", "code"),
    [
        (BASH, 'for f in *.log; do gzip -9 "$f"; done\nx=$(ls | wc -l)\necho "$x"'),
        (ANSIBLE, "- name: Copy the file\n  ansible.builtin.copy:\n    src: a.conf\n    dest: /etc/a.conf\n"),
        (
            FORTRAN,
            "program p\n  integer :: i, s\n  s = 0\n  do i = 1, 10\n    s = s + i\n  end do\n  print *, s\nend program p\n",
        ),
    ],
)
def test_identical_code_scores_one(lang, code: str) -> None:
    score = code_bleu([code], [code], lang)
    assert score.codebleu == pytest.approx(1.0)


def test_empty_prediction_scores_low() -> None:
    score = code_bleu(["tar -czf a.tgz dir"], [""], BASH)
    assert (score.ngram_match, score.weighted_ngram_match, score.syntax_match) == (0.0, 0.0, 0.0)


words = st.sampled_from(
    ["echo", "$x", "x=1", "|", "ls", "-l", "if", "then", "fi", ";", "done", '"$y"', "for"]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.lists(words, max_size=12), st.lists(words, max_size=12)), min_size=1, max_size=4)
)
def test_scores_stay_in_range(pairs: list[tuple[list[str], list[str]]]) -> None:
    refs = [" ".join(r) for r, _ in pairs]
    preds = [" ".join(p) for _, p in pairs]
    score = code_bleu(refs, preds, BASH)
    for value in (score.codebleu, score.ngram_match, score.weighted_ngram_match, score.syntax_match):
        assert -1e-9 <= value <= 1 + 1e-9
    assert score.dataflow_match is None or 0.0 <= score.dataflow_match <= 1.0


def test_bash_placeholders_are_anonymised_before_scoring() -> None:
    ref = "tar -czf {{archive.tar.gz}} {{[-C|--directory]}} {{path}}"
    pred = "tar -czf {{target.tgz}} {{[-C|--directory]}} {{dir}}"
    assert code_bleu([ref], [pred], BASH).codebleu == pytest.approx(1.0)
    assert code_bleu([ref], ["tar -czf {{a}} {{b}} {{a}}"], BASH).codebleu < 1.0
