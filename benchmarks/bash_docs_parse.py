"""Parse time and yield of the Bash documentation sources over every installed man1/6/8 page.

    python benchmarks/bash_docs_parse.py [--workers 2] [--manpath /usr/share/man]

Runs ManPageSource.units() and load() for every page as the index build does (a process pool, chunked
work), then the builtin and tldr sources, and prints a table. Pages that raise are listed as
failures. Writes benchmarks/results/bash_docs_parse.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from codegen.atomic import atomic_write_text
from codegen.docs.bash import BuiltinSource, ManPageSource, TldrSource
from codegen.docs.source import Unit

RESULT = Path(__file__).parent / "results" / "bash_docs_parse.json"


def _parse(source: ManPageSource, unit: Unit) -> tuple[str, int, int, str | None]:
    """(unit, records, flags, error) — never raises, like the index's worker."""
    try:
        records = source.load(unit)
    except Exception as exc:
        return unit.id, 0, 0, f"{type(exc).__name__}: {exc}"
    return unit.id, len(records), sum(len(r.schema.get("options", [])) for r in records), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--manpath", default=None, help="man roots, colon-separated (default: the system's)")
    args = parser.parse_args()

    source = ManPageSource(manpath=args.manpath)
    t0 = time.perf_counter()
    units = list(source.units())
    scan_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    chunk = max(1, min(64, len(units) // (args.workers * 16)))
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(_parse, [source] * len(units), units, chunksize=chunk))
    parse_seconds = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the workers: the wall time depends on what else runs on the machine
    parse_cpu_seconds = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)

    failures = [(uid, err) for uid, _, _, err in results if err]
    records = sum(n for _, n, _, _ in results)
    flags = sum(f for _, _, f, _ in results)
    with_flags = sum(1 for _, _, f, _ in results if f)

    t0 = time.perf_counter()
    builtin = BuiltinSource()
    builtins = [r for u in builtin.units() for r in builtin.load(u)]
    tldr = TldrSource()
    tldr_records = [r for u in tldr.units() for r in tldr.load(u)]
    other_seconds = time.perf_counter() - t0

    result = {
        "workers": args.workers,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "man_roots": [str(r) for r in source.roots],
        "sections": list(source.sections),
        "man_units": len(units),
        "man_records": records,
        "man_flags": flags,
        "man_pages_with_flags": with_flags,
        "man_failures": failures,
        "scan_seconds": round(scan_seconds, 2),
        "parse_seconds": round(parse_seconds, 2),
        "parse_cpu_seconds": round(parse_cpu_seconds, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "builtin_records": len(builtins),
        "builtin_flags": sum(len(r.schema["options"]) for r in builtins),
        "tldr_records": len(tldr_records),
        "builtin_and_tldr_seconds": round(other_seconds, 2),
    }
    atomic_write_text(RESULT, json.dumps(result, indent=2) + "\n")

    table = Table(title=f"Bash documentation sources ({args.workers} workers)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("man_units", "man_records", "man_flags", "man_pages_with_flags", "scan_seconds",
                "parse_seconds", "parse_cpu_seconds", "load_average_1min", "builtin_records", "builtin_flags", "tldr_records", "builtin_and_tldr_seconds"):  # fmt: skip
        table.add_row(key, str(result[key]))
    table.add_row("man_failures", str(len(failures)))
    Console().print(table)
    for uid, err in failures[:20]:
        Console().print(f"[red]failed[/red] {uid}: {err}")


if __name__ == "__main__":
    main()
