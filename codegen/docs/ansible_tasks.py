"""Named tasks of real Ansible projects: the requests people write (`name:`) and the module they chose.

A task file (a role's `tasks/*.yml` or `handlers/*.yml`) is a list of tasks; a playbook is a list of
plays whose `pre_tasks`, `tasks`, `post_tasks` and `handlers` hold them. `block`/`rescue`/`always`
nest further lists. Each named task becomes a TaskExample: its name, the module's FQCN (Ansible's own
ModuleArgsParser tells the module from task keywords in every form: `apt: name=x`, `action:`,
`local_action:`, `args:`), the argument names it sets, and its source text.

Includes, imports, `set_fact`, `debug`, `assert`, ... steer the play rather than change a host: they
are kept with kind "control" so statistics and training can leave them out. A short name nothing
installed provides keeps its short name: kind "local" when the package ships a module of that name (in a
`library/` or `plugins/modules/` directory), else "unresolved" (a missing collection, or a typo).

This module is shared by serving and training, so it imports neither torch nor codegen.training.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import yaml

from codegen.docs.ansible_fqcn import ModuleResolver

Kind = Literal["module", "control", "local", "unresolved"]

# Task-steering actions (ansible.builtin): not module calls in the statistics.
CONTROL_ACTIONS = frozenset(
    {
        "include",
        "include_tasks",
        "import_tasks",
        "include_role",
        "import_role",
        "include_vars",
        "import_playbook",
        "meta",
        "set_fact",
        "debug",
        "fail",
        "assert",
        "pause",
        "add_host",
        "group_by",
        "set_stats",
        "end_play",
        "end_host",
        "end_batch",
    }
)
_PLAY_MARKERS = frozenset({"hosts", "import_playbook", "ansible.builtin.import_playbook"})
PLAY_SECTIONS = ("pre_tasks", "tasks", "post_tasks", "handlers")
BLOCK_SECTIONS = ("block", "rescue", "always")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a task file comes from; copied into each of its examples."""

    project: str  # the upstream project (PyPI distribution), e.g. "kolla-ansible"
    role: str  # role (or test target, or playbook path) inside the project: the unit of the splits
    package: str
    version: str
    file: str  # path inside the package archive
    licence: str
    collections: tuple[str, ...] = ()  # the role's `collections:` (meta/main.yml)
    local_modules: frozenset[str] = frozenset()  # modules the package itself ships (library/, plugins/)


@dataclass(frozen=True, slots=True)
class TaskExample:
    id: str  # package:file:line, stable across runs of the same package version
    name: str  # the task's `name:`, the natural-language request
    module: str  # FQCN (kind module/control), else the name as written (kind local/unresolved)
    keys: list[str]  # module argument names the task sets, sorted (`_raw_params` for free form)
    task_text: str  # the task as written, one `- name: ...` YAML list item
    project: str
    role: str
    package: str
    version: str
    file: str
    licence: str
    kind: Kind
    line: int  # 1-based line of the task in `file`

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ParseStats:
    """Tasks found and why the others were left out."""

    tasks: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, other: ParseStats) -> None:
        self.tasks += other.tasks
        self.skipped.update(other.skipped)


class _Loader(yaml.CSafeLoader):
    """Safe YAML that also accepts Ansible's `!unsafe` and `!vault` tags (as plain strings)."""


