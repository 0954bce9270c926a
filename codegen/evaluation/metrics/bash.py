"""Bash metrics beyond tldr's: flags the documentation does not list, and `bash -n` / shellcheck errors.

Generated commands keep tldr's placeholder syntax. Before parsing, every `{{…}}` placeholder becomes
one shell word, so an option alternative `{{[-s|--long]}}` (whose `|` would otherwise read as a pipe)
stays a single argument. For the tools, an option alternative becomes its first spelling and any
other placeholder its own text when that is a plain word, else the word `placeholder`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tree_sitter import Node

from codegen.docs.record import DocRecord
from codegen.grammar.bash import COMMAND_RUNNERS, RUNNER_OPERANDS
from codegen.schema import BashCommand, BashFlag, schema_of
from codegen.validate import validate
from codegen.validate.treesitter import node_text, parse_bash

DocLookup = Callable[[str], DocRecord | None]  # command name -> its Bash documentation, if any

_PLACEHOLDER = re.compile(r"{{(.*?)}}")
_ALTERNATIVES = re.compile(r"^\[(.+)\]$")
_MARK = "DSLGENPLACEHOLDER"
_MARKED = re.compile(_MARK + r"(\d+)X")
_PLAIN_WORD = re.compile(r"^[\w./:@%+,=~*-]+$")
_NEGATIVE_NUMBER = re.compile(r"^-\d+(\.\d+)?$")


def concrete_placeholders(code: str) -> str:
    """tldr placeholders replaced by shell words the tools accept (see the module docstring)."""

    def word(match: re.Match[str]) -> str:
        inner = match[1]
        if alt := _ALTERNATIVES.match(inner):
            return alt[1].split("|")[0]
        return inner if _PLAIN_WORD.match(inner) else "placeholder"

    return _PLACEHOLDER.sub(word, code)


# --------------------------------------------------------------------------------- flag hallucination


@dataclass(frozen=True, slots=True)
class FlagReport:
    checked: int  # flag spellings looked up in documentation
    hallucinated: tuple[str, ...]  # those the documentation does not list
    undocumented: tuple[str, ...]  # commands used whose documentation lists no flags (not checked)


def flag_report(code: str, lookup: DocLookup) -> FlagReport:
    """Every flag of every command in `code`, checked against the command's documented flags.

    Commands that run another command (sudo, xargs, env, ...) are checked for their own flags and
    then the command they run is checked in turn. `git commit -m` is looked up as `git-commit`, then
    `git commit`, then `git`.
    """
    marked, alternatives = _mark_placeholders(code)
    checked = 0
    hallucinated: list[str] = []
    undocumented: list[str] = []
    for words in _simple_commands(parse_bash(marked).root_node):
        while words and _MARK not in words[0]:
            name, args = words[0], words[1:]
            command, args = _documented(name, args, lookup)
            if command is None:
                undocumented.append(name)
                words = _run_by(name, args)
                continue
            check = _FlagCheck(command, alternatives)
            words = check.run(args)
            checked += check.checked
            hallucinated += check.hallucinated
    return FlagReport(checked, tuple(hallucinated), tuple(undocumented))


def _run_by(name: str, args: list[str]) -> list[str]:
    """The command an undocumented runner runs: after its flag words and operands (a best guess,
    since which flags take a value is unknown)."""
    program = name.rsplit("/", 1)[-1]
    if program not in COMMAND_RUNNERS:
        return []
    rest = list(itertools.dropwhile(lambda w: w.startswith("-"), args))
    return rest[RUNNER_OPERANDS.get(program, 0) :]


def _mark_placeholders(code: str) -> tuple[str, dict[int, list[str]]]:
    """Placeholders → `DSLGENPLACEHOLDER<i>X` words; option alternatives remembered by i."""
    alternatives: dict[int, list[str]] = {}
    numbers = itertools.count()

    def mark(match: re.Match[str]) -> str:
        i = next(numbers)
        if alt := _ALTERNATIVES.match(match[1]):
            alternatives[i] = [a for a in alt[1].split("|") if a]
        return f"{_MARK}{i}X"

    return _PLACEHOLDER.sub(mark, code), alternatives


def _simple_commands(root: Node) -> Iterator[list[str]]:
    """The words (name first) of every simple command, nested ones included, in source order."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "command":
            name = node.child_by_field_name("name")
            if name is not None:
                args = [node_text(a) for a in node.children_by_field_name("argument")]
                yield [node_text(name), *args]
        stack.extend(reversed(node.children))


