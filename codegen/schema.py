"""DocRecord -> typed Schema: what a grammar may allow for one documented unit.

The JSON `schema` of a DocRecord (shape in codegen.docs.record) is read defensively: a source that
left a key out, or wrote an unexpected type, yields a smaller schema, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from codegen.ansible_actions import action_rules
from codegen.docs.record import DocRecord
from codegen.docs.tldr_usage import invocation

ANSIBLE_SCALAR_TYPES = ("str", "path", "int", "float", "bool", "raw", "list", "dict", "jsonarg", "json")


@dataclass(frozen=True, slots=True)
class AnsibleOption:
    name: str
    type: str  # one of ANSIBLE_SCALAR_TYPES; unknown types are read as "raw"
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[Any, ...] = ()
    elements: str = ""  # element type of a list
    suboptions: tuple[AnsibleOption, ...] = ()
    # Ansible skips an option given as null when it is optional and has no default (its
    # `_validate_argument_types`), so `config:` with nothing after it is the option left out
    nullable: bool = False
    default: str | int | float | bool | None = None  # documented scalar default

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class RequiredIf:
    """Ansible's required_if: when option `key` equals `value` (given, or by its default), all of
    `names` (`any_of`: at least one of them) must be given."""

    key: str
    value: str | int | float | bool
    names: tuple[str, ...]
    any_of: bool = False


@dataclass(frozen=True, slots=True)
class AnsibleModule:
    name: str  # FQCN
    aliases: tuple[str, ...]  # other names a task may use (short name, redirects)
    options: tuple[AnsibleOption, ...]
    free_form: bool  # takes a free-form string (command, shell, raw, script)
    exclusive: tuple[tuple[str, ...], ...] = ()  # groups of options a task may give at most one of
    one_of: tuple[tuple[str, ...], ...] = ()  # ...must give at least one of
    together: tuple[tuple[str, ...], ...] = ()  # ...gives all or none of
    required_if: tuple[RequiredIf, ...] = ()
    required_by: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (key, names it needs when given)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def required(self) -> tuple[AnsibleOption, ...]:
        return tuple(o for o in self.options if o.required)


@dataclass(frozen=True, slots=True)
class BashFlag:
    names: tuple[str, ...]  # "-j", "--jobs"
    arg: str | None = None  # metavariable of the value, None for a switch
    arg_optional: bool = False
    separators: tuple[str, ...] = (" ",)  # how a value attaches: " ", "=", "", ":"

    @property
    def takes_value(self) -> bool:
        return self.arg is not None


_INVOCATION = re.compile(r"[A-Za-z0-9_.+\[-]+( [A-Za-z0-9_.+:-]+){0,4}")


@dataclass(frozen=True, slots=True)
class BashCommand:
    name: str
    aliases: tuple[str, ...]
    flags: tuple[BashFlag, ...]
    subcommands: tuple[str, ...] = ()
    spoken: tuple[str, ...] = ()  # what a command line writes, when that is not the page's names

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def invocations(self) -> tuple[str, ...]:
        """What a command line may write for it; never an alias that is prose from a NAME line."""
        return self.spoken or tuple(n for n in self.names if _INVOCATION.fullmatch(n)) or (self.name,)


@dataclass(frozen=True, slots=True)
class FortranRoutine:
    name: str
    kind: str  # intrinsic, blas, lapack, mpi, openmp_directive, ...
    procedure: str | None  # function, subroutine, directive, module
    arguments: tuple[str, ...]  # dummy argument names, in order
    optional: frozenset[str] = field(default_factory=frozenset)
    min_args: int = 0
    max_args: int | None = None  # None: any number (MIN, MAX)
    returns: str | None = None
    clauses: tuple[str, ...] = ()  # OpenMP directives

    @property
    def callable(self) -> bool:
        return self.procedure in ("function", "subroutine")


Schema = AnsibleModule | BashCommand | FortranRoutine

FREE_FORM_MARKERS = ("free_form", "free-form", "_raw_params")


def schema_of(record: DocRecord) -> Schema | None:
    """None when the record documents nothing a grammar can use (no options, no signature)."""
    if record.dsl == "ansible":
        return _ansible(record)
    if record.dsl == "bash":
        return _bash(record)
    if record.dsl == "fortran":
        return _fortran(record)
    return None


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if isinstance(v, str | int | float) and str(v))
    return ()


# "If not set, the value of the VMWARE_HOST environment variable is used": Ansible applies an option's
# environment fallback before it checks required options, so a task may leave such an option out.
_ENV_FALLBACK = re.compile(
    r"\b(?:if not|instead|also|omit|fall ?back)\b.*\b(?:env|environment)\s+var"
    r"|\b(?:env|environment)\s+var\w*\s+\W?[A-Z][A-Z0-9_]{2,}\W?\s+(?:is|will be)\s+used"
    r"|\b(?:from|by|in) the\s+(?:env|environment)\s+var"
    r"|\b(?:env|environment)\s+var.*\b(?:if not|instead)\b",
    re.I | re.S,
)


def _has_env_fallback(spec: dict) -> bool:
    return bool(_ENV_FALLBACK.search(str(spec.get("description") or "")))


def _ansible_option(name: str, spec: Any) -> AnsibleOption:
    spec = spec if isinstance(spec, dict) else {}
    type_ = spec.get("type") or "str"
    if type_ not in ANSIBLE_SCALAR_TYPES:
        type_ = "raw"
    choices = spec.get("choices")
    if isinstance(choices, dict):  # some modules document choices as {value: description}
        choices = list(choices)
    subs = spec.get("suboptions") if isinstance(spec.get("suboptions"), dict) else {}
    return AnsibleOption(
        name=name,
        type=type_,
        required=bool(spec.get("required", False)) and not _has_env_fallback(spec),
        aliases=_strs(spec.get("aliases")),
        choices=tuple(c for c in choices if isinstance(c, str | int | float | bool)) if choices else (),
        elements=str(spec.get("elements") or ""),
        suboptions=tuple(_ansible_option(n, s) for n, s in subs.items()),
        nullable=not spec.get("required") and spec.get("default") is None,
        default=default if isinstance(default := spec.get("default"), str | int | float | bool) else None,
    )


def _ansible(record: DocRecord) -> AnsibleModule:
    raw = record.schema.get("options")
    raw = raw if isinstance(raw, dict) else {}
    options = tuple(_ansible_option(n, s) for n, s in raw.items() if isinstance(n, str) and n)
    free_form = any(o.name in FREE_FORM_MARKERS for o in options)
    # these are not keys a task writes: the module's value is the free-form string
    options = tuple(o for o in options if o.name not in FREE_FORM_MARKERS)
    short = record.name.rsplit(".", 1)[-1]
    aliases = tuple(dict.fromkeys(a for a in (*record.aliases, short) if a and a != record.name))
    exclusive = _groups(record.schema.get("mutually_exclusive"), 2)
    one_of = _groups(record.schema.get("required_one_of"), 1)
    action = action_rules(record.name)
    if action is not None:  # what the action plugin refuses, the grammar must not write either
        exclusive += _mapping_groups(action.mutually_exclusive, 2)
        one_of += _mapping_groups(action.required_one_of, 1)
        options = tuple(replace(o, required=True) if o.name in action.required else o for o in options)
    return AnsibleModule(
        name=record.name,
        aliases=aliases,
        options=options,
        free_form=free_form,
        exclusive=exclusive,
        one_of=one_of,
        together=_groups(record.schema.get("required_together"), 2),
        required_if=_required_if(record.schema.get("required_if")),
        required_by=_required_by(record.schema.get("required_by")),
    )


def _required_by(raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """[[key, [names]]] rules (codegen.docs.ansible_argspec), read defensively."""
    rules = []
    for rule in raw if isinstance(raw, list | tuple) else ():
        if isinstance(rule, list | tuple) and len(rule) == 2 and isinstance(rule[0], str) and _strs(rule[1]):
            rules.append((rule[0], _strs(rule[1])))
    return tuple(rules)


def _mapping_groups(groups: tuple[tuple[str, ...], ...], smallest: int) -> tuple[tuple[str, ...], ...]:
    """Groups as they bear on the mapping form of a task: the free-form string is the other form
    (`script: run.sh` vs `script: {cmd: run.sh}`), never a key of the mapping."""
    kept = (tuple(n for n in g if n not in FREE_FORM_MARKERS) for g in groups)
    return tuple(g for g in kept if len(g) >= smallest)


def _required_if(raw: Any) -> tuple[RequiredIf, ...]:
    """[key, value, [names], any?] rules (codegen.docs.ansible_argspec), read defensively."""
    rules = []
    for rule in raw if isinstance(raw, list | tuple) else ():
        if not (isinstance(rule, list | tuple) and len(rule) in (3, 4) and isinstance(rule[0], str)):
            continue
        value, names = rule[1], _strs(rule[2])
        if isinstance(value, str | int | float | bool) and names:
            rules.append(RequiredIf(rule[0], value, names, bool(rule[3]) if len(rule) == 4 else False))
    return tuple(rules)


def _groups(raw: Any, smallest: int) -> tuple[tuple[str, ...], ...]:
    """Option-name groups of an argument-spec constraint (codegen.docs.ansible_argspec)."""
    return tuple(
        tuple(str(n) for n in g) for g in raw or () if isinstance(g, list | tuple) and len(g) >= smallest
    )


def _bash_flag(spec: Any) -> BashFlag | None:
    if not isinstance(spec, dict):
        return None
    names = tuple(n for n in _strs(spec.get("flags")) if n.startswith("-") and len(n) > 1 and " " not in n)
    if not names:
        return None
    arg = spec.get("arg")
    raw_seps = spec.get("separators") if isinstance(spec.get("separators"), list) else []
    seps = tuple(s for s in raw_seps if s in (" ", "=", ":", ""))
    return BashFlag(
        names=names,
        arg=str(arg) if arg else None,
        arg_optional=bool(spec.get("arg_optional", False)),
        separators=seps or (" ",),
    )


def _bash(record: DocRecord) -> BashCommand:
    flags = tuple(f for f in (_bash_flag(s) for s in record.schema.get("options") or []) if f is not None)
    subs = tuple(s for s in _strs(record.schema.get("subcommands")) if s.replace("-", "").isalnum())
    return BashCommand(
        name=record.name, aliases=tuple(record.aliases), flags=flags, subcommands=subs, spoken=_spoken(record)
    )


def _spoken(record: DocRecord) -> tuple[str, ...]:
    """How a command line invokes the page's command when that is not its name: what its examples
    run (`pacman` for the tldr page pacman-remove, `git commit` for git-commit); without examples, a
    sub-command page's spaced alias that spells the rest of its name (`gcloud pubsub topics update`
    for gcloud-pubsub-topics-update, `nix registry pin` for nix3-registry-pin). Other spaced aliases
    (`python3 autopep8.py`, a NAME line's prose) are kept as aliases but do not replace the name, and a
    page whose examples run its own name (ansible-inventory, distrobox-enter) keeps it."""
    if record.examples:
        command = invocation(record.name, record.examples)
        return (command,) if command and command != record.name else ()
    rest = record.name.split("-")[1:]
    return tuple(a for a in record.aliases if len(a.split()) > 1 and a.split()[1:] == rest)


def _fortran(record: DocRecord) -> FortranRoutine | None:
    s = record.schema
    args = [a for a in s.get("arguments") or [] if isinstance(a, dict) and a.get("name")]
    names = tuple(str(a["name"]).lower() for a in args)
    optional = frozenset(str(a["name"]).lower() for a in args if a.get("optional"))
    max_args = s.get("max_args", len(names))
    min_args = s.get("min_args", len(names) - len(optional))
    return FortranRoutine(
        name=record.name.lower(),
        kind=str(s.get("kind") or ""),
        procedure=s.get("procedure"),
        arguments=names,
        optional=optional,
        min_args=int(min_args) if isinstance(min_args, int) else 0,
        max_args=int(max_args) if isinstance(max_args, int) else None,
        returns=s.get("returns"),
        clauses=_strs(s.get("clauses")),
    )
