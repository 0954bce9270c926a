"""Copy NL2Bash's training pairs into the package: those whose commands are all training commands, and
apart from them those that run a held-out command (the product index's example memory only,
codegen/docs/profile.py).

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

from codegen.langid import NL2BASH_FILE, NL2BASH_HELD_OUT_FILE
from codegen.paths import package_data
from codegen.training.corpus.shell import command_split

KEEP = ("id", "nl", "cmd")
NOTICE = """\
The requests in `{data}` and `{held_out}` are from the NL2Bash data set (https://github.com/TellinaTool/nl2bash,
data/bash/all.nl and all.cm), restricted to pairs of its training split (`split_rerun`): in `{data}` those whose commands are all
in dslgen's training split, in `{held_out}` those that run a command dslgen's evaluation holds out
(used by the product index only).

{licence}"""


def main(src: str) -> None:
    out = package_data(NL2BASH_FILE)
    dropped = 0
    lines: dict[bool, list[str]] = {True: [], False: []}  # held-out command -> pairs
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["split_rerun"] != "train":
                dropped += 1
                continue
            held_out = command_split(row["cmd"]) != "train"
            lines[held_out].append(json.dumps({k: row[k] for k in KEEP}, ensure_ascii=False))
    for held_out, path in ((False, out), (True, package_data(NL2BASH_HELD_OUT_FILE))):
        # mtime=0 keeps the file byte-identical across runs
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(("\n".join(lines[held_out]) + "\n").encode("utf-8"))
    kept = len(lines[False])
    licence = Path(src).parent.parent / "LICENSES" / "nl2bash-data-MIT.txt"
    package_data("NL2BASH-NOTICE.md").write_text(
        NOTICE.format(
            data=NL2BASH_FILE, held_out=NL2BASH_HELD_OUT_FILE, licence=licence.read_text().strip() + "\n"
        )
    )
    print(
        f"kept {kept} pairs -> {out}, {len(lines[True])} of held-out commands -> {NL2BASH_HELD_OUT_FILE}, "
        f"left out {dropped} outside the training split"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/bash/nl2bash.jsonl.gz")
