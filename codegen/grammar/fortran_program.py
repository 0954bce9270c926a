"""Lark text of a program skeleton, written top to bottom (codegen.grammar.fortran_skeleton): fixed
text and the few choices left to the model."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from codegen.grammar.lark_text import alternatives, literal

MAX_SIZE_ORDERS = 80  # ordered subsets of the size variables offered for the size `read`


class Program:
    """Lark rules of one program, written top to bottom."""

    def __init__(self) -> None:
        self.parts: list[str] = []  # the items of `start`, in order
        self.rules: list[str] = []
        self.count = 0

    def text(self, line: str) -> None:
        self.parts.append(literal(line))

    def choice(self, options: Sequence[str]) -> None:
        """One of several literal texts, chosen by the model."""
        options = list(dict.fromkeys(options))
        if len(options) == 1:
            self.text(options[0])
            return
        self.count += 1
        name = f"choice{self.count}"
        self.rules.append(f"{name}: " + alternatives(literal(o) for o in options))
        self.parts.append(name)

    def lark(self) -> str:
        return "start: " + " ".join(self.parts) + "\n" + "\n".join(self.rules) + "\n"


def size_reads(
    sizes: list[str], order: list[str] | None = None, unread: dict[str, str] | None = None
) -> list[str]:
    """`read *, <some sizes in some order>` then a value for each size not read (`unread`: see
    `_unread_values`; "" is the first size read); only `order` when the request gave one."""
    unread = unread or {}
    orders = (
        [order]
        if order
        else [list(c) for k in range(len(sizes), 0, -1) for c in itertools.permutations(sizes, k)]
    )
    if len(orders) > MAX_SIZE_ORDERS:
        orders = [
            [s for s, keep in zip(sizes, mask, strict=True) if keep]
            for mask in itertools.product((1, 0), repeat=len(sizes))
        ]
        orders = [o for o in orders if o]
    out = []
    for order in orders:
        text = f"  read *, {', '.join(order)}\n"
        rest = [s for s in sizes if s not in order]
        out.append(text + "".join(f"  {s} = {unread.get(s) or order[0]}\n" for s in rest))
    return out
