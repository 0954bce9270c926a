"""Directive text that parsers leave as one opaque comment: `!$omp …`, `!$acc …`, `#pragma omp …`,
fixed-form `c$omp …`, and batch-scheduler lines `#SBATCH …` / `#PBS …`.

A small lexer for their shared shape (sentinel, then clause names, flags, parenthesised lists,
operators, values) gives the lexeme boundaries inside them, so `reduction(+:s)` or `--time=01:00:00`
are learned as the clause/flag tokens they are, not as comment prose.
"""

from __future__ import annotations

import re

SENTINEL = re.compile(r"(?i)[!c*]\$(?:omp|acc)|#[ \t]*pragma[ \t]+(?:omp|acc)\b|#SBATCH\b|#PBS\b")
_LEXEME = re.compile(
    r"""(?x)
      --?[A-Za-z][\w-]*          # --nodes, -N
    | [A-Za-z_]\w*               # clause and directive names, variables
    | \d+(?:[.:]\d+)*[A-Za-z]*   # 4, 01:00:00, 16G
    | "[^"\n]*"|'[^'\n]*'        # quoted values
    | \S                         # ( ) , : + = ...
    """
)


def directive_lexemes(text: str) -> list[tuple[int, int]] | None:
    """(start, end) offsets of the lexemes of a directive line, or None when `text` is no directive."""
    sentinel = SENTINEL.match(text)
    if sentinel is None:
        return None
    spans = [sentinel.span()]
    spans += [m.span() for m in _LEXEME.finditer(text, sentinel.end())]
    return spans
