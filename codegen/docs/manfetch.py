"""Fetch the man pages of a fixed set of Debian packages without installing the packages.

Users ask about thousands of commands; installing every package that documents one would pull
gigabytes of software and run its maintainer scripts. Instead `apt-get download` fetches each .deb
(no dependencies, nothing installed) and only `usr/share/man/man{1,6,8}/` is unpacked into the cache.
The package list (`codegen/docs/data/debian-manpages.txt`) is chosen by `scripts/select_man_packages.py`.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from codegen.errors import InputError
from codegen.paths import home

SECTIONS = ("man1", "man6", "man8")
CHUNK = 40  # packages per `apt-get download` call


def man_cache() -> Path:
    """The manpath root of fetched pages (contains man1/, man6/, man8/)."""
    return home() / "man" / "usr" / "share" / "man"


@dataclass
class FetchReport:
    downloaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    pages: int = 0


def read_package_list(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the package list {path}: {exc}") from exc
    return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]


def _download(packages: Sequence[str], dest: Path) -> tuple[list[str], list[str]]:
    """Download a chunk; when apt refuses the chunk (one unknown package fails it all), retry singly."""
    run = subprocess.run(
        ["apt-get", "download", *packages], cwd=dest, capture_output=True, text=True, check=False
    )
    if run.returncode == 0:
        return list(packages), []
    if len(packages) == 1:
        return [], list(packages)
    ok: list[str] = []
    bad: list[str] = []
    for pkg in packages:
        got, miss = _download([pkg], dest)
        ok += got
        bad += miss
    return ok, bad


def _extract_man(deb: Path, root: Path) -> int:
    """Unpack the English man pages of one .deb under `root` (a manpath); returns pages written."""
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    count = 0
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        for member in tar:
            parts = Path(member.name).parts  # ('usr', 'share', 'man', 'man1', 'ls.1.gz'); Path drops './'
            if len(parts) != 5 or parts[:3] != ("usr", "share", "man") or parts[3] not in SECTIONS:
                continue
            if not (member.isfile() or member.issym()):
                continue
            member.name = f"{parts[3]}/{parts[4]}"
            if member.issym() and member.linkname.startswith("/usr/share/man/"):
                # absolute links would escape the cache (and the data filter rejects them)
                member.linkname = "../" + member.linkname.removeprefix("/usr/share/man/")
            try:
                tar.extract(member, root, filter="data")
            except tarfile.FilterError:
                continue  # a link pointing outside the man tree: nothing we can read anyway
            count += 1
    proc.wait()
    return count


def fetch_man_pages(
    packages: Sequence[str], progress: Callable[[str, int, int], None] | None = None
) -> FetchReport:
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise InputError("fetching man pages needs apt-get and dpkg-deb (a Debian or Ubuntu system)")
    root = man_cache()
    root.mkdir(parents=True, exist_ok=True)
    report = FetchReport()
    chunks = [list(packages[i : i + CHUNK]) for i in range(0, len(packages), CHUNK)]
    done = 0
    with tempfile.TemporaryDirectory(prefix="dslgen-debs-") as tmp, ThreadPoolExecutor(max_workers=4) as pool:
        dirs = [Path(tmp) / str(i) for i in range(len(chunks))]
        for d in dirs:
            d.mkdir()
        # each chunk downloads into its own directory, so unpacking never sees another's partial file
        for chunk, d, (ok, bad) in zip(chunks, dirs, pool.map(_download, chunks, dirs), strict=True):
            report.downloaded += ok
            report.missing += bad
            for deb in d.glob("*.deb"):
                report.pages += _extract_man(deb, root)
                deb.unlink()
            done += len(chunk)
            if progress:
                progress("fetching man pages", done, len(packages))
    return report
