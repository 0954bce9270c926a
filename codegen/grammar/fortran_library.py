"""The program around one BLAS/LAPACK routine or array intrinsic (codegen.grammar.fortran_skeleton):
declarations from the signature, sizes and scalars read or set, arrays allocated and read, the call
with the documented arguments, the results printed."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace as _replace

from codegen.docs.record import DocRecord
from codegen.grammar.fortran_arguments import (
    REAL_LITERALS,
    Arg,
    arguments,
    chosen_outputs,
    request_letters,
    request_order,
    scalar_alias,
)
from codegen.grammar.fortran_program import Program, size_reads


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
    p = Program()
    p.text("program main\n  implicit none\n")
    p.text(_declarations(name, kind, procedure, args, sizes, record.schema.get("returns")))
    order = request_order(sizes, request)
    p.choice(size_reads(sizes, order, _unread_values(args, sizes)))
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
        for d, dim in enumerate(dims or dim_choices(a, sizes, args, request)):
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
            named = {x.name for x in scalars if scalar_alias(x) == "beta" and x.name in request.lower()}
            p.choice([_array_read(a)] if named else [""] if request else ["", _array_read(a)])
    if before is not None:
        p.text(f"  call {before.name.lower()}(")
        p.text(", ".join(actual(a, args) for a in first_call if a.role != "char"))
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
            p.choice([f"'{c}'" for c in request_letters(a, request)])
        elif a.role == "mask":
            p.choice(_masks(request))
        else:
            p.text(actual(a, args))
    p.text(")\n")
    main_names = {a.name for a in call_args}
    printable = [
        a for a in arrays if a.intent in ("out", "inout") and a.role == "array" and a.name in main_names
    ]
    printable += [a for a in args if a.role == "out" and a.name in main_names]
    printable = chosen_outputs(printable, request)
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
    read = [a for a in scalars if a.name in words or scalar_alias(a) in words]
    if not read and len(scalars) == 1 and "scalar" in words:
        read = scalars
    head = f"  read *, {', '.join(a.name for a in read)}\n" if read else ""
    rest = "".join(
        f"  {a.name} = {'0.0d0' if scalar_alias(a) == 'beta' and 'need not be set' in a.description else '1.0d0'}\n"
        for a in scalars
        if a not in read
    )
    return [head + rest]


def dim_choices(a: Arg, sizes: list[str], args: list[Arg], request: str = "") -> list[list[str]]:
    """For each dimension of array `a`: the size the documentation names (for a leading dimension,
    the size its own documentation bounds it by), else any size; the documented other case when the
    option that governs it is not 'N' (`A**T` is m x k when dgemm's A is k x m)."""
    flipped = transposed(args, request)
    leads = {
        x.name: (x.other[0] if x.switch in flipped and x.other else x.rows) for x in args if x.role == "lead"
    }
    out = []
    for dim in a.other if a.switch in flipped and a.other else a.dims:
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


def transposed(args: list[Arg], request: str) -> set[str]:
    """The option arguments the request sets to something other than 'N' (transa = 'T')."""
    return (
        {
            a.name
            for a in args
            if a.role == "char" and (letters := request_letters(a, request)) and letters != ["N"]
        }
        if request
        else set()
    )


def _array_read(a: Arg) -> str:
    """Rank 1: the values in order. Rank 2: row by row, as matrices are written; the implied do
    reads across line ends, so a column (n x 1) may be given on one line too."""
    if a.rank == 1:
        return f"  read *, {a.name}\n"
    return f"  read *, (({a.name}(i,j), j = 1, size({a.name}, 2)), i = 1, size({a.name}, 1))\n"


def actual(a: Arg, args: list[Arg]) -> str:
    if a.role == "lead":
        return f"size({a.name[2:]}, 1)"
    if a.role == "inc":
        return "1"
    return a.name


def _print(a: Arg) -> str:
    if a.rank == 2:
        return f"  do i = 1, size({a.name}, 1)\n    print *, {a.name}(i,:)\n  end do\n"
    return f"  print *, {a.name}\n"
