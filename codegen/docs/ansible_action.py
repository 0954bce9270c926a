"""Options an action plugin declares that the module's DOCUMENTATION leaves out.

A collection's action plugin of the same name as a module runs instead of it and may validate the
task's arguments itself against an argument spec of its own (cisco.dnac and cisco.meraki do: a
module-level `argument_spec.update(dict(state=dict(type="str", choices=[...]), ...))`). Options in
that spec are what Ansible accepts, documented or not (`state` of ~600 cisco.dnac modules is only
there). As in ansible_argspec, the file is parsed, never imported, and only literal values count.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

_SPEC_NAMES = {"argument_spec", "argument_spec_dict"}
_SPEC_FIELDS = ("type", "elements", "required", "default", "choices", "aliases")


def action_plugin_path(module_path: Path) -> Path | None:
    """`.../plugins/action/NAME.py` for a module at `.../plugins/modules/[sub/]NAME.py`, if it exists."""
    for parent in module_path.parents:
        if parent.name == "modules" and parent.parent.name == "plugins":
            path = parent.parent / "action" / f"{module_path.stem}.py"
            return path if path.is_file() else None
    return None


def _dict_call(node: ast.expr) -> list[ast.keyword] | None:
    """The keywords of a `dict(k=v, ...)` call (no `**` unpacking), else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"):
        return None
    if node.args or any(kw.arg is None for kw in node.keywords):
        return None
    return node.keywords


def _option(node: ast.expr) -> dict[str, Any] | None:
    """One option's spec, `dict(type="str", choices=[...])`, with its literal fields only."""
    keywords = _dict_call(node)
    if keywords is None:
        return None
    spec: dict[str, Any] = {}
    for kw in keywords:
        if kw.arg not in _SPEC_FIELDS:
            continue
        try:
            spec[str(kw.arg)] = ast.literal_eval(kw.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None  # a computed field: the option's shape is not known statically
    return spec


def _spec_dicts(tree: ast.Module) -> list[ast.expr]:
    """`dict(...)` arguments of top-level `argument_spec = dict(...)` / `argument_spec.update(dict(...))`."""
    found: list[ast.expr] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in _SPEC_NAMES for t in stmt.targets
        ):
            found.append(stmt.value)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "update"
                and isinstance(func.value, ast.Name)
                and func.value.id in _SPEC_NAMES
            ):
                found += stmt.value.args
    return found


def action_options(path: Path) -> dict[str, dict[str, Any]]:
    """Option name -> its spec in the argument spec the action plugin at `path` states literally."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return {}
    options: dict[str, dict[str, Any]] = {}
    for node in _spec_dicts(tree):
        for kw in _dict_call(node) or []:
            spec = _option(kw.value)
            if spec is not None and kw.arg is not None:
                options[kw.arg] = spec
    return options


def add_undocumented_options(doc: dict[str, Any], module_path: Path) -> None:
    """Add to `doc["options"]` the action plugin's options it does not document (under any name)."""
    action = action_plugin_path(module_path)
    if action is None:
        return
    documented = doc.get("options") if isinstance(doc.get("options"), dict) else {}
    names = set(documented)
    for spec in documented.values():
        if isinstance(spec, dict) and isinstance(spec.get("aliases"), list):
            names.update(map(str, spec["aliases"]))
    extra = {name: spec for name, spec in action_options(action).items() if name not in names}
    if extra:
        doc["options"] = {**documented, **extra}
