"""The evaluation runner, report writer, suites and the `eval` command, on the small test index."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.docs.index import DocIndex
from codegen.errors import InputError
from codegen.evaluation.cli import app
from codegen.evaluation.data import EvalExample, read_examples
from codegen.evaluation.metrics.fortran import ExecTest
from codegen.evaluation.report import write_report, write_system_meta
from codegen.evaluation.runner import read_records, records_path, run_system
from codegen.evaluation.scoring import Documentation
from codegen.evaluation.suites import ansible_dev, bash_dev, fortran_dev, sample
from codegen.pipeline import Generator
from codegen.result import Result
from codegen.retrieval import Retriever

EXAMPLES = [
    EvalExample("bash-1", "compress a directory", "bash", "tar -czf {{archive.tar.gz}} {{path}}"),
    EvalExample("bash-2", "find log files", "bash", "find {{path}} -name '*.log'"),
    EvalExample(
        "ansible-1",
        "Install apache httpd",
        "ansible",
        "- name: Install apache httpd\n  ansible.builtin.apt:\n    name: apache2\n",
    ),
    EvalExample(
        "fortran-1",
        "print the sum of 1 to 10",
        "fortran",
        "integer :: i, s\ns = 0\ndo i = 1, 10\n  s = s + i\nend do\nprint *, s",
        (ExecTest("", "55"),),
    ),
]
# what a system answered: the tldr-style Bash, a short-form Ansible task, a working Fortran fragment
ANSWERS = {
    "bash-1": "tar -czqf {{archive.tar.gz}} {{path}}",  # -q is not a documented tar flag
    "bash-2": "find {{path}} -name '*.log'",
    "ansible-1": "- apt: name=apache2",
    "fortran-1": "print *, sum([(i, i = 1, 10)])\nend",
}


class Answering:
    """A system that returns the prepared answers, counting its calls."""

    def __init__(self, answers: dict[str, str], fail_after: int | None = None) -> None:
        self.answers = answers
        self.calls = 0
        self.fail_after = fail_after

    def __call__(self, example: EvalExample) -> Result:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise KeyboardInterrupt
        self.calls += 1
        return Result(
            id=example.id, lang=example.lang, code=self.answers[example.id], valid=True, seconds=0.01
        )


def test_records_summary_report_and_plots(small_index: DocIndex, tmp_path: Path) -> None:
    stats = run_system(EXAMPLES, Answering(ANSWERS), tmp_path, "answers", Documentation(small_index))
    assert (stats.written, stats.skipped) == (4, 0)
    records = {r["id"]: r for r in read_records(records_path(tmp_path, "answers"))}
    assert records["bash-1"]["scores"]["flags_hallucinated"] == ["-q"]
    assert records["bash-2"]["scores"]["exact_match"] == 1.0
    assert records["ansible-1"]["scores"]["module_match"] == 1.0
    assert records["fortran-1"]["scores"]["passed"] is True

    summary = write_report(tmp_path)["systems"]["answers"]["languages"]
    assert summary["bash"]["exact_match"] == 0.5
    assert summary["bash"]["flag_hallucination_rate"] == pytest.approx(1 / 5)  # -c -z -q -f, -name
    assert summary["ansible"]["ansible_aware"] == 1.0
    assert summary["fortran"]["pass_at_1"] == 1.0
    assert 0.0 < summary["bash"]["codebleu"] <= 1.0
    for name in (
        "summary.json",
        "report.md",
        "metrics_bash.png",
        "metrics_ansible.png",
        "metrics_fortran.png",
        "latency.png",
    ):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (tmp_path / "report.md").read_text()
    assert "| answers | 2 | 100.0 | 50.0 |" in report  # bash: n, CMD, EM


def test_an_interrupted_run_resumes_where_it_stopped(small_index: DocIndex, tmp_path: Path) -> None:
    docs = Documentation(small_index)
    with pytest.raises(KeyboardInterrupt):
        run_system(EXAMPLES, Answering(ANSWERS, fail_after=2), tmp_path, "s", docs)
    path = records_path(tmp_path, "s")
    with open(path, "a") as fh:
        fh.write('{"id": "torn')  # killed in the middle of a line
    second = Answering(ANSWERS)
    stats = run_system(EXAMPLES, second, tmp_path, "s", docs)
    assert (stats.skipped, stats.written, second.calls) == (2, 2, 2)
    assert [r["id"] for r in read_records(path)] == [ex.id for ex in EXAMPLES]


def test_retrieval_only_results_score_as_empty_predictions(small_index: DocIndex, tmp_path: Path) -> None:
    generator = Generator(small_index, Retriever(small_index))
    run_system(
        EXAMPLES,
        lambda ex: generator.generate(ex.nl, ex.lang, id=ex.id),
        tmp_path,
        "retrieval",
        Documentation(small_index),
    )
    summary = write_report(tmp_path)["systems"]["retrieval"]["languages"]
    assert summary["bash"]["empty_rate"] == 1.0
    assert (
        summary["bash"]["exact_match"],
        summary["bash"]["command_accuracy"],
        summary["bash"]["char_bleu"],
    ) == (0, 0, 0)
    assert summary["bash"]["bash_n_error_rate"] == 1.0
    assert summary["bash"]["flag_hallucination_rate"] is None  # no flags were predicted
    assert summary["ansible"]["yaml_parse_rate"] == 0.0
    assert summary["fortran"]["compile_rate"] == 0.0 and summary["fortran"]["pass_at_1"] == 0.0


def test_systems_appear_side_by_side(small_index: DocIndex, tmp_path: Path) -> None:
    docs = Documentation(small_index)
    run_system(EXAMPLES[:2], Answering(ANSWERS), tmp_path, "one", docs)
    run_system(EXAMPLES[:2], Answering({k: "" for k in ANSWERS}), tmp_path, "two", docs)
    summary = write_report(tmp_path)
    assert list(summary["systems"]) == ["one", "two"]
    report = (tmp_path / "report.md").read_text()
    assert "| one | 2 |" in report and "| two | 2 |" in report


def test_bad_system_names_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        records_path(tmp_path, "../escape")


def test_read_examples_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(
        json.dumps(EXAMPLES[0].to_json())
        + "\n"
        + json.dumps({"id": "x", "nl": "y", "lang": "cobol", "code": ""})
        + "\n"
    )
    with pytest.raises(InputError, match=r"data.jsonl:2: unknown lang"):
        read_examples(path)
    path.write_text(json.dumps(EXAMPLES[3].to_json()) + "\n")
    assert read_examples(path) == [EXAMPLES[3]]


def test_suites(small_index: DocIndex, tmp_path: Path) -> None:
    pages = tmp_path / "pages.jsonl.gz"
    with gzip.open(pages, "wt") as fh:
        for page, alias in (("tar", False), ("ls", False), ("vi", True)):
            fh.write(
                json.dumps(
                    {
                        "id": f"common/{page}",
                        "page": page,
                        "is_alias_page": alias,
                        "examples": [{"nl": "do it", "cmd": f"{page} {{{{x}}}}"}],
                    }
                )
                + "\n"
            )
    split = tmp_path / "bash_dev.txt"
    split.write_text("# header\ntar\nvi\n")
    assert [ex.id for ex in bash_dev(pages, split)] == ["common/tar#0"]  # alias pages are left out

    modules = tmp_path / "ansible_dev.txt"
    modules.write_text("ansible.builtin.user\n")
    examples = ansible_dev(small_index, modules, source="jsonl")
    assert [ex.id for ex in examples] == ["ansible.builtin.user#0"]
    assert "ansible.builtin.user:" in examples[0].code

    with pytest.raises(InputError, match="does not exist yet"):
        fortran_dev(tmp_path / "missing.jsonl")


def test_sample_is_a_stable_spread_subset() -> None:
    many = [EvalExample(f"id-{i}", "x", "bash", "ls") for i in range(100)]
    picked = sample(many, 10)
    assert len(picked) == 10 and picked == sample(list(many), 10)
    assert picked != many[:10]
    assert [int(ex.id[3:]) for ex in picked] == sorted(int(ex.id[3:]) for ex in picked)
    assert sample(many, None) == many


def test_eval_command(dslgen_home: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(ex.to_json()) + "\n" for ex in EXAMPLES[:3]))
    out = tmp_path / "eval"
    result = CliRunner().invoke(app, ["--data", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bash"]["n"] == 2
    assert len(read_records(records_path(out, "dslgen"))) == 3
    meta = json.loads((out / "systems" / "dslgen.json").read_text())
    assert (meta["constrained"], meta["examples"]) == (True, 3)
    assert (out / "report.md").is_file()


def test_eval_command_without_dense_retrieval_is_its_own_system(dslgen_home: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(EXAMPLES[0].to_json()) + "\n")
    out = tmp_path / "eval"
    result = CliRunner().invoke(app, ["--data", str(data), "--no-dense", "-o", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "systems" / "dslgen-no-dense.json").read_text())
    assert meta["dense_retrieval"] is False
    chat = ["--model", str(tmp_path), "--no-perplexity", "--plain-chat"]
    refused = CliRunner().invoke(app, ["--data", str(data), *chat, "--no-dense", "-o", str(out)])
    assert isinstance(refused.exception, InputError) and "no retrieval" in str(refused.exception)


def test_eval_command_needs_exactly_one_source(dslgen_home: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["-o", str(tmp_path)])
    assert isinstance(result.exception, InputError)


def test_lm_scores_of_a_system_appear_in_the_report(small_index: DocIndex, tmp_path: Path) -> None:
    run_system(EXAMPLES[:2], Answering(ANSWERS), tmp_path, "lm", Documentation(small_index))
    lm = {"bits_per_byte": 1.25, "lexeme_perplexity": 12345.678, "tokens": 40}
    write_system_meta(tmp_path, "lm", {"model": "m", "constrained": True, "data": "d", "lm": {"bash": lm}})
    write_report(tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "| lm | m | True | d | 2 |" in report
    assert "| lm | 1.250 | 1.235e+04 | 40 |" in report
