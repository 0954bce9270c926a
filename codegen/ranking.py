"""Usage-aware ranking: one learned ranker over the documentation, example and usage signals.

For a request in a language the candidates are the best documents by documentation match and the
documents the nearest examples call. Each candidate gets the features below; a linear model learned on
the training split (codegen/training/ranker.py, weights in `codegen/docs/data/ranker.json`, or the
`ranker.json` of the active encoder overlay, learned on that encoder's similarities) scores them. The example signals carry everyday requests ("list files" → ls, as real one-liners do); for a
tool nobody has examples of, they are silent and the documentation must win, which the interactions
with the best example similarity let the model learn: a request whose nearest example is far away is
one the examples do not know.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.errors import InputError
from codegen.paths import package_data

FEATURES = (
    "doc",  # documentation score (lexical + dense), over the best of the language
    "doc_rank",  # 1 / (1 + rank) by documentation score
    "ex_max",  # best cosine among the nearest examples that call the candidate
    "ex_vote",  # share of the nearest examples' softmax weight that calls it
    "ex_first",  # the nearest example calls it
    "usage",  # log(1 + real-use count), over the language's largest
    "known",  # the memory holds an example of it
    "doc_x_far",  # doc x (1 - best example cosine): documentation matters when no example is close
    "vote_x_near",  # ex_vote x best example cosine
    "usage_x_near",  # usage x best example cosine
)
TOP_DOCS = 30  # candidates from the documentation ranking
TOP_EXAMPLES = 30  # nearest examples that vote
TEMPERATURE = 0.05  # softmax temperature of the votes over cosine similarity
WEIGHTS_FILE = "ranker.json"


def weights_path() -> Path:
    """The ranker's weights for the active encoder: an encoder overlay (codegen/embedding.py) ships the
    weights learned on its own similarities; the wheel's encoder uses the packaged ones."""
    try:
        from codegen.embedding import default_overlay

        overlay = default_overlay()
    except InputError:  # a broken $DSLGEN_ENCODER is reported by the encoder itself
        overlay = None
    if overlay is not None and (overlay / WEIGHTS_FILE).is_file():
        return overlay / WEIGHTS_FILE
    return package_data(WEIGHTS_FILE)


@dataclass(frozen=True, slots=True)
class Candidates:
    positions: np.ndarray  # [n] document positions
    features: np.ndarray  # [n, len(FEATURES)]
    nearest: np.ndarray  # the voting examples (memory rows), nearest first


@dataclass(frozen=True, slots=True)
class LinearRanker:
    coef: np.ndarray  # [len(FEATURES)], applied to standardised features
    mean: np.ndarray
    scale: np.ndarray

    def scores(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.coef

    @classmethod
    def load(cls, path: Path | None = None) -> dict[str, LinearRanker]:
        """The shipped (or given) weights per language; empty when there are none, or they are for
        another feature set (then documentation alone ranks until `dslgen train ranker` runs)."""
        path = path or weights_path()
        if not path.is_file():
            return {}
        data = json.loads(path.read_text())
        if tuple(data.get("features", ())) != FEATURES:
            return {}
        return {
            lang: cls(
                coef=np.asarray(w["coef"], dtype=np.float32),
                mean=np.asarray(w["mean"], dtype=np.float32),
                scale=np.asarray(w["scale"], dtype=np.float32),
            )
            for lang, w in data.get("languages", {}).items()
        }


def candidates(
    doc_scores: np.ndarray,
    rows: slice,
    example_cosines: np.ndarray,
    example_targets: np.ndarray,
    usage: np.ndarray,
    known: np.ndarray,
    top_docs: int = TOP_DOCS,
) -> Candidates:
    """Candidates and their features for one request in one language.

    `doc_scores`: every document's documentation score (NaN where nothing matched); `rows`: the
    language's documents; `example_cosines` / `example_targets`: cosine to the request and document of
    each example of the language (an example to leave out has cosine -inf); `usage` / `known`: per
    document."""
    lang_scores = np.nan_to_num(doc_scores[rows], nan=-np.inf)
    offset = rows.start
    n_docs = min(top_docs, int(np.isfinite(lang_scores).sum()))
    if n_docs:
        best_docs = np.argpartition(-lang_scores, n_docs - 1)[:n_docs]
        best_docs = best_docs[np.argsort(-lang_scores[best_docs], kind="stable")]
    else:
        best_docs = np.zeros(0, dtype=np.int64)
    n_ex = min(TOP_EXAMPLES, int(np.isfinite(example_cosines).sum()))
    if n_ex:
        nearest = np.argpartition(-example_cosines, n_ex - 1)[:n_ex]
        nearest = nearest[np.argsort(-example_cosines[nearest], kind="stable")]
    else:
        nearest = np.zeros(0, dtype=np.int64)
    voted = example_targets[nearest].astype(np.int64)
    positions = np.array(
        list(dict.fromkeys([*(best_docs + offset).tolist(), *voted.tolist()])), dtype=np.int64
    )

    top = float(lang_scores[best_docs[0]]) if n_docs else 1.0
    top = top if top > 0 else 1.0
    doc = np.nan_to_num(doc_scores[positions], nan=0.0) / top
    rank = np.full(len(positions), 0.0, dtype=np.float32)
    rank[: len(best_docs)] = 1.0 / (1.0 + np.arange(len(best_docs)))
    cos = example_cosines[nearest]
    best_cos = float(cos[0]) if n_ex else 0.0
    weights = np.exp((cos - best_cos) / TEMPERATURE) if n_ex else cos
    weights = weights / weights.sum() if n_ex else weights
    index_of = {int(p): i for i, p in enumerate(positions)}
    ex_max = np.zeros(len(positions), dtype=np.float32)
    ex_vote = np.zeros(len(positions), dtype=np.float32)
    for target, c, w in zip(voted, cos, weights, strict=True):
        i = index_of[int(target)]
        ex_max[i] = max(ex_max[i], c)
        ex_vote[i] += w
    ex_first = np.zeros(len(positions), dtype=np.float32)
    if n_ex:
        ex_first[index_of[int(voted[0])]] = 1.0
    lang_usage = np.log1p(usage[rows])
    use = np.log1p(usage[positions]) / (float(lang_usage.max()) or 1.0)
    far = 1.0 - best_cos
    features = np.stack(
        [
            doc,
            rank,
            ex_max,
            ex_vote,
            ex_first,
            use,
            known[positions],
            doc * far,
            ex_vote * best_cos,
            use * best_cos,
        ],
        axis=1,
    ).astype(np.float32)
    return Candidates(positions, features, nearest)
