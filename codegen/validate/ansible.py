"""Ansible: YAML parse, task structure (Ansible's own task parser), and the module argument spec.

Accepted shapes: a task list (what the generator writes), a single task, or a playbook (a list of
plays). Task keywords (name, when, become, loop, ...) are told apart from the module by Ansible's
ModuleArgsParser, so every task form Ansible accepts (`file: path=/x`, `action:`, `args:`) is handled.
The slower external checks (ansible-playbook --syntax-check, ansible-lint) run when `thorough`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from codegen.docs.record import DocRecord
from codegen.result import Diagnostic
from codegen.validate.ansible_native import action_errors, spec_errors
from codegen.validate.ansible_tools import Shape, lint, syntax_check
from codegen.validate.argspec import ModuleCatalog, check_arguments
from codegen.validate.tools import ToolProblem
from codegen.validate.yaml_lines import LineDict, error_line, load_yaml

_PLAY_MARKERS = frozenset({"hosts", "import_playbook", "ansible.builtin.import_playbook"})
_PLAY_TASK_SECTIONS = ("pre_tasks", "tasks", "post_tasks", "handlers")
_BLOCK_SECTIONS = ("block", "rescue", "always")


def validate_ansible(
    code: str, records: list[DocRecord] | None, *, strict_tools: bool, timeout: float, thorough: bool
) -> list[Diagnostic]:
    try:
        document = load_yaml(code)
    except yaml.YAMLError as exc:
        return [Diagnostic("yaml", "error", error_line(exc, code), _yaml_message(exc))]
    shape, problems = _shape(document)
    if shape is None:
        return problems
    catalog = ModuleCatalog(records) if records is not None else None
    diagnostics = [*problems, *_duplicate_keys(document)]
    for task in _tasks(document, shape, diagnostics):
        diagnostics.extend(_check_task(task, catalog))
    if thorough and not any(d.severity == "error" for d in diagnostics):
        for check in (syntax_check, lint):
            try:
                diagnostics.extend(check(code, shape, strict=strict_tools, timeout=timeout))
            except ToolProblem as problem:
                diagnostics.append(problem.diagnostic)
    return diagnostics


def _shape(document: Any) -> tuple[Shape | None, list[Diagnostic]]:
    if document is None:
        return None, [Diagnostic("yaml", "error", None, "the document is empty")]
    if isinstance(document, dict):
        if _PLAY_MARKERS & document.keys():
            return None, [_error(document, "a playbook must be a list of plays: start the play with '- '")]
        return "task", []
    if isinstance(document, list):
        plays = [item for item in document if isinstance(item, dict) and _PLAY_MARKERS & item.keys()]
        return ("playbook" if plays else "tasks"), []
    kind = type(document).__name__
    return None, [Diagnostic("yaml", "error", 1, f"expected a task list, a task or a playbook, not a {kind}")]


def _tasks(document: Any, shape: Shape, diagnostics: list[Diagnostic]) -> Iterator[LineDict]:
    if shape == "task":
        yield from _task_items([document], diagnostics, document.line)
    elif shape == "tasks":
        yield from _task_items(document, diagnostics, 1)
    else:
        for play in document:
            if not isinstance(play, dict):
                diagnostics.append(Diagnostic("ansible", "error", None, "each play must be a mapping"))
                continue
            for section in _PLAY_TASK_SECTIONS:
                if section in play:
                    yield from _task_items(play[section], diagnostics, play.key_lines.get(section, play.line))


def _task_items(items: Any, diagnostics: list[Diagnostic], line: int) -> Iterator[LineDict]:
    if not isinstance(items, list):
        diagnostics.append(Diagnostic("ansible", "error", line, "expected a list of tasks"))
        return
    for item in items:
        if not isinstance(item, dict):
            diagnostics.append(
                Diagnostic("ansible", "error", line, f"a task must be a mapping, not {item!r:.60}")
            )
        elif any(section in item for section in _BLOCK_SECTIONS):
            for section in _BLOCK_SECTIONS:
                if section in item:
                    yield from _task_items(item[section], diagnostics, item.key_lines.get(section, item.line))
        else:
            yield item


def _check_task(task: LineDict, catalog: ModuleCatalog | None) -> list[Diagnostic]:
    try:
        action, args, deprecations = _parse_task(task)
    except Exception as exc:  # AnsibleError and anything Ansible's parser trips over on odd input
        return [_error(task, f"invalid task: {_first_line(exc)}")]
    found = [Diagnostic("ansible", "warning", task.line, message) for message in deprecations]
    if catalog is None:
        return found
    module_key = (
        action if action in task else next((k for k in ("action", "local_action") if k in task), action)
    )
    line = task.key_lines.get(module_key, task.line)
    record = catalog.find(action)
    if record is None:
        hint = catalog.suggest(action)
        suffix = f" (did you mean '{hint}'?)" if hint else ""
        return [*found, Diagnostic("argspec", "error", line, f"unknown module '{action}'{suffix}")]
    if "_variable_params" in args:  # `args: "{{ ... }}"`: the arguments are only known at run time
        return found
    key_lines = {**_key_lines(task.get("args")), **_key_lines(task.get(module_key))}
    problems = check_arguments(record, args, key_lines, line)
    found += [Diagnostic("argspec", "error", p.line, p.message) for p in problems]
    if not problems and not _arbitrary_keys(record):
        # Ansible's own validator has the last word: anything it refuses that the checks above
        # let through (a default that triggers a required_if, say) makes the task invalid too
        found += [Diagnostic("argspec", "error", line, m) for m in spec_errors(record, args)]
    found += [Diagnostic("action", "error", line, m) for m in action_errors(record, args)]
    return found


def _arbitrary_keys(record: DocRecord) -> bool:
    """set_fact, add_host: extra keys are variables, which Ansible's validator would call unsupported."""
    return "key_value" in (record.schema.get("options") or {}) or record.name.endswith(".add_host")


def _parse_task(task: LineDict) -> tuple[str, dict[str, Any], list[str]]:
    """(module as written, its arguments, deprecation messages) via Ansible's ModuleArgsParser."""
    from ansible.parsing.mod_args import ModuleArgsParser

    try:
        from ansible._internal._display_utils import DeferredWarningContext
    except ImportError:  # ansible-core < 2.19 does not warn while parsing task arguments
        action, args, _ = ModuleArgsParser(dict(task)).parse(skip_action_validation=True)
        return action, args, []
    # Capture Ansible's deprecation notices instead of letting its Display print them.
    with DeferredWarningContext(variables={}) as context:
        action, args, _ = ModuleArgsParser(dict(task)).parse(skip_action_validation=True)
    notes = [
        f"deprecated: {d.event.msg} {d.event.help_text or ''}".strip()
        for d in context.get_deprecation_warnings()
    ]
    return action, args, notes


def _duplicate_keys(document: Any) -> list[Diagnostic]:
    found = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, LineDict):
            found += [
                Diagnostic("yaml", "warning", line, f"duplicate key '{key}': only the last value is used")
                for key, line in node.duplicate_keys
            ]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(found, key=lambda d: d.line or 0)


def _key_lines(value: Any) -> dict[str, int]:
    return value.key_lines if isinstance(value, LineDict) else {}


def _error(mapping: Any, message: str) -> Diagnostic:
    return Diagnostic("ansible", "error", getattr(mapping, "line", None), message)


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(text).strip().splitlines()[0]


def _yaml_message(exc: yaml.YAMLError) -> str:
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    text = "; ".join(p for p in parts if p) or str(exc).splitlines()[0]
    return f"invalid YAML: {text}"
