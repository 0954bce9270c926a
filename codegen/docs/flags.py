"""Option tags → Flag entries (the bash `schema["options"]` shape of codegen.docs.record).

A tag is the term of an option list item: `-C dir, --directory=dir`, `--jobs[=N]`, `-I<dir>`,
`-maxdepth levels`, `+o option`. Placeholders may be wrapped in roff.ARG_OPEN/ARG_CLOSE (italic in a
man page, `Ar` in mdoc), which is the only way to split `-Idir` into `-I` + `dir`; plain help text has
no such marks.

`separators` is the union over the entry's spellings of how the value attaches, as the documentation
shows it: " " (`-o file`), "=" (`--file=FILE`), "" (`-j4`, `-I<dir>`, `-O[level]`), ":" (`-g:none`).
"=" comes from the long spellings and "" from the short ones.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.docs.roff import ARG_CLOSE, ARG_OPEN, plain

Flag = dict[str, Any]

_NAME_RE = re.compile(r"(?:--?|\+)(?:\[no-?\])?[A-Za-z0-9?#@](?:[A-Za-z0-9_.#@?-]|\[no-?\])*")
# `-a, --all` / `-h | --help` / `-a or -b` / gzip's `-c --stdout --to-stdout`
_SPLIT_RE = re.compile(
    r"\s*(?:,|\s\|\s|\|(?=[-+])|\s+or\s+)\s*(?=(?:" + ARG_OPEN + r")?[-+][^\s,|])|\s+(?=--[A-Za-z])"
)
_NEGATION_RE = re.compile(r"\[no-?\]")
_MAX_ARG_WORDS = 5
_ITALIC_NUMBER_RE = re.compile(ARG_OPEN + r"[-+][a-z]" + ARG_CLOSE)
# find's `expr1 -o expr2`: a binary operator between two placeholders is a switch of its own
_INFIX_RE = re.compile(
    f"{ARG_OPEN}[^{ARG_CLOSE}]+{ARG_CLOSE}\\s+(-[A-Za-z]+)\\s+{ARG_OPEN}[^{ARG_CLOSE}]+{ARG_CLOSE}"
)


def looks_like_flag(tag: str) -> bool:
    text = plain(tag).lstrip()
    return bool(_NAME_RE.match(text)) and text not in ("-", "--", "+")


def _split_alternatives(tag: str) -> list[str]:
    """`-a, --all` / `-h | --help` / `-a or -b` → spellings; a comma inside a value stays put."""
    parts = _SPLIT_RE.split(tag.strip())
    return [p.strip() for p in parts if p.strip()]


def _closing_bracket(text: str, start: int) -> int:
    """Index of the bracket closing text[start] ('[' or '<'), or -1."""
    open_ch = text[start]
    close_ch = "]" if open_ch == "[" else ">"
    depth = 0
    for k in range(start, len(text)):
        if text[k] == open_ch:
            depth += 1
        elif text[k] == close_ch:
            depth -= 1
            if depth == 0:
                return k
    return -1


def _clean_arg(arg: str) -> str:
    arg = " ".join(plain(arg).split())
    if arg.startswith("<") and _closing_bracket(arg, 0) == len(arg) - 1:
        arg = arg[1:-1]
    return arg


def parse_spelling(spelling: str) -> tuple[list[str], str | None, bool, str | None] | None:
    """One spelling → (names, arg, optional, separator); None when it is not an option."""
    text = spelling.strip()
    m = _NAME_RE.match(text)
    if not m:
        return None
    name = m.group(0).rstrip(".")
    rest = text[len(name) :]
    names = [name]
    neg = _NEGATION_RE.search(name)
    if neg:  # --[no-]status → --status, --no-status
        head, tail = name[: neg.start()], name[neg.end() :]
        names = [head + tail, head + neg.group(0)[1:-1] + tail]
    flat = plain(rest)
    if not flat.strip():
        return names, None, False, None
    sep: str
    optional = False
    if flat.startswith("[="):
        end = _closing_bracket(flat, 0)
        sep, optional, arg = "=", True, flat[2:end] if end > 0 else flat[2:]
    elif flat[0] in "=:":
        sep, arg = flat[0], flat[1:]
        if arg.startswith("[") and _closing_bracket(arg, 0) == len(arg.rstrip()) - 1:
            optional, arg = True, arg.strip()[1:-1]
    elif flat[0].isspace():
        sep, arg = " ", flat.strip()
        if arg.startswith("[") and _closing_bracket(arg, 0) == len(arg) - 1:
            optional, arg = True, arg[1:-1]
            if arg.startswith("="):
                sep, arg = "=", arg[1:]
    elif flat.startswith("["):
        end = _closing_bracket(flat, 0)
        if end != len(flat.rstrip()) - 1:
            return names, None, False, None
        sep, optional, arg = "", True, flat[1:end]
    elif rest.startswith((ARG_OPEN, "<", "{")):
        sep, arg = "", flat
    else:
        return names, None, False, None
    arg = _clean_arg(arg)
    if not arg or arg.startswith(("(", "-", "...")) or len(arg.split()) > _MAX_ARG_WORDS:
        return names, None, False, None
    return names, arg, optional, sep


def parse_tag(tag: str, description: str = "") -> Flag | None:
    """An option-list term → one Flag entry, or None when the term is not an option."""
    tag = tag.strip()
    signal = _signal_flag(tag, description)
    if signal is not None:
        return signal
    if len(tag) > 2 and tag[0] == tag[-1] and tag[0] in "\"'":  # older pod2man quotes code: "-b"
        tag = tag[1:-1]
    if tag.startswith(ARG_OPEN):
        # Some pages set whole terms in italics (xxd, hostname): the marks then say nothing about
        # placeholders. An italic `+n`/`-n` alone is find's numeric-argument notation, not a flag.
        if _ITALIC_NUMBER_RE.fullmatch(tag):
            return None
        infix = _INFIX_RE.fullmatch(tag)
        if infix:
            return parse_tag(infix.group(1), description)
        tag = plain(tag)
    if not looks_like_flag(tag):
        return None
    spellings: list[str] = []
    for part in _split_alternatives(tag):
        if looks_like_flag(part) or not spellings:
            spellings.append(part)
        else:  # `-o name, value`: the comma belonged to the value
            spellings[-1] += ", " + part
    names: list[str] = []
    arg: str | None = None
    optional_all = True
    separators: list[str] = []
    bare_short = False
    for spelling in spellings:
        parsed = parse_spelling(spelling)
        if parsed is None:
            continue
        spelled, value, optional, sep = parsed
        names.extend(n for n in spelled if n not in names)
        if value is None:
            bare_short = bare_short or not spelled[0].startswith("--")
            continue
        arg = arg or value
        optional_all = optional_all and optional
        if sep is not None and sep not in separators:
            separators.append(sep)
    if not names:
        return None
    if arg is not None and bare_short and separators == ["="]:
        # GNU `-w, --width=COLS`: "mandatory arguments to long options are mandatory for short
        # options too" — the short spelling takes the value as the next word.
        separators.insert(0, " ")
    return {
        "flags": names,
        "arg": arg,
        "arg_optional": bool(arg) and optional_all,
        "separators": separators if arg else [],
        "description": " ".join(description.split()),
    }


def attached_forms(synopsis: str) -> dict[str, tuple[str, str]]:
    """`-O<level>` spellings with a marked placeholder in a synopsis → {"-Olevel": ("-O", "level")}.
    Lets a plainly typeset item term (`.IP -Olevel`) be split the way the synopsis shows it."""
    forms = {}
    pattern = re.compile(r"(?<![\w-])(-[A-Za-z0-9])" + ARG_OPEN + r"([^" + ARG_CLOSE + r"]+)" + ARG_CLOSE)
    for m in pattern.finditer(synopsis):
        forms[m.group(1) + m.group(2)] = (m.group(1), m.group(2))
    return forms


def apply_attached_forms(tag: str, forms: dict[str, tuple[str, str]]) -> str:
    """Re-mark a plainly typeset `-Olevel` term as `-O` + placeholder when the synopsis marks that
    form. Without such a mark `-Olevel` stays one flag: in roman type it cannot be told from
    `-Bgroup` or `-mcache`, which are flags."""
    if ARG_OPEN in tag:
        return tag
    head, sep, tail = tag.partition(" ")
    if head in forms:
        flag, arg = forms[head]
        return f"{flag}{ARG_OPEN}{arg}{ARG_CLOSE}{sep}{tail}"
    return tag


# `[-y dir]`: an optional group holding exactly one option and its marked placeholder. Outside such
# a group the word after an option is as often an operand (`fsfreeze --unfreeze mountpoint`).
_SYNOPSIS_VALUE_RE = re.compile(
    r"\[\s*(--?[A-Za-z0-9][\w.-]*)(=| |)" + ARG_OPEN + r"([^" + ARG_CLOSE + r"]+)" + ARG_CLOSE + r"\s*\]"
)


def synopsis_values(synopsis: str) -> dict[str, tuple[str, str]]:
    """Option values a synopsis shows in their own optional group: `[-y dir]` → {"-y": ("dir", " ")}."""
    values: dict[str, tuple[str, str]] = {}
    for m in _SYNOPSIS_VALUE_RE.finditer(synopsis):
        arg = " ".join(m.group(3).split())
        if arg and not arg.startswith(("-", "[")):
            values.setdefault(m.group(1), (arg, m.group(2)))
    return values


def fill_from_synopsis(flag: Flag, values: dict[str, tuple[str, str]]) -> None:
    """An option item that shows no value takes the one its synopsis shows (fc-cache: `-y dir`) — if
    that is its main spelling: an item grouping many options (`-allow_proxy_certs, -attime, ...`)
    cannot give one option's value to all of them."""
    spellings = flag["flags"]
    if flag["arg"] is None and spellings[0] in values:
        arg, sep = values[spellings[0]]
        flag.update(arg=arg, arg_optional=False, separators=[sep])


