"""Run one system over evaluation examples: generate, score, append one record per example.

A system is anything that turns an example into a Result (our pipeline, a peer model with its own
prompt, ...); it is injected as a function, so the runner neither loads models nor knows prompts.
Records go to `<out>/records/<system>.jsonl` as they finish; a re-run skips the ids already there,
so an interrupted evaluation resumes where it stopped. Latency is the wall-clock time of the call.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.batch import finished_ids
from codegen.errors import InputError
from codegen.evaluation.data import EvalExample
from codegen.evaluation.scoring import Documentation, score_example
from codegen.result import Result

GenerateFn = Callable[[EvalExample], Result]
Progress = Callable[[int, int], None]  # (examples done, examples in the run)

_SYSTEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$")


def records_path(out_dir: Path, system: str) -> Path:
    if not _SYSTEM_NAME.match(system):
        raise InputError(f"system name {system!r}: use letters, digits, '.', '_', '+' and '-' (at most 80)")
    return out_dir / "records" / f"{system}.jsonl"


@dataclass(frozen=True, slots=True)
class RunStats:
    written: int
    skipped: int  # already in the records file from an earlier run
    seconds: float


def run_system(
    examples: list[EvalExample],
    generate: GenerateFn,
    out_dir: Path,
    system: str,
    docs: Documentation,
    *,
    progress: Progress | None = None,
    execute: bool = False,
) -> RunStats:
    path = records_path(out_dir, system)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = finished_ids(path)
    todo = [ex for ex in examples if ex.id not in done]
    skipped = len(examples) - len(todo)
    t0 = time.perf_counter()
    if progress:
        progress(skipped, len(examples))
    with open(path, "a", encoding="utf-8") as out:
        for k, example in enumerate(todo, 1):
            start = time.perf_counter()
            result = generate(example)
            wall = time.perf_counter() - start
            record = make_record(example, result, wall, system, docs, execute=execute)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            if progress:
                progress(skipped + k, len(examples))
    return RunStats(written=len(todo), skipped=skipped, seconds=time.perf_counter() - t0)


def make_record(
    example: EvalExample,
    result: Result,
    wall: float,
    system: str,
    docs: Documentation,
    *,
    execute: bool = False,
) -> dict[str, Any]:
    """Everything the summary needs: request, reference, prediction, diagnostics, scores, timing;
    with `execute`, also the execution-based comparison of Bash tasks that have a fixture."""
    record = {
        "id": example.id,
        "system": system,
        "lang": example.lang,
        "nl": example.nl,
        "reference": example.code,
        "tests": [{"input": t.input, "output": t.output} for t in example.tests],
        "expects": list(example.expects),
        "code": result.code,
        "valid": result.valid,
        "docs": [d.name for d in result.docs],
        "errors": [f"{d.tool}: {d.message}" for d in result.errors],
        "seconds": result.seconds,
        "wall_seconds": round(wall, 6),
        "scores": score_example(
            example.lang, result.code, example.code, list(example.tests), docs, example.expects
        ),
    }
    if execute and example.lang == "bash" and example.fixture is not None:
        from codegen.evaluation.execution import execute as run_both

        outcome = run_both(example.code, result.code, example.fixture, example.stdout)
        record["execution"] = outcome.to_json()
        record["scores"]["exec_match"] = outcome.match
    return record


def read_records(path: Path) -> list[dict[str, Any]]:
    """The complete records of a file (a torn last line from a killed run is ignored)."""
    records = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break
            records.append(json.loads(line))
    return records


def systems(out_dir: Path) -> Iterable[tuple[str, Path]]:
    """(system name, records file) of every system evaluated into `out_dir`, by name."""
    for path in sorted((out_dir / "records").glob("*.jsonl")):
        yield path.stem, path
