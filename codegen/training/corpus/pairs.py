"""NL→code pairs for fine-tuning: a request, the code that answers it, and the library it uses.

`library` names the documentation record (Ansible module FQCN, Bash command, Fortran routine) the code
is an example of; the split follows that name (codegen.splits), so a held-out library never teaches
the model, and the fine-tuning prompt is built from what retrieval returns for `nl`, as at inference.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from codegen.atomic import atomic_write_bytes
from codegen.splits import Split


@dataclass(frozen=True, slots=True)
class Pair:
    id: str  # unique within a pair corpus, e.g. "tldr:common/tar#0", "fortran-doc:dgesv#call"
    lang: str  # ansible | bash | fortran
    nl: str
    code: str
    split: Split
    source: str  # "tldr", "nl2bash", "ansible:community.general==9.1.0", "fortran-doc:lapack", ...
    library: str


def write_pairs(path: Path, pairs: Iterable[Pair]) -> int:
    lines = [json.dumps(asdict(p), ensure_ascii=False) for p in pairs]
    atomic_write_bytes(path, gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    return len(lines)


def read_pairs(path: Path) -> Iterator[Pair]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield Pair(**json.loads(line))
