"""Per-language validators: real tools and documented argument specs, run on generated code.

`validate()` is what the pipeline, the LSP server and the evaluation call; its diagnostics fill a
Result's `errors` and `warnings`. External tools run with a time limit in a temporary directory; a
tool that is missing or times out gives a diagnostic (an error when `strict_tools`), never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.docs.record import DSLS, DocRecord
from codegen.errors import InputError
from codegen.result import Diagnostic
from codegen.validate.ansible import validate_ansible
from codegen.validate.bash import validate_bash
from codegen.validate.fortran import validate_fortran

DEFAULT_TIMEOUT = 15.0  # seconds per external tool run


@dataclass(slots=True)
class Validation:
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(
    lang: str,
    code: str,
    records: list[DocRecord] | None = None,
    *,
    strict_tools: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    thorough: bool = False,
) -> Validation:
    """Check `code` written in `lang` ("ansible", "bash" or "fortran").

    records: the documentation the code was generated from. For Ansible, modules are checked against
        these records' argument specs and a module not among them is an error; None skips that check.
    strict_tools: a tool that is missing or times out is an error (default: a warning).
    timeout: wall-clock limit in seconds for each external tool run.
    thorough: also run the slower optional checks (Ansible: ansible-playbook --syntax-check and
        ansible-lint); ignored for the other languages, whose tool checks always run.
    """
    if lang == "ansible":
        found = validate_ansible(code, records, strict_tools=strict_tools, timeout=timeout, thorough=thorough)
    elif lang == "bash":
        found = validate_bash(code, strict_tools=strict_tools, timeout=timeout)
    elif lang == "fortran":
        found = validate_fortran(code, strict_tools=strict_tools, timeout=timeout)
    else:
        raise InputError(f"cannot validate language {lang!r}: expected one of {', '.join(DSLS)}")
    return Validation(
        errors=[d for d in found if d.severity == "error"],
        warnings=[d for d in found if d.severity != "error"],
    )
