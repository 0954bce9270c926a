"""Small helpers for writing Lark text that lark and llguidance both read the same way."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_DEFINITION = re.compile(r"^(\??[A-Za-z_][A-Za-z0-9_]*)\s*(?:\.[0-9]+)?\s*:", re.MULTILINE)


def literal(text: str) -> str:
    """A Lark string literal; JSON escaping is valid in both dialects."""
    return json.dumps(text)


def regex(pattern: str) -> str:
    """A Lark /regex/ literal from a Python/Rust-compatible pattern."""
    return "/" + re.sub(r"(?<!\\)/", r"\/", pattern) + "/"


def regex_of_words(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first (only readability: the DFA is the same)."""
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    return "(" + "|".join(re.escape(w) for w in unique) + ")"


def alternatives(items: Iterable[str]) -> str:
    return " | ".join(items)


def split_definitions(text: str) -> dict[str, str]:
    """Top-level definitions by name: each runs from `name:` up to the next definition or directive."""
    starts = [(m.start(), m.group(1).lstrip("?")) for m in _DEFINITION.finditer(text)]
    bounds: dict[str, str] = {}
    for i, (pos, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        bounds[name] = text[pos:end]
    return bounds


def replace_definition(text: str, name: str, new_definition: str) -> str:
    """Swap one rule or terminal of a base grammar for a per-request one."""
    old = split_definitions(text).get(name)
    if old is None:
        raise KeyError(f"the base grammar has no definition of {name!r}")
    kept_comments = "".join(line + "\n" for line in old.splitlines()[1:] if line.lstrip().startswith("//"))
    return text.replace(old, new_definition.rstrip("\n") + "\n" + kept_comments, 1)
