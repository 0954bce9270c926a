"""Run an external checker (bash, shellcheck, gfortran, ansible-playbook, ansible-lint) safely.

The code under test is written to a file in a fresh temporary directory or fed on stdin; it is never
part of a shell command line. Each run has a wall-clock limit and is started in its own process group
so that a timeout kills the tool together with any helper processes it spawned.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from codegen.result import Diagnostic

# Tool messages are parsed, so they must be in English and without colour codes.
_PARSEABLE_ENV = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "NO_COLOR": "1", "TERM": "dumb"}


@dataclass(frozen=True, slots=True)
class ToolOutput:
    returncode: int
    stdout: str
    stderr: str


class ToolProblem(Exception):
    """The tool could not give a verdict (not installed, timed out, could not start, unreadable output).

    Its diagnostic is an error when the caller asked for strict checking, else a warning: the code is
    then unchecked by this tool, not known to be wrong.
    """

    def __init__(self, tool: str, message: str, *, strict: bool) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(tool, "error" if strict else "warning", None, message)


def run_tool(
    tool: str,
    argv: Sequence[str],
    *,
    timeout: float,
    strict: bool,
    files: Mapping[str, str] | None = None,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ToolOutput:
    """Run `argv` in a new temporary directory holding `files` (name -> text) and return its output.

    `tool` names the check in diagnostics; a check that cannot give a verdict raises ToolProblem.
    """
    executable = shutil.which(argv[0])
    if executable is None:
        raise ToolProblem(tool, f"{argv[0]} is not installed, so this check was skipped", strict=strict)
    with tempfile.TemporaryDirectory(prefix="dslgen-validate-") as workdir:
        for name, text in (files or {}).items():
            Path(workdir, name).write_bytes(_encode(text))
        try:
            proc = subprocess.Popen(
                [executable, *argv[1:]],
                cwd=workdir,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, **_PARSEABLE_ENV, **(env or {})},
                start_new_session=True,
            )
        except OSError as exc:
            raise ToolProblem(tool, f"could not start {argv[0]}: {exc}", strict=strict) from exc
        try:
            out, err = proc.communicate(None if stdin is None else _encode(stdin), timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ToolProblem(tool, f"{argv[0]} did not finish within {timeout:g} s", strict=strict) from None
    return ToolOutput(
        proc.returncode, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")
    )


def _encode(text: str) -> bytes:
    # Lone surrogates (from undecodable input) cannot be encoded; the tool sees "?" in their place.
    return text.encode("utf-8", errors="replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have exited just now
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
