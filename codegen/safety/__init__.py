"""Destructive or risky Bash, found from the parsed command (tree-sitter-bash), not from its first word.

Every command in the script is examined: in pipelines, lists, loops, subshells, command and process
substitutions, behind wrappers (sudo, env, nohup, nice, timeout, xargs, ...), inside `sh -c '...'`,
`eval`, `ssh HOST '...'` and `find -exec`. Arguments are read as the shell would see them: quotes removed, `$HOME` and
`~` as the home directory, variables assigned earlier in the script (or by a `for` loop) substituted,
and any other variable taken to be possibly empty, the classic way `rm -rf "$DIR/"*` wipes `/`.

Policy for commands that look alarming but do what was asked to a named thing:
- `rm -rf ./build`, `rm -rf node_modules`, `rm -rf /tmp/x`, `rm file.txt`: harmless. Recursive removal
  is risky only for broad targets: `/`, a home directory, everything in the current directory (`*`,
  `./*`, `.*`), any top-level directory (`/data`, `/usr`), a directory directly under a system tree
  (`/usr/lib`, `/etc/ssh`, `/home/alice`), or a path that becomes one of those when a variable is empty.
  `rm -rf .` is harmless: rm refuses to remove `.` and `..`.
- Non-recursive rm, chmod and writes are risky only on files the system needs to boot or log in
  (/etc/passwd, /etc/shadow, /etc/sudoers, /etc/fstab, binaries and libraries under /bin, /usr/lib, ...).
- `find . -name '*.tmp' -delete` (filtered, in a project directory): harmless; `find` deletions are
  judged like `rm -r` of what they can reach: without a filter, everything under the start point; with
  one, files directly under it, so `find / -name '*.log' -delete` and `find /etc ... -delete` are risky.
- `dd if=a of=b.img`: harmless; dd, cp, tee or a redirection writing to a disk device is risky.
- `git push --force-with-lease` is harmless (it refuses to overwrite others' work); `--force` is risky.
- Four categories are judged by what a command does to the machine, not by a list of commands
  (benchmarks/data/safety_commands_v2.jsonl, written before these rules, measures them):
  - cutting remote access: stopping, disabling, masking or killing a unit a remote session depends
    on (SSH servers, network managers, VPN daemons; codegen/safety/access.py), taking an interface,
    its addresses or the default route down, flushing or closing the firewall. Restarts are harmless.
  - system files and logs: writing, truncating, deleting, moving or re-owning anything under /etc,
    /var/log, /var/lib, /boot, /usr (not /usr/local) and the library and binary directories. A new
    file in a `*.d` directory (apt sources, cron jobs) is the sanctioned way to add configuration and
    harmless, except security configuration (sudoers.d, pam.d, ssh); rotated logs (`*.gz`, `*.1`) and
    find clean-ups filtered by age are routine.
  - removing essential packages (the C library, shell and core tools, init, the package manager,
    login and SSH, kernel and boot loader; codegen/safety/packages.py), or forcing any removal past
    the dependency checks.
  - writes outside the working tree: unpacking an archive (tar, unzip, cpio) or copying into `/` or
    a system tree, including after `cd /etc` earlier in the script.
- Targets only known at run time (`xargs rm`, `$(...)`) are not guessed at, and code in other
  languages (`perl -e`, `python -c`) is not read: those are known blind spots.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.result import Diagnostic
from codegen.safety.walk import Analyzer


@dataclass(frozen=True, slots=True)
class Verdict:
    reasons: tuple[str, ...] = ()

    @property
    def risky(self) -> bool:
        return bool(self.reasons)

    def warnings(self) -> list[Diagnostic]:
        """The reasons as Result warnings (tool "safety")."""
        return [Diagnostic("safety", "warning", None, reason) for reason in self.reasons]


def assess(script: str) -> Verdict:
    """Judge a Bash command or script; never raises on any text."""
    reasons: list[str] = []
    Analyzer(reasons).script(script, depth=0)
    return Verdict(tuple(dict.fromkeys(reasons)))
