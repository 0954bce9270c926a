"""One module's resolved documentation → a DocRecord with the ansible `schema` of codegen.docs.record."""

from __future__ import annotations

import datetime
from typing import Any

from codegen.docs.ansible_argspec import CONSTRAINT_KEYS
from codegen.docs.ansible_markup import plain_text, unwrap_value
from codegen.docs.record import DocRecord, Example


def _jsonable(value: Any) -> Any:
    """YAML values as JSON: dates become ISO strings, sets and tuples lists, keys strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def _option(spec: dict[str, Any]) -> dict[str, Any]:
    option: dict[str, Any] = {"required": bool(spec.get("required", False))}
    for key in ("type", "elements"):
        if isinstance(spec.get(key), str):
            option[key] = spec[key]
    if "default" in spec:
        option["default"] = _jsonable(spec["default"])
    choices = spec.get("choices")
    if isinstance(choices, dict):  # choices documented with a description each
        choices = list(choices)
    if isinstance(choices, list | tuple):
        option["choices"] = _jsonable([unwrap_value(c) for c in choices])
    if aliases := _string_list(spec.get("aliases")):
        option["aliases"] = aliases
    option["description"] = plain_text(spec.get("description"))
    if isinstance(spec.get("suboptions"), dict):
        option["suboptions"] = options_schema(spec["suboptions"])
    return option


def options_schema(specs: Any) -> dict[str, dict[str, Any]]:
    """Documented options → {name: Option}; malformed entries are skipped."""
    if not isinstance(specs, dict):
        return {}
    return {str(name): _option(spec) for name, spec in specs.items() if isinstance(spec, dict)}


def _option_lines(options: dict[str, dict[str, Any]], prefix: str = "") -> list[str]:
    lines = []
    for name, option in options.items():
        label = prefix + name
        if option.get("aliases"):
            label += f" ({', '.join(option['aliases'])})"
        lines.append(f"{label}: {option['description']}" if option["description"] else label)
        lines += _option_lines(option.get("suboptions", {}), f"{prefix}{name}.")
    return lines


def _known_constraints(constraints: dict[str, list[Any]], options: dict[str, Any]) -> dict[str, list[Any]]:
    """Keep only constraints about top-level options (a sub-spec's constraints can look alike)."""
    names = set(options)
    for option in options.values():
        names.update(option.get("aliases", []))
    kept = {}
    for key in CONSTRAINT_KEYS:
        rules = constraints.get(key, [])
        if key == "required_if":
            rules = [r for r in rules if r[0] in names and set(r[2]) <= names]
        elif key == "required_by":
            rules = [r for r in rules if r[0] in names and set(r[1]) <= names]
        else:
            rules = [group for group in rules if set(group) <= names]
        if rules:
            kept[key] = rules
    return kept


def module_record(
    *,
    name: str,
    aliases: list[str],
    doc: dict[str, Any],
    constraints: dict[str, list[Any]],
    examples: list[Example],
    source: str,
    version: str,
) -> DocRecord:
    description = plain_text(doc.get("description"))
    summary = plain_text(doc.get("short_description")) or description.split(". ")[0]
    options = options_schema(doc.get("options"))
    schema: dict[str, Any] = {"options": options, **_known_constraints(constraints, options)}
    text = "\n".join([description, *_option_lines(options)]).strip()
    return DocRecord(
        dsl="ansible",
        name=name,
        summary=summary,
        text=text,
        schema=schema,
        aliases=aliases,
        examples=examples,
        source=source,
        version=version,
        # ansible-core's own modules are what a request means unless it names a platform
        prior=1.0 if name.startswith("ansible.builtin.") else 0.0,
    )