# Spellings that stand for a family of options, as the pages explain them.
_SIGNAL_TAG_RE = re.compile(r"-(?:<(?:signal|sig)>|sigspec|signal)", re.I)
_SIGNALS = ("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
            "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
            "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS")  # fmt: skip
_DIGITS = tuple(f"-{d}" for d in range(10))


_SIGNAL_NAMES = (*_DIGITS, *(f"-{n}" for n in range(10, 65)), *(f"-{s}" for s in _SIGNALS),
                 *(f"-SIG{s}" for s in _SIGNALS))  # fmt: skip


def _signal_flag(tag: str, description: str) -> Flag | None:
    """kill's `-<signal>, -s <signal>`: the signal's number or name (`-9`, `-KILL`, `-SIGKILL`) is a
    flag of its own; the other spellings of the item are parsed as usual."""
    head, _, rest = plain(tag).partition(",")
    if not _SIGNAL_TAG_RE.fullmatch(head.strip()):
        return None
    flag = parse_tag(rest, description) if rest.strip() else None
    signals: Flag = {"flags": list(_SIGNAL_NAMES), "arg": None, "arg_optional": False, "separators": [],
                     "description": " ".join(description.split())}  # fmt: skip
    if flag is None:
        return {**signals, "family": True}
    return {**flag, "signals": signals}


