"""The markdown pages fortls ships for intrinsic procedures (`intrinsic.procedures.markdown.json`):
sections, plain text, argument declarations and the bracket notation of the call synopsis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codegen.docs.fortran_schema import Intent, parse_intent, split_top, squash

_HEADING = re.compile(r"^###\s+(.*)$", re.MULTILINE)
_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)
_OPTION = re.compile(r"^- \*\*(?P<names>[^*]+)\*\*(?P<body>.*?)(?=^- \*\*|\Z)", re.MULTILINE | re.DOTALL)
_DECL = re.compile(r"^\s*(?P<attrs>[^!:\n]+?)\s*::\s*(?P<names>.+?)\s*$", re.MULTILINE)
_HEADER = re.compile(
    r"^\s*(?P<prefix>[^\n]*?)\b(?P<what>function|subroutine)\s+(?P<name>\w+)\s*\(", re.MULTILINE | re.I
)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_PREFIXES = {"elemental", "pure", "impure", "recursive", "module", "non_recursive"}


def md_plain(text: str) -> str:
    """Markdown prose -> one line of plain text; code blocks are dropped (they are examples)."""
    text = _FENCE.sub(" ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their label
    text = re.sub(r"\\(.)", r"\1", text)
    text = text.replace("**", "").replace("`", "")
    text = re.sub(r"(?<![\w*])_([^_\n]+)_(?!\w)", r"\1", text)  # _real_ emphasis, not count_rate
    return squash(text)


@dataclass
class Declaration:
    type: str
    intent: Intent
    optional: bool


@dataclass
class IntrinsicPage:
    name_line: str = ""
    sections: dict[str, str] = field(default_factory=dict)
    call_synopsis: str = ""  # the first synopsis code block: `result = sum(array [,dim[,mask]])`
    declarations: dict[str, Declaration] = field(default_factory=dict)
    header_args: list[str] = field(default_factory=list)  # from `... function sum(array, dim, mask)`
    procedure: str | None = None
    returns: str | None = None
    option_text: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """`**abs** - \\[NUMERIC\\] Absolute value` -> 'Absolute value'."""
        text = md_plain(self.name_line)
        text = re.sub(r"^[\w, ]+?\s+-\s+", "", text, count=1)
        return re.sub(r"^\[[^\]]*\]\s*", "", text).strip()

    @property
    def category(self) -> str:
        m = re.search(r"\\\[([^\]\\]*)\\\]", self.name_line)
        return m.group(1).replace(":", " ").lower() if m else ""

    @property
    def variadic(self) -> bool:
        return "..." in self.call_synopsis

    def optional_in_synopsis(self, arg: str) -> bool | None:
        """True if `arg` is written inside [...] in the call synopsis, False if written outside,
        None if the synopsis does not mention it."""
        depth, seen_outside, seen_inside = 0, False, False
        body = self.call_synopsis.split("(", 1)[1] if "(" in self.call_synopsis else ""
        pos = 0
        for m in _IDENT.finditer(body):
            depth += body.count("[", pos, m.start()) - body.count("]", pos, m.start())
            pos = m.start()
            if m.group().lower() == arg.lower():
                if depth > 0:
                    seen_inside = True
                else:
                    seen_outside = True
        if not (seen_inside or seen_outside):
            return None
        return seen_inside

    def examples(self) -> list[str]:
        body = self.sections.get("examples") or self.sections.get("example") or ""
        return [code.strip() + "\n" for code in _FENCE.findall(body) if "program" in code.lower()]


def parse_page(text: str) -> IntrinsicPage:
    page = IntrinsicPage()
    heads = list(_HEADING.finditer(text))
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        title = h.group(1).replace("*", "").strip().lower()
        page.sections.setdefault(title, text[h.end() : end].strip())
    page.name_line = page.sections.get("name", "").strip()
    synopsis = page.sections.get("synopsis", "")
    blocks = _FENCE.findall(synopsis)
    if blocks:
        page.call_synopsis = squash(blocks[0].replace("&", " "))
    code = " \n".join(blocks)
    header = _HEADER.search(code)
    if header:
        page.procedure = header.group("what").lower()
        prefix = [w for w in header.group("prefix").split() if w.lower() not in _PREFIXES]
        if page.procedure == "function":
            page.returns = " ".join(prefix) or None
        rest = code[header.end() :]
        close = rest.find(")")
        page.header_args = _IDENT.findall(rest[:close].replace("&", " "))
    for m in _DECL.finditer(code):
        attrs = split_top(m.group("attrs"))
        if not attrs or attrs[0].lower().startswith(("use", "result")):
            continue
        intent = None
        optional = False
        kept = []
        for a in attrs:
            low = a.lower().replace(" ", "")
            if low.startswith("intent("):
                intent = parse_intent(a)
            elif low == "optional":
                optional = True
            else:
                kept.append(a)
        for item in split_top(m.group("names")):
            ident = _IDENT.match(item)
            if not ident:
                continue
            dims = item[ident.end() :].strip()
            type_ = ", ".join(kept) + (f", dimension{dims}" if dims.startswith("(") else "")
            page.declarations.setdefault(ident.group().lower(), Declaration(type_, intent, optional))
    for m in _OPTION.finditer(page.sections.get("options", "")):
        desc = md_plain(m.group("body").lstrip().lstrip(":"))
        for name in re.split(r"[,\s]+", m.group("names")):
            if name and name != "...":
                page.option_text.setdefault(name.lower(), desc)
    return page
