"""Find Ansible collections and their module documentation files without loading any plugin.

A module is documented either in its Python file (DOCUMENTATION string) or in a "sidecar" YAML file
next to a non-Python module (win_*.ps1 + win_*.yml). Routing (`meta/runtime.yml`) gives redirects:
old names that still resolve to a module, i.e. its aliases.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

BUILTIN = "ansible.builtin"
_DOC_SUFFIXES = (".py", ".yml", ".yaml")  # in order of preference for one module name
_DOC_MARKER = b"DOCUMENTATION"


@dataclass(frozen=True, slots=True)
class Collection:
    name: str  # "community.general"; "ansible.builtin" for ansible-core's own modules
    root: Path  # collection root (for ansible.builtin: the `ansible` package directory)
    modules_dir: Path
    version: str
    dependencies: tuple[str, ...] = ()  # names of collections it declares it depends on


def core_version() -> str:
    from ansible.release import __version__

    return __version__


@lru_cache(maxsize=1)
def builtin_collection() -> Collection:
    import ansible

    root = Path(ansible.__file__).parent
    return Collection(BUILTIN, root, root / "modules", core_version())


def _load_yaml_file(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            return yaml.load(fh, Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError):
        return None


def _metadata(root: Path) -> dict[str, Any]:
    """namespace/name/version/dependencies from MANIFEST.json (installed) or galaxy.yml (source tree)."""
    manifest = root / "MANIFEST.json"
    if manifest.is_file():
        try:
            info = json.loads(manifest.read_text(encoding="utf-8")).get("collection_info")
        except (OSError, ValueError):
            info = None
        if isinstance(info, dict):
            return info
    galaxy = _load_yaml_file(root / "galaxy.yml")
    return galaxy if isinstance(galaxy, dict) else {}


def has_metadata(root: Path) -> bool:
    return (root / "MANIFEST.json").is_file() or (root / "galaxy.yml").is_file()


def collection_at(root: Path) -> Collection:
    """The collection rooted at `root`; its name falls back to the ansible_collections/NS/NAME layout."""
    meta = _metadata(root)
    namespace, name = meta.get("namespace"), meta.get("name")
    if not (isinstance(namespace, str) and isinstance(name, str)):
        namespace, name = root.parent.name, root.name
    dependencies = meta.get("dependencies")
    return Collection(
        name=f"{namespace}.{name}",
        root=root,
        modules_dir=root / "plugins" / "modules",
        version=str(meta.get("version") or ""),
        dependencies=tuple(sorted(dependencies)) if isinstance(dependencies, dict) else (),
    )


def collections_in_tree(tree: Path) -> list[Collection]:
    """Collections of an `ansible_collections/` directory (NS/NAME/plugins/modules)."""
    found = []
    for namespace in sorted(tree.iterdir()) if tree.is_dir() else []:
        if not namespace.is_dir() or namespace.name.startswith((".", "_")):
            continue
        for root in sorted(namespace.iterdir()):
            if (root / "plugins" / "modules").is_dir():
                found.append(collection_at(root))
    return found


def _search_paths() -> list[Path]:
    """Where ansible itself looks for collections: configured paths first, then sys.path."""
    from ansible import constants

    paths = [Path(p).expanduser() for p in constants.COLLECTIONS_PATHS]
    if constants.COLLECTIONS_SCAN_SYS_PATH:
        paths += [Path(p) for p in sys.path if p]
    return [p if p.name == "ansible_collections" else p / "ansible_collections" for p in paths]


def installed_collections() -> list[Collection]:
    """ansible.builtin, then every installed collection with modules (the first of a name wins)."""
    found = {BUILTIN: builtin_collection()}
    for tree in _search_paths():
        for collection in collections_in_tree(tree):
            found.setdefault(collection.name, collection)
    return list(found.values())


def module_files(modules_dir: Path) -> dict[str, Path]:
    """Module name (`sub.name` for modules in sub-directories) → its documentation file.

    Symlinked module files are aliases of their target (see `symlink_aliases`), not modules.
    """
    modules: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(modules_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(("_", ".")))
        prefix = os.path.relpath(dirpath, modules_dir).replace(os.sep, ".")
        by_stem: dict[str, list[str]] = {}
        for filename in filenames:
            stem, suffix = os.path.splitext(filename)
            if suffix in _DOC_SUFFIXES and not stem.startswith("_"):
                by_stem.setdefault(stem, []).append(suffix)
        for stem, suffixes in sorted(by_stem.items()):
            for suffix in sorted(suffixes, key=_DOC_SUFFIXES.index):
                path = Path(dirpath, stem + suffix)
                if not path.is_symlink() and documents_a_module(path):
                    modules[stem if prefix == "." else f"{prefix}.{stem}"] = path
                    break
    return modules


def documents_a_module(path: Path) -> bool:
    try:
        return _DOC_MARKER in path.read_bytes()
    except OSError:
        return False


def symlink_aliases(modules_dir: Path) -> dict[str, str]:
    """Alias module name → target module name, for module files that are symlinks in `modules_dir`."""
    aliases = {}
    for path in modules_dir.glob("*.py") if modules_dir.is_dir() else []:
        if path.is_symlink():
            target = path.resolve()
            if target.parent == modules_dir.resolve():
                aliases[path.stem] = target.stem
    return aliases


@cache
def _runtime(root: Path) -> Any:
    if root == builtin_collection().root:
        return _load_yaml_file(root / "config" / "ansible_builtin_runtime.yml")
    return _load_yaml_file(root / "meta" / "runtime.yml")


@cache
def routing(root: Path, plugin_type: str) -> dict[str, str]:
    """Redirects of one plugin type from a collection's meta/runtime.yml: old name → new FQCN."""
    runtime = _runtime(root)
    entries = runtime.get("plugin_routing", {}).get(plugin_type) if isinstance(runtime, dict) else None
    redirects = {}
    for name, entry in entries.items() if isinstance(entries, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("redirect"), str) and "tombstone" not in entry:
            redirects[str(name)] = entry["redirect"]
    return redirects
