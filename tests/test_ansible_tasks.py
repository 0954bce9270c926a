"""The real-task corpus: task parsing, module resolution, role assignment, archives, splits (no network)."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from codegen.docs import taskfetch
from codegen.docs.ansible_discovery import Collection
from codegen.docs.ansible_fqcn import ModuleResolver
from codegen.docs.ansible_task_files import PackageInfo, local_modules, role_of, task_files
from codegen.docs.ansible_tasks import Source, TaskExample, parse_task_file
from codegen.docs.task_splits import (
    held_out_roles,
    manifest,
    module_distribution,
    split_counts,
    split_of_task,
    train_overlap,
    write_split_lists,
)
from codegen.errors import InputError
from codegen.splits import split_of

FIXTURES = Path(__file__).parent / "fixtures" / "ansible_tasks"
INFO = PackageInfo("fixture-pkg", "1.0", project="fixture", licence="MIT")


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    """A hand-made collection: `widget` is a module, `old_widget` a runtime.yml redirect to it."""
    root = tmp_path_factory.mktemp("acme")
    (root / "plugins" / "modules").mkdir(parents=True)
    (root / "plugins" / "modules" / "widget.py").write_text('DOCUMENTATION = "module: widget"\n')
    (root / "meta").mkdir()
    (root / "meta" / "runtime.yml").write_text(
        "plugin_routing:\n  modules:\n    old_widget:\n      redirect: acme.tools.widget\n"
    )
    return Collection("acme.tools", root, root / "plugins" / "modules", "1.0.0")


@pytest.fixture(scope="module")
def resolver(acme: Collection) -> ModuleResolver:
    return ModuleResolver([acme])


def _fixture_files() -> dict[str, str]:
    return {str(p.relative_to(FIXTURES)): p.read_text() for p in sorted(FIXTURES.rglob("*.yml"))}


def _parse(path: str, resolver: ModuleResolver) -> tuple[list[TaskExample], dict[str, int]]:
    files = _fixture_files()
    (task_file,) = [f for f in task_files(files, INFO) if f.source.file == path]
    found, stats = parse_task_file(
        task_file.text, task_file.source, resolver, playbook_only=task_file.playbook_only
    )
    return found, dict(stats.skipped)


def _by_name(examples: list[TaskExample]) -> dict[str, TaskExample]:
    return {e.name: e for e in examples}


# ------------------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    ("written", "fqcn"),
    [
        ("apt", "ansible.builtin.apt"),
        ("service", "ansible.builtin.service"),
        ("copy", "ansible.builtin.copy"),
        ("ansible.builtin.copy", "ansible.builtin.copy"),
        ("ansible.legacy.shell", "ansible.builtin.shell"),
        # pre-2.10 short names: ansible-core's own routing sends them to their collections
        ("docker_container", "community.docker.docker_container"),
        ("sysctl", "ansible.posix.sysctl"),
        ("community.general.some_module", "community.general.some_module"),  # FQCNs are kept
        ("old_widget", None),  # only through the collection's redirect, which needs `collections:`
        ("acme_widget", None),  # a project's own library module
        ("acme.widget", None),
    ],
)
def test_resolve(resolver: ModuleResolver, written: str, fqcn: str | None) -> None:
    assert resolver.resolve(written) == fqcn


def test_resolve_honours_collections_and_their_redirects(resolver: ModuleResolver) -> None:
    assert resolver.resolve("widget", ["acme.tools"]) == "acme.tools.widget"
    assert resolver.resolve("old_widget", ["acme.tools"]) == "acme.tools.widget"
    assert resolver.resolve("acme.tools.old_widget") == "acme.tools.widget"
    # a builtin name stays builtin when the listed collection does not provide it
    assert resolver.resolve("apt", ["acme.tools"]) == "ansible.builtin.apt"


# ------------------------------------------------------------------------------------------ tasks


def test_role_tasks_modules_kinds_and_keys(resolver: ModuleResolver) -> None:
    found, skipped = _parse("roles/web/tasks/main.yml", resolver)
    tasks = _by_name(found)
    expected = {
        "Install nginx": ("ansible.builtin.apt", "module", ["name", "state"]),
        "Enable the nginx service": ("ansible.builtin.service", "module", ["enabled", "name", "state"]),
        "Copy the site configuration": ("ansible.builtin.copy", "module", ["dest", "mode", "src"]),
        # free form: the command is `_raw_params`; `chdir=` inside it and `args:` are arguments too
        "Count the served files": ("ansible.builtin.shell", "module", ["_raw_params", "chdir", "executable"]),
        "Remove the default page": ("ansible.builtin.file", "module", ["path", "state"]),
        "Fetch the release notes on the controller": ("ansible.builtin.get_url", "module", ["dest", "url"]),
        "Run the cache container": ("community.docker.docker_container", "module", ["image", "name"]),
        "Apply the kernel settings": ("ansible.builtin.command", "module", ["_raw_params"]),
        "Load the per-distribution tasks": ("ansible.builtin.include_tasks", "control", ["_raw_params"]),
        "Remember the port": ("ansible.builtin.set_fact", "control", ["web_port"]),
        "Show the port": ("ansible.builtin.debug", "control", ["var"]),
        "Write the certificate": ("ansible.builtin.copy", "module", ["content", "dest"]),
        "Check the configuration": ("ansible.builtin.command", "module", ["_raw_params"]),
        "Restore the old certificate": ("ansible.builtin.command", "module", ["_raw_params"]),
        "Reload after the change": ("ansible.builtin.service", "module", ["name", "state"]),
        "Call the project's own module": ("acme_widget", "unresolved", ["size"]),
    }
    assert {name: (t.module, t.kind, t.keys) for name, t in tasks.items()} == expected
    # a block is not a task; its block/rescue/always tasks are
    assert "Configure TLS, roll back on failure" not in tasks
    # the unnamed `apt: curl` and the Jinja-named module are left out, and counted
    assert skipped == {"unnamed": 1, "templated_module": 1}


def test_example_fields_and_task_text(resolver: ModuleResolver) -> None:
    found, _ = _parse("roles/web/tasks/main.yml", resolver)
    task = _by_name(found)["Count the served files"]
    assert (task.project, task.role, task.package, task.version, task.licence) == (
        "fixture",
        "web",
        "fixture-pkg",
        "1.0",
        "MIT",
    )
    assert task.file == "roles/web/tasks/main.yml"
    assert task.line == 16
    assert task.id == "fixture-pkg:roles/web/tasks/main.yml:16"
    assert task.task_text.startswith("- name: Count the served files\n  shell: ls /srv/www")
    # the text is the task itself: it loads back to exactly the task written in the file
    source = yaml.safe_load((FIXTURES / "roles/web/tasks/main.yml").read_text())
    original = next(t for t in source if t.get("name") == "Count the served files")
    assert yaml.safe_load(task.task_text) == [original]
    nested = _by_name(found)["Write the certificate"]
    assert yaml.safe_load(nested.task_text) == [
        {"name": "Write the certificate", "copy": {"content": "{{ tls_cert }}", "dest": "/etc/ssl/site.pem"}}
    ]


def test_task_text_is_reindented_and_trimmed(resolver: ModuleResolver) -> None:
    text = (
        "- {name: Flow task, apt: {name: x}}\n"
        "-   name: Odd indent\n    command: ls   # kept: inside the task\n"
        "# dropped: between tasks\n\n"
        "- name: Last\n  ping:"
    )
    found, _ = parse_task_file(text, Source("p", "r", "p", "1", "f.yml", "MIT"), resolver)
    assert [t.task_text for t in found] == [
        "- {name: Flow task, apt: {name: x}}",
        "- name: Odd indent\n  command: ls   # kept: inside the task",
        "- name: Last\n  ping:",
    ]
    assert [t.line for t in found] == [1, 2, 6]


def test_handlers_are_tasks(resolver: ModuleResolver) -> None:
    found, skipped = _parse("roles/web/handlers/main.yml", resolver)
    assert [(t.name, t.module, t.keys) for t in found] == [
        ("Reload nginx", "ansible.builtin.service", ["name", "state"]),
        ("Restart nginx", "ansible.builtin.systemd", ["name", "state"]),
    ]
    assert skipped == {}


def test_playbook_sections_and_play_collections(resolver: ModuleResolver) -> None:
    found, _ = _parse("playbooks/site.yml", resolver)
    assert [(t.name, t.module, t.kind) for t in found] == [
        ("Update the apt cache", "ansible.builtin.apt", "module"),
        ("Make a widget", "acme.tools.widget", "module"),
        ("Make an old-style widget", "acme.tools.widget", "module"),
        ("Wait for the site", "ansible.builtin.wait_for", "module"),
        ("Restart the widget", "acme.tools.widget", "module"),
    ]
    assert {t.role for t in found} == {"playbooks/site"}


def test_role_meta_collections_are_searched(resolver: ModuleResolver) -> None:
    source = Source("p", "r", "p", "1", "roles/r/tasks/main.yml", "MIT", collections=("acme.tools",))
    found, _ = parse_task_file("- name: Widget\n  old_widget: {size: 1}\n", source, resolver)
    assert [t.module for t in found] == ["acme.tools.widget"]


def test_unparsable_yaml_is_counted(resolver: ModuleResolver) -> None:
    found, skipped = _parse("roles/web/tasks/broken.yml", resolver)
    assert found == [] and skipped == {"yaml_error": 1}


def test_ansible_tags_and_invalid_tasks(resolver: ModuleResolver) -> None:
    source = Source("p", "r", "p", "1", "tasks/main.yml", "MIT")
    text = (
        "- name: Unsafe text\n  command: !unsafe 'echo {{ not_a_template }}'\n"
        "- name: Two modules at once\n  command: ls\n  shell: ls\n"
        "- name: No module at all\n  when: true\n"
    )
    found, stats = parse_task_file(text, source, resolver)
    assert [(t.name, t.module) for t in found] == [("Unsafe text", "ansible.builtin.command")]
    assert stats.skipped == {"invalid_task": 2}


# ------------------------------------------------------------------------------------------ files


def test_task_files_roles_and_playbook_only() -> None:
    picked = {
        f.source.file: (f.source.role, f.playbook_only, f.source.collections)
        for f in task_files(_fixture_files(), INFO)
    }
    assert picked == {
        "playbooks/site.yml": ("playbooks/site", True, ()),
        "playbooks/vars.yml": ("playbooks/vars", True, ()),
        "roles/web/handlers/main.yml": ("web", False, ("acme.tools",)),
        "roles/web/tasks/broken.yml": ("web", False, ("acme.tools",)),
        "roles/web/tasks/main.yml": ("web", False, ("acme.tools",)),
    }  # defaults/ and meta/ hold variables, never tasks


@pytest.mark.parametrize(
    ("path", "single", "role"),
    [
        ("ansible/roles/nova/tasks/main.yml", None, "nova"),
        ("ansible/roles/nova/molecule/default/converge.yml", None, "nova"),
        ("test/integration/targets/apt/tasks/main.yml", None, "apt"),
        ("test/integration/targets/apt/roles/helper/tasks/main.yml", None, "helper"),
        ("playbooks/tasks/extra.yml", None, "playbooks"),
        ("ansible/site.yml", None, "ansible/site"),
        ("tasks/main.yml", "chrony", "chrony"),
        ("molecule/default/converge.yml", "chrony", "chrony"),
    ],
)
def test_role_of(path: str, single: str | None, role: str) -> None:
    assert role_of(path, single)[0] == role


def test_local_modules() -> None:
    paths = [
        "ansible/library/kolla_container.py",
        "plugins/modules/dpkg_divert.py",
        "plugins/modules/win_thing.ps1",
        "ansible/action_plugins/merge_configs.py",
        "tripleo_ansible/ansible_plugins/modules/ceph_mkspec.py",
        "library/_private.py",
        "plugins/module_utils/helper.py",
        "ansible/roles/x/tasks/library.py",
    ]
    assert local_modules(paths) == {
        "kolla_container",
        "dpkg_divert",
        "win_thing",
        "merge_configs",
        "ceph_mkspec",
    }


def test_single_role_package() -> None:
    files = {"tasks/main.yml": "- name: A\n  ping:\n", "handlers/main.yml": "[]\n"}
    info = PackageInfo("ansible-role-chrony", "1.3.0", "ansible-role-chrony", "Apache-2.0")
    assert {f.source.role for f in task_files(files, info)} == {"chrony"}


# ---------------------------------------------------------------------------------------- archive


def _sdist(path: Path, top: str, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{top}/{name}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return path


PKG_INFO = "Metadata-Version: 2.1\nName: fixture-pkg\nVersion: 1.0\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n"


def test_extract_from_an_sdist(tmp_path: Path, resolver: ModuleResolver) -> None:
    files = {**_fixture_files(), "PKG-INFO": PKG_INFO}
    # the same task copied twice within one role is kept once
    files["roles/web/tasks/again.yml"] = "- name: Install nginx\n  apt:\n    name: nginx\n"
    files["roles/web/tasks/again2.yml"] = "- name: Install nginx\n  apt:\n    name: nginx\n"
    # the role ships the module its last task calls: that task is "local", not "unresolved"
    files["roles/web/library/acme_widget.py"] = 'DOCUMENTATION = "module: acme_widget"\n'
    archive = _sdist(tmp_path / "fixture-pkg-1.0.tar.gz", "fixture_pkg-1.0", files)
    report, examples = taskfetch.extract(archive, taskfetch.Pin("fixture-pkg", "1.0"), resolver)
    assert report.licence == "MIT License"  # `License: UNKNOWN` falls back to the classifier
    assert report.skipped["duplicate_in_role"] == 1
    assert report.tasks == len(examples) == 16 + 2 + 5 + 1
    assert report.kinds == {"module": 20, "control": 3, "local": 1}
    assert all(e.project == "fixture-pkg" and e.version == "1.0" for e in examples)
    assert len({e.id for e in examples}) == len(examples)


def test_licence_prefers_the_spdx_expression() -> None:
    assert (
        taskfetch.licence_of("Name: x\nLicense-Expression: GPL-3.0-or-later\nLicense: GPL\n")
        == "GPL-3.0-or-later"
    )
    assert (
        taskfetch.licence_of("Name: x\nLicense: Apache License, Version 2.0\n")
        == "Apache License, Version 2.0"
    )
    assert taskfetch.licence_of("Name: x\n") == "unknown"


def test_download_reuses_the_cached_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = tmp_path / "debops-3.3.2.tar.gz"
    cached.write_bytes(b"")

    def no_pip(*args: object, **kwargs: object) -> None:
        raise AssertionError("pip must not run for a cached package")

    monkeypatch.setattr(subprocess, "run", no_pip)
    assert taskfetch.download(taskfetch.Pin("debops", "3.3.2"), tmp_path) == cached


def test_download_failure_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_pip(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            command, 1, "", "ERROR: No matching distribution found for nope==9\n"
        )

    monkeypatch.setattr(subprocess, "run", failing_pip)
    with pytest.raises(InputError, match="No matching distribution"):
        taskfetch.download(taskfetch.Pin("nope", "9"), tmp_path)
    assert list(tmp_path.iterdir()) == []  # no temporary directory left behind


def test_fetch_goes_on_when_one_package_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    archive = _sdist(tmp_path / "good-1.0.tar.gz", "good-1.0", {**_fixture_files(), "PKG-INFO": PKG_INFO})

    def fake_download(pin: taskfetch.Pin, directory: Path) -> Path:
        if pin.package == "bad":
            raise InputError("bad==1: no such package")
        return archive

    monkeypatch.setattr(taskfetch, "download", fake_download)
    report = taskfetch.fetch_examples([taskfetch.Pin("bad", "1"), taskfetch.Pin("good", "1.0")], jobs=1)
    assert report.failed == {"bad": "bad==1: no such package"}
    assert [p.package for p in report.packages] == ["good"]
    assert taskfetch.read_examples() == report.examples  # the JSONL holds exactly the extracted tasks


# ----------------------------------------------------------------------------------------- splits


def _example(project: str, role: str, module: str, kind: str = "module") -> TaskExample:
    return TaskExample(
        id=f"{project}:{role}:{module}",
        name=f"use {module}",
        module=module,
        keys=[],
        task_text=f"- name: use {module}\n  {module}: {{}}",
        project=project,
        role=role,
        package=project,
        version="1",
        file="tasks/main.yml",
        licence="MIT",
        kind=kind,  # type: ignore[arg-type]
        line=1,
    )


def _role_in(split: str) -> str:
    return next(f"r{i}" for i in range(10_000) if split_of(f"proj/r{i}") == split)


def test_splits_follow_the_role_key_deterministically(tmp_path: Path) -> None:
    dev, test, train = _role_in("dev"), _role_in("test"), _role_in("train")
    examples = [
        _example("proj", dev, "ansible.builtin.apt"),
        _example("proj", dev, "ansible.builtin.apt"),
        _example("proj", dev, "ansible.builtin.copy"),
        _example("proj", dev, "ansible.builtin.set_fact", kind="control"),
        _example("proj", test, "ansible.builtin.file"),
        _example("proj", train, "ansible.builtin.file"),
    ]
    assert [split_of_task(e) for e in examples] == ["dev"] * 4 + ["test", "train"]
    assert split_counts(examples) == {
        "train": {"roles": 1, "tasks": 1, "module_tasks": 1},
        "dev": {"roles": 1, "tasks": 4, "module_tasks": 3},
        "test": {"roles": 1, "tasks": 1, "module_tasks": 1},
    }
    assert module_distribution(examples, "dev") == [["ansible.builtin.apt", 2], ["ansible.builtin.copy", 1]]
    assert module_distribution(examples, "dev", top=1) == [["ansible.builtin.apt", 2]]
    assert module_distribution(examples, "dev", exclude=frozenset({"proj"})) == []
    written = write_split_lists(examples, tmp_path)
    lines = written["dev"].read_text().splitlines()
    assert lines[0].startswith("#") and [ln for ln in lines if not ln.startswith("#")] == [f"proj/{dev}"]
    assert held_out_roles(examples, "test") == [f"proj/{test}"]
    # the test role's task is the train role's task again; the dev tasks are new
    assert train_overlap(examples) == {
        "dev": {"same_text": 0, "same_name": 0},
        "test": {"same_text": 1, "same_name": 1},
    }


def test_manifest_counts(resolver: ModuleResolver, tmp_path: Path) -> None:
    archive = _sdist(
        tmp_path / "fixture-pkg-1.0.tar.gz", "fixture_pkg-1.0", {**_fixture_files(), "PKG-INFO": PKG_INFO}
    )
    package, examples = taskfetch.extract(archive, taskfetch.Pin("fixture-pkg", "1.0"), resolver)
    report = taskfetch.FetchReport(packages=[package], failed={"x": "gone"}, examples=examples)
    data = manifest(report, examples)
    assert data["totals"] == {"tasks": 23, "module_tasks": 20, "roles": 2}
    assert data["packages"][0]["roles"] == 2 and data["packages"][0]["kinds"]["control"] == 3
    assert data["failed"] == {"x": "gone"}
    assert sum(s["tasks"] for s in data["splits"].values()) == 23


# -------------------------------------------------------------------------------------------- CLI


def _cli(*args: str) -> int:
    from codegen.cli import main

    try:
        main(list(args))
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


def test_cli_writes_corpus_manifest_and_split_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    archive = _sdist(tmp_path / "good-1.0.tar.gz", "good-1.0", {**_fixture_files(), "PKG-INFO": PKG_INFO})
    monkeypatch.setattr(taskfetch, "PACKAGES", (taskfetch.Pin("good", "1.0"), taskfetch.Pin("gone", "2")))

    def fake_download(pin: taskfetch.Pin, directory: Path) -> Path:
        if pin.package == "gone":
            raise InputError("gone==2: no such package")
        return archive

    monkeypatch.setattr(taskfetch, "download", fake_download)
    manifest_path, lists = tmp_path / "m.json", tmp_path / "splits"
    lists.mkdir()
    code = _cli(
        "index",
        "fetch-examples",
        "--manifest",
        str(manifest_path),
        "--split-lists",
        str(lists),
        "--jobs",
        "1",
    )
    assert code == 0
    data = json.loads(manifest_path.read_text())
    assert data["totals"]["tasks"] == 23 and data["failed"] == {"gone": "gone==2: no such package"}
    assert sorted(p.name for p in lists.iterdir()) == ["ansible_real_dev.txt", "ansible_real_test.txt"]
    assert len(taskfetch.read_examples()) == 23
    assert "failed gone" in capsys.readouterr().err


def test_cli_fails_when_nothing_could_be_fetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(taskfetch, "PACKAGES", (taskfetch.Pin("gone", "2"),))

    def fake_download(pin: taskfetch.Pin, directory: Path) -> Path:
        raise InputError("gone==2: no such package")

    monkeypatch.setattr(taskfetch, "download", fake_download)
    assert _cli("index", "fetch-examples") == 2