def _documented(name: str, args: list[str], lookup: DocLookup) -> tuple[BashCommand | None, list[str]]:
    program = name.rsplit("/", 1)[-1]
    if args and not args[0].startswith("-") and _MARK not in args[0]:
        for candidate in (f"{program}-{args[0]}", f"{program} {args[0]}"):
            command = _command(lookup(candidate))
            if command is not None:
                return command, args[1:]
    return _command(lookup(program)), args


def _command(record: DocRecord | None) -> BashCommand | None:
    schema = schema_of(record) if record is not None else None
    return schema if isinstance(schema, BashCommand) and schema.flags else None


class _FlagCheck:
    def __init__(self, command: BashCommand, alternatives: dict[int, list[str]]) -> None:
        self.flags: dict[str, BashFlag] = {n: f for f in command.flags for n in f.names}
        # find-style commands spell long options with one dash: `-bogus` is one flag, not a cluster
        self.single_dash_long = any(len(n) > 2 and not n.startswith("--") for n in self.flags)
        self.runner_operands = RUNNER_OPERANDS.get(command.name, 0)
        self.runs_command = command.name in COMMAND_RUNNERS
        self.alternatives = alternatives
        self.checked = 0
        self.hallucinated: list[str] = []

    def run(self, args: list[str]) -> list[str]:
        """Check `args`; for a command runner, return the words of the command it runs."""
        operands = self.runner_operands
        i = 0
        while i < len(args):
            word = args[i]
            if word == "--":
                return args[i + 1 :] if self.runs_command else []
            marked = _MARKED.fullmatch(word)
            if marked and int(marked[1]) in self.alternatives:
                for spelling in self.alternatives[int(marked[1])]:
                    self._known(spelling)
            elif word in self.flags or _is_flag(word):
                i += self._flag_word(word)
            elif self.runs_command:
                if operands == 0:
                    return args[i:]
                operands -= 1
            i += 1
        return []

    def _flag_word(self, word: str) -> int:
        """Check one flag word; 1 when the next word is its value (skip it), else 0."""
        if word in self.flags:
            self.checked += 1
            return int(_value_follows(self.flags[word]))
        name, placeholder, _ = word.partition(_MARK)  # `-f{{file}}`: a value is attached
        if name.startswith("--") or self.single_dash_long:
            self._known(name.split("=", 1)[0])
            return 0
        # a cluster of short flags; a flag taking a value ends it (`-j4`, `-ofile`)
        for k, char in enumerate(name[1:], start=1):
            flag = self.flags.get(f"-{char}")
            if not self._known(f"-{char}") or flag is None:
                continue
            if flag.takes_value:
                attached = k + 1 < len(name) or bool(placeholder)
                return int(not attached and not flag.arg_optional)
        return 0

    def _known(self, name: str) -> bool:
        self.checked += 1
        if name in self.flags:
            return True
        self.hallucinated.append(name)
        return False


def _is_flag(word: str) -> bool:
    """A flag word: a dash and a name before any placeholder (`-{{n}}` is a value, not a flag)."""
    name = word.partition(_MARK)[0].split("=", 1)[0]
    return name.startswith("-") and name not in ("-", "--") and not _NEGATIVE_NUMBER.match(word)


def _value_follows(flag: BashFlag) -> bool:
    return flag.takes_value and not flag.arg_optional and " " in flag.separators


# ------------------------------------------------------------------------------------- tool checks


@dataclass(frozen=True, slots=True)
class ToolReport:
    bash_n_ok: bool
    shellcheck_ok: bool  # no shellcheck finding of severity "error" (warnings are advice)


def tool_report(code: str) -> ToolReport:
    """`bash -n` and shellcheck on the code with its placeholders made concrete; empty code fails."""
    if not code.strip():
        return ToolReport(bash_n_ok=False, shellcheck_ok=False)
    errors = validate("bash", concrete_placeholders(code)).errors
    return ToolReport(
        bash_n_ok=not any(d.tool == "bash -n" for d in errors),
        shellcheck_ok=not any(d.tool == "shellcheck" for d in errors),
    )