def _tag_as_string(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


for _tag in ("!unsafe", "!vault", "!vault-encrypted"):
    _Loader.add_constructor(_tag, _tag_as_string)


def parse_task_file(
    text: str, source: Source, resolver: ModuleResolver, *, playbook_only: bool = False
) -> tuple[list[TaskExample], ParseStats]:
    """Named tasks of one task file or playbook. With `playbook_only`, a plain task list yields nothing
    (a YAML file outside `tasks/` and `handlers/` counts only when it is a playbook)."""
    stats = ParseStats()
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        stats.skipped["yaml_error"] += 1
        return [], stats
    if not isinstance(root, yaml.SequenceNode):
        if not playbook_only:
            stats.skipped["not_a_task_list"] += 1
        return [], stats
    lines = text.splitlines()
    examples: list[TaskExample] = []
    if _is_playbook(root):
        for play in root.value:
            if not isinstance(play, yaml.MappingNode):
                continue
            play_keys = _mapping_keys(play)
            collections = _string_list(play_keys.get("collections")) or source.collections
            for section in PLAY_SECTIONS:
                if section in play_keys:
                    examples += _tasks(play_keys[section], source, collections, resolver, lines, stats)
    elif not playbook_only:
        examples = _tasks(root, source, source.collections, resolver, lines, stats)
    stats.tasks = len(examples)
    return examples, stats


def _is_playbook(root: yaml.SequenceNode) -> bool:
    return any(
        isinstance(item, yaml.MappingNode) and _PLAY_MARKERS & _mapping_keys(item).keys()
        for item in root.value
    )


def _mapping_keys(node: yaml.MappingNode) -> dict[str, yaml.Node]:
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _string_list(node: yaml.Node | None) -> tuple[str, ...]:
    if isinstance(node, yaml.SequenceNode):
        return tuple(str(item.value) for item in node.value if isinstance(item, yaml.ScalarNode))
    return ()


def _tasks(
    node: yaml.Node,
    source: Source,
    collections: Sequence[str],
    resolver: ModuleResolver,
    lines: list[str],
    stats: ParseStats,
) -> list[TaskExample]:
    found: list[TaskExample] = []
    for item in _task_nodes(node, stats):
        example = _example(item, source, collections, resolver, lines, stats)
        if example is not None:
            found.append(example)
    return found


def _task_nodes(node: yaml.Node, stats: ParseStats) -> Iterator[yaml.MappingNode]:
    """Task mappings of a task list, descending into blocks (a block itself is not a task)."""
    if not isinstance(node, yaml.SequenceNode):
        if not (isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")):
            stats.skipped["not_a_task_list"] += 1  # an empty section (`tasks:`) is just empty
        return
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            stats.skipped["not_a_mapping"] += 1
            continue
        keys = _mapping_keys(item)
        if any(section in keys for section in BLOCK_SECTIONS):
            for section in BLOCK_SECTIONS:
                if section in keys:
                    yield from _task_nodes(keys[section], stats)
        else:
            yield item


def _example(
    node: yaml.MappingNode,
    source: Source,
    collections: Sequence[str],
    resolver: ModuleResolver,
    lines: list[str],
    stats: ParseStats,
) -> TaskExample | None:
    try:
        task = _Loader("").construct_document(node)
    except (yaml.YAMLError, TypeError, ValueError):  # e.g. an unhashable (list) key
        stats.skipped["yaml_error"] += 1
        return None
    name = task.get("name")
    if not isinstance(name, str) or not name.strip():
        stats.skipped["unnamed"] += 1
        return None
    parsed = parse_module(task)
    if parsed is None:
        stats.skipped["invalid_task"] += 1
        return None
    action, args = parsed
    if "{{" in action or "{%" in action:
        stats.skipped["templated_module"] += 1
        return None
    module, kind = _classify(action, task, collections, resolver, source.local_modules)
    line = node.start_mark.line + 1
    return TaskExample(
        id=f"{source.package}:{source.file}:{line}",
        name=" ".join(name.split()),
        module=module,
        keys=sorted(str(k) for k in args),
        task_text=task_text(node, lines),
        project=source.project,
        role=source.role,
        package=source.package,
        version=source.version,
        file=source.file,
        licence=source.licence,
        kind=kind,
        line=line,
    )


def _classify(
    action: str,
    task: dict[str, Any],
    collections: Sequence[str],
    resolver: ModuleResolver,
    local_modules: frozenset[str],
) -> tuple[str, Kind]:
    # Ansible searches a task's own `collections:` (not a documented keyword on tasks, but accepted) too
    own = task.get("collections")
    search = tuple(own) if isinstance(own, list) else tuple(collections)
    fqcn = resolver.resolve(action, search)
    short = action.rsplit(".", 1)[-1]
    builtin = fqcn.startswith("ansible.builtin.") if fqcn else "." not in action
    if builtin and short in CONTROL_ACTIONS:
        return fqcn or f"ansible.builtin.{short}", "control"
    if fqcn is None:
        return action, "local" if action in local_modules else "unresolved"
    return fqcn, "module"


def parse_module(task: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(module as written, its arguments) by Ansible's ModuleArgsParser; None for an invalid task."""
    from ansible.parsing.mod_args import ModuleArgsParser

    try:
        from ansible._internal._display_utils import DeferredWarningContext
    except ImportError:  # ansible-core < 2.19 does not warn while parsing task arguments
        DeferredWarningContext = None
    try:
        if DeferredWarningContext is None:
            action, args, _ = ModuleArgsParser(task).parse(skip_action_validation=True)
        else:
            # capture the deprecation notices (k=v merging, mapping `action:`) instead of printing them
            with DeferredWarningContext(variables={}):
                action, args, _ = ModuleArgsParser(task).parse(skip_action_validation=True)
    except Exception:  # AnsibleParserError and whatever the parser trips over on odd input
        return None
    if not isinstance(action, str) or not action:
        return None
    return action, args if isinstance(args, dict) else {}


def task_text(node: yaml.MappingNode, lines: list[str]) -> str:
    """The task's source as a one-item YAML list (`- name: ...`), comments inside it kept."""
    start, end = node.start_mark, node.end_mark
    body = lines[start.line : end.line + 1]
    if end.line < len(lines):
        body[-1] = body[-1][: end.column]  # the mark ends where the next token starts
    body[0] = body[0][start.column :]
    # a block mapping ends where the next item starts: drop trailing blank and comment lines
    while len(body) > 1 and (not body[-1].strip() or body[-1].lstrip().startswith("#")):
        body.pop()
    indent = " " * start.column
    rest = [ln[start.column :] if ln.startswith(indent) else ln.lstrip() for ln in body[1:]]
    return "\n".join(["- " + body[0].rstrip(), *("  " + ln.rstrip() if ln.strip() else "" for ln in rest)])
