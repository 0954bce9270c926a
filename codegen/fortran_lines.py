"""Fold free-form Fortran lines longer than the standard's 132 characters with `&` continuations.

The grammar bounds what a line may contain, not how long it gets: a declaration of many arrays or a
call with twenty arguments can pass the limit, which gfortran rejects ("Line truncated"). Folding
at a comma outside string literals keeps the program's meaning and makes it compile.
"""

from __future__ import annotations

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
