"""The fine-tuning set: pairs split by library, cleaned, and prompted with what retrieval returns."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from codegen.docs.index import DocIndex
from codegen.docs.record import DocRecord, Example
from codegen.prompt import build_prompt
from codegen.retrieval import Retriever
from codegen.splits import split_of
from codegen.training.corpus.finetune import ansible_pairs, clean, nl2bash_pairs, tldr_pairs, with_prompts
from codegen.training.corpus.pairs import Pair


def _gz(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))


def test_bash_pairs_follow_the_command_split_and_skip_alias_pages(tmp_path: Path) -> None:
    _gz(
        tmp_path / "bash" / "tldr_pages.jsonl.gz",
        [
            {
                "id": "common/tar",
                "page": "tar",
                "examples": [{"nl": "Create an archive", "cmd": "tar cf a.tar x"}],
            },
            {
                "id": "common/gtar",
                "page": "gtar",
                "is_alias_page": True,
                "examples": [{"nl": "View documentation for the original command", "cmd": "tldr tar"}],
            },
        ],
    )
    _gz(
        tmp_path / "bash" / "nl2bash.jsonl.gz",
        [
            {"id": "nl2bash:1", "nl": "count lines of x", "cmd": "wc -l x", "split_rerun": "train"},
            {"id": "nl2bash:2", "nl": "noise", "cmd": "echo", "split_rerun": "filtered_out"},
        ],
    )
    tldr = list(tldr_pairs(tmp_path))
    assert [(p.id, p.library, p.split) for p in tldr] == [("tldr:common/tar#0", "tar", split_of("tar"))]
    nl2bash = list(nl2bash_pairs(tmp_path))
    assert [(p.id, p.library, p.split) for p in nl2bash] == [("nl2bash:1", "wc", split_of("wc"))]


def test_ansible_pairs_are_the_examples_of_each_module_once() -> None:
    record = DocRecord(
        dsl="ansible",
        name="ansible.builtin.apt",
        summary="Manages apt packages",
        text="",
        schema={},
        source="ansible",
        version="2.18",
        examples=[Example("Install nginx", "- name: Install nginx\n  x: 1\n")],
    )

    class _Index:
        def source_records(self, source: str) -> list[DocRecord]:
            assert source == "ansible"
            return [record, record]  # a module seen twice (two collection versions) counts once

    pairs = list(ansible_pairs(_Index()))  # type: ignore[arg-type]
    assert [(p.id, p.library, p.split) for p in pairs] == [
        ("ansible.builtin.apt#0", "ansible.builtin.apt", split_of("ansible.builtin.apt"))
    ]


def _pair(id: str, nl: str, code: str, split: str) -> Pair:
    return Pair(id, "bash", nl, code, split, "test", "x")  # type: ignore[arg-type]


def test_clean_drops_duplicates_and_training_pairs_that_leak_held_out_text() -> None:
    pairs = [
        _pair("a", "List files", "ls -l", "train"),
        _pair("b", "list  files", "ls   -l", "train"),  # same after whitespace/case folding
        _pair("c", "Show disk usage", "du -sh", "dev"),
        _pair("d", "How big is it", "du  -sh", "train"),  # a held-out reference as training code
        _pair("e", "show disk usage", "df -h", "train"),  # a held-out request as training request
    ]
    kept, removed = clean(pairs)
    assert [p.id for p in kept] == ["a", "c"]
    assert removed == {"duplicates": 1, "contaminated": 2}


def test_prompts_are_built_from_retrieval_as_at_inference(small_index: DocIndex) -> None:
    retriever = Retriever(small_index)
    pair = Pair("p", "bash", "find files larger than 100 MB", "find . -size +100M", "train", "test", "find")
    (row,) = with_prompts([pair], retriever, lambda _m: None)
    hits = retriever.search(pair.nl, lang="bash", k=5)
    assert row["retrieved"] == [h.name for h in hits] and row["retrieved"][0] == "find"
    assert row["prompt"] == build_prompt(pair.nl, "bash", [retriever.record(h) for h in hits])
    assert row["code"] == pair.code and row["split"] == "train"


def test_nl2bash_pairs_outside_its_training_split_are_held_out(tmp_path: Path) -> None:
    from codegen.training.corpus.finetune import nl2bash_split

    # `du` is a training command; NL2Bash's own dev and test splits are the everyday dev/test sets
    assert split_of("du") == "train"
    assert nl2bash_split({"cmd": "du -sh *", "split_rerun": "train"}) == "train"
    assert nl2bash_split({"cmd": "du -sh *", "split_rerun": "dev"}) == "dev"
    assert nl2bash_split({"cmd": "du -sh *", "split_rerun": "test"}) == "test"
    # a held-out command stays held out whatever NL2Bash says
    assert nl2bash_split({"cmd": "wc -l x", "split_rerun": "train"}) == split_of("wc") != "train"


def test_real_task_pairs_are_split_by_role_and_skip_controls_and_long_tasks(tmp_path: Path) -> None:
    from codegen.prompt import EXAMPLE_CHARS
    from codegen.training.corpus.finetune import ansible_task_pairs

    base = {"project": "acme", "package": "acme-roles", "version": "1.0", "kind": "module"}
    rows = [
        {
            **base,
            "id": "a",
            "role": "web",
            "name": "Install nginx",
            "module": "ansible.builtin.apt",
            "task_text": "- name: Install nginx\n  apt:\n    name: nginx",
        },
        {
            **base,
            "id": "b",
            "role": "web",
            "name": "Include more",
            "module": "ansible.builtin.include_tasks",
            "task_text": "- name: Include more\n  include_tasks: x.yml",
            "kind": "control",
        },
        {
            **base,
            "id": "c",
            "role": "db",
            "name": "Template it",
            "module": "ansible.builtin.template",
            "task_text": "- name: Template it\n  template:\n    src: '" + "x" * EXAMPLE_CHARS + "'",
        },
    ]
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (pair,) = ansible_task_pairs(path)
    assert (pair.id, pair.nl, pair.library, pair.split) == (
        "task:a",
        "Install nginx",
        "ansible.builtin.apt",
        split_of("acme/web"),
    )
    assert pair.code.startswith("- name: Install nginx") and pair.source == "ansible-tasks:acme-roles==1.0"


def test_held_out_pairs_are_sampled_by_id_and_training_pairs_all_kept() -> None:
    from codegen.training.corpus.finetune import held_out_sample

    pairs = [_pair(f"t{i}", f"train {i}", f"echo {i}", "train") for i in range(5)]
    pairs += [_pair(f"d{i}", f"dev {i}", f"echo d{i}", "dev") for i in range(10)]
    kept = held_out_sample(pairs, per_split=3)
    assert [p.id for p in kept if p.split == "train"] == [f"t{i}" for i in range(5)]
    dev = [p.id for p in kept if p.split == "dev"]
    assert len(dev) == 3
    # the same ids whatever the order the pairs came in
    assert sorted(dev) == sorted(p.id for p in held_out_sample(pairs[::-1], per_split=3) if p.split == "dev")


def test_everyday_suites_read_the_dev_ids_and_roles(tmp_path: Path) -> None:
    from codegen.evaluation.suites import ansible_real, bash_everyday

    _gz(
        tmp_path / "nl2bash.jsonl.gz",
        [
            {"id": "nl2bash/1", "nl": "count lines", "cmd": "wc -l x", "split_rerun": "dev"},
            {"id": "nl2bash/2", "nl": "list", "cmd": "ls", "split_rerun": "train"},
        ],
    )
    (tmp_path / "ids.txt").write_text("# dev ids\nnl2bash/1\n")
    (ex,) = bash_everyday(tmp_path / "nl2bash.jsonl.gz", tmp_path / "ids.txt")
    assert (ex.id, ex.nl, ex.lang, ex.code) == ("nl2bash/1", "count lines", "bash", "wc -l x")
    rows = [
        {
            "id": "t1",
            "project": "acme",
            "role": "web",
            "name": "Start nginx",
            "module": "service",
            "task_text": "- name: Start nginx\n  service:\n    name: nginx",
            "kind": "module",
        },
        {
            "id": "t2",
            "project": "acme",
            "role": "db",
            "name": "Start db",
            "module": "service",
            "task_text": "- name: Start db\n  service:\n    name: db",
            "kind": "module",
        },
    ]
    (tmp_path / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "roles.txt").write_text("acme/web\n")
    (task,) = ansible_real(tmp_path / "tasks.jsonl", tmp_path / "roles.txt")
    assert (task.id, task.nl, task.lang) == ("t1", "Start nginx", "ansible")
