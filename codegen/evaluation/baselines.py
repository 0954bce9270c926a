"""Systems without a model, to put model scores in context:

- reference: answers with the reference itself. It checks the data and the harness (execution-based
  evaluation must give it 100 %), not a method.
- nearest-example: retrieves the top documents for the request and answers with the code of their
  example whose description shares the most words with the request (tldr examples keep their
  `{{placeholders}}`, as a user copying the example would have to fill them in).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from codegen.docs.index import DocIndex
from codegen.evaluation.data import EvalExample
from codegen.result import DocHit, Result

BASELINES = ("reference", "nearest-example")
_WORD = re.compile(r"[a-z0-9]+")


def reference(example: EvalExample) -> Result:
    return Result(id=example.id, lang=example.lang, code=example.code, valid=True)


def nearest_example(index: DocIndex, k: int = 5) -> Callable[[EvalExample], Result]:
    from codegen.retrieval import Retriever

    retriever = Retriever(index)

    def generate(example: EvalExample) -> Result:
        started = time.perf_counter()
        hits = retriever.search(example.nl, lang=example.lang, k=k)
        wanted = set(_WORD.findall(example.nl.lower()))
        best, best_score = "", -1.0
        for rank, hit in enumerate(hits):
            for ex in index.record(hit.position).examples:
                words = set(_WORD.findall(ex.nl.lower()))
                overlap = len(wanted & words) / (len(wanted | words) or 1)
                score = overlap - 0.01 * rank  # ties go to the better-ranked document
                if score > best_score:
                    best, best_score = ex.code, score
        docs = [DocHit(h.name, round(h.score, 4), h.dsl, h.summary) for h in hits]
        return Result(
            id=example.id,
            lang=example.lang,
            code=best,
            valid=bool(best),
            docs=docs,
            seconds=time.perf_counter() - started,
        )

    return generate