def _family(flag: Flag) -> Flag | None:
    """The names a template spelling stands for: gzip's `-#` (a digit: `-1` fastest ... `-9` best),
    find's `-newerXY` (X and Y letters of a time: `-newermt`), and the obsolete `-NUM` form of
    head's and tail's `-n, --lines NUM` (digits cluster into a number: `-20`)."""
    names = flag["flags"]
    if "-#" in names:
        return {**flag, "flags": list(_DIGITS[1:])}
    template = next((n for n in names if n.endswith("XY") and n[:-2].islower()), None)
    if template is not None:
        stem = template[:-2]
        return {**flag, "flags": [stem + x + y for x in "aBcm" for y in "aBcmt"]}
    if "-n" in names and "--lines" in names and flag["arg"]:
        return {"flags": list(_DIGITS), "arg": None, "arg_optional": False, "separators": [],
                "description": f"-NUM: the obsolete form of -n NUM. {flag['description']}"}  # fmt: skip
    return None


def expand_families(flags: list[Flag]) -> list[Flag]:
    """Family spellings → one entry per name they stand for (a `{{[-a|-b]}}` placeholder of a
    hundred names is nobody's spelling); the family's own item stays unless it only named the
    template (`-#`, `-newerXY`)."""
    out: list[Flag] = []
    for flag in flags:
        family = flag.pop("signals", None) or _family(flag)
        if flag.pop("family", False):
            family, flag = flag, None
        if flag is not None:
            kept = [n for n in flag["flags"] if n != "-#" and not n.endswith("XY")]
            if kept:
                out.append({**flag, "flags": kept})
        if family is not None:
            out += [{**family, "flags": [name]} for name in family["flags"]]
    return out


def merge_flags(flags: list[Flag]) -> list[Flag]:
    """One entry per spelling set: repeated items (find's two `-exec` forms) are merged, and an item
    that only regroups spellings listed before (`-print, -fprint` in a later section) is dropped.
    Template spellings are expanded first (expand_families)."""
    merged: dict[tuple[str, ...], Flag] = {}
    spelled: set[str] = set()
    for flag in expand_families(flags):
        key = tuple(flag["flags"])
        seen = merged.get(key)
        if seen is None:
            if spelled.issuperset(key):  # a later regrouping of options already listed
                continue
            merged[key] = flag
            spelled.update(key)
            continue
        if flag["description"] and flag["description"] not in seen["description"]:
            seen["description"] = (seen["description"] + " " + flag["description"]).strip()
        if seen["arg"] is None and flag["arg"] is not None:
            seen.update(arg=flag["arg"], arg_optional=flag["arg_optional"], separators=flag["separators"])
    return list(merged.values())


