"""Independent checks that a text obeys the documentation a grammar was built from.

They re-derive each guarantee from the text itself (YAML + the argument spec, tree-sitter trees +
the flag lists), without the grammar, so property tests and benchmarks can hold the grammar to
its claims. Each returns a list of problems; empty means the text conforms.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Any

import tree_sitter_bash
import tree_sitter_fortran
import yaml
from tree_sitter import Language, Node, Parser

from codegen.grammar.ansible import keyword_alternatives
from codegen.grammar.base import base_grammar
from codegen.grammar.bash import COMMAND_RUNNERS, EXEC_FLAGS, RUNNER_OPERANDS, program_name
from codegen.schema import AnsibleModule, AnsibleOption, BashCommand, BashFlag

# how find's -exec command ends, as the shell passes `;` or `+` to it
EXEC_ENDS = frozenset({"\\;", "';'", '";"', "+", "\\+", "'+'"})
TASK_KEYWORDS = frozenset({"name", *keyword_alternatives(base_grammar("ansible"))})
_JINJA = re.compile(r"^\{\{.*\}\}$", re.S)
_FLAG_PLACEHOLDER = re.compile(r"\{\{\[(-[^|\]\s\"'{}]+)(?:\|-[^|\]\s\"'{}]+)+\]\}\}")


@functools.cache
def _parser(lang: str) -> Parser:
    module = {"bash": tree_sitter_bash, "fortran": tree_sitter_fortran}[lang]
    return Parser(Language(module.language()))


def syntax_errors(lang: str, text: str) -> list[str]:
    """tree-sitter ERROR or MISSING nodes, as `line:col kind` strings."""
    tree = _parser(lang).parse(text.encode())
    found: list[str] = []

    def visit(node: Node) -> None:
        if node.is_error or node.is_missing:
            found.append(f"{node.start_point[0] + 1}:{node.start_point[1] + 1} {node.type}")
            return
        if node.has_error:
            for child in node.children:
                visit(child)

    visit(tree.root_node)
    return found


# ---- Ansible


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with a repeated key (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    repeated = {k for k in keys if keys.count(k) > 1}
    if repeated:
        raise yaml.constructor.ConstructorError(None, None, f"repeated key {sorted(map(str, repeated))}")
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def check_ansible(text: str, modules: list[AnsibleModule]) -> list[str]:
    try:
        tasks = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        return [f"yaml: {str(exc).splitlines()[0]}"]
    if not isinstance(tasks, list) or not tasks:
        return ["not a non-empty list of tasks"]
    by_name = {n: m for m in modules for n in m.names}
    problems: list[str] = []
    for task in tasks:
        if not isinstance(task, dict):
            problems.append(f"task is not a mapping: {task!r}")
            continue
        calls = [k for k in task if k in by_name]
        unknown = [k for k in task if k not in by_name and k not in TASK_KEYWORDS]
        problems += [f"unknown key or module {k!r}" for k in unknown]
        if len(calls) != 1:
            problems.append(f"task calls {len(calls)} documented modules")
            continue
        module = by_name[calls[0]]
        problems += _check_args(task[calls[0]], module)
    return problems


def _check_args(args: Any, module: AnsibleModule) -> list[str]:
    if args is None:
        return [f"{module.name}: missing required {o.name}" for o in module.required]
    if isinstance(args, str):
        return [] if module.free_form else [f"{module.name} takes no free-form string"]
    if not isinstance(args, dict):
        return [f"{module.name}: arguments are {type(args).__name__}"]
    return _check_mapping(args, module.options, module.name)


def _check_mapping(args: dict, options: tuple[AnsibleOption, ...], where: str) -> list[str]:
    by_name = {n: o for o in options for n in o.names}
    problems = [f"{where}: undocumented key {k!r}" for k in args if k not in by_name]
    given = {by_name[k].name for k in args if k in by_name}
    if len(given) != sum(1 for k in args if k in by_name):
        problems.append(f"{where}: an option is given twice (name and alias)")
    problems += [f"{where}: missing required {o.name}" for o in options if o.required and o.name not in given]
    for key, value in args.items():
        if key in by_name:
            problems += _check_value(value, by_name[key], f"{where}.{key}")
    return problems


def _check_value(value: Any, option: AnsibleOption, where: str) -> list[str]:
    if isinstance(value, str) and _JINJA.match(value):
        return []  # a template: its value is only known when the play runs
    if value is None and option.nullable:
        return []  # Ansible reads it as the option left out
    if option.type == "list":
        if isinstance(value, dict) or value is None:  # `check_type_list` takes scalars, not these
            return [f"{where}: {value!r} is not a list"]
        items = value if isinstance(value, list) else [value]
        elem = AnsibleOption(
            option.name, option.elements or "str", choices=option.choices, suboptions=option.suboptions
        )
        if option.elements == "dict" and option.suboptions:
            return [
                p
                for item in items
                for p in (
                    _check_mapping(item, option.suboptions, where)
                    if isinstance(item, dict)
                    else [f"{where}: list item is not a mapping"]
                )
            ]
        return [p for item in items for p in _check_value(item, elem, where)]
    if option.type == "dict":
        if not isinstance(value, dict):
            return [f"{where}: not a mapping"]
        return _check_mapping(value, option.suboptions, where) if option.suboptions else []
    if option.type in ("json", "jsonarg") and not isinstance(value, str | list | dict):
        return [f"{where}: {value!r} is not JSON text or data"]  # check_type_jsonarg
    if option.choices:
        allowed = {str(c).lower() if isinstance(c, bool) else str(c) for c in option.choices}
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        return [] if shown in allowed else [f"{where}: {value!r} is not one of {sorted(allowed)}"]
    if option.type in ("bool", "int", "float") and not _converts(option.type, value):
        return [f"{where}: {value!r} is not {option.type}"]
    if option.type in ("str", "path") and (
        isinstance(value, bool) or not isinstance(value, str | int | float)
    ):
        return [f"{where}: {value!r} is not a string (or a number Ansible turns into one)"]
    return []


def _converts(type_: str, value: Any) -> bool:
    """Does Ansible's argument-spec validation accept `value` for an option of `type_`? It converts
    before it checks (`"8080"` is an int, `"yes"` and 1 are booleans): its own check_type_* decide."""
    from ansible.module_utils.common import validation

    check = {"bool": validation.check_type_bool, "int": validation.check_type_int}.get(type_)
    check = check or validation.check_type_float
    try:
        check(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(Decimal("inf"))
        return False
    return True


# ---- Bash


def fill_flag_placeholders(text: str) -> str:
    """`{{[-a|--all]}}` -> `-a`: the tldr way of writing "either form" becomes one real flag."""
    return _FLAG_PLACEHOLDER.sub(lambda m: m.group(1), text)


def check_bash(text: str, commands: list[BashCommand]) -> list[str]:
    problems = [f"tree-sitter-bash {e}" for e in syntax_errors("bash", text)]
    filled = fill_flag_placeholders(text)
    if filled != text:
        problems += [f"tree-sitter-bash (placeholders filled) {e}" for e in syntax_errors("bash", filled)]
    if problems:
        return problems
    by_name: dict[str, BashCommand] = {}
    for cmd in commands:
        for n in cmd.names:
            seen = by_name.get(n)
            # two documents of one program (a man page, a tldr page running it): either's flags
            by_name[n] = cmd if seen is None else replace(seen, flags=seen.flags + cmd.flags)
    tree = _parser("bash").parse(filled.encode())

    def visit(node: Node) -> None:
        if node.type == "command":
            problems.extend(_check_words(_words(node), by_name))
        for child in node.children:
            visit(child)

    visit(tree.root_node)
    return problems


def _words(command: Node) -> list[str]:
    """The command's words as bash splits them: tree-sitter-bash sometimes cuts one word into
    adjacent nodes (`a'x'z$V+d`), so nodes with nothing between them are joined."""
    words: list[str] = []
    end = -1
    for child in command.children:
        if child.type in ("file_redirect", "herestring_redirect", "variable_assignment"):
            end = -1
            continue
        text = child.text.decode()
        if child.start_byte == end and words:
            words[-1] += text
        else:
            words.append(text)
        end = child.end_byte
    return words


def _check_words(words: list[str], by_name: dict[str, BashCommand]) -> list[str]:
    if not words:
        return []
    # the longest documented invocation the words start with (`aws s3 sync`, else `aws`)
    words = [program_name(words[0]), *words[1:]]  # `/usr/bin/grep` runs grep
    k = next((k for k in range(min(len(words), 4), 1, -1) if " ".join(words[:k]) in by_name), 1)
    name, args = " ".join(words[:k]), words[k:]
    command = by_name.get(name)
    if command is None:
        return [f"undocumented command {name!r}"]
    flags = _FlagTable(command.flags)
    problems: list[str] = []
    i = 0
    operands = 0
    while i < len(args):
        word = args[i]
        if word in EXEC_FLAGS and word in flags.exec_names:
            end = next((j for j in range(i + 1, len(args)) if args[j] in EXEC_ENDS), len(args))
            problems += _check_words(args[i + 1 : end], by_name)
            i = end + 1
            continue
        if word == "--":
            break
        if word.startswith("-") and word != "-":
            verdict = flags.classify(word)
            if verdict is None:
                problems.append(f"{name}: undocumented flag {word!r}")
            elif verdict == "value":
                i += 1
            i += 1
            continue
        if command.name in COMMAND_RUNNERS:
            if operands < RUNNER_OPERANDS.get(command.name, 0) or ("=" in word and command.name == "env"):
                operands += 1
                i += 1
                continue
            return problems + _check_words(args[i:], by_name)
        i += 1
    return problems


class _FlagTable:
    def __init__(self, flags: tuple[BashFlag, ...]) -> None:
        self.by_name = {n: f for f in flags for n in f.names}
        self.exec_names = {n for n in self.by_name if n in EXEC_FLAGS}

    def classify(self, word: str) -> str | None:
        """ "switch", "value" (the next word is its value), "attached", or None (undocumented)."""
        flag = self.by_name.get(word)
        if flag is not None:
            return "value" if flag.takes_value and not flag.arg_optional else "switch"
        if word.startswith("--") and "=" in word:
            flag = self.by_name.get(word.split("=", 1)[0])
            return "attached" if flag is not None and flag.takes_value else None
        for sep in (":", "="):
            if sep in word:
                flag = self.by_name.get(word.split(sep, 1)[0])
                if flag is not None and flag.takes_value and sep in flag.separators:
                    return "attached"
        if not word.startswith("--"):
            return self._cluster(word[1:])
        return None

    def _cluster(self, chars: str) -> str | None:
        for i, ch in enumerate(chars):
            flag = self.by_name.get("-" + ch)
            if flag is None:
                return None
            if flag.takes_value:
                if i + 1 < len(chars):
                    return "attached"
                return "switch" if flag.arg_optional else "value"
        return "switch"


# ---- Fortran


def check_fortran(text: str) -> list[str]:
    return [f"tree-sitter-fortran {e}" for e in syntax_errors("fortran", text)]
