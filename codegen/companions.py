"""The everyday commands a Bash line combines with what retrieval found: those it pipes into or runs
from another (allowed in every Bash grammar), and those a pipeline stage after the first is written
with (its retrieval chooses among them). Both resolve to index positions the same way."""

from __future__ import annotations

from collections.abc import Iterable

from codegen.docs.index import DocIndex

# Commands a Bash line pipes into or runs from another (`| xargs rm`, `| sort | uniq`, `-exec grep`),
# allowed in every Bash grammar after the leading command: with only the retrieved commands allowed,
# a model that wanted `| xargs` ran on into junk (`| xargsstat1000=…`). The most frequent such
# commands of NL2Bash (RESULTS.md, "Pipeline companions").
PIPELINE_COMPANIONS = (
    "xargs", "grep", "egrep", "sort", "uniq", "wc", "head", "tail", "cut", "awk", "sed", "tr", "cat",
    "sh", "bash", "rm", "echo", "ls", "mv", "cp", "chmod", "chown", "basename", "dirname", "tee",
)  # fmt: skip
# What a pipeline stage after the first is written with: commands that read the previous stage's
# output on their standard input ("list files | sort by size", "| count", "| filter for error"). Step
# phrases are short and everyday: ranked among all commands they went to specialised pages sharing a
# word (`count` -> osmium-tags-count, `filter for python` -> xq-python, `remove duplicate lines` ->
# fclones; benchmarks/multistep.py). NL2Bash's most frequent stages after `|` (xargs, grep, head,
# sed, egrep, column, paste, md5sum, uniq, nl, tac, fold, cat, tail, awk, rev, cut: 80 % of its stages
# apart from the evaluation's held-out sort and wc) and the other filters of coreutils, plus jq.
PIPE_STAGE_COMMANDS = (
    "xargs", "grep", "egrep", "head", "tail", "sed", "awk", "cut", "tr", "sort", "uniq", "wc", "tee",
    "cat", "tac", "rev", "nl", "column", "paste", "fold", "md5sum", "less", "more", "jq", "bash", "sh",
)  # fmt: skip
# Commands documented under another program's page: Debian's awk is mawk, its sh is dash (both pages
# list the name among their aliases, which the grammar writes).
COMMAND_PAGES = {"awk": "mawk", "sh": "dash"}


def command_positions(index: DocIndex, names: Iterable[str]) -> list[int]:
    """Index positions of the Bash pages of `names`, in order; a command without a page is left out."""
    found = (index.position("bash", COMMAND_PAGES.get(name, name)) for name in names)
    return [p for p in found if p is not None]
