"""The commands a shell line runs, read from its syntax tree (tree-sitter-bash): what command accuracy,
the usage prior and the example memory count as a line's program."""

from __future__ import annotations

from codegen.validate.treesitter import node_text, parse_bash

# commands that run the command named by their first non-option argument
WRAPPERS = frozenset({"sudo", "xargs", "env", "nohup", "time", "nice", "exec", "watch", "timeout", "command"})


def command_names(cmd: str) -> list[str]:
    """The commands a shell line runs, in order (`sudo find … | xargs rm` → sudo, find, xargs, rm)."""
    names = []
    stack = [parse_bash(cmd).root_node]
    while stack:
        node = stack.pop()
        if node.type == "command":
            words = [node_text(c) for c in node.children if c.type in ("command_name", "word")]
            while words:
                names.append(words[0])
                if words[0] not in WRAPPERS:
                    break
                words = [w for w in words[1:] if not w.startswith("-") and not w.isdigit()]
        stack.extend(reversed(node.children))
    return names


def main_command(cmd: str) -> str:
    """The first command a line runs that is not a wrapper (`sudo find … | xargs rm` → find); "" when
    none can be read or it is a placeholder (`{{program}}`)."""
    for name in command_names(cmd):
        if name not in WRAPPERS:
            return "" if "{{" in name or "$" in name else name
    return ""
