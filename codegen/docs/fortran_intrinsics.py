"""Fortran intrinsic procedures, intrinsic modules and statements from the JSON that fortls ships.

Units are fortls' JSON files. Argument names and order come from fortls' procedure list (the one its
language server checks calls against); optionality, types and intents come from the markdown pages
where they mention the argument (`result = sum(array [,dim] [,mask])`, `intent(in),optional ::`),
because fortls' own `DIM=dim` keyword notation also marks required keywords such as NUMBER.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from codegen.docs.fortran_markdown import IntrinsicPage, md_plain, parse_page
from codegen.docs.fortran_schema import argument, call_signature, fortran_schema, parse_intent, squash
from codegen.docs.record import DocRecord, Example
from codegen.docs.source import SourceError, Unit, file_fingerprint

PROCEDURES = "intrinsic.procedures.json"
MARKDOWN = "intrinsic.procedures.markdown.json"
MODULES = "intrinsic.modules.json"
STATEMENTS = "statements.json"

# The OpenMP runtime is documented by openmp.json (with descriptions); fortls lists only signatures.
MODULES_DOCUMENTED_ELSEWHERE = {"omp_lib", "omp_lib_kinds"}

# fortls' module file has no prose; one line per module says what it is for.
MODULE_PURPOSE = {
    "iso_fortran_env": "Kind constants (int32, int64, real32, real64), standard units (input_unit, "
    "output_unit, error_unit), iostat_end/iostat_eor and compiler_version/compiler_options",
    "iso_c_binding": "Interoperability with C: C kinds (c_int, c_double, c_char), c_ptr, c_loc, "
    "c_f_pointer, c_null_char",
    "ieee_arithmetic": "IEEE floating-point arithmetic: test for NaN and infinity, classes, rounding modes",
    "ieee_exceptions": "IEEE floating-point exception flags and halting modes (overflow, divide by zero)",
    "ieee_features": "Named constants for the IEEE features a program requires",
    "omp_lib": "OpenMP runtime library routines and named constants",
    "omp_lib_kinds": "Kind parameters used by the OpenMP runtime library",
    "openacc": "OpenACC runtime library routines for accelerator devices",
    "openacc_kinds": "Kind parameters used by the OpenACC runtime library",
}


def fortls_data() -> Path:
    return Path(str(resources.files("fortls") / "parsers" / "internal"))


@cache
def _markdown_pages(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _load_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read fortls data {path}: {exc}") from exc


def fortls_arguments(spec: str) -> list[tuple[str, bool]]:
    """fortls' argument notation -> [(name, keyword_form)]. 'ARRAY,DIM=dim' -> [(ARRAY, False),
    (DIM, True)]; `|` separates alternative forms, and a name missing from one form is optional."""
    forms = [[a.split("=")[0].split("(")[0].strip() for a in form.split(",")] for form in spec.split("|")]
    flagged = {a.split("=")[0].strip() for a in spec.replace("|", ",").split(",") if "=" in a}
    names: list[str] = []
    for form in forms:
        names += [n for n in form if n and n not in names]
    return [(n, n in flagged or any(n not in f for f in forms)) for n in names]


def _page_text(page: IntrinsicPage | None, fallback: str) -> str:
    if page is None:
        return squash(fallback)
    parts = [page.category, md_plain(page.sections.get("description", ""))]
    parts.append(md_plain(page.sections.get("result", "")))
    return squash(" ".join(parts))


def _arguments(
    specs: list[tuple[str, bool]], page: IntrinsicPage | None, declared: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Arguments in fortls' order. Markdown, where it mentions an argument, decides optionality,
    type and intent; otherwise fortls' module declarations (`declared`) or its keyword notation do."""
    arguments = []
    # the markdown sometimes names arguments differently (DOT_PRODUCT: fortls A, B; markdown vector_a,
    # vector_b); when both list the same number, the markdown name at the same position is used
    positional = page.header_args if page and len(page.header_args) == len(specs) else []
    for i, (arg, keyword_form) in enumerate(specs):
        low = arg.lower()
        key = low
        if page and positional and low not in page.declarations and low not in page.option_text:
            key = positional[i].lower()
        decl = page.declarations.get(key) if page else None
        in_synopsis = page.optional_in_synopsis(key) if page else None
        info = declared.get(low, {})
        mods = [m.upper() for m in info.get("mods", [])]
        if decl is not None or in_synopsis is not None:
            optional = bool(in_synopsis) or (decl is not None and decl.optional)
        else:
            optional = keyword_form
        optional = optional or "OPTIONAL" in mods
        if decl is not None:
            type_, intent = decl.type, decl.intent
        else:
            desc = info.get("desc", "")
            type_ = "" if desc.upper().startswith("INTENT") else desc  # fortls' c_f_pointer cptr
            dims = [m.lower() for m in mods if m.startswith("DIMENSION")]
            type_ = ", ".join([type_, *dims]) if type_ else type_
            intent = next((parse_intent(m) for m in mods if m.startswith("INTENT")), None)
        description = page.option_text.get(key, "") if page else ""
        arguments.append(argument(low, type_, intent, optional, description))
    return arguments


