"""Bash metrics: flag hallucination against documentation, `bash -n` and shellcheck errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codegen.docs.record import DocRecord
from codegen.evaluation.metrics.bash import concrete_placeholders, flag_report, tool_report

FIXTURES = Path(__file__).parent / "fixtures" / "evaluation"
RECORDS = {
    r.name: r
    for r in (
        DocRecord.from_json(json.loads(line))
        for line in (FIXTURES / "bash_records.jsonl").read_text().splitlines()
    )
}


def report(code: str):
    return flag_report(code, RECORDS.get)


def test_documented_flags_pass_in_every_spelling() -> None:
    for code in (
        "tar -czvf {{archive.tar.gz}} {{path}}",  # a cluster ending in a value flag
        "tar --create --gzip --file={{archive.tar.gz}} {{path}}",
        "tar -xf{{archive.tar}} -C {{dir}}",  # attached value, separate value
        "tar {{[-x|--extract]}} {{[-f|--file]}} {{archive.tar}}",  # tldr option alternatives
    ):
        result = report(code)
        assert result.hallucinated == (), code
        assert result.checked >= 2, code


def test_undocumented_flags_are_counted() -> None:
    result = report("tar -cqf {{archive}} --frobnicate {{path}}")
    assert result.hallucinated == ("-q", "--frobnicate")
    assert result.checked == 4  # -c -q -f --frobnicate


def test_single_dash_long_options_are_one_flag() -> None:
    result = report("find {{path}} -name '*.txt' -mtimes 3 -delete")
    assert result.hallucinated == ("-mtimes",)


def test_values_and_operands_are_not_flags() -> None:
    # `-1` is a value of -mtime, `-v` after `--` is an operand, a negative number is not a flag
    assert report("find . -mtime -1 -type f").hallucinated == ()
    assert report("tar -cf out.tar -- -v").hallucinated == ()


def test_commands_run_by_other_commands_are_checked() -> None:
    result = report("sudo -u {{user}} tar -cWf a.tar . | xargs -0 -n 1 find -nme x")
    assert result.hallucinated == ("-W", "-nme")
    assert result.undocumented == ()


def test_subcommands_use_their_own_page() -> None:
    assert report("git commit --amend -am {{message}}").hallucinated == ()
    assert report("git commit --fixup HEAD").hallucinated == ("--fixup",)


def test_commands_without_documentation_are_reported_not_checked() -> None:
    result = report("echo hi | wc -l")
    assert result.checked == 0
    assert result.undocumented == ("echo", "wc")


def test_concrete_placeholders() -> None:
    assert (
        concrete_placeholders("ls {{[-a|--all]}} {{path/to/dir}} {{$!|$?}}")
        == "ls -a path/to/dir placeholder"
    )


@pytest.mark.skipif(
    not (shutil.which("bash") and shutil.which("shellcheck")), reason="needs bash and shellcheck"
)
def test_tool_report() -> None:
    assert tool_report("tar -czf {{archive.tar.gz}} {{[-C|--directory]}} {{dir}}").bash_n_ok
    good = tool_report("find . -name '*.log' | xargs rm")
    assert good.bash_n_ok and good.shellcheck_ok
    bad = tool_report("if [ -f x ]; then echo")
    assert not bad.bash_n_ok and not bad.shellcheck_ok
    empty = tool_report("  ")
    assert not empty.bash_n_ok and not empty.shellcheck_ok
