"""Paths: how much of the system a target covers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from codegen.safety.words import Arg


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str  # "root", "home", "cwd", "system", "top"
    what: str


SYSTEM_ROOTS = frozenset(
    [
        "bin",
        "boot",
        "dev",
        "etc",
        "home",
        "lib",
        "lib32",
        "lib64",
        "libx32",
        "proc",
        "root",
        "run",
        "sbin",
        "sys",
        "usr",
        "var",
    ]
)
_CRITICAL_FILES = frozenset(
    [
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/gshadow",
        "/etc/sudoers",
        "/etc/fstab",
        "/etc/crypttab",
    ]
)
_SYSTEM_BINARY_DIRS = tuple(
    [
        "/bin/",
        "/sbin/",
        "/lib/",
        "/lib32/",
        "/lib64/",
        "/libx32/",
        "/boot/",
        "/usr/bin/",
        "/usr/sbin/",
        "/usr/lib/",
        "/usr/lib64/",
        "/usr/libexec/",
    ]
)
# Block devices and raw memory: writing to them bypasses the filesystem. (Linux, BSD and macOS names.)
_DISK_DEVICE = re.compile(
    r"/dev/(sd|hd|vd|xvd|nvme|mmcblk|md|dm-|loop|nbd|zd|sr|ram|fd\d|rfd|ada|da\d|rdisk|disk\d)[\w.-]*"
    r"|/dev/(mapper|disk|cciss|zvol)/.+|/dev/(mem|kmem|port)"
)


def normalize(path: str) -> tuple[str, bool]:
    """(path without trailing globs, slashes and `.` steps; whether a trailing glob was removed)."""
    path = re.sub(r"/+", "/", path)
    path = re.sub(r"(/\.)+(?=/|$)", "", path) if path not in (".", "/.") else path
    globbed = False
    while True:
        stripped = re.sub(r"/(\*|\.\*|\.\[\^?!?\.\]\*)$", "", path)
        if stripped == path:
            break
        path, globbed = stripped or "/", True
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path, globbed


def broad_scope(path: str) -> Scope | None:
    """How much `rm -r PATH` would destroy, if that is more than one named thing."""
    if path in ("*", ".*", "./*", "./.*") or re.fullmatch(r"(\.\./)+\.?\*", path):
        return Scope("cwd", "everything in the current directory")
    if not path:
        return None
    norm, globbed = normalize(path)
    if norm == "/":
        return Scope("root", "the root filesystem")
    if norm == "~" or re.fullmatch(r"~[\w.-]*", norm):
        return Scope("home", "everything in a home directory" if globbed else "a home directory")
    if norm in (".", "..") and globbed:
        return Scope("cwd", "everything in the current directory")
    if not norm.startswith("/"):
        return None
    parts = norm.strip("/").split("/")
    what = f"everything in {norm}" if globbed else norm
    if any(ch in parts[0] for ch in "*?["):
        return Scope("root", f"every top-level directory matching {norm}")
    if len(parts) == 1:
        kind = "system" if parts[0] in SYSTEM_ROOTS else "top"
        return Scope(kind, f"the top-level directory {what}" if not globbed else what)
    if len(parts) == 2 and parts[0] in SYSTEM_ROOTS and not any(ch in parts[1] for ch in "*?["):
        return Scope("system", f"the system directory {what}" if not globbed else what)
    return None


def system_file(path: str) -> bool:
    norm, _ = normalize(path)
    return norm in _CRITICAL_FILES or norm.startswith(_SYSTEM_BINARY_DIRS)


def disk_device(path: str) -> bool:
    return _DISK_DEVICE.fullmatch(normalize(path)[0]) is not None


def system_tree(path: str) -> bool:
    """`/`, a top-level system directory (/usr, /etc, /var, ...) or a directory of binaries/libraries."""
    norm, _ = normalize(path)
    return (
        norm == "/"
        or (norm.count("/") == 1 and norm[1:] in SYSTEM_ROOTS)
        or norm + "/" in _SYSTEM_BINARY_DIRS
    )


def is_home(path: str) -> bool:
    scope = broad_scope(path)
    return scope is not None and scope.kind == "home"


def recursive_target(arg: Arg, *, allow_top: bool = True) -> Scope | None:
    """The broadest scope any variant of `arg` reaches; an empty variable counts only when it exposes
    the root, a home or a system directory (`$DIR/build` as `/build` is not that)."""
    for variant in arg.variants:
        scope = broad_scope(variant.text)
        if scope is None:
            continue
        if variant.empty_var and scope.kind in ("top", "cwd"):
            continue
        if not allow_top and scope.kind == "top":
            continue
        return scope
    return None


def empty_var_note(arg: Arg) -> str:
    return " if a variable in it is empty or unset" if all(v.empty_var for v in arg.variants) else ""


# Where the system keeps what it runs on: configuration, logs, package state, the boot files and the
# installed software. /usr/local, /opt, /srv and /var/www are the administrator's own trees and left out.
_SYSTEM_LOCATIONS = (
    ("/etc/", "system configuration"),
    ("/var/log/", "a system log"),
    ("/var/lib/", "system state"),
    ("/boot/", "the boot files"),
    ("/usr/", "the installed system"),
    ("/bin/", "the installed system"),
    ("/sbin/", "the installed system"),
    ("/lib/", "the installed system"),
    ("/lib32/", "the installed system"),
    ("/lib64/", "the installed system"),
    ("/libx32/", "the installed system"),
)
_OWN_TREES = ("/usr/local/", "/usr/src/")
# Security-relevant configuration: even a new drop-in file there changes who may log in or do what.
_SECURITY_CONFIG = re.compile(
    r"/etc/(sudoers|pam\.d|security|ssh|polkit|doas|login\.defs|passwd|shadow|group)"
)
# Rotated logs (syslog.1, auth.log.2.gz, kern.log.old): removing them is routine housekeeping.
_ROTATED = re.compile(r".*(\.\d+|\.gz|\.xz|\.bz2|\.zst|\.old|-\d{8})$")


def system_location(path: str) -> str | None:
    """What a path inside the system's own trees holds ("system configuration", "a system log", ...),
    or None. `/` itself counts, as a destination: everything written there lands in system trees."""
    norm, _ = normalize(path)
    if norm == "/":
        return "the root directory"
    probe = norm + "/"
    if probe.startswith(_OWN_TREES):
        return None
    for prefix, what in _SYSTEM_LOCATIONS:
        if probe.startswith(prefix):
            return what
    return None


def drop_in(path: str) -> bool:
    """A file in a `*.d` configuration directory (apt sources, cron jobs, sysctl snippets): adding one
    is the sanctioned way to extend the system's configuration, unless it is security configuration."""
    norm, _ = normalize(path)
    return bool(re.match(r"/etc/(.+/)?[\w.-]+\.d/[^/]+$", norm)) and not _SECURITY_CONFIG.match(norm)


def rotated_log(path: str) -> bool:
    norm, _ = normalize(path)
    return norm.startswith("/var/log/") and bool(_ROTATED.fullmatch(norm))
