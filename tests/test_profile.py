"""The product and evaluation indexes (codegen/docs/profile.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codegen.docs.exemplars import shipped_nl2bash_exemplars
from codegen.docs.index import index_root, merge_records
from codegen.docs.profile import PROFILE_ENV, index_profile, use_evaluation_index
from codegen.docs.record import DocRecord, Example
from codegen.errors import InputError
from codegen.splits import split_of


def _page(name: str) -> DocRecord:
    return DocRecord(
        dsl="bash",
        name=name,
        summary=f"the {name} command",
        text="",
        schema={},
        source="tldr",
        version="1",
        examples=[Example(f"run {name}", name)],
    )


def test_each_profile_has_its_own_index_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    assert index_profile() == "product"
    product = index_root()
    use_evaluation_index()
    assert index_profile() == "evaluation"
    assert index_root() != product and index_root().name.endswith("-evaluation")
    monkeypatch.setenv(PROFILE_ENV, "nonsense")
    with pytest.raises(InputError):
        index_profile()


def test_only_the_evaluation_index_drops_the_examples_of_held_out_names() -> None:
    assert split_of("ls") != "train" and split_of("du") == "train"
    kept = {r.name: len(r.examples) for r in merge_records([_page("ls"), _page("du")], drop_held_out=False)}
    dropped = {r.name: len(r.examples) for r in merge_records([_page("ls"), _page("du")], drop_held_out=True)}
    assert kept == {"ls": 1, "du": 1}
    assert dropped == {"ls": 0, "du": 1}


def test_nl2bash_pairs_of_held_out_commands_reach_the_product_memory_only() -> None:
    product = {ex.target for ex in shipped_nl2bash_exemplars(drop_held_out=False)}
    evaluation = {ex.target for ex in shipped_nl2bash_exemplars(drop_held_out=True)}
    assert "ls" in product and "ls" not in evaluation
    assert evaluation < product
    assert all(split_of(name) == "train" for name in evaluation)


@pytest.mark.parametrize(
    "args",
    [
        ["train", "finetune", "-c", "{tmp}/missing.toml"],
        ["eval", "-o", "{tmp}/out", "--data", "{tmp}/x.jsonl", "--model", "{tmp}/no-model"],
    ],
)
def test_evaluation_and_training_commands_open_the_evaluation_index(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codegen.cli import main

    monkeypatch.delenv(PROFILE_ENV, raising=False)
    with pytest.raises(SystemExit) as stopped:
        main([a.format(tmp=tmp_path) for a in args])
    assert stopped.value.code != 0  # the missing file or model, after the profile was chosen
    assert os.environ.get(PROFILE_ENV) == "evaluation"
