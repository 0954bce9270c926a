"""`--run` confirmation: through a real pseudo-terminal and without a terminal, nothing runs unless
confirmed. Each command would create a marker file; its absence proves it did not run.

The risky command is `mkfs.ext4 /dev/sdz9`, made harmless by a stub `mkfs.ext4` placed first on PATH
that only creates the marker (the command runs with the user's environment, so the stub is used).
"""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from codegen.run import run_confirmed

DRIVER = """
import sys
from codegen.run import run_confirmed
outcome = run_confirmed(sys.argv[1], prompt_in=sys.stdin, prompt_out=sys.stderr,
                        yes="--yes" in sys.argv, allow_risky="--allow-risky" in sys.argv)
print("OUTCOME", outcome.ran, outcome.exit_code, outcome.reason)
"""
REPO = Path(__file__).parent.parent


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    stub = stubs / "mkfs.ext4"
    stub.write_text(f"#!/bin/sh\ntouch {shlex.quote(str(tmp_path / 'marker'))}\n")
    stub.chmod(0o755)
    return {**os.environ, "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO)}


def harmless(tmp_path: Path) -> str:
    return f"touch {shlex.quote(str(tmp_path / 'marker'))}"


RISKY = "mkfs.ext4 /dev/sdz9"


def on_terminal(command: str, answer: str | None, env: dict[str, str], *flags: str) -> str:
    """Run the driver on a pseudo-terminal; answer its question if it asks one (None: Ctrl-D)."""
    transcript = io.StringIO()
    child = pexpect.spawn(
        sys.executable, ["-c", DRIVER, command, *flags], env=env, encoding="utf-8", timeout=30, cwd=str(REPO)
    )
    child.logfile_read = transcript
    try:
        if child.expect([r"\[y/N\] ", r"Type 'yes' to run it: ", pexpect.EOF]) < 2:
            if answer is None:
                child.sendeof()
            else:
                child.sendline(answer)
            child.expect(pexpect.EOF)
    finally:
        child.close()
    return transcript.getvalue()


def test_terminal_y_runs_and_n_does_not(tmp_path: Path, env: dict[str, str]) -> None:
    marker = tmp_path / "marker"
    output = on_terminal(harmless(tmp_path), "n", env)
    assert "OUTCOME False None not run: not confirmed" in output
    assert not marker.exists()
    on_terminal(harmless(tmp_path), "", env)  # Enter alone is the default: no
    assert not marker.exists()
    output = on_terminal(harmless(tmp_path), "y", env)
    assert "OUTCOME True 0" in output
    assert marker.exists()


def test_terminal_end_of_input_is_no(tmp_path: Path, env: dict[str, str]) -> None:
    output = on_terminal(harmless(tmp_path), None, env)
    assert "not confirmed" in output
    assert not (tmp_path / "marker").exists()


def test_terminal_risky_needs_the_word_yes(tmp_path: Path, env: dict[str, str]) -> None:
    marker = tmp_path / "marker"
    output = on_terminal(RISKY, "y", env)
    assert "creates a filesystem" in output  # the reason is shown before the question
    assert "not confirmed" in output
    assert not marker.exists()
    on_terminal(RISKY, "yes", env, "--yes")  # --yes alone does not stand for typing yes
    assert marker.exists()


def test_terminal_yes_flag_skips_the_question_for_harmless_commands(
    tmp_path: Path, env: dict[str, str]
) -> None:
    output = on_terminal(harmless(tmp_path), None, env, "--yes")
    assert "[y/N]" not in output
    assert (tmp_path / "marker").exists()


def without_terminal(command: str, env: dict[str, str], *flags: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", DRIVER, command, *flags],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=30,
        check=True,
    )
    return completed.stdout + completed.stderr


def test_no_terminal_refuses_without_yes(tmp_path: Path, env: dict[str, str]) -> None:
    output = without_terminal(harmless(tmp_path), env)
    assert "Command to run:" in output  # still shown
    assert "no terminal to confirm on; pass --yes" in output
    assert not (tmp_path / "marker").exists()
    without_terminal(harmless(tmp_path), env, "--yes")
    assert (tmp_path / "marker").exists()


def test_no_terminal_risky_needs_yes_and_allow_risky(tmp_path: Path, env: dict[str, str]) -> None:
    marker = tmp_path / "marker"
    for flags in ((), ("--yes",), ("--allow-risky",)):
        output = without_terminal(RISKY, env, *flags)
        assert "OUTCOME False" in output
        assert not marker.exists()
    output = without_terminal(RISKY, env, "--yes", "--allow-risky")
    assert "OUTCOME True 0" in output
    assert marker.exists()


def test_exit_status_is_reported(tmp_path: Path) -> None:
    shown = io.StringIO()
    outcome = run_confirmed(
        "exit 3", prompt_in=io.StringIO(""), prompt_out=shown, interactive=False, yes=True
    )
    assert (outcome.ran, outcome.exit_code) == (True, 3)
    assert "exit 3" in shown.getvalue()


def test_empty_command_never_runs() -> None:
    outcome = run_confirmed("  \n", prompt_in=io.StringIO("y\n"), prompt_out=io.StringIO(), interactive=True)
    assert not outcome.ran
    assert outcome.reason == "there is no command to run"
