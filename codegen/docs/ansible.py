"""Ansible documentation sources: the installed modules, and collections a user points at.

Both read DOCUMENTATION and EXAMPLES statically and resolve doc fragments (see ansible_fragments), so
no module or fragment code is imported or run. Reading the installed collections this way is about
ten times faster than `ansible-doc --metadata-dump` (7.0 s → 0.7 s for community.general here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from codegen.docs.ansible_discovery import (
    BUILTIN,
    Collection,
    builtin_collection,
    collection_at,
    collections_in_tree,
    core_version,
    documents_a_module,
    has_metadata,
    installed_collections,
    module_files,
)
from codegen.docs.ansible_docstring import DocReadError
from codegen.docs.ansible_fragments import FragmentResolver
from codegen.docs.ansible_modules import ModuleFile, collection_modules, module_doc_record, records_of
from codegen.docs.record import DocRecord
from codegen.docs.source import SourceError, Unit, file_fingerprint

# Part of every fingerprint: bump it when parsing changes so an index re-reads every unit.
PARSER_VERSION = 3  # 2: options of a same-named action plugin's argument spec; 3: required_by


def _installed_by_name() -> dict[str, Collection]:
    return {c.name: c for c in installed_collections()}


def _context_fingerprint(collection: Collection, installed: dict[str, Collection]) -> str:
    """What a collection's records depend on besides its own files: parser, ansible-core, dependencies
    (their doc fragments)."""
    dependencies = ",".join(f"{d}={installed[d].version}" for d in collection.dependencies if d in installed)
    return f"v{PARSER_VERSION}|core={core_version()}|deps={dependencies}"


def installed_module_names() -> list[str]:
    """FQCNs of every documented module of ansible-core and the installed collections, sorted.

    Cheap (no YAML is parsed): the names `InstalledAnsibleSource` produces records for, less any
    module whose documentation turns out to be unreadable.
    """
    return sorted(
        f"{collection.name}.{name}"
        for collection in installed_collections()
        for name in module_files(collection.modules_dir)
    )


class InstalledAnsibleSource:
    """Every module of ansible-core (ansible.builtin) and of the installed collections.

    One unit per collection: a rebuild re-reads only collections whose version, location, module
    directory or dependencies changed (and all of them when ansible-core changes: its doc fragments
    and routing are used by every collection).
    """

    name = "ansible"

    def __init__(self) -> None:
        self._installed: dict[str, Collection] | None = None
        self._resolver: FragmentResolver | None = None

    @property
    def installed(self) -> dict[str, Collection]:
        if self._installed is None:
            self._installed = _installed_by_name()
        return self._installed

    def units(self) -> Iterable[Unit]:
        for collection in self.installed.values():
            try:
                modules_mtime = collection.modules_dir.stat().st_mtime_ns
            except OSError as err:
                raise SourceError(f"cannot read Ansible collection {collection.name}: {err}") from err
            fingerprint = (
                f"{collection.name}={collection.version}@{collection.root}:{modules_mtime}|"
                + _context_fingerprint(collection, self.installed)
            )
            yield Unit(id=collection.name, fingerprint=fingerprint)

    def load(self, unit: Unit) -> list[DocRecord]:
        collection = self.installed.get(unit.id)
        if collection is None:
            raise SourceError(f"Ansible collection {unit.id} is no longer installed")
        if self._resolver is None:
            roots = {name: c.root for name, c in self.installed.items() if name != BUILTIN}
            self._resolver = FragmentResolver(roots, builtin_collection().root)
        return records_of(
            collection_modules(collection, module_files(collection.modules_dir)), self._resolver
        )


def _collections_under(path: Path) -> list[Collection]:
    """The collections a user path designates: a collection root, its plugins/modules directory,
    an ansible_collections/ tree or a directory holding one."""
    if path.name == "modules" and path.parent.name == "plugins":
        path = path.parent.parent
    in_tree = path.parent.parent.name == "ansible_collections"
    if (path / "plugins" / "modules").is_dir() and (has_metadata(path) or in_tree):
        return [collection_at(path)]
    if path.name == "ansible_collections":
        return collections_in_tree(path)
    return collections_in_tree(path / "ansible_collections")


def _plain_modules(path: Path) -> list[ModuleFile]:
    """Modules outside a collection (a playbook's library/ directory, or one module file)."""
    if path.is_file():
        files = {path.stem: path} if path.suffix == ".py" and documents_a_module(path) else {}
    else:
        files = {name: p for name, p in module_files(path).items() if "." not in name}
    return [ModuleFile(name, p, (), "") for name, p in sorted(files.items())]


def _files_fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            digest.update(f"{path}:{file_fingerprint(str(path))};".encode())
    return digest.hexdigest()[:16]


class AnsibleCollectionSource:
    """The modules under a path a user points at (`dslgen index add PATH`).

    PATH is a collection root (galaxy.yml or MANIFEST.json, and plugins/modules/), an
    ansible_collections/ tree, or a plain directory of module files (library/). Doc fragments are
    resolved from the collection's plugins/doc_fragments/, from a `doc_fragments/` directory beside a
    plain library directory, from the installed collections, and from ansible-core.
    One unit per module file.
    """

    def __init__(self, path: str | Path):
        root = Path(path).expanduser().resolve()
        if not root.exists():
            raise SourceError(f"{path} does not exist")
        self.root = root
        self.name = f"ansible-collection:{root}"
        self._collections = [] if root.is_file() else _collections_under(root)
        self._modules: dict[str, tuple[ModuleFile, Collection | None]] = {}
        for collection in self._collections:
            for module in collection_modules(collection, module_files(collection.modules_dir)):
                self._modules[str(module.path)] = (module, collection)
        if not self._collections:
            for module in _plain_modules(root):
                self._modules[str(module.path)] = (module, None)
        if not self._modules:
            raise SourceError(
                f"no Ansible modules found under {path}: expected a collection (galaxy.yml or "
                "MANIFEST.json with plugins/modules/), an ansible_collections/ tree, or a directory "
                "of module files with a DOCUMENTATION string"
            )
        # a playbook keeps library/ and doc_fragments/ side by side
        library = root.parent if root.is_file() else root
        self._local_fragments = [library.parent / "doc_fragments"] if not self._collections else []
        self._resolver: FragmentResolver | None = None

    def _context(self, collection: Collection | None, installed: dict[str, Collection]) -> str:
        if collection is None:
            fragment_files = [p for d in self._local_fragments if d.is_dir() for p in d.glob("*.py")]
            return f"v{PARSER_VERSION}|core={core_version()}|" + _files_fingerprint(fragment_files)
        own_files = [
            *(collection.root / "plugins" / "doc_fragments").glob("**/*.py"),
            *(collection.root / "plugins" / "action").glob("*.py"),
            collection.root / "meta" / "runtime.yml",
            collection.root / "galaxy.yml",
            collection.root / "MANIFEST.json",
        ]
        return _context_fingerprint(collection, installed) + "|" + _files_fingerprint(own_files)

    def units(self) -> Iterable[Unit]:
        installed = _installed_by_name()
        contexts = {c.name: self._context(c, installed) for c in self._collections}
        plain_context = self._context(None, installed)
        for unit_id, (_module, collection) in self._modules.items():
            try:
                own = file_fingerprint(unit_id)
            except OSError as err:
                raise SourceError(f"cannot read {unit_id}: {err}") from err
            context = contexts[collection.name] if collection else plain_context
            yield Unit(id=unit_id, fingerprint=f"{own}|{context}")

    def _fragment_resolver(self) -> FragmentResolver:
        if self._resolver is None:
            roots = {name: c.root for name, c in _installed_by_name().items() if name != BUILTIN}
            roots.update({c.name: c.root for c in self._collections})  # the user's copy wins
            self._resolver = FragmentResolver(roots, builtin_collection().root, self._local_fragments)
        return self._resolver

    def load(self, unit: Unit) -> list[DocRecord]:
        entry = self._modules.get(unit.id)
        if entry is None:
            raise SourceError(f"{unit.id} is not an Ansible module under {self.root}")
        try:
            record = module_doc_record(entry[0], self._fragment_resolver())
        except DocReadError as err:
            raise SourceError(str(err)) from err
        return [record] if record is not None else []
