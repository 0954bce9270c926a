"""Ansible's own verdict on a task's module arguments: its ArgumentSpecValidator over the documented
argument spec, and the checks the module's action plugin makes (codegen.ansible_actions).

codegen.validate.argspec gives the precise, line-located messages; this module is the authority that
`valid` rests on: whatever ansible-core would refuse before the module runs is refused here, with the
same code. Only the argument spec has to be rebuilt, from the DocRecord schema.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import DEFAULT_TYPE_VALIDATORS
from ansible.module_utils.common.validation import check_mutually_exclusive, check_required_one_of
from ansible.module_utils.parsing.convert_bool import boolean

from codegen.ansible_actions import RAW_PARAMS, ActionRules, action_rules
from codegen.docs.record import DocRecord

FREE_FORM = "free_form"  # what the documentation calls the option Ansible passes as `_raw_params`
_CONSTRAINTS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


def spec_errors(record: DocRecord, args: Mapping[str, Any]) -> list[str]:
    """Ansible's ArgumentSpecValidator messages for `args` (a task's module arguments) under the
    module's documented spec. A templated value is only known when the play runs (Ansible templates
    before it validates), so its option is checked for presence only."""
    schema = record.schema
    options = schema.get("options") if isinstance(schema.get("options"), dict) else {}
    templated = {str(k) for k, v in args.items() if _has_template(v)}
    spec = {
        (RAW_PARAMS if name == FREE_FORM else name): _option_spec(value, loose=name in templated)
        for name, value in options.items()
        if isinstance(name, str)
    }
    constraints = {key: _rename(schema.get(key)) for key in _CONSTRAINTS if schema.get(key)}
    if "required_by" in constraints:  # the record keeps [[key, [names]]]; Ansible takes a mapping
        constraints["required_by"] = {key: names for key, names in constraints["required_by"]}
    try:
        validator = ArgumentSpecValidator(spec, **constraints)
        result = validator.validate(_plain(args))
    except Exception as exc:  # a spec Ansible cannot use (odd documentation): no verdict from it
        return [f"the documented argument spec of {record.name} is not usable by Ansible: {exc}"]
    return [str(message) for message in result.error_messages]


def action_errors(record: DocRecord, args: Mapping[str, Any]) -> list[str]:
    """What the module's action plugin would refuse; checks the argument spec already makes (a
    documented required option) are left to it."""
    rules = action_rules(record.name)
    if rules is None:
        return []
    # the plugins test `if not src` / `content is None`: an empty or null value is no value
    given = {str(k): v for k, v in args.items() if v is not None and v != ""}
    where = f" (checked by the action plugin, ansible/{rules.plugin})"
    return [f"{record.name}: {problem}{where}" for problem in _action_problems(rules, record, given)]


def _action_problems(rules: ActionRules, record: DocRecord, given: Mapping[str, Any]) -> Iterable[str]:
    # a templated value counts as given, but may turn out empty or `omit` when the play runs, so it
    # clashes with nothing and no value rule applies to it
    known = {k: v for k, v in given.items() if not _has_template(v)}
    if rules.mutually_exclusive:
        try:
            check_mutually_exclusive([list(g) for g in rules.mutually_exclusive], known)
        except TypeError as exc:
            yield str(exc)
    if rules.required_one_of:
        try:
            check_required_one_of([list(g) for g in rules.required_one_of], given)
        except TypeError as exc:
            yield str(exc)
    documented = record.schema.get("options") or {}
    missing = [n for n in rules.required if n not in given and not (documented.get(n) or {}).get("required")]
    if missing:
        yield f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required"
    for rule in rules.values:
        if rule.when is not None and rule.when not in known:
            continue
        if rule.unless_true is not None and rule.unless_true in given and not _false(given[rule.unless_true]):
            continue
        if rule.matches(known.get(rule.option)):
            yield rule.message


def _false(value: Any) -> bool:
    """Surely false: a template may be true when the play runs."""
    if _has_template(value):
        return False
    try:
        return not boolean(value, strict=False)
    except TypeError:
        return True


def _option_spec(raw: Any, *, loose: bool) -> dict[str, Any]:
    """One option of an Ansible argument spec from its documentation; `loose`: any value passes."""
    raw = raw if isinstance(raw, dict) else {}
    spec: dict[str, Any] = {}
    if raw.get("required"):
        spec["required"] = True
    aliases = raw.get("aliases")
    if isinstance(aliases, list) and aliases:
        spec["aliases"] = [str(a) for a in aliases]
    if loose:
        spec["type"] = "raw"
        return spec
    kind = raw.get("type") or "str"
    spec["type"] = kind if kind in DEFAULT_TYPE_VALIDATORS else "raw"
    choices = raw.get("choices")
    if isinstance(choices, dict):  # some modules document choices as {value: description}
        choices = list(choices)
    if isinstance(choices, list) and choices:
        spec["choices"] = choices
    elements = raw.get("elements")
    if spec["type"] == "list" and elements:
        spec["elements"] = elements if elements in DEFAULT_TYPE_VALIDATORS else "raw"
    subs = raw.get("suboptions")
    if isinstance(subs, dict) and subs and spec["type"] in ("dict", "list"):
        if spec["type"] == "list" and spec.get("elements") != "dict":
            pass  # Ansible validates suboptions of dict elements only
        else:
            spec["options"] = {str(n): _option_spec(s, loose=False) for n, s in subs.items()}
    default = _usable_default(raw, spec)
    if default is not None:
        spec["default"] = default
    return spec


def _usable_default(raw: Mapping[str, Any], spec: Mapping[str, Any]) -> Any:
    """The documented default, when Ansible's type check takes it and it is one of the choices.
    Ansible fills defaults in before its required_if / required_one_of checks, so they matter; a
    default written as prose ("the current user") is not a value and is left out."""
    default = raw.get("default")
    if default is None or "options" in spec:
        return None
    try:
        converted = DEFAULT_TYPE_VALIDATORS[spec["type"]](default)
    except (TypeError, ValueError, KeyError):
        return None
    choices = spec.get("choices")
    if choices and converted not in choices:
        return None
    return default


def _rename(value: Any) -> Any:
    """free_form -> _raw_params inside constraint lists (the module code names the Ansible key)."""
    if isinstance(value, list | tuple):
        return [_rename(v) for v in value]
    return RAW_PARAMS if value == FREE_FORM else value


def _has_template(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, Mapping):
        return any(_has_template(k) or _has_template(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_template(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    """Builtin containers (the YAML loader's line-tracking dicts) in a copy Ansible may change."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return copy.copy(value)
