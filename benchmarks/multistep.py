"""Multi-step requests: is the request split right, and does each step retrieve its command/module?

    python benchmarks/multistep.py [--index evaluation|product]
                                   [--data benchmarks/data/multistep_requests.jsonl] [--dense | --no-dense]
                                   [--rebuild] [--show]

Data: hand-written requests, one JSON object a line: {"id", "nl", "lang", "expected": [names, in step
order; "a|b" accepts either], "join": "tasks" | "pipe" | "and" | "single"}.

No model is needed: the Generator's plan (split, then each step's own retrieval in the language given,
then steps landing on the same document merged) is what generation would decode from.
- split: the plan has as many steps as `expected` and the expected join ("single" for one step).
- steps: split right, and each step's top document is the expected one, in order (Ansible compared
  by short name: ansible.builtin.file = file).
- right: both.
- top-5: split right, and each step's expected document is among its top 5 (what a better ranking
  of the same candidates could reach).
The documentation index is opened as it is (whatever its stamp), so the benchmark does not rebuild
the shared index; `--rebuild` brings it up to date first.
Prints a table per language and writes benchmarks/results/multistep.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

from codegen.docs.index import index_root, open_index
from codegen.docs.registry import ensure_index
from codegen.multistep import PlannedStep, plan_steps
from codegen.retrieval import Retriever
from codegen.steps import split_request

HERE = Path(__file__).resolve().parent


def short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def matches(name: str, expected: str) -> bool:
    return any(short(name) == short(alt) for alt in expected.split("|"))


def plan_join(planned: list[PlannedStep]) -> str:
    links = {p.step.link for p in planned[1:]}
    if not links:
        return "single"
    return {"task": "tasks", "pipe": "pipe", "and": "and"}[links.pop()] if len(links) == 1 else "mixed"


def score(item: dict, planned: list[PlannedStep]) -> dict:
    expected = item["expected"]
    split_ok = len(planned) == len(expected) and plan_join(planned) == item["join"]
    docs = [p.top for p in planned]
    steps_ok = split_ok and all(matches(d, e) for d, e in zip(docs, expected, strict=True))
    in_top = split_ok and all(
        any(matches(h.name, e) for h in p.hits) for p, e in zip(planned, expected, strict=True)
    )
    return {
        "id": item["id"],
        "lang": item["lang"],
        "join": item["join"],
        "got_join": plan_join(planned),
        "steps": [p.step.nl for p in planned],
        "text_split": len(split_request(item["nl"], item["lang"]).steps),
        "docs": docs,
        "expected": expected,
        "split": split_ok,
        "right": steps_ok,
        "top5": in_top,
    }


def main() -> int:
    from codegen.docs.profile import EVALUATION, PRODUCT, PROFILE_ENV

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--index",
        choices=(EVALUATION, PRODUCT),
        default=EVALUATION,
        help="the index profile (codegen/docs/profile.py): evaluation leaves the held-out commands' "
        "examples out; product is what `dslgen` answers with",
    )
    ap.add_argument("--data", type=Path, default=HERE / "data" / "multistep_requests.jsonl")
    ap.add_argument("--dense", action=argparse.BooleanOptionalAction, default=None)
    ap.add_argument("--rebuild", action="store_true", help="bring the index up to date first")
    ap.add_argument("--show", action="store_true", help="print every request's plan")
    args = ap.parse_args()
    os.environ[PROFILE_ENV] = args.index

    items = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    index = ensure_index() if args.rebuild else (open_index(index_root()) or ensure_index())
    retriever = Retriever(index, dense=args.dense)
    t0 = time.perf_counter()
    rows = [score(item, plan_steps(retriever, item["nl"], item["lang"], 5)) for item in items]
    seconds = time.perf_counter() - t0

    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["lang"]].append(row)
        groups["multi-step" if row["join"] != "single" else "stays single"].append(row)
        groups["all"].append(row)
    table = {}
    print(f"{'group':<14} {'n':>3} {'split %':>8} {'right %':>8} {'top-5 %':>8}")
    for name in ("ansible", "bash", "multi-step", "stays single", "all"):
        group = groups[name]
        split = 100 * sum(r["split"] for r in group) / len(group)
        right = 100 * sum(r["right"] for r in group) / len(group)
        top5 = 100 * sum(r["top5"] for r in group) / len(group)
        table[name] = {
            "n": len(group),
            "split": round(split, 1),
            "right": round(right, 1),
            "top5": round(top5, 1),
        }
        print(f"{name:<14} {len(group):>3} {split:>8.1f} {right:>8.1f} {top5:>8.1f}")
    print(f"({seconds:.1f} s for {len(rows)} plans, dense={retriever.dense is not None})")
    for row in rows:
        if args.show or not row["right"]:
            mark = "ok " if row["right"] else ("SPLIT" if not row["split"] else "DOC ")
            print(
                f"{mark} {row['id']} {row['got_join']}: {row['steps']} -> {row['docs']}  want {row['expected']}"
            )
    out = (
        HERE / "results" / ("multistep.json" if args.index == EVALUATION else f"multistep-{args.index}.json")
    )
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "data": str(args.data.relative_to(HERE.parent))
                if args.data.is_relative_to(HERE.parent)
                else str(args.data),
                "index": index.manifest.get("stamp"),
                "profile": args.index,
                "dense": retriever.dense is not None,
                "machine": platform.processor() or platform.machine(),
                "table": table,
                "rows": rows,
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
