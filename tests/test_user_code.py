"""The user's own code as examples and usage (`dslgen index add DIR`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from codegen.docs.index import IndexConfig, add_path, open_index
from codegen.docs.user_code import code_files, script_exemplars, user_exemplars
from codegen.errors import InputError
from codegen.retrieval import ExampleMemory, Retriever
from tests.conftest import FIXTURES

SCRIPTS = FIXTURES / "user_code" / "scripts"
PLAYBOOKS = FIXTURES / "user_code" / "playbooks"


def test_scripts_are_found_by_suffix_or_shebang() -> None:
    shells, yamls = code_files(SCRIPTS)
    assert sorted(p.name for p in shells) == ["backup", "deploy.sh"] and yamls == []


def test_named_module_tasks_of_playbooks_are_examples() -> None:
    found = [(e.nl, e.target, e.dsl) for e in user_exemplars(PLAYBOOKS.parent) if e.dsl == "ansible"]
    # debug is control flow, not a module call
    assert found == [
        ("Put the reverse proxy configuration in place", "ansible.builtin.template", "ansible"),
        ("Bounce the web tier", "ansible.builtin.service", "ansible"),
    ]


def test_a_command_under_a_comment_is_an_example_and_every_command_counts() -> None:
    found = [(e.nl, e.target, e.code) for e in script_exemplars(SCRIPTS / "deploy.sh")]
    assert found == [
        ("", "set", "set -euo pipefail"),
        ("rotate the nginx logs now", "logrotate", "logrotate -f /etc/logrotate.d/nginx"),
        ("pack the release directory for the mirror", "tar", "tar czf release.tgz    release/"),
        ("", "systemctl", "systemctl reload nginx"),
    ]
    assert all(e.source == "user" and e.dsl == "bash" for e in user_exemplars(SCRIPTS))


def test_index_add_takes_a_code_directory_and_its_examples_rank_its_command(
    tmp_path: Path, records_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codegen.docs import registry
    from tests.conftest import JsonlRecordSource

    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(registry, "default_sources", lambda config: [JsonlRecordSource(records_file)])
    code = tmp_path / "mycode"
    shutil.copytree(SCRIPTS, code)
    (code / "archive.sh").write_text("# bundle up the build output for the mirror\ntar czf out.tgz build/\n")
    before = registry.ensure_index()
    tar = before.names.index("tar")
    assert before.exemplars is not None and before.exemplars.usage[tar] == 0
    config, kind = add_path(str(code))
    assert kind == "code" and config.example_dirs == [str(code.resolve())]
    index = registry.ensure_index()  # the stamp changed: rebuilt with the directory's examples
    assert index.exemplars is not None
    assert index.exemplars.usage[index.names.index("tar")] == 2  # both tar lines
    assert index.manifest["exemplars"]["user"] == 2  # the commented ones (logrotate has no document)
    assert index.exemplar_vectors is not None and len(index.exemplar_vectors) == len(index.exemplars)
    # the nearest example of a request phrased like the user's comment is the user's own tar line
    retriever = Retriever(index, dense=True)
    assert retriever.dense is not None
    memory = ExampleMemory(index)
    cosines, targets = memory.cosines(retriever.dense.embed("bundle up the build output"), "bash")
    nearest = int(np.argmax(cosines))
    assert index.names[targets[nearest]] == "tar"
    nl, line, source = index.exemplars.text(memory.rows["bash"].start + nearest)
    assert (nl, source) == ("bundle up the build output for the mirror", "user") and line.startswith("tar ")
    assert IndexConfig.load(index.path.parent.parent).example_dirs == [str(code.resolve())]
    # editing a script changes the stamp, so the next request rebuilds
    stamp = index.manifest["stamp"]
    (code / "archive.sh").write_text("# bundle it\ntar czf out.tgz build/\n# and again\ntar czf b.tgz b\n")
    assert registry.current_stamp(IndexConfig.load(index.path.parent.parent)) != stamp
    assert open_index() is not None


def test_a_directory_without_modules_or_code_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("nothing here\n")
    with pytest.raises(InputError, match="no Ansible modules, playbooks or shell scripts"):
        add_path(str(tmp_path / "empty"), root=tmp_path / "root")
