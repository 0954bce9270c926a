"""The process that builds a sandbox from inside its namespaces and runs one command there.

Started by codegen/safety/sandbox.py as `unshare --mount --net --uts --ipc -- python3 -I -S
sandbox_init.py` (configuration as JSON on stdin) by root: a private mount namespace and no network. It builds the view as
root (overlayfs refuses a lower layer with mounts locked by a user namespace, as `/` always has), and
the command itself runs as root of a fresh user namespace that owns none of the other namespaces. It is
a plain script with no imports from `codegen`, because `-I -S` keeps the interpreter's start-up short.

Layout (all of it in the mount namespace of this process only, nothing on the host changes):
- a size-limited tmpfs on the empty scratch directory holds one overlay upper layer per host mount;
- every disk-like host mount gets an overlay (lower: the host mount, upper: tmpfs) at the same path
  under <scratch>/root, so the command sees the whole filesystem and any write lands in an upper layer;
- /dev is a tmpfs with null, zero, full, random, urandom and tty bound in; /proc is a new procfs of a
  new PID namespace with /proc/sys and friends read-only; /sys a read-only sysfs of the new net namespace.

The command runs under a second process (the "guard") that is PID 1 of a new PID namespace, has its
own mount namespace and has pivoted into <scratch>/root: the command cannot see this process (whose
root is the host's root) or reach the host filesystem through /proc/PID/root. This process keeps the
wall-time and output limits, kills the guard (and with it every process of the command) when one is
hit, then lists the upper layers and, when asked, the resulting tree of the working directory.

Output: one JSON object on stdout, either {"error": why} (nothing was run) or the run's report.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import platform
import selectors
import signal
import stat
import sys
import tarfile
import time
import zipfile

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x20000, 0x10000000, 0x20000000
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}

# File systems with no files of their own to protect: they are recreated (proc, sys, dev) or skipped.
PSEUDO = frozenset(
    [
        *("proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "mqueue", "debugfs", "tracefs"),
        *("securityfs", "pstore", "bpf", "fusectl", "configfs", "hugetlbfs", "autofs", "binfmt_misc"),
        *("nsfs", "efivarfs", "rpc_pipefs", "selinuxfs"),
    ]
)
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
READ_ONLY_PROC = ("sys", "sysrq-trigger", "irq", "bus", "fs")
ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip")
MAX_UPPER_ENTRIES = 50_000
MAX_TREE_ENTRIES = 5_000

libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(code)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = [None if s is None else s.encode() for s in (source, target, fstype, data)]
    _check(libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]), f"mount {target}")


def _option_path(path: str) -> str:
    # overlay options are split on ',' and lowerdir lists on ':'
    return path.replace("\\", "\\\\").replace(",", "\\,").replace(":", "\\:")


def host_mounts(scratch: str) -> list[tuple[str, str]]:
    """(mount point, fs type) of the host mounts to overlay, parents before children."""
    mounts = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            fstype = fields[fields.index("-") + 1]
            if fstype in PSEUDO or point.startswith(("/proc", "/sys", "/dev")):
                continue
            if point == scratch or point.startswith(scratch + "/"):
                continue
            mounts.append((point, fstype))
    # a later mount on the same point hides the earlier one: keep the last, order by depth
    unique = dict(mounts)
    return sorted(unique.items(), key=lambda m: (m[0] != "/", m[0].count("/"), m[0]))


def build_layers(scratch: str, disk_mb: int) -> tuple[str, list[dict[str, str]]]:
    mounts = host_mounts(scratch)
    mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"size={disk_mb}m,mode=700")
    root = os.path.join(scratch, "root")
    os.mkdir(root)
    layers = []
    for i, (point, _fstype) in enumerate(mounts):
        target = root + (point if point != "/" else "")
        if not os.path.isdir(point):
            if os.path.exists(target):  # a single bind-mounted file (resolv.conf in containers)
                mount(point, target, None, MS_BIND)
                _try_remount_ro(target, 0)
            continue
        upper, work = os.path.join(scratch, f"u{i}"), os.path.join(scratch, f"w{i}")
        os.mkdir(upper)
        os.mkdir(work)
        opts = f"lowerdir={_option_path(point)},upperdir={upper},workdir={work}"
        try:
            mount("overlay", target, "overlay", 0, opts)
        except SetupError as exc:
            if point == "/":
                raise SetupError(f"cannot make a copy-on-write view of /: {exc}") from None
            # not overlayable (some network or fuse mounts): the command sees it read-only instead
            try:
                mount(point, target, None, MS_BIND | MS_REC)
                _try_remount_ro(target, 0)
            except SetupError:
                continue
            continue
        layers.append({"mount": point, "upper": upper})
    dev = os.path.join(root, "dev")
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=1m,mode=755")
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            open(os.path.join(dev, name), "w").close()
            mount(f"/dev/{name}", os.path.join(dev, name), None, MS_BIND)
    os.mkdir(os.path.join(dev, "shm"), 0o1777)
    os.mkdir(os.path.join(dev, "pts"))
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, os.path.join(dev, name))
    return root, layers


def _try_remount_ro(target: str, keep: int) -> None:
    # refused when flags are locked by the parent namespace; the mount then stays as it was
    with contextlib.suppress(SetupError):
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep)


def guard(root: str, cwd: str, command: str, env: dict[str, str], out_fd: int, err_fd: int) -> None:
    """PID 1 of the command's PID namespace: finish the view, pivot into it, drop to a user namespace,
    run bash, reap every process until the last one is gone."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _check(libc.unshare(CLONE_NEWNS), "unshare mount namespace")
    proc = os.path.join(root, "proc")
    mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for name in READ_ONLY_PROC:
        path = os.path.join(proc, name)
        if os.path.exists(path):
            mount(path, path, None, MS_BIND)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    # without sysfs /sys stays an empty directory: few everyday commands need it
    with contextlib.suppress(SetupError):
        mount("sysfs", os.path.join(root, "sys"), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chdir(root)
    _check(libc.syscall(SYS_PIVOT_ROOT[platform.machine()], b".", b"."), "pivot_root")
    _check(libc.umount2(b".", MNT_DETACH), "detach the host root")
    os.chdir("/")
    # Root of a new user namespace that owns none of the other namespaces: file permissions as for
    # root (so `rm -rf ~` behaves as it would), but no power to mount, remount or leave the view.
    _check(libc.unshare(CLONE_NEWUSER), "unshare user namespace")
    for name, text in (("uid_map", "0 0 1"), ("setgroups", "deny"), ("gid_map", "0 0 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)
    try:
        os.chdir(cwd)
    except OSError as exc:
        raise SetupError(f"working directory {cwd}: {exc.strerror}") from None
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    pid = os.fork()
    if pid == 0:
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.execve("/bin/bash", ["bash", "-c", command], env)
    os.close(out_fd)
    os.close(err_fd)
    status = 0
    while True:
        try:
            child, code = os.wait()
        except ChildProcessError:
            break
        if child == pid:
            status = os.waitstatus_to_exitcode(code)
    os._exit(status if status >= 0 else 128 - status)


def run(config: dict) -> dict:
    scratch, limits = config["scratch"], config["limits"]
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root, layers = build_layers(scratch, limits["disk_mb"])
    _check(libc.unshare(CLONE_NEWPID), "unshare PID namespace")
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    status_r, status_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(out_r)
        os.close(err_r)
        os.close(status_r)
        try:
            guard(root, config["cwd"], config["command"], config["env"], out_w, err_w)
        except (SetupError, OSError) as exc:
            os.write(status_w, str(exc).encode())
        os._exit(125)
    for fd in (out_w, err_w, status_w):
        os.close(fd)
    report = watch(pid, out_r, err_r, limits, started)
    setup_error = os.read(status_r, 4096).decode(errors="replace")
    if setup_error:
        return {"error": setup_error}
    report["layers"] = [{"mount": lay["mount"], "entries": upper_entries(lay["upper"])} for lay in layers]
    if config.get("tree"):
        report["tree"] = tree(root + config["cwd"])
    return report


def watch(pid: int, out_r: int, err_r: int, limits: dict, started: float) -> dict:
    """Collect output until both streams close and the guard exits, or a limit is hit."""
    deadline = started + limits["seconds"]
    cap = limits["output_bytes"]
    sel = selectors.DefaultSelector()
    buffers = {out_r: bytearray(), err_r: bytearray()}
    totals = {out_r: 0, err_r: 0}
    for fd in buffers:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    timed_out = cut = False
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        for key, _ in sel.select(min(left, 0.5)):
            try:
                data = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(key.fd)
                continue
            totals[key.fd] += len(data)
            room = cap - len(buffers[key.fd])
            buffers[key.fd] += data[: max(0, room)]
        if any(total > cap for total in totals.values()):
            cut = True  # stop the command rather than read (say) a gigabyte of output
            break
    status = _wait(pid, deadline) if not (timed_out or cut) else None
    if status is None:
        timed_out = timed_out or not cut
        os.kill(pid, signal.SIGKILL)  # PID 1 of the command's namespace: takes every process with it
        os.waitpid(pid, 0)
    return {
        "exit": status,
        "timed_out": timed_out,
        "output_cut": cut or any(totals[fd] > cap for fd in totals),
        "stdout": buffers[out_r].decode(errors="replace"),
        "stderr": buffers[err_r].decode(errors="replace"),
        "stdout_bytes": totals[out_r],
        "stderr_bytes": totals[err_r],
        "seconds": round(time.monotonic() - started, 4),
    }


def _wait(pid: int, deadline: float) -> int | None:
    while time.monotonic() < deadline:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(code)
        time.sleep(0.005)
    return None


def upper_entries(upper: str) -> list[list[str]]:
    """[relative path, kind] of an overlay upper layer: w whiteout (deleted), o opaque directory
    (replaced), d directory, l symlink, f anything else."""
    entries: list[list[str]] = []
    for dirpath, dirnames, filenames in os.walk(upper):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, upper)
            st = os.lstat(full)
            if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                kind = "w"
            elif stat.S_ISDIR(st.st_mode):
                kind = "o" if _opaque(full) else "d"
            elif stat.S_ISLNK(st.st_mode):
                kind = "l"
            else:
                kind = "f"
            entries.append([rel, kind])
            if len(entries) >= MAX_UPPER_ENTRIES:
                return entries
    return entries


def _opaque(path: str) -> bool:
    for name in ("user.overlay.opaque", "trusted.overlay.opaque"):
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False


def tree(top: str) -> dict[str, list]:
    """The working directory after the run: type, permission bits and a digest of each entry's content
    (an archive's digest covers its members, not its bytes, which carry compression time stamps)."""
    result: dict[str, list] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, top)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                result[rel] = ["l", os.readlink(full)]
            elif stat.S_ISDIR(st.st_mode):
                result[rel] = ["d", stat.S_IMODE(st.st_mode)]
            elif stat.S_ISREG(st.st_mode):
                result[rel] = ["f", stat.S_IMODE(st.st_mode), _digest(full)]
            else:
                result[rel] = ["o", stat.S_IMODE(st.st_mode)]
            if len(result) >= MAX_TREE_ENTRIES:
                return result
    return result


def _digest(path: str) -> str:
    try:
        if path.endswith(ARCHIVES):
            return "archive:" + _archive_digest(path)
        if path.endswith(".gz"):
            import gzip

            with gzip.open(path, "rb") as fh:
                return "gzip:" + hashlib.sha256(fh.read()).hexdigest()
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile):
        pass  # not really an archive: compare its bytes
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _archive_digest(path: str) -> str:
    members = []
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                members.append((info.filename.rstrip("/"), hashlib.sha256(zf.read(info)).hexdigest()))
    else:
        with tarfile.open(path) as tf:
            for info in tf.getmembers():
                fh = tf.extractfile(info) if info.isfile() else None
                content = hashlib.sha256(fh.read()).hexdigest() if fh else info.type.decode()
                members.append((info.name.removeprefix("./").rstrip("/"), content))
    return hashlib.sha256(
        json.dumps(sorted(m for m in members if m[0] not in ("", "."))).encode()
    ).hexdigest()


def main() -> None:
    config = json.loads(sys.stdin.read())  # not argv: the command's `ps` would show it
    try:
        report = run(config)
    except SetupError as exc:
        report = {"error": str(exc)}
    except OSError as exc:
        report = {"error": f"{exc.strerror or exc} ({errno.errorcode.get(exc.errno or 0, '?')})"}
    sys.stdout.write(json.dumps(report))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
