"""Ansible specialisation: each task calls one retrieved module with its documented options.

A module's arguments are a parametric llguidance rule: one bit per option (aliases share it), so
keys come in any order, each at most once, and the mapping can only end once every required bit is
set. Options past the 63 a 64-bit parameter can track come after the tracked ones in documented
order. Nested dicts with documented suboptions get the same treatment one indentation level down;
lists are block lists whose items follow `elements` (and `choices`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from codegen.grammar.lark_text import alternatives, literal, split_definitions
from codegen.schema import AnsibleModule, AnsibleOption

TRACKED_BITS = 62  # bit 63 marks "a key was written" for list items of mappings
MAX_KEYWORDS = 8  # task keywords on one task (real role tasks set up to 8: when, register, loop, ...)
# Caps so a generator reaches an end; set from the module EXAMPLES (some set 20+ options at once,
# network resource modules nest their `config` four or five levels deep).
MAX_KEYS = 24  # optional keys per mapping
MAX_SUBOPTION_DEPTH = 5
MAX_GENERIC_DEPTH = 3  # nesting of free-form (`raw`, undocumented `dict`) values
MAX_LIST_ITEMS = 16

_STRING_TERMINALS = "plain | DQ_STRING | SQ_STRING | INT | FLOAT"  # Ansible turns numbers into strings
# What Ansible's argument-spec validation converts to each type (module_utils/common/validation.py):
# a template is only known when the play runs; `check_type_int` reads "8080", `check_type_bool`
# reads "yes", 1 and 0.
_SCALAR_TERMINALS = {
    "bool": "BOOL | QUOTED_BOOL | BIT | JINJA",
    "int": "INT | QUOTED_INT | JINJA",
    "float": "FLOAT | INT | QUOTED_INT | QUOTED_FLOAT | JINJA",
}
_STRING = "plain | DQ_STRING | SQ_STRING"
# The base grammar's bool terminals (BOOL, QUOTED_BOOL, BIT) split by the truth value Ansible reads.
_TRUE_FORMS = (
    *(literal(w) for w in ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "1")),
    """/"([yY]([eE][sS])?|[tT]([rR][uU][eE])?|[oO][nN]|1)"|'([yY]([eE][sS])?|[tT]([rR][uU][eE])?|[oO][nN]|1)'/""",
)
_FALSE_FORMS = (
    *(literal(w) for w in ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "0")),
    """/"([nN][oO]?|[fF]([aA][lL][sS][eE])?|[oO][fF][fF]|0)"|'([nN][oO]?|[fF]([aA][lL][sS][eE])?|[oO][fF][fF]|0)'/""",
)
_ANY_KEY = '(ANY_KEY | DQ_STRING ":" | SQ_STRING ":")'
_MIXED = re.compile(
    r"[A-Za-z_/][A-Za-z]*[0-9_/.~+=,()@%$ -]([A-Za-z0-9_/.~+=,()@%$ -]*[A-Za-z0-9_/.~+=,()@%$-])?"
)
_ROOT_WORD = re.compile(r"[_/][A-Za-z]{0,64}")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,8})(\.[0-9]{1,9})?")  # YAML reads it back as the same number
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
    return bool(_MIXED.fullmatch(text) or _ROOT_WORD.fullmatch(text))


def _choice_forms(choice: object, type_: str) -> list[str]:
    """How a documented choice may be written: Ansible converts before it compares, so a `str`
    option takes the choice "3" as a bare 3, and an `int` option the choice 3 as "3"."""
    forms = [yaml_scalar(choice)]
    if type_ in ("str", "path") and isinstance(choice, str) and _reads_back_as_number(choice):
        forms.append(choice)
    if type_ in ("int", "float") and isinstance(choice, int | float) and not isinstance(choice, bool):
        forms.append(json.dumps(str(choice)))
    return forms


def _reads_back_as_number(text: str) -> bool:
    """Is `text`, written bare, a YAML number whose str() is `text` again ("3", "2.5"; not "1.10")?"""
    if not _NUMBER.fullmatch(text):
        return False
    return str(float(text) if "." in text else int(text)) == text


class _Builder:
    def __init__(self, stated_choices: Collection[str] = ()) -> None:
        self.stated_choices = frozenset(stated_choices)
        self.lines: list[str] = []
        self.counter = 0
        self.generic_rules: set[str] = set()

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def scalar(self, option: AnsibleOption, type_: str) -> str:
        """Alternatives for one scalar value (without the leading space)."""
        if option.choices:
            choices = dict.fromkeys(form for c in option.choices for form in _choice_forms(c, type_))
            # a choice the request states is written as one: `'{{ restarted }}'` was written for
            # "restart nginx"
            template = [] if option.name in self.stated_choices else ["JINJA"]
            return alternatives([*(literal(c) for c in choices), *template])
        return _SCALAR_TERMINALS.get(type_, _STRING_TERMINALS)

    def value(self, option: AnsibleOption, indent: int, depth: int) -> str:
        """Grammar for what follows `key:` of one option whose key sits at `indent`."""
        if option.type in ("list", "dict") and option.nullable:  # `config:` and nothing: left out
            return f'{self.value(replace(option, nullable=False), indent, depth)} | ""'
        if option.type == "list":
            return self.list_value(option, indent, depth)
        if option.type == "dict":
            if not option.suboptions:  # any keys, any values
                return f'{self.generic_mapping(indent + 2, 1)} | " {{}}" | " " JINJA'
            if depth < MAX_SUBOPTION_DEPTH:
                empty = ' | " {}"' if not any(o.required for o in option.suboptions) else ""
                return f'{self.mapping(option.suboptions, indent + 2, depth + 1)} | " " JINJA{empty}'
            return '" " JINJA'  # deeper than the cap: only a template keeps the suboptions valid
        if option.type == "raw" and not option.choices:
            return self.generic_value(indent, 0)
        if option.type in ("json", "jsonarg") and not option.choices:
            # a JSON string, or YAML data Ansible serialises to JSON (`check_type_jsonarg`)
            return self.generic_value(indent, 0, scalar=f"({_STRING})")
        return f'" " ({self.scalar(option, option.type)})'

    def list_value(self, option: AnsibleOption, indent: int, depth: int) -> str:
        pad = "\n" + " " * (indent + 2)
        elements = option.elements or "str"
        if elements == "dict":
            if not option.suboptions:
                item = f"{literal(pad + '- ')} {self.generic_item(indent + 4, 1)}"
            elif depth < MAX_SUBOPTION_DEPTH:  # the item's first key carries the `- `
                item = self.mapping(option.suboptions, indent + 4, depth + 1, list_item=True)
            else:
                return '" " JINJA | " []"'
            return f'({item})~1..{MAX_LIST_ITEMS} | " " JINJA | " []"'
        if elements == "raw" and not option.choices:  # items of any shape
            item = f"scalar | {self.generic_item(indent + 4, 1)}"
            return f'({literal(pad + "- ")} ({item}))~1..{MAX_LIST_ITEMS} | " " scalar | " []"'
        elem = self.scalar(option, elements)
        # a bare scalar is a one-item list (Ansible splits strings on commas)
        return f'({literal(pad + "- ")} ({elem}))~1..{MAX_LIST_ITEMS} | " " ({elem}) | " []"'

    def values_setting(
        self, option: AnsibleOption, bit: int, conditions: list[_Condition], indent: int, depth: int
    ) -> list[tuple[str, int]]:
        """(value grammar, bits it sets) pairs for one option: its own bit, plus the bit of each
        required_if condition its value makes true (a choice written as one alternative of its own)."""
        own = 1 << bit
        keyed = [c for c in conditions if c.key == bit and c.on_value]
        if not keyed:
            return [(self.value(option, indent, depth), own)]
        by_mask: dict[int, list[str]] = {}
        if option.choices:
            values = [(c, [literal(f) for f in _choice_forms(c, option.type)]) for c in option.choices]
        else:  # a bool: every spelling Ansible's check_type_bool reads as each truth value
            values = [(True, list(_TRUE_FORMS)), (False, list(_FALSE_FORMS))]
        for value, forms in values:
            mask = own
            for c in keyed:
                mask |= (1 << c.bit) if c.value == value else 0
            by_mask.setdefault(mask, []).extend(forms)
        by_mask.setdefault(own, []).append("JINJA")  # a template: the condition is unknown until run time
        return [(f'" " ({alternatives(dict.fromkeys(forms))})', mask) for mask, forms in by_mask.items()]

    def rule(self, name: str, body: str) -> str:
        """A named rule, written once (the generic rules are shared by every option at an indent).
        Named, not inline: lark expands `x~m..n` into copies, and copies of copies blow up."""
        if name not in self.generic_rules:
            self.generic_rules.add(name)
            self.lines.append(f"{name}: {body}")
        return name

    def generic_value(self, indent: int, level: int, scalar: str = "scalar") -> str:
        """A free-form value after `key:` (key at `indent`): a scalar, or, `level` levels down from
        the option, a block list or a mapping of any keys. Inside the value (level > 0) a key may
        have no value (YAML's null: `tags:\n  Env:`). `scalar` is what the value may be at the top."""
        name = f"any_{indent}_{level}" if scalar == "scalar" else f"any_{indent}_{level}_str"
        null = ['""'] if level > 0 else []
        if level >= MAX_GENERIC_DEPTH:
            return self.rule(name, alternatives([f'" " {scalar}', *null]))
        pad = literal("\n" + " " * (indent + 2) + "- ")
        entry = self.rule(
            f"any_li_{indent}_{level}", f"{pad} (scalar | {self.generic_item(indent + 4, level + 1)})"
        )
        forms = [
            f'" " {scalar}',
            '" []"',
            '" {}"',
            self.generic_mapping(indent + 2, level + 1),
            f"{entry}~1..{MAX_LIST_ITEMS}",
            *null,
        ]
        return self.rule(name, alternatives(forms))

    def generic_entry(self, indent: int, level: int) -> str:
        """One `key: value` of a mapping of any keys at `indent`."""
        pad = literal("\n" + " " * indent)
        return self.rule(f"any_kv_{indent}_{level}", f"{pad} {_ANY_KEY} {self.generic_value(indent, level)}")

    def generic_mapping(self, indent: int, level: int) -> str:
        """Block mapping of any keys at `indent`, values free-form."""
        return f"{self.generic_entry(indent, level)}~1..{MAX_KEYS}"

    def generic_item(self, indent: int, level: int) -> str:
        """A mapping of any keys as a list item: its first key follows `- `, the others sit at `indent`."""
        first = f"{_ANY_KEY} {self.generic_value(indent, level)}"
        return self.rule(
            f"any_item_{indent}_{level}", f"{first} {self.generic_entry(indent, level)}~0..{MAX_KEYS - 1}"
        )

    def mapping(
        self,
        options: tuple[AnsibleOption, ...],
        indent: int,
        depth: int,
        list_item: bool = False,
        module: AnsibleModule | None = None,
    ) -> str:
        """A parametric rule for a mapping of `options` at `indent`; returns the rule reference.
        With `module`, its argument-spec groups of tracked optional options hold: at most one of an
        exclusive group, at least one of a one-of group, all or none of a together group."""
        name = self.fresh("map")
        ordered = sorted(options, key=lambda o: not o.required)  # required ones get the low bits
        tracked, rest = ordered[:TRACKED_BITS], ordered[TRACKED_BITS:]
        rivals = _rivals(tracked, module.exclusive) if module else {}
        one_of = _bit_groups(tracked, module.one_of, rivals, False) if module else []
        together = _bit_groups(tracked, module.together, rivals, True) if module else []
        conditions = _conditions(tracked, module, rivals) if module and not list_item else []
        counted = min(
            TRACKED_BITS, 64 - sum(c.on_value for c in conditions)
        )  # condition bits sit above the option bits
        n_required = sum(o.required for o in tracked)
        done = f"is_ones([0:{n_required}])" if n_required else "true"
        for group in one_of:
            done = f"and({done}, {_any(f'bit_set({b})' for b in group)})"
        for group in together:
            clear, set_ = _all(f"bit_clear({b})" for b in group), _all(f"bit_set({b})" for b in group)
            done = f"and({done}, or({clear}, {set_}))"
        for cond in conditions:
            done = f"and({done}, or({cond.idle}, {cond.satisfied}))"
        if list_item:
            done = f"and({done}, bit_set(63))"
        tail = self.fresh("tail") if rest else None
        alts = [f"{tail or chr(34) * 2} %if {done}"]
        for bit, option in enumerate(tracked):
            values = self.values_setting(option, bit, conditions, indent, depth)
            for first in (True, False) if list_item else (False,):
                prefix = "\n" + " " * (indent - 2) + "- " if first else "\n" + " " * indent
                keys = alternatives(literal(f"{prefix}{n}:") for n in option.names)
                cond = f"bit_clear({bit})"
                if not option.required:  # the cap counts optional keys only: required ones always fit
                    room = [f"bit_count_lt([{n_required}:{counted}], {MAX_KEYS})"]
                    # ...and a key a group still needs always fits, so the mapping can always end
                    room += [_all(f"bit_clear({b})" for b in g) for g in one_of if bit in g]
                    room += [_any(f"bit_set({b})" for b in g if b != bit) for g in together if bit in g]
                    room += [c.holds for c in conditions if bit in c.needed]
                    cond = f"and({cond}, {_any(room)})"
                for other in rivals.get(bit, ()):
                    cond = f"and({cond}, bit_clear({other}))"
                if list_item:
                    cond = f"and({cond}, {'bit_clear' if first else 'bit_set'}(63))"
                for value, mask in values:
                    mask |= (1 << 63) if list_item else 0
                    nxt = f"{name}::set_bit({bit})" if mask == 1 << bit else f"{name}::bit_or({mask})"
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


def _all(conds: Iterable[str]) -> str:
    return functools.reduce(lambda a, b: f"and({a}, {b})", conds)


def _any(conds: Iterable[str]) -> str:
    return functools.reduce(lambda a, b: f"or({a}, {b})", conds)


@dataclass(frozen=True, slots=True)
class _Condition:
    """A required_if rule on tracked bits: `bit` is set when option `key` is written with `value`."""

    key: int
    value: object
    bit: int
    needed: tuple[int, ...]
    any_of: bool
    by_default: bool  # the key's documented default is `value`: leaving the key out triggers it too
    on_value: bool = True  # False: a required_by rule, which giving the key at all triggers (bit == key)

    @property
    def holds(self) -> str:
        if self.by_default:
            return f"or(bit_set({self.bit}), bit_clear({self.key}))"
        return f"bit_set({self.bit})"

    @property
    def idle(self) -> str:
        """The negation of `holds` (the parametric conditions have no `not`)."""
        if self.by_default:
            return f"and(bit_clear({self.bit}), bit_set({self.key}))"
        return f"bit_clear({self.bit})"

    @property
    def satisfied(self) -> str:
        sets = [f"bit_set({b})" for b in self.needed]
        return _any(sets) if self.any_of else _all(sets)


def _conditions(
    tracked: list[AnsibleOption], module: AnsibleModule, rivals: dict[int, list[int]]
) -> list[_Condition]:
    """The module's required_by and required_if rules the grammar can enforce: every needed option
    tracked and without a rival (a rival written first would leave the rule unsatisfiable: a dead
    end); a required_if keyed on a tracked scalar option with documented choices, the value one of
    them. The others are left to the validator. A required_if's bit counts down from 63, above the
    option bits; a required_by rule is triggered by its key's own bit."""
    bit_of = {n: bit for bit, o in enumerate(tracked) for n in o.names}
    found: list[_Condition] = []
    for key_name, names in module.required_by:
        key = bit_of.get(key_name)
        if key is None or not all(n in bit_of for n in names):
            continue
        needed = tuple(sorted({bit_of[n] for n in names}))
        if key not in needed and not any(rivals.get(b) for b in needed):
            found.append(_Condition(key, None, key, needed, False, False, on_value=False))
    by_key = len(found)
    for rule in module.required_if:
        key = bit_of.get(rule.key)
        if key is None or not _splittable(tracked[key], rule.value):
            continue
        if not all(n in bit_of for n in rule.names):
            continue
        needed = tuple(sorted({bit_of[n] for n in rule.names}))
        if key in needed or any(rivals.get(b) for b in needed):
            continue
        bit = 63 - (len(found) - by_key)
        if bit < len(tracked):
            break
        default = tracked[key].default
        by_default = default is not None and default == rule.value
        found.append(_Condition(key, rule.value, bit, needed, rule.any_of, by_default))
    return found


def _triggered_by_default(module: AnsibleModule) -> bool:
    """Does a required_if rule hold for a task that gives no options (its key's default is the value)?"""
    defaults = {n: o.default for o in module.options for n in o.names}
    return any(defaults.get(r.key) is not None and defaults.get(r.key) == r.value for r in module.required_if)


def _splittable(option: AnsibleOption, value: object) -> bool:
    """Can the grammar tell when `option` is written with `value`: one of its documented choices,
    or a truth value of a bool without choices."""
    if option.type in ("list", "dict"):
        return False
    if option.choices:
        return any(value == c and type(value) is type(c) for c in option.choices)
    return option.type == "bool" and isinstance(value, bool)


def _bit_groups(
    tracked: list[AnsibleOption],
    groups: tuple[tuple[str, ...], ...],
    rivals: dict[int, list[int]],
    strict: bool,
) -> list[list[int]]:
    """The bits of each group whose options are all tracked and optional. A one-of group is left out
    when a member's rival lies outside the group (`strict`: a together group, when a member has any
    rival): a rival written first could leave the group unsatisfiable, a dead end."""
    bit_of = {n: bit for bit, o in enumerate(tracked) for n in o.names}
    out = []
    for group in groups:
        if not all(n in bit_of for n in group):
            continue
        bits = sorted({bit_of[n] for n in group})
        if any(tracked[b].required for b in bits):
            continue
        if any(r not in bits or strict for b in bits for r in rivals.get(b, ())):
            continue
        out.append(bits)
    return out


def _rivals(tracked: list[AnsibleOption], exclusive: tuple[tuple[str, ...], ...]) -> dict[int, list[int]]:
    """For each tracked option's bit, the bits of the options it excludes. A group holding a required
    option is left out: Ansible would then reject every task, and the grammar must keep one."""
    bit_of = {n: bit for bit, o in enumerate(tracked) for n in o.names}
    rivals: dict[int, list[int]] = {}
    for group in exclusive:
        bits = sorted({bit_of[n] for n in group if n in bit_of})
        if len(bits) < 2 or any(tracked[b].required for b in bits):
            continue
        for b in bits:
            rivals.setdefault(b, []).extend(o for o in bits if o != b)
    return rivals


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
    modules: list[AnsibleModule],
    base: str,
    *,
    task_name: str | None = None,
    stated_choices: Collection[str] = (),
) -> tuple[str, list[str]]:
    """Lark definitions replacing `module_call` (and the task's keyword list), with a summary.
    With `task_name`, the output is that one task: its name is fixed, the model writes the rest.
    `stated_choices`: options whose value the request states as one of their choices; they take
    only their choices, no template."""
    if not modules:
        return "", []
    builder = _Builder(stated_choices)
    calls = []
    summary = []
    for module in modules:
        names = alternatives(literal(f"\n  {n}:") for n in module.names)
        forms = []
        if module.options:
            forms.append(builder.mapping(module.options, 4, 0, module=module))
        if module.free_form:
            forms.append(f'" " ({_STRING})')
        if not module.required and not module.one_of and not _triggered_by_default(module):
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
        head.insert(0, 'start: task "\\n"?')  # the final newline: see grammars/ansible.lark
    return "\n".join(head + builder.lines) + "\n", summary
