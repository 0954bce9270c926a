"""An oracle for `valid` that shares no code with codegen.validate: each task's module arguments go
through Ansible's ArgumentSpecValidator with the module's REAL argument spec and constraints (taken,
as ansible-test's validate-modules sanity test takes them, by running the module file with a fake
AnsibleModule that records its constructor arguments), then through the action plugin's checks
(codegen/ansible_actions.py, the one shared piece: Ansible has no API that runs those checks alone).

A module whose real spec cannot be had (an action-only module such as debug, whose module file is
documentation; an import that fails here) is reported as unchecked, not as accepted.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

import ansible
import yaml

from codegen.ansible_actions import action_rules

_VALIDATE_MODULES = (
    Path(ansible.__file__).parents[1] / "ansible_test/_util/controller/sanity/validate-modules"
)
_CONSTRAINTS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


class Unchecked(Exception):
    """The real argument spec of this module is not available."""


@functools.cache
def real_spec(fqcn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(argument_spec, constraint keyword arguments) of the module's AnsibleModule(...) call."""
    if str(_VALIDATE_MODULES) not in sys.path:
        sys.path.insert(0, str(_VALIDATE_MODULES))
    from validate_modules.module_args import get_py_argument_spec

    path = Path(_locate(fqcn))
    namespace, collection, _ = fqcn.split(".")
    if (namespace, collection) == ("ansible", "builtin"):
        where, relative = None, f"lib/ansible/modules/{path.name}"  # how validate-modules names it
    else:
        where, relative = f"ansible_collections/{namespace}/{collection}", f"plugins/modules/{path.name}"
    if path.suffix != ".py":
        raise Unchecked(f"{fqcn}: not a Python module")
    try:
        with open(os.devnull, "w") as quiet:  # some modules print when imported
            saved, sys.stdout = sys.stdout, quiet
            try:
                spec, kwargs = get_py_argument_spec(relative, where)
            finally:
                sys.stdout = saved
    except Exception as exc:  # the module file does not build an AnsibleModule, or fails to import
        raise Unchecked(f"{fqcn}: {type(exc).__name__}") from None
    if not spec:
        raise Unchecked(f"{fqcn}: empty argument spec")
    return spec, {k: kwargs[k] for k in _CONSTRAINTS if kwargs.get(k)}


def refusals(code: str) -> list[str]:
    """What Ansible would refuse in `code` (a task list) before any module runs. Raises Unchecked."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.parsing.mod_args import ModuleArgsParser

    found: list[str] = []
    tasks = yaml.safe_load(code)
    for task in tasks if isinstance(tasks, list) else [tasks]:
        action, args, _ = ModuleArgsParser(task).parse(skip_action_validation=True)
        fqcn = _resolve(action)
        spec, constraints = real_spec(fqcn)
        loose = {k for k, v in args.items() if _templated(v)}  # known only when the play runs
        spec = {k: ({"type": "raw"} if k in loose else v) for k, v in spec.items()}
        known = set(spec) | {a for v in spec.values() for a in v.get("aliases") or ()}
        # documented options the module does not take are the action plugin's (copy's `decrypt`)
        module_args = {k: v for k, v in args.items() if k in known or k not in _documented(fqcn)}
        result = ArgumentSpecValidator(spec, **constraints).validate(module_args)
        found += [f"{fqcn}: {m}" for m in result.error_messages]
        found += [f"{fqcn}: {m}" for m in _action_refusals(fqcn, args)]
    return found


@functools.cache
def _found(name: str) -> tuple[str, str]:
    """(FQCN, module file) Ansible's module loader resolves `name` to (short names, redirects)."""
    from ansible.plugins.loader import init_plugin_loader, module_loader

    init_plugin_loader()
    context = module_loader.find_plugin_with_context(name)
    if not context.resolved:
        raise Unchecked(f"{name}: Ansible finds no such module")
    return context.resolved_fqcn, context.plugin_resolved_path


@functools.cache
def _documented(fqcn: str) -> frozenset[str]:
    """Option names and aliases of the module's documentation, doc fragments included (ansible-doc)."""
    from ansible.plugins.loader import fragment_loader
    from ansible.utils.plugin_docs import get_docstring

    doc = get_docstring(_locate(fqcn), fragment_loader)[0] or {}
    options = doc.get("options") or {}
    return frozenset([*options, *(a for o in options.values() for a in o.get("aliases") or ())])


def _resolve(name: str) -> str:
    return _found(name)[0]


def _locate(fqcn: str) -> str:
    return _found(fqcn)[1]


def _action_refusals(fqcn: str, args: dict[str, Any]) -> list[str]:
    rules = action_rules(fqcn)
    if rules is None:
        return []
    given = {k: v for k, v in args.items() if v not in (None, "") and not _templated(v)}
    found = [f"exclusive {g}" for g in rules.mutually_exclusive if sum(n in given for n in g) > 1]
    found += [f"one of {g}" for g in rules.required_one_of if not any(n in args for n in g)]
    found += [f"needs {n}" for n in rules.required if n not in args]
    for rule in rules.values:
        if rule.when is not None and rule.when not in given:
            continue
        if rule.unless_true is not None and str(args.get(rule.unless_true)).lower() in ("true", "yes", "1"):
            continue
        if rule.matches(given.get(rule.option)):
            found.append(rule.message)
    return found


def _templated(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(_templated(v) for v in value.values())
    if isinstance(value, list):
        return any(_templated(v) for v in value)
    return False
