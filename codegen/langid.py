"""Which language a request is for, learned from the index's own example requests.

Retrieval votes alone confuse Ansible and Bash (both have a `user` document); how people phrase
requests separates them better: tldr-style "List files in `path`" vs Ansible task names such as
"Ensure nginx is present". A logistic regression over hashed word uni/bigrams is trained at index
build time on the example requests of every non-held-out document (Fortran: routine summaries and
example requests) plus the packaged NL2Bash requests of training commands, and stored as plain arrays
next to the index. tldr examples alone taught it that "find all log files older than 7 days and delete
them" is an Ansible task name; NL2Bash's requests are phrased like that (P(bash) .31 -> .91).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice, pairwise
from pathlib import Path

import mmh3
import numpy as np

from codegen.docs.record import DSLS, DocRecord
from codegen.paths import package_data

# Bump when what the classifier learns from changes: the index stamp includes it, so indexes rebuild.
VERSION = 2
N_FEATURES = 1 << 18
TOKEN_PATTERN = r"[A-Za-z0-9_]+|`|'|\""
_TOKENS = re.compile(TOKEN_PATTERN)
MAX_PER_LANGUAGE = 30_000  # all examples and NL2Bash requests; keeps the build under a minute
# NL2Bash requests of training commands (scripts/vendor_nl2bash.py writes it), extra Bash phrasing
NL2BASH_FILE = "nl2bash-train.jsonl.gz"
# NL2Bash training pairs that run a held-out command: the product index's example memory only
NL2BASH_HELD_OUT_FILE = "nl2bash-train-held-out-commands.jsonl.gz"


def hashed_counts(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Feature indices and counts of `text`, as `_vectorizer()` computes them (same analyzer:
    lower case, TOKEN_PATTERN, uni- and bigrams, signed MurmurHash3 with seed 0, |h| mod N_FEATURES).
    At query time this replaces scikit-learn, whose import alone costs ~0.9 s of a CLI cold start."""
    tokens = _TOKENS.findall(text.lower())
    grams = tokens + [f"{a} {b}" for a, b in pairwise(tokens)]
    counts = Counter(abs(mmh3.hash(g, 0)) % N_FEATURES for g in grams)
    indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    return indices, np.fromiter(counts.values(), dtype=np.float64, count=len(counts))


def _vectorizer():
    """The training-time feature extractor (scikit-learn); `hashed_counts` is its query-time twin."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=N_FEATURES,
        ngram_range=(1, 2),
        alternate_sign=False,
        token_pattern=TOKEN_PATTERN,
        norm=None,
    )


def nl2bash_requests(path: Path | None = None) -> Iterator[str]:
    """The packaged NL2Bash requests; none when the file is absent (a trimmed install)."""
    path = path or package_data(NL2BASH_FILE)
    if not path.is_file():
        return
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)["nl"]


def training_texts(records: Iterable[DocRecord]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    per_lang = dict.fromkeys(DSLS, 0)

    def add(nl: str, dsl: str) -> None:
        if nl and per_lang[dsl] < MAX_PER_LANGUAGE:
            texts.append(nl)
            labels.append(dsl)
            per_lang[dsl] += 1

    for rec in records:
        samples = [e.nl for e in rec.examples]
        if rec.dsl == "fortran" and rec.summary:
            samples.append(rec.summary)
        for nl in samples:
            add(nl, rec.dsl)
    # NL2Bash complements the index's own Bash examples but never outnumbers them, so a small index
    # (or one without Bash) keeps its own balance; the full index has 18k tldr examples, NL2Bash 9.5k
    for nl in islice(nl2bash_requests(), per_lang["bash"]):
        add(nl, "bash")
    return texts, labels


class LanguageModel:
    def __init__(self, classes: list[str], coef: np.ndarray, intercept: np.ndarray, idf: np.ndarray) -> None:
        self.classes = classes
        self.coef = coef
        self.intercept = intercept
        self.idf = idf

    @classmethod
    def train(cls, records: Iterable[DocRecord]) -> LanguageModel | None:
        """None when the records do not cover at least two languages (nothing to tell apart)."""
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        texts, labels = training_texts(records)
        if len(set(labels)) < 2:
            return None
        counts = _vectorizer().transform(texts)
        tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
        clf.fit(tfidf.transform(counts), labels)
        coef = clf.coef_.astype(np.float32)
        intercept = clf.intercept_.astype(np.float32)
        if len(clf.classes_) == 2:  # binary LR stores one row: expand to one row per class
            coef = np.vstack([-coef, coef]) / 2
            intercept = np.array([-intercept[0], intercept[0]], dtype=np.float32) / 2
        return cls(list(clf.classes_), coef, intercept, tfidf.idf_.astype(np.float32))

    def save(self, path: Path) -> None:
        np.savez(path, classes=np.array(self.classes), coef=self.coef, intercept=self.intercept, idf=self.idf)

    @classmethod
    def load(cls, path: Path) -> LanguageModel:
        data = np.load(path, allow_pickle=False)
        return cls([str(c) for c in data["classes"]], data["coef"], data["intercept"], data["idf"])

    def probabilities(self, text: str) -> dict[str, float]:
        indices, counts = hashed_counts(text)
        weights = (np.log(counts) + 1.0) * self.idf[indices]  # sublinear tf, idf
        norm = np.sqrt((weights**2).sum()) or 1.0
        logits = (self.coef[:, indices] @ (weights / norm)) + self.intercept
        p = np.exp(logits - logits.max())
        p /= p.sum()
        probs = dict.fromkeys(DSLS, 0.0)
        probs.update({c: float(v) for c, v in zip(self.classes, p, strict=True)})
        return probs
