"""The external-tool runner: time limits, missing tools, and code that is never executed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.validate import validate
from codegen.validate.tools import ToolProblem, run_tool


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_missing_tool_is_a_warning_unless_strict() -> None:
    for strict, severity in ((False, "warning"), (True, "error")):
        with pytest.raises(ToolProblem) as caught:
            run_tool("nosuch", ["dslgen-no-such-tool-xyz"], timeout=5, strict=strict)
        assert caught.value.diagnostic.severity == severity
        assert "not installed" in caught.value.diagnostic.message


def test_timeout_kills_the_tool_and_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = 'sleep 30 & echo $! > "$1"; wait'
    started = time.monotonic()
    with pytest.raises(ToolProblem) as caught:
        run_tool("slow", ["bash", "-c", script, "_", str(pid_file)], timeout=0.5, strict=True)
    assert time.monotonic() - started < 5
    assert "did not finish within 0.5 s" in caught.value.diagnostic.message
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_files_and_stdin_reach_the_tool() -> None:
    out = run_tool(
        "cat",
        ["cat", "a.txt", "-"],
        files={"a.txt": "from file\n"},
        stdin="from stdin\n",
        timeout=5,
        strict=True,
    )
    assert out.returncode == 0
    assert out.stdout == "from file\nfrom stdin\n"


@pytest.mark.parametrize(("lang", "slow_tool"), [("bash", "shellcheck"), ("fortran", "gfortran")])
def test_a_tool_that_overruns_its_limit_gives_a_diagnostic(
    lang: str, slow_tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in that never answers in time: real tools can finish within any tiny limit on a fast machine.
    stand_in = tmp_path / slow_tool
    stand_in.write_text("#!/bin/sh\nsleep 30\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    code = "echo hi" if lang == "bash" else "x = 1"
    result = validate(lang, code, timeout=0.3, strict_tools=True)
    assert {d.tool for d in result.errors} == {slow_tool}
    assert all("did not finish within 0.3 s" in d.message for d in result.errors)
    assert not result.ok


def test_validated_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    bash = f"touch {marker}\n$(touch {marker})\n`touch {marker}`"
    validate("bash", bash, strict_tools=True)
    ansible = f"- name: Touch\n  ansible.builtin.shell: touch {marker}\n"
    validate("ansible", ansible, thorough=True, strict_tools=True)
    validate("fortran", f"call execute_command_line('touch {marker}')", strict_tools=True)
    assert not marker.exists()


def test_unknown_language_is_an_input_error() -> None:
    from codegen.errors import InputError

    with pytest.raises(InputError):
        validate("cobol", "DISPLAY 'HI'.")


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["bash", "fortran"]), st.text(max_size=200))
def test_any_text_gives_diagnostics_not_exceptions(lang: str, text: str) -> None:
    result = validate(lang, text)
    assert all(d.severity in ("error", "warning") for d in result.errors + result.warnings)


def test_undecodable_input_is_checked_not_crashed_on() -> None:
    surrogate = b"echo \xff\n".decode("utf-8", errors="surrogateescape")
    assert validate("bash", surrogate, strict_tools=True).ok
    assert not validate("fortran", surrogate, strict_tools=True).ok
    [error] = validate("ansible", "- debug:\n    msg: " + surrogate).errors
    assert (error.tool, error.line) == ("yaml", 2)
    assert error.message.startswith("invalid YAML: unacceptable character #xdcff")
