"""Bash validation with tree-sitter-bash, `bash -n` and shellcheck (all real)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.validate import validate


def _by_tool(diagnostics: list) -> dict[str, list[tuple[int | None, str]]]:
    found: dict[str, list[tuple[int | None, str]]] = {}
    for d in diagnostics:
        found.setdefault(d.tool, []).append((d.line, d.message))
    return found


@pytest.mark.parametrize(
    "code",
    [
        "tar -czf backup.tar.gz /etc",
        "find . -name '*.log' -mtime +7 -print0 | xargs -0 rm -f",
        'for f in *.txt; do\n  wc -l "$f"\ndone',
        "if [[ -d /tmp ]]; then echo yes; else echo no; fi",
    ],
)
def test_correct_commands_pass(code: str) -> None:
    result = validate("bash", code, strict_tools=True)
    assert result.ok, result.errors


def test_unterminated_quote_is_caught_by_every_checker() -> None:
    result = validate("bash", "echo ok\necho 'unterminated", strict_tools=True)
    tools = _by_tool(result.errors)
    assert {"tree-sitter-bash", "bash -n", "shellcheck"} <= tools.keys()
    assert (2, "syntax error near `'unterminated`") in tools["tree-sitter-bash"]


def test_unmatched_keyword_is_caught_by_bash_n_with_its_line() -> None:
    result = validate("bash", "echo start\nfi", strict_tools=True)
    assert (2, "syntax error near unexpected token `fi'") in _by_tool(result.errors)["bash -n"]


def test_missing_closing_token_is_reported_by_tree_sitter() -> None:
    result = validate("bash", "files=(a b", strict_tools=True)
    assert (1, "missing `)`") in _by_tool(result.errors)["tree-sitter-bash"]


def test_shellcheck_error_level_finding_makes_code_invalid() -> None:
    result = validate("bash", "x=1\nif [[ $x = 1 ]; then echo one; fi", strict_tools=True)
    shellcheck = _by_tool(result.errors)["shellcheck"]
    assert any(line == 2 and message.startswith("SC1033") for line, message in shellcheck)


def test_shellcheck_warnings_are_advice_not_errors() -> None:
    result = validate("bash", "cd /tmp/build\nmake", strict_tools=True)
    assert result.ok
    assert any(
        d.tool == "shellcheck" and d.message.startswith("SC2164") and d.line == 1 for d in result.warnings
    )


def test_missing_tools_give_clear_diagnostics(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither bash nor shellcheck can be found
    relaxed = validate("bash", "ls -la", strict_tools=False)
    assert relaxed.ok
    assert {d.tool for d in relaxed.warnings} == {"bash -n", "shellcheck"}
    assert all("is not installed" in d.message for d in relaxed.warnings)
    strict = validate("bash", "ls -la", strict_tools=True)
    assert {d.tool for d in strict.errors} == {"bash -n", "shellcheck"}
