"""One unit of corpus text (a source file, a tldr page's commands, a module's EXAMPLES) and its storage."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from codegen.atomic import atomic_write_bytes
from codegen.splits import Split

# The tokenizer's languages: the three DSLs plus the English of requests and documentation.
Lang = Literal["ansible", "bash", "fortran", "english"]
LANGS: tuple[Lang, ...] = ("ansible", "bash", "fortran", "english")


@dataclass(frozen=True, slots=True)
class Document:
    lang: Lang
    id: str  # stable and unique within the corpus, e.g. "pypi:scipy==1.2.3/scipy/odr/odrpack/d_odr.f"
    text: str
    split: Split  # from codegen.splits: held-out names never reach training text
    source: str  # where it came from: "tldr", "nl2bash", "ansible:community.general", "pypi:scipy==1.2.3"


def write_documents(path: Path, documents: Iterable[Document]) -> int:
    lines = [json.dumps(asdict(doc), ensure_ascii=False) for doc in documents]
    atomic_write_bytes(path, gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    return len(lines)


def read_documents(path: Path) -> Iterator[Document]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield Document(**json.loads(line))
