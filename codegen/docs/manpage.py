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
    looks_like_flag,
    merge_flags,
    parse_tag,
    synopsis_flags,
    synopsis_values,
)
from codegen.docs.helptext import help_flags
from codegen.docs.record import DocRecord
from codegen.docs.roff import ARG_CLOSE, ARG_OPEN, COMPRESSED_SUFFIXES, Block, RoffPage, Section, plain

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


def _item_bodies(section: Section) -> Iterable[tuple[int, str, str]]:
    """Each tagged block's position, term and body: its own text, continuation paragraphs and
    deeper blocks (nested lists included, as `term text`)."""
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
        yield k, block.tag, " ".join(" ".join(parts).split())


_BULLET_RE = re.compile(r"^[•·]\s*")
_TERM_END_RE = re.compile(r":\s|\t")  # masscan's `• --rate <pps>: ...`, cobra's `term<TAB>description`
_COBRA_DEFAULT_RE = re.compile(r"=(?:true|false)$|=(\S*)$")
_MAX_TERM_WORDS = 6


def _cobra_term(term: str) -> str:
    """cobra (kubectl, gh) writes an option with its default: `--all=false` is a switch,
    `--output=""` or `-f, --filename=[]` take a value."""
    return _COBRA_DEFAULT_RE.sub(lambda m: "" if m.group(1) is None else f"={ARG_OPEN}value{ARG_CLOSE}", term)


def _paragraph_term(block: Block, plain_start: bool) -> tuple[str, str] | None:
    """(term, rest of the paragraph) of an untagged paragraph that opens with an option: a subsection
    title (`.SS --all, -a`: podman, netstat), a bullet (`• --batch, -B`: DocBook), a term ended by a
    tab or `: `, or — with `plain_start` — the first word and a placeholder set in italics
    (`-T<lang> sets the output language`: graphviz)."""
    text = block.text.strip()
    if block.heading:
        return (text, "") if looks_like_flag(text) else None
    bullet = _BULLET_RE.match(text)
    text = text[bullet.end() :] if bullet else text
    if not looks_like_flag(text):
        return None
    end = _TERM_END_RE.search(text)
    if end and "\t" in end.group(0):
        return _cobra_term(text[: end.start()].strip()), text[end.end() :]
    if end and len(text[: end.start()].split()) <= _MAX_TERM_WORDS:
        return text[: end.start()], text[end.end() :]
    if bullet and len(text.split()) <= _MAX_TERM_WORDS:
        return text, ""
    if not plain_start or block.cont:  # a paragraph continuing a list item's body is its prose
        return None
    words = text.split(" ")
    n = 1  # the spellings (`-d, --show-disks[=false] Show all mounted disks`: gdu) and a placeholder
    while n < len(words) and words[n - 1].endswith(",") and looks_like_flag(words[n]):
        n += 1
    n += n < len(words) and words[n].startswith(ARG_OPEN)
    return " ".join(words[:n]), " ".join(words[n:])


def _paragraph_items(section: Section, plain_start: bool) -> Iterable[tuple[int, str, str]]:
    """Options set as paragraphs rather than list items, each with the paragraphs that follow it
    up to the next such option. A one-line option right before a list item is another spelling
    of that item (DocBook's `-a .br --data-only` term, of which only the last line is the tag)."""
    blocks = section.blocks
    for k, block in enumerate(blocks):
        if block.tag is not None or block.pre:
            continue
        if k + 1 < len(blocks) and blocks[k + 1].tag is not None and block.lines == 1:
            text = block.text.strip()
            if looks_like_flag(text) and len(text.split()) <= _MAX_TERM_WORDS:
                yield k, text, ""
                continue
        found = _paragraph_term(block, plain_start)
        if found is None:
            continue
        term, rest = found
        parts = [plain(rest)]
        for nxt in blocks[k + 1 :]:
            if nxt.tag is not None or nxt.heading or (not nxt.pre and _paragraph_term(nxt, plain_start)):
                break
            parts.append(plain(nxt.text))
        yield k, term, " ".join(" ".join(parts).split())


