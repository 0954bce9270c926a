"""Training acceptance measurements (issue "Small domain model"): throughput, torchrun equivalence,
and resume after a kill.

    python benchmarks/training.py [--steps 120] [--seq-len 128] [--only throughput,ddp,resume]

All runs use the default model's shape (configs/pretrain.toml) on the code corpus, seed 0:
- throughput: tokens/s of one process with fp32 and with bf16 autocast (median over the steps after
  the first 5), at the config's sequence length and batch;
- ddp: one process with batch 2b vs `torchrun --nproc_per_node 2` with batch b each (gloo on CPU),
  mean loss over the last 50 steps (target: within 2 %);
- resume: an uninterrupted run vs one killed (SIGKILL) after its second checkpoint and resumed,
  mean loss over the last 50 steps (target: within 2 %), and whether every step's loss is identical.
Prints a table and writes benchmarks/results/training.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from codegen.training.config import TrainConfig, load_config

HERE = Path(__file__).resolve().parent
CONFIG = HERE.parent / "configs" / "pretrain.toml"


def _cli(config: TrainConfig, work: Path, processes: int = 1) -> list[str]:
    path = work / f"{Path(config.out).name}.json"
    path.write_text(json.dumps(config.to_json()))
    if processes == 1:
        return [sys.executable, "-m", "codegen", "train", "pretrain", "--config", str(path)]
    return [
        "torchrun",
        "--standalone",
        f"--nproc_per_node={processes}",
        "-m",
        "codegen",
        "train",
        "pretrain",
        "--config",
        str(path),
    ]


def _rows(config: TrainConfig) -> list[dict]:
    lines = (Path(config.out) / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if "loss" in r]


def _run(config: TrainConfig, work: Path, processes: int = 1) -> list[dict]:
    env = {**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // processes))}
    subprocess.run(
        _cli(config, work, processes),
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return _rows(config)


def _tail_mean(rows: list[dict], n: int = 50) -> float:
    return statistics.fmean(r["loss"] for r in rows[-n:])


def throughput(base: TrainConfig, work: Path, steps: int) -> dict:
    out = {}
    for precision in ("fp32", "bf16"):
        config = replace(base, out=str(work / f"speed-{precision}"), precision=precision, steps=steps)
        rows = _run(config, work)
        out[precision] = statistics.median(r["tokens_per_s"] for r in rows[5:])
    return out


def ddp(base: TrainConfig, work: Path) -> dict:
    one = _run(replace(base, out=str(work / "ddp-1"), batch_size=2 * base.batch_size), work)
    two = _run(replace(base, out=str(work / "ddp-2")), work, processes=2)
    a, b = _tail_mean(one), _tail_mean(two)
    return {
        "one_process_batch": 2 * base.batch_size,
        "two_processes_batch_each": base.batch_size,
        "loss_one": round(a, 4),
        "loss_two": round(b, 4),
        "relative_difference": round(abs(a - b) / a, 5),
        "target": 0.02,
    }


def resume(base: TrainConfig, work: Path) -> dict:
    whole = _run(replace(base, out=str(work / "whole")), work)
    killed = replace(base, out=str(work / "killed"))
    second = Path(killed.out) / "checkpoints" / f"step-{2 * base.save_every:07d}"
    proc = subprocess.Popen(
        _cli(killed, work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    while not (second / "state.json").is_file():
        if proc.poll() is not None:
            raise SystemExit("the run to be killed finished before its second checkpoint")
        time.sleep(0.05)
    time.sleep(1.0)  # let it train a little past the checkpoint: that work is lost and redone
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = len(_rows(killed))
    resumed = _run(killed, work)
    a, b = _tail_mean(whole), _tail_mean(resumed)
    return {
        "killed_at_step": killed_at,
        "resumed_from_step": 2 * base.save_every,
        "loss_uninterrupted": round(a, 4),
        "loss_resumed": round(b, 4),
        "relative_difference": round(abs(a - b) / a, 5),
        "target": 0.02,
        "identical_step_losses": [r["loss"] for r in whole] == [r["loss"] for r in resumed],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--only", default="throughput,ddp,resume")
    args = parser.parse_args()
    config = load_config(CONFIG)
    parts = set(args.only.split(","))
    result: dict = {
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "date": time.strftime("%Y-%m-%d"),
        "config": str(CONFIG.relative_to(HERE.parent)),
    }
    with tempfile.TemporaryDirectory(prefix="dslgen-train-bench-") as tmp:
        work = Path(tmp)
        base = replace(
            config,
            steps=args.steps,
            seq_len=args.seq_len,
            warmup=10,
            eval_every=10**6,
            save_every=max(1, args.steps // 3),
            max_seconds=0.0,
            precision="fp32",
            threads=0,
        )
        if "throughput" in parts:
            speed = replace(config, eval_every=10**6, save_every=10**6, max_seconds=0.0, warmup=10)
            result["throughput_tokens_per_s"] = throughput(speed, work, 30)
            result["throughput_shape"] = {"seq_len": speed.seq_len, "batch": speed.batch_size}
        if "ddp" in parts:
            result["ddp"] = ddp(base, work)
        if "resume" in parts:
            result["resume"] = resume(base, work)
    print(json.dumps(result, indent=1))
    path = HERE / "results" / "training.json"
    previous = json.loads(path.read_text()) if path.is_file() else {}
    path.write_text(json.dumps({**previous, **result}, indent=1) + "\n")


if __name__ == "__main__":
    main()
