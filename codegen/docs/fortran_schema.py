"""The Fortran `schema` shape of codegen.docs.record, built in one place so every Fortran source
emits the same keys, and the small text helpers for Fortran declarations they share. `max_args` is
None when a procedure takes any number of arguments (MIN, MAX).
"""

from __future__ import annotations

import re
from typing import Any, Literal

Intent = Literal["in", "out", "inout"] | None

_INTENT = re.compile(r"\bintent\s*\(\s*(in\s*,?\s*out|inout|in|out)\s*\)", re.IGNORECASE)


def parse_intent(text: str) -> Intent:
    """`INTENT(IN)`, `intent(inout)`, `[in,out]`, `in,out` -> "in" | "out" | "inout" | None."""
    m = _INTENT.search(text)
    word = m.group(1) if m else text.strip().strip("[]")
    word = re.sub(r"[\s,]", "", word.lower())
    return {"in": "in", "out": "out", "inout": "inout"}.get(word)  # type: ignore[return-value]


def argument(
    name: str, type_: str = "", intent: Intent = None, optional: bool = False, description: str = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "intent": intent,
        "optional": optional,
        "description": description,
    }


def fortran_schema(
    kind: str,
    procedure: str | None,
    signature: str,
    arguments: list[dict[str, Any]],
    *,
    returns: str | None = None,
    variadic: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """`min_args`/`max_args` follow from the arguments: required ones count towards the minimum."""
    schema: dict[str, Any] = {
        "kind": kind,
        "procedure": procedure,
        "signature": signature,
        "arguments": arguments,
        "min_args": sum(1 for a in arguments if not a["optional"]),
        "max_args": None if variadic else len(arguments),
        "returns": returns,
    }
    schema.update(extra)
    return schema


def call_signature(name: str, arguments: list[dict[str, Any]], subroutine: bool, variadic: bool) -> str:
    """`sum(array [, dim] [, mask])`, `call cpu_time(time)`, `max(a1, a2, ...)`."""
    out = ""
    for arg in arguments:
        sep = ", " if out else ""
        out += f" [{sep}{arg['name']}]" if arg["optional"] else f"{sep}{arg['name']}"
    out = out.strip() + (", ..." if variadic else "")
    return f"{'call ' if subroutine else ''}{name}({out})"


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside parentheses: 'real(kind=8), dimension(:)' -> two parts."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def squash(text: str) -> str:
    """Collapse runs of whitespace (man page columns, markdown wrapping) into single spaces."""
    return " ".join(text.split())
