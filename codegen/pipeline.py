"""Generator: request -> Result. Wires retrieval, grammar, decoding and validation together."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codegen.companions import PIPELINE_COMPANIONS, command_positions
from codegen.docs.index import DocIndex
from codegen.docs.record import DocRecord
from codegen.docs.registry import Progress, ensure_index
from codegen.model.loading import LoadedModel, default_model_dir, load_model
from codegen.multistep import PlannedStep, combine, plan_steps
from codegen.prompt import build_prompt
from codegen.request import check_request
from codegen.result import Candidate, Diagnostic, DocHit, Result, StepResult
from codegen.retrieval import Hit, Retriever
from codegen.values import choice_values, implied_values, request_values, without_task_names

if TYPE_CHECKING:  # decoding loads llguidance: imported when a model runs, not to serve retrieval
    from codegen.decoding import Generation

DEFAULT_TOP_K = 5
# No repeated 3-gram of output tokens keeps small models out of loops that end at the token limit
# unfinished, and the last eighth of the budget ends the text where the grammar allows
# (benchmarks/decoding_ablation.py; benchmarks/RESULTS.md, "Small domain model").
NO_REPEAT_NGRAM = 3
FINISH_RESERVE_SHARE = 8
WHOLE_PROGRAM_TOKENS = 1024  # a Fortran program skeleton (codegen.grammar.fortran_skeleton)
# logits added toward beginning and toward finishing the request's values (codegen.values,
# codegen.decoding.CopyBias); chosen on training-split requests (benchmarks/copy_bias.py, RESULTS.md
# "Values from the request")
COPY_BIAS = 4.0
COPY_CONTINUE_BIAS = 16.0


@dataclass(slots=True)
class Task:
    nl: str
    lang: str | None = None
    id: str = ""


class Generator:
    def __init__(
        self,
        index: DocIndex,
        retriever: Retriever,
        model: LoadedModel | None = None,
        *,
        copy_bias: float = COPY_BIAS,
        copy_continue_bias: float = COPY_CONTINUE_BIAS,
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.model = model
        self.copy_bias = copy_bias
        self.copy_continue_bias = copy_continue_bias
        self._companion_records: list[DocRecord] | None = None

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
        report = _one_at_a_time(progress)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dslgen-load") as pool:
            # the model loads while the index and the retriever open: onnxruntime's session and
            # llguidance drop the GIL (a cold call: RESULTS.md, "Cold calls")
            loading = pool.submit(load_model, path, device, progress=report) if path is not None else None
            index = ensure_index(progress=report)
            retriever = Retriever(index, dense=dense)
            retriever.open_lexical()
            loaded = loading.result() if loading is not None else None
        if loaded is not None:
            from codegen.decoding import prepare

            prepare(loaded.model, loaded.tokenizer)  # while the first request's retrieval runs
        return cls(index, retriever, loaded)

    def retrieve(self, task: str, lang: str | None = None, k: int = DEFAULT_TOP_K) -> tuple[str, list[Hit]]:
        """The language (given, or detected) and the top-k documents of that language."""
        if lang is None:
            lang, _ = self.retriever.detect_language(task)
        return lang, self.retriever.search(task, lang=lang, k=k)

    def plan(
        self, task: str, lang: str | None = None, k: int = DEFAULT_TOP_K
    ) -> tuple[str, list[PlannedStep]]:
        """The language (given, or detected on the whole request) and the request's steps, each with
        its own top-k documents; one step when the request has no steps of its own."""
        if lang is None:
            lang, _ = self.retriever.detect_language(task)
        return lang, plan_steps(self.retriever, task, lang, k)

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
        lang, planned = self.plan(task, lang, k)
        result = Result(id=id, lang=lang, docs=_doc_hits(planned))
        if len(planned) > 1:
            result.steps = [
                StepResult(p.step.nl, [h.name for h in p.hits], join=p.step.link) for p in planned
            ]
        if self.model is None:
            result.warnings.append(
                Diagnostic(
                    "model", "info", None, "no language model installed: showing the retrieved documentation"
                )
            )
        elif result.steps:
            self._decode_steps(
                result,
                planned,
                constrain=constrain,
                seed=seed,
                max_new_tokens=max_new_tokens,
                no_repeat_ngram=no_repeat_ngram,
            )
        else:
            self._decode(
                result,
                task,
                planned[0].hits,
                n=n,
                constrain=constrain,
                seed=seed,
                max_new_tokens=max_new_tokens,
                no_repeat_ngram=no_repeat_ngram,
            )
        result.seconds = round(time.perf_counter() - t0, 4)
        return result

    def _examples(self, task: str, lang: str, hits: list[Hit]) -> list[tuple[str, str]]:
        """The closest examples of the best-ranked document, for a model trained to read them."""
        if self.model is None or not self.model.prompt_examples or not hits:
            return []
        return self.retriever.nearest_examples(task, lang, hits[0].position, self.model.prompt_examples)

    def _sample(
        self,
        result: Result,
        task: str,
        hits: list[Hit],
        records: list[DocRecord],
        *,
        n: int,
        constrain: bool,
        seed: int | None,
        max_new_tokens: int,
        no_repeat_ngram: int,
    ) -> list[Generation] | None:
        """Candidates for one request (or one step) on the documents of `hits` (`records`: theirs),
        most likely first; None after a grammar or decoding error, which goes into `result.errors`."""
        from codegen.decoding import DecodingError, generate
        from codegen.grammar import GrammarError, build_grammar

        assert self.model is not None
        values, value_keys = self._values(task, result.lang, records)
        grammar = None
        if constrain:
            try:
                ansible = result.lang == "ansible"
                # One task calls the best-ranked module: choosing among all five, the default model
                # lost to retrieval's ranking (ansible-dev, 300 tasks: module accuracy 40.0 -> 51.3 %).
                spec = build_grammar(
                    result.lang,
                    records[:1] if ansible else records + self._companions(result.lang),
                    task_name=task if ansible else None,
                    leading_command=result.lang == "bash",
                    request=task if result.lang == "fortran" else None,
                    stated_choices=set(value_keys.values()),
                )
            except GrammarError as exc:
                result.errors.append(Diagnostic("grammar", "error", None, str(exc)))
                return None
            grammar = spec.text
            result.constraints += spec.constraints
            if spec.whole_program:  # its repeated lines are the shape: no n-gram ban, room to finish
                no_repeat_ngram, max_new_tokens = 0, max(max_new_tokens, WHOLE_PROGRAM_TOKENS)
        elif not any(w.tool == "decoding" for w in result.warnings):
            result.warnings.append(
                Diagnostic("decoding", "info", None, "decoded without grammar constraints")
            )
        out = generate(
            self.model.model,
            self.model.tokenizer,
            build_prompt(task, result.lang, records, self._examples(task, result.lang, hits)),
            grammar,
            n=n,
            temperature=0.0 if seed is None else 0.8,
            seed=seed,
            max_new_tokens=max_new_tokens,
            no_repeat_ngram=no_repeat_ngram,
            finish_reserve=max_new_tokens // FINISH_RESERVE_SHARE,
            end_with_model=True,
            values=values,
            copy_keys=value_keys,
            copy_bias=self.copy_bias,
            copy_continue_bias=self.copy_continue_bias,
            # the task's `- name:` line repeats the request: its values are still to be written
            copy_visible=without_task_names if result.lang == "ansible" else None,
        )
        if isinstance(out, DecodingError):
            result.errors.append(Diagnostic("decoding", "error", None, out.message))
            return None
        if result.lang == "fortran":
            from codegen.fortran_lines import wrap_long_lines

            for gen in out:
                gen.text = wrap_long_lines(gen.text)
        return out

    def _companions(self, lang: str) -> list[DocRecord]:
        """For Bash, the documented commands a line pipes into or runs from another besides those
        retrieved (PIPELINE_COMPANIONS); none for the other languages."""
        if lang != "bash":
            return []
        if self._companion_records is None:
            found = command_positions(self.index, PIPELINE_COMPANIONS)
            self._companion_records = [self.index.record(i) for i in found]
        return self._companion_records

    @staticmethod
    def _values(task: str, lang: str, records: list[DocRecord]) -> tuple[list[str], dict[str, str]]:
        """What decoding leans toward writing: the request's values, and for an Ansible task the
        choices of its module's options that the request's words ask for, each under its option."""
        values = list(dict.fromkeys([*request_values(task), *implied_values(task)]))
        if lang == "bash":
            return values, {}
        if lang == "ansible":
            options = records[0].schema.get("options", {}) if records else {}
            choices = choice_values(task, options)
            return [*values, *choices], choices
        return [], {}

    def _decode(
        self,
        result: Result,
        task: str,
        hits: list[Hit],
        *,
        n: int,
        constrain: bool,
        seed: int | None,
        max_new_tokens: int,
        no_repeat_ngram: int,
    ) -> None:
        from codegen.validate import validate

        records = [self.retriever.record(h) for h in hits]
        out = self._sample(
            result,
            task,
            hits,
            records,
            n=n,
            constrain=constrain,
            seed=seed,
            max_new_tokens=max_new_tokens,
            no_repeat_ngram=no_repeat_ngram,
        )
        if out is None:
            return
        checked = []
        for gen in out:
            verdict = validate(result.lang, gen.text, records)
            verdict.errors += _generation_errors(gen)
            checked.append((gen, verdict))
        # the best candidate is the most likely valid one; decoding already sorted by likelihood
        checked.sort(key=lambda gv: not gv[1].ok)
        best, verdict = checked[0]
        result.code, result.valid = best.text, verdict.ok
        result.errors += verdict.errors
        result.warnings += verdict.warnings
        result.candidates = [Candidate(g.text, v.ok, round(g.score, 4)) for g, v in checked[1:]]
        self._assess(result)

    def _decode_steps(
        self,
        result: Result,
        planned: list[PlannedStep],
        *,
        constrain: bool,
        seed: int | None,
        max_new_tokens: int,
        no_repeat_ngram: int,
    ) -> None:
        """Each step decoded on its own documents and grammar (its most likely candidate), then the
        combined code validated as a whole against all the steps' documents."""
        from codegen.validate import validate

        all_records: list[DocRecord] = []
        for number, (shown, step) in enumerate(zip(result.steps, planned, strict=True), 1):
            records = [self.retriever.record(h) for h in step.hits]
            all_records += records
            before = len(result.constraints)
            out = self._sample(
                result,
                step.step.nl,
                step.hits,
                records,
                n=1,
                constrain=constrain,
                seed=seed,
                max_new_tokens=max_new_tokens,
                no_repeat_ngram=no_repeat_ngram,
            )
            result.constraints[before:] = [f"step {number}: {c}" for c in result.constraints[before:]]
            if out is None:
                return
            shown.code = out[0].text
            for diag in _generation_errors(out[0]):
                diag.message = f"step {number}: {diag.message}"
                result.errors.append(diag)
        result.code = combine(result.lang, [(s.join, s.code) for s in result.steps])
        verdict = validate(result.lang, result.code, all_records)
        result.valid = verdict.ok and not result.errors
        result.errors += verdict.errors
        result.warnings += verdict.warnings
        self._assess(result)

    @staticmethod
    def _assess(result: Result) -> None:
        if result.lang == "bash":
            from codegen.safety import assess

            safety = assess(result.code)
            result.risky = safety.risky
            result.warnings += safety.warnings()

    def generate_many(self, tasks: Iterable[Task | str]) -> Iterator[Result]:
        for task in tasks:
            if isinstance(task, str):
                task = Task(task)
            yield self.generate(task.nl, task.lang, id=task.id)


def _generation_errors(gen: Generation) -> list[Diagnostic]:
    if gen.error is not None:
        return [Diagnostic("decoding", "error", None, f"the grammar engine stopped: {gen.error}")]
    if not gen.finished:
        return [Diagnostic("decoding", "error", None, "output cut at the token limit")]
    return []


def _one_at_a_time(progress: Progress | None) -> Progress | None:
    """`progress`, called by one thread at a time (the model and the index load side by side)."""
    if progress is None:
        return None
    lock = threading.Lock()

    def report(stage: str, done: int, total: int) -> None:
        with lock:
            progress(stage, done, total)

    return report


def _doc_hits(planned: list[PlannedStep]) -> list[DocHit]:
    """The documents used: each step's best first, in step order, then the steps' other hits."""
    hits = [p.hits[0] for p in planned if p.hits] + [h for p in planned for h in p.hits[1:]]
    seen: set[str] = set()
    docs = []
    for h in hits:
        if h.name not in seen:
            seen.add(h.name)
            docs.append(DocHit(name=h.name, score=round(h.score, 4), dsl=h.dsl, summary=h.summary))
    return docs