def _procedure(
    name: str,
    subroutine: bool,
    specs: list[tuple[str, bool]],
    page: IntrinsicPage | None,
    *,
    declared: dict[str, dict[str, Any]],
    summary: str,
    returns: str | None,
    module: str | None,
    source: str,
    version: str,
) -> DocRecord:
    if page is not None and page.procedure is not None:
        subroutine = page.procedure == "subroutine"  # fortls' list calls SYSTEM_CLOCK a function
    if not specs and page is not None:  # fortls lists no arguments for NULL([mold])
        specs = [(a, False) for a in page.header_args]
    arguments = _arguments(specs, page, declared)
    variadic = bool(page and page.variadic)
    summary = squash((page.summary if page else "") or summary)
    return DocRecord(
        dsl="fortran",
        name=name,
        summary=summary,
        text=_page_text(page, summary),
        schema=fortran_schema(
            "intrinsic",
            "subroutine" if subroutine else "function",
            call_signature(name, arguments, subroutine, variadic),
            arguments,
            returns=None if subroutine else ((page.returns if page else None) or returns),
            variadic=variadic,
            module=module,
        ),
        examples=[Example(nl=summary, code=code) for code in page.examples()] if page else [],
        source=source,
        version=version,
    )


def procedure_record(name: str, entry: dict[str, Any], md: str | None, version: str) -> DocRecord:
    return _procedure(
        name.lower(),
        entry.get("type") == 2,
        fortls_arguments(entry.get("args", "")),
        parse_page(md) if md else None,
        declared={},
        summary=entry.get("doc", ""),
        returns=None,
        module=None,
        source=f"fortls:{PROCEDURES}",
        version=version,
    )


def _module_procedure(
    module: str, overloads: list[dict[str, Any]], md: str | None, version: str
) -> DocRecord:
    """One record per generic name; overloads (acc_wait(wait_arg) and acc_wait(wait_arg, dev_num))
    become alternative forms, so an argument missing from one form is optional."""
    first = overloads[0]
    name = first["name"].lower()
    return _procedure(
        name,
        first["type"] == 1,
        fortls_arguments("|".join(o.get("args", "") for o in overloads)),
        parse_page(md) if md else None,
        declared={c["name"].lower(): c for o in overloads for c in o.get("children", [])},
        summary=f"{name}, from the intrinsic module {module}",
        returns=first.get("return"),
        module=module,
        source=f"fortls:{MODULES}",
        version=version,
    )


def module_records(modules: dict[str, Any], markdown: dict[str, str], version: str) -> list[DocRecord]:
    records = []
    for name, mod in modules.items():
        children = mod.get("children", [])
        constants = [
            f"{c['name']} ({c.get('desc', 'derived type')})" for c in children if c["type"] in (3, 4)
        ]
        procedures = [c for c in children if c["type"] in (1, 2)]
        purpose = MODULE_PURPOSE.get(name, f"Intrinsic module {name}")
        records.append(
            DocRecord(
                dsl="fortran",
                name=name,
                summary=f"Intrinsic module {name}: {purpose}",
                text=squash(
                    f"{purpose}. Procedures: {', '.join(c['name'] for c in procedures)}. "
                    f"Named constants and types: {', '.join(constants)}."
                ),
                schema=fortran_schema(
                    "intrinsic_module",
                    "module",
                    f"use, intrinsic :: {name}",
                    [],
                    members=list(dict.fromkeys(c["name"] for c in children)),
                ),
                source=f"fortls:{MODULES}",
                version=version,
            )
        )
        if name in MODULES_DOCUMENTED_ELSEWHERE:
            continue
        generics: dict[str, list[dict[str, Any]]] = {}
        for c in procedures:
            generics.setdefault(c["name"].lower(), []).append(c)
        records += [_module_procedure(name, o, markdown.get(n.upper()), version) for n, o in generics.items()]
    return records


def statement_records(statements: dict[str, Any], version: str) -> list[DocRecord]:
    """Named `read statement`, `open statement`: statement keywords clash with procedure names
    (the FLUSH statement and the GNU FLUSH subroutine)."""
    records = []
    for keyword, entry in statements.get("int_stmnts", {}).items():
        word = keyword.lower()
        specs = fortls_arguments(entry.get("args", ""))
        records.append(
            DocRecord(
                dsl="fortran",
                name=f"{word} statement",
                summary=entry["doc"],
                text=f"The Fortran {word} statement. {entry['doc']}",
                schema=fortran_schema(
                    "statement",
                    None,
                    f"{word} ({', '.join(a.lower() for a, _ in specs)})" if specs else word,
                    [argument(a.lower(), optional=keyword_form) for a, keyword_form in specs],
                    keyword=word,
                ),
                aliases=[word],
                source=f"fortls:{STATEMENTS}",
                version=version,
            )
        )
    return records


class IntrinsicSource:
    """Intrinsic procedures, intrinsic modules (with their procedures) and statements."""

    name = "fortran-intrinsics"

    def __init__(self, data_dir: str | Path | None = None):
        self.data_dir = str(data_dir) if data_dir is not None else None

    def _dir(self) -> Path:
        return Path(self.data_dir) if self.data_dir is not None else fortls_data()

    @staticmethod
    def version() -> str:
        return metadata.version("fortls")

    def units(self) -> Iterable[Unit]:
        root = self._dir()
        markdown = file_fingerprint(str(root / MARKDOWN))
        for fname in (PROCEDURES, MODULES, STATEMENTS):
            path = root / fname
            # procedures and modules also read the markdown pages, so their fingerprint covers it
            extra = f":{markdown}" if fname != STATEMENTS else ""
            yield Unit(id=fname, fingerprint=f"{self.version()}:{file_fingerprint(str(path))}{extra}")

    def load(self, unit: Unit) -> list[DocRecord]:
        root = self._dir()
        version = self.version()
        data = _load_json(root / unit.id)
        if unit.id == STATEMENTS:
            return statement_records(data, version)
        markdown = _markdown_pages(str(root / MARKDOWN))
        if unit.id == MODULES:
            return module_records(data, markdown, version)
        if unit.id == PROCEDURES:
            return [procedure_record(n, e, markdown.get(n), version) for n, e in data.items()]
        raise SourceError(f"unknown fortls data file {unit.id}")
