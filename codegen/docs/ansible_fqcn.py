"""Resolve the module name a task writes (`apt`, `docker_container`, `ansible.legacy.copy`) to its FQCN.

Ansible looks a short name up in the play's or role's `collections:` first, then in `ansible.legacy`
(ansible-core's own modules, plus the redirects of `config/ansible_builtin_runtime.yml` that send the
pre-2.10 names to their collections). Redirects are followed through each collection's
`meta/runtime.yml` too (`community.general.docker_container` → `community.docker.docker_container`).
Only files are read, no plugin is loaded: resolving ten thousand tasks stays fast and side-effect free.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from codegen.docs.ansible_discovery import (
    BUILTIN,
    Collection,
    builtin_collection,
    installed_collections,
    module_files,
    routing,
    symlink_aliases,
)

LEGACY = "ansible.legacy"
_MODULE_SUFFIXES = (".py", ".ps1", ".yml", ".yaml")
_MAX_HOPS = 8  # redirect chains are short; a longer one is a loop


class ModuleResolver:
    """Short or legacy module names → FQCN, using the installed ansible-core and collections."""

    def __init__(self, collections: Sequence[Collection] | None = None) -> None:
        self._given = collections

    @cached_property
    def _collections(self) -> dict[str, Collection]:
        found = self._given if self._given is not None else installed_collections()
        return {c.name: c for c in found}

    @cached_property
    def _builtin_names(self) -> frozenset[str]:
        core = builtin_collection()
        return frozenset(module_files(core.modules_dir)) | frozenset(symlink_aliases(core.modules_dir))

    @cached_property
    def _builtin_redirects(self) -> dict[str, str]:
        return routing(builtin_collection().root, "modules")

    def resolve(self, name: str, collections: Sequence[str] = ()) -> str | None:
        """The FQCN, or None for a short name that nothing installed provides (typically a module in a
        role's or project's own `library/`)."""
        name = name.strip()
        if name.startswith(f"{LEGACY}."):
            name = name.removeprefix(f"{LEGACY}.")
        if name.count(".") >= 2:
            return self._follow(name)
        if "." in name:
            return None  # `ns.module` is neither a short name nor an FQCN
        for collection in collections:
            if collection in (BUILTIN, LEGACY):
                continue  # searched last anyway, as `ansible.legacy`
            if self._provides(collection, name):
                return self._follow(f"{collection}.{name}")
        if name in self._builtin_names:
            return f"{BUILTIN}.{name}"
        if name in self._builtin_redirects:
            return self._follow(self._builtin_redirects[name])
        return None

    def _provides(self, collection: str, name: str) -> bool:
        found = self._collections.get(collection)
        if found is None:
            return False
        if any((found.modules_dir / f"{name}{suffix}").is_file() for suffix in _MODULE_SUFFIXES):
            return True
        return name in routing(found.root, "modules")

    def _follow(self, fqcn: str) -> str:
        """Follow the redirects of the collections' runtime.yml until the name settles."""
        for _ in range(_MAX_HOPS):
            namespace, collection_name, short = fqcn.split(".", 2)
            collection = f"{namespace}.{collection_name}"
            if collection == BUILTIN:
                target = self._builtin_redirects.get(short)
            else:
                found = self._collections.get(collection)
                target = routing(found.root, "modules").get(short) if found else None
            if not target or target == fqcn or target.count(".") < 2:
                return fqcn
            fqcn = target
        return fqcn
