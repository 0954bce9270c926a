"""MPI routines from Debian's openmpi-doc man pages (`MPI_Bcast.openmpi.3.gz`).

A unit is one page; a page may document several routines (MPI_Bcast and MPI_Ibcast share one, the
other name is a `.so` stub). Each routine gets its `USE mpi` binding as the main signature (the form
most Fortran MPI code uses; every argument, IERROR included, is required) and, under the extra key
`f08`, its `USE mpi_f08` binding (IERROR optional). Intents come from the mpi_f08 declarations, or
from the page's INPUT/OUTPUT PARAMETERS sections where mpi_f08 gives none (choice buffers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codegen.docs.fortran_roff import is_redirect, read_page, th_fields
from codegen.docs.fortran_schema import (
    Intent,
    argument,
    call_signature,
    fortran_schema,
    parse_intent,
    split_top,
    squash,
)
from codegen.docs.record import DocRecord
from codegen.docs.roff import ARG_OPEN, Block, Section, parse_roff, plain
from codegen.docs.source import Unit, file_fingerprint

MAN3 = Path("/usr/share/man/man3")
DPKG_LIST = Path("/var/lib/dpkg/info/openmpi-doc.list")
PAGE_NAME = re.compile(r"^MPIX?_\w+\.(?:openmpi\.)?3(?:\.gz)?$")

_PROTOTYPE = re.compile(r"^(?P<ret>(?:.*\s)?)(?P<name>[A-Za-z]\w*)\s*\((?P<args>[^()]*)\)\s*$")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_SECTION_INTENT = {
    "INPUT PARAMETER": "in",
    "INPUT PARAMETERS": "in",
    "OUTPUT PARAMETER": "out",
    "OUTPUT PARAMETERS": "out",
    "INPUT/OUTPUT PARAMETER": "inout",
    "INPUT/OUTPUT PARAMETERS": "inout",
    "IN/OUT PARAMETER": "inout",
}
# A declaration line starts with a type; a line that does is never a continuation, even after a
# stray trailing comma (MPI_Allgather's page ends `... COMM,` before `INTEGER IERROR`).
_TYPE_START = re.compile(
    r"^\s*(INTEGER|REAL|DOUBLE|COMPLEX|LOGICAL|CHARACTER|TYPE|CLASS|EXTERNAL|PROCEDURE|<type>)\b",
    re.IGNORECASE,
)
_SKIP_LINES = re.compile(r"^(USE\s+(MPI|mpi_f08)\b|INCLUDE\s+'mpif\.h'|!)", re.IGNORECASE)


@dataclass
class Binding:
    name: str
    returns: str | None
    args: list[str]  # as written
    decls: dict[str, tuple[str, Intent, bool]] = field(default_factory=dict)  # lower name -> decl


def _logical_lines(lines: list[str]) -> list[str]:
    """Lines of a syntax block -> prototypes and declarations, continuation lines joined. Lines keep
    roff's italic markers: the argument names are the italic part."""
    out: list[str] = []
    for raw in lines:
        text = plain(raw)
        if not text.strip() or _SKIP_LINES.match(text.strip()):
            continue
        if out:
            prev = plain(out[-1]).rstrip()
            unclosed = prev.count("(") > prev.count(")")
            continued = prev.endswith("::") or (prev.endswith(",") and not _TYPE_START.match(text))
            if text[:1].isspace() and (unclosed or continued):
                out[-1] = f"{out[-1].rstrip()} {raw.strip()}"
                continue
        out.append(raw)
    return out


def _declaration(raw: str) -> tuple[str, list[str]]:
    """`  INTEGER  <i>COUNT, ROOT</i>` or `INTEGER, INTENT(IN) :: <i>count</i>` -> (type part, names)."""
    text = plain(raw).strip()
    if "::" in text:
        type_, names = text.split("::", 1)
    elif ARG_OPEN in raw and plain(raw.partition(ARG_OPEN)[0]).strip():
        head, _, tail = raw.partition(ARG_OPEN)
        type_, names = plain(head), plain(tail)
    else:  # no italic names (or italics leaking over the whole line): a column gap ends the type
        m = re.match(r"^(\S.*?)\s{2,}(\S.*)$", text) or re.match(r"^(\S+)\s+(.+)$", text)
        if m is None:
            return text, []
        type_, names = m.group(1), m.group(2)
    return type_.strip(), split_top(names)


