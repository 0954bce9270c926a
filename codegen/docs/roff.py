"""A small, fast interpreter for man page roff source: man(7) and mdoc(7) macros → sections of blocks.

It reads the source directly (gzip/bzip2/xz/plain, `.so` redirects and includes) instead of running
`man`/groff per page, which is far too slow for ~20k pages. It understands enough of roff to recover
the document structure: sections (.SH/.Sh), subsections, paragraphs, tagged items (.TP/.TQ/.IP,
DocBook's ".PP term / .RS body", mdoc .Bl/.It) and preformatted text, with escapes, string
definitions and `.if/.ie/.el` conditionals evaluated as nroff would. Everything typographic
(spacing, hyphenation, registers, drawing) is dropped.

Italic/underlined text — in man pages the marking of a *placeholder* (`\\fIdir\\fR`, `.BI -I dir`,
mdoc `Ar`) — is wrapped in ARG_OPEN/ARG_CLOSE so the flag parser can tell `-Idir` (flag `-I`, value
`dir`) from `-maxdepth`. `plain()` removes the markers.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from dataclasses import dataclass, field
from pathlib import Path

ARG_OPEN = "\x0e"
ARG_CLOSE = "\x0f"
_STRIP_MARKERS = str.maketrans("", "", ARG_OPEN + ARG_CLOSE)


def plain(text: str) -> str:
    return text.translate(_STRIP_MARKERS)


@dataclass(slots=True)
class Block:
    """One paragraph-level unit. `tag` is set for list items (.TP/.IP/.It); `cont` marks a paragraph
    that continues the preceding item's body; `depth` counts .RS/.Bl nesting."""

    text: str
    tag: str | None = None
    depth: int = 0
    pre: bool = False
    cont: bool = False
    lines: int = 0  # input text lines in the block (DocBook terms are single-line paragraphs)
    heading: bool = False  # a subsection title (.SS/.Ss)


