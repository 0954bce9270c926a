"""The README's and the issues' example requests, checked against literal expectations.

    python benchmarks/readme_requests.py [--data benchmarks/data/readme_requests.jsonl] [--model DIR]
                                         [--show]

Each request runs through the full pipeline as `dslgen "…" --lang L` runs it (the product index, the
default model unless --model). Data: one JSON object a line: {"id", "nl", "lang", "docs": [the
documents its steps should use, in order; "a|b" accepts either; [] for Fortran, whose program may
call routines of several documents], "contains": [regular expressions the
code must all match (Python `re`, MULTILINE)]}. A request is right when its documents and every
expression match; the table shows which expression failed.
Writes benchmarks/results/readme_requests.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.pipeline import Generator  # noqa: E402
from codegen.result import Result  # noqa: E402


def used_docs(result: Result) -> list[str]:
    """The document each step decoded with (the top one of a one-step request)."""
    if result.steps:
        return [s.docs[0] if s.docs else "" for s in result.steps]
    return [result.docs[0].name] if result.docs else []


def same_doc(name: str, expected: str) -> bool:
    return any(name.lower() == alt.lower() for alt in expected.split("|"))


def check(item: dict, result: Result) -> dict:
    docs = used_docs(result)
    docs_ok = not item["docs"] or (
        len(docs) == len(item["docs"])
        and all(same_doc(d, e) for d, e in zip(docs, item["docs"], strict=True))
    )
    code = result.code or ""
    missed = [p for p in item["contains"] if not re.search(p, code, re.MULTILINE)]
    return {
        "id": item["id"],
        "nl": item["nl"],
        "lang": item["lang"],
        "docs": docs,
        "docs_ok": docs_ok,
        "missed": missed,
        "right": docs_ok and not missed,
        "code": code,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data" / "readme_requests.jsonl")
    parser.add_argument("--model", default=None, help="a model directory (default: the shipped model)")
    parser.add_argument("--show", action="store_true", help="print each request's code")
    args = parser.parse_args()
    items = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    gen = Generator.load(args.model)
    rows = []
    started = time.perf_counter()
    for item in items:
        row = check(item, gen.generate(item["nl"], item["lang"]))
        rows.append(row)
        mark = "ok " if row["right"] else "BAD"
        why = (
            ""
            if row["right"]
            else f"  docs {row['docs']}" * (not row["docs_ok"]) + f"  missed {row['missed']}"
        )
        print(f"{mark} {item['id']} {item['nl']}{why}")
        if args.show or not row["right"]:
            print("    " + row["code"].replace("\n", "\n    "))
    right = sum(r["right"] for r in rows)
    print(f"right: {right}/{len(rows)}")
    out = ROOT / "benchmarks" / "results" / "readme_requests.json"
    out.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "command": " ".join(["python", *sys.argv]),
                "model": args.model or "models/default",
                "right": right,
                "total": len(rows),
                "seconds": round(time.perf_counter() - started, 1),
                "requests": rows,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
