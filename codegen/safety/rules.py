"""Rules, one per program: what makes an invocation destructive or risky."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Protocol

from codegen.safety import access, packages
from codegen.safety.paths import (
    broad_scope,
    disk_device,
    drop_in,
    empty_var_note,
    is_home,
    normalize,
    recursive_target,
    rotated_log,
    system_file,
    system_location,
    system_tree,
)
from codegen.safety.words import Arg, Variant, after_options, parse_options, program_name


class Checker(Protocol):
    """What a rule reports to, and how it judges a command nested in another (find -exec)."""

    def flag(self, where: str, why: str) -> None: ...

    def argv(self, argv: list[Arg], where: str, depth: int) -> None: ...

    def written(self, path: str, where: str, *, truncates: bool) -> None: ...

    def chdir(self, path: str) -> None: ...

    @property
    def cwd(self) -> str | None: ...


# (checker, arguments after the program name, source text, nesting depth)
Rule = Callable[[Checker, list[Arg], str, int], None]


def _rm(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args)
    if "--no-preserve-root" in opts.flags:
        an.flag(where, "rm --no-preserve-root disables the protection of /")
    recursive = bool(opts.flags & {"-r", "-R", "--recursive"})
    for target in opts.operands:
        if recursive and (scope := recursive_target(target)) is not None:
            an.flag(where, f"rm -r removes {scope.what}{empty_var_note(target)}")
        elif not recursive and any(system_file(v.text) for v in target.variants):
            an.flag(where, f"rm deletes the system file {target.text}")
        elif (what := _system_target(target)) is not None:
            an.flag(where, f"rm deletes {what} ({target.text})")


def _system_target(target: Arg) -> str | None:
    """What a path in the system's own trees holds, unless it is a rotated log (routine to delete)."""
    for variant in target.variants:
        what = system_location(variant.text)
        if what is not None and not rotated_log(variant.text) and variant.text != "/":
            return what
    return None


_FIND_ACTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
# Tests that narrow what find reaches (-type, -xtype and -fstype do not: "every file" is not narrow).
_FIND_FILTERS = frozenset(
    [
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-iwholename",
        "-regex",
        "-iregex",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-newer",
        "-anewer",
        "-cnewer",
        "-size",
        "-empty",
        "-user",
        "-group",
        "-uid",
        "-gid",
        "-nouser",
        "-nogroup",
        "-perm",
        "-links",
        "-inum",
        "-samefile",
        "-lname",
        "-ilname",
        "-used",
    ]
)


