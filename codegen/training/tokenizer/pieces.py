"""The pre-tokenization rules stored in tokenizer.json: one regex, the same for every language.

Pieces are what BPE merges never cross at inference. The regex keeps whole what code treats as one
unit — identifiers with `_` and digits (MPI_Comm_rank, omp_get_thread_num, x1), dotted names
(ansible.builtin.copy, 1.0d0, a.tar.gz), flags (--ntasks-per-node, -name), path steps (/var), Fortran
dot operators (.and.), directive sentinels (!$omp, #pragma, #SBATCH), a whole comment, a quoted
string, a template slot ({{path/to/file}}, {{ item }}) — and joins a newline with the indentation after
it and the first name or comment of the line (layout). A single space before a piece belongs to it, as
in GPT-2, so spaces between lexemes cost nothing. Every character falls in some piece, so pieces
concatenate back to the input exactly. Which merges exist inside a piece is decided by training
(codegen.training.tokenizer.words), not here. A tokenizer trained with `syntax_phrases` (code-8k) stores
`piece_pattern(True)`, whose pieces also hold runs of keywords and punctuation (`END IF`, `) THEN`).
"""

from __future__ import annotations

import re
from functools import cache

from tokenizers import Regex, decoders, pre_tokenizers

from codegen.training.tokenizer.lexemes import grammar_keywords

_NEWLINE = r"(?:\r\n|\n|\r)"
_DOT_OPERATOR = r"(?i:eq|ne|lt|le|gt|ge|and|or|not|eqv|neqv|true|false)"
_NAME = r"[\p{L}\p{N}_]+"

# newline(s) + the next line's indentation (+ a fixed-form continuation mark in column 6 and its spaces)
_LAYOUT = rf"[ \t]*{_NEWLINE}(?:[ \t]*{_NEWLINE})*[ \t]*(?:(?<=[\r\n] {{5}})[^\s\p{{L}}0][ \t]*)?"
_SENTINEL = r"(?i:[!c*]\$(?:omp|acc)|#[ \t]*pragma|#SBATCH|#PBS)"  # directive sentinels
_WORDS = [
    rf" ?\.{_DOT_OPERATOR}\.",  # Fortran .and. .eq. .true.
    r" ?(?<!\S)--?[\p{L}\p{N}][\p{L}\p{N}_]*(?:-[\p{L}\p{N}_]+)+",  # --ntasks-per-node after a space
    rf" ?(?:--|[-/$@%~.])?{_NAME}(?:\.(?!{_DOT_OPERATOR}\.){_NAME})*",  # names, flags, numbers, paths
    rf" ?(?:(?!\.{_DOT_OPERATOR}\.)[^\s\p{{L}}\p{{N}}_\"'])+",  # punctuation runs (up to a .and. or a quote)
    r" ?[\"']",  # a quote that opens no string on this line
    r"[ \t]+(?!\S)",  # spaces before spaces: the last one joins the next piece
    r"\s+",
]
# A comment is one lexeme: the whole rest of the line is one piece, so merges learned inside comments
# (which may span words) can fire. Bash/YAML `#` and Fortran `!` after a space or at a line start;
# fixed-form `C`/`*` in column 1 when followed by a space, a rule character or the line end.
_COMMENT = r"[#!][^\r\n]*"
_FIXED_COMMENT = r"[Cc*](?:[ \t*=\-+.#!]|$)[^\r\n]*"  # only ever tried in column 1
# A quoted string is one lexeme too; a single quote between letters is an apostrophe, not a quote.
_STRINGS = [r' ?"(?:[^"\\\r\n]|\\.)*"', r" ?(?<![\p{L}\p{N}])'[^'\r\n]*'(?![\p{L}\p{N}])"]
# A template slot — a tldr placeholder `{{path/to/file}}` or a Jinja expression `{{ item }}` — is one unit.
PLACEHOLDER = r"\{\{[^{}\r\n]{0,60}\}\}"
# The keywords of the Fortran and Bash grammars (tree-sitter's anonymous node kinds), any case.
_KEYWORDS = sorted(grammar_keywords("fortran") | grammar_keywords("bash"), key=lambda k: (-len(k), k))
_HEAD = rf"(?i:{'|'.join(_KEYWORDS)})(?![\p{{L}}\p{{N}}_.])"


