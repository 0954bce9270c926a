"""Wall-clock cost of validating one generated snippet per language (what each candidate costs).

    python benchmarks/validate_speed.py [--repeat N]

Uses the validator test fixtures (real ansible-doc records, a 9-task playbook). Writes
benchmarks/results/validate_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from codegen.atomic import atomic_write_text
from codegen.docs.record import DocRecord
from codegen.validate import validate

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "tests" / "fixtures" / "validate"
RESULT = HERE / "results" / "validate_speed.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="runs per case (thorough Ansible: a third)")
    args = parser.parse_args()
    lines = (FIXTURES / "ansible_records.jsonl").read_text().splitlines()
    records = [DocRecord.from_json(json.loads(line)) for line in lines if line.strip()]
    tasks = (FIXTURES / "good_tasks.yml").read_text()
    cases = [
        ("bash", "bash", "tar -czf backup.tar.gz /etc && ls -la backup.tar.gz", False),
        (
            "fortran fragment",
            "fortran",
            "call dgemm('N', 'N', m, n, k, 1d0, a, lda, b, ldb, 0d0, c, ldc)",
            False,
        ),
        ("fortran MPI+OpenMP program", "fortran", (FIXTURES / "openmp_mpi.f90").read_text(), False),
        ("ansible 9 tasks", "ansible", tasks, False),
        ("ansible 9 tasks, thorough", "ansible", tasks, True),
    ]
    validate("ansible", "- ansible.builtin.debug: msg=hi\n", records)  # one-time import of ansible-core
    rows = []
    print(f"{'case':<30}{'median ms':>10}{'min ms':>10}{'runs':>6}")
    for label, lang, code, thorough in cases:
        runs = max(1, args.repeat // 3) if thorough else args.repeat
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            validate(lang, code, records, thorough=thorough, timeout=60)
            seconds.append(time.perf_counter() - started)
        row = {
            "case": label,
            "median_ms": round(1000 * statistics.median(seconds), 1),
            "min_ms": round(1000 * min(seconds), 1),
            "runs": runs,
        }
        rows.append(row)
        print(f"{label:<30}{row['median_ms']:>10.1f}{row['min_ms']:>10.1f}{runs:>6}")
    load = os.getloadavg()[0]
    print(f"load average during the run: {load:.2f} (other processes share the CPU)")
    atomic_write_text(
        RESULT, json.dumps({"cases": rows, "load_average_1min": round(load, 2)}, indent=2) + "\n"
    )
    print(f"wrote {RESULT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
