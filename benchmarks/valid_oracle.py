"""`valid: true` checked by an independent oracle on real requests with the default model.

    python benchmarks/valid_oracle.py [--n 200]

Requests: the first N named module tasks of the real-role dev split (benchmarks/splits/ansible_real_dev.txt,
from the corpus `dslgen index fetch-examples` writes), generated as Ansible by the default model with
the grammar. Every result marked valid goes through tests/ansible_oracle.py (Ansible's own
ArgumentSpecValidator with each module's real argument spec, plus the action plugins' checks); the
table counts valid results, oracle refusals among them (the number that must be 0), modules the oracle
cannot check, YAML that does not parse, and outputs cut at the token limit.
Writes benchmarks/results/valid_oracle.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from retrieval import ansible_real_requests  # noqa: E402

from codegen import Generator  # noqa: E402
from codegen.docs.exemplars import ansible_tasks_file  # noqa: E402
from tests.ansible_oracle import Unchecked, refusals  # noqa: E402


def main() -> None:
    from codegen.docs.profile import use_evaluation_index

    use_evaluation_index()  # benchmarks read the evaluation index (codegen/docs/profile.py)
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    requests = ansible_real_requests(ansible_tasks_file())[: args.n]
    gen = Generator.load()
    rows = []
    t0 = time.perf_counter()
    for req in requests:
        result = gen.generate(req.nl, "ansible")
        try:
            parsed = yaml.safe_load(result.code) is not None
        except yaml.YAMLError:
            parsed = False
        cut = any("token limit" in w.message for w in [*result.warnings, *result.errors])
        refused: list[str] = []
        unchecked = False
        if result.valid:
            try:
                refused = refusals(result.code)
            except Unchecked:
                unchecked = True
        rows.append(
            {
                "id": req.id,
                "valid": result.valid,
                "yaml": parsed,
                "cut": cut,
                "refused": refused,
                "unchecked": unchecked,
            }
        )
    n = len(rows)
    valid = [r for r in rows if r["valid"]]
    summary = {
        "command": " ".join(["python", *sys.argv]),
        "requests": n,
        "valid": len(valid),
        "yaml_parses": sum(r["yaml"] for r in rows),
        "cut_at_limit": sum(r["cut"] for r in rows),
        "valid_refused_by_oracle": sum(bool(r["refused"]) for r in valid),
        "valid_unchecked": sum(r["unchecked"] for r in valid),
        "refusals": [(r["id"], r["refused"]) for r in valid if r["refused"]][:20],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "refusals"}, indent=1))
    for rid, why in summary["refusals"]:
        print(rid, why)
    (HERE / "results" / "valid_oracle.json").write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
