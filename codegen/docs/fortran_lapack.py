"""BLAS and LAPACK routines from Debian's liblapack-doc: doxygen man pages, one page per doxygen group
(`double_blas_level3.3.gz` documents dgemm, dsymm, ...; `dgemm.3.gz` is a symlink to it).

A unit is a group page. Each `.SS "subroutine dgemm (character TRANSA, ...)"` block gives one routine:
its brief line, Purpose, and per-argument `X is TYPE` + description; intents come from the doxygen
HTML of the same package (see fortran_doxygen_html).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codegen.docs.fortran_doxygen_html import group_intents, group_page
from codegen.docs.fortran_lapack_names import naming_words
from codegen.docs.fortran_roff import read_page, th_fields
from codegen.docs.fortran_schema import Intent, argument, fortran_schema, parse_intent, split_top, squash
from codegen.docs.record import DocRecord
from codegen.docs.roff import ARG_CLOSE, ARG_OPEN, Block, parse_roff, plain
from codegen.docs.source import Unit, file_fingerprint

MAN3 = Path("/usr/share/man/man3")
DPKG_LIST = Path("/var/lib/dpkg/info/liblapack-doc.list")
HTML_ROOT = Path("/usr/share/doc/liblapack-dev/explore-html")

# Variant groups re-document dgetrf, dpotrf, ... (alternative algorithms, same interface) that the
# main groups already document; taking them too would give two records per name.
SKIPPED_GROUPS = re.compile(r"^variants")
BLAS_GROUP = re.compile(r"_blas_level[123]$|^aux_blas$")

_HEADER = re.compile(r"^(?P<ret>.*?)\b(?P<what>subroutine|function)\s+(?P<name>\w+)\s*\((?P<params>.*)\)\s*$")
_PARAM_NAME = re.compile(f"{ARG_OPEN}(\\w+){ARG_CLOSE}")  # an argument name alone, in italics
_DECLARED_NAME = re.compile(r"\s([A-Z][A-Z0-9_]*)$")
_IS_TYPE = re.compile(r"^\s*(?P<name>\w+)\s+is\s+(?P<type>.+?)\s*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]])\.(?:\s|$)")
# Block labels doxygen prints in bold; any other bold line before Purpose is the routine's brief.
LABELS = {
    "purpose",
    "parameters",
    "author",
    "further details",
    "contributors",
    "references",
    "internal parameters",
    "note",
    "date",
    "returns",
    "return values",
    "remarks",
}


@dataclass
class Routine:
    header: str
    brief: str = ""
    blocks: dict[str, list[str]] = field(default_factory=dict)  # label -> plain paragraphs
    params: dict[str, list[str]] = field(default_factory=dict)  # NAME -> plain lines


def parse_routines(blocks: Iterable[Block]) -> list[Routine]:
    """Blocks of the routine documentation -> one Routine per `.SS` heading."""
    routines: list[Routine] = []
    label = ""
    param: str | None = None
    for block in blocks:
        if block.heading:
            routines.append(Routine(header=squash(plain(block.text))))
            label, param = "", None
            continue
        if not routines:
            continue
        cur = routines[-1]
        text = plain(block.text)
        # doxygen labels come as a paragraph ("Purpose:") or as a term with its body ("Parameters")
        word = squash(plain(block.tag) if block.tag is not None else text).rstrip(":").lower()
        if not block.pre and word in LABELS:
            label, param = word, None
            if block.tag is None:
                continue
        elif not label and not cur.brief and not block.pre:
            cur.brief = squash(text)
            continue
        if label == "parameters":
            name = _PARAM_NAME.fullmatch(block.text.strip())
            if name:
                param = name.group(1).upper()
                cur.params.setdefault(param, [])
            elif param is not None:
                cur.params[param] += text.split("\n")
            continue
        if text:
            cur.blocks.setdefault(label, []).append(text)
    return routines


def first_sentence(text: str, limit: int = 240) -> str:
    m = _SENTENCE_END.search(text)
    sentence = text[: m.start() + 1] if m else text
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + " ..."
    return sentence


def _argument_from_lines(name: str, header_type: str, lines: list[str], intent: Intent) -> dict[str, Any]:
    """`['  A is DOUBLE PRECISION array, dimension (LDA,N)', '  On entry, ...']` -> Arg."""
    type_, body = header_type, lines
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = _IS_TYPE.match(line)
        if m and m.group("name").upper() == name:
            # `dimension ( LDA, ka ), where ka is` + next line: the clause belongs to the description
            type_, _, where = m.group("type").partition(", where ")
            type_ = type_.rstrip(". ")
            body = ([f"where {where}"] if where else []) + lines[i + 1 :]
        break
    return argument(name.lower(), type_, intent, False, squash(" ".join(body)))


def routine_record(
    routine: Routine,
    group: str,
    group_text: str,
    intents: dict[str, dict[str, Intent]],
    source: str,
    version: str,
) -> DocRecord | None:
    m = _HEADER.match(routine.header)
    if m is None:
        return None
    name = m.group("name").lower()
    header_params: list[tuple[str, str]] = []
    pending = ""
    for part in split_top(m.group("params")):
        # `double precision, dimension( lda, * ), intent(in) A` splits at its own commas: a piece
        # is complete once it ends in the (upper-case) argument name
        pending = f"{pending}, {part}" if pending else part
        complete = _DECLARED_NAME.search(pending)
        if complete:
            header_params.append((complete.group(1), pending[: complete.start()].strip()))
            pending = ""
    routine_intents = intents.get(name, {})
    arguments = [
        _argument_from_lines(p, t, routine.params.get(p, []), routine_intents.get(p) or parse_intent(t))
        for p, t in header_params
    ]
    purpose = squash(" ".join(routine.blocks.get("purpose", [])))
    brief = routine.brief
    kind = "blas" if BLAS_GROUP.search(group) else "lapack"
    # many briefs are just the upper-case name ("DGEMM"), and doxygen merges the briefs of the
    # variants/ implementations into dgetrf's; the name's reading, else the purpose, says more then
    useful = brief and brief.upper() != name.upper() and "VARIANT" not in brief
    reading = naming_words(name, kind)
    summary = brief if useful else (f"{name.upper()}: {reading}" if reading else first_sentence(purpose))
    what = m.group("what")
    returns = (
        " ".join(w for w in m.group("ret").split() if w not in ("recursive", "pure", "elemental")) or None
    )
    arg_list = ", ".join(a["name"] for a in arguments)
    signature = f"{returns + ' ' if returns else ''}{what} {name} ({arg_list})"
    text_parts = [f"{reading}." if reading else "", purpose, f"{kind.upper()} {group_text}."]
    return DocRecord(
        dsl="fortran",
        name=name,
        summary=summary or name.upper(),
        text=squash(" ".join(text_parts)),
        schema=fortran_schema(kind, what, signature, arguments, returns=returns, group=group),
        source=source,
        version=version,
    )


def documented_elsewhere(man3: Path, routine: str, page: str) -> bool:
    """xerbla is documented in two groups; its `xerbla.3.gz` symlink names the one to keep. Links to
    skipped groups (variants) do not count: the main group is then the only one parsed."""
    link = man3 / f"{routine}.3.gz"
    if not link.is_symlink():
        return False
    target = os.readlink(link)
    return Path(target).name != Path(page).name and not SKIPPED_GROUPS.match(Path(target).name)


def parse_group_page(source_text: str, path: str, html_root: str | Path | None) -> list[DocRecord]:
    th = th_fields(source_text)
    group = th[0] if th else Path(path).name.split(".")[0]
    version = th[3].removeprefix("Version ").strip() if len(th) > 3 else ""
    page = parse_roff(source_text)
    detail = page.find("Detailed Description")
    group_text = re.sub(r"^This is the group of\s+", "", squash(detail.text if detail else "")).rstrip(". ")
    documentation: list[Block] = []
    in_docs = False
    for section in page.sections:
        # doxygen turns `\par Arguments:` into a stray .SH inside a routine: everything after
        # "Function Documentation" but the closing "Author" section is routine documentation
        in_docs = in_docs or section.name == "Function Documentation"
        if in_docs and section.name != "Author":
            documentation += section.blocks
    intents = group_intents(html_root, group) if html_root is not None else {}
    records = []
    man3 = Path(path).parent
    for routine in parse_routines(documentation):
        rec = routine_record(routine, group, group_text, intents, path, version)
        if rec is not None and not documented_elsewhere(man3, rec.name, path):
            records.append(rec)
    return records


def _group_pages_from_dpkg(dpkg_list: Path) -> list[Path]:
    paths = []
    for line in dpkg_list.read_text().splitlines():
        p = Path(line)
        if p.parent.name == "man3" and p.name.endswith(".3.gz") and not p.is_symlink() and p.is_file():
            paths.append(p)
    return paths


def _group_pages_by_content(man3: Path) -> list[Path]:
    """Without dpkg metadata: doxygen group pages carry `"LAPACK"` as the .TH manual name."""
    paths = []
    for p in sorted(man3.glob("*.3*")):
        if p.is_symlink() or not p.is_file():
            continue
        head = read_page(p)[:400]
        if head.startswith(".TH") and '"LAPACK"' in head.splitlines()[0]:
            paths.append(p)
    return paths


class LapackSource:
    """BLAS/LAPACK routines from the liblapack-doc man pages (plus its HTML for argument intents)."""

    name = "lapack"

    def __init__(
        self,
        man3: str | Path = MAN3,
        dpkg_list: str | Path | None = DPKG_LIST,
        html_root: str | Path | None = HTML_ROOT,
    ):
        self.man3 = str(man3)
        self.dpkg_list = str(dpkg_list) if dpkg_list is not None else None
        self.html_root = str(html_root) if html_root is not None and os.path.isdir(html_root) else None

    def pages(self) -> list[Path]:
        if self.dpkg_list is not None and os.path.exists(self.dpkg_list):
            pages = _group_pages_from_dpkg(Path(self.dpkg_list))
        else:
            pages = _group_pages_by_content(Path(self.man3))
        return [p for p in pages if not SKIPPED_GROUPS.match(p.name)]

    def units(self) -> Iterable[Unit]:
        for page in self.pages():
            group = page.name.split(".")[0]
            html = group_page(self.html_root, group) if self.html_root else None
            fingerprint = file_fingerprint(str(page)) + (f":{file_fingerprint(html)}" if html else "")
            yield Unit(id=str(page), fingerprint=fingerprint)

    def load(self, unit: Unit) -> list[DocRecord]:
        text = read_page(unit.id)
        if '.SH "Function Documentation"' not in text:
            return []  # umbrella groups (`blas`, `GE`) and test-suite groups document no routines
        return parse_group_page(text, unit.id, self.html_root)
