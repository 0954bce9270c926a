"""A throwaway control group that caps the processes and memory of one sandboxed run.

Root is exempt from RLIMIT_NPROC, and the sandbox runs as (namespaced) root so that commands see the
permissions they would have for real: only the pids controller can stop a fork bomb. Both cgroup v1
(a hierarchy per controller) and v2 (one hierarchy, controllers enabled in the parent) are handled;
`Cgroup.create` returns a reason string instead when neither lets us make a group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True, slots=True)
class Usage:
    process_limit_hit: bool
    memory_limit_hit: bool


@dataclass(frozen=True, slots=True)
class Cgroup:
    dirs: tuple[Path, ...]  # one per hierarchy the run joins
    pids: Path  # the directory holding pids.max
    memory: Path | None  # the directory holding the memory limit, if there is a memory controller
    v2: bool

    @staticmethod
    def create(processes: int, memory_bytes: int) -> Cgroup | str:
        name = f"dslgen-sandbox-{uuid.uuid4().hex[:12]}"
        try:
            if (ROOT / "cgroup.controllers").is_file():
                return _create_v2(name, processes, memory_bytes)
            return _create_v1(name, processes, memory_bytes)
        except OSError as exc:
            return f"cannot create a control group to limit processes ({exc.strerror or exc})"

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def usage(self) -> Usage:
        pids_hit = _counter(self.pids / "pids.events", "max") > 0
        memory_hit = False
        if self.memory is not None:
            if self.v2:
                memory_hit = _counter(self.memory / "memory.events", "oom_kill") > 0
            else:
                memory_hit = _counter(self.memory / "memory.oom_control", "oom_kill") > 0
        return Usage(pids_hit, memory_hit)

    def remove(self) -> None:
        """Kill whatever is left in the group (nothing, normally) and delete it."""
        for directory in self.dirs:
            for _ in range(50):
                pids = _read(directory / "cgroup.procs").split()
                if not pids:
                    break
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGKILL)
            with contextlib.suppress(OSError):
                directory.rmdir()


def _own_path(controller: str) -> str:
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return "/"


def _create_v1(name: str, processes: int, memory_bytes: int) -> Cgroup | str:
    if not (ROOT / "pids").is_dir():
        return "no pids control group hierarchy to limit processes"
    pids = ROOT / "pids" / _own_path("pids").lstrip("/") / name
    pids.mkdir()
    dirs = [pids]
    (pids / "pids.max").write_text(str(processes))
    memory = None
    if (ROOT / "memory").is_dir():
        memory = ROOT / "memory" / _own_path("memory").lstrip("/") / name
        memory.mkdir()
        dirs.append(memory)
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():
            swap.write_text(str(memory_bytes))
    return Cgroup(tuple(dirs), pids, memory, v2=False)


def _create_v2(name: str, processes: int, memory_bytes: int) -> Cgroup | str:
    parent = ROOT / _own_path("").lstrip("/")
    enabled = _read(parent / "cgroup.subtree_control").split()
    if "pids" not in enabled:
        try:  # refused when the parent has processes of its own (the "no internal processes" rule)
            (parent / "cgroup.subtree_control").write_text("+pids +memory")
        except OSError:
            return f"the pids controller is not enabled for child groups of {parent}"
    group = parent / name
    group.mkdir()
    (group / "pids.max").write_text(str(processes))
    memory = None
    if (group / "memory.max").exists():
        memory = group
        (group / "memory.max").write_text(str(memory_bytes))
        if (group / "memory.swap.max").exists():
            (group / "memory.swap.max").write_text("0")
    return Cgroup((group,), group, memory, v2=True)


def _counter(path: Path, key: str) -> int:
    for line in _read(path).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key and parts[1].isdigit():
            return int(parts[1])
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
