"""Library detection on the dev sets of both regimes: Hits@1/5 of three rankers side by side, language
detection over the union of the dev sets, query latency, index load time.

    python benchmarks/retrieval.py [--no-dense] [--limit N] [--tldr PATH] [--nl2bash PATH]

Dev sets (everyday / unseen):
- bash-everyday: NL2Bash's dev split (`split_rerun`, ids in benchmarks/splits/bash_everyday_dev.txt); a hit is the line's first command that is not a
  wrapper (`sudo find … | xargs rm` → find).
- bash-unseen: every example of the tldr pages in benchmarks/splits/bash_dev.txt (their examples are not
  in the index; their man pages are, when one exists). A hit is the page's command: the page name or
  the program its examples run (`cargo-build` pages run `cargo`).
- ansible-real: named module tasks of the roles in benchmarks/splits/ansible_real_dev.txt, from the
  real-task corpus (`dslgen index fetch-examples`); a hit is the module, short names compared
  (`ansible.builtin.file` = `file`).
- ansible-unseen: the named EXAMPLES tasks of the modules in benchmarks/splits/ansible_dev.txt, read from
  the installed collections (not from the index, which dropped them). A hit is the module.
- fortran: benchmarks/data/fortran_requests.jsonl, hand-written (Hits@k where `expected` is given).
Rankers: "nearest example" (the documents the nearest examples of the memory call, nearest first: the
plain lookup baseline), "documentation" (lexical + dense documentation score alone, the ranking before
the learned ranker) and "learned" (the default). Requests whose gold has no document count as misses.
Prints the table and writes benchmarks/results/retrieval.json (retrieval-lexical.json with --no-dense;
`--out` elsewhere). The encoder is the active one (`$DSLGEN_ENCODER`, codegen/embedding.py).
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

import numpy as np

from codegen.docs.commands import main_command
from codegen.docs.exemplars import ansible_tasks_file
from codegen.docs.index import DocIndex, open_index
from codegen.docs.registry import ensure_index
from codegen.retrieval import ExampleMemory, Retriever

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


def nl2bash_requests(path: Path) -> list[Request]:
    dev = read_ids("bash_everyday_dev")
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            name = main_command(row["cmd"]) if row["id"] in dev else ""
            if name:
                out.append(Request(row["id"], row["nl"], "bash", {name}))
    return out


def ansible_real_requests(path: Path) -> list[Request]:
    dev = read_ids("ansible_real_dev")
    out = []
    if not path.is_file():
        return out
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            role = f"{row['project']}/{row['role']}"
            if row.get("kind", "module") == "module" and row.get("module") and role in dev:
                out.append(Request(row["id"], row["name"], "ansible", {row["module"]}))
    return out


def short(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower()


def hit(names: list[str], gold: set[str]) -> bool:
    golds = {g.lower() for g in gold} | {short(g) for g in gold if "." in g}
    return any(n.lower() in golds or short(n) in golds for n in names)


def hit_names(index: DocIndex, positions: list[int]) -> list[str]:
    return [n for p in positions for n in (index.names[p], index.programs[p])]


def nearest_example_positions(
    retriever: Retriever, memory: ExampleMemory, nl: str, lang: str, k: int
) -> list[int]:
    """The baseline: documents called by the nearest examples, nearest first, distinct programs."""
    assert retriever.dense is not None
    cosines, targets = memory.cosines(retriever.dense.embed(nl), lang)
    if not len(cosines):
        return []
    order = np.argsort(-cosines)[: 50 * k]
    out: list[int] = []
    seen: set[str] = set()
    for i in order:
        p = int(targets[i])
        program = retriever.index.programs[p]
        if program not in seen:
            seen.add(program)
            out.append(p)
        if len(out) == k:
            break
    return out


def main() -> None:
    from codegen.docs.profile import use_evaluation_index

    use_evaluation_index()  # benchmarks read the evaluation index (codegen/docs/profile.py)
    ap = argparse.ArgumentParser()
    ap.add_argument("--dense", action=argparse.BooleanOptionalAction, default=None)
    ap.add_argument("--limit", type=int, default=0, help="requests per dev set (0 = all)")
    ap.add_argument("--out", type=Path, default=None, help="result file (default: results/retrieval.json)")
    ap.add_argument("--tldr", type=Path, default=HERE.parent.parent / "shared/data/bash/tldr_pages.jsonl.gz")
    ap.add_argument("--nl2bash", type=Path, default=HERE.parent.parent / "shared/data/bash/nl2bash.jsonl.gz")
    args = ap.parse_args()

    ensure_index().close()
    t0 = time.perf_counter()
    index = open_index()
    assert index is not None
    learned = Retriever(index, dense=args.dense)
    learned.search("warm up the bm25 index", lang="bash", k=1)
    load_seconds = time.perf_counter() - t0
    documentation = Retriever(index, dense=args.dense, ranked=False)
    memory = learned.memory or (
        ExampleMemory(index) if index.exemplars is not None and index.exemplar_vectors is not None else None
    )

    sets = {
        "bash-everyday": nl2bash_requests(args.nl2bash),
        "bash-unseen": bash_requests(args.tldr),
        "ansible-real": ansible_real_requests(ansible_tasks_file()),
        "ansible-unseen": ansible_requests(index),
        "fortran": fortran_requests(),
    }
    if args.limit:
        sets = {k: v[: args.limit] for k, v in sets.items()}
    rankers = ["nearest example", "documentation", "learned"] if memory is not None else ["documentation"]
    table: dict[str, dict[str, dict[str, float]]] = {}
    lang_ok = lang_total = 0
    latencies: list[float] = []
    confusion: Counter[tuple[str, str]] = Counter()
    for name, requests in sets.items():
        scored = [r for r in requests if r.gold]
        counts = {ranker: [0, 0] for ranker in rankers}
        for req in requests:
            t = time.perf_counter()
            detected, _ = learned.detect_language(req.nl)
            learned.search(req.nl, lang=detected, k=5)
            latencies.append(time.perf_counter() - t)
            lang_ok += detected == req.lang
            lang_total += 1
            confusion[(req.lang, detected)] += 1
            if not req.gold:
                continue
            for ranker in rankers:
                if ranker == "nearest example":
                    assert memory is not None
                    positions = nearest_example_positions(learned, memory, req.nl, req.lang, 5)
                else:
                    retriever = learned if ranker == "learned" else documentation
                    positions = [h.position for h in retriever.search(req.nl, lang=req.lang, k=5)]
                counts[ranker][0] += hit(hit_names(index, positions[:1]), req.gold)
                counts[ranker][1] += hit(hit_names(index, positions), req.gold)
        n = max(len(scored), 1)
        table[name] = {
            ranker: {"hits@1": c[0] / n, "hits@5": c[1] / n, "requests": len(scored)}
            for ranker, c in counts.items()
        }
    latencies.sort()
    summary = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
        "dense": learned.dense is not None,
        "learned_ranker": sorted(learned.rankers),
        "encoder": learned.dense.name if learned.dense is not None else None,
        "index_documents": index.manifest["documents"],
        "index_exemplars": index.manifest.get("exemplars"),
        "index_load_seconds": round(load_seconds, 3),
        "dev_sets": table,
        "language_accuracy": lang_ok / max(lang_total, 1),
        "language_confusion": {f"{a}->{b}": c for (a, b), c in sorted(confusion.items())},
        "query_ms_median": statistics.median(latencies) * 1000 if latencies else 0.0,
        "query_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else 0.0,
        "command": " ".join(["python", "benchmarks/retrieval.py", *sys.argv[1:]]),
    }
    print(f"{'dev set':15} {'n':>6} " + " ".join(f"{r + ' H@1/H@5':>28}" for r in rankers))
    for name, by_ranker in table.items():
        n = next(iter(by_ranker.values()))["requests"]
        cells = " ".join(f"{by_ranker[r]['hits@1']:>18.1%} / {by_ranker[r]['hits@5']:>6.1%}" for r in rankers)
        print(f"{name:15} {n:>6} {cells}")
    print(f"language detection accuracy: {summary['language_accuracy']:.1%} over {lang_total} requests")
    print(f"confusion: {summary['language_confusion']}")
    print(
        f"query latency (detect + search): median {summary['query_ms_median']:.2f} ms,"
        f" p95 {summary['query_ms_p95']:.2f} ms; index load {load_seconds:.2f} s"
    )
    out = args.out or HERE / "results" / (
        "retrieval.json" if learned.dense is not None else "retrieval-lexical.json"
    )
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
