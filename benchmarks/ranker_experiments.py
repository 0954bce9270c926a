"""Which learned ranker: variants trained on the training split, compared on the dev sets of both regimes.

    python benchmarks/ranker_experiments.py [--per-lang 3000] [--limit 0]

Training requests are featurised once (codegen.training.ranker.training_queries, real-use and
documents' own examples), dev requests once (the dev sets of benchmarks/retrieval.py), then each
variant is fitted and scored by Hits@1 / Hits@5 over the candidates (a candidate is right when its
document or program is the request's gold). Variants:
- lr-real: one logistic regression per language on real-use requests only;
- lr-real+docs: the same plus the documents' own examples as unseen-regime requests (the default);
- lr-global: one logistic regression for both languages (real + docs);
- lgbm-rank: LightGBM lambdarank per language (real + docs), if lightgbm is installed.
Writes benchmarks/results/ranker_experiments.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from retrieval import (  # noqa: E402
    ansible_real_requests,
    ansible_requests,
    bash_requests,
    hit,
    nl2bash_requests,
)

from codegen.docs.exemplars import ansible_tasks_file  # noqa: E402
from codegen.docs.registry import ensure_index  # noqa: E402
from codegen.ranking import FEATURES  # noqa: E402
from codegen.retrieval import ExampleMemory, Retriever  # noqa: E402
from codegen.training.ranker import Query, fit_linear, training_queries  # noqa: E402


def dev_queries(retriever: Retriever, requests: list, lang: str) -> list[tuple[np.ndarray, np.ndarray]]:
    index = retriever.index
    out = []
    for req in requests:
        scores = retriever.documentation_scores(req.nl, lang)
        if scores is None:
            out.append((np.zeros((0, len(FEATURES)), np.float32), np.zeros(0, np.int8)))
            continue
        found = retriever.candidates(req.nl, scores, lang)
        labels = np.array(
            [hit([index.names[p], index.programs[p]], req.gold) for p in found.positions], dtype=np.int8
        )
        out.append((found.features, labels))
    return out


def score(queries: list[tuple[np.ndarray, np.ndarray]], rank) -> tuple[float, float]:
    h1 = h5 = 0
    for features, labels in queries:
        if not len(labels):
            continue
        order = np.argsort(-rank(features), kind="stable")
        h1 += bool(labels[order[0]])
        h5 += bool(labels[order[:5]].any())
    n = max(len(queries), 1)
    return round(100 * h1 / n, 1), round(100 * h5 / n, 1)


def linear(weights: dict[str, list[float]]):
    coef, mean, scale = (np.asarray(weights[k], dtype=np.float32) for k in ("coef", "mean", "scale"))
    return lambda f: ((f - mean) / scale) @ coef


def lgbm(train: list[Query], seed: int):
    import lightgbm as lgb

    x = np.concatenate([q.features for q in train])
    y = np.concatenate([q.labels for q in train])
    groups = [len(q.labels) for q in train]
    model = lgb.LGBMRanker(
        objective="lambdarank",
        n_estimators=200,
        learning_rate=0.05,
        num_leaves=15,
        random_state=seed,
        verbose=-1,
    )
    model.fit(x, y, group=groups)
    return model.predict


def main() -> None:
    from codegen.docs.profile import use_evaluation_index

    use_evaluation_index()  # benchmarks read the evaluation index (codegen/docs/profile.py)
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-lang", type=int, default=3000)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tldr", type=Path, default=HERE.parent.parent / "shared/data/bash/tldr_pages.jsonl.gz")
    ap.add_argument("--nl2bash", type=Path, default=HERE.parent.parent / "shared/data/bash/nl2bash.jsonl.gz")
    args = ap.parse_args()
    t0 = time.perf_counter()
    index = ensure_index()
    train = list(training_queries(index, per_lang=args.per_lang, seed=args.seed, docs_share=0.5))
    retriever = Retriever(index, dense=True, ranked=False)
    retriever.memory = ExampleMemory(index)  # the candidates' example features, without a ranker
    sets = {
        "bash-everyday": ("bash", nl2bash_requests(args.nl2bash)),
        "bash-unseen": ("bash", bash_requests(args.tldr)),
        "ansible-real": ("ansible", ansible_real_requests(ansible_tasks_file())),
        "ansible-unseen": ("ansible", ansible_requests(index)),
    }
    dev = {
        name: (lang, dev_queries(retriever, reqs[: args.limit] if args.limit else reqs, lang))
        for name, (lang, reqs) in sets.items()
    }
    print(
        f"featurised {len(train)} training and {sum(len(q) for _, q in dev.values())} dev requests "
        f"in {time.perf_counter() - t0:.0f} s"
    )

    variants: dict[str, dict[str, object]] = {
        "documentation": {lang: (lambda f: f[:, FEATURES.index("doc")]) for lang in ("bash", "ansible")},
        "nearest example": {
            lang: (lambda f: f[:, FEATURES.index("ex_max")] + 1e-3 * f[:, FEATURES.index("doc")])
            for lang in ("bash", "ansible")
        },
    }
    by_lang = {lang: [q for q in train if q.lang == lang] for lang in ("bash", "ansible")}
    variants["lr-real"] = {
        lang: linear(fit_linear([q for q in qs if q.source == "real"], args.seed))
        for lang, qs in by_lang.items()
    }
    variants["lr-real+docs"] = {lang: linear(fit_linear(qs, args.seed)) for lang, qs in by_lang.items()}
    shared = linear(fit_linear(train, args.seed))
    variants["lr-global"] = {lang: shared for lang in by_lang}
    try:
        variants["lgbm-rank"] = {lang: lgbm(qs, args.seed) for lang, qs in by_lang.items()}
    except ImportError:
        print("lightgbm not installed: lgbm-rank left out")

    table: dict[str, dict[str, tuple[float, float]]] = {}
    for variant, rankers in variants.items():
        table[variant] = {name: score(qs, rankers[lang]) for name, (lang, qs) in dev.items()}  # type: ignore[index]
    print(f"{'variant':16}" + "".join(f"{n:>18}" for n in dev))
    for variant, row in table.items():
        print(f"{variant:16}" + "".join(f"{h1:>10.1f} / {h5:>5.1f}" for h1, h5 in row.values()))
    out = HERE / "results" / "ranker_experiments.json"
    out.write_text(
        json.dumps({"command": " ".join(["python", *sys.argv]), "hits@1/@5": table}, indent=1) + "\n"
    )


if __name__ == "__main__":
    main()
