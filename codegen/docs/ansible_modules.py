"""Module documentation files → DocRecords: names, aliases, fragments, examples, schema."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from codegen.docs.ansible_action import add_undocumented_options
from codegen.docs.ansible_discovery import BUILTIN, Collection, builtin_collection, routing, symlink_aliases
from codegen.docs.ansible_docstring import DocReadError, read_module_doc
from codegen.docs.ansible_examples import parse_examples
from codegen.docs.ansible_fragments import FragmentResolver
from codegen.docs.ansible_record import module_record
from codegen.docs.record import DocRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModuleFile:
    name: str  # FQCN; the bare file name for a module outside any collection (library/)
    path: Path  # the file holding DOCUMENTATION (the .py, or the .yml beside a .ps1)
    aliases: tuple[str, ...]
    version: str


def _redirects_to(collection: Collection, root: Path) -> dict[str, str]:
    """Module redirects of the runtime.yml under `root` that land in `collection`: old name → module name.

    Only plain names count: `async_status.ps1` or `cloud.misc.proxmox` are loader paths, not names
    a playbook author writes.
    """
    prefix = f"{collection.name}."
    return {
        old: target[len(prefix) :]
        for old, target in routing(root, "modules").items()
        if old.isidentifier() and target.startswith(prefix)
    }


def module_aliases(collection: Collection, names: set[str]) -> dict[str, list[str]]:
    """Module name (within the collection) → other names that reach it in a playbook.

    ansible.builtin modules answer to their short name; names ansible-core handed over to a
    collection (`firewalld` → ansible.posix.firewalld) still work unqualified; a collection's own
    redirects and symlinked module files are old names of the module.
    """
    aliases: dict[str, list[str]] = {name: [] for name in names}
    builtin = collection.name == BUILTIN
    prefix = "" if builtin else f"{collection.name}."
    found = [(name, name) for name in names] if builtin else []
    if not builtin:  # builtin → builtin redirects are ansible-core's own test entries
        found += [
            (prefix + old, target) for old, target in _redirects_to(collection, collection.root).items()
        ]
        found += list(_redirects_to(collection, builtin_collection().root).items())
    found += [(prefix + link, target) for link, target in symlink_aliases(collection.modules_dir).items()]
    for alias, target in found:
        if target in aliases:
            aliases[target].append(alias)
    return {name: sorted(set(names_of)) for name, names_of in aliases.items()}


def collection_modules(collection: Collection, files: dict[str, Path]) -> list[ModuleFile]:
    aliases = module_aliases(collection, set(files))
    return [
        ModuleFile(f"{collection.name}.{name}", path, tuple(aliases[name]), collection.version)
        for name, path in files.items()
    ]


def _invocation_names(module: ModuleFile) -> set[str]:
    """Names under which EXAMPLES call the module: FQCN, aliases, and the short forms authors use."""
    short = module.name.rsplit(".", 1)[-1]
    names = {module.name, short, f"ansible.legacy.{short}", *module.aliases}
    if module.name.count(".") >= 2:
        names.add(module.name.split(".", 2)[2])  # `sub.name` for modules in sub-directories
    return names


def module_doc_record(
    module: ModuleFile, resolver: FragmentResolver, missing_fragments_level: int = logging.WARNING
) -> DocRecord | None:
    """The module's record, or None when its file has no DOCUMENTATION. Raises DocReadError."""
    found = read_module_doc(module.path)
    if found is None:
        return None
    if missing := resolver.apply(found.doc, module.path):
        log.log(missing_fragments_level, "%s: doc fragment(s) not found: %s", module.path, ", ".join(missing))
    add_undocumented_options(found.doc, module.path)  # after the fragments: they document options too
    return module_record(
        name=module.name,
        aliases=list(module.aliases),
        doc=found.doc,
        constraints=found.constraints,
        examples=parse_examples(found.examples, _invocation_names(module)),
        source=str(module.path),
        version=module.version,
    )


def records_of(modules: list[ModuleFile], resolver: FragmentResolver) -> list[DocRecord]:
    """Records of many modules; a module whose documentation cannot be read is skipped and logged."""
    records = []
    for module in modules:
        try:
            # installed collections are not the user's to fix: do not warn on every index build
            record = module_doc_record(module, resolver, logging.DEBUG)
        except DocReadError as err:
            log.info("skipped %s: %s", module.name, err)
            continue
        if record is not None:
            records.append(record)
    return records
