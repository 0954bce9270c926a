"""NL→code pairs for Fortran derived from the indexed Fortran documentation.

For each documented routine the grammar can call (typed intrinsics, BLAS/LAPACK and MPI subroutines,
OpenMP runtime subroutines, the loop directive) one small program is written in the shape the
per-request grammar (codegen.grammar.fortran) produces: `program main`, `implicit none`, declarations
of pool names, at most MAX_STATEMENTS statements that give the inputs simple values, call or use the
routine, and print what it returns. The requests are the record's own words: its summary and the
sentence of its body where the routine is the subject ("DGESV computes ..."), with the name stripped
and the verb made imperative.

A program is kept only if the grammar built from that one record accepts it exactly and gfortran
compiles it (`gfortran -fsyntax-only`; a missing gfortran or MPI module drops the pair). Routines the
grammar can call only with mistyped actuals (single-precision REAL declared as real(8), non-default
kinds, procedure arguments, a scalar read as an array) and inputs it cannot give a value (integer
arrays, MPI handles) are skipped rather than written wrong: the pairs teach the model what to write,
so they must be correct code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from codegen.docs.fortran_lapack import first_sentence
from codegen.docs.fortran_lapack_names import MATRIX_TYPE, naming_words
from codegen.docs.fortran_schema import split_top
from codegen.docs.record import DocRecord
from codegen.grammar import GrammarError, build_grammar
from codegen.grammar.fortran import (
    ARRAY_SIZE,
    INTRINSIC_FUNCTIONS,
    INTRINSIC_SUBROUTINES,
    MAX_STATEMENTS,
    TYPE_SPEC,
    Var,
    _pool,
    argument_kind,
)
from codegen.grammar.lint import accepts
from codegen.schema import FortranRoutine, schema_of
from codegen.splits import split_of
from codegen.training.corpus.pairs import Pair
from codegen.validate import validate

FAMILIES = {
    "intrinsic": "intrinsic",
    "blas": "blas",
    "lapack": "lapack",
    "mpi": "mpi",
    "openmp_directive": "openmp",
    "openmp_routine": "openmp",
}
# the one directive form the grammar writes around a `do` loop
OMP_LOOP = ("!$omp parallel do", "!$omp end parallel do")
INT_VALUES = ("7", "3", "5")  # inputs of integer intrinsics (mod(7, 3))
DIAGONAL_BOOST = 4.0  # v*ones + (v+4)*I: non-singular and positive definite, for any v > 0
MAX_LINE = 132  # free-form source line limit (gfortran: "Line truncated")
RESULT_NAMES = ("info", "ierror")  # status arguments, printed first

_QUOTED_LETTER = re.compile(r"'([A-Z])'")
_SINGLE_REAL = re.compile(r"\breal\b", re.I)
_DOUBLE = re.compile(r"double\s*precision", re.I)
_NON_DEFAULT_KIND = re.compile(r"kind\s*=|\b(integer|real|logical)\s*\*\s*\d", re.I)
_PROCEDURE_ARG = re.compile(r"\b(function|external|subroutine)\b", re.I)
_MPI_HANDLE = re.compile(r"\(handle\)", re.I)
_F08_HANDLE = re.compile(r"^\s*type\s*\(\s*mpi_", re.I)
_WORD = re.compile(r"[A-Za-z]+")


class _Unfit(Exception):
    """The routine cannot be written correctly inside its grammar; the message says why (tallied)."""


@dataclass(frozen=True, slots=True)
class _Arg:
    name: str
    type_text: str
    intent: str | None
    description: str


def fortran_pairs(records: Iterable[DocRecord], *, tally: Counter[str] | None = None) -> Iterator[Pair]:
    """Pairs for the Fortran records, in name order. `tally` (if given) counts, per family,
    `family:records`, `family:programs` (a program was written), `family:accepted` (by the record's
    grammar), `family:compiled`, `family:pairs` and `family:skip:<reason>`."""
    tally = tally if tally is not None else Counter()
    seen: set[str] = set()
    for record in sorted((r for r in records if r.dsl == "fortran"), key=lambda r: r.name.lower()):
        family = FAMILIES.get(str(record.schema.get("kind")))
        name = record.name.lower()
        if family is None or name in seen:
            continue
        seen.add(name)
        tally[f"{family}:records"] += 1
        try:
            code = program(record)
        except _Unfit as unfit:
            tally[f"{family}:skip:{unfit}"] += 1
            continue
        tally[f"{family}:programs"] += 1
        try:
            grammar = build_grammar("fortran", [record]).text
        except GrammarError:
            tally[f"{family}:skip:no grammar"] += 1
            continue
        if not accepts(grammar, code):
            tally[f"{family}:skip:grammar rejects"] += 1
            continue
        tally[f"{family}:accepted"] += 1
        if validate("fortran", code, strict_tools=True).errors:
            tally[f"{family}:skip:gfortran error"] += 1
            continue
        tally[f"{family}:compiled"] += 1
        for variant, nl in requests(record):
            tally[f"{family}:pairs"] += 1
            yield Pair(
                id=f"fortran-doc:{name}#{variant}",
                lang="fortran",
                nl=nl,
                code=code,
                split=split_of(name),
                source=f"fortran-doc:{family}",
                library=record.name,
            )


# ----------------------------------------------------------------------------------------- requests


def requests(record: DocRecord) -> list[tuple[str, str]]:
    """(variant, request) from the summary and from the body sentence the routine is the subject of;
    the second only when it says something the first does not."""
    function = record.schema.get("procedure") == "function"
    out: list[tuple[str, str]] = []
    for variant, nl in (
        ("summary", _summary_request(record, function)),
        ("purpose", _purpose_request(record, function)),
    ):
        # "DLAED5 used by DSTEDC" names the routine instead of asking for something; intrinsic names
        # are English words their summaries use ("Sum the elements of an array")
        names_itself = record.schema.get("kind") != "intrinsic" and re.match(
            rf"{re.escape(record.name)}\b", nl, re.I
        )
        if nl and not names_itself and all(_key(nl) != _key(o) for _, o in out):
            out.append((variant, nl))
    return out


def _summary_request(record: DocRecord, function: bool) -> str:
    text = " ".join(record.summary.split())
    kind = str(record.schema.get("kind"))
    if kind in ("blas", "lapack"):
        reading = naming_words(record.name, kind)
        if reading and text == f"{record.name.upper()}: {reading}":
            # the name's reading: a request only if it names an operation, not just the matrix type
            if reading.split("; ")[0] in {f"{m} matrix" for m in MATRIX_TYPE.values()}:
                return ""
            return _tidy(reading)
    # "DGESV computes ...", "DAXPY: y = alpha*x + y, ..."; not "Sum the elements" (sum's own verb)
    subject = re.match(rf"{re.escape(record.name)}(:\s*|\s+(?=[a-z]+s\b))", text, re.I)
    if subject:
        rest = text[subject.end() :]
        return _tidy(rest if ":" in subject.group(1) else _imperative(rest, function))
    return _tidy(_imperative(text, function))


def _purpose_request(record: DocRecord, function: bool) -> str:
    """`... sqrt computes the principal square root of x. ...` -> "compute the principal square root
    of x": the first sentence of the body that starts with the routine's name and a verb."""
    text = record.text
    kind = str(record.schema.get("kind"))
    if kind in ("blas", "lapack"):  # the body ends with "LAPACK <doxygen group>.", not purpose
        text = text[: text.rfind(f" {kind.upper()} ")] if f" {kind.upper()} " in text else text
    match = re.search(rf"(?<![\w$])({re.escape(record.name)})\s+(?=[A-Za-z]+s\b)", text, re.I)
    if match is None:
        return ""
    sentence = first_sentence(text[match.end() :])
    if sentence.endswith(" ..."):
        return ""  # cut mid-sentence: not a request a user would write
    verb_phrase = _imperative(sentence, function)
    # "MPI_Finalize is collective ...": a statement about the routine, not what it does
    return _tidy(verb_phrase) if verb_phrase != sentence else ""


