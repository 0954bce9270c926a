"""Whole-program Fortran skeletons for requests a documented routine answers.

A request that a BLAS/LAPACK routine, an array intrinsic, an MPI collective or an OpenMP construct
answers gets a grammar for the program an HPC user would write around it, so the shape is right by
construction and the model only fills the values:

- library call: declarations of every argument from the documented signature (type, rank, kind:
  `double precision`, allocatable arrays, `integer` sizes, `external` for BLAS functions), the sizes
  read from input (which of them, in which order, the model chooses; the others get a literal), the
  scalars read or given a literal, arrays allocated from the documented dimensions, read row by row
  or whole, the call with the documented number of arguments (leading dimensions are `size(a, 1)` of
  their array, increments 1, character options one of the letters the documentation lists, workspace
  allocated), and the results printed (the model picks which);
- MPI: `mpi_init`/`mpi_comm_rank`/`mpi_comm_size`/`mpi_finalize`, input on rank 0 broadcast to all,
  a strided partial result per rank, combined with the requested collective, printed on rank 0;
- OpenMP: a `!$omp parallel do` loop with a `reduction` clause (operator chosen by the model) or a
  plain parallel element-wise loop.

`program_rules` returns None when no retrieved routine has a skeleton; the caller then uses the
statement-level grammar of codegen.grammar.fortran.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace as _replace

from codegen.docs.record import DocRecord
from codegen.grammar.fortran import argument_kind
from codegen.grammar.lark_text import alternatives, literal

MAX_SIZE_ORDERS = 80  # ordered subsets of the size variables offered for the size `read`
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


def program_rules(task: str, records: Sequence[DocRecord]) -> tuple[str, list[str]] | None:
    """(Lark text, summary) of the program skeleton for the routine that answers `task`, or None."""
    fortran = [r for r in records if r.dsl == "fortran"]
    text = task.lower()
    by_name = {r.name.lower(): r for r in fortran}
    if re.search(r"\bmpi\b", text) and "scatter" in text and {"mpi_scatter", "mpi_gather"} <= set(by_name):
        scattered = scatter_gather_program(by_name["mpi_scatter"], by_name["mpi_gather"], text)
        if scattered is not None:
            return scattered
    if re.search(r"\bmpi\b", text) and (mpi := _mpi_target(text, fortran)) is not None:
        return mpi_program(mpi, text)
    if re.search(r"\b(openmp|omp)\b", text) or any(_named(r, text) for r in fortran if _is_omp(r)):
        return openmp_program(text)
    # named BLAS/LAPACK routines before named intrinsics: `transpose` or `sum` in a request may be
    # plain English, `dgemm` never is
    named = sorted((r for r in fortran if _named(r, text)), key=lambda r: r.schema.get("kind") == "intrinsic")
    # LAPACK's auxiliary routines (xLAyyy: dlaqtr, dlaed6) are its own building blocks, not what a
    # program calls; a skeleton of one answers nothing unless the request names it
    drivers = [r for r in fortran if not _AUXILIARY.match(r.name)]
    # a named solve/invert routine with its named factorisation first: one program calls both
    named.sort(key=lambda r: _factorisation(r, fortran) is None)
    for record in [*named, *drivers]:
        rules = library_program(record, task, _factorisation(record, fortran))
        if rules is not None:
            return rules
    return None


def _factorisation(record: DocRecord, records: list[DocRecord]) -> DocRecord | None:
    """The retrieved xxxTRF routine an xxxTRS/xxxTRI routine works on (LAPACK naming: dgetrs and
    dgetri take the LU factors of dgetrf, dpotrs those of dpotrf)."""
    m = re.fullmatch(r"([sdcz][a-z]{2})tr[si]", record.name.lower())
    if m is None:
        return None
    return next((r for r in records if r.name.lower() == f"{m.group(1)}trf"), None)


_AUXILIARY = re.compile(r"^([sdcz]la|ila|[sdcz]?lamch)", re.I)


def _named(record: DocRecord, text: str) -> bool:
    name = record.name.lower().removeprefix("!$omp ").removesuffix(" clause")
    return re.search(rf"(?<![\w$]){re.escape(name)}(?!\w)", text) is not None


def _is_omp(record: DocRecord) -> bool:
    return str(record.schema.get("kind", "")).startswith("openmp")


# ---------------------------------------------------------------- library calls


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
        out.append(_role(name, kind, rank, _dims(type_text, rank, a), intent, a, names))
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


def _request_letters(a: Arg, request: str) -> list[str]:
    """The documented letters whose meaning the request asks for (`transpose`, `eigenvectors`,
    `lower`); without any, the first documented letter, which LAPACK lists first as the plain case
    ('N': no transpose, eigenvalues only; 'U': upper)."""
    operand = re.search(r"op\(\s*([a-z])\s*\)", a.description, re.I)
    if operand and "T" in a.letters and "N" in a.letters:
        # transa/transb: transpose the operand the request transposes (`A^T`, `transpose of A`)
        x = re.escape(operand.group(1))
        transposed = re.search(rf"\b{x}\s*(\^T|\*\*T|')|transpose of {x}\b|{x} transposed", request, re.I)
        return ["T"] if transposed else ["N"]
    words = _stems(request)
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


def _chosen_outputs(printable: list[Arg], request: str) -> list[Arg]:
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


def _request_order(sizes: list[str], request: str) -> list[str] | None:
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


class _Program:
    """Lark rules of one program, written top to bottom."""

    def __init__(self) -> None:
        self.parts: list[str] = []  # the items of `start`, in order
        self.rules: list[str] = []
        self.count = 0

    def text(self, line: str) -> None:
        self.parts.append(literal(line))

    def choice(self, options: Sequence[str]) -> None:
        """One of several literal texts, chosen by the model."""
        options = list(dict.fromkeys(options))
        if len(options) == 1:
            self.text(options[0])
            return
        self.count += 1
        name = f"choice{self.count}"
        self.rules.append(f"{name}: " + alternatives(literal(o) for o in options))
        self.parts.append(name)

    def lark(self) -> str:
        return "start: " + " ".join(self.parts) + "\n" + "\n".join(self.rules) + "\n"


def library_program(
    record: DocRecord, request: str = "", before: DocRecord | None = None
) -> tuple[str, list[str]] | None:
    """The program around `record`; `before` (a factorisation, dgetrf) is called first on the same
    arguments, as LAPACK's solve and invert routines (dgetrs, dgetri) need its output."""
    kind = str(record.schema.get("kind", ""))
    procedure = record.schema.get("procedure")
    if kind not in ("blas", "lapack", "intrinsic") or procedure not in ("subroutine", "function"):
        return None
    args = arguments(record)
    if not args or not any(a.role in ("array", "iarray") for a in args):
        return None  # scalar routines (sqrt, abs) are the statement grammar's job
    call_args = args
    if kind == "intrinsic":
        args = _with_mask_data(args)
        call_args = [a for a in args if a.role != "data"]
        if any(a.role not in ("array", "mask", "data") for a in args):
            return None  # integer shapes and shifts: no input format to read them from
    name = record.name.lower()
    first_call: list[Arg] = []
    if before is not None:
        first_call = arguments(before) or []
        if not first_call or before.schema.get("procedure") != "subroutine":
            return None
        main = {a.name for a in args}
        args = [*(a for a in first_call if a.name not in main), *args]
        # the first routine's inputs are read; what it writes (the factors) is input to the second
        reads_of = {a.name: a.required_input for a in first_call}
        args = [_replace(a, required_input=reads_of.get(a.name, a.required_input)) for a in args]
        args = sorted(args, key=lambda a: [x.name for x in first_call + call_args].index(a.name))
    sizes = [a.name for a in args if a.role == "size"]
    arrays = [a for a in args if a.role in ("array", "iarray", "data")]
    if not sizes:  # assumed-shape intrinsics: the program chooses its own extents
        ranks = [a.rank for a in arrays]
        sizes = ["n"] if max(ranks) == 1 else ["m", "n"] if len(ranks) == 1 else ["m", "k", "n"]
    if {"i", "j", "r"} & {a.name for a in args}:
        return None  # the program's own loop indices and result
    p = _Program()
    p.text("program main\n  implicit none\n")
    p.text(_declarations(name, kind, procedure, args, sizes, record.schema.get("returns")))
    order = _request_order(sizes, request)
    p.choice(_size_reads(sizes, order, _unread_values(args, sizes)))
    scalars = [a for a in args if a.role == "scalar"]
    if scalars:
        p.choice(_scalar_reads(scalars, request))
    for flag in (a for a in args if a.role == "flag"):
        p.choice([f"  {flag.name} = .false.\n", f"  {flag.name} = .true.\n"])
    chain = len(sizes) == 3 and kind == "intrinsic"
    for number, a in enumerate(arrays):
        p.text(f"  allocate({a.name}(")
        # assumed-shape intrinsics (matmul): consecutive arrays share an extent, (m,k) then (k,n)
        dims = [[sizes[number + d]] for d in range(a.rank)] if chain and number + a.rank <= 3 else None
        for d, dim in enumerate(dims or _dim_choices(a, sizes, args)):
            if d:
                p.text(", ")
            p.choice(dim)
        p.text("))\n")
    workspace = [a for a in args if a.role == "work"]
    if workspace:
        lwork = next((a.name for a in args if a.role == "lwork"), "lwork")
        # generous for every LAPACK driver at the sizes a program reads (blocked codes want n*nb)
        p.text(f"  {lwork} = 64 * ({' + '.join(sizes)} + 1)\n")
        for w in workspace:
            p.text(f"  allocate({w.name}({lwork}))\n")
    for a in arrays:
        if a.role in ("array", "data") and a.required_input:
            p.text(_array_read(a))
        elif a.role == "array" and a.intent in ("inout", None):
            # C of dgemm "need not be set" when beta is zero: read it when the request gives beta
            named = {x.name for x in scalars if _alias(x) == "beta" and x.name in request.lower()}
            p.choice([_array_read(a)] if named else [""] if request else ["", _array_read(a)])
    if before is not None:
        p.text(f"  call {before.name.lower()}(")
        p.text(", ".join(_actual(a, args) for a in first_call if a.role != "char"))
        if any(a.role == "char" for a in first_call):
            return None  # a factorisation with options: its letters would need their own choice
        p.text(")\n")
    p.text(f"  {'call ' if procedure == 'subroutine' else 'r = '}{name}(")
    first = True
    for a in call_args:
        if not first:
            p.text(", ")
        first = False
        if a.role == "char":
            p.choice([f"'{c}'" for c in _request_letters(a, request)])
        elif a.role == "mask":
            p.choice(_masks(request))
        else:
            p.text(_actual(a, args))
    p.text(")\n")
    main_names = {a.name for a in call_args}
    printable = [
        a for a in arrays if a.intent in ("out", "inout") and a.role == "array" and a.name in main_names
    ]
    printable += [a for a in args if a.role == "out" and a.name in main_names]
    printable = _chosen_outputs(printable, request)
    if procedure == "function":
        printable.append(Arg("r", "out", rank=_result_rank(name, kind, arrays)))
    prints = [_print(a) for a in printable]
    if not prints:
        return None
    if len(prints) == 1 or request:
        p.text("".join(prints))
    else:
        # at least one result, each at most once, in documented order
        subsets = [c for k in range(1, len(prints) + 1) for c in itertools.combinations(prints, k)]
        p.choice(["".join(s) for s in subsets])
    p.text("end program main")
    summary = [
        f"program skeleton: {name} ({kind} {procedure}), {len(call_args)} arguments"
        + (f", after {before.name.lower()}" if before is not None else ""),
        f"sizes read or set: {', '.join(sizes)}",
    ]
    return p.lark(), summary


