"""Bash: tree-sitter-bash parse, `bash -n`, and shellcheck (errors gate validity, warnings are advice)."""

from __future__ import annotations

import json
import re

from codegen.result import Diagnostic
from codegen.validate.tools import ToolProblem, run_tool
from codegen.validate.treesitter import parse_bash, syntax_errors

SCRIPT = "script.sh"
_BASH_N_LINE = re.compile(r"^[^:]*: line (\d+): (.*)$")
_QUOTED_SOURCE = re.compile(r"^`.*'$")  # bash -n echoes the offending source line after the message
# shellcheck's "info" and "style" notes are too chatty for generated one-liners.
_SHELLCHECK_SEVERITY = {"error": "error", "warning": "warning"}


def validate_bash(code: str, *, strict_tools: bool, timeout: float) -> list[Diagnostic]:
    diagnostics = [
        Diagnostic("tree-sitter-bash", "error", line, message)
        for line, message in syntax_errors(parse_bash(code))
    ]
    for check in (_bash_n, _shellcheck):
        try:
            diagnostics.extend(check(code, strict_tools, timeout))
        except ToolProblem as problem:
            diagnostics.append(problem.diagnostic)
    return diagnostics


def _bash_n(code: str, strict: bool, timeout: float) -> list[Diagnostic]:
    out = run_tool("bash -n", ["bash", "-n", SCRIPT], files={SCRIPT: code}, timeout=timeout, strict=strict)
    if out.returncode == 0:
        return []
    found = []
    for text in out.stderr.splitlines():
        match = _BASH_N_LINE.match(text)
        if match and not _QUOTED_SOURCE.match(match[2]):
            found.append(Diagnostic("bash -n", "error", int(match[1]), match[2]))
    return found or [
        Diagnostic("bash -n", "error", None, out.stderr.strip() or "bash -n rejected the script")
    ]


def _shellcheck(code: str, strict: bool, timeout: float) -> list[Diagnostic]:
    # -s bash: generated snippets have no shebang; json1 is the stable machine-readable format.
    argv = ["shellcheck", "--shell=bash", "--format=json1", "--severity=warning", SCRIPT]
    out = run_tool("shellcheck", argv, files={SCRIPT: code}, timeout=timeout, strict=strict)
    try:
        comments = json.loads(out.stdout)["comments"]
    except (ValueError, KeyError, TypeError):
        raise ToolProblem(
            "shellcheck", f"shellcheck failed: {out.stderr.strip()[:300]}", strict=strict
        ) from None
    return [
        Diagnostic(
            "shellcheck", _SHELLCHECK_SEVERITY[c["level"]], c["line"], f"SC{c['code']}: {c['message']}"
        )
        for c in comments
        if c.get("level") in _SHELLCHECK_SEVERITY
    ]
