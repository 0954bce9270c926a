"""Bash corpus text: tldr example commands (one document per page) and NL2Bash commands, with their
English descriptions as a separate English corpus (requests look like them)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codegen.docs.commands import command_names
from codegen.splits import Split, split_of
from codegen.training.corpus.document import Document
from codegen.training.corpus.errors import CorpusError

TLDR_FILE = "bash/tldr_pages.jsonl.gz"
NL2BASH_FILE = "bash/nl2bash.jsonl.gz"


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        raise CorpusError(f"{path} is missing: pass --data-dir pointing at the shared data directory")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def command_split(cmd: str) -> Split:
    """Held out when any command it runs is a held-out command name (dev before test)."""
    splits = {split_of(name) for name in command_names(cmd)}
    return "dev" if "dev" in splits else "test" if "test" in splits else "train"


def tldr_documents(data_dir: Path) -> Iterator[Document]:
    for page in _rows(data_dir / TLDR_FILE):
        split = split_of(page["page"])
        commands = "\n".join(example["cmd"] for example in page["examples"])
        if commands.strip():
            yield Document("bash", f"tldr:{page['id']}", commands + "\n", split, "tldr")
        english = [page.get("description") or "", *(example["nl"] for example in page["examples"])]
        yield Document(
            "english", f"tldr-nl:{page['id']}", "\n".join(e for e in english if e) + "\n", split, "tldr"
        )


def nl2bash_documents(data_dir: Path) -> Iterator[Document]:
    for row in _rows(data_dir / NL2BASH_FILE):
        split = command_split(row["cmd"])
        yield Document("bash", row["id"], row["cmd"] + "\n", split, "nl2bash")
        yield Document("english", f"{row['id']}:nl", row["nl"] + "\n", split, "nl2bash")
