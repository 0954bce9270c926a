"""Junk on the command line never produces a traceback: a message and exit code 2 (or a normal
answer when the junk happens to be a usable request)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.cli import main

junk_text = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "surrogateescape")),  # how argv carries bad bytes
    st.integers(10_001, 12_000).map(lambda n: ("ab " * n)[:n]),  # over the request limit
)
options = st.sampled_from([[], ["--lang", "bash"], ["--lang", "cobol"], ["-k", "0"], ["--json"], ["-n", "x"]])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=junk_text, extra=options)
def test_cli_never_crashes_on_junk(
    dslgen_home: Path, capsys: pytest.CaptureFixture[str], task: str, extra: list[str]
) -> None:
    assert os.environ["DSLGEN_HOME"] == str(dslgen_home)
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", task, *extra])
        raise SystemExit(0)
    code = exit_info.value.code or 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    assert code in (0, 2), captured.err
    if code == 2:
        assert captured.err.strip()


def test_run_without_a_terminal_runs_nothing(dslgen_home: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    """Whatever the model writes, `--run` with no terminal and no --yes must not execute it."""
    import subprocess
    import sys

    marker = tmp_path / "ran"
    env = os.environ | {"DSLGEN_HOME": str(dslgen_home), "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    # every command the tiny model can pick from the fixture docs leaves a marker if it runs
    for name in ("find", "tar", "du", "useradd", "ls"):
        shim = tmp_path / name
        shim.write_text(f"#!/bin/sh\ntouch {marker}\n")
        shim.chmod(0o755)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "codegen",
            "list the files",
            "--lang",
            "bash",
            "--model",
            str(tiny_model_dir),
            "--run",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert not marker.exists()
