"""DocRecord: one documented library unit (an Ansible module, a Bash command, a Fortran routine).

`schema` is plain JSON so records round-trip through the on-disk index unchanged. Its shape per
language (every key optional unless marked):

ansible  {"options": {NAME: Option}, "mutually_exclusive": [[NAME, ...]], "required_together": [[...]],
          "required_one_of": [[...]], "required_if": [[key, value, [NAME, ...], any?]],
          "required_by": [[key, [NAME, ...]]]}
         Option = {"type": str, "required": bool, "default": any, "choices": [any], "aliases": [str],
                   "elements": str, "description": str, "suboptions": {NAME: Option}}
bash     {"synopsis": [str], "options": [Flag], "subcommands": [str]}
         Flag = {"flags": ["-j", "--jobs"], "arg": "N" | None, "arg_optional": bool,
                 "separators": [" ", "=", ""], "description": str}
         `separators` lists how a value attaches: " " (next word), "=" (--jobs=N), "" (-j4, -I<dir>),
         ":" where documented.
fortran  {"kind": "intrinsic" | "intrinsic_module" | "statement" | "blas" | "lapack" | "mpi"
                  | "openmp_directive" | "openmp_clause" | "openmp_routine",
          "procedure": "function" | "subroutine" | "directive" | "module" | None,
          "signature": str, "arguments": [Arg], "min_args": int, "max_args": int,
          "returns": str | None, "clauses": [str] (directives), "members": [str] (modules)}
         Arg = {"name": str, "type": str, "intent": "in"|"out"|"inout"|None, "optional": bool,
                "description": str, "choices"?: [str]}
         `max_args` null means any number (max, min). Extra keys by kind: "module" (intrinsics, OpenMP
         routines), "group" (LAPACK), "f08" (MPI: the `use mpi_f08` binding; the main signature is
         `use mpi` with IERROR), directives: "end", "end_required", "end_clauses", "association";
         clauses: "keyword", "directives". Full notes: codegen/docs/fortran.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Dsl = Literal["ansible", "bash", "fortran"]
DSLS: tuple[Dsl, ...] = ("ansible", "bash", "fortran")


@dataclass(slots=True)
class Example:
    """A natural-language request and the code that answers it (tldr example, Ansible EXAMPLES task)."""

    nl: str
    code: str


@dataclass(slots=True)
class DocRecord:
    dsl: Dsl
    name: str  # unique within its dsl: FQCN for Ansible, command name for Bash, routine for Fortran
    summary: str  # one line
    text: str  # the searchable body: description and option text
    schema: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    source: str = ""  # where it came from: file path, "ansible-doc", package name
    version: str = ""  # version of the package that provided it
    # how central the document is among its peers, from its packaging (a Debian package's Priority,
    # Ansible's builtin collection): 0 to 1; retrieval breaks near-ties with it
    prior: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.dsl}:{self.name}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocRecord:
        examples = [Example(**e) for e in data.get("examples", [])]
        return cls(
            dsl=data["dsl"],
            name=data["name"],
            summary=data.get("summary", ""),
            text=data.get("text", ""),
            schema=data.get("schema", {}),
            aliases=list(data.get("aliases", [])),
            examples=examples,
            source=data.get("source", ""),
            version=data.get("version", ""),
            prior=float(data.get("prior", 0.0)),
        )
