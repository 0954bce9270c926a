"""Read a module's DOCUMENTATION and EXAMPLES statically: the file is parsed, never imported or run.

This is what `ansible.parsing.plugin_docs.read_docstring` does, with libyaml's C loader instead of
ansible's Python one (≈4x faster on the installed collections) and with the module's parse tree kept
for `ansible_argspec`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codegen.docs.ansible_argspec import argspec_constraints, mentions_constraints

# a top-level assignment of a string literal, e.g. DOCUMENTATION = r"""
_ASSIGNMENT = re.compile(
    rb"""^(DOCUMENTATION|EXAMPLES)[ \t]*=[ \t]*([rRbBuU]{0,2}('{3}|"{3}|'|"))""", re.MULTILINE
)


class DocReadError(Exception):
    """The documentation of one module file cannot be read (syntax error, invalid YAML)."""


@dataclass(slots=True)
class ModuleDoc:
    doc: dict[str, Any]  # the DOCUMENTATION mapping, fragments not yet applied
    examples: str = ""  # the EXAMPLES text (YAML, kept as text: it is parsed task by task later)
    constraints: dict[str, list[Any]] = field(default_factory=dict)  # from the argument spec


def load_yaml(text: str, origin: Path) -> Any:
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        raise DocReadError(f"{origin}: invalid YAML in the documentation: {err}") from err


def _string_value(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        value = node.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return None


def _escaped(source: bytes, start: int, position: int) -> bool:
    """Whether the quote at `position` is preceded by an odd number of backslashes."""
    backslashes = 0
    while position - backslashes > start and source[position - backslashes - 1] == 0x5C:
        backslashes += 1
    return backslashes % 2 == 1


def _strings_by_scan(source: bytes) -> dict[str, str] | None:
    """DOCUMENTATION/EXAMPLES string literals found by scanning, without compiling the whole file.

    Most of the cost of reading a module is compiling it (fortinet modules embed megabytes of
    argument spec). A top-level `NAME = <string literal>` is cut out and evaluated alone; None when
    the layout is anything else, and the caller compiles the file instead.
    """
    found: dict[str, str] = {}
    for match in _ASSIGNMENT.finditer(source):
        quote = match.group(3)
        body = match.end()
        end = source.find(quote, body)
        while end >= 0 and _escaped(source, body, end):
            end = source.find(quote, end + 1)
        if end < 0:
            return None
        end += len(quote)
        line_end = source.find(b"\n", end)
        tail = source[end : line_end if line_end >= 0 else len(source)].strip()
        if tail and not tail.startswith(b"#"):  # concatenation, .format(), ...: not a plain literal
            return None
        try:
            value = ast.literal_eval(source[match.start(2) : end].decode("utf-8"))
        except (ValueError, SyntaxError, UnicodeDecodeError):
            return None
        if not isinstance(value, str | bytes):
            return None
        found[match.group(1).decode()] = (
            value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        )
    return found if "DOCUMENTATION" in found else None


def _strings_from_tree(tree: ast.Module, path: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Name) and target.id in ("DOCUMENTATION", "EXAMPLES")):
            continue
        text = _string_value(node.value)
        if text is not None:
            found[target.id] = text
        elif target.id == "DOCUMENTATION" and isinstance(node.value, ast.Dict):
            try:
                found[target.id] = ast.literal_eval(node.value)
            except ValueError as err:
                raise DocReadError(f"{path}: DOCUMENTATION is not a literal: {err}") from err
    return found


def _parse(source: bytes, path: Path) -> ast.Module:
    try:
        return ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError) as err:
        raise DocReadError(f"{path}: cannot parse the module file: {err}") from err


def _from_python(path: Path) -> ModuleDoc | None:
    try:
        source = path.read_bytes()
    except OSError as err:
        raise DocReadError(f"{path}: cannot read the module file: {err}") from err
    # the parse tree is needed anyway when the source states constraints (see ansible_argspec)
    tree = _parse(source, path) if mentions_constraints(source) else None
    strings = _strings_by_scan(source) if tree is None else None
    if strings is None:
        tree = tree or _parse(source, path)
        strings = _strings_from_tree(tree, path)
    doc = strings.get("DOCUMENTATION")
    if isinstance(doc, str):
        doc = load_yaml(doc, path)
    if not isinstance(doc, dict):
        return None
    constraints = argspec_constraints(tree, source) if tree is not None else {}
    examples = strings.get("EXAMPLES")
    return ModuleDoc(doc=doc, examples=examples if isinstance(examples, str) else "", constraints=constraints)


def _from_sidecar(path: Path) -> ModuleDoc | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DocReadError(f"{path}: cannot read the documentation file: {err}") from err
    data = load_yaml(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("DOCUMENTATION"), dict):
        return None
    examples = data.get("EXAMPLES")
    return ModuleDoc(doc=data["DOCUMENTATION"], examples=examples if isinstance(examples, str) else "")


def read_module_doc(path: Path) -> ModuleDoc | None:
    """The module's documentation, or None when the file documents no module. Raises DocReadError."""
    return _from_python(path) if path.suffix == ".py" else _from_sidecar(path)
