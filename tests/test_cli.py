"""The command line end to end, as a subprocess: outputs, exit codes, and every bad-input case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.docs.index import index_root


def run(*args: str | bytes, home: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = os.environ | {"DSLGEN_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args],
        capture_output=True,
        env=env,
        input=stdin,
        timeout=120,
        check=False,
    )


def assert_clean_failure(proc: subprocess.CompletedProcess[bytes], code: int, message: str) -> None:
    stderr = proc.stderr.decode()
    assert proc.returncode == code, stderr
    assert message in stderr
    assert "Traceback" not in stderr


def test_prints_retrieved_docs_and_language(dslgen_home: Path) -> None:
    proc = run("find files larger than 100 MB", home=dslgen_home)
    assert proc.returncode == 0, proc.stderr.decode()
    first = proc.stdout.decode().splitlines()[0].split("\t")
    assert first[:3] == ["1", "bash", "find"]
    assert "language: bash" in proc.stderr.decode()


def test_json_result_has_the_documented_fields(dslgen_home: Path) -> None:
    proc = run("multiply two double precision matrices", "--json", home=dslgen_home)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    assert set(result) >= {
        "id",
        "lang",
        "code",
        "valid",
        "docs",
        "errors",
        "warnings",
        "risky",
        "candidates",
        "seconds",
    }
    assert result["lang"] == "fortran" and result["docs"][0]["name"] == "dgemm"


def test_lang_option_restricts_documents(dslgen_home: Path) -> None:
    proc = run("create a user named deploy", "--lang", "ansible", "--json", home=dslgen_home)
    result = json.loads(proc.stdout)
    assert result["lang"] == "ansible" and {d["dsl"] for d in result["docs"]} == {"ansible"}
    assert result["docs"][0]["name"] == "ansible.builtin.user"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "the request is empty"),
        (["x" * 10_001], "limit is 10,000"),
        ([b"\xff\xfe\x01junk"], "binary"),
        (["list files", "--lang", "cobol"], "Invalid value for '--lang'"),
        (["list files", "--top-k", "0"], "Invalid value for '--top-k'"),
        (["list files", "--model", "/nonexistent/model"], "no such model directory"),
        (["index", "search", ""], "the request is empty"),
    ],
)
def test_bad_input_exits_2_with_a_message(dslgen_home: Path, args: list[str | bytes], message: str) -> None:
    assert_clean_failure(run(*args, home=dslgen_home), 2, message)


def test_corrupt_index_exits_2(dslgen_home: Path) -> None:
    build = (index_root()).joinpath("current").resolve()
    (build / "meta.json").write_text("{garbage")
    assert_clean_failure(run("list files", home=dslgen_home), 2, "is corrupt")
    # the cache was not touched by the failed run
    assert (build / "meta.json").read_text() == "{garbage"


def test_version_and_help(dslgen_home: Path) -> None:
    assert run("--version", home=dslgen_home).stdout.decode().startswith("dslgen ")
    helptext = run("--help", home=dslgen_home).stdout.decode()
    assert "Examples:" in helptext and "index" in helptext and "batch" in helptext


def test_index_stats_and_search(dslgen_home: Path) -> None:
    stats = json.loads(run("index", "stats", "--json", home=dslgen_home).stdout)
    assert stats["documents"] == {"ansible": 3, "bash": 5, "fortran": 4}
    hits = json.loads(run("index", "search", "solve linear equations", "--json", home=dslgen_home).stdout)
    assert hits[0]["name"] == "dgesv"


def test_missing_index_is_built_on_first_use(
    tmp_path: Path, records_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codegen.docs import registry
    from codegen.pipeline import Generator
    from tests.conftest import JsonlRecordSource

    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "fresh"))
    monkeypatch.setattr(registry, "default_sources", lambda config: [JsonlRecordSource(records_file)])
    stages: list[str] = []
    gen = Generator.load(progress=lambda stage, done, total: stages.append(stage))
    assert "parsing documentation" in stages
    assert gen.generate("find files larger than 100 MB").docs[0].name == "find"


def test_index_add_rejects_a_path_without_modules(dslgen_home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty-collection"
    (empty / "plugins" / "modules").mkdir(parents=True)
    (empty / "README.md").write_text("nothing here\n")
    assert_clean_failure(
        run("index", "add", str(empty), home=dslgen_home),
        2,
        "no Ansible modules, playbooks or shell scripts found",
    )
    assert_clean_failure(run("index", "add", str(tmp_path / "missing"), home=dslgen_home), 2, "missing")
    # nothing was remembered for the next build
    assert not (index_root() / "config.json").exists()


def test_index_add_makes_a_private_collection_searchable(
    tmp_path: Path, records_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codegen.docs import registry
    from codegen.docs.ansible import AnsibleCollectionSource
    from codegen.docs.index import add_path, open_index
    from codegen.retrieval import Retriever
    from tests.conftest import FIXTURES, JsonlRecordSource

    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(
        registry,
        "default_sources",
        lambda config: [
            *(AnsibleCollectionSource(p) for p in config.collections),
            JsonlRecordSource(records_file),
        ],
    )
    config, kind = add_path(str(FIXTURES / "ansible" / "ansible_collections" / "acme" / "infra"))
    assert len(config.collections) == 1 and kind == "collection"
    registry.ensure_index()
    index = open_index()
    assert index is not None
    acme = [n for n in index.names if n.startswith("acme.infra.")]
    assert acme, index.names
    hit = Retriever(index).search(index.summaries[index.names.index(acme[0])], lang="ansible", k=3)
    assert acme[0] in [h.name for h in hit]


def test_dslgen_model_names_the_default_model(dslgen_home: Path, tiny_model_dir: Path) -> None:
    env_model = {"DSLGEN_MODEL": str(tiny_model_dir)}
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "find files larger than 100 MB", "--json"],
        capture_output=True,
        env=os.environ | {"DSLGEN_HOME": str(dslgen_home), **env_model},
        timeout=120,
        check=False,
    )
    result = json.loads(proc.stdout)
    assert result["code"] and result["lang"] == "bash"  # generated, not only retrieved
