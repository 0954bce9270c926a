"""Bash documentation sources: installed man pages, shell builtins, `--help` of commands that have no
man page, and the packaged tldr pages. Each implements codegen.docs.source.Source.

ManPageSource — one unit per man page file in `ROOT/man{1,6,8}` (translations live in
`ROOT/<lang>/...` and are never listed). Symlinks and `.so` stubs are folded into the page they point
to (their names become aliases of its record; the alias set is part of its fingerprint); a link whose
target lies outside the listed sections becomes a unit of its own. A page name that occurs in more
than one section (tzselect(1), tzselect(8)) keeps its plain name in the first section and is named
`NAME(SECTION)` elsewhere, so record names stay unique.

HelpSource — runs `EXE --help` for executables on PATH without a man page. Safety policy:
  * never under a `sbin` directory (checked on the PATH entry and on the resolved file);
  * never a name on DENYLIST, starting with a DENY_PREFIXES entry or containing a DENY_WORDS entry
    (power/init control, process killers, removers, disk formatting/partitioning, privilege changes,
    package/user management, shells, browsers, interactive full-screen tools, "update"/"delete"/...
    helpers);
  * one run per resolved program (links and copies under other names are skipped);
  * argv is `[path, "--help"]` — no shell; stdin is /dev/null; cwd and HOME are a fresh temporary
    directory; the environment is minimal (PATH, HOME, TMPDIR, LC_ALL=C, TERM=dumb, NO_COLOR);
  * the process runs in its own session and the whole group is killed after `timeout` seconds (2 s)
    or once it has written `output_cap` bytes;
  * at most `limit` executables are run per build.
Output that shows neither a usage line nor an option is dropped.

BuiltinSource — `help -m` pages of every Bash builtin (`compgen -b`), from one `bash` process.

TldrSource — codegen/docs/data/tldr-pages.jsonl.gz (training pages only), one record per page name;
a page present for both `linux` and `common` becomes one record (linux first). Its alias is the
invocation its examples run (`aws s3 sync` for aws-s3-sync) and its options are the flags they pass
(codegen.docs.tldr_usage); the index merges its examples into the man page record of the same name,
whose schema comes first.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from codegen.docs.helptext import parse_builtin_help, parse_help
from codegen.docs.manpage import page_record, page_stem
from codegen.docs.record import DocRecord, Example
from codegen.docs.roff import parse_roff, read_roff, read_text, resolve_so
from codegen.docs.source import SourceError, Unit, file_fingerprint
from codegen.docs.tldr_usage import example_flags, invocation
from codegen.paths import package_data

DEFAULT_MAN_ROOTS = ("/usr/local/share/man", "/usr/local/man", "/usr/share/man")
DPKG_INFO = Path("/var/lib/dpkg/info")
DPKG_STATUS = Path("/var/lib/dpkg/status")
PRIORITY_PRIOR = {"required": 1.0, "important": 1.0, "standard": 0.6}
_SO_STUB_MAX = 512  # bytes; a file this small may be a `.so` redirect (read it to find out)


@functools.lru_cache(maxsize=8)
def _dpkg_tables(
    prefixes: tuple[str, ...], info_dir: Path, status: Path
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(file → package for files under `prefixes`, package → version, package → Priority), read once
    per process."""
    owner: dict[str, str] = {}
    versions: dict[str, str] = {}
    priorities: dict[str, str] = {}
    if info_dir.is_dir():
        for listing in info_dir.glob("*.list"):
            package = listing.stem.split(":")[0]
            try:
                with listing.open(encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        if line.startswith(prefixes):
                            owner[line.rstrip("\n")] = package
            except OSError:
                continue
    if status.is_file():
        package = ""
        for line in status.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Package: "):
                package = line[9:].strip()
            elif line.startswith("Version: ") and package:
                versions[package] = line[9:].strip()
            elif line.startswith("Priority: ") and package:
                priorities[package] = line[10:].strip()
    return owner, versions, priorities


@dataclass(frozen=True)
class DpkgIndex:
    """Which Debian package (and version) installed a file, from dpkg's own file lists, restricted
    to paths under `prefixes` (running `dpkg -S` per file is far too slow). The tables are read once
    per process and are not part of the pickled object, so index workers stay cheap to start."""

    prefixes: tuple[str, ...]
    info_dir: Path = DPKG_INFO
    status: Path = DPKG_STATUS

    @classmethod
    def under(cls, dirs: Iterable[str]) -> DpkgIndex:
        return cls(tuple(sorted({d.rstrip("/") + "/" for d in dirs if d})))

    def _package(self, path: str) -> str | None:
        owner = _dpkg_tables(self.prefixes, self.info_dir, self.status)[0]
        return owner.get(path) or owner.get(os.path.realpath(path))

    def version(self, path: str) -> str:
        package = self._package(path)
        versions = _dpkg_tables(self.prefixes, self.info_dir, self.status)[1]
        return f"{package} {versions.get(package, '')}".strip() if package else ""

    def prior(self, path: str) -> float:
        """Debian's own ranking of how basic a package is: required/important/standard packages
        hold the commands people mean by default (coreutils' `ls`, not a cloud SDK's `ls`)."""
        package = self._package(path)
        priority = _dpkg_tables(self.prefixes, self.info_dir, self.status)[2].get(package or "", "")
        return PRIORITY_PRIOR.get(priority, 0.0)


# ---------------------------------------------------------------- man pages


@dataclass(slots=True)
class _ManPage:
    file: str  # the file that holds the roff source
    root: Path
    stem: str
    section: str
    aliases: list[str] = field(default_factory=list)


def man_roots(manpath: str | Iterable[str] | None = None) -> list[Path]:
    """Man page roots: the argument, else $MANPATH, else the standard directories (existing only)."""
    if manpath is None:
        env = os.environ.get("MANPATH", "")
        manpath = [p for p in env.split(":") if p] or list(DEFAULT_MAN_ROOTS)
    elif isinstance(manpath, str):
        manpath = [p for p in manpath.split(":") if p]
    roots: list[Path] = []
    for p in manpath:
        path = Path(p)
        if path.is_dir() and path.resolve() not in {r.resolve() for r in roots}:
            roots.append(path)
    return roots


def _so_target(path: str, root: Path) -> Path | None:
    """The page a tiny `.so man1/foo.1` stub redirects to, or None for a real page."""
    try:
        text = read_text(Path(path)).strip()
    except (OSError, EOFError, ValueError):
        return None
    if text.startswith(".so") and "\n" not in text:
        return resolve_so(text[3:].strip(), root)
    return None


_SCANS: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[str, _ManPage]] = {}


