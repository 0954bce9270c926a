"""Does Fortran code use the routine or construct a task expects (`expects` in an HPC task)?

An expectation is a procedure name (`dgemm`, `mpi_allreduce`, `matmul`): the code must refer to it
followed by an argument list, outside comments and strings; or an OpenMP construct written `omp`
and the directive words (`omp parallel do`, `omp reduction`): some `!$omp` line must hold all those
words (a clause counts with or without its parenthesised list). Every expectation must hold.
"""

from __future__ import annotations

import re

_STRING = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def _code_lines(code: str) -> tuple[str, list[str]]:
    """(statements without comments and strings, the `!$omp` directive lines in lower case)."""
    statements, directives = [], []
    for line in code.splitlines():
        stripped = line.strip().lower()
        if stripped.startswith("!$omp"):
            directives.append(stripped)
            continue
        statements.append(re.sub(r"!.*", "", _STRING.sub("''", line)))
    return "\n".join(statements), directives


def uses(code: str, expected: str) -> bool:
    statements, directives = _code_lines(code)
    words = expected.lower().split()
    if words[0] == "omp":
        return any(all(re.search(rf"\b{re.escape(w)}\b", d) for w in words[1:]) for d in directives)
    return re.search(rf"\b{re.escape(expected)}\s*\(", statements, re.IGNORECASE) is not None


def uses_expected(code: str, expects: list[str] | tuple[str, ...]) -> bool:
    return all(uses(code, e) for e in expects)
