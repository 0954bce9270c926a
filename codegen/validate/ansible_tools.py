"""The external Ansible checks: `ansible-playbook --syntax-check` and `ansible-lint --offline`.

Both need a playbook, so tasks are indented into a one-play wrapper; diagnostics are moved back to
the lines of the code as written.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from codegen.result import Diagnostic
from codegen.validate.tools import ToolProblem, run_tool

Shape = Literal["task", "tasks", "playbook"]

PLAYBOOK = "playbook.yml"
_PLAY_HEADER = "- name: Check generated tasks\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
_ANSIBLE_ENV = {
    "ANSIBLE_NOCOLOR": "1",
    "ANSIBLE_FORCE_COLOR": "0",
    "ANSIBLE_LOCALHOST_WARNING": "False",
    "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
    "ANSIBLE_RETRY_FILES_ENABLED": "False",
}
# Findings from these ansible-lint rules mean Ansible would reject or misread the task; the others
# (naming, FQCN, idempotence, YAML style) are advice. `args` findings come from an experimental rule
# that ansible-lint reports with severity "minor" and exit status 0, so severity is not used here.
_LINT_ERROR_RULES = ("args", "syntax-check", "parser-error", "load-failure", "schema")
_ERROR_START = re.compile(r"^(?:\[ERROR\]:|ERROR!)\s*(.*)$")
_ORIGIN_LINE = re.compile(rf"(?:Origin: .*{re.escape(PLAYBOOK)}:(\d+)|{re.escape(PLAYBOOK)}': line (\d+))")


def as_playbook(code: str, shape: Shape) -> tuple[str, int]:
    """(a playbook holding the code, number of lines added before it)."""
    if shape == "playbook":
        return code if code.endswith("\n") else code + "\n", 0
    # Document markers cannot be indented; blanking them keeps the line numbering.
    lines = ["" if line.strip() in ("---", "...") else line for line in code.splitlines()]
    if shape == "tasks":
        body = "".join(f"    {line}\n" if line else "\n" for line in lines)
        return _PLAY_HEADER + body, _PLAY_HEADER.count("\n")
    body = "".join(f"      {line}\n" if line else "\n" for line in lines)
    return _PLAY_HEADER + "    -\n" + body, _PLAY_HEADER.count("\n") + 1


def syntax_check(code: str, shape: Shape, *, strict: bool, timeout: float) -> list[Diagnostic]:
    text, offset = as_playbook(code, shape)
    argv = ["ansible-playbook", "--syntax-check", "-i", "localhost,", PLAYBOOK]
    out = run_tool(
        "ansible-playbook", argv, files={PLAYBOOK: text}, timeout=timeout, strict=strict, env=_ANSIBLE_ENV
    )
    if out.returncode == 0:
        return []
    found = _syntax_errors(out.stderr, offset, code.count("\n") + 1)
    return found or [
        Diagnostic("ansible-playbook", "error", None, _tail(out.stderr) or "syntax check failed")
    ]


def _syntax_errors(stderr: str, offset: int, code_lines: int) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    message: str | None = None
    for text in stderr.splitlines():
        if start := _ERROR_START.match(text):
            if message is not None:
                found.append(Diagnostic("ansible-playbook", "error", None, message))
            message = start[1].strip()
        elif message is not None and (origin := _ORIGIN_LINE.search(text)):
            line = int(origin[1] or origin[2])
            found.append(Diagnostic("ansible-playbook", "error", _shift(line, offset, code_lines), message))
            message = None
    if message is not None:
        found.append(Diagnostic("ansible-playbook", "error", None, message))
    return found


def lint(code: str, shape: Shape, *, strict: bool, timeout: float) -> list[Diagnostic]:
    text, offset = as_playbook(code, shape)
    argv = [
        "ansible-lint",
        "--offline",
        "--nocolor",
        "-q",
        "-f",
        "codeclimate",
        "--project-dir",
        ".",
        PLAYBOOK,
    ]
    out = run_tool(
        "ansible-lint", argv, files={PLAYBOOK: text}, timeout=timeout, strict=strict, env=_ANSIBLE_ENV
    )
    try:
        findings = json.loads(out.stdout or "null")
        if not isinstance(findings, list):
            raise ValueError
    except ValueError:
        raise ToolProblem(
            "ansible-lint", f"ansible-lint failed: {_tail(out.stderr)}", strict=strict
        ) from None
    code_lines = code.count("\n") + 1
    found = []
    for finding in findings:
        rule = str(finding.get("check_name", ""))
        location = finding.get("location", {})
        line = location.get("lines", {}).get("begin") or location.get("positions", {}).get("begin", {}).get(
            "line"
        )
        severity = "error" if rule.split("[")[0] in _LINT_ERROR_RULES else "warning"
        if severity == "warning" and isinstance(line, int) and line <= offset:
            continue  # advice about the wrapper play, not about the code
        message = f"{rule}: {finding.get('description', '')}"
        located = _shift(line, offset, code_lines) if isinstance(line, int) else None
        found.append(Diagnostic("ansible-lint", severity, located, message))
    return found


def _shift(line: int, offset: int, code_lines: int) -> int | None:
    shifted = line - offset
    return shifted if 1 <= shifted <= code_lines else None


def _tail(stderr: str) -> str:
    return " ".join(stderr.strip().splitlines()[-3:])[:400]
