"""Shared fixtures: a small documentation index built from hand-checked records."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from codegen.docs.index import DocIndex, IndexConfig, build_index, index_root, open_index
from codegen.docs.profile import PRODUCT, PROFILE_ENV, PROFILES
from codegen.docs.record import DocRecord
from codegen.docs.source import Unit
from codegen.extras import missing
from codegen.torch_compat import load_torch_dynamo

FIXTURES = Path(__file__).parent / "fixtures"

load_torch_dynamo()  # tests mix ansible and torch in one process (see codegen/torch_compat.py)
# tests never load the shipped default model (slow, and its outputs change with each training run):
# without --model they run retrieval only, here and in the CLI subprocesses that inherit this
os.environ["DSLGEN_MODEL"] = "none"
# nor the user's cache: fixture indexes read no fetched examples (codegen/docs/exemplars.py), and
# commands build into a throwaway home; the slow tests use the installed index on purpose
if not os.environ.get("DSLGEN_SLOW_TESTS"):
    os.environ["DSLGEN_HOME"] = tempfile.mkdtemp(prefix="dslgen-test-home-")

# Modules that import the training stack (the `train` extra: torch, transformers, datasketch). On a
# serving install they are not collected and the header says so; CI installs the extra and runs them.
TRAINING_STACK = ("torch", "transformers", "datasketch")
TRAINING_STACK_TESTS = [
    "test_corpus.py",
    "test_decoding.py",
    "test_metrics_lm.py",
    "test_numpy_llama.py",
    "test_plain_chat.py",
    "test_tokenization_train.py",
    "test_train.py",
]
collect_ignore = TRAINING_STACK_TESTS if missing(*TRAINING_STACK) else []


def pytest_report_header() -> str | None:
    absent = missing(*TRAINING_STACK)
    if not absent:
        return None
    return (
        f"no {', '.join(absent)}: {len(TRAINING_STACK_TESTS)} test modules and the tests of the tiny "
        "random model are skipped (install the training stack: bash scripts/install.sh --train)"
    )


class JsonlRecordSource:
    """Records stored one per line: each line is a unit, so editing a line re-parses only it."""

    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.loads = 0

    def units(self) -> Iterable[Unit]:
        for line in self.path.read_text().splitlines():
            data = json.loads(line)
            yield Unit(f"{data['dsl']}:{data['name']}", hashlib.sha256(line.encode()).hexdigest())

    def load(self, unit: Unit) -> list[DocRecord]:
        self.loads += 1
        for line in self.path.read_text().splitlines():
            data = json.loads(line)
            if f"{data['dsl']}:{data['name']}" == unit.id:
                return [DocRecord.from_json(data)]
        return []


@pytest.fixture(autouse=True)
def product_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts on the product index; a command that switches to the evaluation index (as
    `dslgen eval` does for its process) does not leak into the next test."""
    monkeypatch.setenv(PROFILE_ENV, PRODUCT)


@pytest.fixture(autouse=True)
def small_example_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexes that tests build through `ensure_index` hold the fixture documents' own examples, not
    the 8,000 shipped NL2Bash pairs: embedding those would cost each such build a minute."""
    from codegen.docs import registry
    from codegen.docs.exemplars import document_exemplars

    monkeypatch.setattr(registry, "default_exemplars", document_exemplars)


@pytest.fixture
def records_file(tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    path.write_text((FIXTURES / "index" / "records.jsonl").read_text())
    return path


@pytest.fixture
def small_index(tmp_path: Path, records_file: Path) -> DocIndex:
    root = tmp_path / "index"
    build_index([JsonlRecordSource(records_file)], root, workers=1)
    index = open_index(root)
    assert index is not None
    return index


@pytest.fixture
def dslgen_home(tmp_path: Path, records_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$DSLGEN_HOME holding a fresh small index whose stamp matches this machine, so commands use it
    instead of building the full one."""
    from codegen.docs.registry import current_stamp

    home = tmp_path / "home"
    monkeypatch.setenv("DSLGEN_HOME", str(home))
    # both profiles: `dslgen eval` and `dslgen train` open the evaluation index (codegen/docs/profile.py)
    for profile in PROFILES:
        monkeypatch.setenv(PROFILE_ENV, profile)
        build_index(
            [JsonlRecordSource(records_file)], index_root(), stamp=current_stamp(IndexConfig()), workers=1
        )
    monkeypatch.setenv(PROFILE_ENV, PRODUCT)
    return home


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised Llama with a byte-level BPE trained on the fixture records: a stand-in
    for the default model that loads like any Hugging Face directory."""
    pytest.importorskip("transformers", reason="the tiny model is made with the `train` extra")
    from tests.tiny_lm import random_llama, train_bpe

    texts = []
    for line in (FIXTURES / "index" / "records.jsonl").read_text().splitlines():
        data = json.loads(line)
        texts += [data["summary"], data["text"], *(e["code"] for e in data.get("examples", []))]
    tokenizer = train_bpe(texts * 4, 400)
    model = random_llama(len(tokenizer), hidden=32, layers=1)
    path = tmp_path_factory.mktemp("tiny-model")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
