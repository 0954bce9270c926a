"""Tokenizer effect at equal compute: the compiler-aware tokenizer vs plain byte-level BPE.

    python benchmarks/tokenizer_effect.py [--cpu-seconds 300] [--seeds 0 1] [--max-bytes 150000]

For each tokenizer (tokenizers/code-16k, tokenizers/bytelevel-16k: same vocabulary size, so the same
number of parameters) and seed, pretrain a model of one shape on the same corpus (code-v1, train
split) for the same CPU-seconds (`max_cpu_seconds`, one thread per run, two runs at a time), then
score held-out code (dev split documents of each language, the first --max-bytes per language)
with bits per byte and per-lexeme perplexity (codegen.evaluation.metrics.lm: both independent of
the tokenizer). Reports mean and spread (min-max) over seeds; the target is a win on Fortran.
Prints a table and writes benchmarks/results/tokenizer_effect.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

from codegen.training.config import ModelShape, TrainConfig

HERE = Path(__file__).resolve().parent
TOKENIZERS = ("code-16k", "bytelevel-16k")
LANGS = ("fortran", "bash", "ansible")
SHAPE = ModelShape(hidden=128, layers=2, heads=2, kv_heads=2, intermediate=344, max_positions=512)


def _train(config: TrainConfig, work: Path) -> dict:
    path = work / f"{Path(config.out).name}.json"
    path.write_text(json.dumps(config.to_json()))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(
        [sys.executable, "-m", "codegen", "train", "pretrain", "--config", str(path)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return json.loads((Path(config.out) / "model" / "training.json").read_text())


def _held_out(max_bytes: int) -> dict[str, list[str]]:
    from codegen.training.corpus.build import load_corpus

    texts: dict[str, list[str]] = {lang: [] for lang in LANGS}
    used = dict.fromkeys(LANGS, 0)
    for doc in load_corpus("code-v1"):
        if doc.split == "dev" and doc.lang in texts and used[doc.lang] < max_bytes:
            text = doc.text[: max_bytes - used[doc.lang]]
            texts[doc.lang].append(text)
            used[doc.lang] += len(text)
    return texts


def _score(model_dir: Path, texts: dict[str, list[str]]) -> dict[str, dict]:
    import torch

    from codegen.evaluation.metrics.lm import lm_scores
    from codegen.model.loading import load_model

    torch.set_num_threads(1)
    loaded = load_model(model_dir, "cpu", runtime="transformers")  # lm_scores runs torch
    return {
        lang: lm_scores(loaded.model, loaded.tokenizer, items, lang, window=512).to_json()
        for lang, items in texts.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cpu-seconds", type=float, default=300)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--max-bytes", type=int, default=150_000)
    args = parser.parse_args()
    texts = _held_out(args.max_bytes)
    runs = []
    with tempfile.TemporaryDirectory(prefix="dslgen-tok-effect-") as tmp:
        work = Path(tmp)
        base = TrainConfig(
            model=SHAPE,
            seq_len=256,
            batch_size=8,
            steps=100_000,
            lr=2e-3,
            warmup=50,
            precision="auto",
            threads=1,
            eval_every=10**9,
            save_every=10**9,
            max_cpu_seconds=args.cpu_seconds,
        )
        configs = [
            replace(base, tokenizer=tok, seed=seed, out=str(work / f"{tok}-{seed}"))
            for seed in args.seeds
            for tok in TOKENIZERS
        ]
        with ThreadPoolExecutor(max_workers=2) as pool:  # two single-threaded runs on two cores
            trained = list(pool.map(lambda c: _train(c, work), configs))
        for config, info in zip(configs, trained, strict=True):
            scores = _score(Path(config.out) / "model", texts)
            runs.append(
                {
                    "tokenizer": config.tokenizer,
                    "seed": config.seed,
                    "steps": info["steps"],
                    "tokens": info["tokens"],
                    "seconds": info["seconds"],
                    "scores": scores,
                }
            )
            print(
                f"{config.tokenizer} seed {config.seed}: {info['steps']} steps, "
                + ", ".join(f"{lang} {s['bits_per_byte']:.3f} bpb" for lang, s in scores.items()),
                flush=True,
            )
    summary: dict = {}
    for tok in TOKENIZERS:
        for lang in LANGS:
            mine = [r["scores"][lang] for r in runs if r["tokenizer"] == tok]
            for metric in ("bits_per_byte", "lexeme_perplexity"):
                values = [m[metric] for m in mine]
                summary.setdefault(lang, {}).setdefault(tok, {})[metric] = {
                    "mean": statistics.fmean(values),
                    "min": min(values),
                    "max": max(values),
                }
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", *sys.argv]),
        "cpu_seconds_per_run": args.cpu_seconds,
        "shape": asdict(SHAPE),
        "held_out_bytes_per_language": args.max_bytes,
        "runs": runs,
        "summary": summary,
    }
    (HERE / "results" / "tokenizer_effect.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"\n{'lang':<8} {'metric':<18} " + " ".join(f"{t:>26}" for t in TOKENIZERS))
    for lang, by_tok in summary.items():
        for metric in ("bits_per_byte", "lexeme_perplexity"):
            cells = [
                f"{by_tok[t][metric]['mean']:.3f} [{by_tok[t][metric]['min']:.3f}-{by_tok[t][metric]['max']:.3f}]"
                for t in TOKENIZERS
            ]
            print(f"{lang:<8} {metric:<18} " + " ".join(f"{c:>26}" for c in cells))


if __name__ == "__main__":
    main()
