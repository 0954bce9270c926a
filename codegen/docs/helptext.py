"""Plain-text help → usage lines, summary, Flag entries and subcommands.

Covers the GNU `--help` layout (`  -a, --all        do not ignore ...` with continuation lines
indented to the description column), argparse/clap layouts (the description on the next, deeper
indented line), and Bash's `help -m NAME` pages (NAME / SYNOPSIS / DESCRIPTION, tab-separated
option lines). Option terms go through the same parser as man page terms (codegen.docs.flags).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codegen.docs.flags import Flag, merge_flags, parse_tag

# An option line: indent, a term starting with -x/--x/+x, then (after 2+ blanks) its description.
_OPTION_RE = re.compile(
    r"^(?P<indent> +)(?P<term>[-+][A-Za-z0-9?#@[-]\S*(?:(?:(?<=,) +| (?! ))\S+)*)(?: {2,}(?P<desc>\S.*))?$"
)
_PLACEHOLDER_RE = re.compile(r"[A-Z][A-Z0-9_.-]*|[<\[{]\S*")
_USAGE_RE = re.compile(r"^\s*usage:\s*(?P<rest>.*)$", re.I)
_OR_RE = re.compile(r"^\s+or:\s+(?P<rest>.+)$")
_COMMAND_HEADING_RE = re.compile(r"^\s*(?:[\w ]*\b)?(?:sub)?commands?\b[^:]*:\s*$", re.I)
_COMMAND_LINE_RE = re.compile(r"^ +(?P<name>[a-z][\w.-]*)(?:, [a-z][\w.-]*)*(?: {2,}\S.*)?$")
_HEADING_RE = re.compile(r"^\S.*:\s*$")
_PROSE_INDENT = 4  # deeper lines continue an option or command description
_OVERVIEW_RE = re.compile(r"^(?:OVERVIEW|DESCRIPTION|Description):\s*")
# table rows (`install    Install packages.`), interpreter warnings, error messages
_NOT_PROSE_RE = re.compile(r"^\s*\S+ {2,}\S|^\s*/\S+:\d+:|.*\b(?:[Ee]rror|Warning|WARNING)\b:")
# "Using `+' instead of `-' turns off the given attribute." (declare), "Using + rather than -" (set)
_PLUS_FORMS_RE = re.compile(r"using\s+[`'\"]?\+[`'\"]?\s+(?:instead of|rather than)\s+[`'\"]?-", re.I)


@dataclass(slots=True)
class HelpPage:
    usage: list[str] = field(default_factory=list)
    summary: str = ""
    flags: list[Flag] = field(default_factory=list)
    subcommands: list[str] = field(default_factory=list)


def _untab(text: str) -> list[str]:
    """Lines with tabs expanded; a tab after a word always leaves a column gap (2+ blanks), which is
    what separates an option term from its description (`-n nchars<TAB>return after ...`)."""
    return [line.rstrip() for line in re.sub(r"(?<=\S)\t", "  \t", text).expandtabs(8).splitlines()]


def _split_gapless(term: str) -> tuple[str, str | None]:
    """GNU help leaves a single blank after a term too long for its column
    (`--single-stream decompress only the first stream`): the term is its spellings, each with at
    most one placeholder word (`FILE`, `<file>`, `[N]`); two or more words after that are prose."""
    words = term.split(" ")
    k = 0
    while k < len(words):
        k += 1
        if words[k - 1].endswith(","):
            continue
        if k < len(words) and _PLACEHOLDER_RE.fullmatch(words[k].rstrip(",")):
            k += 1
            if words[k - 1].endswith(","):
                continue
        break
    if len(words) - k >= 2:
        return " ".join(words[:k]), " ".join(words[k:])
    return term, None


def help_flags(text: str) -> list[Flag]:
    """Every option line of a help text, with its (possibly multi-line) description."""
    lines = _untab(text)
    flags: list[Flag] = []
    waiting: list[Flag] = []
    k = 0
    while k < len(lines):
        m = _OPTION_RE.match(lines[k])
        if not m:
            k += 1
            continue
        indent = len(m.group("indent"))
        term = m.group("term").rstrip()
        desc = [m.group("desc")] if m.group("desc") else []
        column = m.start("desc") if m.group("desc") else None
        if not desc:
            term, gapless = _split_gapless(term)
            desc = [gapless] if gapless else []
        k += 1
        while k < len(lines):
            line = lines[k]
            if not line.strip():
                break
            depth = len(line) - len(line.lstrip())
            if depth <= indent or (column is not None and depth < column and _OPTION_RE.match(line)):
                break
            if column is None:
                column = depth
            desc.append(line.strip())
            k += 1
        flag = parse_tag(term, " ".join(desc))
        if flag is None:
            waiting.clear()
            continue
        if flag["description"]:
            for w in waiting:
                w["description"] = flag["description"]
            waiting.clear()
        else:  # options listed together share the description that follows
            waiting.append(flag)
        flags.append(flag)
    return merge_flags(flags)


def _usage(lines: list[str]) -> list[str]:
    usage: list[str] = []
    for k, line in enumerate(lines):
        m = _USAGE_RE.match(line)
        if not m:
            continue
        if m.group("rest").strip():
            usage.append(" ".join(m.group("rest").split()))
        for nxt in lines[k + 1 :]:
            more = _OR_RE.match(nxt)
            if more:
                usage.append(" ".join(more.group("rest").split()))
            elif nxt.startswith((" ", "\t")) and nxt.strip() and not _OPTION_RE.match(nxt):
                if usage:  # a usage wrapped onto indented lines
                    usage[-1] += " " + " ".join(nxt.split())
                else:
                    usage.append(" ".join(nxt.split()))
            else:
                break
        break
    return usage


def _summary(lines: list[str]) -> str:
    """The first prose line that is not part of the usage block, an option or a heading."""
    in_usage = False
    for k, line in enumerate(lines):
        if _USAGE_RE.match(line):
            in_usage = True
            continue
        if in_usage and (line.startswith((" ", "\t")) or _OR_RE.match(line)) and line.strip():
            continue
        in_usage = False
        text = _OVERVIEW_RE.sub("", line.strip())
        if (
            len(line) - len(line.lstrip()) > _PROSE_INDENT
            or len(text.split()) < 3
            or _OPTION_RE.match(line)
            or _HEADING_RE.match(line)
            or _NOT_PROSE_RE.match(line)
        ):
            continue
        paragraph = [text]
        for nxt in lines[k + 1 :]:
            if not nxt.strip() or _OPTION_RE.match(nxt) or _HEADING_RE.match(nxt):
                break
            paragraph.append(nxt.strip())
        return re.split(r"(?<=\.)\s", " ".join(paragraph), maxsplit=1)[0]
    return ""


def help_subcommands(text: str) -> list[str]:
    """Names listed under a `Commands:` heading (`  build   Compile the project`)."""
    found: list[str] = []
    lines = _untab(text)
    for k, line in enumerate(lines):
        if not _COMMAND_HEADING_RE.match(line):
            continue
        for nxt in lines[k + 1 :]:
            if not nxt.strip():
                if found:
                    break
                continue
            m = _COMMAND_LINE_RE.match(nxt)
            if not m:
                break
            if m.group("name") not in found:
                found.append(m.group("name"))
    return found


def parse_help(text: str) -> HelpPage:
    lines = _untab(text)
    return HelpPage(
        usage=_usage(lines),
        summary=_summary(lines),
        flags=help_flags(text),
        subcommands=help_subcommands(text),
    )


@dataclass(slots=True)
class BuiltinHelp:
    name: str
    summary: str
    synopsis: list[str]
    description: str
    flags: list[Flag]


def _sections(text: str) -> dict[str, str]:
    """`help -m` output: headings at column 0, bodies indented by four spaces."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line and not line[0].isspace():
            current = sections.setdefault(line.strip(), [])
        elif current is not None:
            current.append(line[4:] if line.startswith("    ") else line.strip())
    return {k: "\n".join(v).strip("\n") for k, v in sections.items()}


def parse_builtin_help(text: str) -> BuiltinHelp | None:
    """One `help -m NAME` page. `+x` spellings are added where the page says `+` turns an option off."""
    sections = _sections(text)
    name_line = sections.get("NAME", "").strip()
    if " - " not in name_line:
        return None
    name, summary = (part.strip() for part in name_line.split(" - ", 1))
    description = sections.get("DESCRIPTION", "")
    flags = help_flags(description)
    if _PLUS_FORMS_RE.search(description):
        for flag in flags:
            flag["flags"] += ["+" + f[1:] for f in flag["flags"] if re.fullmatch(r"-[A-Za-z]", f)]
    synopsis = [" ".join(line.split()) for line in sections.get("SYNOPSIS", "").splitlines() if line.strip()]
    return BuiltinHelp(name, summary, synopsis, description, flags)
