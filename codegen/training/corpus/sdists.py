"""Fortran and shell sources from PyPI source distributions, fetched with pip into the cache.

Old scipy releases hold the classic fixed-form libraries (QUADPACK, ODEPACK, ARPACK, FITPACK, MINPACK);
the other packages add free-form Fortran 90+ with modules, OpenMP and MPI. Each file is recorded with
its package, version and the package's licence (bundled libraries keep their own notices in the
sdist, listed in `licence_files`).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

from codegen.training.corpus.errors import CorpusError

FORTRAN_SUFFIXES = frozenset({".f", ".for", ".f77", ".f90", ".f95", ".f03", ".f08", ".fpp"})
SHELL_SUFFIXES = frozenset({".sh", ".bash"})
MAX_FILE_BYTES = 2_000_000  # generated tables, not code people write
_LEGACY_BUILD_REQUIREMENTS = ("setuptools<60", "numpy==1.26.4", "Cython<3", "wheel")


@dataclass(frozen=True, slots=True)
class Sdist:
    package: str
    version: str
    # metadata generation needs numpy.distutils with an old setuptools (scipy < 1.9): pip runs it in
    # a cached virtual environment that has them
    legacy_build: bool = False

    @property
    def spec(self) -> str:
        return f"{self.package}=={self.version}"


DEFAULT_SDISTS: tuple[Sdist, ...] = (
    Sdist("scipy", "1.2.3", legacy_build=True),
    Sdist("psyclone", "3.3.1"),
    Sdist("mpi4py", "4.1.2"),
    Sdist("f90wrap", "0.3.0"),
    Sdist("fmodpy", "1.7.5"),
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # inside the archive, without the top-level "<package>-<version>/" directory
    text: str
    kind: str  # "fortran" | "bash"


def _archive_in(cache: Path, sdist: Sdist) -> Path | None:
    stem = re.sub(r"[-_.]+", "[-_.]", re.escape(sdist.package))
    pattern = re.compile(rf"(?i)^{stem}-{re.escape(sdist.version)}\.(tar\.gz|zip)$")
    return next((p for p in sorted(cache.iterdir()) if pattern.match(p.name)), None)


def _legacy_python(cache: Path) -> Path:
    env = cache / "legacy-build-venv"
    python = env / "bin" / "python"
    if not python.exists():
        venv.create(env, with_pip=True)
        _run([str(python), "-m", "pip", "install", "-q", *_LEGACY_BUILD_REQUIREMENTS], "legacy build tools")
    return python


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise CorpusError(f"pip could not fetch {what} (exit {proc.returncode}):\n{tail}")


def fetch(sdist: Sdist, cache: Path) -> Path:
    """The sdist archive in `cache`, downloaded with `pip download` when missing."""
    cache.mkdir(parents=True, exist_ok=True)
    found = _archive_in(cache, sdist)
    if found:
        return found
    python = _legacy_python(cache) if sdist.legacy_build else Path(sys.executable)
    cmd = [str(python), "-m", "pip", "download", "--no-deps", "--no-binary", sdist.package, "-d", str(cache)]
    if sdist.legacy_build:
        cmd.append("--no-build-isolation")
    _run([*cmd, sdist.spec], sdist.spec)
    found = _archive_in(cache, sdist)
    if found is None:
        raise CorpusError(f"pip reported success for {sdist.spec} but no sdist is in {cache}")
    return found


def _members(archive: Path) -> Iterator[tuple[str, bytes]]:
    try:
        if archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    if not info.is_dir() and info.file_size <= MAX_FILE_BYTES:
                        yield info.filename, zf.read(info)
            return
        with tarfile.open(archive) as tf:
            for member in tf:
                if member.isfile() and member.size <= MAX_FILE_BYTES:
                    handle = tf.extractfile(member)
                    if handle is not None:
                        yield member.name, handle.read()
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as err:
        raise CorpusError(f"cannot read {archive}: {err}; delete it to download it again") from err


def _relative(name: str) -> str:
    parts = PurePosixPath(name).parts
    return "/".join(parts[1:]) if len(parts) > 1 else name


def _kind(path: str) -> str | None:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in FORTRAN_SUFFIXES:
        return "fortran"
    return "bash" if suffix in SHELL_SUFFIXES else None


def source_files(archive: Path) -> Iterator[SourceFile]:
    """Fortran and shell files of an sdist; files that are not UTF-8 are decoded as Latin-1."""
    for name, data in _members(archive):
        kind = _kind(name)
        if kind is None:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        if text.strip():
            yield SourceFile(_relative(name), text, kind)


def licence(archive: Path) -> dict[str, object]:
    """The package's declared licence (PKG-INFO; else the title line of its licence file) and the
    licence files the sdist carries."""
    pkg_info = b""
    files: dict[str, bytes] = {}
    for name, data in _members(archive):
        rel = _relative(name)
        if rel == "PKG-INFO":
            pkg_info = data
        elif re.search(r"(?i)(^|/)(licen[cs]e|copying)[^/]*$", rel):
            files[rel] = data
    headers = HeaderParser().parsestr(pkg_info.decode("utf-8", "replace"))
    classifiers = [c.split("::")[-1].strip() for c in headers.get_all("Classifier", []) if "License" in c]
    declared = headers.get("License-Expression") or headers.get("License") or "; ".join(classifiers)
    if not declared.strip() and files:
        top_level = min(files, key=lambda rel: (rel.count("/"), rel))
        declared = next(
            (ln.strip() for ln in files[top_level].decode("utf-8", "replace").splitlines() if ln.strip()), ""
        )
    return {"declared": (declared or "unknown").strip().splitlines()[0], "licence_files": sorted(files)}
