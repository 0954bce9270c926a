"""Copy the tldr pages of training commands into the package (held-out pages are left out).

    python scripts/vendor_tldr.py ../shared/data/bash/tldr_pages.jsonl.gz

The tldr pages are CC-BY-4.0 (credit: the tldr-pages team and contributors); the notice is shipped
next to the data file.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from codegen.paths import package_data
from codegen.splits import held_out

KEEP = ("id", "platform", "page", "description", "examples")


def main(src: str) -> None:
    out = package_data("tldr-pages.jsonl.gz")
    kept = dropped = 0
    lines = []
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        for line in fh:
            page = json.loads(line)
            if held_out(page["page"]):
                dropped += 1
                continue
            kept += 1
            lines.append(json.dumps({k: page[k] for k in KEEP}, ensure_ascii=False))
    # mtime=0 keeps the file byte-identical across runs
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))
    notice = Path(src).parent.parent / "LICENSES" / "tldr-pages-CC-BY-4.0-notice.md"
    if notice.exists():
        package_data("TLDR-NOTICE.md").write_text(notice.read_text())
    print(f"kept {kept} pages, left out {dropped} held-out pages -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/bash/tldr_pages.jsonl.gz")
