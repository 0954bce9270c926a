"""Speed and fidelity of one model on each runtime: load time, a prompt's forward pass, a decoding
step, and the code-token loss on dev pairs (does a faster runtime, or a quantized export, still
compute the same model?).

    python benchmarks/runtime_speed.py MODEL_DIR [MODEL_DIR ...] [--runtimes auto,transformers]
                                       [--prompt 300] [--steps 40] [--pairs 80] [--threads 0]
                                       [-o benchmarks/results/runtime_speed.json]

For each directory and runtime (`codegen.model.loading.load_model(runtime=)`): seconds to load; the
forward pass over a `--prompt`-token prompt (logits of the last position); the mean of `--steps`
single-token steps after it (greedy); then, over `--pairs` dev pairs of the fine-tuning set
($DSLGEN_HOME/corpora/finetune-v2, Bash and Ansible, a fixed sample), the mean negative
log-likelihood of the code tokens given the prompt and the share of them that are the argmax. Best
of two rounds for the times; the load average at the start is recorded (other jobs slow every time).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from codegen.model.causal_lm import as_causal_lm  # noqa: E402
from codegen.model.loading import load_model  # noqa: E402
from codegen.paths import home  # noqa: E402


def dev_pairs(n: int) -> list[dict]:
    path = home() / "corpora" / "finetune-v2" / "examples.jsonl.gz"
    if not path.is_file():
        sys.exit(f"{path}: build the pairs first (`dslgen train data`)")
    with gzip.open(path, "rt") as lines:
        rows = [r for r in map(json.loads, lines) if r["split"] == "dev" and r["lang"] != "fortran"]
    return random.Random(0).sample(rows, min(n, len(rows)))


def timings(lm, prompt_tokens: int, steps: int) -> dict[str, float]:
    prompt = list(range(1000, 1000 + prompt_tokens))
    best: dict[str, float] = {}
    for _ in range(2):
        t0 = time.perf_counter()
        logits, cache = lm.forward(prompt, lm.start(), all_logits=False)
        prompt_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(steps):
            logits, cache = lm.forward([int(logits[-1].argmax())], cache, all_logits=False)
        step_ms = (time.perf_counter() - t0) / steps * 1000
        best = {
            "prompt_s": min(prompt_s, best.get("prompt_s", prompt_s)),
            "step_ms": min(step_ms, best.get("step_ms", step_ms)),
        }
    return {k: round(v, 4) for k, v in best.items()}


def fidelity(lm, tokenizer, pairs: list[dict]) -> dict[str, float]:
    nll, hits, count = 0.0, 0, 0
    for pair in pairs:
        prompt = tokenizer.encode(pair["prompt"], add_special_tokens=False)
        code = [*tokenizer.encode(pair["code"], add_special_tokens=False), tokenizer.eos_token_id]
        logits, _ = lm.forward(prompt + code, lm.start(), all_logits=True)
        logits = logits[len(prompt) - 1 : -1].astype(np.float64)
        logits -= logits.max(axis=-1, keepdims=True)
        logprobs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        nll -= float(logprobs[np.arange(len(code)), code].sum())
        hits += int((logits.argmax(axis=-1) == np.asarray(code)).sum())
        count += len(code)
    return {"code_nll": round(nll / count, 4), "code_top1": round(hits / count, 4), "code_tokens": count}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--runtimes", default="auto")
    parser.add_argument("--prompt", type=int, default=300)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--pairs", type=int, default=80)
    parser.add_argument("-o", "--output", type=Path, default=HERE / "results" / "runtime_speed.json")
    args = parser.parse_args()
    pairs = dev_pairs(args.pairs) if args.pairs else []
    load_average = os.getloadavg()[0]
    rows = []
    for path in args.models:
        for runtime in args.runtimes.split(","):
            t0 = time.perf_counter()
            loaded = load_model(path, "cpu", runtime=runtime)
            row = {"model": str(path), "runtime": runtime, "class": type(loaded.model).__name__}
            row["load_s"] = round(time.perf_counter() - t0, 3)
            lm = as_causal_lm(loaded.model)
            row |= timings(lm, args.prompt, args.steps)
            if pairs:
                row |= fidelity(lm, loaded.tokenizer, pairs)
            rows.append(row)
            print(json.dumps(row), flush=True)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": load_average,
        "command": " ".join(["python", *sys.argv]),
        "prompt_tokens": args.prompt,
        "steps": args.steps,
        "pairs": len(pairs),
        "rows": rows,
    }
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
