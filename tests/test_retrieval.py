from __future__ import annotations

import pytest

from codegen.docs.index import DocIndex
from codegen.errors import InputError
from codegen.retrieval import Retriever


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ("find files larger than 100 MB", "bash", "find"),
        ("compress a directory into a gzip archive", "bash", "tar"),
        ("show disk usage of a directory", "bash", "du"),
        ("create a user named deploy", "ansible", "ansible.builtin.user"),
        ("install the nginx package with apt", "ansible", "ansible.builtin.apt"),
        ("start nginx and enable it on boot", "ansible", "ansible.builtin.service"),
        ("multiply two double precision matrices", "fortran", "dgemm"),
        ("solve a system of linear equations", "fortran", "dgesv"),
        ("broadcast a value from the root process to all processes", "fortran", "MPI_Bcast"),
    ],
)
def test_known_queries_rank_the_right_document_first(
    small_index: DocIndex, query: str, lang: str, expected: str
) -> None:
    hits = Retriever(small_index).search(query, lang=lang, k=3)
    assert hits[0].name == expected
    assert all(h.dsl == lang for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("multiply two double precision matrices", "fortran"),
        ("broadcast a message to all processes of the group", "fortran"),
        ("list directory contents in long format", "bash"),
        ("manage apt packages on Debian hosts", "ansible"),
    ],
)
def test_language_detection(small_index: DocIndex, query: str, lang: str) -> None:
    detected, probs = Retriever(small_index).detect_language(query)
    assert detected == lang
    assert abs(sum(probs.values()) - 1) < 1e-9 and max(probs, key=probs.get) == lang


def test_unknown_language_is_an_input_error(small_index: DocIndex) -> None:
    with pytest.raises(InputError, match="unknown language 'cobol'"):
        Retriever(small_index).search("anything", lang="cobol")


def test_query_with_no_known_words_returns_nothing(small_index: DocIndex) -> None:
    assert Retriever(small_index).search("zzzqqq xxyyzz") == []


def test_a_search_among_some_documents_only(small_index: DocIndex) -> None:
    import numpy as np

    retriever = Retriever(small_index)
    ls = small_index.position("bash", "ls")
    ansible_task = np.flatnonzero(small_index.dsl_mask("ansible"))[:1]
    query = "list the files of a directory hierarchy"
    everything = [h.name for h in retriever.search(query, "bash", k=3)]
    assert everything[0] == "find" and "ls" in everything
    assert [h.name for h in retriever.search(query, "bash", k=3, only=np.array([ls]))] == ["ls"]
    # none of the allowed documents is scored at all (another language's): the search is not restricted
    assert [h.name for h in retriever.search(query, "bash", k=3, only=ansible_task)] == everything
