"""Check the HPC task set: every reference compiles, links, passes its tests and uses what it expects.

    python scripts/check_hpc_tasks.py [benchmarks/data/hpc_tasks.jsonl]

Exit status 1 when any task fails; each failure is printed with the reason.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from codegen.evaluation.metrics.fortran import ExecTest, fortran_example
from codegen.evaluation.metrics.fortran_expects import uses_expected

DEFAULT = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "hpc_tasks.jsonl"


def check(task: dict) -> str | None:
    """None when the task is sound, else why not."""
    tests = [ExecTest(t["input"], t["output"]) for t in task["tests"]]
    if len(tests) < 2:
        return "fewer than 2 tests"
    if not uses_expected(task["code"], task["expects"]):
        return f"the reference does not use {task['expects']}"
    result = fortran_example(task["code"], tests)
    if not result.compile_ok:
        return "does not compile and link"
    if not result.passed:
        return f"passes {result.tests_passed}/{result.tests_total} tests"
    return None


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    tasks = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = list(pool.map(check, tasks))
    bad = [(t["id"], p) for t, p in zip(tasks, problems, strict=True) if p is not None]
    for task_id, problem in bad:
        print(f"{task_id}: {problem}")
    print(f"{len(tasks) - len(bad)}/{len(tasks)} tasks sound", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
