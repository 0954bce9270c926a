"""The Result of one request: what `--json` prints, what `batch` writes, what the API returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


@dataclass(slots=True)
class Diagnostic:
    tool: str  # "yaml", "argspec", "bash -n", "shellcheck", "gfortran", "input", "retrieval", ...
    severity: Severity
    line: int | None
    message: str


@dataclass(slots=True)
class DocHit:
    name: str
    score: float
    dsl: str = ""
    summary: str = ""


@dataclass(slots=True)
class Candidate:
    code: str
    valid: bool
    score: float


@dataclass(slots=True)
class StepResult:
    """One step of a multi-step request: its text (pronouns resolved), the documents its own
    retrieval found, its code, and how that code attaches to the previous step's."""

    nl: str
    docs: list[str] = field(default_factory=list)  # names, best first
    code: str = ""
    join: str = ""  # "" (first step), "task" (next Ansible task), "pipe" (` | `), "and" (` && `)


@dataclass(slots=True)
class Result:
    id: str
    lang: str
    code: str = ""
    valid: bool = False
    docs: list[DocHit] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    risky: bool = False
    candidates: list[Candidate] = field(default_factory=list)
    seconds: float = 0.0
    constraints: list[str] = field(default_factory=list)  # what the grammar allowed, one line per document
    steps: list[StepResult] = field(default_factory=list)  # a multi-step request's steps; [] for one step

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def error(cls, id: str, tool: str, message: str, lang: str = "") -> Result:
        return cls(
            id=id, lang=lang, errors=[Diagnostic(tool=tool, severity="error", line=None, message=message)]
        )
