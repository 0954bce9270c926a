"""dslgen: natural language to valid-by-construction Ansible, Bash and Fortran."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Generator", "Result", "__version__"]

if TYPE_CHECKING:
    from codegen.pipeline import Generator
    from codegen.result import Result


def __getattr__(name: str) -> Any:
    # lazy: `dslgen --help` must not pay for importing the retrieval and model stacks
    if name == "Generator":
        from codegen.pipeline import Generator

        return Generator
    if name == "Result":
        from codegen.result import Result

        return Result
    raise AttributeError(name)
