"""Learn the ranker's weights (codegen/ranking.py) on training-split requests of the example memory.

Requests come from the memory itself, each leaving its own example out:
- real-use examples (NL2Bash training pairs, tasks of training-split roles): their text is in no
  document's search text, so the documentation signal they see is the one a new request sees;
- with `docs_share` > 0, also the documents' own examples (tldr, Ansible EXAMPLES), phrased as people
  ask about less common tools; their own page holds their text, which inflates its documentation
  score, so they are used for the unseen regime only.
Two regimes are simulated:
- everyday: the rest of the memory stays, so the request's command or module usually has examples;
- unseen (UNSEEN_SHARE of the real-use requests, every documents' example request): every example of
  the right document is left out and it counts as unknown with no usage, and so are a random
  MASK_SHARE of the other documents, so that "unknown" alone does not point at the answer.
One logistic regression per language over the candidates' standardised features (right document = 1)
gives the weights; the same seed gives the same weights.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.docs.exemplars import REAL_USE, SOURCES
from codegen.docs.index import DocIndex
from codegen.ranking import FEATURES, WEIGHTS_FILE, candidates
from codegen.retrieval import ExampleMemory, Retriever

UNSEEN_SHARE = 0.4
MASK_SHARE = 0.3
LANGS = ("bash", "ansible")
# documents' own example requests per language, as a share of the real-use ones. Chosen on the dev sets
# (benchmarks/ranker_experiments.py, RESULTS.md "Library detection"): for Ansible they keep unseen
# modules above the documentation ranking (Hits@1 46.3 -> 57.0 %) at 2.6 points of everyday Hits@1;
# for Bash they cost both regimes
DOCS_SHARE = {"bash": 0.0, "ansible": 0.5}


@dataclass(frozen=True, slots=True)
class Query:
    lang: str
    source: str  # "real" (real-use examples) | "docs" (the documents' own examples)
    regime: str  # "everyday" | "unseen"
    features: np.ndarray  # [candidates, len(FEATURES)]
    labels: np.ndarray  # [candidates] 1 for the right document


@dataclass(frozen=True, slots=True)
class RankerReport:
    requests: dict[str, int]
    candidates: int
    hits_at_1: dict[str, float]  # on the training requests, by language and regime (a sanity check)
    seconds: float


def training_queries(
    index: DocIndex,
    *,
    per_lang: int,
    seed: int,
    docs_share: float = 0.0,
    progress: Callable[[str, int, int], None] | None = None,
) -> Iterator[Query]:
    """Featurised training requests: `per_lang` real-use ones per language, plus `docs_share` x
    `per_lang` of the documents' own examples (unseen regime)."""
    if index.exemplars is None or index.exemplar_vectors is None:
        raise ValueError("the index has no example memory with vectors; rebuild it with the embedding model")
    retriever = Retriever(index, dense=True, ranked=False)
    assert retriever.dense is not None
    memory = ExampleMemory(index)
    rng = np.random.default_rng(seed)
    real = np.array([SOURCES.index(s) for s in REAL_USE], dtype=np.int8)
    for lang in LANGS:
        rows = memory.rows[lang]
        sources = memory.table.sources[rows]
        pools = [
            ("real", np.flatnonzero(np.isin(sources, real)), per_lang, None),
            ("docs", np.flatnonzero(sources == SOURCES.index("docs")), int(docs_share * per_lang), "unseen"),
        ]
        doc_rows = index.dsl_rows(lang)
        assert isinstance(doc_rows, slice)
        targets = memory.table.targets[rows]
        for source, pool, size, forced in pools:
            chosen = rng.choice(pool, size=min(size, len(pool)), replace=False) if len(pool) and size else []
            for n, i in enumerate(chosen):
                if progress:
                    progress(f"ranker features ({lang})", n, len(chosen))
                nl = memory.table.text(rows.start + int(i))[0]
                gold = int(targets[i])
                scores = retriever.documentation_scores(nl, lang)
                if scores is None:
                    continue
                cosines, _ = memory.cosines(retriever.dense.embed(nl), lang)
                cosines = cosines.copy()
                cosines[i] = -np.inf
                usage, known = memory.usage, memory.known
                regime = forced or ("unseen" if rng.random() < UNSEEN_SHARE else "everyday")
                if regime == "unseen":
                    masked = rng.random(len(index)) < MASK_SHARE
                    masked[gold] = True
                    cosines[masked[targets]] = -np.inf
                    usage = np.where(masked, 0.0, usage).astype(np.float32)
                    known = np.where(masked, 0.0, known).astype(np.float32)
                found = candidates(scores, doc_rows, cosines, targets, usage, known)
                yield Query(lang, source, regime, found.features, (found.positions == gold).astype(np.int8))


