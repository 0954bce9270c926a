"""OpenMP for Fortran from the hand-written `codegen/docs/data/openmp.json` (OpenMP 5.2).

Record names follow what code looks like, so retrieval, grammar and validator agree on them:
directives are `!$omp parallel do`, runtime routines `omp_get_wtime`, and clauses `reduction clause`
(bare clause keywords such as `read`, `if`, `private` would collide with statement and routine
names and match unrelated requests); the clause keyword itself is `schema["keyword"]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from codegen.docs.fortran_schema import argument, call_signature, fortran_schema, squash
from codegen.docs.record import DocRecord
from codegen.docs.source import SourceError, Unit, file_fingerprint
from codegen.paths import package_data

SENTINEL = "!$omp"
DATA_FILE = "openmp.json"


def directive_name(name: str) -> str:
    return f"{SENTINEL} {name}"


def clause_name(keyword: str) -> str:
    return f"{keyword} clause"


def _arguments(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        arg = argument(
            e["name"], e.get("type", ""), e.get("intent"), e.get("optional", False), e["description"]
        )
        if e.get("choices"):
            arg["choices"] = list(e["choices"])
        out.append(arg)
    return out


def directive_record(d: dict[str, Any], version: str, source: str) -> DocRecord:
    name = directive_name(d["name"])
    clauses = d["clauses"]
    signature = d.get("syntax") or (f"{name} [clause[ [,] clause] ...]" if clauses else name)
    end = directive_name(d["end"]) if d.get("end") else None
    text = [d["description"], f"Clauses: {', '.join(clauses)}." if clauses else ""]
    if end:
        text.append(f"Closed by {end}{'' if d['end_required'] else ' (optional)'}.")
    return DocRecord(
        dsl="fortran",
        name=name,
        summary=d["summary"],
        text=squash(" ".join(text)),
        schema=fortran_schema(
            "openmp_directive",
            "directive",
            signature,
            _arguments(d.get("arguments", [])),
            clauses=list(clauses),
            end=end,
            end_required=d["end_required"],
            end_clauses=list(d.get("end_clauses", [])),
            association=d["association"],
        ),
        aliases=list(dict.fromkeys([f"omp {d['name']}", *d.get("aliases", [])])),
        source=source,
        version=version,
    )


def clause_record(c: dict[str, Any], used_on: list[str], version: str, source: str) -> DocRecord:
    return DocRecord(
        dsl="fortran",
        name=clause_name(c["name"]),
        summary=c["summary"],
        text=squash(f"OpenMP {c['name']} clause. {c['description']} Used on: {', '.join(used_on)}."),
        schema=fortran_schema(
            "openmp_clause",
            None,
            c["syntax"],
            _arguments(c["arguments"]),
            keyword=c["name"],
            directives=used_on,
        ),
        aliases=[f"omp {c['name']}"],
        source=source,
        version=version,
    )


def routine_record(r: dict[str, Any], version: str, source: str) -> DocRecord:
    arguments = _arguments(r["arguments"])
    subroutine = r["procedure"] == "subroutine"
    return DocRecord(
        dsl="fortran",
        name=r["name"],
        summary=r["summary"],
        text=squash(f"OpenMP runtime library routine (use omp_lib). {r['description']}"),
        schema=fortran_schema(
            "openmp_routine",
            r["procedure"],
            call_signature(r["name"], arguments, subroutine, variadic=False),
            arguments,
            returns=r["returns"],
            module="omp_lib",
        ),
        source=source,
        version=version,
    )


def openmp_records(data: dict[str, Any], source: str) -> list[DocRecord]:
    version = data["openmp_version"]
    used_on: dict[str, list[str]] = {}
    for d in data["directives"]:
        for c in [*d["clauses"], *d.get("end_clauses", [])]:
            used_on.setdefault(c, [])
            if directive_name(d["name"]) not in used_on[c]:
                used_on[c].append(directive_name(d["name"]))
    return [
        *(directive_record(d, version, source) for d in data["directives"]),
        *(clause_record(c, used_on.get(c["name"], []), version, source) for c in data["clauses"]),
        *(routine_record(r, version, source) for r in data["routines"]),
    ]


class OpenMPSource:
    """OpenMP directives, clauses and runtime routines from the packaged openmp.json."""

    name = "openmp"

    def __init__(self, path: str | Path | None = None):
        self.path = str(path) if path is not None else str(package_data(DATA_FILE))

    def units(self) -> Iterable[Unit]:
        yield Unit(id=DATA_FILE, fingerprint=file_fingerprint(self.path))

    def load(self, unit: Unit) -> list[DocRecord]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise SourceError(f"cannot read OpenMP data {self.path}: {exc}") from exc
        return openmp_records(data, f"dslgen:{DATA_FILE}")