def _section_items(section: Section) -> list[tuple[str, str, bool]]:
    """The option items of a section in page order, each (term, body, whether it is a list item):
    its list items and options set as paragraphs; a paragraph that merely opens with an option
    counts only in an options section."""
    items = [(k, tag, body, True) for k, tag, body in _item_bodies(section)]
    plain_start = "OPTION" in section.name.upper()
    paragraphs = [(k, tag, body, False) for k, tag, body in _paragraph_items(section, plain_start)]
    return [(tag, body, listed) for _, tag, body, listed in sorted([*items, *paragraphs])]


# a list item that is a sub-command's synopsis (tmux's `new-session [-AdDEPX] [-c start-directory]`)
_SUBCOMMAND_TERM_RE = re.compile(r"[a-z][\w-]*\s+[\[{]-")


def page_flags(page: RoffPage, synopsis: str = "") -> list[Flag]:
    """The options a page lists, then those only its synopsis or its sub-commands' synopses show."""
    forms = attached_forms(synopsis)
    values = synopsis_values(synopsis)
    flags: list[Flag] = []
    waiting: list[Flag] = []  # items typeset together (.PD 0) share the next description
    listed_names: set[str] = set()
    from_paragraphs: list[Flag] = []
    for section in page.sections:
        if section.name.upper() in _NOT_OPTIONS:
            continue
        for tag, body, listed in _section_items(section):
            flag = parse_tag(apply_attached_forms(tag, forms), body)
            if flag is None:
                waiting.clear()
                if _SUBCOMMAND_TERM_RE.match(plain(tag)):
                    synopsis += " " + tag
                continue
            fill_from_synopsis(flag, values)
            if not body:
                waiting.append(flag)
            else:
                for w in waiting:
                    w["description"] = flag["description"]
                waiting.clear()
            flags.append(flag)
            if listed:
                listed_names.update(flag["flags"])
            else:
                from_paragraphs.append(flag)
    # an option a list item describes keeps the item's form, not that of a paragraph mentioning it
    mentions = {id(f) for f in from_paragraphs if listed_names.intersection(f["flags"])}
    flags = [f for f in flags if id(f) not in mentions]
    if not any(parse_tag(tag) for s in page.sections for _, tag, _ in _item_bodies(s)):
        # some pages show their options only as a verbatim copy of `--help` (busybox: one per applet)
        verbatim = "\n".join(plain(b.text) for s in page.sections for b in s.blocks if b.pre)
        flags += help_flags(verbatim)
    return _with_synopsis_flags(merge_flags(flags), synopsis)


def _with_synopsis_flags(flags: list[Flag], synopsis: str) -> list[Flag]:
    """The listed options, then those only the synopsis shows (perl's, BSD pages'); a synopsis
    group that names a listed option adds nothing: the list is the fuller description."""
    named = {n for f in flags for n in f["flags"]}
    extra = [f for f in synopsis_flags(synopsis) if not named.intersection(f["flags"])]
    return flags + merge_flags(extra)


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


def _record_names(stem: str, names: list[str], synopsis: list[str], text: str = "") -> tuple[str, list[str]]:
    """The record's name and aliases; the spaced invocation of a sub-command page (`git commit`)
    when its synopsis shows it — or, for a page whose synopsis shows no invocation of it (npm's),
    when its text does."""
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
    else:
        shown = any(line == name or line.startswith(name + " ") for line in synopsis)
        if (
            len(parts) == 2
            and not shown
            and re.search(rf"(?<![\w-]){re.escape(' '.join(parts))}(?![\w-])", text)
        ):
            aliases.append(" ".join(parts))
    return name, aliases


def _link_invocations(name: str, aliases: list[str], links: Iterable[str]) -> list[str]:
    """A sub-command page reached through a link of another tool's name (podman-build.1 as
    docker-build.1) is invoked the same way: `docker build` like `podman build`."""
    head, _, sub = name.partition("-")
    spaced = next((a for a in aliases if a.startswith(head + " ") and a.replace(" ", "-") == name), None)
    if spaced is None:
        return []
    return [link.partition("-")[0] + spaced[len(head) :] for link in links if link.partition("-")[2] == sub]


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
    page_text = "\n".join(section.text for section in page.sections)
    name, record_aliases = _record_names(stem, names, synopsis, page_text)
    for alias in [*aliases, *_link_invocations(name, record_aliases, aliases)]:
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
