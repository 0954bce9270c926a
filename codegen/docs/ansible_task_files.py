"""Which files of a package hold Ansible tasks, and which role (the unit of the splits) each belongs to.

Projects lay their Ansible out differently: `roles/NAME/tasks/*.yml` (kolla-ansible, debops' collection,
tripleo-ansible), a package that is a single role (`tasks/main.yml` at its root: OpenStack's
ansible-role-* packages), ansible-core's `test/integration/targets/NAME/tasks/*.yml`, and playbooks
anywhere. Files under `tasks/` or `handlers/` are task lists; any other YAML file counts only when it
is a playbook (a list of plays), which the parser decides from its content.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

from codegen.docs.ansible_tasks import Source

TASK_DIRS = ("tasks", "handlers")
# directories whose YAML is data (variables, metadata, templates, CI and release notes), never tasks
_DATA_DIRS = frozenset({"defaults", "vars", "meta", "templates", "files", "releasenotes", "zuul.d"})
_YAML_SUFFIXES = (".yml", ".yaml")
_MODULE_SUFFIXES = (".py", ".ps1")


@dataclass(frozen=True, slots=True)
class PackageInfo:
    package: str
    version: str
    project: str
    licence: str


@dataclass(frozen=True, slots=True)
class TaskFile:
    source: Source
    text: str
    playbook_only: bool  # not under tasks/ or handlers/: only a playbook yields tasks


def single_role_name(package: str) -> str:
    """The role a single-role package holds: `ansible-role-chrony` → `chrony`."""
    return package.removeprefix("ansible-role-").removeprefix("ansible-")


def is_single_role(files: Mapping[str, str]) -> bool:
    return any(path in files for path in ("tasks/main.yml", "tasks/main.yaml"))


def candidate(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if not path.endswith(_YAML_SUFFIXES) or any(p.startswith(".") for p in parts):
        return False
    return not (_DATA_DIRS & set(parts[:-1]))


def role_of(path: str, single_role: str | None) -> tuple[str, tuple[str, ...]]:
    """(role name, the role's directory parts) of a file path inside the package."""
    parts = PurePosixPath(path).parts[:-1]
    if single_role is not None:
        return single_role, ()
    for marker in ("roles", "targets"):  # roles/NAME/... ; test/integration/targets/NAME/...
        if marker in parts:
            i = len(parts) - 1 - parts[::-1].index(marker)
            if i + 1 < len(parts):
                return parts[i + 1], parts[: i + 2]
    for marker in TASK_DIRS:
        if marker in parts:
            i = parts.index(marker)
            if i > 0:
                return parts[i - 1], parts[:i]
    return str(PurePosixPath(path).with_suffix("")), ()  # a playbook outside any role


def local_modules(paths: Iterable[str]) -> frozenset[str]:
    """Names of the modules (and action plugins, which tasks call the same way) a package ships itself:
    `library/`, `action_plugins/`, `plugins/modules/`, `plugins/action/`, `ansible_plugins/modules/`."""
    found = set()
    for path in paths:
        pure = PurePosixPath(path)
        parent = pure.parent.parts
        in_module_dir = parent[-1:] in (("library",), ("action_plugins",)) or (
            len(parent) >= 2 and parent[-2].endswith("plugins") and parent[-1] in ("modules", "action")
        )
        if in_module_dir and pure.suffix in _MODULE_SUFFIXES and not pure.stem.startswith("_"):
            found.add(pure.stem)
    return frozenset(found)


def task_files(
    files: Mapping[str, str], info: PackageInfo, shipped_modules: frozenset[str] = frozenset()
) -> Iterator[TaskFile]:
    """The candidate task files of a package (path → text, paths relative to the package root);
    `shipped_modules`: the package's own modules (see `local_modules`)."""
    single = single_role_name(info.package) if is_single_role(files) else None
    for path in sorted(files):
        if not candidate(path):
            continue
        role, role_dir = role_of(path, single)
        in_task_dir = bool(set(TASK_DIRS) & set(PurePosixPath(path).parts[:-1]))
        source = Source(
            project=info.project,
            role=role,
            package=info.package,
            version=info.version,
            file=path,
            licence=info.licence,
            collections=role_collections(files, role_dir),
            local_modules=shipped_modules,
        )
        yield TaskFile(source, files[path], playbook_only=not in_task_dir)


def role_collections(files: Mapping[str, str], role_dir: tuple[str, ...]) -> tuple[str, ...]:
    """The `collections:` a role declares in meta/main.yml (searched for its short module names)."""
    for name in ("main.yml", "main.yaml"):
        text = files.get(str(PurePosixPath(*role_dir, "meta", name)))
        if text is None:
            continue
        try:
            meta: Any = yaml.safe_load(text)
        except yaml.YAMLError:
            return ()
        found = meta.get("collections") if isinstance(meta, dict) else None
        return tuple(str(c) for c in found) if isinstance(found, list) else ()
    return ()
