"""Execution-based evaluation of Bash: run the reference and the prediction in identical fresh
sandboxes over the task's fixture and compare what happened.

A fixture describes a small directory tree:
    {"files": {"notes/a.txt": "text", ...},      # parent directories are made as needed
     "dirs": ["empty/dir", ...],
     "modes": {"run.sh": "755", ...},             # octal permission bits (default 644, dirs 755)
     "mtimes": {"old.log": "-400", ...},          # days before now, or an ISO date (default: -1)
     "symlinks": {"latest": "notes/a.txt", ...},
     "tars": {"bundle.tar.gz": {"b/a.txt": "A"}}} # gzip-compressed tar archives of the given files
It is written once per task to a temporary directory that both runs see copy-on-write (so both see the
same paths, inode data and dates), and each run starts from it untouched.

A prediction matches when it finishes like the reference (both succeed, or both fail), within the
limits, prints the same standard output (compared as the task says: exactly, as a set of lines, or
not at all; trailing blanks ignored) and leaves the same tree (types, permission bits, contents;
archives compare by their members).
"""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from codegen.safety.sandbox import Limits, SandboxRun, run_sandboxed

DEFAULT_AGE = "-1"
LIMITS = Limits(seconds=10.0, output_bytes=1 << 20)
_KEYS = {"files", "dirs", "modes", "mtimes", "symlinks", "tars"}


@dataclass(frozen=True, slots=True)
class ExecOutcome:
    match: bool
    stdout_match: bool = False
    files_match: bool = False
    status_match: bool = False
    reason: str = ""  # why the comparison could not be made (sandbox, reference failure)

    def to_json(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "stdout_match": self.stdout_match,
            "files_match": self.files_match,
            "status_match": self.status_match,
            "reason": self.reason,
        }


def check_fixture(fixture: Any) -> None:
    """Raise ValueError unless `fixture` is a well-formed description with relative, inner paths."""
    if not isinstance(fixture, dict) or not set(fixture) <= _KEYS:
        raise ValueError(f"'fixture' must be an object with keys among {', '.join(sorted(_KEYS))}")
    for key in ("files", "modes", "mtimes", "symlinks"):
        value = fixture.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError(f"fixture '{key}' must map paths to strings")
    dirs = fixture.get("dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise ValueError("fixture 'dirs' must be a list of paths")
    paths = [*dirs, *(p for key in ("files", "modes", "mtimes", "symlinks") for p in fixture.get(key, {}))]
    for path in paths:
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise ValueError(f"fixture path {path!r} must be relative and stay inside the fixture")
    for path, mode in fixture.get("modes", {}).items():
        if not all(c in "01234567" for c in mode) or not 3 <= len(mode) <= 4:
            raise ValueError(f"fixture mode of {path!r} must be octal, like 644")
    for path, date in fixture.get("mtimes", {}).items():
        try:
            _timestamp(date, 0.0)
        except ValueError:
            raise ValueError(f"fixture mtime of {path!r} must be -DAYS or an ISO date") from None
    tars = fixture.get("tars", {})
    if not isinstance(tars, dict) or not all(
        isinstance(m, dict) and all(isinstance(t, str) for t in m.values()) for m in tars.values()
    ):
        raise ValueError("fixture 'tars' must map archive names to {member path: text}")


def build_fixture(fixture: dict[str, Any], root: Path, now: float | None = None) -> None:
    """Write the fixture under `root` (an empty directory); relative dates count back from `now`."""
    now = time.time() if now is None else now
    for rel in fixture.get("dirs", []):
        (root / rel).mkdir(parents=True, exist_ok=True)
    for rel, text in fixture.get("files", {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    for rel, members in fixture.get("tars", {}).items():
        _write_tar(root / rel, members, _timestamp(DEFAULT_AGE, now))
    for rel, target in fixture.get("symlinks", {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(target)
    for path in sorted(root.rglob("*"), key=lambda p: -len(p.parts)):
        if path.is_symlink():
            continue
        rel = path.relative_to(root).as_posix()
        default = "755" if path.is_dir() else "644"
        path.chmod(int(fixture.get("modes", {}).get(rel, default), 8))
    # dates last (children before parents), as writing into a directory changes its date
    for path in sorted(root.rglob("*"), key=lambda p: -len(p.parts)):
        rel = path.relative_to(root).as_posix()
        stamp = _timestamp(fixture.get("mtimes", {}).get(rel, DEFAULT_AGE), now)
        os.utime(path, (stamp, stamp), follow_symlinks=False)
    stamp = _timestamp(DEFAULT_AGE, now)
    os.utime(root, (stamp, stamp))


def _timestamp(date: str, now: float) -> float:
    if date.startswith("-") and date[1:].isdigit():
        return now - 86400 * int(date[1:])
    parsed = datetime.fromisoformat(date)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _write_tar(path: Path, members: dict[str, str], stamp: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(stamp), 0o644
            tar.addfile(info, io.BytesIO(data))


def execute(
    reference: str, prediction: str, fixture: dict[str, Any], stdout_mode: str, limits: Limits = LIMITS
) -> ExecOutcome:
    """Run both commands over fresh copies of the fixture and compare the outcomes."""
    if not prediction.strip():
        return ExecOutcome(False, reason="empty prediction")
    with tempfile.TemporaryDirectory(prefix="dslgen-fixture-") as tmp:
        root = Path(tmp) / "work"
        root.mkdir()
        build_fixture(fixture, root)
        expected = run_sandboxed(reference, root, limits, tree=True, env=_environment(root))
        if not expected.ran:
            return ExecOutcome(False, reason=f"no sandbox: {expected.reason}")
        if _stopped(expected):
            return ExecOutcome(False, reason="the reference did not finish within the limits")
        actual = run_sandboxed(prediction, root, limits, tree=True, env=_environment(root))
    if not actual.ran:
        return ExecOutcome(False, reason=f"no sandbox: {actual.reason}")
    status = not _stopped(actual) and (actual.exit_code == 0) == (expected.exit_code == 0)
    stdout = stdout_mode == "ignore" or _lines(actual.stdout, stdout_mode) == _lines(
        expected.stdout, stdout_mode
    )
    files = actual.tree == expected.tree
    return ExecOutcome(status and stdout and files, stdout, files, status)


def _stopped(run: SandboxRun) -> bool:
    return run.exit_code is None or run.timed_out or run.output_cut


def _environment(root: Path) -> dict[str, str]:
    """The same environment for every run: a fixed locale, time zone and home, so output compares."""
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "USER": "root",
        "LOGNAME": "root",
        "SHELL": "/bin/bash",
        "TERM": "dumb",
    }


def _lines(text: str, mode: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return sorted(lines) if mode == "unordered" else lines
