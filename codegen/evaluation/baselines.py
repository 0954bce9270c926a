"""Systems without a model, to put model scores in context:

- reference: answers with the reference itself. It checks the data and the harness (execution-based
  evaluation must give it 100 %), not a method.
- nearest-example: answers with the code of the example memory's example (tldr, NL2Bash training
  pairs, Ansible EXAMPLES, tasks of training-split roles, the user's code) closest to the request in
  its language: the plain lookup a new tool must beat. A language without an example memory (Fortran)
  falls back to the examples of the top retrieved documents, the one whose description shares the most
  words with the request. Examples keep their `{{placeholders}}`, as a user copying one would have to
  fill them in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from codegen.docs.index import DocIndex
from codegen.evaluation.data import EvalExample
from codegen.result import DocHit, Result

if TYPE_CHECKING:
    from codegen.retrieval import Hit

BASELINES = ("reference", "nearest-example")
_WORD = re.compile(r"[a-z0-9]+")


def reference(example: EvalExample) -> Result:
    return Result(id=example.id, lang=example.lang, code=example.code, valid=True)


def _best_document_example(index: DocIndex, hits: list[Hit], request: str) -> str:
    wanted = set(_WORD.findall(request.lower()))
    best, best_score = "", -1.0
    for rank, hit in enumerate(hits):
        for ex in index.record(hit.position).examples:
            words = set(_WORD.findall(ex.nl.lower()))
            overlap = len(wanted & words) / (len(wanted | words) or 1)
            score = overlap - 0.01 * rank  # ties go to the better-ranked document
            if score > best_score:
                best, best_score = ex.code, score
    return best


def nearest_example(index: DocIndex, k: int = 5) -> Callable[[EvalExample], Result]:
    from codegen.retrieval import Retriever

    retriever = Retriever(index)

    def generate(example: EvalExample) -> Result:
        started = time.perf_counter()
        hits = retriever.search(example.nl, lang=example.lang, k=k)
        nearest = retriever.nearest_example(example.nl, example.lang)
        best = nearest[1] if nearest is not None else _best_document_example(index, hits, example.nl)
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