@dataclass(slots=True)
class Section:
    name: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Plain text of the section, item terms included."""
        parts = (f"{b.tag} {b.text}".strip() if b.tag else b.text for b in self.blocks)
        return "\n".join(plain(p) for p in parts if p)


@dataclass(slots=True)
class RoffPage:
    title: str = ""
    section: str = ""
    mdoc: bool = False
    sections: list[Section] = field(default_factory=list)

    def find(self, *names: str) -> Section | None:
        wanted = {n.upper() for n in names}
        return next((s for s in self.sections if s.name.upper() in wanted), None)


# ---------------------------------------------------------------- reading files

_DECOMPRESS = {
    ".gz": gzip.decompress,
    ".bz2": bz2.decompress,
    ".xz": lzma.decompress,
    ".lzma": lzma.decompress,
}
COMPRESSED_SUFFIXES = tuple(_DECOMPRESS)
_SO_RE = re.compile(r"^\.so[ \t]+(\S+)[ \t]*$", re.M)


def read_text(path: Path) -> str:
    data = path.read_bytes()
    unpack = _DECOMPRESS.get(path.suffix)
    if unpack is not None:
        data = unpack(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def resolve_so(target: str, man_root: Path) -> Path | None:
    """`.so man1/foo.1` is relative to the man root; the file may be compressed."""
    base = Path(target) if target.startswith("/") else man_root / target
    for candidate in (base, *(base.with_name(base.name + s) for s in COMPRESSED_SUFFIXES)):
        if candidate.is_file():
            return candidate
    return None


def read_roff(path: Path, man_root: Path | None = None, _depth: int = 0) -> tuple[str, Path]:
    """Source text with `.so` lines replaced by the file they name; returns (text, resolved path).
    A page that is only a `.so` redirect resolves to its target."""
    text = read_text(path)
    if ".so" not in text or _depth > 4:
        return text, path
    root = man_root or path.parent.parent
    stripped = text.strip()
    match = _SO_RE.fullmatch(stripped)
    if match:
        target = resolve_so(match.group(1), root)
        return read_roff(target, root, _depth + 1) if target else (text, path)

    def include(m: re.Match[str]) -> str:
        target = resolve_so(m.group(1), root)
        return read_roff(target, root, _depth + 1)[0] if target else ""

    return _SO_RE.sub(include, text), path


# ---------------------------------------------------------------- escapes

SPECIAL_CHARS = {
    "em": "—", "en": "–", "hy": "-", "mi": "-", "-": "-", "aq": "'", "dq": '"', "lq": '"', "rq": '"',
    "oq": "'", "cq": "'", "ga": "`", "aa": "´", "ti": "~", "ha": "^", "rs": "\\", "sl": "/", "ba": "|",
    "or": "|", "bv": "|", "br": "|", "bu": "•", "co": "©", "rg": "®", "tm": "™", "de": "°", "mu": "×",
    "di": "÷", "pl": "+", "eq": "=", "<=": "<=", ">=": ">=", "!=": "!=", "->": "->", "<-": "<-",
    "la": "<", "ra": ">", "fo": "«", "fc": "»", "Fo": "«", "Fc": "»", "sc": "§", "ps": "¶", "dg": "†",
    "ua": "↑", "da": "↓", "lh": "☜", "rh": "☞", "sq": "□", "ci": "○", "at": "@", "sh": "#", "Do": "$",
    "ct": "¢", "Po": "£", "Eu": "€", "Ye": "¥", "ss": "ß", "ae": "æ", "AE": "Æ", "+-": "±", "12": "½",
    "14": "¼", "34": "¾", "ti2": "~", "lB": "[", "rB": "]", "lC": "{", "rC": "}", "tno": "~",
    "a~": "~", "a^": "^", "aq2": "'", "'a": "á", "'e": "é", ":a": "ä", ":o": "ö", ":u": "ü", ":A": "Ä",
    ":O": "Ö", ":U": "Ü", "`a": "à", "`e": "è", ",c": "ç", "~n": "ñ", "OK": "✓", "**": "*", "pc": "·",
}  # fmt: skip
# Strings groff predefines (and pod2man/docbook would define) — resolved when a page uses them undefined.
DEFAULT_STRINGS = {"R": "®", "Tm": "™", "lq": '"', "rq": '"', "Aq": "'", "C`": '"', "C'": '"', "L\"": '"',
                   "R\"": '"', "--": "—", "PI": "π", "C+": "C++", "AT": "AT&T UNIX"}  # fmt: skip
ITALIC_FONTS = frozenset({"I", "2", "BI", "4", "IB", "CI", "IT", "BIT", "TI", "HI", "HBI", "CBI"})

_STRING_RE = re.compile(r"\\\*(?:\[([^\]]*)\]|\((..)|(.))")
_ESCAPE_RE = re.compile(
    r"""\\(?:
      f(?:\[([^\]]*)\]|\((..)|(.))                      # 1-3 font
    | \((..)                                             # 4   special char
    | \[([^\]]*)\]                                       # 5   named special char
    | C'([^']*)'                                         # 6   named special char, quoted
    | s(?:[-+]?(?:[1-3]\d|\d)|\([-+]?\d\d|\[[^\]]*\]|'[^']*')   # point size
    | [hvwlLDxXZobRABNSHY]'[^']*'                        # motions, drawing, widths, ...
    | [nmgMFVYO](?:\[[^\]]*\]|\(..|[-+]?.)                # registers, colours, ...
    | [k$].
    | (.)                                                # 7   one-character escape
    )""",
    re.X,
)
_ONE_CHAR = {
    "-": "-", "e": "\\", "E": "\\", "\\": "\\", " ": " ", "~": " ", "0": " ", "t": "\t", "'": "'",
    "`": "`", ".": ".", '"': "", "&": "", ")": "", "|": "", "^": "", ",": "", "/": "", ":": "",
    "%": "", "a": "", "d": "", "u": "", "r": "", "p": "", "z": "", "{": "", "}": "", "c": "", "#": "",
}  # fmt: skip
_ARG_RE = re.compile(r'"((?:[^"]|"")*)(?:"|$)|((?:\\.|[^ \t\\])+|\\)')
_MAX_TERM = 120  # longer one-line paragraphs are prose, not DocBook terms
_REQUEST_RE = re.compile(r"([^\s\\]+)[ \t]*")
_BULLET_RE = re.compile(r"[•·*o—–-]|\(?\d{1,2}[.)]|\(?[a-z][.)]")
_CONTINUATION_RE = re.compile(r"(?<!\\)\\\n")
_COMMENT_RE = re.compile(r'(?<!\\)\\["#].*')


def _ends_definition(line: str, end: str) -> bool:
    if line[:1] not in (".", "'"):
        return False
    rest = line[1:].lstrip()
    return rest == end or rest.startswith(end + " ") or rest.startswith(end + "\t")


def split_args(text: str) -> list[str]:
    """roff argument splitting: blanks separate, double quotes group, "" is a literal quote."""
    out = []
    for m in _ARG_RE.finditer(text):
        quoted, bare = m.groups()
        out.append(quoted.replace('""', '"') if quoted is not None else bare)
    return out


# ---------------------------------------------------------------- the interpreter


class _Interpreter:
    """Runs one page. Text is accumulated into blocks; macros open/close blocks and sections."""

    def __init__(self) -> None:
        self.page = RoffPage()
        self.strings: dict[str, str] = {}
        self.section: Section | None = None
        self.lines: list[str] = []  # rendered lines of the open block
        self.tag: str | None = None
        self.block_depth = 0
        self.block_cont = False
        self.depth = 0
        self.fill = True
        self.item_depth: int | None = None  # depth of the open item, while its body continues
        self.pending_tag = False  # .TP: the next text line is the tag
        self.tag_join = False  # .TQ: append the next line to the previous item's tag
        self.hanging = False  # inside a .HP paragraph (help2man sets `.HP term` + `.IP body`)
        self.next_font: str | None = None  # `.B` without arguments: font of the next text line
        self.pending_heading: str | None = None  # `.SH` without arguments: the next line is the title
        self.table_format = False  # inside the format lines of a .TS table
        self.font = "R"
        self.prev_font = "R"
        self.no_space = False  # \c: join the next text line without a blank
        self.else_stack: list[bool] = []
        # mdoc state
        self.lists: list[str] = []  # open .Bl list types
        self.xo = False  # inside .It ... Xo ... Xc
        self.mdoc_spacing = True
        self.mdoc_name = ""

    # -------------------------------------------------- output

    def flush(self) -> None:
        if self.lines or self.tag is not None:
            joiner = "\n" if not self.fill else " "
            text = joiner.join(self.lines).strip("\n" if not self.fill else None)
            self._append(
                Block(text, self.tag, self.block_depth, not self.fill, self.block_cont, len(self.lines))
            )
        self.lines = []
        self.tag = None

    def _append(self, block: Block) -> None:
        if self.section is None:
            self.section = Section("")
            self.page.sections.append(self.section)
        self.section.blocks.append(block)

    def open_block(self, tag: str | None = None, cont: bool = False) -> None:
        self.flush()
        self.tag = tag
        self.block_depth = self.depth
        self.block_cont = cont

    def paragraph(self) -> None:
        """.PP and friends: close the item, start a plain paragraph."""
        self.flush()
        self.item_depth = None
        self.pending_tag = False
        self.block_depth = self.depth
        self.block_cont = False

    def space(self) -> None:
        """.sp / blank line: a paragraph break that stays inside the current item's body."""
        self.flush()
        self.block_depth = self.depth
        self.block_cont = self.item_depth is not None and self.depth >= self.item_depth

    def heading(self, name: str, sub: bool) -> None:
        self.paragraph()
        self.fill = True
        self.depth = 0
        self.lists.clear()
        if sub:
            self._append(Block(name.strip(), heading=True))
        else:
            self.section = Section(name.strip())
            self.page.sections.append(self.section)
        self.block_depth = 0

    def add_text(self, text: str) -> None:
        if self.pending_heading:
            self._heading_from_text(text)
            return
        if self.pending_tag:
            self.pending_tag = False
            if self.tag_join and self.tag is not None and not self.lines:
                self.tag = f"{self.tag}, {text}"
            else:
                self.open_block(tag=text)
                self.item_depth = self.depth
            self.tag_join = False
            return
        if self.no_space and self.lines:
            self.lines[-1] += text
        else:
            self.lines.append(text)
        self.no_space = False

    # -------------------------------------------------- escapes

    def expand_strings(self, text: str) -> str:
        for _ in range(3):
            if "\\*" not in text:
                break
            text = _STRING_RE.sub(self._string_value, text)
        return text

    def _string_value(self, m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        value = self.strings.get(name)
        return value if value is not None else DEFAULT_STRINGS.get(name, "")

    def render(self, text: str, font: str | None = None) -> str:
        """Escapes → text; italic runs are wrapped in ARG markers. `font` starts a macro argument
        in that font (and leaves the running font alone); None continues the running font."""
        keep = (self.font, self.prev_font)
        if font is not None:
            self.font = font
        start_italic = self.font in ITALIC_FONTS
        if "\\" in text:
            text = self.expand_strings(text)
            text = _ESCAPE_RE.sub(self._escape, text)
        if start_italic:
            text = ARG_OPEN + text
        if self.font in ITALIC_FONTS:
            text += ARG_CLOSE
        if font is not None:
            self.font, self.prev_font = keep
        return text

    def _escape(self, m: re.Match[str]) -> str:
        lastindex = m.lastindex
        if lastindex is None:
            return ""
        if lastindex <= 3:
            name = m.group(lastindex)
            new = self.prev_font if name in ("P", "") else name
            was_italic = self.font in ITALIC_FONTS
            self.prev_font, self.font = self.font, new
            now_italic = new in ITALIC_FONTS
            if was_italic == now_italic:
                return ""
            return ARG_OPEN if now_italic else ARG_CLOSE
        if lastindex == 7:
            ch = m.group(7)
            return _ONE_CHAR.get(ch, ch)
        name = m.group(lastindex)
        if name.startswith(("u", "U")) and len(name) >= 5:
            try:
                return "".join(chr(int(part[1:] if i == 0 else part, 16)) for i, part in
                               enumerate(name.split("_")))  # fmt: skip
            except ValueError:
                return ""
        return SPECIAL_CHARS.get(name, "")

    # -------------------------------------------------- conditionals

    @staticmethod
    def _condition(rest: str) -> tuple[bool, str]:
        """Evaluate an `.if` condition as nroff running groff would; returns (value, body)."""
        rest = rest.lstrip()
        negate = rest.startswith("!")
        if negate:
            rest = rest[1:]
        value = False
        if rest[:1] in ("'", '"', "|"):  # string comparison 'a'b'
            d = rest[0]
            parts = rest.split(d, 3)
            if len(parts) == 4:
                value, rest = parts[1] == parts[2], parts[3]
            else:
                rest = ""
        else:
            m = re.match(r"(\S+)", rest)
            cond = m.group(1) if m else ""
            rest = rest[len(cond) :]
            if cond in ("n", "\\n(.g", "\\n[.g]", "\\n(.g>0"):
                value = True
            elif cond in ("d", "r", "c", "m", "F", "S"):  # condition with a name argument
                rest = re.sub(r"^\s*\S+", "", rest)
            elif re.fullmatch(r"[-+]?\d+", cond):
                value = int(cond) > 0
        return value != negate, rest.lstrip()

    def conditional(self, request: str, rest: str, lines: list[str], i: int) -> int:
        """Handles .if/.ie/.el; returns the index of the next line to read."""
        if request == "el":
            value, body = (self.else_stack.pop() if self.else_stack else False), rest.lstrip()
        else:
            value, body = self._condition(rest)
            if request == "ie":
                self.else_stack.append(not value)
        opens = body.startswith("\\{")
        if opens:
            body = body[2:].lstrip()
        if not value:
            if not opens:
                return i + 1
            depth = 1 + body.count("\\{") - body.count("\\}")
            j = i + 1
            while depth > 0 and j < len(lines):
                depth += lines[j].count("\\{") - lines[j].count("\\}")
                j += 1
            return j
        if body:
            self.line(body, lines, i)
        return i + 1

    # -------------------------------------------------- lines

    def run(self, text: str) -> RoffPage:
        text = _CONTINUATION_RE.sub("", text.replace("\r\n", "\n"))
        lines = text.split("\n")
        i = 0
        n = len(lines)
        while i < n:
            i = self.line(lines[i], lines, i)
        self.flush()
        if not self.page.mdoc:
            self._docbook_terms()
        return self.page

    def line(self, raw: str, lines: list[str], i: int) -> int:
        if "\\}" in raw:
            raw = raw.replace("\\}", "")
        if self.table_format:
            self.table_format = not raw.rstrip().endswith(".")
            return i + 1
        if raw[:1] in (".", "'"):
            if raw.startswith(('.\\"', "'\\\"")):
                return i + 1
            return self.request(raw[1:].lstrip(), lines, i)
        if not self.fill and ("\t" in raw or "T{" in raw or "T}" in raw):  # table rows
            raw = raw.replace("T{", "").replace("T}", "").replace("\t", "  ")
        if "\\" in raw and ('\\"' in raw or "\\#" in raw):
            raw = _COMMENT_RE.sub("", raw)
        if not raw.strip():
            if self.fill:
                if not self.pending_tag:
                    self.space()
            elif not self.pending_tag:
                self.add_text("")
            return i + 1
        if self.page.mdoc:
            self.add_text(self.render(raw, "R"))
            return i + 1
        joins = raw.endswith("\\c")
        font = self.next_font
        self.next_font = None
        text = self.render(raw, font) if font else self.render(raw)
        self.add_text(text)
        self.no_space = joins
        return i + 1

    def request(self, body: str, lines: list[str], i: int) -> int:
        m = _REQUEST_RE.match(body)
        if not m:
            return i + 1
        name = m.group(1)
        rest = body[m.end() :]
        if name in ("if", "ie", "el"):
            return self.conditional(name, rest, lines, i)
        if "\\" in rest and ('\\"' in rest or "\\#" in rest):
            rest = _COMMENT_RE.sub("", rest)
        if name in ("de", "de1", "am", "am1", "ig", "dei", "ami"):
            args = rest.split()
            # the definition ends at `..` (or `.END` when named), blanks allowed after the dot
            end = args[1] if len(args) > 1 and name != "ig" else args[0] if name == "ig" and args else "."
            j = i + 1
            while j < len(lines) and not _ends_definition(lines[j], end):
                j += 1
            return j + 1
        if name == "ds" or name == "as" or name == "ds1":
            key, _, value = rest.partition(" ")
            value = value.lstrip()
            if value.startswith('"'):
                value = value[1:]
            self.strings[key] = (self.strings.get(key, "") if name == "as" else "") + value
            return i + 1
        if name == "do":
            return self.request(rest, lines, i)
        if self.page.mdoc or (name in ("Dd", "Dt") and not self.page.sections):
            self.page.mdoc = True
            self.mdoc_request(name, rest)
        else:
            self.man_request(name, rest)
        return i + 1

    # -------------------------------------------------- man(7)

    def _font_line(self, args: list[str], fonts: tuple[str, ...], spaced: bool) -> str:
        parts = [self.render(a, fonts[k % len(fonts)]) for k, a in enumerate(args)]
        return (" " if spaced else "").join(parts)

    def man_request(self, name: str, rest: str) -> None:
        match name:
            case "TH":
                args = split_args(rest)
                self.page.title = plain(self.render(args[0], "R")) if args else ""
                self.page.section = args[1] if len(args) > 1 else ""
            case "SH" | "SS":
                if rest.strip():
                    self.heading(plain(self._font_line(split_args(rest), ("R",), True)), name == "SS")
                else:  # heading text on the next line
                    self.pending_heading = name
            case "PP" | "LP" | "P" | "HP":
                self.paragraph()
                self.hanging = name == "HP"
            case "TP" | "TQ":
                if name == "TQ":
                    self.tag_join = True
                else:
                    self.flush()
                self.pending_tag = True
            case "IP" | "bP":
                args = split_args(rest)
                tag = self._font_line(args[:1], ("R",), False).strip() if args and name == "IP" else ""
                self.pending_tag = False
                if not tag and self.hanging and self.tag is None and len(self.lines) == 1:
                    # help2man: a one-line `.HP` paragraph followed by `.IP` is the item's term
                    tag = self.lines.pop()
                self.hanging = False
                if tag and not _BULLET_RE.fullmatch(plain(tag)):
                    self.open_block(tag=tag)
                    self.item_depth = self.depth
                else:  # an indented or bulleted paragraph continues the open item, if any
                    self.open_block(cont=self.item_depth is not None)
                    if tag:
                        self.lines.append(tag)
            case "RS" | "INDENT":
                self.flush()
                self.depth += 1
                self.block_depth = self.depth
                self.block_cont = self.item_depth is not None
            case "RE" | "UNINDENT":
                self.flush()
                self.depth = max(0, self.depth - 1)
                if self.item_depth is not None and self.depth < self.item_depth:
                    self.item_depth = None
                self.block_depth = self.depth
                self.block_cont = self.item_depth is not None
            case "sp" | "Sp":
                self.space()
            case "br":
                if self.fill:
                    self.flush()
                    self.block_depth = self.depth
                    self.block_cont = self.item_depth is not None
            case "nf" | "EX" | "Vb" | "fi" | "EE" | "Ve" | "TS" | "TE":
                self.flush()
                self.fill = name in ("fi", "EE", "Ve", "TE")
                self.table_format = name == "TS"
                self.block_depth = self.depth
                self.block_cont = self.item_depth is not None
            case "B" | "I" | "SM" | "SB" | "CW":
                font = "I" if name == "I" else "R" if name == "SM" else "B"
                args = split_args(rest)
                if args:
                    self.add_text(self._font_line(args, (font,), True))
                else:
                    self.next_font = font
            case "BR" | "BI" | "IB" | "IR" | "RB" | "RI":
                self.add_text(self._font_line(split_args(rest), (name[0], name[1]), False))
            case "ft":
                f = rest.strip() or "P"
                self.prev_font, self.font = self.font, self.prev_font if f == "P" else f
            case "SY":
                self.paragraph()
                self.add_text(self.render(rest, "B"))
            case "OP":
                args = split_args(rest)
                self.add_text("[" + self._font_line(args, ("B", "I"), True) + "]")
            case "YS":
                self.paragraph()
            case "UE" | "ME" if rest.strip():
                self.no_space = True
                self.add_text(self.render(rest.strip(), "R"))
            case "URL":
                args = split_args(rest)
                self.add_text(self.render(args[1] if len(args) > 1 else args[0] if args else "", "R"))
            case _:
                pass  # typography, registers, index entries, unknown user macros

    def _heading_from_text(self, text: str) -> None:
        sub = self.pending_heading == "SS"
        self.pending_heading = None
        self.heading(plain(text), sub)

    def _docbook_terms(self) -> None:
        """DocBook writes list items as `.PP term` + `.RS 4 body .RE`: a one-line paragraph followed
        by a deeper block is an item."""
        for section in self.page.sections:
            blocks = section.blocks
            for k in range(len(blocks) - 1):
                b, nxt = blocks[k], blocks[k + 1]
                if (
                    b.tag is None
                    and not b.cont
                    and b.lines == 1
                    and not b.pre
                    and nxt.depth > b.depth
                    and len(b.text) <= _MAX_TERM
                    and not b.text.endswith((":", "."))
                ):
                    blocks[k] = Block("", b.text, b.depth, False, False, 0)

    # -------------------------------------------------- mdoc(7)

    def mdoc_request(self, name: str, rest: str) -> None:
        args = split_args(rest)
        match name:
            case "Dd" | "Os" | "Bk" | "Ek" | "Rs" | "Re" | "An" if name != "An" or not args:
                pass
            case "Dt":
                self.page.title = args[0] if args else ""
                self.page.section = args[1] if len(args) > 1 else ""
            case "Sh" | "Ss":
                self.heading(plain(self.mdoc_phrase(args)), name == "Ss")
            case "Pp" | "Lp" | "PP" | "LP":
                if self.lists:
                    self.space()
                else:
                    self.paragraph()
            case "Bl":
                self.flush()
                kind = next((a for a in args if a in _MDOC_LIST_TYPES), "-tag")
                self.lists.append(kind)
                self.depth += 1
                self.block_depth = self.depth
            case "El":
                self.flush()
                if self.lists:
                    self.lists.pop()
                    self.depth = max(0, self.depth - 1)
                self.item_depth = None if not self.lists else self.item_depth
                if self.item_depth is not None and self.item_depth > self.depth:
                    self.item_depth = None
                self.block_depth = self.depth
                self.block_cont = self.item_depth is not None
            case "It":
                self._mdoc_item(args)
            case "Xc":
                if self.xo:
                    self.xo = False
                    self.tag = ((self.tag or "") + " " + self.mdoc_phrase(args)).strip()
            case "Bd":
                self.flush()
                self.fill = not ("-literal" in args or "-unfilled" in args)
                self.depth += 1
                self.block_depth = self.depth
                self.block_cont = self.item_depth is not None
            case "Ed":
                self.flush()
                self.fill = True
                self.depth = max(0, self.depth - 1)
                self.block_depth = self.depth
                self.block_cont = self.item_depth is not None
            case "D1" | "Dl":
                self.flush()
                self.block_depth = self.depth + 1
                self.block_cont = self.item_depth is not None
                self.lines = [self.mdoc_phrase(args)]
                self.flush()
                self.block_depth = self.depth
            case "Nd":
                self.add_text("- " + self.mdoc_phrase(args))
            case "Nm" if self.section is not None and self.section.name.upper() == "SYNOPSIS":
                self.paragraph()
                self.mdoc_inline(name, args)
            case "Ex":
                util = next((a for a in args if a != "-std"), self.mdoc_name)
                self.add_text(f"The {util} utility exits 0 on success, and >0 if an error occurs.")
            case "Rv":
                self.add_text("The function returns the value 0 if successful; otherwise -1.")
            case "Sm":
                self.mdoc_spacing = not args or args[0] != "off"
            case "br":
                self.flush()
                self.block_depth = self.depth
                self.block_cont = self.item_depth is not None
            case "sp":
                self.space()
            case "nf" | "fi":
                self.flush()
                self.fill = name == "fi"
            case _ if name in _MDOC_CALLABLE or name in ("Fd", "In", "Lb", "Vt", "Ft", "An", "Cd"):
                self.mdoc_inline(name, args)
            case _:
                pass

    def _mdoc_item(self, args: list[str]) -> None:
        kind = self.lists[-1] if self.lists else "-tag"
        self.flush()
        self.xo = "Xo" in args
        if kind in ("-tag", "-hang", "-ohang", "-inset", "-diag"):
            tag = self.mdoc_phrase(args)
            self.open_block(tag=tag)
            self.item_depth = self.depth
        elif kind == "-column":
            self.open_block()
            self.item_depth = None
            text = self.mdoc_phrase(args)
            if text:
                self.lines.append(text)
        else:  # bullet / dash / enum / item lists: untagged paragraphs inside the list
            self.open_block(cont=self.item_depth is not None)

    def mdoc_inline(self, name: str, args: list[str]) -> None:
        text = self.mdoc_phrase([name, *args])
        if name == "Nm" and not self.mdoc_name and args:
            self.mdoc_name = plain(self.render(args[0], "R"))
        if self.xo:
            self.tag = ((self.tag or "") + " " + text).strip()
            return
        if text:
            self.add_text(text)

    def mdoc_phrase(self, tokens: list[str]) -> str:
        """Render an mdoc line: callable macros applied left to right, delimiters attached."""
        words: list[tuple[str, bool]] = []  # (text, glue to previous)
        closers: list[str] = []
        glue_next = False
        mode = "No"
        first_arg = False

        def emit(text: str, glue: bool = False) -> None:
            nonlocal glue_next
            words.append((text, glue or glue_next or not self.mdoc_spacing))
            glue_next = False

        for tok in tokens:
            if tok in _MDOC_CALLABLE:
                mode, first_arg = tok, True
                match tok:
                    case "Ns":
                        glue_next = True
                    case "Ap":
                        emit("'", True)
                        glue_next = True
                    case "Op" | "Dq" | "Qq" | "Sq" | "Pq" | "Bq" | "Brq" | "Aq" | "Ql":
                        opener, closer = _MDOC_ENCLOSE[tok]
                        emit(opener)
                        glue_next = True
                        closers.append(closer)
                    case "Oo" | "Do" | "Qo" | "So" | "Po" | "Bo" | "Bro" | "Ao":
                        emit(_MDOC_ENCLOSE[tok][0])
                        glue_next = True
                    case "Oc" | "Dc" | "Qc" | "Sc" | "Pc" | "Bc" | "Brc" | "Ac":
                        emit(_MDOC_CLOSE[tok], True)
                    case "Ta":
                        emit("\t")
                    case "Xo" | "Xc":
                        pass
                    case "Fl":
                        emit("-")  # replaced by the first argument, if any
                    case "Nm":
                        emit(self.mdoc_name)
                    case "Ar":
                        emit(ARG_OPEN + "file ..." + ARG_CLOSE)
                    case "Bx" | "Ux" | "Nx" | "Fx" | "Ox" | "Bsx" | "Dx" | "At":
                        emit(_MDOC_NAMES[tok])
                    case _:
                        pass
                continue
            if tok in _DELIM_CLOSE:
                emit(tok, True)
                continue
            if tok in _DELIM_OPEN:
                emit(tok)
                glue_next = True
                continue
            if tok == "|":
                emit(tok)
                continue
            text = self.render(tok, "R") if "\\" in tok else tok
            if first_arg and mode in ("Fl", "Ar", "Nm", "Bx", "Ux", "Nx", "Fx", "Ox", "Bsx", "Dx", "At"):
                glue_next = glue_next or words.pop()[1]  # replace the macro's default text
            if mode == "Fl":
                text = "-" + text
            elif mode == "Ar":
                text = ARG_OPEN + text + ARG_CLOSE
            elif mode == "Nm" and first_arg and not self.mdoc_name:
                self.mdoc_name = text
            elif mode == "Xr" and not first_arg:
                text = f"({text})"
                emit(text, True)
                continue
            elif mode in ("Bx", "Ux", "Nx", "Fx", "Ox", "Bsx", "Dx", "At") and first_arg:
                text = f"{_MDOC_NAMES[mode]} {text}" if mode != "Bx" else f"{text}BSD"
            elif mode == "Pf" and first_arg:
                emit(text)
                glue_next = True
                first_arg = False
                continue
            emit(text)
            first_arg = False
        tail: list[tuple[str, bool]] = []
        while words and words[-1][1] and words[-1][0] in _DELIM_CLOSE:
            tail.insert(0, words.pop())
        for closer in reversed(closers):
            words.append((closer, True))
        words.extend(tail)
        out = []
        for k, (text, glue) in enumerate(words):
            if k and not glue and text:
                out.append(" ")
            out.append(text)
        return "".join(out).strip().replace(ARG_CLOSE + " " + ARG_OPEN, " ")


_MDOC_LIST_TYPES = frozenset(
    {"-tag", "-hang", "-ohang", "-inset", "-diag", "-column", "-bullet", "-dash", "-hyphen", "-enum", "-item"}
)
_MDOC_CALLABLE = frozenset(
    [
        "Ac",
        "Ad",
        "An",
        "Ao",
        "Ap",
        "Aq",
        "Ar",
        "At",
        "Bc",
        "Bo",
        "Bq",
        "Brc",
        "Bro",
        "Brq",
        "Bsx",
        "Bx",
        "Cd",
        "Cm",
        "Dc",
        "Do",
        "Dq",
        "Dv",
        "Dx",
        "Ec",
        "Em",
        "En",
        "Eo",
        "Er",
        "Es",
        "Ev",
        "Fa",
        "Fc",
        "Fl",
        "Fn",
        "Fo",
        "Fr",
        "Ft",
        "Fx",
        "Ic",
        "Li",
        "Lk",
        "Ms",
        "Mt",
        "Nm",
        "No",
        "Ns",
        "Nx",
        "Oc",
        "Oo",
        "Op",
        "Ot",
        "Ox",
        "Pa",
        "Pc",
        "Pf",
        "Po",
        "Pq",
        "Qc",
        "Ql",
        "Qo",
        "Qq",
        "Sc",
        "So",
        "Sq",
        "Sx",
        "Sy",
        "Ta",
        "Tn",
        "Ux",
        "Va",
        "Vt",
        "Xc",
        "Xo",
        "Xr",
    ]
)
_MDOC_ENCLOSE = {
    "Op": ("[", "]"), "Oo": ("[", "]"), "Dq": ('"', '"'), "Do": ('"', '"'), "Qq": ('"', '"'),
    "Qo": ('"', '"'), "Sq": ("'", "'"), "So": ("'", "'"), "Ql": ("'", "'"), "Pq": ("(", ")"),
    "Po": ("(", ")"), "Bq": ("[", "]"), "Bo": ("[", "]"), "Brq": ("{", "}"), "Bro": ("{", "}"),
    "Aq": ("<", ">"), "Ao": ("<", ">"),
}  # fmt: skip
_MDOC_CLOSE = {"Oc": "]", "Dc": '"', "Qc": '"', "Sc": "'", "Pc": ")", "Bc": "]", "Brc": "}", "Ac": ">"}
_MDOC_NAMES = {"Bx": "BSD", "Ux": "UNIX", "Nx": "NetBSD", "Fx": "FreeBSD", "Ox": "OpenBSD", "Bsx": "BSD/OS",
               "Dx": "DragonFly", "At": "AT&T UNIX"}  # fmt: skip
_DELIM_CLOSE = frozenset({".", ",", ";", ":", "?", "!", ")", "]"})
_DELIM_OPEN = frozenset({"(", "["})


def parse_roff(text: str) -> RoffPage:
    """Parse man(7) or mdoc(7) source (the dialect is detected from .Dd/.Dt)."""
    return _Interpreter().run(text)
