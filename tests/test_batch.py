from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.batch import MAX_LINE_BYTES, finished_ids, read_requests
from tests.test_cli import run


def items(data: bytes) -> list:
    return list(read_requests(io.BytesIO(data)))


def test_good_lines_become_requests() -> None:
    got = items(b'{"id": "a", "nl": "list files", "lang": "bash"}\n{"id": "b", "nl": "add a user"}\n')
    assert [(i.id, i.nl, i.lang, i.error) for i in got] == [
        ("a", "list files", "bash", None),
        ("b", "add a user", None, None),
    ]


def test_bad_lines_become_error_results_for_their_id() -> None:
    data = b"\n".join(
        [
            b"not json",
            b'{"id": "x", "nl": 5}',
            b'{"id": "y", "nl": "ok", "lang": "cobol"}',
            b"[1, 2]",
            b'{"id": "z", "nl": "\xff\xfe"}',
        ]
    )
    got = items(data)
    assert [i.id for i in got] == ["line-1", "x", "y", "line-4", "line-5"]
    assert all(i.error is not None and i.error.errors[0].tool == "input" for i in got)
    assert "unknown lang 'cobol'" in got[2].error.errors[0].message


def test_huge_line_is_skipped_and_the_next_is_read() -> None:
    data = (
        b'{"id": "big", "nl": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n{"id": "after", "nl": "list files"}\n'
    )
    got = items(data)
    assert got[0].error is not None and "longer than 1 MiB" in got[0].error.errors[0].message
    assert got[1].id == "after" and got[1].error is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_reader_never_raises_on_junk(data: bytes) -> None:
    for item in items(data):
        assert item.error is not None or isinstance(item.nl, str)


def test_finished_ids_cuts_a_torn_last_line(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c", "co')
    assert finished_ids(out) == {"a", "b"}
    assert out.read_text() == '{"id": "a"}\n{"id": "b"}\n'


def test_batch_command_writes_in_order_and_resumes(dslgen_home: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "1", "nl": "find files larger than 100 MB"}\n'
        "garbage\n"
        '{"id": "3", "nl": "solve a system of linear equations", "lang": "fortran"}\n'
    )
    out = tmp_path / "out.jsonl"
    proc = run("batch", str(src), "-o", str(out), home=dslgen_home)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["1", "line-2", "3"]
    assert rows[0]["docs"][0]["name"] == "find" and rows[2]["docs"][0]["name"] == "dgesv"
    assert rows[1]["errors"][0]["tool"] == "input"
    with src.open("a") as fh:
        fh.write('{"id": "4", "nl": "list directory contents"}\n')
    proc = run("batch", str(src), "-o", str(out), "--resume", home=dslgen_home)
    assert proc.returncode == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["1", "line-2", "3", "4"]
    assert "1 results written" in proc.stderr.decode() and "3 already done" in proc.stderr.decode()


def test_batch_missing_input_exits_2(dslgen_home: Path, tmp_path: Path) -> None:
    proc = run("batch", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl"), home=dslgen_home)
    assert proc.returncode == 2 and b"no such file" in proc.stderr and b"Traceback" not in proc.stderr