def fit_linear(queries: list[Query], seed: int) -> dict[str, list[float]]:
    """Standardisation and logistic-regression weights over the queries' candidates."""
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([q.features for q in queries])
    y = np.concatenate([q.labels for q in queries])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=seed)
    model.fit((x - mean) / scale, y)
    return {
        "coef": [round(float(c), 6) for c in model.coef_[0]],
        "mean": [round(float(m), 6) for m in mean],
        "scale": [round(float(s), 6) for s in scale],
    }


def hits_at_1(queries: list[Query], weights: dict[str, list[float]]) -> float:
    coef, mean, scale = (np.asarray(weights[k], dtype=np.float32) for k in ("coef", "mean", "scale"))
    hits = [
        bool(q.labels[int(np.argmax(((q.features - mean) / scale) @ coef))]) for q in queries if len(q.labels)
    ]
    return round(100 * float(np.mean(hits)), 1) if hits else 0.0


def train_ranker(
    index: DocIndex,
    out: Path,
    *,
    per_lang: int = 3000,
    docs_share: dict[str, float] | None = None,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> RankerReport:
    """`docs_share`: per language, the documents' own example requests trained on, as a share of
    `per_lang` (default DOCS_SHARE)."""
    t0 = time.perf_counter()
    shares = DOCS_SHARE | (docs_share or {})
    queries = list(
        training_queries(
            index, per_lang=per_lang, seed=seed, docs_share=max(shares.values()), progress=progress
        )
    )
    languages: dict[str, dict[str, list[float]]] = {}
    hits: dict[str, float] = {}
    counts: dict[str, int] = {}
    for lang in LANGS:
        # the same featurised requests for every share: a language with a smaller share keeps a prefix
        docs = [q for q in queries if q.lang == lang and q.source == "docs"]
        keep = docs[: int(shares[lang] * per_lang)]
        mine = [q for q in queries if q.lang == lang and q.source == "real"] + keep
        counts[lang] = len(mine)
        if not any(q.labels.any() for q in mine):
            continue
        languages[lang] = fit_linear(mine, seed)
        for regime in ("everyday", "unseen"):
            hits[f"{lang}-{regime}"] = hits_at_1([q for q in mine if q.regime == regime], languages[lang])
    report = RankerReport(
        requests=counts,
        candidates=sum(len(q.labels) for q in queries),
        hits_at_1=hits,
        seconds=round(time.perf_counter() - t0, 1),
    )
    about = {
        "requests": counts,
        "candidates": report.candidates,
        "unseen_share": UNSEEN_SHARE,
        "mask_share": MASK_SHARE,
        "docs_share": shares,
        "seed": seed,
        "index_built_at": index.manifest.get("built_at"),
        "training_hits_at_1": hits,
    }
    out.write_text(
        json.dumps({"features": list(FEATURES), "languages": languages, "trained_on": about}, indent=1) + "\n"
    )
    return report


def default_weights_path() -> Path:
    """Where `dslgen train ranker` writes: next to the active encoder overlay when there is one (its
    similarities are the features), else the packaged weights."""
    from codegen.embedding import OVERLAY_META, default_overlay
    from codegen.paths import package_data

    overlay = default_overlay()
    if overlay is not None and (overlay / OVERLAY_META).is_file():
        return overlay / WEIGHTS_FILE
    return package_data(WEIGHTS_FILE)