class ManPageSource:
    name = "man"

    def __init__(self, manpath: str | Iterable[str] | None = None, sections: Iterable[str] = ("1", "6", "8")):
        self.roots = man_roots(manpath)
        self.sections = tuple(sections)
        self._dpkg = DpkgIndex.under(str(r) for r in self.roots)

    def _scan(self) -> dict[str, _ManPage]:
        pages: dict[str, _ManPage] = {}
        by_real: dict[str, str] = {}
        links: list[tuple[str, str, str, Path, Path]] = []  # (path, stem, section, root, target)
        for root in self.roots:
            for section in self.sections:
                directory = root / f"man{section}"
                try:
                    entries = sorted(os.scandir(directory), key=lambda e: e.name)
                except OSError:
                    continue
                for entry in entries:
                    stem, suffix = page_stem(entry.name)
                    if not suffix.startswith(section):
                        continue
                    if entry.is_symlink():
                        links.append((entry.path, stem, suffix, root, Path(os.path.realpath(entry.path))))
                        continue
                    if not entry.is_file():
                        continue
                    target = _so_target(entry.path, root) if entry.stat().st_size <= _SO_STUB_MAX else None
                    if target is not None:
                        links.append((entry.path, stem, suffix, root, Path(os.path.realpath(target))))
                        continue
                    pages[entry.path] = _ManPage(entry.path, root, stem, suffix)
                    by_real[os.path.realpath(entry.path)] = entry.path
        rank = {root: k for k, root in enumerate(self.roots)}
        real_rank: dict[str, int] = {}  # page name → the first root holding a real page of that name
        for page in pages.values():
            real_rank.setdefault(page.stem, rank[page.root])
        link_rank: dict[str, int] = {}  # alias → the root of the link that made it
        for path, stem, suffix, root, target in links:
            owner = by_real.get(str(target))
            if owner is not None:
                page = pages[owner]
                # A link named like a real page (cmp.1ssl → openssl-cmds) would shadow it, unless
                # it is a plain-section link in an earlier root (the system's awk.1 → mawk.1 over
                # a fetched awk.1plan9).
                first = real_rank.get(stem, len(rank)) if suffix in self.sections else -1
                if stem != page.stem and first > rank[root] and stem not in page.aliases:
                    page.aliases.append(stem)
                    link_rank.setdefault(stem, rank[root])
            elif target.is_file():
                pages[path] = _ManPage(str(target), root, stem, suffix)
        seen: set[str] = set()
        for page in pages.values():  # unique record names: NAME(SECTION) for later duplicates
            if page.stem in seen or link_rank.get(page.stem, len(rank)) < rank[page.root]:
                page.stem = f"{page.stem}({page.section})"
            seen.add(page.stem)
        return pages

    def _key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(str(r) for r in self.roots), self.sections

    def pages(self, fresh: bool = False) -> dict[str, _ManPage]:
        """The scan, kept per process (not on the instance): index workers receive a pickled source
        for every chunk of units and must not rescan the man directories each time."""
        key = self._key()
        if fresh or key not in _SCANS:
            _SCANS[key] = self._scan()
        return _SCANS[key]

    def names(self) -> set[str]:
        """Every command name that has a man page here (page names and link names)."""
        return {n for p in self.pages().values() for n in (p.stem, *p.aliases)}

    def units(self) -> Iterator[Unit]:
        for unit_id, page in self.pages(fresh=True).items():
            try:
                fingerprint = file_fingerprint(page.file)
            except OSError:
                continue
            if page.aliases:
                fingerprint += f":{zlib.crc32(chr(0).join(sorted(page.aliases)).encode()):08x}"
            yield Unit(unit_id, fingerprint)

    def load(self, unit: Unit) -> list[DocRecord]:
        page = self.pages().get(unit.id)
        if page is None:
            raise SourceError(f"man page {unit.id} is no longer installed")
        try:
            text, _ = read_roff(Path(page.file), page.root)
        except (OSError, EOFError, ValueError) as exc:  # ValueError: lzma/bz2 on corrupt data
            raise SourceError(f"cannot read man page {page.file}: {exc}") from exc
        record = page_record(
            parse_roff(text),
            page.stem,
            source=unit.id,
            version=self._dpkg.version(page.file),
            aliases=page.aliases,
        )
        record.prior = self._dpkg.prior(page.file)
        if not (record.summary or record.text or record.schema["options"]):
            return []  # an unresolvable `.so` stub or an empty file documents nothing
        return [record]


