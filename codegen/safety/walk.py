"""The walk over every command, redirection, pipeline and function of a parsed script."""

from __future__ import annotations

from collections.abc import Sequence

from tree_sitter import Node

from codegen.safety.access import init_script
from codegen.safety.paths import disk_device, drop_in, rotated_log, system_file, system_location
from codegen.safety.rules import rule_for
from codegen.safety.words import Arg, Bindings, arg_of, bindings_of, command_name, descendants, program_name
from codegen.safety.wrappers import WRAPPERS
from codegen.validate.treesitter import node_text, parse_bash

_MAX_NESTING = 4  # sh -c 'sh -c "..."' levels followed


_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c"})
_INTERPRETERS = frozenset(
    [
        "sh",
        "bash",
        "dash",
        "zsh",
        "ksh",
        "mksh",
        "fish",
        "python",
        "python2",
        "python3",
        "perl",
        "ruby",
        "node",
        "php",
        "source",
        ".",
    ]
)


class Analyzer:
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        self._cwd: str | None = None  # set by `cd /abs/path` earlier in the script

    @property
    def cwd(self) -> str | None:
        return self._cwd

    def chdir(self, path: str) -> None:
        self._cwd = path

    def flag(self, where: str, why: str) -> None:
        snippet = " ".join(where.split())
        snippet = snippet if len(snippet) <= 80 else snippet[:77] + "..."
        self.reasons.append(f"{why} (`{snippet}`)")

    def script(self, text: str, depth: int) -> None:
        if depth > _MAX_NESTING or not text.strip():
            return
        root = parse_bash(text).root_node
        bindings = bindings_of(root)
        for node in descendants(root):
            kind = node.type
            if kind == "command":
                self.command(node, bindings, depth)
            elif kind == "file_redirect":
                self.redirect(node, bindings)
            elif kind == "pipeline":
                self.pipeline(node)
            elif kind == "function_definition":
                self.function(node)

    # -- node kinds --------------------------------------------------------------------------------

    def command(self, node: Node, bindings: Bindings, depth: int) -> None:
        name = node.child_by_field_name("name")
        if name is None:
            return
        argv = [arg_of(name, bindings)] + [
            arg_of(a, bindings) for a in node.children_by_field_name("argument")
        ]
        where = node_text(node)
        self.argv(argv, where, depth)
        # bash <(curl ...), sh -c "$(wget -O- ...)", sudo eval "$(curl ...)"
        programs = {program_name(a.text) for a in argv}
        if programs & (_INTERPRETERS | {"eval"}) and any(
            _downloads(a) for a in node.children_by_field_name("argument")
        ):
            self.flag(where, "runs code downloaded from the network without review")

    def redirect(self, node: Node, bindings: Bindings) -> None:
        operator = next(
            (node_text(c) for c in node.children if c.type in (">", ">>", ">|", "&>", "&>>")), None
        )
        destination = node.child_by_field_name("destination")
        if operator is None or destination is None:
            return
        where = node_text(node.parent or node)
        for variant in arg_of(destination, bindings).variants:
            self.written(variant.text, where, truncates=operator in (">", ">|", "&>"))

    def pipeline(self, node: Node) -> None:
        downloaded = False
        for stage in (c for c in node.children if c.is_named):
            argv = _unwrapped_words(_stage_argv(stage))
            if not argv:
                continue
            program = program_name(argv[0])
            if downloaded and program in _INTERPRETERS and _reads_stdin(argv):
                self.flag(node_text(node), "pipes a download straight into an interpreter")
                return
            downloaded = downloaded or program in _DOWNLOADERS

    def function(self, node: Node) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        name = node_text(name_node)
        for inner in descendants(body):
            if inner.type == "pipeline" or (inner.type == "command" and _backgrounded(inner)):
                calls = [c for c in descendants(inner) if c.type == "command" and command_name(c) == name]
                if calls:
                    self.flag(
                        node_text(node), "defines a fork bomb (a function that spawns copies of itself)"
                    )
                    return

    # -- argv --------------------------------------------------------------------------------------

    def argv(self, argv: list[Arg], where: str, depth: int) -> None:
        while argv:
            if argv[0].text.startswith(("/etc/init.d/", "/etc/rc.d/init.d/")):
                init_script(self, argv[0].text, argv[1:], where)
                return
            program = program_name(argv[0].text)
            unwrap = WRAPPERS.get(program)
            if unwrap is None:
                break
            inner = unwrap(argv[1:])
            if isinstance(inner, str):  # a shell command given as one string: sh -c '...'
                self.script(inner, depth + 1)
                return
            argv = inner
        if not argv:
            return
        program = program_name(argv[0].text)
        rule = rule_for(program)
        if rule is not None:
            rule(self, argv[1:], where, depth)

    def written(self, path: str, where: str, *, truncates: bool) -> None:
        if disk_device(path):
            self.flag(where, f"writes directly to the device {path}")
        elif path == "/proc/sysrq-trigger":
            self.flag(where, "triggers a kernel SysRq action (crash, reboot)")
        elif system_file(path):
            self.flag(where, f"{'overwrites' if truncates else 'modifies'} the system file {path}")
        elif (what := system_location(path)) and path != "/" and not drop_in(path) and not rotated_log(path):
            self.flag(where, f"{'overwrites' if truncates else 'modifies'} {what} ({path})")


def _backgrounded(node: Node) -> bool:
    sibling = node.next_sibling
    return sibling is not None and sibling.type == "&"


def _downloads(node: Node) -> bool:
    """Whether a $(...) or <(...) inside `node` runs a downloader."""
    return any(
        sub.type in ("command_substitution", "process_substitution")
        and any(
            n.type == "command" and program_name(command_name(n)) in _DOWNLOADERS for n in descendants(sub)
        )
        for sub in descendants(node)
    )


def _stage_argv(stage: Node) -> list[str]:
    command = (
        stage
        if stage.type == "command"
        else next((c for c in descendants(stage) if c.type == "command"), None)
    )
    if command is None:
        return []
    name = command.child_by_field_name("name")
    if name is None:
        return []
    args = command.children_by_field_name("argument")
    return [arg_of(name, {}).text] + [arg_of(a, {}).text for a in args]


def _reads_stdin(argv: Sequence[str]) -> bool:
    """An interpreter with no script operand (or `-`, `-s`) runs whatever arrives on stdin as code;
    with inline code or a module (`-c`, `-e`, `-m`, `-r`) stdin is only data (`python -m json.tool`)."""
    if "-s" in argv or "-" in argv:
        return True
    options = [a for a in argv[1:] if a.startswith("-") and not a.startswith("--")]
    if any(a[1:2] in ("c", "e", "E", "m", "r") for a in options):
        return False
    return not [a for a in argv[1:] if not a.startswith("-")]


def _unwrapped_words(argv: list[str]) -> list[str]:
    args = [Arg.literal(a) for a in argv]
    while args and (unwrap := WRAPPERS.get(program_name(args[0].text))) is not None:
        inner = unwrap(args[1:])
        if isinstance(inner, str):
            return []
        if not inner:  # `sh` reading its script from stdin, `sudo -i`: the wrapper itself runs
            break
        args = inner
    return [a.text for a in args]