def _find(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    i = 0
    while i < len(args) and re.fullmatch(r"-[HLP]|-O\d*|-D", args[i].text):  # options before start points
        i += 2 if args[i].text == "-D" else 1
    roots: list[Arg] = []
    while i < len(args) and not args[i].text.startswith(("-", "(", "!")):
        roots.append(args[i])
        i += 1
    expression = args[i:]
    # An unquoted empty variable vanishes and find starts from `.`.
    roots = [Arg(tuple(v if v.text else Variant(".") for v in r.variants)) for r in roots] or [
        Arg.literal(".")
    ]
    texts = [a.text for a in expression]
    narrowed = any(t in _FIND_FILTERS or t.startswith("-newer") for t in texts)
    depth_limit = texts[texts.index("-maxdepth") + 1] if "-maxdepth" in texts[:-1] else ""
    everything = not narrowed and depth_limit not in ("0", "1")
    # an age or rotated-name filter makes a log clean-up routine (find /var/log -name '*.gz' -delete)
    housekeeping = any(
        (
            texts[i] in ("-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin")
            and texts[i + 1].startswith("+")
        )
        or (texts[i] in ("-name", "-iname") and rotated_log("/var/log/" + texts[i + 1]))
        for i in range(len(texts) - 1)
    )
    if "-delete" in texts:
        _find_deletes(an, roots, everything, where, housekeeping)
    for start, arg in enumerate(expression):
        if arg.text not in _FIND_ACTIONS:
            continue
        inner = list(itertools.takewhile(lambda w: w.text not in (";", "+"), expression[start + 1 :]))
        if inner and program_name(inner[0].text) in ("rm", "shred", "unlink"):
            # `-exec rm {}.bak` removes derived names, not what find reached
            _find_deletes(an, roots, everything and any(w.text == "{}" for w in inner), where, housekeeping)
        elif inner:
            _find_exec(an, inner, roots, everything, where, depth)


def _find_deletes(an: Checker, roots: list[Arg], everything: bool, where: str, housekeeping: bool) -> None:
    """Deleting what find reaches. Everything below a start point is judged as `rm -r START/*`;
    a filtered or shallow search only when it starts at / or in a system tree, or in the system's
    own trees (logs, configuration) unless the filter picks old or rotated files."""
    for root in roots:
        if everything and (scope := recursive_target(_below(root, "/*"))) is not None:
            an.flag(where, f"find deletes {scope.what}")
        elif any(system_tree(v.text) for v in root.variants):
            an.flag(where, f"find deletes matching files anywhere under {root.text}")
        elif not housekeeping and (what := _system_target(root)) is not None:
            an.flag(where, f"find deletes {what} under {root.text}")


def _find_exec(
    an: Checker, inner: list[Arg], roots: list[Arg], everything: bool, where: str, depth: int
) -> None:
    """Judge `-exec CMD {} ;` as CMD on what find reaches; everything below a start point makes
    `-exec chmod 777 {} +` into `chmod -R 777 START/*`, else `{}` stands for a file directly under it."""
    program = program_name(inner[0].text)
    recurse = everything and program in _RECURSIVE_FLAG
    for root in roots:
        target = _below(root, "/*" if everything else "/x")
        argv = [inner[0]] + ([Arg.literal(_RECURSIVE_FLAG[program])] if recurse else [])
        an.argv(argv + [target if w.text == "{}" else w for w in inner[1:]], where, depth)


_RECURSIVE_FLAG = {"chmod": "-R", "chown": "-R", "chgrp": "-R"}


def _below(root: Arg, suffix: str) -> Arg:
    return Arg(tuple(Variant(v.text.rstrip("/") + suffix, v.empty_var) for v in root.variants))


def _dd(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    for arg in args:
        if arg.text.startswith("of=") and disk_device(arg.text[3:]):
            an.flag(where, f"dd writes raw data to the device {arg.text[3:]}")


def _mkfs(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    an.flag(where, "creates a filesystem, erasing what the device held")


def _always(why: str) -> Rule:
    def rule(an: Checker, args: list[Arg], where: str, depth: int) -> None:
        an.flag(where, why)

    return rule


def _partition_table(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    listing = {"-l", "--list", "-s", "--show-size", "-d", "--dump", "-v", "--version", "-h", "--help", "-V"}
    if not any(a.text in listing for a in args):
        an.flag(where, "edits a disk partition table")


def _parted(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    texts = {a.text for a in args}
    changes = {"mklabel", "mktable", "mkpart", "rm", "resizepart", "rescue", "mkfs"}
    if texts & changes or not texts & {"print", "-l", "--list", "-h", "--help", "-v", "--version"}:
        an.flag(where, "edits a disk partition table")


def _wipefs(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args, ("-o", "--offset", "-t", "--types"))
    if opts.flags & {"-a", "--all", "-o", "--offset"} and not opts.flags & {"-n", "--no-act"}:
        an.flag(where, "erases filesystem signatures from a device")


_CHMOD_FLAGS = frozenset(
    ["-f", "--silent", "--quiet", "-v", "--verbose", "-c", "--changes", "--preserve-root"]
)


def _chmod(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    # Modes such as -x or -w look like options: the first dash-word that is not a flag is the mode.
    mode: str | None = None
    targets: list[Arg] = []
    recursive = False
    for arg in args:
        text = arg.text
        if re.fullmatch(r"-[Rfvc]*R[Rfvc]*|--recursive", text):
            recursive = True
        elif text.startswith("--reference="):
            mode = ""
        elif text in _CHMOD_FLAGS:
            continue
        elif mode is None:
            mode = text
        else:
            targets.append(arg)
    _ownership(an, "chmod", targets, recursive, where)
    _system_metadata(an, "chmod", targets, where)
    if not (mode and _world_writable(mode)):
        return
    for target in targets:
        reachable = [v.text for v in target.variants if not v.empty_var]
        if any(system_tree(t) or system_file(t) or is_home(t) for t in reachable):
            an.flag(where, f"chmod makes {target.text} writable by every user")


def _world_writable(mode: str) -> bool:
    if re.fullmatch(r"[0-7]{3,4}", mode):
        special = int(mode[0]) if len(mode) == 4 else 0
        return int(mode[-1]) & 2 == 2 and not special & 1  # the sticky bit (1777) is the /tmp idiom
    return any(re.fullmatch(r"[ao]*[+=][rwxXst]*w[rwxXst]*", clause) for clause in mode.split(","))


def _chown(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args, ("--from", "--reference"))
    recursive = bool(opts.flags & {"-R", "--recursive"})
    targets = opts.operands[1:] if "--reference" not in opts.values else opts.operands
    _ownership(an, "chown", targets, recursive, where)
    _system_metadata(an, "chown", targets, where)


def _chattr(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    targets = [a for a in args if not a.text.startswith(("-", "+", "="))]
    _system_metadata(an, "chattr", targets, where)


def _system_metadata(an: Checker, program: str, targets: list[Arg], where: str) -> None:
    # the owner and mode of configuration and system files are part of what makes them work
    # (sshd refuses keys, sudo refuses a sudoers file, with the wrong ones)
    for target in targets:
        if (what := _system_target(target)) is not None and not system_tree(target.text):
            an.flag(where, f"{program} changes {what} ({target.text})")
            return


def _ownership(an: Checker, program: str, targets: list[Arg], recursive: bool, where: str) -> None:
    if not recursive:
        return
    # Re-owning a home, a web root or a data directory is routine; re-owning system trees breaks them.
    for target in targets:
        if any(system_tree(v.text) for v in target.variants):
            an.flag(
                where, f"recursive {program} changes the system tree {target.text}{empty_var_note(target)}"
            )


def _mv(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args, ("-t", "--target-directory", "-S", "--suffix"))
    operands = opts.operands
    if not operands:
        return
    into = opts.values.get("-t") or opts.values.get("--target-directory")
    sources, destination = (operands, into) if into else (operands[:-1], operands[-1].text)
    if destination is not None and normalize(destination)[0] == "/dev/null":
        an.flag(where, "mv to /dev/null destroys the source (and replaces /dev/null when run as root)")
    for source in sources:
        scope = recursive_target(source, allow_top=False)
        if scope is not None and scope.kind != "cwd":
            an.flag(where, f"mv moves away {scope.what}")
        elif any(system_file(v.text) for v in source.variants):
            an.flag(where, f"mv moves away the system file {source.text}")
        elif (what := _system_target(source)) is not None:
            an.flag(where, f"mv moves away {what} ({source.text})")
    if destination is not None and not into and not destination.endswith("/"):
        an.written(destination, where, truncates=True)
    elif destination is not None and system_location(destination) and not drop_in(destination + "/x"):
        an.flag(where, f"mv moves files into {system_location(destination)} ({destination})")


def _copy_like(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(
        args, ("-t", "--target-directory", "-S", "--suffix", "-e", "--rsh", "--exclude", "--include")
    )
    if not opts.operands:
        return
    into = opts.values.get("-t") or opts.values.get("--target-directory")
    destination = into or opts.operands[-1].text
    if into or destination.endswith("/") or len(opts.operands) > 2:
        # into a directory: routine, except a device or the system's own trees (/, /etc, /usr/lib)
        if disk_device(destination):
            an.written(destination, where, truncates=True)
        elif (what := system_location(destination)) is not None and not drop_in(
            destination.rstrip("/") + "/x"
        ):
            an.flag(where, f"copies files into {what} ({destination})")
    else:
        an.written(destination, where, truncates=True)
    deleting = any(flag.startswith("--delete") for flag in opts.flags)
    if deleting and (scope := broad_scope(destination)) is not None:
        an.flag(where, f"rsync --delete removes whatever is not in the source from {scope.what}")


def _tee(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args)
    appends = bool(opts.flags & {"-a", "--append"})
    for target in opts.operands:
        an.written(target.text, where, truncates=not appends)


def _truncate(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args, ("-s", "--size", "-r", "--reference", "-o"))
    for target in opts.operands:
        an.written(target.text, where, truncates=True)


def _sed(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args, ("-e", "--expression", "-f", "--file", "-l", "--line-length"))
    if any(f == "-i" or f.startswith("--in-place") for f in opts.flags):
        for target in opts.operands[1:] if not opts.values.keys() & {"-e", "--expression"} else opts.operands:
            an.written(target.text, where, truncates=False)


def _git(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    rest = after_options(args, ("-C", "-c", "--git-dir", "--work-tree", "--namespace"))
    if not rest:
        return
    sub, sub_args = rest[0].text, rest[1:]
    opts = parse_options(sub_args, ("-m", "-o", "--push-option", "--repo"))
    operands = [a.text for a in opts.operands]
    if sub == "reset" and "--hard" in opts.flags:
        an.flag(where, "git reset --hard discards uncommitted changes")
    elif sub == "clean" and opts.flags & {"-f", "--force"} and not opts.flags & {"-n", "--dry-run"}:
        an.flag(where, "git clean -f deletes untracked files")
    elif sub == "push" and (
        opts.flags & {"-f", "--force", "--mirror", "-d", "--delete"}
        or any(o.startswith(("+", ":")) for o in operands)
    ):
        an.flag(where, "git push rewrites or deletes history on the remote")
    elif sub in ("checkout", "restore") and any(o in (".", ":/", "*") for o in operands):
        an.flag(where, f"git {sub} . discards every uncommitted change")
    elif sub == "branch" and opts.flags & {"-D"}:
        an.flag(where, "git branch -D deletes a branch even if it is not merged")
    elif sub == "stash" and operands[:1] == ["clear"]:
        an.flag(where, "git stash clear drops every stash")


def _kill(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    texts = [a.text for a in args]
    pids: list[str] = []
    i = 0
    while i < len(texts):
        text = texts[i]
        if text == "--":
            pids += texts[i + 1 :]
            break
        if i == 0 and text in ("-s", "-n", "--signal"):
            i += 2
        elif i == 0 and text.startswith("-") and len(texts) > 1:
            i += 1  # the signal: -9, -KILL, or -1 (HUP) when process ids follow
        elif text.startswith("-") and not text[1:].isdigit():
            i += 1
        else:
            pids.append(text)
            i += 1
    if {"-1", "1"} & set(pids) and not {"-0", "0"} & set(texts[:2]):  # signal 0 only probes
        an.flag(where, "kill signals every process (or init)")


def _power(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    if not any(a.text in ("-c", "--help", "--version") for a in args):  # -c cancels a shutdown
        an.flag(where, "shuts down or restarts the machine")


def _init(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    if args and args[0].text in ("0", "6"):
        an.flag(where, "changes the runlevel to halt or reboot")


def _systemctl(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    verbs = {"poweroff", "reboot", "halt", "kexec", "rescue", "emergency", "soft-reboot"}
    if any(a.text in verbs for a in args):
        an.flag(where, "shuts down, restarts or isolates the machine")
    else:
        access.systemctl_units(an, args, where)


def _iptables(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args, ("-t", "--table", "-P", "--policy"))
    if opts.flags & {"-F", "--flush", "-X", "--delete-chain"}:
        an.flag(where, "flushes the firewall rules")
    elif opts.flags & {"-P", "--policy"} and any(a.text in ("DROP", "REJECT") for a in args):
        an.flag(where, "sets a firewall policy that drops traffic (can lock you out)")


def _nft(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    words = [a.text for a in args if not a.text.startswith("-")]
    if words[:1] == ["flush"] and words[1:2] in (["ruleset"], ["table"], ["chain"]):
        an.flag(where, "flushes the firewall rules")
    elif words[:1] == ["delete"] and words[1:2] in (["table"], ["chain"]):
        an.flag(where, "deletes firewall rules (a table or chain)")


def _crontab(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    if "-r" in parse_options(args, ("-u",)).flags:
        an.flag(where, "crontab -r removes every scheduled job of the user")


def _docker(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    words = [a.text for a in args if not a.text.startswith("-")]
    if words[:2] in (["system", "prune"], ["volume", "prune"], ["volume", "rm"]):
        an.flag(where, f"docker {' '.join(words[:2])} deletes containers' data")


def _kubectl(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    words = [a.text for a in args]
    if "delete" in words and (
        {"--all", "-A", "--all-namespaces"} & set(words) or {"namespace", "ns", "namespaces"} & set(words)
    ):
        an.flag(where, "kubectl delete removes many resources at once")


def _extracts_into(an: Checker, directory: str | None, where: str, program: str) -> None:
    """An archive unpacked into / or a system tree overwrites whatever files it carries there."""
    target = directory if directory is not None else an.cwd
    if target is not None and (what := system_location(target)) is not None:
        an.flag(where, f"{program} extracts an archive into {what} ({target})")


def _tar(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    texts = [a.text for a in args]
    # old-style bundled first word (tar xzf) or -x/--extract/--get anywhere
    first = texts[0] if texts else ""
    extracting = (not first.startswith("-") and "x" in first) or any(
        t in ("--extract", "--get") or re.fullmatch(r"-[A-Za-z]*x[A-Za-z]*", t) for t in texts
    )
    if not extracting:
        return
    directory = None
    for i, text in enumerate(texts):
        if text in ("-C", "--directory") and i + 1 < len(texts):
            directory = texts[i + 1]
        elif text.startswith("--directory="):
            directory = text.split("=", 1)[1]
        elif re.fullmatch(r"-[A-Za-z]*C", text) and i + 1 < len(texts):
            directory = texts[i + 1]
    _extracts_into(an, directory, where, "tar")


def _unzip(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    texts = [a.text for a in args]
    if {"-l", "-v", "-t", "-Z", "-z"} & set(texts):
        return  # lists or tests only
    directory = texts[texts.index("-d") + 1] if "-d" in texts[:-1] else None
    _extracts_into(an, directory, where, "unzip")


def _cpio(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args, ("-D", "--directory", "-F", "--file", "-H", "--format", "-E", "-R"))
    if opts.flags & {"-i", "--extract"}:
        _extracts_into(an, opts.values.get("-D") or opts.values.get("--directory"), where, "cpio")


def _ln(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    opts = parse_options(args, ("-t", "--target-directory", "-S", "--suffix"))
    if opts.flags & {"-f", "--force"} and len(opts.operands) >= 2:
        an.written(opts.operands[-1].text, where, truncates=True)


def _journalctl(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    if any(a.text.startswith(("--vacuum-size", "--vacuum-time", "--vacuum-files")) for a in args):
        an.flag(where, "journalctl --vacuum deletes system logs")


def _cd(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    operands = [a.text for a in args if not a.text.startswith("-")]
    if operands and operands[0].startswith("/"):
        an.chdir(operands[0])


RULES: dict[str, Rule] = {
    "rm": _rm,
    "find": _find,
    "dd": _dd,
    "mke2fs": _mkfs,
    "mkswap": _mkfs,
    "shred": _always("shred destroys file contents beyond recovery"),
    "blkdiscard": _always("blkdiscard discards every block of a device"),
    "fdisk": _partition_table,
    "sfdisk": _partition_table,
    "gdisk": _partition_table,
    "sgdisk": _partition_table,
    "cfdisk": _partition_table,
    "parted": _parted,
    "wipefs": _wipefs,
    "chmod": _chmod,
    "chown": _chown,
    "chgrp": _chown,
    "chattr": _chattr,
    "mv": _mv,
    "cp": _copy_like,
    "rsync": _copy_like,
    "install": _copy_like,
    "tee": _tee,
    "truncate": _truncate,
    "sed": _sed,
    "git": _git,
    "kill": _kill,
    "killall5": _always("killall5 signals every process"),
    "shutdown": _power,
    "reboot": _power,
    "halt": _power,
    "poweroff": _power,
    "init": _init,
    "telinit": _init,
    "systemctl": _systemctl,
    "iptables": _iptables,
    "ip6tables": _iptables,
    "nft": _nft,
    "ufw": access.ufw,
    "firewall-cmd": access.firewall_cmd,
    "service": access.service,
    "invoke-rc.d": access.service,
    "rc-service": access.service,
    "update-rc.d": access.boot_links,
    "chkconfig": access.boot_links,
    "rc-update": access.boot_links,
    "pkill": access.kill_by_name,
    "killall": access.kill_by_name,
    "ip": access.ip,
    "ifdown": access.ifdown,
    "ifconfig": access.ifconfig,
    "nmcli": access.nmcli,
    "apt": packages.apt,
    "apt-get": packages.apt,
    "aptitude": packages.apt,
    "yum": packages.apt,
    "dnf": packages.apt,
    "microdnf": packages.apt,
    "zypper": packages.apt,
    "dpkg": packages.dpkg,
    "rpm": packages.rpm,
    "pacman": packages.pacman,
    "apk": packages.apk,
    "tar": _tar,
    "unzip": _unzip,
    "cpio": _cpio,
    "ln": _ln,
    "journalctl": _journalctl,
    "cd": _cd,
    "crontab": _crontab,
    "userdel": _always("userdel deletes a user account"),
    "docker": _docker,
    "kubectl": _kubectl,
}


def rule_for(program: str) -> Rule | None:
    return RULES.get(program) or (_mkfs if program.startswith("mkfs") else None)
