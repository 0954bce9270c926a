"""The dense signal alone, stock MiniLM vs an encoder overlay, on sampled pools: a quick check that needs
no index rebuild (re-embedding 92,000 texts). Not the headline numbers: those come from
`benchmarks/retrieval.py` on an index built with the encoder.

    python benchmarks/encoder_proxy.py --overlay DIR [--requests 100] [--docs 500] [--examples 1000]

Per dev set (the same loaders as benchmarks/retrieval.py), a seeded sample of requests whose gold has a
document. Per language, one pool of documents (the gold documents of the sampled requests + random
documents of the language) and one of the example memory's requests (up to 5 examples of each gold
document + random examples of the language); both encoders rank the same pools:
- "doc": Hits@1/5 of the documents by cosine of the request to "name: summary";
- "example": Hits@1/5 of the documents the nearest examples call (the nearest-example lookup).
Writes benchmarks/results/encoder_proxy.json.
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
    hit_names,
    nl2bash_requests,
    short,
)

from codegen.docs.exemplars import ansible_tasks_file  # noqa: E402
from codegen.docs.index import open_index  # noqa: E402
from codegen.docs.vectors import document_text  # noqa: E402


def positions_by_key(index, lang: str) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    """Documents of `lang` by every key `hit` compares: name and program, lower-cased and short."""
    rows = index.dsl_rows(lang)
    assert isinstance(rows, slice)
    found: dict[str, list[int]] = {}
    for p in range(rows.start, rows.stop):
        for n in (index.names[p], index.programs[p]):
            for key in {n.lower(), short(n)}:
                found.setdefault(key, []).append(p)
    return found


def gold_positions(by_key: dict[str, list[int]], gold: set[str]) -> list[int]:
    keys = {g.lower() for g in gold} | {short(g) for g in gold if "." in g}
    return sorted({p for k in keys for p in by_key.get(k, [])})[:3]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--overlay", type=Path, required=True)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--examples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tldr", type=Path, default=HERE.parent.parent / "shared/data/bash/tldr_pages.jsonl.gz")
    ap.add_argument("--nl2bash", type=Path, default=HERE.parent.parent / "shared/data/bash/nl2bash.jsonl.gz")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from codegen.embedding import BatchEncoder

    index = open_index()
    assert index is not None and index.exemplars is not None
    rng = np.random.default_rng(args.seed)
    sets = {
        "bash-everyday": nl2bash_requests(args.nl2bash),
        "bash-unseen": bash_requests(args.tldr),
        "ansible-real": ansible_real_requests(ansible_tasks_file()),
        "ansible-unseen": ansible_requests(index),
    }
    sampled: dict[str, list[tuple[str, set[str], list[int]]]] = {}
    keys: dict[str, dict[str, list[int]]] = {}
    for name, reqs in sets.items():
        by_key = keys.setdefault(reqs[0].lang, positions_by_key(index, reqs[0].lang))
        with_doc = [(r.nl, r.gold, gold_positions(by_key, r.gold)) for r in reqs]
        with_doc = [x for x in with_doc if x[2]]
        pick = rng.choice(len(with_doc), size=min(args.requests, len(with_doc)), replace=False)
        sampled[name] = [with_doc[int(i)] for i in sorted(pick)]
    targets = index.exemplars.targets
    pools: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for lang in ("bash", "ansible"):
        rows = index.dsl_rows(lang)
        assert isinstance(rows, slice)
        golds = sorted(
            {p for name, s in sampled.items() if name.startswith(lang) for _, _, ps in s for p in ps}
        )
        docs = np.unique(np.concatenate([golds, rng.integers(rows.start, rows.stop, size=args.docs)]))
        in_lang = np.flatnonzero((targets >= rows.start) & (targets < rows.stop))
        of_gold = [np.flatnonzero(targets == g)[:5] for g in golds]
        examples = np.unique(
            np.concatenate([*of_gold, rng.choice(in_lang, size=args.examples, replace=False)])
        )
        pools[lang] = (docs.astype(int), examples.astype(int))

    results: dict[str, dict[str, dict[str, float]]] = {}
    for label, overlay in (("stock", None), ("overlay", args.overlay)):
        t0 = time.perf_counter()
        enc = BatchEncoder(overlay=overlay)
        for lang, (docs, examples) in pools.items():
            doc_vecs = enc.encode([document_text(index.names[p], index.summaries[p]) for p in docs])
            ex_vecs = enc.encode([index.exemplars.text(int(i))[0] for i in examples])
            for name, reqs in sampled.items():
                if not name.startswith(lang):
                    continue
                q = enc.encode([nl for nl, _, _ in reqs])
                counts = {"doc": [0, 0], "example": [0, 0]}
                for row, (_, gold, _) in enumerate(reqs):
                    order = [int(docs[i]) for i in np.argsort(-(doc_vecs @ q[row]))[:5]]
                    counts["doc"][0] += hit(hit_names(index, order[:1]), gold)
                    counts["doc"][1] += hit(hit_names(index, order), gold)
                    nearest: list[int] = []
                    for i in np.argsort(-(ex_vecs @ q[row]))[:250]:
                        p = int(targets[examples[i]])
                        if index.programs[p] not in {index.programs[x] for x in nearest}:
                            nearest.append(p)
                        if len(nearest) == 5:
                            break
                    counts["example"][0] += hit(hit_names(index, nearest[:1]), gold)
                    counts["example"][1] += hit(hit_names(index, nearest), gold)
                n = len(reqs)
                results.setdefault(name, {})
                for kind, (h1, h5) in counts.items():
                    results[name][f"{label} {kind}"] = {"hits@1": h1 / n, "hits@5": h5 / n, "requests": n}
        print(f"{label}: {time.perf_counter() - t0:.0f} s ({enc.name})", flush=True)
    print(f"{'dev set':15} " + " ".join(f"{k:>22}" for k in next(iter(results.values()))))
    for name, row in results.items():
        print(f"{name:15} " + " ".join(f"{v['hits@1']:>12.1%} / {v['hits@5']:>6.1%}" for v in row.values()))
    out = HERE / "results" / "encoder_proxy.json"
    summary = {
        "command": " ".join(["python", "benchmarks/encoder_proxy.py", *sys.argv[1:]]),
        "pools": {lang: {"docs": len(d), "examples": len(e)} for lang, (d, e) in pools.items()},
        "results": results,
    }
    out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
