"""Lexeme boundaries from tree-sitter syntax trees (Fortran, Bash, YAML).

Leaves of the tree are lexemes: keywords, operators, names, literals. Comments and string literals
are reported as spans (one lexeme each, whatever the grammar nests inside), except directive comments
(`!$omp …`, `#SBATCH …`), which the directive lexer splits. Keywords (anonymous leaves) and comments
are reported as line heads that may share a token with the layout before them. Fixed-form
Fortran is parsed through its free-form rewrite. Text inside ERROR nodes still yields the leaves
tree-sitter recovered; its size is counted so reports can say how much did not parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath

import tree_sitter_bash
import tree_sitter_fortran
import tree_sitter_yaml
from tree_sitter import Language, Parser, Tree

from codegen.training.tokenizer.directives import directive_lexemes
from codegen.training.tokenizer.fixed_form import FIXED_SUFFIXES, looks_fixed_form, to_free_form

# corpus language → tree-sitter grammar; English has none (regex pieces only)
GRAMMARS = {"fortran": tree_sitter_fortran, "bash": tree_sitter_bash, "ansible": tree_sitter_yaml}
# string literals of the three grammars: like comments, one lexeme whose inside may merge across spaces
_STRINGS = frozenset(
    {"string_literal", "string", "raw_string", "ansi_c_string", "double_quote_scalar", "single_quote_scalar"}
)


_KEYWORD = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


@dataclass(frozen=True, slots=True)
class Lexing:
    boundaries: list[int]  # sorted character offsets where a lexeme starts or ends
    literals: list[tuple[int, int]]  # spans of comments (not directives) and string literals, sorted
    heads: list[
        int
    ]  # starts of keywords, YAML keys, comments: they may share a token with the layout before them
    error_chars: int  # characters inside ERROR nodes (0 when everything parsed)
    fixed_form: bool = False
    # ends of anonymous leaves (keywords, operators, punctuation) that the next leaf, anonymous too,
    # follows at once or after one space: fixed syntax on both sides (`end if`, `) then`, `intent(`)
    joins: list[int] = field(default_factory=list)


@cache
def _parser(lang: str) -> Parser:
    return Parser(Language(GRAMMARS[lang].language()))


@cache
def grammar_keywords(lang: str) -> frozenset[str]:
    """The alphabetic anonymous node kinds of a tree-sitter grammar: its keywords."""
    language = Language(GRAMMARS[lang].language())
    kinds = (
        language.node_kind_for_id(i)
        for i in range(language.node_kind_count)
        if not language.node_kind_is_named(i) and language.node_kind_is_visible(i)
    )
    return frozenset(k for k in kinds if k and len(k) > 1 and _KEYWORD.match(k))


def is_fixed_form(text: str, path: str | None = None) -> bool:
    if path is not None:
        suffix = PurePosixPath(path).suffix
        if suffix.lower() in FIXED_SUFFIXES:
            return True
        if suffix.lower() in {".f90", ".f95", ".f03", ".f08"}:
            return False
    return looks_fixed_form(text)


def _byte_to_char(data: bytes) -> list[int] | None:
    """Character offset of every byte offset (None when the text is ASCII: they are equal)."""
    if data.isascii():
        return None
    mapping = []
    chars = 0
    for byte in data:
        if byte & 0xC0 != 0x80:  # not a UTF-8 continuation byte: a new character starts here
            chars += 1
        mapping.append(chars - 1)
    mapping.append(chars)
    return mapping


@dataclass(slots=True)
class _Leaves:
    """Byte offsets of leaf edges (plus directive lexeme edges inside directive comments), the
    start/end byte offsets of comments and string literals (flattened), the starts of keywords and
    keys, and the joins between anonymous leaves (see Lexing)."""

    edges: list[int] = field(default_factory=list)
    literals: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    joins: list[int] = field(default_factory=list)


def _joined(data: bytes, previous_end: int, start: int) -> bool:
    """Whether a leaf at `start` follows the previous anonymous leaf (ending at `previous_end`, -1 if
    the previous leaf was named) at once or after one space."""
    gap = start - previous_end
    return previous_end >= 0 and (gap == 0 or (gap == 1 and data[previous_end] == 0x20))


def _leaf_spans(tree: Tree, data: bytes) -> _Leaves:
    leaves = _Leaves()
    edges, literals, heads = leaves.edges, leaves.literals, leaves.heads
    anonymous_end = -1  # end of the last leaf if it was anonymous
    cursor = tree.walk()
    while True:
        node = cursor.node
        if node.type in _STRINGS:
            literals.append(node.start_byte)
            literals.append(node.end_byte)
        if cursor.goto_first_child():
            continue
        start, end = node.start_byte, node.end_byte
        edges.append(start)
        edges.append(end)
        if not node.is_named and start < end and _joined(data, anonymous_end, start):
            leaves.joins.append(anonymous_end)
        anonymous_end = -1 if node.is_named else end
        if not node.is_named and data[start:end].isalpha():
            heads.append(start)
        elif node.type == "comment":
            spans = directive_lexemes(data[start:end].decode("utf-8", "surrogateescape"))
            if spans:
                # directive lexemes are ASCII in practice; offsets are exact for ASCII text
                edges.extend(start + offset for span in spans for offset in span)
            else:
                literals.append(start)
                literals.append(end)
                heads.append(start)
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return leaves


def _error_bytes(tree: Tree) -> int:
    if not tree.root_node.has_error:
        return 0
    total = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR":
            total += node.end_byte - node.start_byte
        elif node.has_error:
            stack.extend(node.children)
    return total


@dataclass(frozen=True, slots=True)
class Parsed:
    """A syntax tree of `text` and the way back from its byte offsets to character offsets of `text`."""

    tree: Tree
    data: bytes  # what was parsed: the UTF-8 text, or of its free-form rewrite
    fixed_form: bool
    _to_char: list[int] | None
    _origin: list[int] | None

    def char_offset(self, byte: int) -> int:
        """Offset in the original text; -1 for characters the fixed-form rewrite inserted."""
        return self.char_offsets([byte])[0]

    def char_offsets(self, offsets: list[int]) -> list[int]:
        """`char_offset` of many byte offsets at once."""
        if self._to_char is not None:
            to_char = self._to_char
            offsets = [to_char[o] for o in offsets]
        if self._origin is not None:
            origin, count = self._origin, len(self._origin)
            end = origin[-1] + 1 if origin else 0
            offsets = [origin[o] if o < count else end for o in offsets]
        return offsets


def parse(text: str, lang: str, path: str | None = None) -> Parsed:
    fixed = lang == "fortran" and is_fixed_form(text, path)
    source = to_free_form(text) if fixed else None
    data = (source.text if source else text).encode("utf-8", "surrogatepass")
    tree = _parser(lang).parse(data)
    return Parsed(tree, data, fixed, _byte_to_char(data), source.origin if source else None)


def lex(text: str, lang: str, path: str | None = None) -> Lexing:
    """Lexeme boundaries of `text` (character offsets); no boundaries for languages without a grammar."""
    if lang not in GRAMMARS:
        return Lexing([], [], [], 0)
    parsed = parse(text, lang, path)
    leaves = _leaf_spans(parsed.tree, parsed.data)
    edges, literal_edges, heads, joins = (
        parsed.char_offsets(o) for o in (leaves.edges, leaves.literals, leaves.heads, leaves.joins)
    )
    # string literals may nest (a comment-looking string, strings in $( ) inside strings): keep the outermost
    literals: list[tuple[int, int]] = []
    for a, b in sorted(zip(literal_edges[::2], literal_edges[1::2], strict=True)):
        if a >= 0 and b > a and not (literals and a < literals[-1][1]):
            literals.append((a, b))
    edges = sorted({e for e in edges if e >= 0})
    return Lexing(
        edges,
        literals,
        [h for h in heads if h >= 0],
        _error_bytes(parsed.tree),
        parsed.fixed_form,
        [j for j in joins if j >= 0],
    )
