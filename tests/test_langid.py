"""The phrasing classifier's training texts: the index's own examples plus packaged NL2Bash requests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from codegen import langid
from codegen.docs.index import IndexConfig
from codegen.docs.record import DocRecord, Example
from codegen.paths import package_data
from codegen.training.corpus.shell import command_split


def _record(dsl: str, name: str, requests: list[str], summary: str = "") -> DocRecord:
    return DocRecord(
        dsl=dsl,
        name=name,
        summary=summary,
        text="",
        schema={},
        examples=[Example(nl=nl, code="") for nl in requests],
        source="test",
    )


def test_packaged_nl2bash_requests_only_run_training_commands() -> None:
    with gzip.open(package_data(langid.NL2BASH_FILE), "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) > 7000
    assert all(row["nl"].strip() for row in rows)
    leaked = [row["id"] for row in rows if command_split(row["cmd"]) != "train"]
    assert leaked == []
    # nor any pair of NL2Bash's own dev or test split: they are the everyday Bash dev/test sets
    splits = Path(__file__).resolve().parents[1] / "benchmarks" / "splits"
    held_out = {
        line.strip()
        for name in ("bash_everyday_dev.txt", "bash_everyday_test.txt")
        for line in (splits / name).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert len(held_out) == 775 + 774 and not held_out & {row["id"] for row in rows}
    assert "MIT License" in package_data("NL2BASH-NOTICE.md").read_text()


def test_nl2bash_adds_at_most_as_many_requests_as_the_index_has_bash_examples() -> None:
    records = [
        _record("bash", "tar", ["Create an archive from files", "Extract an archive"]),
        _record("ansible", "ansible.builtin.apt", ["Install the nginx package", "Remove foo"]),
        _record("fortran", "dgemm", [], summary="matrix-matrix multiplication"),
    ]
    texts, labels = langid.training_texts(records)
    own = ["Create an archive from files", "Extract an archive", "Install the nginx package", "Remove foo"]
    assert texts[:4] == own
    assert labels.count("bash") == 4  # 2 tldr-style examples + 2 NL2Bash requests
    extra = texts[5:]
    assert len(extra) == 2 and set(extra) <= set(langid.nl2bash_requests())
    assert labels.count("fortran") == 1


def test_no_bash_documents_means_no_nl2bash() -> None:
    texts, labels = langid.training_texts([_record("ansible", "ansible.builtin.apt", ["Install foo"])])
    assert (texts, labels) == (["Install foo"], ["ansible"])


def test_missing_package_file_is_not_an_error(tmp_path: Path) -> None:
    assert list(langid.nl2bash_requests(tmp_path / "absent.jsonl.gz")) == []


def test_index_stamp_changes_with_the_classifier_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from codegen.docs.registry import current_stamp

    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path))
    before = current_stamp(IndexConfig())
    monkeypatch.setattr(langid, "VERSION", langid.VERSION + 1)
    assert current_stamp(IndexConfig()) != before


def test_index_stamp_reads_the_packaged_data_not_its_file_times(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another checkout (or a reinstall) of the same data must not rebuild the index."""
    import os

    from codegen.docs import registry

    data = tmp_path / "data"
    data.mkdir()
    (data / "tldr-pages.jsonl.gz").write_bytes(b"pages")
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(registry, "package_data", lambda name: data / name)
    before = registry.current_stamp(IndexConfig())
    os.utime(data / "tldr-pages.jsonl.gz", (1, 1))
    assert registry.current_stamp(IndexConfig()) == before
    (data / "tldr-pages.jsonl.gz").write_bytes(b"other pages")
    assert registry.current_stamp(IndexConfig()) != before


@pytest.mark.parametrize(
    "text",
    [
        "Find all log files older than 7 days and delete them",
        "Ensure `nginx` is present on 'web' hosts",
        'multiply two "double precision" matrices',
        "Größe der Datei ändern — naïve café",
        "",
        "a a a a b",
    ],
)
def test_query_time_hashing_matches_the_training_vectorizer(text: str) -> None:
    expected = langid._vectorizer().transform([text])
    indices, counts = langid.hashed_counts(text)
    got = dict(zip(indices.tolist(), counts.tolist(), strict=True))
    assert got == dict(zip(expected.indices.tolist(), expected.data.tolist(), strict=True))