def _with_mask_data(args: list[Arg]) -> list[Arg]:
    """A logical array argument (any, all, count's `mask`) becomes a comparison of a real array `x`
    the program reads: the input is numbers, the mask is what the request asks of them."""
    if "x" in {a.name for a in args} or not any(a.kind == "logical" and a.rank == 1 for a in args):
        return args
    masked = [Arg(a.name, "mask") if a.kind == "logical" and a.rank == 1 else a for a in args]
    return [Arg("x", "data", "real", 1, ("*",), "in", required_input=True), *masked]


_MASKS = {
    "x > 0.0d0": r"\bpositive|greater than (zero|0)\b",
    "x < 0.0d0": r"\bnegative|less than (zero|0)\b",
    "x /= 0.0d0": r"\bnon-?zero\b",
    "x == 0.0d0": r"\b(zero|zeros)\b",
}


def _masks(request: str) -> list[str]:
    """The comparisons the request names (`positive`: x > 0), else all of them for the model."""
    named = [m for m, words in _MASKS.items() if re.search(words, request, re.I)]
    return named[:1] or list(_MASKS)


def _declarations(
    name: str, kind: str, procedure: str, args: list[Arg], sizes: list[str], returns: object
) -> str:
    integers = list(
        dict.fromkeys(
            [
                *sizes,
                "i",
                "j",
                *(a.name for a in args if a.role in ("info", "lwork", "out") and a.kind == "integer"),
                # a workspace whose length is no argument still gets one (`lwork = ...` below)
                *(["lwork"] if any(a.role == "work" for a in args) else []),
            ]
        )
    )
    lines = [f"  integer :: {', '.join(integers)}\n"]
    reals = [a.name for a in args if a.role in ("scalar", "out") and a.kind == "real"]
    if reals:
        lines.append(f"  double precision :: {', '.join(reals)}\n")
    flags = [a.name for a in args if a.role in ("flag", "out") and a.kind == "logical"]
    if flags:
        lines.append(f"  logical :: {', '.join(flags)}\n")
    for a in args:
        if a.role in ("array", "iarray", "work", "data"):
            spec = "double precision" if a.kind == "real" else a.kind
            shape = ",".join([":"] * a.rank)
            lines.append(f"  {spec}, allocatable :: {a.name}({shape})\n")
    if procedure == "function":
        result = _result_type(name, kind, returns, args)
        lines.append(f"  {result} :: r\n")
        if kind != "intrinsic":
            lines.append(f"  {result}, external :: {name}\n")
    return "".join(lines)


