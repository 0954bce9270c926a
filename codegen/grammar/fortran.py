"""Fortran specialisation: one `implicit none` program whose every name is declared before use and
whose every call is a retrieved routine with its documented argument count.

A context-free grammar cannot check declarations against uses of free names, so names come from a
pool: the dummy-argument names of the retrieved routines (typed from their documentation), then a
few generic ones. llguidance's parametric rules carry one bit per pool name: a declaration sets it,
a use requires it. A second bit per integer marks it as an active `do` variable, which Fortran
forbids assigning. Expressions are typed (integer, real(8), logical), literals are non-zero and
small, and intrinsic arguments are variables or literals of the exact type, so the constant
folding gfortran does at compile time cannot find a division by zero, an overflow or a negative
square root. Type and rank checks beyond that are left to the validator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from codegen.grammar.lark_text import alternatives, literal
from codegen.schema import FortranRoutine

MAX_POOL = 28  # bits 0..27: declared; bits 32..59: active do variable
LOOP_BIT = 32
ARRAY_SIZE = 10
MAX_STATEMENTS = 6

Kind = str  # "integer" | "real" | "logical" | "character"


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    kind: Kind
    rank: int = 0

    @property
    def declarator(self) -> str:
        dims = ", ".join([str(ARRAY_SIZE)] * self.rank)
        return f"{self.name}({dims})" if self.rank else self.name


GENERIC_POOL = (
    Var("i", "integer"),
    Var("j", "integer"),
    Var("k", "integer"),
    Var("n", "integer"),
    Var("x", "real"),
    Var("y", "real"),
    Var("z", "real"),
    Var("s", "real"),
    Var("flag", "logical"),
    Var("u", "real", 1),
    Var("v", "real", 1),
    Var("w", "real", 1),
    Var("p", "real", 2),
    Var("q", "real", 2),
    Var("idx", "integer", 1),
)
TYPE_SPEC = {"integer": "integer", "real": "real(8)", "logical": "logical"}

# Intrinsics with a typed signature: result kind and argument classes. A documented intrinsic that
# is not here cannot be called (its argument types are unknown to the grammar).
#   r: real variable or literal, rv: real variable, i: integer variable or literal,
#   ra: real array (any rank), ra1: real rank-1 array, arr: any array
INTRINSIC_FUNCTIONS: dict[str, tuple[Kind, tuple[str, ...]]] = {
    "abs": ("real", ("r",)),
    "sqrt": ("real", ("rv",)),
    "exp": ("real", ("rv",)),
    "log": ("real", ("rv",)),
    "sin": ("real", ("r",)),
    "cos": ("real", ("r",)),
    "tanh": ("real", ("r",)),
    "atan": ("real", ("r",)),
    "dble": ("real", ("i",)),
    "max": ("real", ("r", "r")),
    "min": ("real", ("r", "r")),
    "int": ("integer", ("r",)),
    "nint": ("integer", ("r",)),
    "floor": ("integer", ("r",)),
    "ceiling": ("integer", ("r",)),
    "mod": ("integer", ("i", "i")),
    "size": ("integer", ("arr",)),
    "sum": ("real", ("ra",)),
    "product": ("real", ("ra1",)),
    "maxval": ("real", ("ra",)),
    "minval": ("real", ("ra",)),
    "dot_product": ("real", ("ra1", "ra1")),
    "norm2": ("real", ("ra",)),
    "huge": ("real", ("rv",)),
    "epsilon": ("real", ("rv",)),
    "tiny": ("real", ("rv",)),
}
INTRINSIC_SUBROUTINES: dict[str, tuple[str, ...]] = {
    "cpu_time": ("rv",),
    "random_number": ("rv",),
    "system_clock": ("iv",),
}

_TYPE_WORDS = (
    (re.compile(r"\b(integer)\b", re.I), "integer"),
    (re.compile(r"\b(double\s*precision|real)\b", re.I), "real"),
    (re.compile(r"\b(logical)\b", re.I), "logical"),
    (re.compile(r"\b(character)\b", re.I), "character"),
)
_DIMENSION = re.compile(r"dimension\s*\(", re.I)


def _rank(type_text: str) -> int:
    """Rank from `dimension(...)`, counting only top-level commas: `dimension(min(M,N))` is rank 1.
    Other parentheses (`integer(kind=**)`, `character(len=*)`) say nothing about rank."""
    match = _DIMENSION.search(type_text)
    if match is None:
        return 1 if re.search(r"\barray\b", type_text, re.I) else 0
    depth, commas = 1, 0
    for char in type_text[match.end() :]:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                break
        elif char == "," and depth == 1:
            commas += 1
    return commas + 1


def argument_kind(type_text: str) -> tuple[Kind, int] | None:
    """'DOUBLE PRECISION array, dimension(LDA,*)' -> ("real", 2); None for types outside the pool
    (complex, derived types, choice buffers without a type)."""
    if re.search(r"\bcomplex\b", type_text, re.I):
        return None
    kind = next((k for pattern, k in _TYPE_WORDS if pattern.search(type_text)), None)
    if kind is None:
        return None
    rank = _rank(type_text)
    return (kind, min(rank, 2)) if kind != "character" or rank == 0 else None


def _pool(routines: list[FortranRoutine], arg_types: dict[str, dict[str, str]]) -> list[Var]:
    pool: dict[str, Var] = {}
    for routine in routines:
        for name in routine.arguments:
            typed = argument_kind(arg_types.get(routine.name, {}).get(name, ""))
            if typed and typed[0] != "character" and name not in pool and re.fullmatch(r"[a-z]\w*", name):
                pool[name] = Var(name, typed[0], typed[1])
    for var in GENERIC_POOL:
        pool.setdefault(var.name, var)
    return list(pool.values())[:MAX_POOL]


class _Builder:
    def __init__(self, pool: list[Var]) -> None:
        self.pool = pool
        self.bit = {v.name: i for i, v in enumerate(pool)}
        self.lines: list[str] = []
        self.defined: set[str] = set()
        self.members: dict[str, list[int]] = {}  # class rule -> bits of its variables

    def opt(self, name: str) -> list[str]:
        """A reference to rule `name` if it was written, else nothing."""
        return [f"{name}::_"] if name in self.defined else []

    def refs(self, cls: str, pred: Callable[[Var], bool], *, target: bool = False) -> list[str]:
        """Alternatives naming each declared pool variable matching `pred`."""
        out = []
        self.members[cls] = [self.bit[v.name] for v in self.pool if pred(v)]
        for v in self.pool:
            if pred(v):
                b = self.bit[v.name]
                cond = f"and(bit_set({b}), bit_clear({b + LOOP_BIT}))" if target else f"bit_set({b})"
                out.append(f"{literal(v.name)} %if {cond}")
        return out

    def declared(self, classes: list[str]) -> str:
        """A condition: each class rule in `classes` has a declared variable. Alternatives that
        commit to a lexeme before referring to a class need it, or a model could write
        `call dgemm(` with no rank-2 array declared and have no way to finish."""
        conds = []
        for cls in dict.fromkeys(c for c in classes if c in self.members):
            ors = [f"bit_set({bit})" for bit in self.members[cls]]
            conds.append(_fold("or", ors))
        return f" %if {_fold('and', conds)}" if conds else ""

    def rule(self, name: str, alts: list[str]) -> bool:
        """A parametric rule; False (and nothing written) when it has no alternative."""
        if not alts:
            return False
        self.lines.append(f"{name}::_: " + "\n    | ".join(alts))
        self.defined.add(name)
        return True


def fortran_rules(
    routines: list[FortranRoutine], arg_types: dict[str, dict[str, str]]
) -> tuple[str, list[str]]:
    """Lark definitions replacing `start`, and a summary. `arg_types` maps routine -> argument ->
    documented type text (from the DocRecord), used to type the pool and the call arguments."""
    callable_ = [r for r in routines if r.callable]
    if not routines:
        return "", []
    pool = _pool(callable_, arg_types)
    b = _Builder(pool)
    summary = [f"names (declare before use): {', '.join(v.declarator for v in pool)}"]

    # variables by class
    b.rule("ivar", b.refs("ivar", lambda v: v.kind == "integer" and v.rank == 0))
    b.rule("itarget", b.refs("itarget", lambda v: v.kind == "integer" and v.rank == 0, target=True))
    b.rule("rvar", b.refs("rvar", lambda v: v.kind == "real" and v.rank == 0))
    b.rule("lvar", b.refs("lvar", lambda v: v.kind == "logical" and v.rank == 0))
    b.rule("ra", b.refs("ra", lambda v: v.kind == "real" and v.rank > 0))
    b.rule("ra1", b.refs("ra1", lambda v: v.kind == "real" and v.rank == 1))
    b.rule("ra2", b.refs("ra2", lambda v: v.kind == "real" and v.rank == 2))
    b.rule("ia1", b.refs("ia1", lambda v: v.kind == "integer" and v.rank == 1))
    b.rule("arr", b.refs("arr", lambda v: v.rank > 0))
    index = "ivar::_ | INDEX" if "ivar" in b.defined else "INDEX"
    elements = []
    for v in pool:
        if v.rank and v.kind in ("real", "integer"):
            subscript = ' "," '.join([f"({index})"] * v.rank)
            elements.append((v, f'{literal(v.name + "(")} {subscript} ")" %if bit_set({b.bit[v.name]})'))
    b.rule("relem", [e for v, e in elements if v.kind == "real"])
    b.rule("ielem", [e for v, e in elements if v.kind == "integer"])
    opt = b.opt
    arg_class = {
        "r": ["REAL_LIT", *opt("rvar")],
        "rv": opt("rvar"),
        "i": ["INT_LIT", *opt("ivar")],
        "iv": opt("ivar"),
        "ra": opt("ra"),
        "ra1": opt("ra1"),
        "arr": opt("arr"),
    }
    documented = {r.name: r for r in routines}
    funcs: dict[Kind, list[str]] = {"integer": [], "real": []}
    used_intrinsics = []
    for name, (kind, args) in INTRINSIC_FUNCTIONS.items():
        routine = documented.get(name)
        if routine is None or not _arity_ok(routine, len(args)) or not all(arg_class[a] for a in args):
            continue
        parts = ' "," '.join(f"({alternatives(arg_class[a])})" for a in args)
        needs = [
            ref.split("::")[0]
            for a in args
            if "INT_LIT" not in arg_class[a] and "REAL_LIT" not in arg_class[a]
            for ref in arg_class[a][:1]
        ]
        funcs[kind].append(f'"{name}(" {parts} ")"{b.declared(needs)}')
        used_intrinsics.append(f"{name}/{len(args)}")
    b.rule("ifunc", funcs["integer"])
    b.rule("rfunc", funcs["real"])

    b.rule("iatom", ["INT_LIT", *opt("ivar"), *opt("ifunc"), *opt("ielem")])
    b.rule("ratom", ["REAL_LIT", *opt("rvar"), *opt("rfunc"), *opt("relem"), *opt("ivar")])
    b.rule("iexpr", ["iatom::_ (IOP iatom::_)~0..2"])
    b.rule("rexpr", ["ratom::_ (ROP ratom::_)~0..2"])
    b.rule("lexpr", ["iexpr::_ CMP iexpr::_", "rexpr::_ CMP rexpr::_", '".true."', '".false."', *opt("lvar")])

    simple = []
    if "itarget" in b.defined:
        simple.append('itarget::_ " = " iexpr::_')
    if "rvar" in b.defined:
        simple.append('rvar::_ " = " rexpr::_')
    if "lvar" in b.defined:
        simple.append('lvar::_ " = " lexpr::_')
    if "relem" in b.defined:
        simple.append('relem::_ " = " rexpr::_')
    if "ra" in b.defined:
        simple.append('ra::_ " = " rexpr::_')
    simple.append('"print *, " print_item::_ ("," print_item::_)~0..2')
    b.rule("print_item", ["iexpr::_", "rexpr::_", "lexpr::_", "STRING_LIT"])

    calls, not_callable = _calls(routines, arg_types, arg_class, b)
    simple += calls
    b.rule("simple_stmt", simple)

    compound = ["simple_stmt::_", "if_block::_"]
    b.rule(
        "if_block",
        [
            '"if (" lexpr::_ ") then\\n" (simple_stmt::_ "\\n")~1..3 ("else\\n" (simple_stmt::_ "\\n")~1..3)? "end if"'
        ],
    )
    loops = []
    for v in pool:
        if v.kind == "integer" and v.rank == 0:
            bit = b.bit[v.name]
            body = f'(simple_stmt::set_bit({bit + LOOP_BIT}) "\\n")~1..3'
            loops.append(f'"do {v.name} = " iexpr::_ ", " iexpr::_ "\\n" {body} "end do" %if bit_set({bit})')
    if b.rule("do_loop", loops):
        compound.append("do_loop::_")
        if any(
            r.kind == "openmp_directive" and _directive(r.name) in ("parallel do", "do") for r in routines
        ):
            compound.append('"!$omp parallel do\\n" do_loop::_ "\\n!$omp end parallel do"')
    b.rule("stmt", compound)

    decls = []
    for kind, spec in TYPE_SPEC.items():
        members = [v for v in pool if v.kind == kind]
        if not members:
            continue
        names = [
            f"{literal(v.declarator)} decl_{kind}_more::set_bit({b.bit[v.name]}) %if bit_clear({b.bit[v.name]})"
            for v in members
        ]
        undeclared = " %if " + _fold("or", [f"bit_clear({b.bit[v.name]})" for v in members])
        b.rule(f"decl_{kind}", names)
        b.rule(f"decl_{kind}_more", [f'", " decl_{kind}::_{undeclared}', '"\\n" decls::_'])
        decls.append(f'"{spec} :: " decl_{kind}::_{undeclared}')
    decls.append(f'(stmt::_ "\\n")~1..{MAX_STATEMENTS} "end program main"')
    b.rule("decls", decls)
    uses = '"use mpi\\n" ' if any(r.kind == "mpi" for r in routines) else ""
    head = [
        f'start: "program main\\n" {uses}"implicit none\\n" decls::0',
        "INT_LIT: /[1-9][0-9]?/",
        "INDEX: /[1-9]|10/",
        r"REAL_LIT: /[1-9][0-9]?\.[0-9]d0/",
        "STRING_LIT: /'[A-Za-z0-9 ]{0,20}'/",
        r"CHAR_LIT: /'[A-Z]'/",
        'IOP: " + " | " - " | " * "',
        'ROP: " + " | " - " | " * " | " / "',
        'CMP: " < " | " <= " | " > " | " >= " | " == " | " /= "',
    ]
    callable_names = [c.split("(")[0].strip('"').removeprefix("call ") for c in calls]
    summary.append(f"calls: {', '.join(callable_names) or 'none'}")
    summary.append(f"intrinsic functions: {', '.join(used_intrinsics) or 'none'}")
    if not_callable:
        summary.append(
            f"documented but not callable here (argument types unknown): {', '.join(not_callable)}"
        )
    return "\n".join(head + b.lines) + "\n", summary


def _directive(name: str) -> str:
    """'!$omp parallel do' (how the index names directives) -> 'parallel do'."""
    return re.sub(r"^!\$omp\s+", "", name.strip(), flags=re.I).lower()


def _arity_ok(routine: FortranRoutine, n: int) -> bool:
    return routine.min_args <= n and (routine.max_args is None or n <= routine.max_args)


def _calls(
    routines: list[FortranRoutine],
    arg_types: dict[str, dict[str, str]],
    arg_class: dict[str, list[str]],
    b: _Builder,
) -> tuple[list[str], list[str]]:
    """`call` statements for documented subroutines whose every argument can be typed."""
    calls, skipped = [], []
    for routine in routines:
        if routine.procedure != "subroutine":
            continue
        if routine.kind == "intrinsic":
            classes = INTRINSIC_SUBROUTINES.get(routine.name)
            if (
                classes is None
                or not _arity_ok(routine, len(classes))
                or not all(arg_class[c] for c in classes)
            ):
                skipped.append(routine.name)
                continue
            parts = [f"({alternatives(arg_class[c])})" for c in classes]
        else:
            required = [a for a in routine.arguments if a not in routine.optional]
            parts = []
            for name in required:
                typed = argument_kind(arg_types.get(routine.name, {}).get(name, ""))
                part = _actual(typed, b.opt)
                if part is None:
                    break
                parts.append(part)
            if len(parts) != len(required) or not _arity_ok(routine, len(parts)):
                skipped.append(routine.name)
                continue
        args = ' "," '.join(parts)
        needs = [p.strip("()").split("::")[0] for p in parts if "_LIT" not in p and '"' not in p]
        cond = b.declared(needs)
        calls.append(f'"call {routine.name}(" {args} ")"{cond}' if parts else f'"call {routine.name}()"')
    return calls, skipped


def _actual(typed: tuple[Kind, int] | None, opt: Callable[[str], list[str]]) -> str | None:
    """An actual argument of a documented type: a declared variable of that type and rank."""
    if typed is None:
        return None
    kind, rank = typed
    if kind == "character":
        return "CHAR_LIT"
    if rank == 0:
        choices = {
            "integer": ["INT_LIT", *opt("ivar")],
            "real": ["REAL_LIT", *opt("rvar")],
            "logical": ['".true."', '".false."', *opt("lvar")],
        }[kind]
    else:
        choices = opt({("real", 1): "ra1", ("real", 2): "ra2", ("integer", 1): "ia1"}.get((kind, rank), ""))
    return f"({alternatives(choices)})" if choices else None


def _fold(op: str, conds: list[str]) -> str:
    """and/or of any number of llguidance conditions (the functions take two)."""
    out = conds[-1]
    for cond in reversed(conds[:-1]):
        out = f"{op}({cond}, {out})"
    return out
