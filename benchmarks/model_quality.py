"""Dev-split results table, both regimes side by side: our default model with and without
constraints, another candidate model (`--candidate`), the nearest-example lookup baseline, and the peer
model (SmolLM2-135M-Instruct, Q4_1) plain with a few-shot chat prompt and through our pipeline.

    python benchmarks/model_quality.py [--model models/default] [--candidate DIR] [--peer DIR]
                                       [--limit 100] [-o eval/dev] [--results JSON]
                                       [--suites bash-everyday,bash-dev,ansible-real,ansible-dev,fortran-dev]

Suites (codegen/evaluation/suites.py): everyday Bash (bash-everyday, NL2Bash dev) and unseen commands
(bash-dev, tldr command-disjoint dev); everyday Ansible (ansible-real, tasks of the role-disjoint dev
roles) and unseen modules (ansible-dev, EXAMPLES of held-out modules); fortran-dev.
Every system runs `dslgen eval` on the same fixed sample of `--limit` examples per suite
(fortran-dev: all tasks), into one evaluation directory per suite, so each suite's report.md shows the
systems side by side. `--peer` defaults to the directory `scripts/peer_model.py` writes; without it
the peer rows are left out. Runs resume: a system already evaluated in -o is not run again. Prints the
headline metrics per suite and writes benchmarks/results/model_quality.json (or `--results`).
Targets (issue 19, our default constrained): bash-everyday command accuracy ≥ 70 %, token F1 ≥ 55,
char BLEU ≥ 45; ansible-real module accuracy ≥ 65 %, key F1 ≥ 60, argspec valid ≥ 95 %, YAML 100 %;
bash-dev command accuracy ≥ 30 %, token F1 ≥ 35.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADLINE = {
    "bash": [
        "command_accuracy",
        "exact_match",
        "token_f1",
        "char_bleu",
        "flag_hallucination_rate",
        "shellcheck_error_rate",
        "values_kept_rate",
        "value_requests",
    ],
    "ansible": [
        "yaml_parse_rate",
        "schema_valid_rate",
        "argspec_valid_rate",
        "module_accuracy",
        "key_f1",
        "module_hallucination_rate",
        "key_hallucination_rate",
        "values_kept_rate",
        "value_requests",
    ],
    "fortran": ["syntax_rate", "compile_rate", "pass_at_1"],
}
SUITES = {
    "bash-everyday": "bash",
    "bash-dev": "bash",
    "ansible-real": "ansible",
    "ansible-dev": "ansible",
    "fortran-dev": "fortran",
}


def default_peer() -> Path | None:
    from codegen.paths import home

    path = home() / "models" / "smollm2-135m-instruct-q4_1"
    return path if path.is_dir() else None


def systems(model: Path, candidate: Path | None, peer: Path | None) -> list[tuple[str, list[str]]]:
    """(system name, extra `dslgen eval` arguments) for each system of the table."""
    rows = []
    for path in (model, candidate):
        if path is not None:
            name = path.resolve().name
            rows += [
                (name, ["--model", str(path)]),
                (f"{name}-unconstrained", ["--model", str(path), "--no-constrain"]),
            ]
    rows.append(("nearest-example", ["--baseline", "nearest-example"]))
    if peer is not None:
        rows += [
            ("smollm2-q4-plain-chat", ["--model", str(peer), "--plain-chat"]),
            ("smollm2-q4-dslgen", ["--model", str(peer)]),
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=HERE.parent / "models" / "default")
    parser.add_argument("--candidate", type=Path, default=None, help="another model to compare")
    parser.add_argument("--peer", type=Path, default=None, help="peer model directory (default: if made)")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("-o", "--output", type=Path, default=Path("eval/dev"))
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument(
        "--results", type=Path, default=HERE / "results" / "model_quality.json", help="the JSON to write"
    )
    args = parser.parse_args()
    peer = None if args.no_peer else (args.peer or default_peer())
    table: dict[str, dict[str, dict]] = {}
    for suite in args.suites.split(","):
        lang = SUITES[suite]
        for name, extra in systems(args.model, args.candidate, peer):
            cli = [
                sys.executable,
                "-m",
                "codegen",
                "eval",
                "--suite",
                suite,
                "-o",
                str(args.output / suite),
                "--system",
                name,
                *extra,
            ]
            if lang != "fortran":
                cli += ["--limit", str(args.limit)]
            started = time.perf_counter()
            out = subprocess.run(cli, check=True, capture_output=True, text=True)
            scores = json.loads(out.stdout)[lang]
            row = {k: scores.get(k) for k in HEADLINE[lang]}
            row["examples"] = scores.get("n")
            row["latency_p50_s"] = scores.get("latency_p50_s")
            row["seconds"] = round(time.perf_counter() - started, 1)
            table.setdefault(suite, {})[name] = row
            print(f"{suite} {name}: {row}", flush=True)
    path = args.results
    if path.exists():  # a run of some suites or systems keeps the other rows
        kept = json.loads(path.read_text()).get("suites", {})
        table = {suite: {**kept.get(suite, {}), **table.get(suite, {})} for suite in {**kept, **table}}
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "model": str(args.model),
        "candidate": str(args.candidate) if args.candidate else None,
        "peer": str(peer) if peer else None,
        "limit": args.limit,
        "command": " ".join(["python", *sys.argv]),
        "suites": table,
    }
    path.write_text(json.dumps(result, indent=1) + "\n")
    for suite, rows in table.items():
        names = list(rows)
        print(f"\n{suite:<14} {'metric':<26} " + " ".join(f"{n:>22}" for n in names))
        for metric in [*HEADLINE[SUITES[suite]], "examples", "latency_p50_s"]:
            print(f"{'':<14} {metric:<26} " + " ".join(f"{_fmt(rows[n].get(metric)):>22}" for n in names))
    print(f"wrote {path}")


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
