"""Ansible specialisation: each task calls one retrieved module with its documented options.

A module's arguments are a parametric llguidance rule: one bit per option (aliases share it), so
keys come in any order, each at most once, and the mapping can only end once every required bit is
set. Options past the 63 a 64-bit parameter can track come after the tracked ones in documented
order. Nested dicts with documented suboptions get the same treatment one indentation level down;
lists are block lists whose items follow `elements` (and `choices`).
"""

from __future__ import annotations

import json
import re

from codegen.grammar.lark_text import alternatives, literal, split_definitions
from codegen.schema import AnsibleModule, AnsibleOption

TRACKED_BITS = 62  # bit 63 marks "a key was written" for list items of mappings
MAX_KEYWORDS = 6  # task keywords on one task
MAX_KEYS = 10  # keys per mapping: real tasks stay well below, and a generator must reach an end
MAX_SUBOPTION_DEPTH = 2
MAX_LIST_ITEMS = 16

_STRING_TERMINALS = "plain | DQ_STRING | SQ_STRING | INT | FLOAT"  # Ansible turns numbers into strings
_SCALAR_TERMINALS = {
    "bool": "BOOL",
    "int": "INT | JINJA",
    "float": "FLOAT | INT | JINJA",
}
_STRING = "plain | DQ_STRING | SQ_STRING"
_MIXED = re.compile(
    r"[A-Za-z_/][A-Za-z]*[0-9_/.~+=,()@%$ -]([A-Za-z0-9_/.~+=,()@%$ -]*[A-Za-z0-9_/.~+=,()@%$-])?"
)
_YAML_SPECIAL = frozenset(
    [
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "null",
        "Null",
        "NULL",
    ]
)


def yaml_scalar(value: object) -> str:
    """How a documented choice is written: bare where the base grammar's `plain` allows, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return text if is_plain(text) else literal(text)


def is_plain(text: str) -> bool:
    """Would the base grammar's `plain` rule take `text` (a YAML string written bare)?"""
    if text.isascii() and text.isalpha():
        return text not in _YAML_SPECIAL
    return bool(_MIXED.fullmatch(text))


class _Builder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def scalar(self, option: AnsibleOption, type_: str) -> str:
        """Alternatives for one scalar value (without the leading space)."""
        if option.choices:
            choices = dict.fromkeys(yaml_scalar(c) for c in option.choices)
            return alternatives([*(literal(c) for c in choices), "JINJA"])
        return _SCALAR_TERMINALS.get(type_, _STRING_TERMINALS)

    def value(self, option: AnsibleOption, indent: int, depth: int) -> str:
        """Grammar for what follows `key:` of one option."""
        pad = "\n" + " " * (indent + 2)
        if option.type == "list":
            elements = option.elements or "str"
            if elements == "dict" and option.suboptions and depth < MAX_SUBOPTION_DEPTH:
                item = self.mapping(option.suboptions, indent + 4, depth + 1, list_item=True)
                return f'({item})~1..{MAX_LIST_ITEMS} | " " JINJA'
            elem = self.scalar(option, elements)
            # a bare scalar is a one-item list (Ansible splits strings on commas)
            return f'({literal(pad + "- ")} ({elem}))~1..{MAX_LIST_ITEMS} | " " ({elem})'
        if option.type == "dict":
            if option.suboptions and depth < MAX_SUBOPTION_DEPTH:
                return f'{self.mapping(option.suboptions, indent + 2, depth + 1)} | " " JINJA'
            key = literal(pad)
            items = literal(pad + "  - ")
            # a dict without documented suboptions: any keys, scalar or list values
            return f'({key} (KEY | DQ_STRING) ":" (" " scalar | ({items} scalar)~1..{MAX_LIST_ITEMS}))~1..{MAX_LIST_ITEMS} | " " JINJA'
        return f'" " ({self.scalar(option, option.type)})'

    def mapping(
        self, options: tuple[AnsibleOption, ...], indent: int, depth: int, list_item: bool = False
    ) -> str:
        """A parametric rule for a mapping of `options` at `indent`; returns the rule reference."""
        name = self.fresh("map")
        ordered = sorted(options, key=lambda o: not o.required)  # required ones get the low bits
        tracked, rest = ordered[:TRACKED_BITS], ordered[TRACKED_BITS:]
        n_required = sum(o.required for o in tracked)
        done = f"is_ones([0:{n_required}])" if n_required else "true"
        if list_item:
            done = f"and({done}, bit_set(63))"
        tail = self.fresh("tail") if rest else None
        alts = [f"{tail or chr(34) * 2} %if {done}"]
        for bit, option in enumerate(tracked):
            value = self.value(option, indent, depth)
            for first in (True, False) if list_item else (False,):
                prefix = "\n" + " " * (indent - 2) + "- " if first else "\n" + " " * indent
                keys = alternatives(literal(f"{prefix}{n}:") for n in option.names)
                cond = f"bit_clear({bit})"
                if not option.required:  # the cap counts optional keys only: required ones always fit
                    cond = f"and({cond}, bit_count_lt([{n_required}:{TRACKED_BITS}], {MAX_KEYS}))"
                if list_item:
                    cond = f"and({cond}, {'bit_clear' if first else 'bit_set'}(63))"
                nxt = (
                    f"{name}::set_bit({bit})"
                    if not list_item
                    else f"{name}::bit_or({(1 << bit) | (1 << 63)})"
                )
                alts.append(f"({keys}) ({value}) {nxt} %if {cond}")
        self.lines.append(f"{name}::_: " + "\n    | ".join(alts))
        if tail:
            pad = "\n" + " " * indent
            parts = [
                f"(({alternatives(literal(f'{pad}{n}:') for n in o.names)}) ({self.value(o, indent, depth)}))?"
                for o in rest
            ]
            self.lines.append(f"{tail}: {' '.join(parts)}")
        return f"{name}::0"


