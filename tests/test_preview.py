"""`dslgen preview -- COMMAND` and `dslgen "TASK" --preview`: the sandboxed run and the risk verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.preview import describe, preview
from codegen.safety.sandbox import Limits, run_sandboxed

REPO = Path(__file__).resolve().parents[1]
_PROBE = run_sandboxed("true", Path("/"), Limits(seconds=5))
needs_sandbox = pytest.mark.skipif(not _PROBE.ran, reason=f"no sandbox on this machine: {_PROBE.reason}")


def dslgen(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ | {"PYTHONPATH": str(REPO), "COLUMNS": "200"} | (env or {}),
        timeout=120,
        check=False,
    )


def _fixture(root: Path) -> None:
    (root / "docs").mkdir()
    (root / "docs" / "a.md").write_text("# a\n")
    (root / "keep.txt").write_text("keep\n")


@needs_sandbox
def test_describe_shows_status_output_changes_and_risk(tmp_path: Path) -> None:
    _fixture(tmp_path)
    lines = describe(preview("echo gone; rm -rf ./*; exit 4", tmp_path))
    text = "\n".join(lines)
    assert "exit status 4" in text
    assert "    gone" in lines
    assert "files: 0 created, 0 modified, 3 deleted" in lines
    assert "  deleted: docs/, keep.txt and 1 more" in lines
    assert "risk: RISKY" in lines
    assert (tmp_path / "keep.txt").read_text() == "keep\n"


@needs_sandbox
def test_preview_command_text_and_json(tmp_path: Path) -> None:
    _fixture(tmp_path)
    proc = dslgen("preview", "--", "touch new.txt && cat keep.txt", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "files: 1 created, 0 modified, 0 deleted" in proc.stdout
    assert "  created: new.txt" in proc.stdout
    assert "risk: not flagged by the safety rules" in proc.stdout
    assert not (tmp_path / "new.txt").exists()

    proc = dslgen("preview", "--json", "--", "rm", "-rf", "~", cwd=tmp_path, env={"HOME": str(tmp_path)})
    data = json.loads(proc.stdout)
    assert data["command"] == "rm -rf ~"
    assert data["risky"] and data["risk_reasons"]
    assert data["sandbox"]["ran"] and data["sandbox"]["changes"]["deleted"] == [str(tmp_path) + "/"]
    assert (tmp_path / "docs" / "a.md").exists()


@needs_sandbox
def test_preview_stops_at_its_time_limit(tmp_path: Path) -> None:
    proc = dslgen("preview", "--seconds", "0.5", "--", "sleep 5", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "stopped at the time limit (0.5 s)" in proc.stdout


def test_preview_without_a_generated_command_is_an_input_error(dslgen_home: Path, tmp_path: Path) -> None:
    proc = dslgen("list files", "--preview", cwd=tmp_path, env={"DSLGEN_HOME": str(dslgen_home)})
    assert proc.returncode == 2
    assert "no command was generated" in proc.stderr
    assert "Traceback" not in proc.stderr


@needs_sandbox
def test_generate_with_preview(dslgen_home: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    env = {"DSLGEN_HOME": str(dslgen_home), "DSLGEN_MODEL": str(tiny_model_dir)}
    work = tmp_path / "work"
    work.mkdir()
    proc = dslgen("find files larger than 100 MB", "--preview", "--json", cwd=work, env=env)
    data = json.loads(proc.stdout)
    assert data["lang"] == "bash" and data["code"]
    assert data["preview"]["command"] == data["code"]
    assert data["preview"]["sandbox"]["ran"]
    # with --run, the preview comes first; without a terminal or --yes nothing then runs for real
    proc = dslgen("find files larger than 100 MB", "--preview", "--run", cwd=work, env=env)
    assert proc.returncode == 1
    assert "ran in a sandbox" in proc.stderr
    assert list(work.iterdir()) == []