def _result_type(name: str, kind: str, returns: object, args: list[Arg]) -> str:
    text = str(returns or "")
    if re.search(r"\binteger\b", text, re.I) or (kind != "intrinsic" and name.startswith("i")):
        return "integer"
    # any/all document no result type: reducing only a logical mask gives a logical
    if re.search(r"\blogical\b", text, re.I) or (not text and all(a.role in ("mask", "data") for a in args)):
        return "logical"
    rank = _result_rank(name, kind, [a for a in args if a.role == "array"])
    if rank:  # assigned whole, so allocated by the assignment
        spec = "integer" if name in _INDEX_RESULTS else "double precision"
        return f"{spec}, allocatable, dimension({','.join([':'] * rank)})"
    return "double precision"


# intrinsics whose result is an array (the documentation types results as TYPE(kind=KIND) only)
_ARRAY_RESULTS = {"matmul": 2, "transpose": 2, "cshift": 1, "eoshift": 1, "pack": 1, "spread": 2}
_INDEX_RESULTS = {"maxloc": 1, "minloc": 1, "findloc": 1}  # integer positions, one per dimension
_ARRAY_RESULTS |= _INDEX_RESULTS


def _result_rank(name: str, kind: str, arrays: list[Arg]) -> int:
    if kind != "intrinsic" or name not in _ARRAY_RESULTS:
        return 0
    if name in ("matmul", "cshift", "eoshift") and arrays and min(a.rank for a in arrays) == 1:
        return 1
    return _ARRAY_RESULTS[name]


