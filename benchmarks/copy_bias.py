"""Choose the decoding copy bias (codegen.pipeline.COPY_BIAS) on training-split requests that state values.

    python benchmarks/copy_bias.py --model DIR [--biases 0,1,2,4] [--continue-biases 4,8] [--n 60]

Requests: the first `n` per language (by a hash of the request) of the example memory's real-use
training pairs whose request states a value (codegen.values): NL2Bash training pairs (Bash) and the
tasks of training-split roles (Ansible). Not the dev sets: those report the chosen bias. Each bias runs
the full pipeline (retrieval, grammar, the model) and scores values kept, Bash token F1 / command
accuracy and Ansible key F1 / module accuracy against the pair's own code.
Writes benchmarks/results/copy_bias.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.docs.exemplars import Exemplar, ansible_task_exemplars, nl2bash_exemplars  # noqa: E402
from codegen.docs.registry import ensure_index  # noqa: E402
from codegen.evaluation.metrics.ansible import AnsibleExample, ansible_example, ansible_scores  # noqa: E402
from codegen.evaluation.metrics.tldr import tldr_scores  # noqa: E402
from codegen.evaluation.scoring import Documentation  # noqa: E402
from codegen.model.loading import load_model  # noqa: E402
from codegen.pipeline import Generator  # noqa: E402
from codegen.retrieval import Retriever  # noqa: E402
from codegen.values import request_values, value_scores  # noqa: E402


def requests(n: int) -> dict[str, list[Exemplar]]:
    chosen = {}
    for lang, source in (("bash", nl2bash_exemplars()), ("ansible", ansible_task_exemplars())):
        stated = [ex for ex in source if ex.code.strip() and request_values(ex.nl)]
        stated.sort(key=lambda ex: hashlib.sha256(ex.nl.encode()).digest())
        chosen[lang] = stated[:n]
    return chosen


def main() -> None:
    from codegen.docs.profile import use_evaluation_index

    use_evaluation_index()  # benchmarks read the evaluation index (codegen/docs/profile.py)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--biases", default="0,1,2,4")
    parser.add_argument(
        "--continue-biases",
        default="",
        help="biases toward finishing a begun value (default: each start bias)",
    )
    parser.add_argument("--n", type=int, default=60)
    args = parser.parse_args()
    index = ensure_index()
    retriever = Retriever(index)
    model = load_model(args.model)
    docs = Documentation(index)
    chosen = requests(args.n)
    table: dict[str, dict[str, dict]] = {}
    starts = [float(b) for b in args.biases.split(",")]
    continues = [float(b) for b in args.continue_biases.split(",")] if args.continue_biases else [None]
    for bias, cont in [(b, c) for b in starts for c in continues]:
        gen = Generator(
            index, retriever, model, copy_bias=bias, copy_continue_bias=bias if cont is None else cont
        )
        name = str(bias) if cont is None else f"{bias}/{cont}"
        for lang, exs in chosen.items():
            started = time.perf_counter()
            outputs = [gen.generate(ex.nl, lang).code for ex in exs]
            refs = [ex.code for ex in exs]
            row = asdict(value_scores([ex.nl for ex in exs], outputs, lang))
            if lang == "bash":
                scores = tldr_scores(outputs, refs)
                row |= {"command_accuracy": scores.command_accuracy, "token_f1": scores.token_f1}
            else:
                per = [ansible_example(o, r, docs.catalog) for o, r in zip(outputs, refs, strict=True)]
                scores = ansible_scores([AnsibleExample(**asdict(p)) for p in per])
                row |= {"module_accuracy": scores.module_accuracy, "key_f1": scores.key_f1}
            row["seconds_per_request"] = round((time.perf_counter() - started) / len(exs), 3)
            table.setdefault(lang, {})[name] = row
            print(f"{lang} bias {name}: {row}", flush=True)
    out = ROOT / "benchmarks" / "results" / "copy_bias.json"
    out.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "model": str(args.model),
                "n": args.n,
                "command": " ".join(["python", *sys.argv]),
                "languages": table,
                "median_requests": {k: statistics.median(len(e.nl) for e in v) for k, v in chosen.items()},
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
