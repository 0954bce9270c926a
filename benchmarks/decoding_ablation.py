"""Decoding settings of the pipeline on a dev-suite sample: no-repeat n-gram size (0 = off).

    python benchmarks/decoding_ablation.py SUITE LIMIT N [N ...]   e.g. ansible-dev 60 0 3 4 6

Runs the default model through the pipeline (retrieval, grammar, validation) once per setting on
the same fixed sample of the suite and prints the suite's validity and similarity metrics per
setting; records and report go to eval/decoding-ablation-SUITE/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from codegen.evaluation.report import write_report
from codegen.evaluation.runner import run_system
from codegen.evaluation.scoring import Documentation
from codegen.evaluation.suites import load_suite, sample
from codegen.pipeline import Generator

SHOWN = (
    "pipeline_valid_rate",
    "yaml_parse_rate",
    "schema_valid_rate",
    "argspec_valid_rate",
    "module_accuracy",
    "key_f1",
    "command_accuracy",
    "token_f1",
    "exact_match",
    "syntax_rate",
    "compile_rate",
)


def main() -> None:
    from codegen.docs.profile import use_evaluation_index

    use_evaluation_index()  # benchmarks read the evaluation index (codegen/docs/profile.py)
    suite, limit, sizes = sys.argv[1], int(sys.argv[2]), [int(n) for n in sys.argv[3:]]
    generator = Generator.load("models/default", "cpu")
    examples = sample(load_suite(suite, lambda: generator.index), limit)
    out = Path(f"eval/decoding-ablation-{suite}")
    for n in sizes:
        run_system(
            examples,
            lambda e, n=n: generator.generate(e.nl, e.lang, id=e.id, no_repeat_ngram=n),
            out,
            f"no-repeat-{n}",
            Documentation(generator.index),
        )
    for name, data in write_report(out)["systems"].items():
        scores = next(iter(data["languages"].values()))
        print(name, {k: round(v, 3) for k, v in scores.items() if k in SHOWN and isinstance(v, float)})


if __name__ == "__main__":
    main()
