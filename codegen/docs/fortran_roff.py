"""Page-level helpers the Fortran man page sources need on top of codegen.docs.roff (which does the
roff interpretation): reading a page as a SourceError-raising unit, spotting `.so` stubs, and the
`.TH` header fields (roff.RoffPage keeps only title and section; the version is the fourth field).
"""

from __future__ import annotations

import lzma
import zlib
from pathlib import Path

from codegen.docs.roff import read_text, split_args
from codegen.docs.source import SourceError


def read_page(path: str | Path) -> str:
    """The roff source of a (possibly compressed) man page."""
    try:
        return read_text(Path(path))
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise SourceError(f"cannot read man page {path}: {exc}") from exc


def is_redirect(source: str) -> bool:
    """True for `.so other-page` stubs: the page they name documents the routine."""
    for line in source.splitlines():
        if line.startswith(('.\\"', "'\\\"")) or not line.strip():
            continue
        return line.startswith(".so ")
    return False


def th_fields(source: str) -> list[str]:
    """The `.TH` header's arguments: title, section, date, source/version, manual."""
    for line in source.splitlines():
        if line.startswith(".TH "):
            return split_args(line[4:].split('\\"', 1)[0])
    return []
