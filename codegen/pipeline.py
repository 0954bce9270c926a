"""Generator: request -> Result. Wires retrieval, schema/grammar, decoding and validation together."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from codegen.docs.index import DocIndex
from codegen.docs.registry import Progress, ensure_index
from codegen.request import check_request
from codegen.result import Diagnostic, DocHit, Result
from codegen.retrieval import Hit, Retriever

DEFAULT_TOP_K = 5


@dataclass(slots=True)
class Task:
    nl: str
    lang: str | None = None
    id: str = ""


class Generator:
    def __init__(self, index: DocIndex, retriever: Retriever) -> None:
        self.index = index
        self.retriever = retriever

    @classmethod
    def load(
        cls,
        model: str | None = None,
        device: str = "auto",
        *,
        dense: bool = False,
        progress: Progress | None = None,
    ) -> Generator:
        """Open (building on first use) the documentation index. `model`/`device` select the language
        model; until a default model ships, generation stops after retrieval."""
        del model, device  # the model stage lands with the default model
        index = ensure_index(progress=progress)
        return cls(index, Retriever(index, dense=dense))

    def retrieve(self, task: str, lang: str | None = None, k: int = DEFAULT_TOP_K) -> tuple[str, list[Hit]]:
        """The language (given, or detected) and the top-k documents of that language."""
        if lang is None:
            lang, _ = self.retriever.detect_language(task)
        return lang, self.retriever.search(task, lang=lang, k=k)

    def generate(self, task: str, lang: str | None = None, k: int = DEFAULT_TOP_K, *, id: str = "") -> Result:
        t0 = time.perf_counter()
        problem = check_request(task)
        if problem is not None:
            return Result.error(id, "input", problem, lang=lang or "")
        lang, hits = self.retrieve(task, lang, k)
        result = Result(
            id=id,
            lang=lang,
            docs=[DocHit(name=h.name, score=round(h.score, 4), dsl=h.dsl, summary=h.summary) for h in hits],
        )
        result.warnings.append(
            Diagnostic(
                "model", "info", None, "no language model installed yet: showing the retrieved documentation"
            )
        )
        result.seconds = round(time.perf_counter() - t0, 4)
        return result

    def generate_many(self, tasks: Iterable[Task | str]) -> Iterator[Result]:
        for task in tasks:
            if isinstance(task, str):
                task = Task(task)
            yield self.generate(task.nl, task.lang, id=task.id)
