"""Wrappers (sudo, env, nohup, xargs, sh -c, ssh, ...): what they run, as words or a shell string."""

from __future__ import annotations

from collections.abc import Callable

from codegen.safety.words import Arg, after_options

SHELLS = frozenset(["sh", "bash", "dash", "zsh", "ksh", "mksh"])


def _shell_string(args: list[Arg]) -> str | list[Arg]:
    """sh/bash/su: the string after -c is the command; otherwise no command on the line."""
    for i, arg in enumerate(args):
        text = arg.text
        if text in ("-c", "--command") or (
            text.startswith("-") and not text.startswith("--") and "c" in text
        ):
            return args[i + 1].text if i + 1 < len(args) else []
        if text.startswith("--command="):
            return text.split("=", 1)[1]
    return []


def _env(args: list[Arg]) -> str | list[Arg]:
    for i, arg in enumerate(args):
        if arg.text in ("-S", "--split-string") and i + 1 < len(args):
            return args[i + 1].text
        if arg.text.startswith("--split-string="):
            return arg.text.split("=", 1)[1]
    return after_options(args, ("-u", "--unset", "-C", "--chdir"), skip_assignments=True)


def _timeout(args: list[Arg]) -> list[Arg]:
    rest = after_options(args, ("-s", "--signal", "-k", "--kill-after"))
    return rest[1:]  # the duration


def _command_builtin(args: list[Arg]) -> list[Arg]:
    if any(a.text in ("-v", "-V") for a in args[:2]):
        return []  # `command -v x` only looks x up
    return after_options(args)


def _flock(args: list[Arg]) -> str | list[Arg]:
    for i, arg in enumerate(args):
        if arg.text in ("-c", "--command") and i + 1 < len(args):
            return args[i + 1].text
    rest = after_options(args, ("-w", "--timeout", "-E", "--conflict-exit-code"))
    return rest[1:]  # the lock file


def _xargs(args: list[Arg]) -> list[Arg]:
    with_value = ("-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--eof")
    return after_options(args, (*with_value, "--replace", "--max-lines", "--max-args", "--max-procs"))


def _ssh(args: list[Arg]) -> str:
    """ssh [options] HOST COMMAND...: the remote command, which the remote shell runs."""
    with_value = (
        "-b",
        "-c",
        "-D",
        "-E",
        "-e",
        "-F",
        "-I",
        "-i",
        "-J",
        "-L",
        "-l",
        "-m",
        "-O",
        "-o",
        "-p",
        "-Q",
        "-R",
        "-S",
        "-W",
        "-w",
        "-B",
    )
    rest = after_options(args, with_value)
    return " ".join(a.text for a in rest[1:])


WRAPPERS: dict[str, Callable[[list[Arg]], str | list[Arg]]] = {
    "sudo": lambda a: after_options(
        a,
        ("-u", "-g", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "-R", "--user", "--group"),
        skip_assignments=True,
    ),
    "doas": lambda a: after_options(a, ("-u", "-C")),
    "env": _env,
    "nohup": after_options,
    "time": after_options,
    "builtin": after_options,
    "setsid": after_options,
    "unbuffer": after_options,
    "exec": lambda a: after_options(a, ("-a",)),
    "command": _command_builtin,
    "nice": lambda a: after_options(a, ("-n", "--adjustment")),
    "ionice": lambda a: [] if any(x.text == "-p" for x in a) else after_options(a, ("-c", "-n", "--class")),
    "stdbuf": lambda a: after_options(a, ("-i", "-o", "-e")),
    "timeout": _timeout,
    "flock": _flock,
    "xargs": _xargs,
    "watch": lambda a: " ".join(x.text for x in after_options(a, ("-n", "--interval", "-d"))),
    "eval": lambda a: " ".join(x.text for x in a),
    "su": _shell_string,
    "ssh": _ssh,
    **{shell: _shell_string for shell in SHELLS},
}