def parse_bindings(lines: list[str]) -> list[Binding]:
    bindings: list[Binding] = []
    for raw in _logical_lines(lines):
        # prototypes start in column 0 and declarations are indented, except on pages that forget
        # the indent (MPI_Sizeof): a line that is no prototype then declares the last one's arguments
        m = None if plain(raw)[:1].isspace() else _PROTOTYPE.match(squash(plain(raw)))
        if m is not None:
            name = m.group("name")
            if not name.upper().startswith("MPI"):  # MPI_Type_get_name's page drops the prefix
                name = f"MPI_{name}"
            args = [a for a in (s.strip() for s in m.group("args").split(",")) if a]
            bindings.append(Binding(name, squash(m.group("ret")) or None, args))
        elif bindings:
            type_part, names = _declaration(raw)
            attrs = split_top(type_part)
            intent = next((parse_intent(a) for a in attrs if a.upper().startswith("INTENT")), None)
            optional = any(a.upper() == "OPTIONAL" for a in attrs)
            kept = [a for a in attrs if not a.upper().startswith("INTENT") and a.upper() != "OPTIONAL"]
            for item in names:
                ident = _IDENT.match(item.strip())
                if ident is None:
                    continue
                dims = item.strip()[ident.end() :].strip()
                type_ = ", ".join(kept) + (f", DIMENSION{dims}" if dims.startswith("(") else "")
                bindings[-1].decls.setdefault(ident.group().lower(), (type_, intent, optional))
    return bindings


def _tp_entries(blocks: list[Block]) -> dict[str, str]:
    """`.TP` items of a parameter section -> {lower name: description}; an item may name several
    arguments (`sendbuf, recvbuf`), and untagged blocks continue the item before them."""
    out: dict[str, str] = {}
    current: list[str] = []
    for block in blocks:
        if block.tag is not None:
            current = [n.strip().lower() for n in plain(block.tag).split(",") if n.strip()]
            for n in current:
                out.setdefault(n, "")
        for n in current:
            out[n] = squash(f"{out[n]} {plain(block.text)}")
    return out


def _prose(section: Section | None) -> str:
    """Section text without its `.nf` code examples (C code would only add noise to search)."""
    if section is None:
        return ""
    return squash(" ".join(plain(b.text) for b in section.blocks if not b.pre and not b.heading))


def canonical_name(upper: str, known: dict[str, str]) -> str:
    """`MPI_COMM_RANK` -> `MPI_Comm_rank`: the spelling the page uses elsewhere, else the MPI
    convention (prefix, then one capital)."""
    if upper.upper() in known:
        return known[upper.upper()]
    prefix, _, rest = upper.partition("_")
    return f"{prefix.upper()}_{rest[:1].upper()}{rest[1:].lower()}"


def _arguments(
    binding: Binding, f08: Binding | None, described: dict[str, str], intents: dict[str, Intent]
) -> list[dict[str, Any]]:
    """The binding's arguments; names can differ between bindings (`TYPE` / `datatype`), so the
    mpi_f08 argument at the same position fills in intent and description when the counts agree."""
    partner = f08 if f08 is not None and len(f08.args) == len(binding.args) else None
    out = []
    for i, arg in enumerate(binding.args):
        low = arg.lower()
        other = partner.args[i].lower() if partner is not None else low
        type_, intent, optional = binding.decls.get(low, ("", None, False))
        if intent is None and partner is not None:
            intent = partner.decls.get(other, ("", None, False))[1]
        intent = intent or intents.get(low)
        if low == "ierror":
            description = "Error status (integer)."
        else:
            description = described.get(low) or described.get(other, "")
        out.append(argument(low, type_, intent, optional, description))
    return out


