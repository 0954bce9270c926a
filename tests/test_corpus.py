"""Corpus builders: storage, de-duplication, sdist reading, Bash command splits."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from codegen.splits import split_of
from codegen.training.corpus.dedup import deduplicate
from codegen.training.corpus.document import Document, read_documents, write_documents
from codegen.training.corpus.sdists import Sdist, fetch, licence, source_files
from codegen.training.corpus.shell import command_names, command_split

FIXTURES = Path(__file__).parent / "fixtures" / "tokenization"


def _doc(doc_id: str, text: str, split: str = "train", lang: str = "fortran") -> Document:
    return Document(lang, doc_id, text, split, "test")  # type: ignore[arg-type]


def test_documents_round_trip_through_storage(tmp_path: Path) -> None:
    docs = [_doc("a", "x = 1\n"), _doc("b", "ünïcode ✓\n", "dev", "english")]
    path = tmp_path / "docs.jsonl.gz"
    assert write_documents(path, docs) == 2
    assert list(read_documents(path)) == docs


def test_exact_and_near_duplicates_are_dropped_and_held_out_copies_win() -> None:
    program = (FIXTURES / "heat_mpi_omp.f90").read_text()
    near = program.replace("steps = 200", "steps = 300")
    docs = [
        _doc("train-copy", program),
        _doc("held-out", program, "dev"),
        _doc("whitespace-copy", program.replace("\n", "\n ")),
        _doc("near-copy", near),
        _doc("other", (FIXTURES / "daxpy_fixed.f").read_text()),
        _doc("short-1", "ls -l\n", lang="bash"),
        _doc("short-2", "ls -la\n", lang="bash"),
    ]
    kept, report = deduplicate(docs)
    assert [d.id for d in kept] == ["held-out", "other", "short-1", "short-2"]
    assert report.exact == 2 and report.near == 1


def _sdist(tmp_path: Path) -> Path:
    archive = tmp_path / "demo-1.0.tar.gz"
    files = {
        "demo-1.0/PKG-INFO": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nLicense-Expression: BSD-3-Clause\n",
        "demo-1.0/LICENSE.txt": b"BSD",
        "demo-1.0/src/heat.f90": (FIXTURES / "heat_mpi_omp.f90").read_bytes(),
        "demo-1.0/src/old.f": "C     LATIN-1 COMMENT: caf\xe9\n      END\n".encode("latin-1"),
        "demo-1.0/tools/job.sh": (FIXTURES / "job.sh").read_bytes(),
        "demo-1.0/setup.py": b"print('not a source')\n",
    }
    with tarfile.open(archive, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return archive


def test_sdist_sources_licence_and_cached_fetch(tmp_path: Path) -> None:
    archive = _sdist(tmp_path)
    found = {f.path: f for f in source_files(archive)}
    assert sorted(found) == ["src/heat.f90", "src/old.f", "tools/job.sh"]
    assert found["src/old.f"].text.startswith("C     LATIN-1 COMMENT: café")
    assert found["tools/job.sh"].kind == "bash"
    assert licence(archive) == {"declared": "BSD-3-Clause", "licence_files": ["LICENSE.txt"]}
    # an archive already in the cache is used as it is: no pip call
    assert fetch(Sdist("demo", "1.0"), tmp_path) == archive


def test_bash_commands_are_split_by_the_commands_they_run() -> None:
    assert command_names("sudo find . -name '*.log' | xargs rm -f") == ["sudo", "find", "xargs", "rm"]
    held = next(
        name
        for name in ("tar", "ls", "grep", "sed", "awk", "curl", "git", "cut", "du", "df")
        if split_of(name) != "train"
    )
    assert command_split(f"ls -l | {held} x") == split_of(held)
    assert command_split("echo hi") == split_of("echo")
