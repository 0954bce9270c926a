"""Run a Bash command in a throwaway sandbox and report what it did (used by preview and by eval).

The command sees the whole filesystem through copy-on-write overlays (so `rm -rf ~` deletes files in
the sandbox's view, not on disk), has no network, its own PID, mount, UTS and IPC namespaces, and runs
under limits on wall time, memory, number of processes and output size. The report gives the exit
status, the output (up to the limit), and the files created, modified and deleted, read from the
overlay upper layers. How the namespaces and overlays are built: codegen/safety/sandbox_init.py.

When the machine cannot make a sandbox (no user namespaces, no overlayfs, no control group for the
process limit, not Linux) nothing runs: `run_sandboxed` returns `SandboxRun(ran=False, reason=...)`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codegen.safety.cgroups import Cgroup

INIT = Path(__file__).with_name("sandbox_init.py")
MAX_COUNTED = 50_000  # entries counted under one deleted directory before giving up ("at least")
MAX_LISTED = 1_000  # paths kept per kind of change


@dataclass(frozen=True, slots=True)
class Limits:
    seconds: float = 10.0
    memory_mb: int = 512
    processes: int = 64
    output_bytes: int = 64 * 1024  # per stream; the command is stopped when it writes more
    disk_mb: int = 256  # everything the command writes, in memory (counted in memory_mb too)


@dataclass(frozen=True, slots=True)
class Changes:
    """Paths (absolute, sorted; directories end in '/') and counts; counts can exceed the paths kept."""

    created: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "modified": 0, "deleted": 0})

    @property
    def any(self) -> bool:
        return any(self.counts.values())


@dataclass(frozen=True, slots=True)
class SandboxRun:
    ran: bool
    reason: str = ""  # why nothing ran
    exit_code: int | None = None  # None when the command was stopped (time or output limit)
    timed_out: bool = False
    output_cut: bool = False
    process_limit_hit: bool = False
    memory_limit_hit: bool = False
    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    seconds: float = 0.0
    changes: Changes = field(default_factory=Changes)
    tree: dict[str, list[Any]] | None = None  # the working directory afterwards, when asked for

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("tree")
        return data


def run_sandboxed(
    command: str,
    cwd: Path | None = None,
    limits: Limits = Limits(),
    *,
    tree: bool = False,
    env: dict[str, str] | None = None,
) -> SandboxRun:
    """Run `command` with `bash -c` in a fresh sandbox whose working directory is `cwd`.

    tree: also return the working directory's resulting tree (type, mode, content digest per path),
    which execution-based evaluation compares between two runs.
    """
    if sys.platform != "linux":
        return SandboxRun(False, reason="the sandbox needs Linux namespaces; this is " + sys.platform)
    unshare = shutil.which("unshare")
    if unshare is None:
        return SandboxRun(False, reason="the sandbox needs `unshare` (util-linux), which is not installed")
    if not Path("/bin/bash").exists():
        return SandboxRun(False, reason="/bin/bash is not installed")
    if os.geteuid() != 0:
        return SandboxRun(
            False, reason="the sandbox needs root to build copy-on-write overlays of / (run dslgen as root)"
        )
    workdir = (cwd or Path.cwd()).resolve()
    if not workdir.is_dir():
        return SandboxRun(False, reason=f"{workdir}: no such directory")
    group = Cgroup.create(limits.processes, limits.memory_mb * 1024 * 1024)
    if isinstance(group, str):
        return SandboxRun(False, reason=group)
    scratch = tempfile.mkdtemp(prefix="dslgen-sandbox-")
    try:
        config = {
            "scratch": scratch,
            "cwd": str(workdir),
            "command": command,
            "env": dict(os.environ if env is None else env),
            "tree": tree,
            "limits": asdict(limits),
        }
        procs = group.procs_files()
        # the shell joins the control groups before it becomes unshare, so every process is counted
        join = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 97; shift; n=$((n-1)); done; exec "$@"'
        argv = ["/bin/sh", "-c", join, "sh", str(len(procs)), *procs]
        argv += [unshare, "--mount", "--net", "--uts", "--ipc", "--"]
        argv += [sys.executable, "-I", "-S", str(INIT)]
        try:
            done = subprocess.run(
                argv,
                input=json.dumps(config),
                capture_output=True,
                text=True,
                timeout=limits.seconds + 30,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return SandboxRun(False, reason="the sandbox did not finish in time and was killed")
        usage = group.usage()
    finally:
        group.remove()
        shutil.rmtree(scratch, ignore_errors=True)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        why = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        if usage.memory_limit_hit:
            why = ["the memory limit was reached while setting up or reporting"]
        return SandboxRun(False, reason=f"cannot make a sandbox: {why[0]}")
    if "error" in report:
        return SandboxRun(False, reason=f"cannot make a sandbox: {report['error']}")
    return SandboxRun(
        True,
        exit_code=report["exit"],
        timed_out=report["timed_out"],
        output_cut=report["output_cut"],
        process_limit_hit=usage.process_limit_hit,
        memory_limit_hit=usage.memory_limit_hit,
        stdout=report["stdout"],
        stderr=report["stderr"],
        stdout_bytes=report["stdout_bytes"],
        stderr_bytes=report["stderr_bytes"],
        seconds=report["seconds"],
        changes=changes_from_layers(report["layers"]),
        tree=report.get("tree"),
    )


def changes_from_layers(layers: list[dict[str, Any]]) -> Changes:
    """Classify the upper-layer entries against the host filesystem (the untouched lower layer)."""
    created: list[str] = []
    modified: list[str] = []
    deleted: list[str] = []
    counts = {"created": 0, "modified": 0, "deleted": 0}
    for layer in layers:
        base = layer["mount"]
        entries: list[tuple[str, str]] = [(rel, kind) for rel, kind in layer["entries"]]
        in_upper = {rel for rel, _ in entries}
        for rel, kind in entries:
            path = os.path.join(base, rel)
            exists = os.path.lexists(path)
            if kind == "w":
                if exists:
                    counts["deleted"] += _count(path)
                    deleted.append(_show(path))
            elif kind in ("d", "o"):
                if not exists:
                    counts["created"] += 1
                    created.append(path + "/")
                elif kind == "o" and os.path.isdir(path):  # replaced: what is not in upper is gone
                    for name in _listdir(path):
                        if os.path.join(rel, name) not in in_upper:
                            counts["deleted"] += _count(os.path.join(path, name))
                            deleted.append(_show(os.path.join(path, name)))
            elif exists:
                counts["modified"] += 1
                modified.append(path)
            else:
                counts["created"] += 1
                created.append(path)
    return Changes(
        tuple(sorted(created)[:MAX_LISTED]),
        tuple(sorted(modified)[:MAX_LISTED]),
        tuple(sorted(deleted)[:MAX_LISTED]),
        counts,
    )


def _show(path: str) -> str:
    return path + "/" if os.path.isdir(path) and not os.path.islink(path) else path


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _count(path: str) -> int:
    """Entries removed with `path`: itself and, for a directory, everything below it (capped)."""
    if not os.path.isdir(path) or os.path.islink(path):
        return 1
    total = 1
    for _, dirnames, filenames in os.walk(path):
        total += len(dirnames) + len(filenames)
        if total >= MAX_COUNTED:
            return MAX_COUNTED
    return total
