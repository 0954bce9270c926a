"""tree-sitter parsers shared by the validators and the Bash safety check."""

from __future__ import annotations

import re
from functools import cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser, Tree


@cache
def _bash_parser() -> Parser:
    return Parser(Language(tree_sitter_bash.language()))


# tree-sitter-bash 0.25.1 can crash the process (SIGSEGV) on `{` followed by a character outside
# the Basic Multilingual Plane (tree-sitter/tree-sitter-bash#337). Such characters, and lone
# surrogates from undecodable input, are replaced by U+FFFD before parsing: in Bash they are only
# ever part of a word, so the structure of the script is unchanged; line numbers stay the same.
_UNSAFE_CHARS = re.compile("[\U00010000-\U0010ffff\ud800-\udfff]")


def parse_bash(code: str) -> Tree:
    return _bash_parser().parse(_UNSAFE_CHARS.sub("\ufffd", code).encode("utf-8"))


def node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")


def syntax_errors(tree: Tree) -> list[tuple[int, str]]:
    """(1-based line, message) for each ERROR and MISSING node.

    An ERROR node can span everything from the start of the script to the real problem, so a nested
    ERROR or MISSING node, when there is one, locates the problem better than its outer ERROR.
    """
    found: list[tuple[int, str]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_missing:
            found.append((node.start_point.row + 1, f"missing `{node.type}`"))
            continue
        inner = [child for child in node.children if child.has_error]
        if node.type == "ERROR" and not inner:
            snippet = node_text(node).strip().splitlines()
            near = snippet[0][:40] if snippet else ""
            found.append((node.start_point.row + 1, f"syntax error near `{near}`"))
        stack.extend(reversed(inner))
    return sorted(found)
