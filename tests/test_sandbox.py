"""The sandbox, for real: each test runs a command in it and checks the report and the host afterwards."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from codegen.safety.sandbox import Limits, SandboxRun, run_sandboxed

_PROBE = run_sandboxed("true", Path("/"), Limits(seconds=5))
pytestmark = pytest.mark.skipif(not _PROBE.ran, reason=f"no sandbox on this machine: {_PROBE.reason}")


def _fixture(root: Path) -> dict[str, str]:
    files = {"notes.txt": "one\ntwo\n", "src/main.c": "int main(){}\n", "src/util.h": "#pragma once\n"}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return files


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_rm_rf_everything_in_cwd_is_reported_and_host_untouched(tmp_path: Path) -> None:
    files = _fixture(tmp_path)
    before = _snapshot(tmp_path)
    run = run_sandboxed("rm -rf ./* && ls -A | wc -l", tmp_path)
    assert run.ran and run.exit_code == 0
    assert run.stdout.strip() == "0"  # inside, the files are gone
    assert _snapshot(tmp_path) == before  # outside, nothing changed
    assert set(run.changes.deleted) == {str(tmp_path / "notes.txt"), str(tmp_path / "src") + "/"}
    assert run.changes.counts["deleted"] == len(files) + 1  # the three files and src/


def test_rm_rf_home_is_reported_and_home_untouched(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _fixture(home)
    before = _snapshot(home)
    run = run_sandboxed("rm -rf ~", tmp_path, env={**os.environ, "HOME": str(home)})
    assert run.ran and run.exit_code == 0
    assert _snapshot(home) == before
    assert run.changes.deleted == (str(home) + "/",)
    assert run.changes.counts["deleted"] == 5  # home/, notes.txt, src/, src/main.c, src/util.h


def test_rm_rf_real_home_leaves_it_alone(tmp_path: Path) -> None:
    sentinel = Path.home() / f".dslgen-sandbox-test-{os.getpid()}"
    sentinel.write_text("keep me")
    try:
        run = run_sandboxed(f"rm -rf ~; test -e {sentinel} || echo gone", tmp_path, Limits(seconds=3))
        assert run.ran
        assert run.timed_out or "gone" in run.stdout  # deleted inside (or still deleting at the limit)
        assert sentinel.read_text() == "keep me"
        assert any(Path.home().iterdir())
    finally:
        sentinel.unlink()


def test_created_modified_deleted_on_a_fixture(tmp_path: Path) -> None:
    _fixture(tmp_path)
    command = "echo three >> notes.txt; rm src/util.h; mkdir -p out/logs; echo x > out/logs/a.log; chmod 600 src/main.c; touch /etc/dslgen-sandbox-test"
    run = run_sandboxed(command, tmp_path)
    assert run.ran and run.exit_code == 0, run
    assert set(run.changes.created) == {
        str(tmp_path / "out") + "/",
        str(tmp_path / "out/logs") + "/",
        str(tmp_path / "out/logs/a.log"),
        "/etc/dslgen-sandbox-test",
    }
    assert set(run.changes.modified) == {str(tmp_path / "notes.txt"), str(tmp_path / "src/main.c")}
    assert run.changes.deleted == (str(tmp_path / "src/util.h"),)
    assert run.changes.counts == {"created": 4, "modified": 2, "deleted": 1}
    assert not Path("/etc/dslgen-sandbox-test").exists()
    assert (tmp_path / "notes.txt").read_text() == "one\ntwo\n"


def test_fork_bomb_is_contained_by_the_process_limit(tmp_path: Path) -> None:
    started = time.monotonic()
    run = run_sandboxed(":(){ :|:& };:", tmp_path, Limits(seconds=3, processes=32))
    assert run.ran
    assert run.process_limit_hit
    assert run.timed_out  # the bomb never ends by itself: it is stopped at the time limit
    assert time.monotonic() - started < 10


def test_no_network_inside(tmp_path: Path) -> None:
    run = run_sandboxed("exec 3<>/dev/tcp/1.1.1.1/53 && echo connected", tmp_path, Limits(seconds=5))
    assert run.ran and run.exit_code != 0
    assert "connected" not in run.stdout
    assert "unreachable" in run.stderr.lower()


def test_a_gigabyte_of_output_is_cut(tmp_path: Path) -> None:
    started = time.monotonic()
    run = run_sandboxed("head -c 1000000000 /dev/zero", tmp_path, Limits(output_bytes=1 << 20))
    assert run.ran and run.output_cut
    assert run.exit_code is None  # stopped, not finished
    assert len(run.stdout) == 1 << 20
    assert run.stdout_bytes < 1_000_000_000
    assert time.monotonic() - started < 5


def test_sleep_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    started = time.monotonic()
    run = run_sandboxed("sleep 10; echo done", tmp_path, Limits(seconds=1.5))
    elapsed = time.monotonic() - started
    assert run.ran and run.timed_out and run.exit_code is None
    assert "done" not in run.stdout
    assert 1.5 <= elapsed < 4


def test_memory_limit(tmp_path: Path) -> None:
    run = run_sandboxed(
        "python3 -c 'x = bytearray(400 * 2**20); print(len(x))'", tmp_path, Limits(memory_mb=128)
    )
    assert run.ran
    assert run.exit_code != 0 and run.memory_limit_hit


def test_exit_status_output_and_working_directory(tmp_path: Path) -> None:
    _fixture(tmp_path)
    run = run_sandboxed("pwd; ls src; echo oops >&2; exit 3", tmp_path)
    assert (run.exit_code, run.stdout, run.stderr) == (3, f"{tmp_path}\nmain.c\nutil.h\n", "oops\n")
    assert not run.changes.any


def test_processes_of_the_host_are_invisible(tmp_path: Path) -> None:
    run = run_sandboxed("ps -e -o comm= | sort | tr '\\n' ' '", tmp_path)
    assert run.ran
    # only the command's own processes and the sandbox's PID 1 (a python3 guard): no pytest, no host
    assert run.stdout.split() == sorted(["bash", "ps", "python3", "sort", "tr"])


def test_tree_of_the_working_directory(tmp_path: Path) -> None:
    _fixture(tmp_path)
    one = run_sandboxed("tar czf a.tgz src && chmod 700 notes.txt", tmp_path, tree=True)
    two = run_sandboxed("sleep 1.1; tar -czf a.tgz src; chmod u+x,go-rwx notes.txt", tmp_path, tree=True)
    assert one.tree is not None and one.tree == two.tree  # the archive compares by its members
    assert one.tree["notes.txt"][:2] == ["f", 0o700]
    three = run_sandboxed("tar czf a.tgz src/main.c", tmp_path, tree=True)
    assert three.tree is not None and three.tree["a.tgz"] != one.tree["a.tgz"]


def test_nothing_runs_without_a_working_directory(tmp_path: Path) -> None:
    run = run_sandboxed("touch x", tmp_path / "missing")
    assert run == SandboxRun(False, reason=f"{tmp_path / 'missing'}: no such directory")
