"""What the documentation says about a routine's arguments (codegen.grammar.fortran_skeleton):
each argument's role in a program (size, scalar, option letter, leading dimension, increment,
workspace, array, result), its documented extents and option letters, and what a request picks
among them (which letters, which results, in which order it names the sizes)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import replace as _replace

from codegen.docs.record import DocRecord
from codegen.grammar.fortran import argument_kind

REAL_LITERALS = ("1.0d0", "0.0d0", "-1.0d0", "2.0d0", "0.5d0")
WORKSPACE = re.compile(r"^[ril]?work$", re.I)
WORKSPACE_SIZE = re.compile(r"^l[ril]?work$", re.I)
# intrinsic arguments are documented as `TYPE(kind=KIND)`: generic over kinds; programs here use double
_GENERIC = re.compile(r"\btype\s*\(|\bnumeric\b", re.I)
_LETTER = re.compile(r"'([A-Za-z])'")


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    role: str  # size, scalar, char, lead, inc, info, lwork, work, array, iarray, out
    kind: str = "real"  # integer | real | logical
    rank: int = 0
    dims: tuple[str, ...] = ()  # documented dimension expressions
    intent: str | None = None
    letters: tuple[str, ...] = ()  # documented values of a character option
    meanings: tuple[str, ...] = ()  # what the documentation says each letter does
    description: str = ""
    required_input: bool = False  # an array the documentation says holds data on entry
    rows: str = ""  # a leading dimension: the size its documentation bounds it by, `max(1, m)`
    # the extents (or, for a leading dimension, the rows) when the option `switch` is not 'N':
    # dgemm's A is k columns wide for TRANSA = 'N' "and m otherwise"
    other: tuple[str, ...] = ()
    switch: str = ""


def arguments(record: DocRecord) -> list[Arg] | None:
    """The documented arguments by role; None when one cannot be declared here (complex, derived
    types, untyped choice buffers)."""
    raw = record.schema.get("arguments")
    if not isinstance(raw, list):
        return None
    names = {str(a.get("name", "")).lower() for a in raw if isinstance(a, dict)}
    out = []
    for a in raw:
        if not isinstance(a, dict):
            return None
        name = str(a.get("name", "")).lower()
        optional = bool(a.get("optional"))
        type_text = str(a.get("type", ""))
        if _GENERIC.search(type_text) and not re.search(r"\b(integer|logical|character)\b", type_text, re.I):
            shape = re.search(r"dimension\s*\(.*\)", type_text, re.I)
            type_text = "real" + (f", {shape.group(0)}" if shape else "")
            # assumed rank `dimension(..)`: a matrix argument (matmul's matrix_a) is rank 2
            if "(..)" in type_text.replace(" ", ""):
                type_text = "real, dimension(:,:)" if "matrix" in name else "real, dimension(:)"
        typed = argument_kind(type_text)
        if not re.fullmatch(r"[a-z]\w*", name) or typed is None:
            if optional:
                continue
            return None
        kind, rank = typed
        intent = a.get("intent")
        if optional:
            continue  # optional arguments (`dim`, `mask`, `kind`) are left out
        role = _role(name, kind, rank, _dims(type_text, rank, a), intent, a, names)
        out.append(_replace(role, **_otherwise(role, a)))
    return out


def _role(
    name: str,
    kind: str,
    rank: int,
    dims: tuple[str, ...],
    intent: str | None,
    raw: dict,
    names: set[str],
) -> Arg:
    description = " ".join(str(raw.get("description", "")).split())
    if kind == "character":
        choices = [str(c) for c in raw.get("choices") or [] if len(str(c)) == 1]
        letters = tuple(dict.fromkeys(c.upper() for c in choices + _LETTER.findall(description)))
        meanings = tuple(_meaning(description, c) for c in letters)
        return Arg(
            name, "char", "character", letters=letters or ("N",), meanings=meanings, description=description
        )
    if rank:
        if WORKSPACE.match(name):
            return Arg(name, "work", kind, 1, intent=intent)
        # an array updated in place holds input unless its documentation says it need not be set
        entry = intent in ("in", None) or (intent == "inout" and not _OPTIONAL_INPUT.search(description))
        role = "array" if kind == "real" else "iarray"
        return Arg(name, role, kind, rank, dims, intent, required_input=entry, description=description)
    if kind == "integer":
        if name.startswith("ld") and name[2:] in names:
            bound = _LEAD_BOUND.search(description)
            return Arg(name, "lead", rows=bound.group(1).lower() if bound else "")
        if name.startswith("inc"):
            return Arg(name, "inc")
        if name == "info":
            return Arg(name, "info", "integer", intent="out")
        if WORKSPACE_SIZE.match(name):
            return Arg(name, "lwork", "integer")
        role = "size" if intent in ("in", None) else "out"
        return Arg(name, role, "integer", intent=intent, description=description)
    role = "scalar" if intent in ("in", None) else "out"
    if kind == "logical":
        return Arg(name, "flag" if intent in ("in", None) else "out", "logical", intent=intent)
    return Arg(name, role, kind, intent=intent, description=description)


# dgemm's C "need not be set" when beta is zero; dgemv's y is input only "with BETA non-zero"
_OPTIONAL_INPUT = re.compile(r"need not be set|with (alpha|beta) non-?zero", re.I)


def _meaning(description: str, letter: str) -> str:
    """The text after the first mention of `'X'` up to the next quoted letter: what option X does."""
    at = description.upper().find(f"'{letter}'")
    rest = description[at + 3 :] if at >= 0 else ""
    stop = next((m for m in _LETTER.finditer(rest) if m.group(1).upper() != letter), None)
    meaning = rest[: stop.start()] if stop else rest
    # BLAS writes the operation, not the word: `op( A ) = A**T` is the transpose
    return re.sub(r"\*\*T\b", " transpose ", re.sub(r"\*\*H\b", " conjugate transpose ", meaning))


def _stems(text: str) -> set[str]:
    """Content words cut to 8 letters: `transposed` meets `transpose`, `eigenvalues` stays apart
    from `eigenvectors`."""
    return {w[:8] for w in re.findall(r"[a-z]{5,}", text.lower())} - _COMMON


_COMMON = {
    *("matrix", "array", "entry", "before", "specifie", "vector", "compute", "returns", "which"),
    *("print", "order", "first", "their", "there", "value", "values", "numbers", "number", "double"),
    *("precisio", "elements", "element", "input", "output", "standard", "leading", "dimensio"),
}


def request_letters(a: Arg, request: str) -> list[str]:
    """The documented letters whose meaning the request asks for (`transpose`, `eigenvectors`,
    `lower`); without any, the first documented letter, which LAPACK lists first as the plain case
    ('N': no transpose, eigenvalues only; 'U': upper)."""
    operand = re.search(r"op\(\s*([a-z])\s*\)", a.description, re.I)
    if operand and "T" in a.letters and "N" in a.letters:
        # transa/transb: transpose the operand the request transposes (`A^T`, `transpose of A`)
        x = re.escape(operand.group(1))
        transposed = re.search(rf"\b{x}\s*(\^T|\*\*T|')|transpose of {x}\b|{x} transposed", request, re.I)
        return ["T"] if transposed else ["N"]
    words = _stems(re.sub(r"\^T\b|\*\*T\b", " transpose ", request))  # `A^T x` asks for the transpose
    score = {c: len(_stems(m) & words) for c, m in zip(a.letters, a.meanings, strict=True)}
    best = max(score.values(), default=0)
    # `lower triangular` picks 'L' over 'U' (both say "triangular"); a tie is no choice
    asked = [c for c in a.letters if best and score[c] == best]
    if len(asked) > 1:
        asked = ["N"] if "N" in asked else asked[:1]
    # unasked, 'N' is the plain case wherever LAPACK documents it (no transpose, non-unit diagonal,
    # no eigenvectors); otherwise the first letter listed ('U' upper, 'L' left side)
    return asked or (["N"] if "N" in a.letters else list(a.letters[:1]))


_RESULT = re.compile(r"\b(solution|eigenvalues|singular values|inverse|result|norm)", re.I)


def chosen_outputs(printable: list[Arg], request: str) -> list[Arg]:
    """The results a program prints: those whose documented output the request names, else those
    the documentation calls a solution, eigenvalues, ...; the model chooses among what is left."""
    words = _stems(request)
    exits: list[tuple[Arg, str]] = [
        (
            a,
            a.description[a.description.lower().find("on exit") :]
            if "on exit" in a.description.lower()
            else a.description,
        )
        for a in printable
    ]
    named = [a for a, text in exits if _stems(text) & words]
    results = [a for a, text in exits if _RESULT.search(text)]
    if results:
        return [a for a in results if a in named] or results
    return named or printable  # no evidence: every result (drot's x and y)


def request_order(sizes: list[str], request: str) -> list[str] | None:
    """The sizes in the order the request names them (`read m, k, n`), when it names any."""
    positions = {}
    for s in sizes:
        m = re.search(rf"(?<![\w(])\b{re.escape(s)}\b(?!\s*[(=])", request, re.I)
        if m:
            positions[s] = m.start()
    return sorted(positions, key=positions.__getitem__) or None


_LEAD_BOUND = re.compile(r"(?:at least|>=)\s*max\s*\(\s*1\s*,\s*([A-Za-z]\w*)\s*\)", re.I)
# "dimension ( LDA, ka ), where ka is k when TRANSA = 'N'": the extent for the first option
_WHERE = re.compile(r"where\s+([a-z]\w*)\s+is\s+([a-z]\w*)\s+when", re.I)


def _dims(type_text: str, rank: int, raw: dict) -> tuple[str, ...]:
    dims = _dim_texts(type_text, rank)
    description = " ".join(str(raw.get("description", "")).split())
    if rank == 1 and dims == ("*",) and re.search(r"dimension\s+at least\s*$", type_text, re.I):
        # the man page wraps `dimension at least ( 1 + ( n - 1 )*abs( INCX ) ) when ...` into the
        # description: its first case is the extent
        m = re.match(r"\s*(\(.*?\))\s*when\b", description)
        dims = (m.group(1).lower(),) if m else dims
    where = {m.group(1).lower(): m.group(2).lower() for m in _WHERE.finditer(str(raw.get("description", "")))}
    return tuple(where.get(d, d) for d in dims)


_OTHERWISE_EXTENT = re.compile(
    r"^\s*(\(.*?\))\s*when\s+([a-z]\w*)\s*=\s*'N'.*?at least\s*(\(.*?\))\s*otherwise", re.I
)
_OTHERWISE_WHERE = re.compile(
    r"where\s+([a-z]\w*)\s+is\s+([a-z]\w*)\s+when\s+([a-z]\w*)\s*=\s*'N'.*?is\s+([a-z]\w*)\s+otherwise", re.I
)
_OTHERWISE_LEAD = re.compile(
    r"when\s+([a-z]\w*)\s*=\s*'N'.*?max\s*\(\s*1\s*,\s*([a-z]\w*)\s*\).*?otherwise.*?max\s*\(\s*1\s*,\s*([a-z]\w*)\s*\)",
    re.I,
)


def _otherwise(arg: Arg, raw: dict) -> dict:
    """`other` and `switch` of an argument whose extent depends on an option letter."""
    description = " ".join(str(raw.get("description", "")).split())
    if arg.role == "lead" and (m := _OTHERWISE_LEAD.search(description)):
        return {"other": (m.group(3).lower(),), "switch": m.group(1).lower()}
    if arg.rank == 1 and (m := _OTHERWISE_EXTENT.search(description)):
        return {"other": (m.group(3).lower(),), "switch": m.group(2).lower()}
    if arg.rank and (m := _OTHERWISE_WHERE.search(description)):
        name, switch, other = m.group(1).lower(), m.group(3).lower(), m.group(4).lower()
        raw_dims = _dim_texts(str(raw.get("type", "")), arg.rank)
        return {"other": tuple(other if d == name else d for d in raw_dims), "switch": switch}
    return {}


def _dim_texts(type_text: str, rank: int) -> tuple[str, ...]:
    match = re.search(r"dimension\s*(?:at least\s*)?\((.*)\)", type_text, re.I)
    if not match:
        return ("*",) * rank
    inner, depth, parts, cur = match.group(1), 0, [], ""
    for ch in inner:
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return tuple(p.strip().lower() for p in parts[:rank]) + ("*",) * max(0, rank - len(parts))


def scalar_alias(a: Arg) -> str:
    """`DA specifies the scalar alpha` -> alpha: what requests call the scalar."""
    m = re.search(r"the scalar (\w+)", a.description, re.I)
    return m.group(1).lower() if m else a.name


def named_in(record: DocRecord, text: str) -> bool:
    """The request writes the record's name (`dgemm`, `MPI_Allreduce`, `parallel do`)."""
    name = record.name.lower().removeprefix("!$omp ").removesuffix(" clause")
    return re.search(rf"(?<![\w$]){re.escape(name)}(?!\w)", text) is not None