# ---------------------------------------------------------------- builtins

_BUILTIN_SCRIPT = 'printf "%s\\n" "$BASH_VERSION"; compgen -b; printf "\\f\\n"; help -m "*"'


class BuiltinSource:
    name = "builtin"

    def __init__(self, bash: str | None = None, timeout: float = 20.0):
        self.bash = bash or shutil.which("bash")
        self.timeout = timeout

    def units(self) -> Iterator[Unit]:
        if self.bash:
            yield Unit(self.bash, file_fingerprint(os.path.realpath(self.bash)))

    def load(self, unit: Unit) -> list[DocRecord]:
        try:
            done = subprocess.run(
                [unit.id, "--norc", "--noprofile", "-c", _BUILTIN_SCRIPT],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                env={"PATH": os.defpath, "LC_ALL": "C", "LANG": "C"},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceError(f"cannot run {unit.id} to read the builtin help: {exc}") from exc
        head, _, pages = done.stdout.partition("\f\n")
        version, *builtins = head.split("\n")
        wanted = {b for b in builtins if b}
        records = []
        for chunk in re.split(r"(?m)^(?=NAME$)", pages):
            parsed = parse_builtin_help(chunk)
            if parsed is None or parsed.name not in wanted:
                continue
            wanted.discard(parsed.name)
            records.append(
                DocRecord(
                    dsl="bash",
                    name=parsed.name,
                    summary=parsed.summary,
                    text=parsed.description,
                    schema={"synopsis": parsed.synopsis, "options": parsed.flags},
                    source=f"{unit.id} -c 'help -m {parsed.name}'",
                    version=f"bash {version.strip()}",
                    prior=1.0,  # the shell's own commands
                )
            )
        return records


# ---------------------------------------------------------------- --help of commands without a man page

DENYLIST = frozenset(
    {"shutdown", "reboot", "halt", "poweroff", "init", "telinit", "runlevel", "dd", "shred", "wipefs",
     "fdisk", "sfdisk", "cfdisk", "parted", "mount", "umount", "swapon", "swapoff", "su", "sudo", "doas",
     "pkexec", "passwd", "chpasswd", "login", "logout", "newgrp", "sg", "chroot", "crontab", "at", "batch",
     "yes", "reset", "xdg-open", "sensible-browser", "x-www-browser", "www-browser", "sensible-editor",
     "sensible-pager", "nohup", "setsid", "watch", "top", "htop", "sh", "bash", "dash", "rbash", "zsh",
     "fish", "ksh", "csh", "tcsh", "screen", "tmux", "script", "service", "systemctl", "truncate",
     "fallocate", "unlink", "shutdown-helper",
     # dslgen itself: its --help quotes example requests, so it would match every request like them
     "dslgen"}
)  # fmt: skip
DENY_PREFIXES = ("kill", "pkill", "rm", "mkfs", "mkswap", "systemd", "reboot", "shutdown", "halt", "poweroff",
                 "wipe", "format", "fsck", "update-", "dpkg-", "apt", "useradd", "userdel", "usermod",
                 "groupadd", "groupdel", "deluser", "delgroup", "adduser", "addgroup")  # fmt: skip
# Words that mark a state-changing helper whatever its prefix (pyenv-update, pyenv-virtualenv-delete).
DENY_WORDS = ("update", "upgrade", "install", "delete", "remove", "purge", "rehash", "erase", "destroy",
              "wipe", "format", "kill", "reboot", "shutdown", "poweroff")  # fmt: skip


def _denied(name: str) -> bool:
    lowered = name.lower()
    return name in DENYLIST or name.startswith(DENY_PREFIXES) or any(w in lowered for w in DENY_WORDS)


def _in_sbin(path: str) -> bool:
    return any(part.endswith("sbin") for part in Path(path).parts)


def run_capped(argv: list[str], timeout: float, cap: int, cwd: str, env: dict[str, str]) -> str:
    """Run without a shell, stdin from /dev/null, stdout+stderr captured up to `cap` bytes; the
    process group is killed at the deadline or the cap."""
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    assert proc.stdout is not None
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while size < cap:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:
                break
            chunks.append(data)
            size += len(data)
    with contextlib.suppress(ProcessLookupError):  # the group we created: the tool and its children
        os.killpg(proc.pid, signal.SIGKILL)
    proc.stdout.close()
    proc.wait()
    return b"".join(chunks)[:cap].decode("utf-8", errors="replace")


class HelpSource:
    name = "help"

    def __init__(
        self,
        path: str | None = None,
        documented: Iterable[str] | None = None,
        limit: int = 400,
        timeout: float = 2.0,
        output_cap: int = 256 * 1024,
    ):
        self.path = path if path is not None else os.environ.get("PATH", os.defpath)
        self._documented = set(documented) if documented is not None else None
        self.limit = limit
        self.timeout = timeout
        self.output_cap = output_cap
        self._dpkg = DpkgIndex.under(self.path.split(":"))

    def documented(self) -> set[str]:
        if self._documented is None:
            self._documented = ManPageSource().names()
        return self._documented

    def executables(self) -> list[str]:
        """Runnable candidates in PATH order (first occurrence of a name wins), policy applied."""
        seen: set[str] = set()
        seen_real: set[str] = set()  # one run per program, however many names link to it
        found: list[str] = []
        documented = self.documented()
        for directory in self.path.split(":"):
            if not directory or _in_sbin(directory):
                continue
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                continue
            for name in names:
                if name in seen or name.startswith(".") or name in documented or _denied(name):
                    continue
                full = os.path.join(directory, name)
                real = os.path.realpath(full)
                if (
                    real in seen_real
                    or _in_sbin(real)
                    or not os.path.isfile(real)
                    or not os.access(real, os.X_OK)
                ):
                    continue
                seen.add(name)
                seen_real.add(real)
                found.append(full)
                if len(found) >= self.limit:
                    return found
        return found

    def units(self) -> Iterator[Unit]:
        for path in self.executables():
            try:
                yield Unit(path, file_fingerprint(os.path.realpath(path)))
            except OSError:
                continue

    def load(self, unit: Unit) -> list[DocRecord]:
        name = os.path.basename(unit.id)
        if _denied(name) or _in_sbin(unit.id) or _in_sbin(os.path.realpath(unit.id)):
            return []
        with tempfile.TemporaryDirectory(prefix="dslgen-help-") as tmp:
            env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": tmp, "TMPDIR": tmp, "LC_ALL": "C", "LANG": "C",
                   "TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "100", "PAGER": "cat"}  # fmt: skip
            try:
                text = run_capped([unit.id, "--help"], self.timeout, self.output_cap, tmp, env)
            except OSError:  # not runnable here (a Windows .cmd, a missing interpreter): no help
                return []
        page = parse_help(text)
        if not page.usage and not page.flags:
            return []
        schema: dict = {"synopsis": page.usage, "options": page.flags}
        if page.subcommands:
            schema["subcommands"] = page.subcommands
        return [
            DocRecord(
                dsl="bash",
                name=name,
                summary=page.summary,
                text=text.strip(),
                schema=schema,
                source=f"{unit.id} --help",
                version=self._dpkg.version(unit.id),
            )
        ]


# ---------------------------------------------------------------- tldr

_PLATFORM_ORDER = {"linux": 0, "common": 1}


class TldrSource:
    name = "tldr"

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else package_data("tldr-pages.jsonl.gz")

    def units(self) -> Iterator[Unit]:
        if self.path.is_file():
            yield Unit(str(self.path), file_fingerprint(str(self.path)))

    def load(self, unit: Unit) -> list[DocRecord]:
        try:
            with gzip.open(unit.id, "rt", encoding="utf-8") as fh:
                pages = [json.loads(line) for line in fh if line.strip()]
        except (OSError, EOFError, json.JSONDecodeError) as exc:
            raise SourceError(f"cannot read the tldr pages {unit.id}: {exc}") from exc
        pages.sort(key=lambda p: (p["page"], _PLATFORM_ORDER.get(p.get("platform", ""), 2)))
        records: dict[str, DocRecord] = {}
        for page in pages:
            examples = [Example(nl=e["nl"], code=e["cmd"]) for e in page.get("examples", [])]
            record = records.get(page["page"])
            if record is None:
                records[page["page"]] = DocRecord(
                    dsl="bash",
                    name=page["page"],
                    summary=page.get("description", ""),
                    text="",
                    schema={},
                    examples=examples,
                    source=f"tldr:{page['id']}",
                )
                continue
            known = {e.code for e in record.examples}
            record.examples.extend(e for e in examples if e.code not in known)
            record.source += f",tldr:{page['id']}"
        for record in records.values():
            record.text = "\n".join([record.summary, *(e.nl for e in record.examples)])
            command = invocation(record.name, record.examples)
            if command and command != record.name:
                record.aliases = [command]
            options = example_flags(command or record.name, record.examples)
            if options:
                record.schema = {"options": options}
        return list(records.values())
