"""Argument intents of LAPACK/BLAS routines from the doxygen HTML that liblapack-doc installs next to
its man pages. Debian's man pages (LAPACK 3.11) drop doxygen's `[in]`/`[out]`/`[in,out]` markers;
the HTML of the same build keeps them (`<td class="paramdir">[in,out]</td>`).
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from codegen.docs.fortran_schema import Intent, parse_intent

_MEMBER_LINK = re.compile(r'href="(?P<href>[^"#]*_ga[0-9a-f]+\.html)#ga[0-9a-f]+">(?P<name>\w+)</a>')
_PARAM = re.compile(r'class="paramdir">\[(?P<dir>[a-z, ]+)\]</td><td class="paramname">(?P<name>\w+)</td>')


def group_filename(group: str) -> str:
    """doxygen's file name for a group: `doubleGEsolve` -> `group__double_g_esolve.html`."""
    escaped = "".join("__" if c == "_" else f"_{c.lower()}" if c.isupper() else c for c in group)
    return f"group__{escaped}.html"


@cache
def _files(root: str) -> dict[str, str]:
    """File name -> path for the whole HTML tree (doxygen spreads files over hashed directories)."""
    found: dict[str, str] = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.startswith("group__") and name.endswith(".html"):
                found[name] = os.path.join(dirpath, name)
    return found


def group_page(root: str | Path, group: str) -> str | None:
    return _files(str(root)).get(group_filename(group))


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()


def group_intents(root: str | Path, group: str) -> dict[str, dict[str, Intent]]:
    """routine (lower case) -> {ARGUMENT (upper case) -> intent} for one doxygen group; empty when
    the HTML is not installed."""
    page = group_page(root, group)
    if page is None:
        return {}
    out: dict[str, dict[str, Intent]] = {}
    for m in _MEMBER_LINK.finditer(_read(page)):
        name = m.group("name").lower()
        if name in out:
            continue
        member = os.path.normpath(os.path.join(os.path.dirname(page), m.group("href")))
        if not os.path.exists(member):
            continue
        out[name] = {
            p.group("name").upper(): parse_intent(p.group("dir")) for p in _PARAM.finditer(_read(member))
        }
    return out
