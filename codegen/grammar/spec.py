"""What grammar building hands to decoding and to `--explain`, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass, field

import llguidance

from codegen.errors import DslgenError

# llguidance's default of 50,000 Earley items per step is too few for a Bash command with five
# documented commands' flags: after `find .` the mask computation stopped with "Too many items" and
# only end-of-text stayed allowed, so generation ended there. 500,000 keeps that mask at ~3 ms.
PARSER_LIMITS = llguidance.LLParserLimits(step_max_items=500_000)


class GrammarError(DslgenError):
    """The documentation yields no usable grammar (empty language, a grammar that does not compile).
    The message is user-facing; exit code 1 like any request that produced no valid code."""


@dataclass(slots=True)
class GrammarSpec:
    lang: str
    text: str  # Lark text accepted by llguidance (and, for lint-clean grammars, by lark)
    constraints: list[str] = field(default_factory=list)  # human-readable, one line per document used
    documents: list[str] = field(default_factory=list)  # names of the DocRecords the grammar uses
    # the grammar fixes a whole program (codegen.grammar.fortran_skeleton): long, and its repeated
    # lines are the shape, so decoding gives it more tokens and no repeated-n-gram ban
    whole_program: bool = False

    def explain(self) -> str:
        return "\n".join([f"grammar for {self.lang}:", *(f"  {line}" for line in self.constraints)])
