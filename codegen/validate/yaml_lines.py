"""Load YAML the way Ansible does (PyYAML, YAML 1.1: `yes` is True) while remembering line numbers."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode


class LineDict(dict[Any, Any]):
    """A mapping from the document, with the 1-based line of itself and of each of its keys."""

    line: int
    key_lines: dict[str, int]
    duplicate_keys: list[tuple[str, int]]


class _LineLoader(yaml.SafeLoader):
    """The pure-Python loader: generated code is small, and unlike the C loader it reports characters
    YAML does not allow (such as lone surrogates from undecodable input) as a located YAMLError."""


def _construct_mapping(loader: yaml.SafeLoader, node: MappingNode) -> Any:
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.duplicate_keys = []
    yield data
    data.update(loader.construct_mapping(node))  # also resolves `<<` merge keys
    for key_node, _ in node.value:
        if isinstance(key_node, ScalarNode):
            line = key_node.start_mark.line + 1
            if key_node.value in data.key_lines:
                data.duplicate_keys.append((key_node.value, line))
            data.key_lines[key_node.value] = line


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load_yaml(text: str) -> Any:
    """Parse one YAML document; mappings come back as LineDict. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_LineLoader)  # a SafeLoader: no arbitrary Python objects


def error_line(exc: yaml.YAMLError, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(exc, "position", None)  # a ReaderError: a character YAML does not allow
    return text[:position].count("\n") + 1 if isinstance(position, int) else None
