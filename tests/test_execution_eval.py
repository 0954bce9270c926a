"""Execution-based evaluation of Bash: fixtures, the comparison, and the everyday task set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codegen.evaluation.data import example_from_json, read_examples
from codegen.evaluation.execution import build_fixture, check_fixture, execute
from codegen.evaluation.runner import make_record
from codegen.evaluation.suites import BASH_EXEC_TASKS
from codegen.result import Result
from codegen.safety.sandbox import Limits, run_sandboxed

_PROBE = run_sandboxed("true", Path("/"), Limits(seconds=5))
needs_sandbox = pytest.mark.skipif(not _PROBE.ran, reason=f"no sandbox on this machine: {_PROBE.reason}")

FIXTURE = {
    "files": {"a.txt": "b\na\n", "logs/x.log": "ERROR one\nok\nERROR two\n", "run.sh": "echo hi\n"},
    "dirs": ["empty"],
    "modes": {"run.sh": "755"},
    "mtimes": {"logs/x.log": "-90"},
    "symlinks": {"link": "a.txt"},
    "tars": {"t.tar.gz": {"t/one.txt": "1\n"}},
}


def test_build_fixture(tmp_path: Path) -> None:
    build_fixture(FIXTURE, tmp_path, now=1_000_000_000)
    assert (tmp_path / "a.txt").read_text() == "b\na\n"
    assert (tmp_path / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "empty").is_dir() and (tmp_path / "link").is_symlink()
    assert (tmp_path / "logs/x.log").stat().st_mtime == 1_000_000_000 - 90 * 86400
    assert (tmp_path / "a.txt").stat().st_mtime == 1_000_000_000 - 86400
    assert (tmp_path / "t.tar.gz").stat().st_size > 0


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ({"files": {"/etc/x": "x"}}, "relative"),
        ({"files": {"../x": "x"}}, "relative"),
        ({"modes": {"a": "rwx"}}, "octal"),
        ({"mtimes": {"a": "last week"}}, "ISO date"),
        ({"setup": "rm -rf /"}, "keys among"),
    ],
)
def test_bad_fixtures_are_refused(fixture: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_fixture(fixture)


def test_data_lines_with_fixtures() -> None:
    line = {"id": "t", "nl": "n", "lang": "bash", "code": "ls", "fixture": FIXTURE, "stdout": "unordered"}
    example = example_from_json(line)
    assert example.fixture == FIXTURE and example.stdout == "unordered"
    assert example_from_json(example.to_json()) == example
    with pytest.raises(ValueError, match="'stdout'"):
        example_from_json(line | {"stdout": "sorted"})


@needs_sandbox
@pytest.mark.parametrize(
    ("prediction", "mode", "match"),
    [
        ("grep -c ERROR logs/x.log", "exact", True),
        ("grep ERROR logs/x.log | wc -l", "exact", True),  # another command, same result
        ("grep -c error logs/x.log", "exact", False),  # a near miss lexically, wrong by execution
        ("find . -name '*.txt' | sort -r", "unordered", True),
        ("find . -name '*.txt' | head -n 0", "unordered", False),
    ],
)
def test_stdout_comparison(prediction: str, mode: str, match: bool) -> None:
    reference = (
        "grep -c ERROR logs/x.log"
        if "ERROR" in prediction or "error" in prediction
        else "find . -name '*.txt'"
    )
    outcome = execute(reference, prediction, FIXTURE, mode)
    assert outcome.match is match, outcome


@needs_sandbox
@pytest.mark.parametrize(
    ("prediction", "match"),
    [
        ("chmod 600 a.txt", True),
        ("chmod u=rw,go= a.txt", True),
        ("chmod 640 a.txt", False),
        ("chmod 600 a.txt run.sh", False),  # a second file changed too
    ],
)
def test_file_tree_comparison(prediction: str, match: bool) -> None:
    outcome = execute("chmod 600 a.txt", prediction, FIXTURE, "ignore")
    assert outcome.match is match and outcome.files_match is match, outcome


@needs_sandbox
def test_status_time_and_empty_predictions() -> None:
    assert not execute("true", "false", FIXTURE, "ignore").match
    assert not execute("true", "", FIXTURE, "ignore").match
    stopped = execute("true", "sleep 30", FIXTURE, "ignore", Limits(seconds=0.5))
    assert not stopped.match and not stopped.status_match
    # both fail alike (diff finds differences): a match
    assert execute("diff a.txt run.sh", "cmp -s a.txt run.sh || diff a.txt run.sh", FIXTURE, "exact").match


def test_the_everyday_task_set_is_well_formed() -> None:
    examples = read_examples(BASH_EXEC_TASKS)
    assert len(examples) >= 60
    assert all(ex.lang == "bash" and ex.fixture for ex in examples)
    assert {ex.stdout for ex in examples} == {"exact", "unordered", "ignore"}
    lines = [json.loads(line) for line in BASH_EXEC_TASKS.read_text().splitlines()]
    assert len({line["nl"] for line in lines}) == len(lines)


@needs_sandbox
def test_every_reference_matches_itself() -> None:
    """The harness must give the references 100 %: each must finish within the limits and be
    reproducible (no dates, no process ids, no randomness in what it prints or writes)."""
    failures = []
    for example in read_examples(BASH_EXEC_TASKS):
        assert example.fixture is not None
        outcome = execute(example.code, example.code, example.fixture, example.stdout)
        if not outcome.match:
            failures.append((example.id, outcome))
    assert failures == []


@needs_sandbox
def test_records_carry_the_execution_score(tmp_path: Path) -> None:
    example = example_from_json(
        {
            "id": "t",
            "nl": "count ERROR lines",
            "lang": "bash",
            "code": "grep -c ERROR logs/x.log",
            "fixture": FIXTURE,
        }
    )

    class NoDocs:
        def bash(self, name: str) -> None:
            return None

    result = Result(id="t", lang="bash", code="grep ERROR logs/x.log | wc -l", valid=True)
    record = make_record(example, result, 0.1, "s", NoDocs(), execute=True)  # type: ignore[arg-type]
    assert record["scores"]["exec_match"] is True
    assert record["execution"]["stdout_match"] and record["execution"]["files_match"]
    assert "exec_match" not in make_record(example, result, 0.1, "s", NoDocs())["scores"]  # type: ignore[arg-type]