def _imperative(text: str, function: bool) -> str:
    """'Computes the ...' -> 'compute the ...'. A leading third-person verb loses its -s; 'returns'
    becomes 'compute' for functions (their result is the value asked for) and 'get' otherwise.
    Text not starting with such a verb is returned unchanged."""
    match = _WORD.match(text)
    if match is None:
        return text
    word, rest = match.group().lower(), text[match.end() :]
    if word in ("return", "returns"):
        verb = "compute" if function else "get"
    elif (
        word in ("is", "has", "was", "does") or len(word) < 4 or not word.endswith("s") or word.endswith("ss")
    ):
        return text
    elif word.endswith("ies"):
        verb = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        verb = word[:-2]
    else:
        verb = word[:-1]
    if verb == "let" and rest.startswith(" you "):  # "lets you measure durations" -> "measure ..."
        return rest[len(" you ") :]
    return verb + rest


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    text = re.split(r",\s+where\s", text, maxsplit=1)[0]  # ", where A is an N-by-N matrix ..." is detail
    text = re.split(r"\.\s+(?=[A-Z][a-z])", text, maxsplit=1)[0]  # "matrix A. The factorization ..."
    text = re.sub(r",?\s*\b(i\.e|e\.g)\.?$", "", text)  # first_sentence stops after "i.e."
    text = text if text.endswith((".true.", ".false.")) else text.rstrip(" .;:,")
    if not re.search(r"[a-z]{3}", text):
        return ""
    # lower-case a leading capital unless the word is an acronym or a name (QR, DGEMM)
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


