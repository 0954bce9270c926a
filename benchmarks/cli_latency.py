"""CLI latency with the default model: cold starts (a new `dslgen` process per request) and warm library
calls (one loaded Generator), against issue 5's targets (cold ≤ 3 s, warm ≤ 1 s).

    python benchmarks/cli_latency.py [--repeat 3] [--model DIR]

Cold: `python -m codegen REQUEST --json` per request and repeat; wall time and the CPU seconds of the
process (user + system, from the children's resource usage: less sensitive than wall time to other
jobs on the machine). Two import floors: the modules a cold start with the default model imports
(numpy runtime), and torch with transformers' Llama class, which a model on the transformers runtime
adds. Warm: Generator.generate after one
warm-up request, median of --repeat calls per request. The load average at the start is recorded
next to the numbers. Prints a table and writes benchmarks/results/cli_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUESTS = {
    "bash": "find all log files older than 7 days and delete them",
    "ansible": "create a user named deploy",
    "fortran": "multiply two double precision matrices",
}
IMPORT_FLOORS = {
    "imports (numpy runtime)": "import codegen.cli, codegen.pipeline, codegen.decoding, codegen.model.numpy_llama",
    "imports (onnx runtime)": "import codegen.cli, codegen.pipeline, codegen.decoding, codegen.model.onnx_lm, onnxruntime",
    "imports (+ transformers runtime)": "import torch; from transformers import LlamaForCausalLM",
}
TARGETS = {"cold_s": 3.0, "warm_s": 1.0}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_process(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of one child process run to completion."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _children_cpu() - cpu0


def cold(model: Path | None, repeat: int) -> dict[str, dict[str, float]]:
    extra = ["--model", str(model)] if model else []
    rows = {}
    for lang, request in REQUESTS.items():
        runs = [
            timed_process([sys.executable, "-m", "codegen", request, "--lang", lang, "--json", *extra])
            for _ in range(repeat)
        ]
        rows[lang] = {
            "wall_s": round(statistics.median(w for w, _ in runs), 2),
            "cpu_s": round(statistics.median(c for _, c in runs), 2),
        }
    for name, code in IMPORT_FLOORS.items():
        floor = [timed_process([sys.executable, "-c", code]) for _ in range(repeat)]
        rows[name] = {
            "wall_s": round(statistics.median(w for w, _ in floor), 2),
            "cpu_s": round(statistics.median(c for _, c in floor), 2),
        }
    return rows


def warm(model: Path | None, repeat: int) -> dict[str, float]:
    from codegen.pipeline import Generator

    generator = Generator.load(str(model) if model else None)
    generator.generate(REQUESTS["bash"], "bash")  # first request: tokenizer and grammar engine set-up
    rows = {}
    for lang, request in REQUESTS.items():
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            generator.generate(request, lang)
            times.append(time.perf_counter() - t0)
        rows[lang] = round(statistics.median(times), 3)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", type=Path, help="A model directory (default: the shipped default model).")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "cli_latency.json")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    cold_rows = cold(args.model, args.repeat)
    warm_rows = warm(args.model, args.repeat)
    print(f"load average at start: {load:.2f}")
    print(f"{'request':<32} {'cold wall s':>11} {'cold CPU s':>10} {'warm s':>7}")
    for lang, row in cold_rows.items():
        warm_s = f"{warm_rows[lang]:7.3f}" if lang in warm_rows else f"{'-':>7}"
        print(f"{lang:<32} {row['wall_s']:11.2f} {row['cpu_s']:10.2f} {warm_s}")
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", *sys.argv]),
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor(),
            "load_average": round(load, 2),
        },
        "requests": REQUESTS,
        "cold": cold_rows,
        "warm_s": warm_rows,
        "targets": TARGETS,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