def _unread_values(args: list[Arg], sizes: list[str]) -> dict[str, str]:
    """What a size the input does not give is set to: 1 for a count of right-hand sides or vectors
    (`nrhs`), else the first size read (a square matrix: `m = n`)."""
    descriptions = {a.name: a.description.lower() for a in args}
    return {
        s: "1"
        if re.search(r"right hand sides|number of columns of the matri(x|ces) b", descriptions.get(s, ""))
        else ""
        for s in sizes
    }


def _size_reads(
    sizes: list[str], order: list[str] | None = None, unread: dict[str, str] | None = None
) -> list[str]:
    """`read *, <some sizes in some order>` then a value for each size not read (`unread`: see
    `_unread_values`; "" is the first size read); only `order` when the request gave one."""
    unread = unread or {}
    orders = (
        [order]
        if order
        else [list(c) for k in range(len(sizes), 0, -1) for c in itertools.permutations(sizes, k)]
    )
    if len(orders) > MAX_SIZE_ORDERS:
        orders = [
            [s for s, keep in zip(sizes, mask, strict=True) if keep]
            for mask in itertools.product((1, 0), repeat=len(sizes))
        ]
        orders = [o for o in orders if o]
    out = []
    for order in orders:
        text = f"  read *, {', '.join(order)}\n"
        rest = [s for s in sizes if s not in order]
        out.append(text + "".join(f"  {s} = {unread.get(s) or order[0]}\n" for s in rest))
    return out