# ------------------------------------------------------------------------------------------ programs


def program(record: DocRecord) -> str:
    """The program for one record, written in the shape of its grammar; raises _Unfit."""
    schema = schema_of(record)
    if not isinstance(schema, FortranRoutine):
        raise _Unfit("no schema")
    arguments = _arguments(record)
    pool = _pool([schema] if schema.callable else [], {schema.name: {a.name: a.type_text for a in arguments}})
    if schema.kind == "openmp_directive":
        return _directive_program(record, pool)
    if schema.procedure == "function":
        if schema.kind == "intrinsic" and schema.name in INTRINSIC_FUNCTIONS:
            return _intrinsic_program(schema, pool, function=True)
        raise _Unfit("function the grammar cannot call")
    if schema.procedure != "subroutine":
        raise _Unfit("not a procedure")
    if schema.kind == "intrinsic":
        if schema.name in INTRINSIC_SUBROUTINES:
            return _intrinsic_program(schema, pool, function=False)
        raise _Unfit("intrinsic subroutine without a typed signature")
    return _call_program(record, schema, arguments, pool)


def _arguments(record: DocRecord) -> list[_Arg]:
    raw = record.schema.get("arguments")
    out = []
    for a in raw if isinstance(raw, list) else []:
        if isinstance(a, dict) and a.get("name"):
            intent = a.get("intent") if a.get("intent") in ("in", "out", "inout") else None
            out.append(
                _Arg(
                    str(a["name"]).lower(), str(a.get("type") or ""), intent, str(a.get("description") or "")
                )
            )
    return out


class _Program:
    """Declarations and top-level statements (a `do` loop is one) of one program."""

    def __init__(self, pool: list[Var], *, uses: str = "") -> None:
        self.pool = pool
        self.by_name = {v.name: v for v in pool}
        self.uses = uses
        self.used: set[str] = set()
        # REAL_LIT values (/[1-9][0-9]?\.[0-9]d0/) handed out in order: 2.0d0, 2.5d0, 3.0d0, ...
        self.reals = (f"{k / 2:.1f}d0" for k in range(4, 199))

    def use(self, var: Var) -> str:
        self.used.add(var.name)
        return var.name

    def real(self) -> str:
        return next(self.reals)

    def loop_var(self, taken: set[str]) -> Var | None:
        """An integer scalar of the pool that is none of the routine's arguments."""
        return next(
            (v for v in self.pool if v.kind == "integer" and v.rank == 0 and v.name not in taken), None
        )

    def text(self, statements: list[str]) -> str:
        if not 1 <= len(statements) <= MAX_STATEMENTS:
            raise _Unfit(f"needs more than {MAX_STATEMENTS} statements")
        lines = ["program main", *([self.uses] if self.uses else []), "implicit none"]
        for kind, spec in TYPE_SPEC.items():
            line = ""
            for v in self.pool:
                if v.name not in self.used or v.kind != kind:
                    continue
                if line and len(line) + len(v.declarator) + 2 > MAX_LINE:  # gfortran truncates the rest
                    lines.append(line)
                    line = ""
                line = f"{line}, {v.declarator}" if line else f"{spec} :: {v.declarator}"
            if line:
                lines.append(line)
        return "\n".join([*lines, *statements, "end program main"])


def _fill(prog: _Program, loop: Var | None, vectors: list[Var], matrices: list[Var], room: int) -> list[str]:
    """Statements giving real input arrays values: each matrix v*ones, then one `do` loop (a body of
    up to 3 statements) setting vectors to i*v and, while `room` allows, matrix diagonals to v+4."""
    filled = {m.name: prog.real() for m in matrices}
    out = [f"{prog.use(m)} = {filled[m.name]}" for m in matrices]
    if loop is None or len(vectors) > 3:
        return out + [f"{prog.use(v)} = {prog.real()}" for v in vectors]
    body = [f"{prog.use(v)}({loop.name}) = {loop.name} * {prog.real()}" for v in vectors]
    if body or room - len(out) >= 1:
        for m in matrices[: 3 - len(body)]:
            boosted = float(filled[m.name].removesuffix("d0")) + DIAGONAL_BOOST
            body.append(f"{m.name}({loop.name},{loop.name}) = {boosted:.1f}d0")
    if body:
        out.append("\n".join([f"do {prog.use(loop)} = 1, {ARRAY_SIZE}", *body, "end do"]))
    return out


