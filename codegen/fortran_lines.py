"""Fortran source lines: folding long free-form lines, and reading fixed-form code as free form.

The grammar bounds what a line may contain, not how long it gets: a declaration of many arrays or a
call with twenty arguments can pass the standard's 132 characters, which gfortran rejects ("Line
truncated"). Folding at a comma outside string literals keeps the program's meaning and makes it
compile.

`fixed_to_free` and `fortran_units` prepare real code for the grammar: FORTRAN 77 fixed form as free
form, cut into its subroutines and functions.
"""

from __future__ import annotations

import re

LIMIT = 132
FOLD_AT = 100  # leave room for the indentation and `&` of the continuation


def _fold_points(line: str) -> list[int]:
    """Positions just after a comma outside string literals and comments."""
    points, quote = [], None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "!":
            break
        elif char == ",":
            points.append(i + 1)
    return points


def _fold(line: str, limit: int) -> list[str]:
    indent = line[: len(line) - len(line.lstrip())] + "    "
    out, rest = [], line
    while len(rest) > limit:
        cuts = [p for p in _fold_points(rest) if p <= limit - 2]
        if not cuts:
            break  # nothing safe to fold at: leave it to the compiler to report
        early = [p for p in cuts if p <= FOLD_AT]
        cut = max(early or cuts)
        out.append(rest[:cut].rstrip() + " &")
        rest = indent + rest[cut:].lstrip()
    return [*out, rest]


def wrap_long_lines(code: str, limit: int = LIMIT) -> str:
    lines = []
    for line in code.split("\n"):
        # directives and comments have their own continuation rules; they are short in practice
        if len(line) <= limit or line.lstrip().startswith("!"):
            lines.append(line)
        else:
            lines.extend(_fold(line, limit))
    return "\n".join(lines)


# A procedure's first line (an optional prefix or type, then `subroutine`/`function` and a name) and
# its last (`end`, `end subroutine [name]`, ...), possibly labelled in fixed form. The scan counts
# nesting, so a unit runs to its own end rather than the first end of a procedure it contains.
_UNIT_START = re.compile(
    r"^(?![ \t]*end\b)[ \t]*(?:[\w()*=, ]+[ \t]+)?(?:subroutine|function)[ \t]+\w+", re.I
)
_UNIT_END = re.compile(
    r"^[ \t]*(?:\d+[ \t]+)?end[ \t]*(?:(?:subroutine|function)(?:[ \t]+\w+)?)?[ \t]*(?:!.*)?$", re.I
)


def fortran_units(free: str) -> list[str]:
    """The outermost subroutines and functions of free-form source, each with what it contains."""
    units: list[str] = []
    lines = free.splitlines()
    depth = first = 0
    for i, line in enumerate(lines):
        if _UNIT_START.match(line):
            first = i if depth == 0 else first
            depth += 1
        elif depth and _UNIT_END.match(line):
            depth -= 1
            if depth == 0:
                units.append("\n".join(lines[first : i + 1]).strip() + "\n")
    return units


_OUTSIDE_STRINGS = re.compile(r"""('[^']*'|"[^"]*")""")
# fixed form ignores blanks, and old code puts them inside lexemes: `0.9914448613 7381041114 d0`,
# `m. lt. 0`; free form does not, so they are removed there (outside string literals)
_SPACED_REAL = re.compile(
    r"(?<![\w.])(?:\d+(?:[ \t]+\d+)*\.\d*|\.\d+)(?:[ \t]+\d+)*(?:[ \t]*[dDeE][-+]?\d+)?"
)
_SPACED_DOT_OP = re.compile(r"\.[ \t]*(eqv|neqv|eq|ne|lt|le|gt|ge|and|or|not|true|false)[ \t]*\.", re.I)


def _squeeze_blanks(code: str) -> str:
    parts = _OUTSIDE_STRINGS.split(code)
    for i in range(0, len(parts), 2):  # even parts are outside string literals
        part = _SPACED_REAL.sub(lambda m: re.sub(r"[ \t]", "", m.group(0)), parts[i])
        parts[i] = _SPACED_DOT_OP.sub(lambda m: f".{m.group(1)}.", part)
    return "".join(parts)


def _drop_comment(code: str) -> str:
    """`code` without a trailing `!` comment (outside string literals)."""
    parts = _OUTSIDE_STRINGS.split(code)
    for i in range(0, len(parts), 2):
        if "!" in parts[i]:
            return "".join([*parts[:i], parts[i].split("!", 1)[0]]).rstrip()
    return code


def fixed_to_free(text: str) -> str:
    """Fixed-form source (columns: 1 comment mark, 1-5 label, 6 continuation, 7-72 code) as free form.
    A continuation line's code follows the previous line's after a blank (`integer` / `job, k`),
    except when it continues a name or number with digits (`ky` / `1)`, `1.0d` / `0`): fixed form
    ignores blanks and old code splits lexemes there."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line[:1] in "cC*!dD":
            continue
        line = line[:72].expandtabs(6)
        if len(line) > 5 and line[5] not in " 0" and out:
            head, tail = _drop_comment(out[-1]), line[6:].strip()
            out[-1] = head + ("" if re.match(r"\d", tail) and re.search(r"\w$", head) else " ") + tail
            continue
        label, code = line[:5].strip(), line[6:].strip()
        out.append(f"{label} {code}".strip())
    return "\n".join(_squeeze_blanks(line) for line in out) + "\n"