def _scalar_reads(scalars: list[Arg], request: str) -> list[str]:
    """The scalars the request names (`alpha`, `c and s`, or its one `scalar`) are read, in
    documented order; the others get a literal: 0 for one whose documentation says that at zero an
    array "need not be set" and that BLAS calls beta (the weight of the output's old value), else 1
    (alpha, the weight of the product; dtrsm's alpha also lets B "need not be set" at zero)."""
    if not request:
        return [
            "".join(f"  {a.name} = {v}\n" for a, v in zip(scalars, values, strict=True))
            for values in itertools.product(REAL_LITERALS[:2], repeat=len(scalars))
        ]
    words = set(re.findall(r"[a-z]\w*", request.lower()))
    read = [a for a in scalars if a.name in words or _alias(a) in words]
    if not read and len(scalars) == 1 and "scalar" in words:
        read = scalars
    head = f"  read *, {', '.join(a.name for a in read)}\n" if read else ""
    rest = "".join(
        f"  {a.name} = {'0.0d0' if _alias(a) == 'beta' and 'need not be set' in a.description else '1.0d0'}\n"
        for a in scalars
        if a not in read
    )
    return [head + rest]


def _alias(a: Arg) -> str:
    """`DA specifies the scalar alpha` -> alpha: what requests call the scalar."""
    m = re.search(r"the scalar (\w+)", a.description, re.I)
    return m.group(1).lower() if m else a.name


def _dim_choices(a: Arg, sizes: list[str], args: list[Arg]) -> list[list[str]]:
    """For each dimension of array `a`: the size the documentation names (for a leading dimension,
    the size its own documentation bounds it by), else any size."""
    leads = {x.name: x.rows for x in args if x.role == "lead"}
    out = []
    for dim in a.dims:
        dim = leads.get(dim) or dim
        found = [(m.start(), s) for s in sizes if (m := re.search(rf"\b{re.escape(s)}\b", dim))]
        if len(found) == 1 and re.fullmatch(r"[\w\s]+[-+]\s*\d+|\d+\s*\*\s*\w+", dim):
            out.append([dim.replace(" ", "")])  # `N-1` (dgtsv's off-diagonals) as documented
        elif found:
            # `( 1 + ( m - 1 )*abs( INCY ) ) when TRANS = 'N' ... ( 1 + ( n - 1 )...) otherwise`:
            # the first case documented is the plain one, as with `where ka is k when`
            out.append([min(found)[1]])
        else:
            out.append(list(sizes))
    return out


