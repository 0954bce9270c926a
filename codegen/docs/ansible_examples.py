"""A module's EXAMPLES → (task name, task YAML) pairs.

Each named task that invokes the module becomes one example whose code is the task exactly as the
author wrote it (a one-item YAML list, quoting and comments kept), cut from the source text by the
YAML node's position. Re-dumping the parsed task would change meaning in places (`mode: 0644` is the
integer 420 once loaded). EXAMPLES that are not valid YAML as a whole are split at top-level list items
and each item is tried on its own, so one bad task does not lose the others.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

import yaml

from codegen.docs.record import Example

_PLAY_SECTIONS = ("pre_tasks", "tasks", "post_tasks", "handlers")
_BLOCK_SECTIONS = ("block", "rescue", "always")
_ACTION_KEYS = ("action", "local_action")
_TOP_LEVEL_ITEM = re.compile(r"^- ", re.MULTILINE)
_LOADER = yaml.CSafeLoader


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


def _action_module(value: Any) -> str | None:
    """The module an `action:`/`local_action:` value names (`copy src=a` or `{module: copy, ...}`)."""
    if isinstance(value, str) and value.split():
        return value.split()[0]
    if isinstance(value, dict) and isinstance(value.get("module"), str):
        return value["module"]
    return None


def _invokes(task: Any, modules: Collection[str]) -> bool:
    """Whether the task, or a task of the block it is, calls one of `modules`."""
    if not isinstance(task, dict):
        return False
    if any(isinstance(key, str) and key in modules for key in task):
        return True
    if any(_action_module(task.get(key)) in modules for key in _ACTION_KEYS):
        return True
    return any(
        isinstance(task.get(section), list) and any(_invokes(t, modules) for t in task[section])
        for section in _BLOCK_SECTIONS
    )


def _is_play(item: Any) -> bool:
    return isinstance(item, dict) and "hosts" in item


def _text_of(node: yaml.Node, lines: list[str]) -> str:
    """The source text of a block-sequence item, re-indented as a top-level `- ` item."""
    start, end = node.start_mark, node.end_mark
    column = start.column
    segment = lines[start.line : end.line]
    if end.column and end.line < len(lines):
        segment.append(lines[end.line][: end.column])
    while segment and (not segment[-1].strip() or segment[-1].lstrip().startswith("#")):
        segment.pop()  # comments between this task and the next belong to the next
    if not segment:
        return ""
    body = [segment[0][column:]]
    for line in segment[1:]:
        inner = line[column:] if not line[:column].strip() else line.lstrip()
        body.append(f"  {inner}" if inner.strip() else "")
    return "- " + "\n".join(body) + "\n"


def _tasks(node: yaml.Node, value: Any) -> Iterator[tuple[yaml.Node, Any]]:
    """(node, value) of every task in a document: top-level tasks and tasks of plays."""
    if not (isinstance(node, yaml.SequenceNode) and isinstance(value, list)):
        return
    for item_node, item in zip(node.value, value, strict=False):
        if _is_play(item):
            for key_node, section_node in item_node.value:
                if key_node.value in _PLAY_SECTIONS:
                    yield from _tasks(section_node, item.get(key_node.value))
        elif isinstance(item, dict) and item.get("name") is None and isinstance(item.get("block"), list):
            section_node = next(v for k, v in item_node.value if k.value == "block")
            yield from _tasks(section_node, item["block"])
        else:
            yield item_node, item


def _documents(text: str) -> Iterator[tuple[yaml.Node, Any]]:
    """(node, value) of each document, parsing the text once."""
    loader = _LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            yield node, loader.construct_document(node)
    finally:
        loader.dispose()


def _examples_of(text: str, modules: Collection[str]) -> list[Example]:
    """Examples of one YAML stream; raises yaml.YAMLError when it is not valid YAML."""
    lines = text.splitlines()
    examples = []
    for node, value in _documents(text):
        for task_node, task in _tasks(node, value):
            name = task.get("name") if isinstance(task, dict) else None
            if not isinstance(name, str) or not name.strip() or not _invokes(task, modules):
                continue
            code = _text_of(task_node, lines)
            try:
                faithful = _load(code) == [task]
            except yaml.YAMLError:
                faithful = False
            if not faithful:  # the cut did not reproduce the task: fall back to a plain dump
                code = yaml.safe_dump([task], sort_keys=False, allow_unicode=True, width=1_000_000)
            examples.append(Example(nl=" ".join(name.split()), code=code))
    return examples


def parse_examples(text: str, modules: Collection[str]) -> list[Example]:
    """Examples for the module known by any of the names in `modules` (FQCN, short name, aliases)."""
    if not text or not text.strip():
        return []
    try:
        return _examples_of(text, modules)
    except yaml.YAMLError:
        pass
    starts = [m.start() for m in _TOP_LEVEL_ITEM.finditer(text)]
    examples = []
    for begin, finish in zip(starts, [*starts[1:], len(text)], strict=True):
        try:
            examples += _examples_of(text[begin:finish], modules)
        except yaml.YAMLError:
            continue
    return examples
