"""Dev-split quality of a model with and without grammar constraints (one ablation table).

    python benchmarks/model_quality.py [--model models/default] [--limit 200] [-o eval/model-quality]

Runs `dslgen eval` on the suites bash-dev (command-disjoint tldr pages), ansible-dev (module-disjoint
EXAMPLES tasks) and fortran-dev (hand-written tasks with tests), each constrained and with
--no-constrain, on the same fixed sample of `--limit` examples per suite (fortran-dev: all). The
evaluation directory keeps every record and a side-by-side report.md; this script prints the
headline metrics and writes benchmarks/results/model_quality.json.
Targets (bash-dev, constrained): command accuracy ≥ 40 %, exact match ≥ 15 %, token F1 ≥ 45 %.
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
    "bash": ["command_accuracy", "exact_match", "token_f1", "char_bleu", "flag_hallucination_rate"],
    "ansible": ["module_accuracy", "key_f1", "schema_valid_rate", "argspec_valid_rate", "yaml_parse_rate"],
    "fortran": ["syntax_rate", "compile_rate", "pass_at_1"],
}
SUITES = {"bash-dev": "bash", "ansible-dev": "ansible", "fortran-dev": "fortran"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=HERE.parent / "models" / "default")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("-o", "--output", type=Path, default=Path("eval/model-quality"))
    parser.add_argument("--suites", default=",".join(SUITES))
    args = parser.parse_args()
    table: dict[str, dict[str, dict]] = {}
    for suite in args.suites.split(","):
        lang = SUITES[suite]
        for constrained in (True, False):
            system = f"{args.model.resolve().name}{'' if constrained else '-unconstrained'}"
            cli = [
                sys.executable,
                "-m",
                "codegen",
                "eval",
                "--suite",
                suite,
                "--model",
                str(args.model),
                "-o",
                str(args.output / suite),
                "--system",
                system,
            ]
            if lang != "fortran":
                cli += ["--limit", str(args.limit)]
            if not constrained:
                cli.append("--no-constrain")
            started = time.perf_counter()
            out = subprocess.run(cli, check=True, capture_output=True, text=True)
            scores = json.loads(out.stdout)[lang]
            row = {k: scores.get(k) for k in HEADLINE[lang]}
            row["examples"] = scores.get("n")
            row["seconds"] = round(time.perf_counter() - started, 1)
            table.setdefault(lang, {})["constrained" if constrained else "unconstrained"] = row
            print(f"{suite} {'constrained' if constrained else 'unconstrained'}: {row}", flush=True)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "model": str(args.model),
        "limit": args.limit,
        "command": " ".join(["python", *sys.argv]),
        "languages": table,
    }
    path = HERE / "results" / "model_quality.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\n{'lang':<8} {'metric':<26} {'constrained':>12} {'unconstrained':>14}")
    for lang, modes in table.items():
        for metric in HEADLINE[lang]:
            a, b = modes.get("constrained", {}).get(metric), modes.get("unconstrained", {}).get(metric)
            print(f"{lang:<8} {metric:<26} {_fmt(a):>12} {_fmt(b):>14}")
    print(f"wrote {path.relative_to(HERE.parent)}")


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
