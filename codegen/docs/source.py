"""The contract between documentation sources and the index.

A source enumerates *units* cheaply (a man page file, an Ansible collection, a JSON file), each with
a fingerprint that changes when the unit's content changes. The index re-parses only units whose
fingerprint changed, so rebuilding after a package upgrade touches only what moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from codegen.docs.record import DocRecord


@dataclass(frozen=True, slots=True)
class Unit:
    id: str  # stable within its source, e.g. a file path or a collection name
    fingerprint: str  # changes whenever the unit's content may have changed


class SourceError(Exception):
    """A source cannot be read (missing tool, unreadable path). The message is shown to users."""


class Source(Protocol):
    name: str  # stable id, part of the index's unit keys: "ansible", "man", "tldr", ...

    def units(self) -> Iterable[Unit]: ...

    def load(self, unit: Unit) -> list[DocRecord]:
        """Parse one unit. May raise SourceError; other exceptions are bugs."""
        ...


def file_fingerprint(path: str) -> str:
    import os

    st = os.stat(path)
    return f"{st.st_size}:{st.st_mtime_ns}"
