"""Reading the parse tree as the shell would: words with quotes removed and variables substituted,
options split from operands."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from codegen.validate.treesitter import node_text

_MAX_VARIANTS = 16  # substitutions tried per argument
_MAX_BOUND_VALUES = 8  # values remembered per variable


@dataclass(frozen=True, slots=True)
class Variant:
    text: str
    empty_var: bool = False  # produced by taking an unknown variable to be empty


@dataclass(frozen=True, slots=True)
class Arg:
    variants: tuple[Variant, ...]

    @property
    def text(self) -> str:
        return self.variants[0].text

    @classmethod
    def literal(cls, text: str) -> Arg:
        return cls((Variant(text),))


Bindings = dict[str, list[Variant]]  # values the script gives its variables
_DIRECTORY_VARS = {"HOME": "~", "PWD": "."}
_GUARDED = frozenset({":?", "?"})  # ${X:?} aborts when X is empty
_DEFAULTING = frozenset({":-", "-", ":=", "="})


def _parts(node: Node, bindings: Bindings) -> list[list[tuple[str, bool]]]:
    """The word as a sequence of alternatives: each part is a list of (text, from_empty_var)."""
    kind = node.type
    text = node_text(node)
    if kind == "word":
        return [[(re.sub(r"\\(.)", r"\1", text), False)]]
    if kind == "raw_string":
        return [[(text[1:-1], False)]]
    if kind == "ansi_c_string":
        return [[(text[2:-1], False)]]
    if kind in ("string", "concatenation", "command_name"):
        parts: list[list[tuple[str, bool]]] = []
        for child in node.children:
            if child.type == '"':
                continue
            if child.type == "string_content":
                parts.append([(re.sub(r"\\([$`\"\\])", r"\1", node_text(child)), False)])
            else:
                parts.extend(_parts(child, bindings))
        return parts
    if kind in ("simple_expansion", "expansion"):
        return [_expansion(node, bindings)]
    if kind == "command_substitution" and re.fullmatch(r"\$\(\s*pwd\s*\)|`\s*pwd\s*`", text):
        return [[(".", False)]]
    if kind in ("command_substitution", "process_substitution", "arithmetic_expansion"):
        return [[("@" + kind, False)]]  # unknown, but not empty
    return [[(text, False)]]


def _expansion(node: Node, bindings: Bindings) -> list[tuple[str, bool]]:
    name_node = next((c for c in node.children if c.type in ("variable_name", "special_variable_name")), None)
    name = node_text(name_node) if name_node is not None else ""
    operator = node.child_by_field_name("operator")
    op = node_text(operator) if operator is not None else ""
    if name in _DIRECTORY_VARS and not op:
        return [(_DIRECTORY_VARS[name], False)]
    if name in bindings:
        return [(value.text, value.empty_var) for value in bindings[name]]
    if op in _GUARDED:
        return [("@" + name, False)]
    if op in _DEFAULTING:
        default = "".join(node_text(c) for c in node.children[3:-1]) if node.child_count > 4 else ""
        return [(default, False)] if default else [("", True)]
    if node.child_count > 3 and op:  # ${X#...}, ${X/a/b}, ${#X}: some other string
        return [("@" + name, False)]
    return [("", True)]


def arg_of(node: Node, bindings: Bindings) -> Arg:
    variants = []
    for combo in itertools.islice(itertools.product(*_parts(node, bindings)), _MAX_VARIANTS):
        variants.append(Variant("".join(t for t, _ in combo), any(e for _, e in combo)))
    return Arg(tuple(variants) or (Variant(""),))


@dataclass(slots=True)
class Options:
    flags: set[str] = field(default_factory=set)  # "-r", "--force", ...
    values: dict[str, str] = field(default_factory=dict)  # options that took a value
    operands: list[Arg] = field(default_factory=list)


def parse_options(args: Sequence[Arg], with_value: Iterable[str] = ()) -> Options:
    """Split GNU-style options from operands; short flags may be bundled (`-rf`)."""
    takes_value = set(with_value)
    parsed = Options()
    items = iter(args)
    for arg in items:
        text = arg.text
        if text == "--":
            parsed.operands.extend(items)
            break
        if text.startswith("--") and len(text) > 2:
            name, eq, value = text.partition("=")
            parsed.flags.add(name)
            if eq:
                parsed.values[name] = value
            elif name in takes_value:
                parsed.values[name] = next(items, Arg.literal("")).text
        elif text.startswith("-") and len(text) > 1:
            for i, letter in enumerate(text[1:], start=1):
                flag = "-" + letter
                parsed.flags.add(flag)
                if flag in takes_value:
                    rest = text[i + 1 :]
                    parsed.values[flag] = rest or next(items, Arg.literal("")).text
                    break
        else:
            parsed.operands.append(arg)
    return parsed


def descendants(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def bindings_of(root: Node) -> Bindings:
    """Values the script itself gives variables: `X=value` and `for X in a b c`."""
    bound: Bindings = {}
    for node in descendants(root):
        if node.type == "variable_assignment":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None:
                bound.setdefault(node_text(name), []).extend(arg_of(value, {}).variants)
        elif node.type == "for_statement":
            variable = node.child_by_field_name("variable")
            if variable is not None:
                values = [v for n in node.children_by_field_name("value") for v in arg_of(n, {}).variants]
                bound.setdefault(node_text(variable), []).extend(values or [Variant("@args")])
    return {name: values[:_MAX_BOUND_VALUES] for name, values in bound.items()}


def program_name(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def command_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    return node_text(name) if name is not None else ""


def after_options(
    args: list[Arg], with_value: Iterable[str] = (), *, skip_assignments: bool = False
) -> list[Arg]:
    takes_value = set(with_value)
    i = 0
    while i < len(args):
        text = args[i].text
        if text == "--":
            return args[i + 1 :]
        if text.startswith("-") and len(text) > 1:
            i += 2 if text in takes_value else 1
        elif skip_assignments and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", text):
            i += 1
        else:
            break
    return args[i:]
