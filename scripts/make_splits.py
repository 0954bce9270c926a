"""Write the dev/test id lists of benchmarks/splits/ (the split itself is `codegen.splits.split_of`).

    python scripts/make_splits.py [../shared/data/bash/tldr_pages.jsonl.gz]

Bash: tldr page names (command-disjoint). Ansible: module FQCNs of the installed ansible/ansible-core
(module-disjoint); the versions used are written in the header so the lists can be re-made.
"""

from __future__ import annotations

import gzip
import json
import sys
from importlib import metadata
from pathlib import Path

from codegen.docs.ansible import installed_module_names
from codegen.splits import DEV_SHARE, SALT, TEST_SHARE, split_of

OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "splits"


def write(name: str, ids: list[str], origin: str) -> None:
    header = (
        f"# {name}: {len(ids)} ids; split_of(name) with salt {SALT!r}, dev {DEV_SHARE}/1000, test {TEST_SHARE}/1000"
        f"\n# from {origin}\n"
    )
    (OUT / f"{name}.txt").write_text(header + "\n".join(ids) + "\n")


def main(tldr: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with gzip.open(tldr, "rt", encoding="utf-8") as fh:
        pages = sorted({json.loads(line)["page"] for line in fh})
    modules = sorted(installed_module_names())
    ansible = f"ansible {metadata.version('ansible')}, ansible-core {metadata.version('ansible-core')}"
    for split in ("dev", "test"):
        write(f"bash_{split}", [p for p in pages if split_of(p) == split], "tldr pages (shared/data/bash)")
        write(f"ansible_{split}", [m for m in modules if split_of(m) == split], ansible)
    for kind, names in (("bash", pages), ("ansible", modules)):
        counts = {s: sum(1 for n in names if split_of(n) == s) for s in ("train", "dev", "test")}
        print(kind, counts)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/bash/tldr_pages.jsonl.gz")
