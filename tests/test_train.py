"""Training: data order, prompt masking, checkpoints, exact resume, and torchrun data parallelism."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from codegen.corpus.document import Document, write_documents
from codegen.model import checkpoint
from codegen.model.config import ModelShape, TrainConfig, load_config
from codegen.model.data import IGNORE, PAD_MULTIPLE, PromptCodeExamples, sample_order
from codegen.model.train import build_model, train
from tests.tiny_lm import train_bpe

CODE = [
    "find . -name '*.log' -mtime +7 -delete",
    "tar -czf backup.tar.gz /etc",
    "program p\n  implicit none\n  integer :: i\n  do i = 1, 3\n    print *, i\n  end do\nend program p",
    "- name: Install nginx\n  ansible.builtin.apt:\n    name: nginx\n    state: present",
]


class _Interrupt(Exception):
    pass


@pytest.fixture
def tiny_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TrainConfig:
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    tokenizer = train_bpe([*CODE, "<|pad|>"] * 3, 300)
    tok_dir = tmp_path / "tok"
    tokenizer.save_pretrained(tok_dir)
    docs = [
        Document("bash", f"d{i}-{split}", f"{CODE[i % len(CODE)]} # {i}\n" * 3, split, "test")  # type: ignore[arg-type]
        for split in ("train", "dev")
        for i in range(40 if split == "train" else 8)
    ]
    corpus = tmp_path / "documents.jsonl.gz"
    write_documents(corpus, docs)
    pairs = tmp_path / "examples.jsonl.gz"
    rows = [
        {
            "id": f"p{i}",
            "lang": "bash",
            "split": split,
            "prompt": f"# task: job {i}\n# code:\n",
            "code": CODE[i % 2],
        }
        for split in ("train", "dev")
        for i in range(12)
    ]
    pairs.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    return TrainConfig(
        out=str(tmp_path / "run"),
        tokenizer=str(tok_dir),
        corpus=str(corpus),
        pairs=str(pairs),
        langs=("bash",),
        model=ModelShape(hidden=32, layers=1, heads=2, kv_heads=2, intermediate=64, max_positions=64),
        seq_len=32,
        batch_size=4,
        steps=8,
        lr=3e-3,
        warmup=2,
        precision="fp32",
        threads=1,
        log_every=1,
        eval_every=4,
        eval_batches=2,
        save_every=4,
    )


def _losses(out: Path) -> list[float]:
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [r["loss"] for r in rows if "loss" in r]


def test_sample_order_is_a_function_of_the_step_and_splits_the_global_batch() -> None:
    one = sample_order(3, 8, 0, 1, 50, seed=1)
    halves = sample_order(3, 8, 0, 2, 50, seed=1) + sample_order(3, 8, 1, 2, 50, seed=1)
    assert one == halves
    assert one == sample_order(3, 8, 0, 1, 50, seed=1)
    assert one != sample_order(3, 8, 0, 1, 50, seed=2)
    # one epoch visits every sample once
    epoch = [i for step in range(5) for i in sample_order(step, 10, 0, 1, 50, seed=0)]
    assert sorted(epoch) == list(range(50))
    with pytest.raises(ValueError):
        sample_order(0, 5, 0, 2, 50, seed=0)


def test_fine_tuning_loss_covers_only_the_code() -> None:
    import numpy as np

    data = PromptCodeExamples(
        [np.array([5, 6, 7, 8, 9]), np.array([1, 2, 3])], np.array([3, 1]), pad_id=0, seq_len=512
    )
    batch = data.batch([0, 1])
    pad = PAD_MULTIPLE - 5  # rows are padded to a multiple of PAD_MULTIPLE
    assert batch.input_ids.tolist() == [[5, 6, 7, 8, 9] + [0] * pad, [1, 2, 3] + [0] * (pad + 2)]
    assert batch.labels.tolist() == [
        [IGNORE, IGNORE, IGNORE, 8, 9] + [IGNORE] * pad,
        [IGNORE, 2, 3] + [IGNORE] * (pad + 2),
    ]
    assert batch.attention_mask.tolist() == [[1] * 5 + [0] * pad, [1] * 3 + [0] * (pad + 2)]
    short = PromptCodeExamples(data.ids, data.prompt_lengths, pad_id=0, seq_len=6)
    assert short.batch([0, 1]).input_ids.shape == (2, 6)  # never wider than the sequence length


def test_pretraining_writes_metrics_checkpoints_and_a_loadable_model(tiny_setup: TrainConfig) -> None:
    summary = train(tiny_setup)
    out = Path(tiny_setup.out)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in rows if "loss" in r]
    assert [r["step"] for r in steps] == list(range(1, 9))
    assert all(r["tokens_per_s"] > 0 and r["lr"] > 0 for r in steps)
    assert steps[-1]["loss"] < steps[0]["loss"]  # it learns the repeated lines
    assert [r["step"] for r in rows if "eval_loss" in r] == [4, 8]
    assert [p.name for p in checkpoint.checkpoints(out)] == ["step-0000004", "step-0000008"]
    from codegen.model.loading import load_model

    loaded = load_model(summary.model_dir, "cpu", runtime="transformers")
    ids = loaded.tokenizer("find .", return_tensors="pt").input_ids
    assert loaded.model(ids).logits.shape[-1] == len(loaded.tokenizer)
    assert summary.steps == 8 and summary.tokens == 8 * 4 * 32


def test_a_killed_run_resumes_exactly(tiny_setup: TrainConfig, tmp_path: Path) -> None:
    whole = replace(tiny_setup, out=str(tmp_path / "whole"))
    train(whole)

    def kill_after_step_6(message: str) -> None:
        if message.startswith("step 6/"):
            raise _Interrupt  # dies between checkpoints: steps 5-6 are lost and redone

    with pytest.raises(_Interrupt):
        train(tiny_setup, log=kill_after_step_6)
    assert [p.name for p in checkpoint.checkpoints(Path(tiny_setup.out))] == ["step-0000004"]
    summary = train(tiny_setup)
    assert summary.resumed_from == 4
    assert _losses(Path(tiny_setup.out)) == _losses(Path(whole.out))


def test_optimizer_state_after_resume_equals_the_saved_one(tiny_setup: TrainConfig) -> None:
    from tokenizers import Tokenizer

    from codegen.model.train import _optimizer, _schedule

    train(replace(tiny_setup, steps=4))
    saved = checkpoint.checkpoints(Path(tiny_setup.out))[-1]
    tokenizer = Tokenizer.from_file(str(Path(tiny_setup.tokenizer) / "tokenizer.json"))
    model = build_model(replace(tiny_setup, seed=99), tokenizer)
    optimizer = _optimizer(model, tiny_setup)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(tiny_setup))
    progress = checkpoint.load(saved, model, optimizer, scheduler)
    assert progress.step == 4
    expected = torch.load(saved / "optimizer.pt", weights_only=False)["optimizer"]
    restored = optimizer.state_dict()
    assert restored["param_groups"] == expected["param_groups"]
    assert restored["state"].keys() == expected["state"].keys() and restored["state"]
    for key, state in expected["state"].items():
        for name, value in state.items():
            assert torch.equal(restored["state"][key][name], value), (key, name)


def test_fine_tuning_starts_from_a_model_and_learns_the_code(tiny_setup: TrainConfig, tmp_path: Path) -> None:
    base = train(replace(tiny_setup, steps=4, out=str(tmp_path / "base")))
    tuned = train(replace(tiny_setup, stage="finetune", init_from=str(base.model_dir), steps=12, seq_len=64))
    losses = _losses(Path(tiny_setup.out))
    assert len(losses) == 12 and losses[-1] < losses[0]
    assert (tuned.model_dir / "tokenizer.json").read_bytes() == (
        base.model_dir / "tokenizer.json"
    ).read_bytes()


def test_config_errors_are_clear(tmp_path: Path) -> None:
    from codegen.errors import InputError

    bad = tmp_path / "bad.toml"
    bad.write_text('stage = "pretrain"\nbatchsize = 3\n')
    with pytest.raises(InputError, match=r"unknown setting.*batchsize"):
        load_config(bad)
    bad.write_text("seq_len = 4096\n[model]\nmax_positions = 1024\n")
    with pytest.raises(InputError, match=r"exceeds model\.max_positions"):
        load_config(bad)
    assert load_config(Path("configs/pretrain.toml")).stage == "pretrain"


@pytest.mark.skipif(shutil.which("torchrun") is None, reason="torchrun is not installed")
def test_two_processes_match_one_process_with_the_doubled_batch(
    tiny_setup: TrainConfig, tmp_path: Path
) -> None:
    def run(config: TrainConfig, processes: int) -> list[float]:
        path = tmp_path / f"{Path(config.out).name}.json"
        data = config.to_json()
        path.write_text(json.dumps(data))
        cli = [sys.executable, "-m", "codegen", "train", "pretrain", "--config", str(path)]
        if processes > 1:
            cli = ["torchrun", "--standalone", f"--nproc_per_node={processes}", "-m", "codegen", *cli[3:]]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        subprocess.run(cli, check=True, env=env, capture_output=True, timeout=300)
        return _losses(Path(config.out))

    single = run(replace(tiny_setup, out=str(tmp_path / "one"), batch_size=4), 1)
    double = run(replace(tiny_setup, out=str(tmp_path / "two"), batch_size=2), 2)
    assert len(single) == len(double) == 8
    for a, b in zip(single, double, strict=True):
        assert abs(a - b) <= 0.02 * a


def test_a_compute_budget_stops_the_run_with_a_checkpoint_and_a_model(tiny_setup: TrainConfig) -> None:
    summary = train(replace(tiny_setup, max_cpu_seconds=1e-6))
    assert summary.steps == 1 and summary.stopped_early
    assert [p.name for p in checkpoint.checkpoints(Path(tiny_setup.out))] == ["step-0000001"]
    assert (summary.model_dir / "model.safetensors").is_file()


def test_right_padding_needs_no_attention_mask(tiny_setup: TrainConfig) -> None:
    import numpy as np
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(tiny_setup.tokenizer) / "tokenizer.json"))
    model = build_model(tiny_setup, tokenizer).eval()
    data = PromptCodeExamples(
        [np.array([5, 6, 7, 8, 9, 10, 11]), np.array([1, 2, 3])], np.array([2, 1]), pad_id=0, seq_len=64
    )
    batch = data.batch([0, 1])
    with torch.no_grad():
        masked = model(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
        ).loss
        unmasked = model(input_ids=batch.input_ids, labels=batch.labels).loss
    assert torch.allclose(masked, unmasked, atol=1e-6)


def test_target_only_loss_equals_the_models_own_loss(tiny_setup: TrainConfig) -> None:
    import numpy as np
    from tokenizers import Tokenizer

    from codegen.model.loss import TargetLoss

    tokenizer = Tokenizer.from_file(str(Path(tiny_setup.tokenizer) / "tokenizer.json"))
    model = build_model(tiny_setup, tokenizer)
    data = PromptCodeExamples(
        [np.array([5, 6, 7, 8, 9, 10, 11]), np.array([1, 2, 3])], np.array([4, 1]), pad_id=0, seq_len=64
    )
    batch = data.batch([0, 1])
    ours, count = TargetLoss(model)(batch.input_ids, batch.labels)
    theirs = model(input_ids=batch.input_ids, labels=batch.labels).loss
    assert count == 3 + 2 and torch.allclose(ours, theirs, atol=1e-5)
    ours.backward()
    mine = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    model(input_ids=batch.input_ids, labels=batch.labels).loss.backward()
    assert all(torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(mine, model.parameters(), strict=True))
