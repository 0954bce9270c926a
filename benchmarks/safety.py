"""Precision and recall of the Bash safety check on a labelled table of commands.

    python benchmarks/safety.py [--table benchmarks/data/safety_commands_v2.jsonl] [--nl2bash FILE]

The default table (benchmarks/data/safety_commands.jsonl) holds risky and harmless commands, including
the tricky harmless ones the policy in codegen/safety decides on; it was written with the rules.
safety_commands_v2.jsonl was written from risk categories (services that cut remote access, system
files and logs, removal of essential packages, writes outside the working tree) before the rules were
widened to them; its rows carry a `category`, and the report breaks recall and precision down by it.
With --nl2bash, the share of real NL2Bash commands flagged is reported too (they are mostly harmless;
a flag rate, not a precision). Writes benchmarks/results/<table name without "_commands">.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import time
from pathlib import Path

from codegen.atomic import atomic_write_text
from codegen.safety import assess

HERE = Path(__file__).parent
TABLE = HERE / "data" / "safety_commands.jsonl"
RESULTS = HERE / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nl2bash", type=Path, help="NL2Bash jsonl(.gz) with a `cmd` field per line")
    parser.add_argument("--table", type=Path, default=TABLE, help="JSONL of {cmd, risky[, category]}")
    args = parser.parse_args()
    table = args.table.resolve()
    result_path = RESULTS / (table.stem.replace("_commands", "") + ".json")

    rows = [json.loads(line) for line in table.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_category: dict[str, dict[str, int]] = {}
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    mistakes = []
    started = time.perf_counter()
    for row in rows:
        verdict = assess(row["cmd"])
        key = ("t" if verdict.risky == row["risky"] else "f") + ("p" if verdict.risky else "n")
        counts[key] += 1
        if "category" in row:
            by_category.setdefault(row["category"], {"tp": 0, "fp": 0, "fn": 0, "tn": 0})[key] += 1
        if verdict.risky != row["risky"]:
            mistakes.append(
                {"cmd": row["cmd"], "expected_risky": row["risky"], "reasons": list(verdict.reasons)}
            )
    table_seconds = time.perf_counter() - started
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])

    result = {
        "table": str(table.relative_to(HERE.parent.resolve()))
        if table.is_relative_to(HERE.parent.resolve())
        else str(table),
        "risky": sum(r["risky"] for r in rows),
        "harmless": sum(not r["risky"] for r in rows),
        **counts,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "ms_per_command": round(1000 * table_seconds / len(rows), 3),
        "by_category": {
            name: c
            | {
                "recall": round(c["tp"] / max(1, c["tp"] + c["fn"]), 4),
                "precision": round(c["tp"] / max(1, c["tp"] + c["fp"]), 4),
            }
            for name, c in sorted(by_category.items())
        },
        "mistakes": mistakes,
        "python": platform.python_version(),
    }
    print(f"{'commands':<22}{len(rows):>8}   ({result['risky']} risky, {result['harmless']} harmless)")
    print(f"{'precision':<22}{precision:>8.3f}   (tp {counts['tp']}, fp {counts['fp']})")
    print(f"{'recall':<22}{recall:>8.3f}   (fn {counts['fn']}, tn {counts['tn']})")
    print(f"{'ms per command':<22}{result['ms_per_command']:>8.3f}")
    for name, c in result["by_category"].items():
        print(
            f"  {name:<20}recall {c['recall']:.3f}  precision {c['precision']:.3f}  (fn {c['fn']}, fp {c['fp']})"
        )
    for mistake in mistakes:
        label = "missed" if mistake["expected_risky"] else "false alarm"
        print(f"  {label}: {mistake['cmd']}")

    if args.nl2bash:
        opener = gzip.open if args.nl2bash.suffix == ".gz" else open
        with opener(args.nl2bash, "rt", encoding="utf-8") as fh:
            commands = [json.loads(line)["cmd"] for line in fh if line.strip()]
        started = time.perf_counter()
        flagged = sum(assess(cmd).risky for cmd in commands)
        seconds = time.perf_counter() - started
        result["nl2bash"] = {
            "commands": len(commands),
            "flagged": flagged,
            "flag_rate": round(flagged / max(1, len(commands)), 4),
            "ms_per_command": round(1000 * seconds / max(1, len(commands)), 3),
        }
        print(
            f"{'NL2Bash flagged':<22}{flagged:>8}   of {len(commands)} ({100 * flagged / len(commands):.2f} %)"
        )
        print(f"{'NL2Bash ms/command':<22}{result['nl2bash']['ms_per_command']:>8.3f}")

    atomic_write_text(result_path, json.dumps(result, indent=2) + "\n")
    print(f"wrote {result_path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