def _array_read(a: Arg) -> str:
    """Rank 1: the values in order. Rank 2: row by row, as matrices are written; the implied do
    reads across line ends, so a column (n x 1) may be given on one line too."""
    if a.rank == 1:
        return f"  read *, {a.name}\n"
    return f"  read *, (({a.name}(i,j), j = 1, size({a.name}, 2)), i = 1, size({a.name}, 1))\n"


def _actual(a: Arg, args: list[Arg]) -> str:
    if a.role == "lead":
        return f"size({a.name[2:]}, 1)"
    if a.role == "inc":
        return "1"
    return a.name


def _print(a: Arg) -> str:
    if a.rank == 2:
        return f"  do i = 1, size({a.name}, 1)\n    print *, {a.name}(i,:)\n  end do\n"
    return f"  print *, {a.name}\n"


# ---------------------------------------------------------------- OpenMP and MPI

_UPDATES = {
    "+": ["s + x(i)", "s + x(i) * x(i)", "s + abs(x(i))"],
    "*": ["s * x(i)"],
    "max": ["max(s, x(i))", "max(s, abs(x(i)))"],
    "min": ["min(s, x(i))"],
}
_START = {"+": "0.0d0", "*": "1.0d0", "max": "-huge(s)", "min": "huge(s)"}


def openmp_program(task: str) -> tuple[str, list[str]]:
    """Read n values, then a `!$omp parallel do` loop: a reduction, or an element-wise update; for
    a request about a matrix, a matrix-vector product over rows with the inner index and the row sum
    `private`."""
    if re.search(r"\bmatri(x|ces)\b", task, re.I):
        return _openmp_matvec(task)
    p = _Program()
    pair = _PAIR.search(task) is not None
    p.text(
        "program main\n  implicit none\n  integer :: n, i\n  double precision :: s\n"
        "  double precision, allocatable :: x(:), y(:)\n  read *, n\n  allocate(x(n), y(n))\n  read *, x\n"
        + ("  read *, y\n" if pair else "")
    )
    reductions = [
        f"  s = {_START[op]}\n  !$omp parallel do reduction({op}:s)\n  do i = 1, n\n    s = {u}\n"
        "  end do\n  !$omp end parallel do\n  print *, s\n"
        for op, updates in _updates(pair).items()
        for u in updates
    ]
    elementwise = [
        f"  !$omp parallel do\n  do i = 1, n\n    y(i) = {e}\n  end do\n  !$omp end parallel do\n  print *, y\n"
        for e in ("2.0d0 * x(i) + 1.0d0", "x(i) * x(i)", "abs(x(i))", "sqrt(abs(x(i)))")
    ]
    p.choice(_by_request(task, reductions, elementwise))
    p.text("end program main")
    return p.lark(), ["program skeleton: OpenMP parallel do over n values read (reduction or element-wise)"]


def _openmp_matvec(task: str) -> tuple[str, list[str]]:
    p = _Program()
    p.text(
        "program main\n  implicit none\n  integer :: m, n, i, j\n  double precision :: s\n"
        "  double precision, allocatable :: a(:,:), x(:), y(:)\n"
    )
    p.choice(_size_reads(["m", "n"], _request_order(["m", "n"], task)))
    p.text(
        "  allocate(a(m, n), x(n), y(m))\n  read *, ((a(i,j), j = 1, n), i = 1, m)\n  read *, x\n"
        "  !$omp parallel do private(j, s)\n  do i = 1, m\n    s = 0.0d0\n    do j = 1, n\n"
        "      s = s + a(i,j) * x(j)\n    end do\n    y(i) = s\n  end do\n  !$omp end parallel do\n"
        "  print *, y\nend program main"
    )
    return p.lark(), ["program skeleton: OpenMP matrix-vector product over rows, private(j, s)"]


