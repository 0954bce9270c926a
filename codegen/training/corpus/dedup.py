"""Exact and near-duplicate removal, held-out documents first so that training text never repeats them.

Exact duplicates compare text with whitespace runs collapsed. Near duplicates are found with MinHash
LSH (datasketch) over word 5-shingles at Jaccard ≥ `threshold`; documents with fewer shingles than
`min_shingles` (one-line commands) are compared exactly only, since two short commands that differ in
one flag are different examples, not copies.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from datasketch import MinHash, MinHashLSH

from codegen.training.corpus.document import Document

_WORD = re.compile(r"\w+|[^\w\s]")
_SPACE = re.compile(r"\s+")
SHINGLE = 5
NUM_PERM = 64


@dataclass(slots=True)
class DedupReport:
    exact: int = 0
    near: int = 0
    dropped_ids: list[str] = field(default_factory=list)


def _shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(max(0, len(words) - SHINGLE + 1))}


def _minhash(shingles: set[bytes]) -> MinHash:
    sketch = MinHash(num_perm=NUM_PERM, seed=1)
    sketch.update_batch(sorted(shingles))
    return sketch


def deduplicate(
    documents: Iterable[Document], threshold: float = 0.85, min_shingles: int = 20
) -> tuple[list[Document], DedupReport]:
    """Documents without duplicates, in input order among the kept ones; held-out ones win ties."""
    docs = list(documents)
    order = sorted(range(len(docs)), key=lambda i: docs[i].split == "train")  # stable: held-out first
    seen: set[bytes] = set()
    lsh: dict[str, MinHashLSH] = {}
    keep = [False] * len(docs)
    report = DedupReport()
    for i in order:
        doc = docs[i]
        digest = hashlib.sha256(f"{doc.lang}\0{_SPACE.sub(' ', doc.text).strip()}".encode()).digest()
        if digest in seen:
            report.exact += 1
            report.dropped_ids.append(doc.id)
            continue
        seen.add(digest)
        shingles = _shingles(doc.text)
        if len(shingles) >= min_shingles:
            index = lsh.setdefault(doc.lang, MinHashLSH(threshold=threshold, num_perm=NUM_PERM))
            sketch = _minhash(shingles)
            if index.query(sketch):
                report.near += 1
                report.dropped_ids.append(doc.id)
                continue
            index.insert(doc.id, sketch)
        keep[i] = True
    return [doc for i, doc in enumerate(docs) if keep[i]], report
