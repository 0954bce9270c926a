"""Copy the NL2Bash training pairs whose commands are all training commands into the package.

    python scripts/vendor_nl2bash.py ../shared/data/bash/nl2bash.jsonl.gz

The phrasing classifier (codegen/langid.py) learns from them how people ask for shell commands; a pair
that runs any held-out (dev/test) command is left out (codegen.training.corpus.shell.command_split), so held-out
commands get no help from their own requests, and so is every pair outside NL2Bash's training split
(`split_rerun`), since its dev split measures everyday requests. The retriever's example memory reads
the same pairs. NL2Bash is MIT-licensed; the notice is shipped next to
the data file.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from codegen.langid import NL2BASH_FILE
from codegen.paths import package_data
from codegen.training.corpus.shell import command_split

KEEP = ("id", "nl", "cmd")
NOTICE = """\
The requests in `{data}` are from the NL2Bash data set (https://github.com/TellinaTool/nl2bash,
data/bash/all.nl and all.cm), restricted to pairs of its training split (`split_rerun`) whose commands
are all in dslgen's training split.

{licence}"""


def main(src: str) -> None:
    out = package_data(NL2BASH_FILE)
    kept = dropped = 0
    lines = []
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["split_rerun"] != "train" or command_split(row["cmd"]) != "train":
                dropped += 1
                continue
            kept += 1
            lines.append(json.dumps({k: row[k] for k in KEEP}, ensure_ascii=False))
    # mtime=0 keeps the file byte-identical across runs
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))
    licence = Path(src).parent.parent / "LICENSES" / "nl2bash-data-MIT.txt"
    package_data("NL2BASH-NOTICE.md").write_text(
        NOTICE.format(data=NL2BASH_FILE, licence=licence.read_text().strip() + "\n")
    )
    print(f"kept {kept} pairs, left out {dropped} (held-out commands, or outside the training split) -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/bash/nl2bash.jsonl.gz")