# a request about two vectors (a dot product) reads y after x and reduces x(i) * y(i)
_PAIR = re.compile(r"\bdot\b|two vectors|\bx and y\b", re.I)


def _updates(pair: bool) -> dict[str, list[str]]:
    return {"+": ["s + x(i) * y(i)"]} if pair else _UPDATES


# operation words of a request -> the reduction operator they ask for
_OP_WORDS = {
    "+": r"\b(sum|total|add|norm|dot|mean|integra)",
    "*": r"\b(product|multipl)",
    "max": r"\b(max|largest|greatest)",
    "min": r"\b(min|smallest|least)",
}


def _by_request(task: str, reductions: list[str], others: Sequence[str] = ()) -> list[str]:
    """The loop bodies whose reduction operator the request names (all of them when it names none),
    and of those, the ones whose terms it names: squares (`x(i) * x(i)`), absolute values."""
    ops = [op for op, words in _OP_WORDS.items() if re.search(words, task, re.I)]
    picked = [
        b
        for b in reductions
        if any(f"reduction({op}:" in b or f"mpi_{_MPI_OPS[op]}" in b or _GATHERED[op] in b for op in ops)
    ]
    terms = {"x(i) * x(i)": r"\b(squares?|norm|length|euclid)", "abs(": r"\babs"}
    plain = [b for b in picked if not any(t in b and not re.search(w, task, re.I) for t, w in terms.items())]
    return plain or picked or [*reductions, *others]


_MPI_OPS = {"+": "sum", "*": "prod", "max": "max", "min": "min"}
_MPI_COLLECTIVES = ("mpi_allreduce", "mpi_reduce", "mpi_gather")


def _mpi_target(text: str, records: list[DocRecord]) -> DocRecord | None:
    collectives = [r for r in records if r.name.lower() in _MPI_COLLECTIVES]
    named = [r for r in collectives if _named(r, text)]
    # gathering parts is a reduction only when the request asks for it by name
    unnamed = [r for r in collectives if r.name.lower() != "mpi_gather"]
    return (named or unnamed or [None])[0]


# MPI arguments by their documented names: what the reduction program passes
_MPI_ACTUALS = {
    "sendbuf": "s",
    "recvbuf": "total",
    "count": "1",
    "datatype": "mpi_double_precision",
    "root": "0",
    "comm": "mpi_comm_world",
    "ierror": "ierr",
    # MPI_Gather of each rank's part: one value each, into `parts` on rank 0
    "sendcount": "1",
    "sendtype": "mpi_double_precision",
    "recvcount": "1",
    "recvtype": "mpi_double_precision",
}
# what rank 0 prints from the gathered parts, by reduction operator
_GATHERED = {"+": "sum(parts)", "*": "product(parts)", "max": "maxval(parts)", "min": "minval(parts)"}


