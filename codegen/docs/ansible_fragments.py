"""Resolve `extends_documentation_fragment` statically.

ansible's fragment loader imports each doc_fragments module; a user's collection is not trusted to be
imported, so the fragment class is read from the parse tree instead (every installed fragment keeps
its YAML in plain string attributes). Fragments are merged with ansible's own `merge_fragment`, in
the order and with the precedence `ansible.utils.plugin_docs.add_fragments` uses: the module's own
option fields win over the fragment's.
"""

from __future__ import annotations

import ast
import copy
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ansible.utils.plugin_docs import merge_fragment

from codegen.docs.ansible_discovery import BUILTIN, routing
from codegen.docs.ansible_docstring import DocReadError, load_yaml

log = logging.getLogger(__name__)
_MAX_REDIRECTS = 5


def _self_attribute(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _class_strings(cls: ast.ClassDef) -> dict[str, str]:
    strings = {
        stmt.targets[0].id: stmt.value.value
        for stmt in cls.body
        if isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    }
    # `self.MODULES = self.DOCUMENTATION` in a method: a variant that is a copy of another string
    for method in (stmt for stmt in cls.body if isinstance(stmt, ast.FunctionDef)):
        for stmt in method.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, source = _self_attribute(stmt.targets[0]), _self_attribute(stmt.value)
                if target and source in strings:
                    strings.setdefault(target, strings[source])
    return strings


def _fragment_strings(path: Path) -> dict[str, str]:
    """String attributes of the file's ModuleDocFragment class (DOCUMENTATION, and named variants)."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "ModuleDocFragment":
            return _class_strings(node)
    return {}


class FragmentResolver:
    """Finds fragments by name in collections, ansible-core and local doc_fragments directories."""

    def __init__(self, collections: Mapping[str, Path], builtin_root: Path, local_dirs: Sequence[Path] = ()):
        self._collections = collections  # "ns.name" → collection root
        self._builtin_root = builtin_root
        self._local_dirs = tuple(local_dirs)  # searched before ansible-core for short names
        self._files: dict[Path, dict[str, str]] = {}
        self._parsed: dict[tuple[Path, str], dict[str, Any] | None] = {}

    def _file_in(self, root: Path, name: str) -> Path | None:
        """`a.b` is a/b.py, or b.py as ansible's collection loader also accepts."""
        parts = name.split(".")
        for path in (root.joinpath(*parts[:-1], parts[-1] + ".py"), root / f"{parts[-1]}.py"):
            if path.is_file():
                return path
        return None

    def _locate(self, name: str, hops: int = 0) -> Path | None:
        """The file of fragment `name` (FQCN or short), following collection redirects."""
        parts = name.split(".")
        if len(parts) >= 3:
            collection, short = ".".join(parts[:2]), ".".join(parts[2:])
            if collection == BUILTIN:
                return self._locate(short, hops)
            root = self._collections.get(collection)
            if root is None:
                return None
            found = self._file_in(root / "plugins" / "doc_fragments", short)
            redirect = routing(root, "doc_fragments").get(short)
        else:
            for directory in self._local_dirs:
                if found := self._file_in(directory, name):
                    return found
            found = self._file_in(self._builtin_root / "plugins" / "doc_fragments", name)
            redirect = routing(self._builtin_root, "doc_fragments").get(name)
        if found is None and redirect and hops < _MAX_REDIRECTS:
            return self._locate(redirect, hops + 1)
        return found

    def _parse(self, path: Path, variable: str) -> dict[str, Any] | None:
        text = self._files.setdefault(path, _fragment_strings(path)).get(variable)
        if text is None:
            # a fragment built at run time (not a plain string) contributes nothing statically
            return {} if variable == "DOCUMENTATION" else None
        try:
            parsed = load_yaml(text, path)
        except DocReadError as err:
            log.warning("%s", err)  # once: the result is cached for every module using it
            return None
        return parsed if isinstance(parsed, dict) else None

    def _fragment(self, slug: str) -> dict[str, Any] | None:
        """A fresh copy of the parsed fragment `slug` (`name` or `name.variable`), None if unknown."""
        candidates = [(slug, "DOCUMENTATION")]
        if "." in slug:  # as in add_fragments: try the whole name first, then NAME.VARIABLE
            name, variable = slug.rsplit(".", 1)
            candidates.append((name, variable.upper()))
        for name, variable in candidates:
            path = self._locate(name)
            if path is None:
                continue
            key = (path, variable)
            if key not in self._parsed:
                self._parsed[key] = self._parse(path, variable)
            if self._parsed[key] is not None:
                return copy.deepcopy(self._parsed[key])
        return None

    def apply(self, doc: dict[str, Any], origin: Path) -> list[str]:
        """Merge the fragments `doc` names into it, in place; returns the names that were not found."""
        slugs = doc.pop("extends_documentation_fragment", None) or []
        if isinstance(slugs, str):
            slugs = slugs.split(",")
        missing = []
        for slug in (str(s).strip() for s in slugs):
            fragment = self._fragment(slug)
            if fragment is None:
                missing.append(slug)
                continue
            for key in ("notes", "seealso"):
                extra = fragment.pop(key, None)
                if isinstance(extra, list) and isinstance(doc.get(key, []), list):
                    doc[key] = [*doc.get(key, []), *extra]
            try:
                for key in ("options", "attributes"):
                    if isinstance(fragment.get(key), dict):
                        if isinstance(doc.get(key), dict):
                            merge_fragment(doc[key], fragment.pop(key))
                        else:
                            doc[key] = fragment.pop(key)
                merge_fragment(doc, fragment)
            except Exception:  # merge_fragment raises bare Exception (or worse) on mismatched sections
                log.debug("%s: fragment %s does not fit the module's documentation", origin, slug)
        return missing
