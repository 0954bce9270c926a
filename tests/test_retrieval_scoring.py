"""How Retriever scores documents: every document scored (no candidate cut-off), core-only Ansible
short names, "named X" values, and language detection from each language's best document."""

from __future__ import annotations

import json

import pytest

from codegen.docs.index import DocIndex, build_index, open_index
from codegen.retrieval import Retriever
from tests.conftest import FIXTURES, JsonlRecordSource

# More vendor modules about users than the 50 candidates the old ranking took from each BM25 index:
# each says "create user" in a short body, so they all outrank ansible.builtin.user's long body on
# full-text BM25 alone.
FILLERS = 60


def _record(
    dsl: str, name: str, summary: str, text: str, prior: float = 0.0, aliases: tuple[str, ...] = ()
) -> str:
    return json.dumps(
        {
            "dsl": dsl,
            "name": name,
            "aliases": list(aliases),
            "summary": summary,
            "text": text,
            "schema": {},
            "source": "test",
            "prior": prior,
        }
    )


def _built(tmp_path_factory: pytest.TempPathFactory, name: str, lines: list[str]) -> DocIndex:
    """An index built from these JSONL record lines."""
    root = tmp_path_factory.mktemp(name)
    path = root / "records.jsonl"
    path.write_text("\n".join(lines) + "\n")
    build_index([JsonlRecordSource(path)], root / "index", workers=1)
    index = open_index(root / "index")
    assert index is not None
    return index


@pytest.fixture(scope="module")
def crowded_index(tmp_path_factory: pytest.TempPathFactory) -> DocIndex:
    lines = (FIXTURES / "index" / "records.jsonl").read_text().splitlines()
    lines = [ln for ln in lines if '"ansible.builtin.user"' not in ln]
    body = "Manage user accounts. " + "The shell, groups, home directory and password of an account. " * 5
    lines.append(_record("ansible", "ansible.builtin.user", "Manage user accounts", body, prior=1.0))
    lines.append(_record("ansible", "awx.awx.user", "Automation Platform users", "x"))
    lines.append(_record("ansible", "community.hrobot.boot", "Set boot configuration", "boot rescue system"))
    lines += [
        _record("ansible", f"vendor.appliance.account_{i}", f"Appliance {i} accounts", "create user")
        for i in range(FILLERS)
    ]
    return _built(tmp_path_factory, "crowded", lines)


def test_a_document_outside_the_full_text_top_keeps_its_full_text_score(crowded_index: DocIndex) -> None:
    retriever = Retriever(crowded_index)
    full = retriever._bm25("create a user", "full")
    assert full is not None
    user = crowded_index.position("ansible", "ansible.builtin.user")
    assert user is not None
    assert int((full > full[user]).sum()) >= FILLERS  # BM25 alone buries it below every filler
    hits = retriever.search("create a user", lang="ansible", k=3)
    assert hits[0].name == "ansible.builtin.user"


def test_last_part_of_a_dotted_name_only_names_core_modules(crowded_index: DocIndex) -> None:
    retriever = Retriever(crowded_index)
    names = lambda query: {crowded_index.names[p] for p in retriever._named(query, "ansible")}  # noqa: E731
    assert names("create a user") == {"ansible.builtin.user"}
    assert names("install nginx and start it on boot") == set()
    assert names("use community.hrobot.boot") == {"community.hrobot.boot"}  # the full name still counts


def test_the_value_after_named_is_not_a_topic(crowded_index: DocIndex) -> None:
    retriever = Retriever(crowded_index)
    assert retriever.search("make a tar", lang="bash", k=1)[0].name == "tar"
    hits = retriever.search("add a user named tar", lang="bash", k=3)
    assert hits[0].name == "useradd"
    assert "tar" not in [h.name for h in hits]


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("solve a system of linear equations", "fortran"),
        ("compress a directory into a gzip archive", "bash"),
        ("install the package with apt on Debian hosts", "ansible"),
    ],
)
def test_language_from_best_documents_alone(
    crowded_index: DocIndex, monkeypatch: pytest.MonkeyPatch, query: str, lang: str
) -> None:
    monkeypatch.setattr(crowded_index, "_language_model", None)  # no phrasing classifier: documents decide
    detected, probs = Retriever(crowded_index).detect_language(query)
    assert detected == lang
    assert abs(sum(probs.values()) - 1) < 1e-9


def test_no_matching_document_leaves_the_decision_to_the_phrasing(crowded_index: DocIndex) -> None:
    model = crowded_index.language_model
    assert model is not None
    query = "zzzqqq xxyyzz"
    phrasing = model.probabilities(query)
    _, probs = Retriever(crowded_index).detect_language(query)
    assert probs == pytest.approx(phrasing, abs=1e-6)


def test_scores_are_sorted_and_restricted(crowded_index: DocIndex) -> None:
    retriever = Retriever(crowded_index)
    hits = retriever.search("create a user account", k=10)
    assert len(hits) == 10 and len({h.position for h in hits}) == 10
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    fortran = retriever.search("multiply matrices", lang="fortran", k=10)
    assert fortran and all(h.dsl == "fortran" for h in fortran)


@pytest.fixture(scope="module")
def family_index(tmp_path_factory: pytest.TempPathFactory) -> DocIndex:
    """One program with many near-identical pages, and an Ansible module with its `_info` twin."""
    lines = [
        _record(
            "bash",
            f"gcloud-{t}compute-disks-list",
            "list disks",
            "list disks of a project",
            aliases=(f"gcloud {t.strip('-')} compute disks list".replace("  ", " "),),
        )
        for t in ("", "alpha-", "beta-")
    ]
    lines += [
        _record("bash", "lsblk", "list block devices", "list disks and partitions"),
        _record("bash", "fdisk", "manipulate disk partition table", "list disks and their partitions"),
        _record(
            "ansible", "vendor.cloud.data_factory", "Manage a data factory", "create or delete a data factory"
        ),
        _record("ansible", "vendor.cloud.data_factory_info", "Get data factory facts", "get a data factory"),
    ]
    return _built(tmp_path_factory, "family", lines)


def test_results_are_of_distinct_programs(family_index: DocIndex) -> None:
    names = [h.name for h in Retriever(family_index).search("list disks", lang="bash", k=3)]
    assert len(names) == 3 and sum(n.startswith("gcloud") for n in names) == 1, names


@pytest.mark.parametrize(
    ("request_", "first"),
    [
        ("Get the data factory by name", "vendor.cloud.data_factory_info"),
        ("Create a data factory", "vendor.cloud.data_factory"),
    ],
)
def test_reading_requests_prefer_info_modules(family_index: DocIndex, request_: str, first: str) -> None:
    assert Retriever(family_index).search(request_, lang="ansible", k=2)[0].name == first
