"""Option constraints (mutually_exclusive, required_if, ...) read from a module's parse tree.

DOCUMENTATION rarely states them; the module's `AnsibleModule(argument_spec=..., mutually_exclusive=...)`
call does. Importing the module to get its argument spec would run arbitrary code, so only literal
values written in the source are taken: a keyword argument of a module-constructor call, either a
literal list or a name assigned a literal list once in the same file. Best effort by design.
"""

from __future__ import annotations

import ast
import re
from typing import Any

CONSTRAINT_KEYS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
_SPEC_KEYWORDS = {"argument_spec", "arg_spec", "derived_arg_spec"}
_KEY_PATTERN = re.compile("|".join(CONSTRAINT_KEYS).encode())


def _is_module_call(call: ast.Call) -> bool:
    """A call that builds the module (AnsibleModule, AnsibleAWSModule, a base __init__) or its kwargs dict."""
    if any(kw.arg in _SPEC_KEYWORDS for kw in call.keywords):
        return True
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return "Module" in name or name == "__init__"


def _groups(value: Any) -> list[list[str]] | None:
    if not isinstance(value, list | tuple) or not value:
        return None
    groups = []
    for group in value:
        if not isinstance(group, list | tuple) or not all(isinstance(n, str) for n in group):
            return None
        groups.append(list(group))
    return groups


def _required_if(value: Any) -> list[list[Any]] | None:
    if not isinstance(value, list | tuple) or not value:
        return None
    rules = []
    for rule in value:
        if not (isinstance(rule, list | tuple) and len(rule) in (3, 4) and isinstance(rule[0], str)):
            return None
        names = rule[2]
        if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
            return None
        rules.append([rule[0], rule[1], list(names), *([bool(rule[3])] if len(rule) == 4 else [])])
    return rules


def _required_by(value: Any) -> list[list[Any]] | None:
    """{key: name or names} -> [[key, [names]], ...]: when key is given, so must the names be."""
    if not isinstance(value, dict) or not value:
        return None
    rules = []
    for key, names in value.items():
        names = [names] if isinstance(names, str) else names
        if not (isinstance(key, str) and isinstance(names, list | tuple) and names):
            return None
        if not all(isinstance(n, str) for n in names):
            return None
        rules.append([key, list(names)])
    return rules


_PARSERS = {"required_if": _required_if, "required_by": _required_by}


def _literal(node: ast.expr, assignments: dict[str, ast.expr]) -> Any:
    if isinstance(node, ast.Name):
        node = assignments.get(node.id, node)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "dict"
        and not node.args
    ):
        # required_by=dict(state=('name',)): keyword arguments of literals
        items = {kw.arg: _literal(kw.value, assignments) for kw in node.keywords if kw.arg}
        return None if None in items.values() or len(items) < len(node.keywords) else items
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _single_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    """Names assigned exactly once anywhere in the file → the assigned expression."""
    seen: dict[str, ast.expr] = {}
    repeated: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in seen:
                repeated.add(name)
            seen[name] = node.value
    return {name: value for name, value in seen.items() if name not in repeated}


def mentions_constraints(source: bytes) -> bool:
    return _KEY_PATTERN.search(source) is not None


def _statements_mentioning(tree: ast.Module, source: bytes) -> list[ast.stmt]:
    """Top-level statements whose lines contain a constraint keyword: the only ones worth walking."""
    lines = {number for number, line in enumerate(source.splitlines(), 1) if _KEY_PATTERN.search(line)}
    return [
        stmt for stmt in tree.body if any(stmt.lineno <= n <= (stmt.end_lineno or stmt.lineno) for n in lines)
    ]


def argspec_constraints(tree: ast.Module, source: bytes) -> dict[str, list[Any]]:
    """The constraints of the first module-constructor call that states each one."""
    statements = _statements_mentioning(tree, source)
    assignments: dict[str, ast.expr] | None = None  # computed only when a constraint is a variable
    found: dict[str, list[Any]] = {}
    for stmt in statements:
        for node in ast.walk(stmt):
            if not (isinstance(node, ast.Call) and _is_module_call(node)):
                continue
            for keyword in node.keywords:
                if keyword.arg not in CONSTRAINT_KEYS or keyword.arg in found:
                    continue
                if isinstance(keyword.value, ast.Name) and assignments is None:
                    assignments = _single_assignments(tree)
                value = _literal(keyword.value, assignments or {})
                parsed = _PARSERS.get(keyword.arg, _groups)(value)
                if parsed:
                    found[keyword.arg] = parsed
    return found
