"""The user's own code as examples: shell scripts and Ansible playbooks/roles in a directory added with
`dslgen index add DIR`. Their commands and module calls count as usage at once, without retraining;
a command under a comment, or a named task, also becomes an example request ("# rotate the nginx logs"
above `logrotate -f /etc/logrotate.d/nginx`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from codegen.docs.commands import command_names, main_command
from codegen.docs.exemplars import Exemplar

SHELL_SUFFIXES = frozenset({".sh", ".bash"})
YAML_SUFFIXES = frozenset({".yml", ".yaml"})
MAX_FILE_BYTES = 1_000_000  # generated files, not scripts people write
SKIPPED_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if any(part in SKIPPED_DIRS for part in path.relative_to(root).parts):
            continue
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            yield path


def _is_shell(path: Path) -> bool:
    if path.suffix in SHELL_SUFFIXES:
        return True
    if path.suffix:
        return False
    try:
        with open(path, "rb") as fh:
            first = fh.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and any(sh in first for sh in (b"bash", b"/sh", b"env sh", b"zsh"))


def code_files(root: Path) -> tuple[list[Path], list[Path]]:
    """(shell scripts, YAML files) under `root`."""
    shells, yamls = [], []
    for path in _files(root):
        if path.suffix in YAML_SUFFIXES:
            yamls.append(path)
        elif _is_shell(path):
            shells.append(path)
    return shells, yamls


def _logical_lines(text: str) -> Iterator[str]:
    """Lines with backslash continuations joined."""
    pending = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        yield pending + raw
        pending = ""
    if pending:
        yield pending


def script_exemplars(path: Path) -> Iterator[Exemplar]:
    """Each command line of a script; the comment lines right above it are its request ("" when none:
    the command then counts as usage only)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    comment: list[str] = []
    for line in _logical_lines(text):
        stripped = line.strip()
        if stripped.startswith("#!"):
            continue
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            comment = []
            continue
        name = main_command(stripped)
        if name:
            others = tuple(dict.fromkeys(n for n in command_names(stripped) if n != name))
            yield Exemplar(" ".join(c for c in comment if c), stripped, "bash", name, "user", others)
        comment = []


def playbook_exemplars(root: Path, paths: list[Path]) -> Iterator[Exemplar]:
    """Named module tasks of the user's playbooks, roles and task files (Ansible's own parser finds the
    module; short names resolve to FQCNs as for the real-role corpus)."""
    from codegen.docs.ansible_fqcn import ModuleResolver
    from codegen.docs.ansible_tasks import Source, parse_task_file

    resolver = ModuleResolver()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        rel = path.relative_to(root).as_posix()
        source = Source(project="user", role=rel, package="user", version="", file=rel, licence="")
        tasks, _ = parse_task_file(text, source, resolver)
        for task in tasks:
            if task.kind == "module":
                yield Exemplar(task.name, task.task_text, "ansible", task.module, "user")


def user_exemplars(root: Path) -> Iterator[Exemplar]:
    shells, yamls = code_files(root)
    for path in shells:
        yield from script_exemplars(path)
    yield from playbook_exemplars(root, yamls)


def latest_change(root: Path) -> int:
    """Newest modification time (ns) of the code files under `root`: part of the index stamp."""
    shells, yamls = code_files(root)
    return max((p.stat().st_mtime_ns for p in [*shells, *yamls]), default=0)
