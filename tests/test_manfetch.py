from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

import pytest

from codegen.docs.manfetch import _extract_man, read_package_list
from codegen.errors import InputError


def make_deb(tmp: Path) -> Path:
    """A real .deb built with dpkg-deb: two man pages, a relative and an absolute alias link, and files
    that must not be unpacked (a binary, a translated page)."""
    pkg = tmp / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "DEBIAN" / "control").write_text(
        "Package: dslgen-test\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n"
    )
    man1 = pkg / "usr/share/man/man1"
    man8 = pkg / "usr/share/man/man8"
    man1.mkdir(parents=True)
    man8.mkdir(parents=True)
    (man1 / "frob.1.gz").write_bytes(gzip.compress(b".TH FROB 1\n.SH NAME\nfrob \\- frobnicate files\n"))
    (man8 / "frobd.8.gz").write_bytes(gzip.compress(b".TH FROBD 8\n.SH NAME\nfrobd \\- frob daemon\n"))
    os.symlink("frob.1.gz", man1 / "frobber.1.gz")
    os.symlink("/usr/share/man/man8/frobd.8.gz", man1 / "frobctl.1.gz")
    (pkg / "usr/share/man/de/man1").mkdir(parents=True)
    (pkg / "usr/share/man/de/man1/frob.1.gz").write_bytes(b"x")
    (pkg / "usr/bin").mkdir(parents=True)
    (pkg / "usr/bin/frob").write_text("#!/bin/sh\n")
    deb = tmp / "frob.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(pkg), str(deb)], check=True, capture_output=True
    )
    return deb


def test_extracts_only_english_command_pages(tmp_path: Path) -> None:
    root = tmp_path / "man"
    assert _extract_man(make_deb(tmp_path), root) == 4
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())
    assert files == ["man1/frob.1.gz", "man1/frobber.1.gz", "man1/frobctl.1.gz", "man8/frobd.8.gz"]
    # both alias links resolve inside the cache
    assert (root / "man1/frobber.1.gz").resolve() == (root / "man1/frob.1.gz").resolve()
    assert (root / "man1/frobctl.1.gz").resolve() == (root / "man8/frobd.8.gz").resolve()
    assert b"frob daemon" in gzip.decompress((root / "man1/frobctl.1.gz").read_bytes())


def test_package_list_ignores_comments(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# header\ncoreutils\n\nfindutils  # find, xargs\n")
    assert read_package_list(path) == ["coreutils", "findutils"]
    with pytest.raises(InputError, match="cannot read the package list"):
        read_package_list(tmp_path / "missing.txt")
