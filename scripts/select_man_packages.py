"""Choose the Debian packages whose man pages document the commands of the tldr pages.

    apt-get install -y apt-file && apt-file update
    python scripts/select_man_packages.py ../shared/data/bash/tldr_pages.jsonl.gz > codegen/docs/data/debian-manpages.txt

A command counts as documented when a man page named after the tldr page or after the command its
examples run (`cargo build` -> cargo) is already on this machine; otherwise the package providing it
is listed (the one named like the command when several do, else the alphabetically first).
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

MAN_FILE = re.compile(r"\.[168][a-z0-9]*(\.gz)?$")


def example_command(cmd: str) -> str:
    words = [w for w in cmd.split() if w not in ("sudo", "doas")]
    return words[0] if words else ""


def gold_commands(pages: list[dict]) -> dict[str, set[str]]:
    by_page: dict[str, Counter] = defaultdict(Counter)
    for page in pages:
        for ex in page["examples"]:
            by_page[page["page"]][example_command(ex["cmd"])] += 1
    return {name: {name, *[c for c, _ in counts.most_common(1)]} for name, counts in by_page.items()}


def main(tldr: str) -> None:
    with gzip.open(tldr, "rt", encoding="utf-8") as fh:
        pages = [json.loads(line) for line in fh]
    gold = gold_commands(pages)
    local = {
        MAN_FILE.sub("", p.name)
        for s in ("man1", "man6", "man8")
        for p in Path("/usr/share/man", s).glob("*")
    }
    listing = subprocess.run(
        ["apt-file", "search", "-x", r"^/usr/share/man/man[168]/[^/]+$"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    providers: dict[str, set[str]] = defaultdict(set)
    for line in listing.splitlines():
        pkgs, path = line.strip().split(": ", 1)
        for pkg in pkgs.split(", "):
            providers[MAN_FILE.sub("", Path(path).name)].add(pkg)
    chosen: set[str] = set()
    for commands in gold.values():
        if commands & local:
            continue
        for command in sorted(commands):
            if command in providers:
                cands = providers[command]
                chosen.add(command if command in cands else min(cands))
                break
    print("# Debian packages whose man pages document tldr commands; made by scripts/select_man_packages.py")
    print("\n".join(sorted(chosen)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/bash/tldr_pages.jsonl.gz")