def mpi_program(record: DocRecord, task: str = "") -> tuple[str, list[str]] | None:
    """Rank 0 reads n values and broadcasts them; each rank reduces a strided share; the documented
    collective combines the parts; rank 0 prints."""
    raw = record.schema.get("arguments")
    names = (
        [str(a.get("name", "")).lower() for a in raw if isinstance(a, dict)] if isinstance(raw, list) else []
    )
    if not names or any(n not in _MPI_ACTUALS and n != "op" for n in names):
        return None
    name = record.name.lower()
    pair = _PAIR.search(task) is not None
    vectors = ["x", "y"] if pair else ["x"]
    gather = name == "mpi_gather"
    arrays = [f"{v}(:)" for v in [*vectors, *(["parts"] if gather else [])]]
    p = _Program()
    p.text(
        "program main\n  use mpi\n  implicit none\n  integer :: ierr, rank, nproc, n, i\n"
        f"  double precision :: s, total\n  double precision, allocatable :: {', '.join(arrays)}\n"
        "  call mpi_init(ierr)\n  call mpi_comm_rank(mpi_comm_world, rank, ierr)\n"
        "  call mpi_comm_size(mpi_comm_world, nproc, ierr)\n"
        "  if (rank == 0) read *, n\n  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)\n"
        f"  allocate({', '.join([*(v + '(n)' for v in vectors), *(['parts(nproc)'] if gather else [])])})\n"
        + "".join(f"  if (rank == 0) read *, {v}\n" for v in vectors)
        + "".join(
            f"  call mpi_bcast({v}, n, mpi_double_precision, 0, mpi_comm_world, ierr)\n" for v in vectors
        )
    )
    ops = {"+": "mpi_sum", "*": "mpi_prod", "max": "mpi_max", "min": "mpi_min"}
    norm = re.search(r"\b(norm|length|euclid)", task, re.I) is not None
    bodies = []
    for op, updates in _updates(pair).items():
        for u in updates:
            actuals = ", ".join(
                ops[op] if n == "op" else "parts" if n == "recvbuf" and gather else _MPI_ACTUALS[n]
                for n in names
            )
            results = ("total", "sqrt(total)") if op == "+" and norm else ("total",)
            for result in (_GATHERED[op],) if gather else results:
                bodies.append(
                    f"  s = {_START[op]}\n  do i = rank + 1, n, nproc\n    s = {u}\n  end do\n"
                    f"  call {name}({actuals})\n  if (rank == 0) print *, {result}\n"
                )
    p.choice(_by_request(task, bodies))
    p.text("  call mpi_finalize(ierr)\nend program main")
    return p.lark(), [f"program skeleton: MPI reduction of n values read on rank 0 with {name}"]


# element-wise work on a scattered chunk, by what the request says is done to each element
_CHUNK_OPS = {
    "part**2": r"\bsquare",
    "2.0d0 * part": r"\b(double|twice)\b",
    "abs(part)": r"\babs",
    "sqrt(abs(part))": r"\bsqrt|square root",
}


def scatter_gather_program(scatter: DocRecord, gather: DocRecord, task: str) -> tuple[str, list[str]] | None:
    """Rank 0 reads n values (n a multiple of the number of processes) and scatters equal chunks;
    each rank transforms its chunk; rank 0 gathers the chunks back and prints them. The calls pass
    each documented argument by its name: send and receive buffers, counts, types, root, communicator."""
    calls = []
    for record, send, receive in ((scatter, "x", "part"), (gather, "part", "x")):
        raw = record.schema.get("arguments")
        names = (
            [str(a.get("name", "")).lower() for a in raw if isinstance(a, dict)]
            if isinstance(raw, list)
            else []
        )
        actual = {"sendbuf": send, "recvbuf": receive, "sendcount": "chunk", "recvcount": "chunk"}
        actual |= {k: v for k, v in _MPI_ACTUALS.items() if k not in actual and "count" not in k}
        if not names or any(n not in actual for n in names):
            return None
        calls.append(f"  call {record.name.lower()}({', '.join(actual[n] for n in names)})\n")
    p = _Program()
    p.text(
        "program main\n  use mpi\n  implicit none\n  integer :: ierr, rank, nproc, n, chunk\n"
        "  double precision, allocatable :: x(:), part(:)\n"
        "  call mpi_init(ierr)\n  call mpi_comm_rank(mpi_comm_world, rank, ierr)\n"
        "  call mpi_comm_size(mpi_comm_world, nproc, ierr)\n"
        "  if (rank == 0) read *, n\n  call mpi_bcast(n, 1, mpi_integer, 0, mpi_comm_world, ierr)\n"
        "  chunk = n / nproc\n  allocate(x(n), part(chunk))\n  if (rank == 0) read *, x\n"
        + calls[0]
        + "  part = "
    )
    named = [op for op, words in _CHUNK_OPS.items() if re.search(words, task, re.I)]
    p.choice(named[:1] or list(_CHUNK_OPS))
    p.text("\n" + calls[1] + "  if (rank == 0) print *, x\n  call mpi_finalize(ierr)\nend program main")
    return p.lark(), ["program skeleton: MPI scatter of n values read on rank 0, element-wise work, gather"]