def _signature(name: str, binding: Binding, arguments: list[dict[str, Any]]) -> str:
    """`call MPI_Bcast(buffer, ... [, ierror])`; functions: `DOUBLE PRECISION MPI_Wtime()`."""
    call = call_signature(name, arguments, subroutine=binding.returns is None, variadic=False)
    return f"{binding.returns} {call}" if binding.returns else call


def parse_mpi_page(text: str, path: str) -> list[DocRecord]:
    th = th_fields(text)
    version = th[3] if len(th) > 3 else ""
    page = parse_roff(text)
    name_section = page.find("NAME")
    name_line = squash(name_section.text if name_section else "")
    names_part, _, summary = name_line.partition(" - ")
    known = {n.strip().upper(): n.strip() for n in names_part.split(",") if n.strip()}
    mpi: list[Binding] = []
    f08: list[Binding] = []
    described: dict[str, str] = {}
    intents: dict[str, Intent] = {}
    for section in page.sections:
        lines = [line for b in section.blocks if b.pre for line in b.text.split("\n")]
        if section.name.startswith("Fortran 2008 Syntax"):
            f08 += parse_bindings(lines)
        elif section.name.startswith("Fortran Syntax"):
            mpi += parse_bindings(lines)
        elif section.name.upper() in _SECTION_INTENT:
            for n, d in _tp_entries(section.blocks).items():
                described.setdefault(n, d)
                intents.setdefault(n, _SECTION_INTENT[section.name.upper()])  # type: ignore[arg-type]
    for b in f08:
        known.setdefault(b.name.upper(), b.name)
    f08_by_name = {b.name.upper(): b for b in f08}
    mpi_by_name = {b.name.upper(): b for b in mpi}
    description = _prose(page.find("DESCRIPTION"))
    records = []
    for upper in dict.fromkeys([*mpi_by_name, *f08_by_name]):
        main = mpi_by_name.get(upper) or f08_by_name[upper]
        modern = f08_by_name.get(upper) if upper in mpi_by_name else None
        name = canonical_name(upper, known)
        arguments = _arguments(main, modern, described, intents)
        extra: dict[str, Any] = {}
        if modern is not None:
            f08_args = _arguments(modern, None, described, intents)
            extra["f08"] = {
                "signature": _signature(name, modern, f08_args),
                "arguments": f08_args,
                "min_args": sum(1 for a in f08_args if not a["optional"]),
                "max_args": len(f08_args),
            }
        records.append(
            DocRecord(
                dsl="fortran",
                name=name,
                summary=squash(summary) or name,
                text=description,
                schema=fortran_schema(
                    "mpi",
                    "function" if main.returns else "subroutine",
                    _signature(name, main, arguments),
                    arguments,
                    returns=main.returns,
                    **extra,
                ),
                source=path,
                version=version,
            )
        )
    return records


class MpiSource:
    """Open MPI's MPI routine man pages; pages without a Fortran binding yield no records."""

    name = "openmpi"

    def __init__(self, man3: str | Path = MAN3, dpkg_list: str | Path | None = DPKG_LIST):
        self.man3 = str(man3)
        self.dpkg_list = str(dpkg_list) if dpkg_list is not None else None

    def pages(self) -> list[Path]:
        if self.dpkg_list is not None and os.path.exists(self.dpkg_list):
            listed = [Path(line) for line in Path(self.dpkg_list).read_text().splitlines()]
            candidates = [p for p in listed if p.parent.name == "man3"]
        else:
            candidates = sorted(Path(self.man3).iterdir())
        return [p for p in candidates if PAGE_NAME.match(p.name) and p.is_file() and not p.is_symlink()]

    def units(self) -> Iterable[Unit]:
        for page in self.pages():
            yield Unit(id=str(page), fingerprint=file_fingerprint(str(page)))

    def load(self, unit: Unit) -> list[DocRecord]:
        text = read_page(unit.id)
        if is_redirect(text):
            return []  # `.so` stubs: the page they point to documents the routine
        return parse_mpi_page(text, unit.id)