def keyword_alternatives(base: str) -> dict[str, list[str]]:
    """The base grammar's task keywords: name -> its alternatives in the `keyword` rule."""
    body = split_definitions(base)["keyword"].split(":", 1)[1]
    groups: dict[str, list[str]] = {}
    for alt in (a.strip() for a in body.split("\n")):
        alt = alt.removeprefix("|").strip()
        if not alt or alt.startswith("//"):
            continue
        key = re.match(r'"\\n  (\w+):', alt)
        if key:
            groups.setdefault(key.group(1), []).append(alt)
    return groups


def _keywords_rule(base: str) -> str:
    """The base grammar's task keywords as a parametric rule: each keyword at most once."""
    groups = keyword_alternatives(base)
    alts = ['"" %if true']
    for bit, (_, options) in enumerate(groups.items()):
        cond = f"and(bit_clear({bit}), bit_count_lt([0:{len(groups)}], {MAX_KEYWORDS}))"
        alts.append(f"({alternatives(options)}) keywords::set_bit({bit}) %if {cond}")
    return "keywords::_: " + "\n    | ".join(alts)


def task_name_scalar(name: str) -> str:
    """A task name as YAML text: bare when YAML reads it back unchanged, else double-quoted."""
    text = " ".join(name.split())
    return text if is_plain(text) else json.dumps(text)


def ansible_rules(
    modules: list[AnsibleModule], base: str, *, task_name: str | None = None
) -> tuple[str, list[str]]:
    """Lark definitions replacing `module_call` (and the task's keyword list), with a summary.
    With `task_name`, the output is that one task: its name is fixed, the model writes the rest."""
    if not modules:
        return "", []
    builder = _Builder()
    calls = []
    summary = []
    for module in modules:
        names = alternatives(literal(f"\n  {n}:") for n in module.names)
        forms = []
        if module.options:
            forms.append(builder.mapping(module.options, 4, 0))
        if module.free_form:
            forms.append(f'" " ({_STRING})')
        if not module.required:
            forms.append('""')
        call = builder.fresh("call")
        builder.lines.append(f"{call}: ({names}) ({alternatives(forms)})")
        calls.append(call)
        required = ", ".join(o.name for o in module.required) or "none"
        summary.append(f"{module.name}: {len(module.options)} options, required: {required}")
    name = "text_value" if task_name is None else literal(task_name_scalar(task_name))
    head = [
        f"module_call: {alternatives(calls)}",
        f'task: "- name: " {name} module_call keywords::0',
        _keywords_rule(base),
    ]
    if task_name is not None:
        head.insert(0, "start: task")
    return "\n".join(head + builder.lines) + "\n", summary