def _prefix_tree(words: list[str]) -> str:
    """A regex matching exactly `words`, factored by common prefixes (`end(?:do|if)?`): the syntax
    runs try the keywords at every name, and Oniguruma tries a flat alternation word by word."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        ends = "" in node
        body = branches[0] if len(branches) == 1 and not ends else f"(?:{'|'.join(branches)})"
        return body + ("?" if ends else "")

    return emit(tree)


# the same keywords as _HEAD, for the syntax runs (_HEAD stays as it is: shipped tokenizers store it)
_SYNTAX_HEAD = rf"(?i:{_prefix_tree(_KEYWORDS)})(?![\p{{L}}\p{{N}}_.])"

# A run of fixed syntax — keywords, dot operators, punctuation — may be one piece when a tokenizer is
# trained with `syntax_phrases`, so that merges can join what tree-sitter says are adjacent anonymous
# leaves (`END IF`, `) THEN`, `intent(in)`, `) ::`). Names and literals never join it: a punctuation
# element may not end in a name prefix (`-`, `/`, `$`, …) right before a name or prefix (`-f`, `--x`, `$x`),
# nor take the braces of a template slot.
_PUNCTUATION = rf"(?:(?!\.{_DOT_OPERATOR}\.|\{{\{{)[^\s\p{{L}}\p{{N}}_\"'])+"
_SYNTAX_ELEMENT = rf"(?:\.{_DOT_OPERATOR}\.|{_PUNCTUATION}(?:(?<![-/$@%~.])|(?![\p{{L}}\p{{N}}_\-/$@%~.])))"
_SYNTAX_NEXT = rf"(?: ?{_SYNTAX_ELEMENT}| {_SYNTAX_HEAD}|(?<=[(,=]){_SYNTAX_HEAD})"
_SYNTAX_RUNS = [rf" ?{_SYNTAX_HEAD}{_SYNTAX_NEXT}*", rf" ?{_SYNTAX_ELEMENT}{_SYNTAX_NEXT}*"]


def _line_start(head: str) -> str:
    r"""What starts a line shares a piece with the layout before it: a whole comment line, or a keyword
    (so "\n      CALL", "\nC     .. Local Scalars .." can be single tokens). Only keywords: a name
    after layout is always its own piece, so it is tokenized the same at any indentation."""
    return rf"{_LAYOUT}(?:(?!{_SENTINEL})(?:{_COMMENT}|(?<=[\r\n]){_FIXED_COMMENT}|{head}))?"


def _words(syntax_phrases: bool) -> list[str]:
    # syntax runs go before names (a keyword is a run, not a name) and after dashed flags
    return [*_WORDS[:2], *_SYNTAX_RUNS, *_WORDS[2:]] if syntax_phrases else _WORDS


def piece_pattern(syntax_phrases: bool = False) -> str:
    """The inference pre-tokenizer's regex (stored in tokenizer.json)."""
    return "|".join(
        [
            _line_start(_SYNTAX_RUNS[0].removeprefix(" ?") if syntax_phrases else _HEAD),
            _SENTINEL,
            rf" ?(?<!\S){_COMMENT}",
            rf"\A{_FIXED_COMMENT}",
            *_STRINGS,
            rf" ?{PLACEHOLDER}",
            *_words(syntax_phrases),
        ]
    )


# Where training words are cut outside literals: layout alone, no comment or string rule.
WORD_PATTERN = "|".join([_LAYOUT, _SENTINEL, *_WORDS])
PIECE_PATTERN = piece_pattern()


@cache
def split_pieces(syntax_phrases: bool = False) -> pre_tokenizers.Split:
    return pre_tokenizers.Split(Regex(piece_pattern(syntax_phrases)), behavior="isolated", invert=False)


@cache
def _split_words() -> pre_tokenizers.Split:
    return pre_tokenizers.Split(Regex(WORD_PATTERN), behavior="isolated", invert=False)


def inference_pre_tokenizer(syntax_phrases: bool = False) -> pre_tokenizers.PreTokenizer:
    """Regex pieces, then bytes → printable byte-level symbols (every byte has a symbol: nothing unknown)."""
    return pre_tokenizers.Sequence(
        [
            split_pieces(syntax_phrases),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False, trim_offsets=False),
        ]
    )


def byte_decoder() -> decoders.Decoder:
    return decoders.ByteLevel()


def pieces(text: str, syntax_phrases: bool = False) -> list[tuple[str, tuple[int, int]]]:
    """The regex pieces of `text` with their character offsets."""
    return split_pieces(syntax_phrases).pre_tokenize_str(text)


def word_pieces(text: str) -> list[tuple[str, tuple[int, int]]]:
    """The pieces of `text` if nothing were a comment (where training words outside comments are cut)."""
    return _split_words().pre_tokenize_str(text)
