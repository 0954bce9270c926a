"""A parsed man page (codegen.docs.roff) → a bash DocRecord: name, aliases, summary, synopsis,
description, one Flag per option item, and documented subcommands.

Naming: the record is named after the page file (`tar`, `git-commit`, `openssl-rand`), the way
`man NAME` and tldr name pages. A page whose NAME line is a multi-word command
(`gcloud compute instances create`) is named with hyphens (`gcloud-compute-instances-create`, the
tldr convention for subcommands). The spaced invocation (`git commit`, `openssl rand`, `gcloud compute
instances create`) is added as an alias whenever the synopsis shows it, and the other names of the
NAME line (`gunzip`, `zcat` on gzip's page) are aliases too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from codegen.docs.flags import (
    Flag,
    apply_attached_forms,
    attached_forms,
    fill_from_synopsis,
    merge_flags,
    parse_tag,
    synopsis_values,
)
from codegen.docs.helptext import help_flags
from codegen.docs.record import DocRecord
from codegen.docs.roff import COMPRESSED_SUFFIXES, Block, RoffPage, Section, plain

# Sections whose list items are never option descriptions.
_NOT_OPTIONS = frozenset(
    {"NAME", "SYNOPSIS", "EXAMPLES", "EXAMPLE", "SEE ALSO", "ENVIRONMENT", "FILES", "EXIT STATUS",
     "RETURN VALUE", "BUGS", "AUTHOR", "AUTHORS", "COPYRIGHT", "HISTORY", "REPORTING BUGS",
     "DIAGNOSTICS", "STANDARDS", "CONFORMING TO", "LICENSE"}
)  # fmt: skip
_COMMAND_SECTION_RE = re.compile(r"\b(?:SUB)?COMMANDS\b|\bGROUPS\b", re.I)
_COMMAND_WORD_RE = re.compile(r"[A-Za-z][\w.+-]*")
_SUBCOMMAND_CHOICE_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?=\s|$)|[a-z][a-z0-9]+(?=\s|$)")
_NAME_SPLIT_RE = re.compile(r"\s+(?:-{1,2}|—|–)\s+")
_SECTION_RE = re.compile(r"\.(\d[A-Za-z0-9]*)$")


def page_stem(filename: str) -> tuple[str, str]:
    """`tar.1.gz` → ("tar", "1"); `openssl-req.1ssl.gz` → ("openssl-req", "1ssl")."""
    for suffix in COMPRESSED_SUFFIXES:
        if filename.endswith(suffix):
            filename = filename[: -len(suffix)]
            break
    m = _SECTION_RE.search(filename)
    return (filename[: m.start()], m.group(1)) if m else (filename, "")


def parse_name_line(text: str) -> tuple[list[str], str]:
    """`gzip, gunzip, zcat - compress or expand files` → (["gzip", "gunzip", "zcat"], "compress ...")."""
    flat = " ".join(text.split())
    parts = _NAME_SPLIT_RE.split(flat, maxsplit=1)
    names_part, summary = (parts[0], parts[1]) if len(parts) == 2 else (flat, "")
    names = [" ".join(n.split()) for n in names_part.split(",")]
    return [n for n in names if n], summary.strip()


def synopsis_lines(section: Section | None) -> list[str]:
    lines: list[str] = []
    if section is None:
        return lines
    for block in section.blocks:
        text = plain(block.text)
        if block.heading:
            continue
        if not block.pre:
            if text.strip():
                lines.append(" ".join(text.split()))
            continue
        for raw in text.split("\n"):
            if raw[:1].isspace() and lines and raw.strip():  # an indented line continues the command
                lines[-1] += " " + " ".join(raw.split())
            elif raw.strip():
                lines.append(" ".join(raw.split()))
    return lines


def _item_bodies(section: Section) -> Iterable[tuple[Block, str]]:
    """Each tagged block with its body: its own text, continuation paragraphs and deeper blocks
    (nested lists included, as `term text`)."""
    blocks = section.blocks
    for k, block in enumerate(blocks):
        if block.tag is None:
            continue
        parts = [plain(block.text)]
        for nxt in blocks[k + 1 :]:
            if nxt.depth > block.depth or (nxt.cont and nxt.depth == block.depth and nxt.tag is None):
                parts.append(plain(f"{nxt.tag} {nxt.text}" if nxt.tag else nxt.text))
            else:
                break
        yield block, " ".join(" ".join(parts).split())


def page_flags(page: RoffPage, synopsis: str = "") -> list[Flag]:
    forms = attached_forms(synopsis)
    values = synopsis_values(synopsis)
    flags: list[Flag] = []
    waiting: list[Flag] = []  # items typeset together (.PD 0) share the next description
    for section in page.sections:
        if section.name.upper() in _NOT_OPTIONS:
            continue
        for block, body in _item_bodies(section):
            flag = parse_tag(apply_attached_forms(block.tag or "", forms), body)
            if flag is None:
                waiting.clear()
                continue
            fill_from_synopsis(flag, values)
            if not body:
                waiting.append(flag)
            else:
                for w in waiting:
                    w["description"] = flag["description"]
                waiting.clear()
            flags.append(flag)
    if not flags:  # some pages show their options only as a verbatim copy of `--help`
        verbatim = "\n".join(plain(b.text) for s in page.sections for b in s.blocks if b.pre)
        return help_flags(verbatim)
    return merge_flags(flags)


def _synopsis_choices(synopsis: list[str]) -> list[str]:
    """`apt {list | search | show | install pkg...}` → the command words of the brace group."""
    found: list[str] = []
    for line in synopsis:
        start = line.find("{")
        end = line.rfind("}")
        if start < 0 or end < start:
            continue
        for alternative in line[start + 1 : end].split("|"):
            m = _SUBCOMMAND_CHOICE_RE.match(alternative.strip())
            if m and m.group(0) not in found:
                found.append(m.group(0))
    return found


def page_subcommands(page: RoffPage, names: list[str], synopsis: list[str]) -> list[str]:
    """Terms of list items in COMMANDS/SUBCOMMANDS/GROUPS sections (`git-add(1)` → `add`), or the
    command words of a `{a | b | c}` group in the synopsis."""
    prefixes = tuple(f"{n}-" for n in names if n) + tuple(f"{n} " for n in names if n)
    found: list[str] = _synopsis_choices(synopsis)
    for section in page.sections:
        if not _COMMAND_SECTION_RE.search(section.name):
            continue
        for block in section.blocks:
            if block.tag is None:
                continue
            term = plain(block.tag).strip()
            for prefix in prefixes:
                if term.startswith(prefix):
                    term = term[len(prefix) :]
                    break
            m = _COMMAND_WORD_RE.match(term)
            if m and m.group(0) not in found:
                found.append(m.group(0))
    return found


def _record_names(stem: str, names: list[str], synopsis: list[str]) -> tuple[str, list[str]]:
    first = names[0] if names else stem
    words = first.split()
    if len(words) > 1 and re.sub(r"[\s_-]", "", first) == re.sub(r"[_-]", "", stem):
        name = "-".join(words)
    else:
        name = stem or first
    aliases = [n for n in names if n != name]
    command = synopsis[0] if synopsis else ""
    parts = name.split("-")
    for k in range(len(parts) - 1, 0, -1):  # git-commit → "git commit" when the synopsis says so
        spaced = " ".join(parts[: k + 1]) + ("-" + "-".join(parts[k + 1 :]) if k + 1 < len(parts) else "")
        if command == spaced or command.startswith(spaced + " "):
            if spaced not in aliases:
                aliases.append(spaced)
            break
    return name, aliases


def page_record(
    page: RoffPage, stem: str, *, source: str = "", version: str = "", aliases: Iterable[str] = ()
) -> DocRecord:
    name_section = page.find("NAME")
    # the first paragraph: some generators follow the NAME line with a table of contents
    name_line = name_section.text.split("\n", 1)[0] if name_section else ""
    names, summary = parse_name_line(name_line)
    synopsis_section = page.find("SYNOPSIS", "SYNOPSES")
    synopsis = synopsis_lines(synopsis_section)
    marked_synopsis = " ".join(b.text for b in synopsis_section.blocks) if synopsis_section else ""
    name, record_aliases = _record_names(stem, names, synopsis)
    for alias in aliases:
        if alias != name and alias not in record_aliases:
            record_aliases.append(alias)
    flags = page_flags(page, marked_synopsis)
    description = page.find("DESCRIPTION")
    if description is None:
        description = next((s for s in page.sections if s.name.upper() not in _NOT_OPTIONS), None)
    body = description.text if description else ""
    option_text = "\n".join(f"{' '.join(f['flags'])} {f['arg'] or ''}: {f['description']}" for f in flags)
    schema: dict = {"synopsis": synopsis, "options": flags}
    subcommands = page_subcommands(page, [name, *names], synopsis)
    if subcommands:
        schema["subcommands"] = subcommands
    return DocRecord(
        dsl="bash",
        name=name,
        summary=summary,
        text=(body + "\n" + option_text).strip(),
        schema=schema,
        aliases=record_aliases,
        source=source,
        version=version,
    )