# A flag word of a synopsis once the group marks around it are stripped: `[-v]`, `{-e|-l}`, `[--tcp|-t]`.
_SYNOPSIS_OPENERS = "[{(|"
_SYNOPSIS_CLOSERS = "]})|,"
_SYNOPSIS_NAME_RE = re.compile(r"(?:--?|\+)[A-Za-z0-9?][A-Za-z0-9_-]*")
# an italic run that starts with a flag (`[\fI-b key\fR]`, nnn): the marks belong to the placeholder
_MARKED_FLAG_RE = re.compile(ARG_OPEN + r"(-[A-Za-z0-9][^\s" + ARG_CLOSE + r"]*)\s*")


def _synopsis_tokens(synopsis: str) -> list[str]:
    text = _MARKED_FLAG_RE.sub(lambda m: m.group(1) + " " + ARG_OPEN, synopsis.replace("\xa0", " "))
    return text.replace(ARG_OPEN + ARG_CLOSE, "").split()


def _synopsis_value(token: str | None) -> str | None:
    """The placeholder word after a flag (`-b <bits>` set in italics), else None: an operand set in
    roman type cannot be told from a value."""
    if token is None or not token.startswith(ARG_OPEN):
        return None
    word = plain(token).strip(_SYNOPSIS_OPENERS + _SYNOPSIS_CLOSERS + ".")
    return word if word and not word.startswith(("-", "[")) else None


def _strip_unbalanced(word: str) -> str:
    """`-v]]` → `-v`, `-l[octal]]` → `-l[octal]`: closing marks of the groups around a word go, its
    own optional part stays."""
    while word and word[-1] in _SYNOPSIS_CLOSERS + ".":
        opener = {"]": "[", "}": "{", ")": "("}.get(word[-1])
        if opener is not None and word.count(opener) >= word.count(word[-1]):
            break
        word = word[:-1]
    return word


def _synopsis_terms(synopsis: str) -> list[str]:
    """Option terms as the synopsis shows them, alternatives of one group as one term
    (`[--tcp|-t]` → `--tcp, -t`), a value placeholder that follows in the same group appended."""
    tokens = _synopsis_tokens(synopsis)
    terms: list[str] = []
    for k, token in enumerate(tokens):
        body = _strip_unbalanced(token.lstrip(_SYNOPSIS_OPENERS))
        closed = body != token.lstrip(_SYNOPSIS_OPENERS)  # the group ends with the flag: no value after it
        pieces = [_strip_unbalanced(p) for p in body.split("|")]
        pieces = [p for p in pieces if _SYNOPSIS_NAME_RE.match(plain(p)) and plain(p) not in ("--", "-")]
        if not pieces:
            continue
        value = (
            None
            if closed or "|" in body.rstrip(_SYNOPSIS_CLOSERS)
            else _synopsis_value(tokens[k + 1] if k + 1 < len(tokens) else None)
        )
        if value is not None and parse_spelling(pieces[-1]) and parse_spelling(pieces[-1])[1] is None:
            pieces[-1] += f" {ARG_OPEN}{value}{ARG_CLOSE}"
        terms.append(", ".join(pieces))
    return terms


def synopsis_flags(synopsis: str) -> list[Flag]:
    """The options a synopsis shows (perl, compress and netstat list theirs only there), one entry
    per group. A single-dash word of distinct letters without a value is a cluster of one-letter
    switches (`[-sTtuUWX]`, POSIX's notation), unless the synopsis writes single-dash long options
    with values (`-display name`: X11's notation), where it is one option (`-shared`); a word that
    repeats a letter (`-Olevel` in roman type) is never a cluster."""
    flags = [f for f in (parse_tag(term, "shown in the synopsis") for term in _synopsis_terms(synopsis)) if f]
    long_single = any(
        f["arg"] and " " in f["separators"] and any(re.fullmatch(r"-[A-Za-z]\w+", n) for n in f["flags"])
        for f in flags
    )
    out: list[Flag] = []
    for flag in flags:
        names = flag["flags"]
        letters = names[0][1:]
        cluster = (
            len(names) == 1
            and re.fullmatch(r"-[A-Za-z0-9]{2,}", names[0])
            and len(set(letters)) == len(letters)
        )
        if cluster and not long_single and flag["arg"] is None:
            out += [{**flag, "flags": [f"-{c}"]} for c in letters]
        else:
            out.append(flag)
    return out
