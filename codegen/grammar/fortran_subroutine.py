"""A subroutine for library code around one BLAS/LAPACK routine (codegen.grammar.fortran_skeleton):
the routine's data become dummy arguments declared with the documented types and intents
(`integer, intent(in) :: n`, `double precision, intent(inout) :: a(n, n)`), its workspace is local,
and the body is the call. Chosen when the request asks for a subroutine."""

from __future__ import annotations

from codegen.docs.record import DocRecord
from codegen.grammar.fortran_arguments import Arg, arguments, request_letters
from codegen.grammar.fortran_library import actual, dim_choices
from codegen.grammar.fortran_program import Program

_SPEC = {"real": "double precision", "integer": "integer", "logical": "logical"}
_DUMMY_ROLES = ("size", "scalar", "flag", "array", "iarray", "info", "out")


def library_subroutine(record: DocRecord, request: str = "") -> tuple[str, list[str]] | None:
    if record.schema.get("kind") not in ("blas", "lapack") or record.schema.get("procedure") != "subroutine":
        return None
    args = arguments(record)
    if not args or not any(a.role in ("array", "iarray") for a in args):
        return None
    name = record.name.lower()
    dummies = [a for a in args if a.role in _DUMMY_ROLES]
    sizes = [a.name for a in args if a.role == "size"]
    if not sizes or "lwork" in {a.name for a in dummies}:
        return None
    p = Program()
    p.text(f"subroutine call_{name}({', '.join(a.name for a in dummies)})\n  implicit none\n")
    for a in dummies:
        p.text(f"  {_SPEC[a.kind]}, intent({_intent(a)}) :: {a.name}")
        if a.rank:
            p.text("(")
            for d, dim in enumerate(dim_choices(a, sizes, args, request)):
                if d:
                    p.text(", ")
                p.choice(dim)
            p.text(")")
        p.text("\n")
    workspace = [a for a in args if a.role == "work"]
    if workspace:
        lwork = next((a.name for a in args if a.role == "lwork"), "lwork")
        p.text(f"  integer :: {lwork}\n")
        for w in workspace:
            p.text(f"  {_SPEC[w.kind]}, allocatable :: {w.name}(:)\n")
        p.text(f"  {lwork} = 64 * ({' + '.join(sizes)} + 1)\n")
        for w in workspace:
            p.text(f"  allocate({w.name}({lwork}))\n")
    p.text(f"  call {name}(")
    for k, a in enumerate(args):
        if k:
            p.text(", ")
        if a.role == "char":
            p.choice([f"'{c}'" for c in request_letters(a, request)])
        else:
            p.text(actual(a, args))
    p.text(f")\nend subroutine call_{name}")
    intents = ", ".join(f"{a.name}: {_intent(a)}" for a in dummies)
    return p.lark(), [f"subroutine skeleton around {name}; dummy arguments with intents {intents}"]


def _intent(a: Arg) -> str:
    """The documented intent; a size or scalar documented without one is only read."""
    if a.role == "info":
        return "out"
    return a.intent if a.intent in ("in", "out", "inout") else "in"
