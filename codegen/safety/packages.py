"""Rules for package removal: taking away a package the system cannot run (or be logged into)
without, or forcing a removal past the package manager's dependency checks."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from codegen.safety.words import Arg, parse_options

if TYPE_CHECKING:
    from codegen.safety.rules import Checker

# The C library, the shell and core tools, init, the package manager itself, login and remote access,
# the kernel and boot loader: Debian's Essential/Priority-required set and its RPM, Arch and Alpine peers.
_ESSENTIAL = re.compile(
    r"libc6|libc-bin|glibc(-common)?|musl|libstdc\+\+6?|libgcc(-s1)?|zlib1g|libselinux1|libpam.*|"
    r"coreutils|bash|dash|busybox|util-linux|findutils|grep|sed|tar|gzip|diffutils|debianutils|"
    r"bsdutils|mount|procps(-ng)?|hostname|login|passwd|shadow(-utils)?|base-files|base-passwd|"
    r"ncurses-base|perl-base|init|sysvinit(-utils)?|systemd|systemd-sysv|libsystemd0|udev|libudev1|"
    r"kmod|dpkg|apt|rpm|yum|dnf|pacman|apk-tools|zypper|sudo|openssh(-server)?|ssh|"
    r"linux-image.*|linux-generic|kernel(-core)?|grub.*|initramfs-tools|dracut|e2fsprogs|"
    r"iproute2?|ifupdown|netplan\.io|network-manager|NetworkManager|python3(\.\d+)?(-minimal)?"
)
_FORCED = frozenset({"--force-all", "--force-depends", "--force-remove-essential", "--nodeps", "-dd"})


def _essential(name: str) -> bool:
    # strip an architecture, version or release: libc6:amd64, bash=5.2-15, glibc.x86_64, glibc-2.36
    base = re.split(r"[:=]|\.(?:x86_64|i686|aarch64|noarch)$", name, maxsplit=1)[0]
    return (
        _ESSENTIAL.fullmatch(base) is not None
        or _ESSENTIAL.fullmatch(re.sub(r"-[\d.]+.*$", "", base)) is not None
    )


def _judge(an: Checker, names: list[str], forced: bool, where: str) -> None:
    essential = [n for n in names if _essential(n)]
    if essential:
        an.flag(where, f"removes {essential[0]}, which the system needs to run or to be logged into")
    elif forced and names:
        an.flag(where, "forces a package removal past its dependency checks")


def apt(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    """apt, apt-get, aptitude, yum, dnf, zypper: remove/purge/erase/autoremove PACKAGES."""
    opts = parse_options(args, ("-o", "-c", "-t", "--target-release", "--installroot"))
    words = [a.text for a in opts.operands]
    removing = {"remove", "purge", "erase", "autoremove", "rm", "uninstall"}
    if words and words[0] in removing:
        _judge(an, words[1:], bool(opts.flags & _FORCED), where)


def dpkg(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args)
    if opts.flags & {"-r", "-P", "--remove", "--purge"}:
        forced = any(f.startswith("--force") for f in opts.flags)
        _judge(an, [a.text for a in opts.operands], forced, where)


def rpm(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args)
    if opts.flags & {"-e", "--erase"}:
        _judge(an, [a.text for a in opts.operands], bool(opts.flags & _FORCED), where)


def pacman(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    removes = [a.text for a in args if re.fullmatch(r"-R\w*", a.text) or a.text == "--remove"]
    if removes:
        forced = any(r.count("d") >= 2 for r in removes) or any(a.text == "--nodeps" for a in args)
        _judge(an, [a.text for a in args if not a.text.startswith("-")], forced, where)


def apk(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    words = [a.text for a in args if not a.text.startswith("-")]
    if words[:1] == ["del"]:
        _judge(an, words[1:], any(a.text == "--force-broken-world" for a in args), where)
