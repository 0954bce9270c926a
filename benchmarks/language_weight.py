"""The weight of the example memory's evidence in language detection, chosen on training-split requests.

    python benchmarks/language_weight.py [--per-lang 1500] [--seed 0]

Requests are the memory's training examples of Bash and Ansible (real-use and the documents' own, half
each), each leaving its own example out. For each weight, detection accuracy = the share whose
language (documentation + phrasing logits, codegen.retrieval.Retriever.language_logits, moved between
Bash and Ansible by the weight times the gap between their nearest examples: shift_by_examples) is right. The dev sets are not read.
Writes benchmarks/results/language_weight.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from codegen.docs.exemplars import SOURCES
from codegen.docs.registry import ensure_index
from codegen.retrieval import EXAMPLE_LANGS, ExampleMemory, Retriever, shift_by_examples

HERE = Path(__file__).resolve().parent
WEIGHTS = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)


def main() -> None:
    from codegen.docs.profile import use_evaluation_index

    use_evaluation_index()  # benchmarks read the evaluation index (codegen/docs/profile.py)
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-lang", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    index = ensure_index()
    retriever = Retriever(index, dense=True, ranked=False)
    assert retriever.dense is not None
    memory = ExampleMemory(index)
    rng = np.random.default_rng(args.seed)
    rows_of = []
    for lang in EXAMPLE_LANGS:
        rows = memory.rows[lang]
        sources = memory.table.sources[rows]
        for docs in (True, False):
            pool = np.flatnonzero((sources == SOURCES.index("docs")) == docs)
            take = rng.choice(pool, size=min(args.per_lang // 2, len(pool)), replace=False)
            rows_of += [(lang, int(i)) for i in take]
    correct = dict.fromkeys(WEIGHTS, 0)
    for lang, i in rows_of:
        nl = memory.table.text(memory.rows[lang].start + i)[0]
        logits = retriever.language_logits(nl)
        vector = retriever.dense.embed(nl)
        nearest = {}
        for other in EXAMPLE_LANGS:
            cos = memory.cosines(vector, other)[0].copy()
            if other == lang:
                cos[i] = -np.inf  # its own example
            nearest[other] = float(cos.max())
        gap = nearest["bash"] - nearest["ansible"]
        for w in WEIGHTS:
            shifted = shift_by_examples(logits, gap, w)
            correct[w] += max(shifted, key=shifted.__getitem__) == lang
    accuracy = {w: round(100 * c / len(rows_of), 2) for w, c in correct.items()}
    for w, a in accuracy.items():
        print(f"weight {w:>5}: {a:.2f} %")
    out = HERE / "results" / "language_weight.json"
    out.write_text(
        json.dumps(
            {"command": " ".join(["python", *sys.argv]), "requests": len(rows_of), "accuracy": accuracy},
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
