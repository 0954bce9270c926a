"""Library detection on the dev splits: Hits@1/5, language detection, query latency, index load time.

    python benchmarks/retrieval.py [--dense | --no-dense] [--limit N] [--tldr ../shared/data/bash/tldr_pages.jsonl.gz]

Without either flag the retriever's default applies (dense on when the index has document vectors).

Dev requests:
- Bash: every example of the tldr pages in benchmarks/splits/bash_dev.txt (their examples are not in
  the index; their man pages are, when one exists). A hit is the page's command: the page name or the
  program its examples run (`cargo-build` pages run `cargo`). Requests whose command has no document
  in the index count as misses.
- Ansible: the named EXAMPLES tasks of the modules in benchmarks/splits/ansible_dev.txt, read from the
  installed collections (not from the index, which dropped them). A hit is the module's FQCN.
- Fortran: benchmarks/data/fortran_requests.jsonl, hand-written; used for language detection (and
  Hits@k where `expected` is given).
Prints a table and writes benchmarks/results/retrieval-{dense,lexical}.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from codegen.docs.index import DocIndex, open_index
from codegen.docs.registry import ensure_index
from codegen.retrieval import Hit, Retriever

HERE = Path(__file__).resolve().parent


@dataclass
class Request:
    id: str
    nl: str
    lang: str
    gold: set[str]


def read_ids(name: str) -> set[str]:
    lines = (HERE / "splits" / f"{name}.txt").read_text().splitlines()
    return {ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}


def example_command(cmd: str) -> str:
    words = [w for w in cmd.split() if w not in ("sudo", "doas")]
    return words[0] if words and "{{" not in words[0] else ""


def bash_requests(tldr: Path) -> list[Request]:
    dev = read_ids("bash_dev")
    out = []
    with gzip.open(tldr, "rt", encoding="utf-8") as fh:
        pages = [json.loads(line) for line in fh]
    for page in pages:
        if page["page"] not in dev:
            continue
        for i, ex in enumerate(page["examples"]):
            gold = {page["page"], page["page"].replace("-", " ")} | ({example_command(ex["cmd"])} - {""})
            out.append(Request(f"{page['id']}#{i}", ex["nl"], "bash", gold))
    return out


def ansible_requests(index: DocIndex) -> list[Request]:
    dev = read_ids("ansible_dev")
    out = []
    for rec in index.source_records("ansible"):
        if rec.name in dev:
            out.extend(
                Request(f"{rec.name}#{i}", ex.nl, "ansible", {rec.name}) for i, ex in enumerate(rec.examples)
            )
    return out


def fortran_requests() -> list[Request]:
    path = HERE / "data" / "fortran_requests.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Request(r["id"], r["nl"], "fortran", {e.lower() for e in r.get("expected", [])}) for r in rows]


def hit(names: list[str], gold: set[str]) -> bool:
    return any(n in gold or n.lower() in gold for n in names)


def hit_names(index: DocIndex, hits: list[Hit]) -> list[str]:
    return [n for h in hits for n in (h.name, index.programs[h.position])]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dense", action=argparse.BooleanOptionalAction, default=None)
    ap.add_argument("--limit", type=int, default=0, help="requests per language (0 = all)")
    ap.add_argument("--tldr", type=Path, default=HERE.parent.parent / "shared/data/bash/tldr_pages.jsonl.gz")
    args = ap.parse_args()

    ensure_index().close()
    t0 = time.perf_counter()
    index = open_index()
    assert index is not None
    retriever = Retriever(index, dense=args.dense)
    retriever.search("warm up the bm25 index", k=1)
    load_seconds = time.perf_counter() - t0

    sets = {
        "bash": bash_requests(args.tldr),
        "ansible": ansible_requests(index),
        "fortran": fortran_requests(),
    }
    if args.limit:
        sets = {k: v[: args.limit] for k, v in sets.items()}
    documented_names = {n.lower() for n in index.names} | {
        a.lower() for rec in index.records() if rec.dsl == "bash" for a in rec.aliases
    }
    rows: dict[str, dict[str, float]] = {}
    lang_ok = lang_total = 0
    latencies: list[float] = []
    confusion: Counter[tuple[str, str]] = Counter()
    for lang, requests in sets.items():
        h1 = h5 = h1_auto = h5_auto = scored = documented = 0
        for req in requests:
            t = time.perf_counter()
            detected, _ = retriever.detect_language(req.nl)
            auto = retriever.search(req.nl, lang=detected, k=5)
            latencies.append(time.perf_counter() - t)
            known = retriever.search(req.nl, lang=lang, k=5)
            lang_ok += detected == lang
            lang_total += 1
            confusion[(lang, detected)] += 1
            if not req.gold:
                continue
            scored += 1
            h1 += hit(hit_names(index, known[:1]), req.gold)
            h5 += hit(hit_names(index, known), req.gold)
            h1_auto += hit(hit_names(index, auto[:1]), req.gold)
            h5_auto += hit(hit_names(index, auto), req.gold)
            documented += bool(req.gold & documented_names)
        n = max(scored, 1)
        rows[lang] = {
            "requests": len(requests),
            "scored": scored,
            "hits@1": h1 / n,
            "hits@5": h5 / n,
            "hits@1_auto_lang": h1_auto / n,
            "hits@5_auto_lang": h5_auto / n,
            "gold_documented": documented / n,  # ceiling: requests whose command/module has a document
        }
    latencies.sort()
    summary = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
        "dense": retriever.dense is not None,
        "index_documents": index.manifest["documents"],
        "index_load_seconds": round(load_seconds, 3),
        "per_language": rows,
        "language_accuracy": lang_ok / max(lang_total, 1),
        "language_confusion": {f"{a}->{b}": c for (a, b), c in sorted(confusion.items())},
        "query_ms_median": statistics.median(latencies) * 1000,
        "query_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "command": " ".join(["python", "benchmarks/retrieval.py", *sys.argv[1:]]),
    }
    print(
        f"{'lang':8} {'n':>6} {'Hits@1':>7} {'Hits@5':>7} {'H@1 auto':>9} {'H@5 auto':>9} {'documented':>10}"
    )
    for lang, r in rows.items():
        print(
            f"{lang:8} {r['scored']:>6} {r['hits@1']:>7.1%} {r['hits@5']:>7.1%}"
            f" {r['hits@1_auto_lang']:>9.1%} {r['hits@5_auto_lang']:>9.1%} {r['gold_documented']:>10.1%}"
        )
    print(f"language detection accuracy: {summary['language_accuracy']:.1%} over {lang_total} requests")
    print(f"confusion: {summary['language_confusion']}")
    print(
        f"query latency (detect + search): median {summary['query_ms_median']:.2f} ms,"
        f" p95 {summary['query_ms_p95']:.2f} ms; index load {load_seconds:.2f} s"
    )
    out = (
        HERE
        / "results"
        / ("retrieval-dense.json" if retriever.dense is not None else "retrieval-lexical.json")
    )
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
