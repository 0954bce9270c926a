"""Training words: the regex pieces of a document, cut further where tree-sitter says lexemes meet.

Every word lies inside one inference piece, so every merge learned from words can fire at inference.
Words are cut at lexeme boundaries between a name and anything else (`call` | `(`, `x` | `=`), so
merges stay within lexemes; runs of punctuation (`))*`, `(:,`) may merge, as in plain BPE. Comments,
string literals and template slots are single lexemes: inside them only tree-sitter's own boundaries
cut, so frequent phrases (`.. Local Scalars ..`, `"{{ item }}"`) can become tokens. A keyword, YAML key
or comment that starts a line stays joined to the layout before it ("\n      CALL"); a name tree-sitter
does not call a keyword is cut off its layout. A cut is made only between two non-space characters:
the single space a piece carries in front stays attached to it. With `syntax_phrases`, adjacent
keywords and punctuation (tree-sitter's anonymous leaves) are not cut apart either.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise

from codegen.training.tokenizer.lexemes import lex
from codegen.training.tokenizer.pieces import PLACEHOLDER, pieces, word_pieces

_PLACEHOLDER = re.compile(PLACEHOLDER)


@dataclass(frozen=True, slots=True)
class Words:
    words: list[str]
    error_chars: int
    fixed_form: bool


def _inside(spans: list[tuple[int, int]], offsets: set[int]) -> set[int]:
    """The offsets that lie strictly inside one of the (sorted, disjoint) spans."""
    starts = [start for start, _end in spans]
    inside = set()
    for offset in offsets:
        i = bisect_right(starts, offset) - 1
        if i >= 0 and offset < spans[i][1] and offset > spans[i][0]:
            inside.add(offset)
    return inside


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def training_words(text: str, lang: str, path: str | None = None, syntax_phrases: bool = False) -> Words:
    """`syntax_phrases`: where tree-sitter says two anonymous leaves (keywords, operators, punctuation)
    follow each other, no cut is made between them, so the syntax runs of `piece_pattern(True)` can
    merge (`END IF`, `) THEN`); a text without a grammar (English) is cut as without it."""
    lexing = lex(text, lang, path)
    piece_starts = {start for _piece, (start, _end) in pieces(text, syntax_phrases)}
    cuts = set(piece_starts)
    fine = word_pieces(text)
    fine_starts = {start for _piece, (start, _end) in fine}
    if lexing.literals:
        fine_starts -= _inside(lexing.literals, fine_starts)
    if lexing.heads:
        # a keyword or key right after layout stays joined to it (one inference piece holds both)
        layout_ends = {end for piece, (_start, end) in fine if "\n" in piece or "\r" in piece}
        fine_starts -= {head for head in lexing.heads if head in layout_ends}
    cuts |= fine_starts
    cuts.update(
        b
        for b in lexing.boundaries
        if 0 < b < len(text)
        and not (text[b - 1].isspace() or text[b].isspace())
        and (_wordish(text[b - 1]) or _wordish(text[b]))
    )
    if syntax_phrases and lexing.joins:
        # the cuts above are those of the default words; a piece start is never dropped
        cuts -= set(lexing.joins) - piece_starts
    if "{{" in text:
        slots = [m.span() for m in _PLACEHOLDER.finditer(text)]
        cuts -= _inside(slots, cuts)
    ordered = sorted(cuts)
    ordered.append(len(text))
    words = [text[a:b] for a, b in pairwise(ordered)]
    return Words(words, lexing.error_chars, lexing.fixed_form)
