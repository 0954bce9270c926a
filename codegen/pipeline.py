"""Generator: request -> Result. Wires retrieval, grammar, decoding and validation together."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from codegen.docs.index import DocIndex
from codegen.docs.record import DocRecord
from codegen.docs.registry import Progress, ensure_index
from codegen.model.loading import LoadedModel, default_model_dir, load_model
from codegen.prompt import build_prompt
from codegen.request import check_request
from codegen.result import Candidate, Diagnostic, DocHit, Result
from codegen.retrieval import Hit, Retriever

DEFAULT_TOP_K = 5
# No repeated 3-gram of output tokens keeps small models out of loops that end at the token limit
# unfinished, and the last eighth of the budget ends the text where the grammar allows
# (benchmarks/decoding_ablation.py; benchmarks/RESULTS.md, "Small domain model").
NO_REPEAT_NGRAM = 3
FINISH_RESERVE_SHARE = 8
WHOLE_PROGRAM_TOKENS = 1024  # a Fortran program skeleton (codegen.grammar.fortran_skeleton)


@dataclass(slots=True)
class Task:
    nl: str
    lang: str | None = None
    id: str = ""


class Generator:
    def __init__(self, index: DocIndex, retriever: Retriever, model: LoadedModel | None = None) -> None:
        self.index = index
        self.retriever = retriever
        self.model = model

    @classmethod
    def load(
        cls,
        model: str | None = None,
        device: str = "auto",
        *,
        dense: bool | None = None,
        progress: Progress | None = None,
    ) -> Generator:
        """Open (building on first use) the documentation index and load the model: `model` if given,
        else the shipped default model when there is one (otherwise generation stops after retrieval).
        `dense` as for `Retriever`."""
        path = model or default_model_dir()
        loaded = load_model(path, device) if path is not None else None
        index = ensure_index(progress=progress)
        return cls(index, Retriever(index, dense=dense), loaded)

    def retrieve(self, task: str, lang: str | None = None, k: int = DEFAULT_TOP_K) -> tuple[str, list[Hit]]:
        """The language (given, or detected) and the top-k documents of that language."""
        if lang is None:
            lang, _ = self.retriever.detect_language(task)
        return lang, self.retriever.search(task, lang=lang, k=k)

    def generate(
        self,
        task: str,
        lang: str | None = None,
        k: int = DEFAULT_TOP_K,
        *,
        id: str = "",
        n: int = 1,
        constrain: bool = True,
        seed: int | None = None,
        max_new_tokens: int = 256,
        no_repeat_ngram: int = NO_REPEAT_NGRAM,
    ) -> Result:
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
        if self.model is None:
            result.warnings.append(
                Diagnostic(
                    "model", "info", None, "no language model installed: showing the retrieved documentation"
                )
            )
        else:
            records = [self.retriever.record(h) for h in hits]
            self._decode(
                result,
                task,
                records,
                n=n,
                constrain=constrain,
                seed=seed,
                max_new_tokens=max_new_tokens,
                no_repeat_ngram=no_repeat_ngram,
            )
        result.seconds = round(time.perf_counter() - t0, 4)
        return result

    def _decode(
        self,
        result: Result,
        task: str,
        records: list[DocRecord],
        *,
        n: int,
        constrain: bool,
        seed: int | None,
        max_new_tokens: int,
        no_repeat_ngram: int,
    ) -> None:
        from codegen.decoding import DecodingError, generate
        from codegen.fortran_lines import wrap_long_lines
        from codegen.grammar import GrammarError, build_grammar
        from codegen.safety import assess
        from codegen.validate import validate

        assert self.model is not None
        grammar = None
        if constrain:
            try:
                ansible = result.lang == "ansible"
                # One task calls the best-ranked module: choosing among all five, the default model
                # lost to retrieval's ranking (ansible-dev, 300 tasks: module accuracy 40.0 -> 51.3 %).
                spec = build_grammar(
                    result.lang,
                    records[:1] if ansible else records,
                    task_name=task if ansible else None,
                    leading_command=result.lang == "bash",
                    request=task if result.lang == "fortran" else None,
                )
            except GrammarError as exc:
                result.errors.append(Diagnostic("grammar", "error", None, str(exc)))
                return
            grammar, result.constraints = spec.text, spec.constraints
            if spec.whole_program:  # its repeated lines are the shape: no n-gram ban, room to finish
                no_repeat_ngram, max_new_tokens = 0, max(max_new_tokens, WHOLE_PROGRAM_TOKENS)
        else:
            result.warnings.append(
                Diagnostic("decoding", "info", None, "decoded without grammar constraints")
            )
        out = generate(
            self.model.model,
            self.model.tokenizer,
            build_prompt(task, result.lang, records),
            grammar,
            n=n,
            temperature=0.0 if seed is None else 0.8,
            seed=seed,
            max_new_tokens=max_new_tokens,
            no_repeat_ngram=no_repeat_ngram,
            finish_reserve=max_new_tokens // FINISH_RESERVE_SHARE,
        )
        if isinstance(out, DecodingError):
            result.errors.append(Diagnostic("decoding", "error", None, out.message))
            return
        checked = []
        for gen in out:
            if result.lang == "fortran":
                gen.text = wrap_long_lines(gen.text)
            verdict = validate(result.lang, gen.text, records)
            if gen.error is not None:
                verdict.errors.append(
                    Diagnostic("decoding", "error", None, f"the grammar engine stopped: {gen.error}")
                )
            elif not gen.finished:
                verdict.errors.append(Diagnostic("decoding", "error", None, "output cut at the token limit"))
            checked.append((gen, verdict))
        # the best candidate is the most likely valid one; decoding already sorted by likelihood
        checked.sort(key=lambda gv: not gv[1].ok)
        best, verdict = checked[0]
        result.code, result.valid = best.text, verdict.ok
        result.errors += verdict.errors
        result.warnings += verdict.warnings
        result.candidates = [Candidate(g.text, v.ok, round(g.score, 4)) for g, v in checked[1:]]
        if result.lang == "bash":
            safety = assess(best.text)
            result.risky = safety.risky
            result.warnings += safety.warnings()

    def generate_many(self, tasks: Iterable[Task | str]) -> Iterator[Result]:
        for task in tasks:
            if isinstance(task, str):
                task = Task(task)
            yield self.generate(task.nl, task.lang, id=task.id)