# the argument classes of codegen.grammar.fortran's intrinsic signatures
_CLASSES = {
    "r": lambda v: v.kind == "real" and v.rank == 0,
    "rv": lambda v: v.kind == "real" and v.rank == 0,
    "i": lambda v: v.kind == "integer" and v.rank == 0,
    "iv": lambda v: v.kind == "integer" and v.rank == 0,
    "ra": lambda v: v.kind == "real" and v.rank > 0,
    "ra1": lambda v: v.kind == "real" and v.rank == 1,
    "arr": lambda v: v.rank > 0,
}


def _intrinsic_program(schema: FortranRoutine, pool: list[Var], *, function: bool) -> str:
    classes = INTRINSIC_FUNCTIONS[schema.name][1] if function else INTRINSIC_SUBROUTINES[schema.name]
    prog = _Program(pool)
    chosen: list[Var] = []
    for position, cls in enumerate(classes):
        documented = schema.arguments[position] if position < len(schema.arguments) else ""
        fits = [v for v in pool if _CLASSES[cls](v) and v not in chosen]
        # the documented argument's name when it has the right type, else a real vector
        fits.sort(key=lambda v: (v.name != documented, v.kind != "real", v.rank))
        if not fits:
            raise _Unfit("no pool variable of the argument's type")
        chosen.append(fits[0])
    taken = {v.name for v in chosen}
    loop = prog.loop_var(taken)
    inputs = chosen if function else []
    scalars = [v for v in inputs if v.rank == 0]
    ints = iter(INT_VALUES)
    statements = [f"{prog.use(v)} = {next(ints) if v.kind == 'integer' else prog.real()}" for v in scalars]
    vectors = [v for v in inputs if v.rank == 1 and v.kind == "real"]
    matrices = [v for v in inputs if v.rank == 2 and v.kind == "real"]
    if any(v.kind != "real" and v.rank > 0 for v in inputs):
        raise _Unfit("integer array input cannot be given values")
    budget = MAX_STATEMENTS - len(statements) - 1
    statements += _fill(prog, loop, vectors, matrices, budget)
    args = ",".join(prog.use(v) for v in chosen)
    if function:
        statements.append(f"print *, {schema.name}({args})")
    else:
        statements += [f"call {schema.name}({args})", f"print *, {args}"]
    return prog.text(statements)


def _call_program(record: DocRecord, schema: FortranRoutine, arguments: list[_Arg], pool: list[Var]) -> str:
    """`call routine(...)` with literal inputs, declared outputs, and the inputs' arrays filled."""
    by_name = {a.name: a for a in arguments}
    f08 = record.schema.get("f08")
    f08_args = f08.get("arguments") if isinstance(f08, dict) else None
    f08_types = {
        str(a.get("name", "")).lower(): str(a.get("type") or "")
        for a in (f08_args if isinstance(f08_args, list) else [])
        if isinstance(a, dict)
    }
    prog = _Program(pool, uses="use mpi" if schema.kind == "mpi" else "")
    actuals: list[str] = []
    scalar_inits: list[str] = []
    vectors: list[Var] = []
    matrices: list[Var] = []
    outputs: list[str] = []
    for name in (a for a in schema.arguments if a not in schema.optional):
        arg = by_name[name]
        typed = argument_kind(arg.type_text)
        if typed is None:
            raise _Unfit("argument type outside the grammar (complex, choice buffer, derived type)")
        _check_faithful(arg, typed)
        kind, rank = typed
        if schema.kind == "mpi" and arg.intent != "out":
            if _MPI_HANDLE.search(arg.description) or _F08_HANDLE.match(f08_types.get(name, "")):
                raise _Unfit("MPI handle input (no named constants in the grammar)")
            if arg.intent != "in":
                raise _Unfit("MPI object updated in place (made by an earlier call)")
        if kind == "character":
            letter = _QUOTED_LETTER.search(arg.description)
            if arg.intent not in ("in", None) or letter is None:
                raise _Unfit("character argument without a documented one-letter value")
            actuals.append(f"'{letter.group(1)}'")
            continue
        if rank == 0 and arg.intent == "in":
            actuals.append(_literal(name, kind, prog))
            continue
        var = prog.by_name.get(name)
        if var is None or (var.kind, var.rank) != (kind, rank):
            raise _Unfit("argument name not in the grammar's pool")
        actuals.append(prog.use(var))
        if arg.intent != "out":  # in, inout, or undocumented: give it a value
            if rank == 0:
                value = {"integer": "2", "real": prog.real(), "logical": ".true."}[kind]
                scalar_inits.append(f"{name} = {value}")
            elif kind != "real":
                raise _Unfit("integer or logical array input cannot be given values")
            else:
                (vectors if rank == 1 else matrices).append(var)
        if arg.intent != "in" and "work" not in name:
            outputs.append(f"{name}({','.join(['1'] * rank)})" if rank else name)
    status = [o for o in outputs if o in RESULT_NAMES]
    shown = (status + [o for o in outputs if o not in RESULT_NAMES])[:3]
    tail = [f"call {schema.name}({','.join(actuals)})", *([f"print *, {','.join(shown)}"] if shown else [])]
    loop = prog.loop_var(set(schema.arguments))
    budget = MAX_STATEMENTS - len(scalar_inits) - len(tail)
    statements = [*_fill(prog, loop, vectors, matrices, budget), *scalar_inits, *tail]
    return prog.text(statements)


