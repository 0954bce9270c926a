"""Valid by construction: random sampling from a randomly initialised tiny model under the
per-request grammars, checked by tools that do not know the grammar.

    nice -n 10 python benchmarks/valid_by_construction.py [--n 1000] [--eos-bias 5] [--lang bash ...]

Model: random Llama (hidden 32, 1 layer) over a 1k byte-level BPE trained here on the vendored
tldr pages and the fixture EXAMPLES; `--eos-bias` raises the end-of-text logit (a uniform random
model almost never ends a text on its own; where it may end is still the grammar's decision).
Grammars: built as the pipeline builds them (a Bash request's top level is pipelines of documented
commands; compound commands only inside substitutions) from the real DocRecords in
tests/fixtures/grammar. Checks per output:
- Ansible: YAML (repeated keys refused), every key a documented option or alias of the chosen module,
  values of the documented type / choices, required keys present;
- Bash: tree-sitter-bash without ERROR/MISSING nodes, every command retrieved, every flag documented;
- Fortran: tree-sitter-fortran without ERROR/MISSING nodes, and `gfortran -fsyntax-only`.
Generation ends as in the pipeline: in the last 1/8 of the token budget, at the first point the grammar
accepts. Unfinished outputs (the limit reached inside a construct even so) are counted separately.
Writes benchmarks/results/valid_by_construction.json.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.decoding import DecodingError, generate  # noqa: E402
from codegen.grammar.check import check_ansible, check_bash, check_fortran  # noqa: E402
from codegen.pipeline import FINISH_RESERVE_SHARE  # noqa: E402
from tests.test_decoding import case, tokenizer  # noqa: E402
from tests.tiny_lm import random_llama  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "valid_by_construction.json"
LANGS = ("bash", "ansible", "fortran")


def gfortran_ok(text: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.f90"
        path.write_text(text + "\n")
        run = subprocess.run(
            ["gfortran", "-fsyntax-only", path.name], cwd=tmp, capture_output=True, text=True, timeout=60
        )
    return run.returncode == 0, run.stderr.strip().splitlines()[-1] if run.returncode else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--eos-bias", type=float, default=5.0)
    parser.add_argument("--max-new-tokens", type=int, default=2048)
    parser.add_argument(
        "--lang",
        action="append",
        choices=LANGS,
        help="Only these languages (repeatable); their rows replace those of the results file.",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    tok = tokenizer()
    model = random_llama(len(tok), eos_id=tok.eos_token_id, eos_bias=args.eos_bias)
    result = {"languages": {}}
    if args.lang and RESULTS.exists():
        result = json.loads(RESULTS.read_text())
    result.update(date=time.strftime("%Y-%m-%d"), command=" ".join(["python", *sys.argv]))
    for lang in args.lang or LANGS:
        grammar, schemas = case(lang)
        counts = collections.Counter()
        failures: list[dict] = []
        tokens = 0
        started = time.time()
        for seed in range(args.n):
            out = generate(
                model,
                tok,
                "a request",
                grammar,
                temperature=1.0,
                seed=seed,
                max_new_tokens=args.max_new_tokens,
                # as the pipeline does: near the limit, end at the first point the grammar accepts
                finish_reserve=args.max_new_tokens // FINISH_RESERVE_SHARE,
            )
            if isinstance(out, DecodingError):
                raise SystemExit(f"{lang}: {out.message}")
            gen = out[0]
            tokens += gen.tokens
            counts["generated"] += 1
            if not gen.finished:
                counts["unfinished"] += 1
                continue
            if lang == "ansible":
                problems = check_ansible(gen.text, schemas)
            elif lang == "bash":
                problems = check_bash(gen.text, schemas)
            else:
                problems = check_fortran(gen.text)
                ok, message = gfortran_ok(gen.text)
                counts["gfortran_ok"] += ok
                if not ok and len(failures) < 10:
                    failures.append({"seed": seed, "gfortran": message, "text": gen.text})
            counts["valid"] += not problems
            if problems and len(failures) < 10:
                failures.append({"seed": seed, "problems": problems[:3], "text": gen.text})
        finished = counts["generated"] - counts["unfinished"]
        row = {
            "generated": counts["generated"],
            "finished": finished,
            "valid": counts["valid"],
            "valid_share_of_finished": counts["valid"] / finished if finished else None,
            "mean_tokens": tokens / counts["generated"],
            "seconds": round(time.time() - started, 1),
            "failures": failures,
        }
        if lang == "fortran":
            row["gfortran_ok"] = counts["gfortran_ok"]
            row["gfortran_share_of_finished"] = counts["gfortran_ok"] / finished if finished else None
        result["languages"][lang] = row
        extra = f", gfortran -fsyntax-only {row['gfortran_ok']}/{finished}" if lang == "fortran" else ""
        print(
            f"{lang}: {counts['valid']}/{finished} finished outputs valid "
            f"({counts['unfinished']} unfinished of {counts['generated']}){extra}, {row['seconds']} s",
            flush=True,
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
