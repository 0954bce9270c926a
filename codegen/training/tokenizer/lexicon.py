"""Names that must read as one unit: language keywords (from the tree-sitter grammars themselves),
Fortran intrinsics and OpenMP runtime names (fortls), OpenMP directive and clause words (the
hand-written codegen/docs/data/openmp.json), MPI routines (openmpi-doc man pages) and
predefined handles (Open MPI's mpif-handles.h), BLAS and LAPACK routines (liblapack-doc), Ansible task keywords
and ansible.builtin module names.

Used to keep API names out of identifier anonymisation and to measure how many of them the
tokenizer encodes as a single token.
"""

from __future__ import annotations

import glob
import json
import os
import re
from functools import cache
from pathlib import Path

from codegen.docs.fortran_intrinsics import MODULES, PROCEDURES, fortls_data
from codegen.docs.fortran_lapack import BLAS_GROUP
from codegen.docs.fortran_lapack import DPKG_LIST as LAPACK_DPKG_LIST
from codegen.docs.fortran_mpi import PAGE_NAME as MPI_PAGE_NAME
from codegen.docs.fortran_openmp import DATA_FILE as OPENMP_DATA
from codegen.docs.fortran_openmp import SENTINEL as OPENMP_SENTINEL
from codegen.paths import package_data
from codegen.training.tokenizer.lexemes import grammar_keywords

MAN3 = Path("/usr/share/man/man3")
# communicators, datatypes, reduction ops (MPI_COMM_WORLD, MPI_DOUBLE_PRECISION, MPI_SUM); the ~150
# other constants (error codes, attribute keys) would cost more vocabulary than they are worth
MPIF_HEADERS = "/usr/lib/*/openmpi/include/mpif-handles.h"
_MPI_CONSTANT = re.compile(r"\bMPI_[A-Z][A-Z0-9_]*\b")
_MAN3_ENTRY = re.compile(r"^/usr/share/man/man3/([a-z][a-z0-9_]*)\.3(?:\.gz)?$")


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@cache
def fortran_intrinsics() -> frozenset[str]:
    return frozenset(name.lower() for name in _json(fortls_data() / PROCEDURES))


@cache
def openmp_names() -> frozenset[str]:
    omp_lib = _json(fortls_data() / MODULES).get("omp_lib", {})
    return frozenset(child["name"].lower() for child in omp_lib.get("children", []) if "name" in child)


@cache
def openmp_directive_words() -> frozenset[str]:
    """Directive sentinels and the words of OpenMP directive and clause names (codegen/docs/data/openmp.json)."""
    data = _json(package_data(OPENMP_DATA))
    words = {w for directive in data.get("directives", []) for w in directive["name"].split()}
    words |= {clause["name"] for clause in data.get("clauses", [])}
    return frozenset({OPENMP_SENTINEL, "!$acc", *words})


@cache
def mpi_names() -> frozenset[str]:
    """MPI routines (man pages) and the predefined handles of Open MPI's Fortran header."""
    routines = (
        {p.name.split(".")[0] for p in MAN3.iterdir() if MPI_PAGE_NAME.match(p.name)}
        if MAN3.is_dir()
        else set()
    )
    constants = set()
    for header in glob.glob(MPIF_HEADERS):
        with open(header, encoding="utf-8", errors="replace") as fh:
            constants.update(_MPI_CONSTANT.findall(fh.read()))
    return frozenset(routines | constants)


@cache
def blas_lapack_names() -> frozenset[str]:
    try:
        lines = LAPACK_DPKG_LIST.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(m.group(1) for line in lines if (m := _MAN3_ENTRY.match(line)) and "_" not in m.group(1))


@cache
def blas_names() -> frozenset[str]:
    """BLAS routines: the man pages that link to a BLAS group page (dgemm.3.gz → double_blas_level3)."""
    names = set()
    for name in blas_lapack_names():
        page = MAN3 / f"{name}.3.gz"
        if page.is_symlink() and BLAS_GROUP.search(Path(os.readlink(page)).name.split(".")[0]):
            names.add(name)
    return frozenset(names)


@cache
def fortran_api_names() -> frozenset[str]:
    """Lower-case names identifier anonymisation keeps: intrinsics, OpenMP, MPI, BLAS/LAPACK, keywords."""
    return frozenset(
        n.lower()
        for n in (
            *fortran_intrinsics(),
            *openmp_names(),
            *mpi_names(),
            *blas_lapack_names(),
            *grammar_keywords("fortran"),
        )
    )


@cache
def ansible_names() -> frozenset[str]:
    from ansible.playbook.task import Task

    from codegen.docs.ansible_discovery import builtin_collection, module_files

    modules = module_files(builtin_collection().modules_dir)
    return frozenset({*Task.fattributes, *modules, *(f"ansible.builtin.{m}" for m in modules)})


# the language whose code each category belongs to
CATEGORY_LANG = {
    "fortran_keywords": "fortran",
    "fortran_intrinsics": "fortran",
    "openmp": "fortran",
    "openmp_directives": "fortran",
    "mpi": "fortran",
    "blas": "fortran",
    "lapack": "fortran",
    "bash_keywords": "bash",
    "ansible": "ansible",
}


def lexicon() -> dict[str, frozenset[str]]:
    """Category → names, for the single-token coverage report."""
    return {
        "fortran_keywords": grammar_keywords("fortran"),
        "fortran_intrinsics": fortran_intrinsics(),
        "openmp": openmp_names(),
        "openmp_directives": openmp_directive_words(),
        "mpi": mpi_names(),
        "blas": blas_names(),
        "lapack": blas_lapack_names() - blas_names(),
        "bash_keywords": grammar_keywords("bash"),
        "ansible": ansible_names(),
    }


def training_names() -> frozenset[str]:
    """Names the tokenizer should hold whole even where the corpus rarely shows them (LAPACK's ~1,700
    routines are left out: they would take a fifth of an 8k vocabulary)."""
    categories = lexicon()
    return frozenset().union(*(names for category, names in categories.items() if category != "lapack"))
