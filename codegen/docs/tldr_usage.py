"""What a tldr page's examples show about its command: the words that invoke it and the flags they use.

A page without a man page (`aws-s3-sync`, `pacman-remove`) is still documentation: its examples run
`aws s3 sync …` or `pacman -R …`. The invocation becomes the record's alias, so a grammar built from
the record writes the command users run rather than the page's name, and the flags become the
record's options (the `schema["options"]` shape of codegen.docs.flags), each spelled as the examples
spell it: a cluster such as `-Rs` stays one word, `--opt=value` and `-j{{4}}` take attached values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from codegen.docs.flags import Flag
from codegen.docs.record import DocRecord, Example

RUNNERS = frozenset({"sudo", "doas"})
# a tldr example's words: placeholders (which may hold spaces), quoted strings, plain words
_WORD = re.compile(r"""(?:\{\{.*?\}\}|'[^']*'|"[^"]*"|[^\s'"{])+|\{""")
_PLACEHOLDER_FLAGS = re.compile(r"^\{\{\[(-[^|\]\s]+(?:\|-[^|\]\s]+)+)\]\}\}(=.*)?$")
_FLAG = re.compile(r"^(--?[A-Za-z0-9?@#][A-Za-z0-9_.?@#-]*)(.*)$")
_COMMAND_END = frozenset({"|", "||", "&&", ";", "&", "|&"})


def _words(code: str) -> list[str]:
    words = _WORD.findall(code.split("\n", 1)[0])
    while words and words[0] in RUNNERS:
        words = words[1:]
    return words


def program(record: DocRecord) -> str:
    """The program a Bash document belongs to, as tldr's command accuracy reads a command (its first
    word): `git` for the git-commit page (its spaced alias `git commit`), else the program most of its
    examples run (`pacman` for the tldr page pacman-remove), else the document's own name."""
    if record.dsl != "bash":
        return record.name
    spaced = [a for a in record.aliases if " " in a]
    if spaced:
        return spaced[0].split()[0]
    firsts = Counter(words[0] for words in (_words(e.code) for e in record.examples) if words)
    programs = Counter({w: c for w, c in firsts.items() if "{{" not in w})
    return programs.most_common(1)[0][0] if programs else record.name


def invocation(page: str, examples: Iterable[Example]) -> str:
    """The command words most of the page's examples start with, as far as they spell the page name
    (`aws s3 sync` for aws-s3-sync, `pacman` for pacman-remove); "" when no example runs it."""
    parts = page.split("-")
    counts: Counter[str] = Counter()
    for ex in examples:
        words = _words(ex.code)
        if words and words[0] == page:
            counts[page] += 1
            continue
        k = 0
        while k < min(len(parts), len(words)) and words[k] == parts[k]:
            k += 1
        if k:
            counts[" ".join(parts[:k])] += 1
    return counts.most_common(1)[0][0] if counts else ""


def _spellings(word: str) -> list[tuple[str, str | None]]:
    """(flag name, separator of an attached value or None) for one argument word."""
    m = _PLACEHOLDER_FLAGS.match(word)
    if m:
        sep = "=" if m.group(2) else None
        return [(name, sep) for name in m.group(1).split("|")]
    m = _FLAG.match(word)
    if not m or word[1:2].isdigit():
        return []
    name, rest = m.groups()
    if rest.startswith("="):
        return [(name, "=")]
    if rest.startswith("{{") and not name.startswith("--"):
        return [(name[:2], "")] if len(name) == 2 else [(name, "")]
    return [(name, None)] if not rest else []


def example_flags(command: str, examples: Iterable[Example]) -> list[Flag]:
    """The flags the examples that run `command` pass it, one entry per name, in first-seen order;
    a flag shown with an attached value takes one (with the separators seen)."""
    head = command.split()
    flags: dict[str, Flag] = {}
    for ex in examples:
        words = _words(ex.code)
        if words[: len(head)] != head:
            continue
        for word in words[len(head) :]:
            if word in _COMMAND_END or word == "--" or word.startswith((">", "<", "2>", "&>")):
                break  # the command ends, or only operands follow
            for name, sep in _spellings(word):
                flag = flags.setdefault(
                    name,
                    {
                        "flags": [name],
                        "arg": None,
                        "arg_optional": False,
                        "separators": [],
                        "description": ex.nl,
                    },
                )
                if sep is not None:
                    flag["arg"] = flag["arg"] or "value"
                    if sep not in flag["separators"]:
                        flag["separators"].append(sep)
    for flag in flags.values():
        if flag["arg"] is None:
            flag["separators"] = [" "]
        else:
            flag["arg_optional"] = True  # the examples may also show it alone
    return list(flags.values())
