"""Fixed-form (FORTRAN 77) source → free form that tree-sitter-fortran parses, with an offset map back.

Column-1 comment markers (C, c, *) become `!`; a continuation mark in column 6 becomes `&` and the line
it continues gets a trailing ` &`. Only inserted characters lack an original offset, so lexeme
boundaries found in the free-form text map back to the original exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIXED_SUFFIXES = frozenset({".f", ".for", ".f77", ".ftn"})
# comment lines (C/c/* then a space, a rule character or nothing) or a continuation mark that is not a
# letter in column 6 (free-form code indented by five spaces starts with a letter there)
_FIXED_HINT = re.compile(r"^(?:[Cc*](?:[ \t*=\-+.#!]|$)|[ \d]{5}[^\sA-Za-z0])", re.MULTILINE)
_FREE_HINT = re.compile(r"&[ \t]*(?:![^\n]*)?$|::", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class FreeForm:
    text: str
    origin: list[int]  # origin[i]: offset in the fixed-form text of free-form character i, -1 if inserted


def looks_fixed_form(text: str) -> bool:
    """Column-1 comments or column-6 continuations, and no free-form `&` line ends or `::`."""
    return bool(_FIXED_HINT.search(text)) and not _FREE_HINT.search(text)


def _is_comment(line: str) -> bool:
    return bool(line) and (line[0] in "Cc*!" or not line.strip())


def _is_continuation(line: str) -> bool:
    return len(line) > 5 and line[5] not in " 0\n\r" and not line[:5].strip() and "\t" not in line[:5]


def to_free_form(text: str) -> FreeForm:
    # per line: [code text, its original offset, whether " &" follows it, line ending, its offset]
    lines: list[list] = []
    last_code: list | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if _is_comment(body):
            code = ("!" + body[1:]) if body else ""
        elif _is_continuation(body):
            if last_code is not None:
                last_code[2] = True
            code = body[:5] + "&" + body[6:]
        else:
            code = body
        entry = [code, offset, False, line[len(body) :], offset + len(body)]
        if not _is_comment(body):
            last_code = entry
        lines.append(entry)
        offset += len(line)
    parts: list[str] = []
    origin: list[int] = []
    for code, start, continued, ending, ending_start in lines:
        parts.append(code)
        origin.extend(range(start, start + len(code)))
        if continued:
            parts.append(" &")
            origin.extend((-1, -1))
        parts.append(ending)
        origin.extend(range(ending_start, ending_start + len(ending)))
    return FreeForm("".join(parts), origin)