def _literal(name: str, kind: str, prog: _Program) -> str:
    """An input scalar: leading dimensions and workspace sizes are the declared ARRAY_SIZE,
    increments 1, other integers (orders, counts, band widths) 2, reals the next value."""
    if kind == "integer":
        if name.startswith("ld") or (name.startswith("l") and name.endswith("work")):
            return str(ARRAY_SIZE)
        return "1" if name.startswith("inc") else "2"
    if kind == "real":
        return prog.real()
    return ".true."


def _check_faithful(arg: _Arg, typed: tuple[str, int]) -> None:
    """The grammar's reading of the type must be what the documentation says, or the call would
    pass a different type than the routine takes (it compiles: external routines are unchecked)."""
    text = arg.type_text
    if _PROCEDURE_ARG.search(text):
        raise _Unfit("procedure argument")
    kind, rank = typed
    if kind == "character":
        return
    if _NON_DEFAULT_KIND.search(text):
        raise _Unfit("non-default kind")
    if kind == "real" and _SINGLE_REAL.search(text) and not _DOUBLE.search(text):
        raise _Unfit("single precision (the grammar declares real(8))")
    # rank 1 against 2 is fine: an array passed to an implicit interface is its element sequence
    # (a 10x10 workspace for `work(max(1,lwork))`); a scalar for an array or back is not
    if (_documented_rank(text) == 0) != (rank == 0):
        raise _Unfit("documented rank differs from the grammar's")


def _documented_rank(text: str) -> int:
    """Rank from `dimension(...)`, splitting only top-level commas: dimension(min(M,N)) is rank 1."""
    match = re.search(r"dimension\s*\(", text, re.I)
    if match is None:
        return 1 if re.search(r"\barray\b", text, re.I) else 0
    depth, start = 1, match.end()
    for end in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            return len(split_top(text[start:end]))
    return -1  # unbalanced: not faithful


def _directive_program(record: DocRecord, pool: list[Var]) -> str:
    """The grammar writes one directive, `!$omp parallel do` around a `do` loop: a loop filling a
    vector, printed afterwards. Only loop directives qualify; the grammar decides which."""
    if record.schema.get("association") != "loop":
        raise _Unfit("directive the grammar cannot write")
    prog = _Program(pool)
    loop = prog.loop_var(set())
    vector = next((v for v in pool if v.kind == "real" and v.rank == 1), None)
    if loop is None or vector is None:
        raise _Unfit("no loop variable or vector in the pool")
    prog.use(loop)
    body = f"{prog.use(vector)}({loop.name}) = {loop.name} * {prog.real()}"
    loop_block = "\n".join([f"do {loop.name} = 1, {ARRAY_SIZE}", body, "end do"])
    statements = [
        f"{OMP_LOOP[0]}\n{loop_block}\n{OMP_LOOP[1]}",
        f"print *, {vector.name}(1),{vector.name}({ARRAY_SIZE})",
    ]
    return prog.text(statements)


def family_counts(tally: Counter[str]) -> dict[str, dict[str, Any]]:
    """The tally grouped by family: stage counts and skip reasons."""
    out: dict[str, dict[str, Any]] = {}
    for key, n in sorted(tally.items()):
        family, _, what = key.partition(":")
        entry = out.setdefault(family, {"skip": {}})
        if what.startswith("skip:"):
            entry["skip"][what[5:]] = n
        else:
            entry[what] = n
    return out
