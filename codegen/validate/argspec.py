"""Check one Ansible task's module arguments against the module's documented argument spec.

The spec is the DocRecord schema (see codegen/docs/record.py). Values are converted with Ansible's own
type checkers, so its coercion rules hold ('yes' is a bool, '8080' is an int, 'a,b' is a list). A value
that is a Jinja template is only known at run time, so it passes any type and choice check.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible.module_utils.common.parameters import DEFAULT_TYPE_VALIDATORS
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from codegen.docs.record import DocRecord

# Ansible passes a free-form string (`shell: echo hi`) as `_raw_params`; docs call that option free_form.
RAW_PARAMS = "_raw_params"
FREE_FORM = "free_form"
# Documented as taking arbitrary variables as keys: set_fact documents that with its `key_value`
# pseudo-option, add_host only in prose (extra keys become host variables).
_ARBITRARY_KEYS_OPTION = "key_value"
_ARBITRARY_KEYS_MODULES = frozenset({"ansible.builtin.add_host", "ansible.legacy.add_host"})


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str


class ModuleCatalog:
    """Ansible modules known from documentation, found by FQCN, alias, or short name."""

    def __init__(self, records: Iterable[DocRecord]) -> None:
        self._by_name: dict[str, DocRecord] = {}
        by_short: dict[str, list[DocRecord]] = {}
        for record in records:
            if record.dsl != "ansible":
                continue
            self._by_name[record.name] = record
            by_short.setdefault(record.name.rsplit(".", 1)[-1], []).append(record)
        for record in list(self._by_name.values()):
            for alias in record.aliases:
                self._by_name.setdefault(alias, record)
        # A short name means the builtin module, as in Ansible; otherwise only an unambiguous match.
        for short, candidates in by_short.items():
            builtin = [r for r in candidates if r.name.startswith(("ansible.builtin.", "ansible.legacy."))]
            chosen = builtin or candidates
            if len(chosen) == 1:
                self._by_name.setdefault(short, chosen[0])

    def find(self, name: str) -> DocRecord | None:
        if name in self._by_name:
            return self._by_name[name]
        if name.startswith("ansible.legacy."):
            return self._by_name.get("ansible.builtin." + name.removeprefix("ansible.legacy."))
        return None

    def suggest(self, name: str) -> str | None:
        close = difflib.get_close_matches(name, list(self._by_name), n=1, cutoff=0.75)
        return close[0] if close else None


def check_arguments(
    record: DocRecord, args: Mapping[str, Any], key_lines: Mapping[str, int], line: int
) -> list[Problem]:
    """Problems with `args` (a task's module arguments); `key_lines` locate its keys, `line` the module."""
    schema = record.schema
    options: dict[str, Any] = schema.get("options", {})
    if RAW_PARAMS in args:
        if FREE_FORM not in options and RAW_PARAMS not in options:
            return [Problem(line, f"{record.name} takes no free-form arguments")]
        args = {(FREE_FORM if k == RAW_PARAMS else k): v for k, v in args.items()}
    arbitrary = _ARBITRARY_KEYS_OPTION in options or record.name in _ARBITRARY_KEYS_MODULES
    checker = _Checker(record.name, arbitrary)
    given = checker.options(options, args, key_lines, line, prefix="")
    checker.constraints(schema, given, line)
    return checker.problems


class _Checker:
    def __init__(self, module: str, arbitrary_keys: bool) -> None:
        self.module = module
        self.arbitrary_keys = arbitrary_keys
        self.problems: list[Problem] = []

    def report(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def options(
        self,
        options: Mapping[str, Any],
        values: Mapping[str, Any],
        lines: Mapping[str, int],
        line: int,
        prefix: str,
    ) -> dict[str, Any]:
        """Check `values` against `options`; return them keyed by canonical option name."""
        canonical = _canonical_names(options)
        given: dict[str, Any] = {}
        for key, value in values.items():
            key_line = lines.get(key, line)
            name = canonical.get(str(key))
            if name is None and self.arbitrary_keys and not prefix:
                given[_ARBITRARY_KEYS_OPTION] = True  # set_fact's variables are its `key_value`
                continue
            if name is None:
                self.report(key_line, self._unknown(prefix + str(key), canonical))
                continue
            if name in given:
                self.report(
                    key_line, f"option '{prefix}{name}' of {self.module} is given twice (via an alias)"
                )
            given[name] = value
            self.value(options[name], value, key_line, prefix + name)
        for name, spec in options.items():
            if spec.get("required") and name not in given:
                where = f" in '{prefix[:-1]}'" if prefix else ""
                self.report(line, f"missing required option '{name}'{where} for {self.module}")
        return given

    def value(self, spec: Mapping[str, Any], value: Any, line: int, path: str) -> None:
        if value is None or _is_template(value):
            return
        kind = spec.get("type") or "str"
        converted = self.convert(kind, value, line, path)
        if converted is _INVALID:
            return
        elements = spec.get("elements")
        if kind == "list" and isinstance(converted, list) and elements:
            converted = [
                self.convert(elements, item, line, f"{path}[{i}]") if not _is_template(item) else item
                for i, item in enumerate(converted)
            ]
        self.choices(spec, converted, line, path)
        suboptions = spec.get("suboptions")
        if not suboptions:
            return
        if isinstance(value, Mapping):
            self.options(suboptions, value, _key_lines(value), line, path + ".")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping):
                    self.options(suboptions, item, _key_lines(item), _line_of(item, line), path + ".")

    def convert(self, kind: str, value: Any, line: int, path: str) -> Any:
        validator = DEFAULT_TYPE_VALIDATORS.get(kind)
        if validator is None:  # a type Ansible does not know generically (e.g. Windows 'sid'): unchecked
            return value
        try:
            return validator(value)
        except (TypeError, ValueError) as exc:
            self.report(line, f"option '{path}' of {self.module} must be of type {kind}: {exc}")
            return _INVALID

    def choices(self, spec: Mapping[str, Any], value: Any, line: int, path: str) -> None:
        choices = spec.get("choices")
        if not choices:
            return
        allowed = list(choices)  # ansible-doc may give choices as a mapping of value -> description
        shown = ", ".join(str(c) for c in allowed)
        if isinstance(value, list):
            bad = [item for item in value if item not in allowed and not _is_template(item)]
            if bad:
                got = ", ".join(map(str, bad))
                self.report(
                    line, f"option '{path}' of {self.module} must be one or more of: {shown}; got {got}"
                )
            return
        if value in allowed or _bool_spelling(value, allowed) is not None:
            return
        self.report(line, f"option '{path}' of {self.module} must be one of: {shown}; got '{value}'")

    def constraints(self, schema: Mapping[str, Any], given: Mapping[str, Any], line: int) -> None:
        present = {name for name, value in given.items() if value is not None}
        canonical = _canonical_names(schema.get("options", {}))

        def _names(group: Iterable[str]) -> list[str]:
            # Module code may name an option by what its documentation calls an alias.
            return [canonical.get(FREE_FORM if n == RAW_PARAMS else n, n) for n in group]

        for group in schema.get("mutually_exclusive") or []:
            clash = [n for n in _names(group) if n in present]
            if len(clash) > 1:
                self.report(line, f"options {_quoted(clash)} of {self.module} are mutually exclusive")
        for group in schema.get("required_together") or []:
            names = _names(group)
            have = [n for n in names if n in present]
            if have and len(have) < len(names):
                missing = [n for n in names if n not in present]
                self.report(
                    line, f"options {_quoted(names)} of {self.module} go together; missing {_quoted(missing)}"
                )
        for group in schema.get("required_one_of") or []:
            names = _names(group)
            # Ansible counts a key given as null (`name:`) as given here (check_required_one_of)
            if not any(n in given for n in names):
                self.report(line, f"{self.module} needs one of the options {_quoted(names)}")
        for rule in schema.get("required_if") or []:
            key, expected, names, *rest = rule
            key = canonical.get(key, key)
            if key not in present or given[key] != expected:
                continue
            names = _names(names)
            have = [n for n in names if n in present]
            needs_any = bool(rest and rest[0])
            if (needs_any and not have) or (not needs_any and len(have) < len(names)):
                how = "one of" if needs_any else "all of"
                self.report(line, f"{self.module} with {key}={expected} needs {how} {_quoted(names)}")

        for rule in schema.get("required_by") or []:
            key, names = rule
            if canonical.get(key, key) not in present:
                continue
            missing = [n for n in _names(names) if n not in present]
            if missing:
                self.report(line, f"option '{key}' of {self.module} needs {_quoted(missing)}")

    def _unknown(self, path: str, canonical: Mapping[str, str]) -> str:
        leaf = path.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(leaf, list(canonical), n=1, cutoff=0.7)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown option '{path}' for {self.module}{hint}"


_INVALID = object()


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _bool_spelling(value: Any, allowed: list[Any]) -> Any:
    """YAML turns `yes` into True, a str option makes it 'True'; Ansible maps that back to the one
    choice spelling that bool, if there is exactly one."""
    for spelled, spellings in (("True", BOOLEANS_TRUE), ("False", BOOLEANS_FALSE)):
        if value == spelled:
            overlap = [c for c in allowed if isinstance(c, str) and c in spellings]
            if len(overlap) == 1:
                return overlap[0]
    return None


def _canonical_names(options: Mapping[str, Any]) -> dict[str, str]:
    canonical = {name: name for name in options}
    for name, spec in options.items():
        for alias in spec.get("aliases") or []:
            canonical.setdefault(alias, name)
    return canonical


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _key_lines(mapping: Any) -> Mapping[str, int]:
    return getattr(mapping, "key_lines", {})


def _line_of(mapping: Any, default: int) -> int:
    return getattr(mapping, "line", default)
