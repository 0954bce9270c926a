"""Counting measures shared by `dslgen tokenizer stats` and benchmarks/tokenizer.py.

Tokens per lexeme: every token the tokenizer emits for a file (layout and whitespace tokens included)
divided by the file's non-whitespace lexemes according to Pygments (pinned in pyproject.toml), whose
lexers are independent of both tokenizers being compared.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from pygments.lexer import Lexer
from pygments.lexers import BashLexer, FortranFixedLexer, FortranLexer, YamlLexer
from tokenizers import Tokenizer

from codegen.training.corpus.document import Document
from codegen.training.tokenizer.lexemes import is_fixed_form, lex

_NAME = re.compile(r"(?<![\w.])[A-Za-z_][\w.]*(?![\w.])")


@cache
def _lexer(name: str) -> Lexer:
    lexers = {
        "fortran": FortranLexer,
        "fortran-fixed": FortranFixedLexer,
        "bash": BashLexer,
        "ansible": YamlLexer,
    }
    return lexers[name](stripnl=False, ensurenl=False)


def lexeme_count(text: str, lang: str, path: str | None = None) -> int:
    """Non-whitespace Pygments lexemes of `text`; English counts whitespace-separated words."""
    if lang == "english":
        return len(text.split())
    name = "fortran-fixed" if lang == "fortran" and is_fixed_form(text, path) else lang
    return sum(1 for _kind, value in _lexer(name).get_tokens(text) if value.strip())


@dataclass(slots=True)
class Tally:
    documents: int = 0
    bytes: int = 0
    tokens: int = 0
    lexemes: int = 0
    round_trip_failures: list[str] = field(default_factory=list)
    unknown_tokens: int = 0

    @property
    def tokens_per_lexeme(self) -> float:
        return self.tokens / self.lexemes if self.lexemes else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "bytes": self.bytes,
            "tokens": self.tokens,
            "lexemes": self.lexemes,
            "tokens_per_lexeme": round(self.tokens_per_lexeme, 4),
            "bytes_per_token": round(self.bytes / self.tokens, 3) if self.tokens else 0.0,
            "round_trip_failures": len(self.round_trip_failures),
            "unknown_tokens": self.unknown_tokens,
        }


def tally(tokenizer: Tokenizer, documents: Iterable[Document]) -> dict[str, Tally]:
    """Per language: tokens, lexemes, exact round trips and unknown tokens, through the `tokenizers` API."""
    unk = tokenizer.token_to_id("<unk>")
    tallies: dict[str, Tally] = {}
    for doc in documents:
        entry = tallies.setdefault(doc.lang, Tally())
        ids = tokenizer.encode(doc.text, add_special_tokens=False).ids
        entry.documents += 1
        entry.bytes += len(doc.text.encode("utf-8"))
        entry.tokens += len(ids)
        entry.lexemes += lexeme_count(doc.text, doc.lang, doc.id)
        entry.unknown_tokens += sum(1 for i in ids if i == unk) if unk is not None else 0
        if tokenizer.decode(ids, skip_special_tokens=False) != doc.text:
            entry.round_trip_failures.append(doc.id)
    return tallies


def single_token_share(tokenizer: Tokenizer, names: Iterable[str]) -> float:
    """Share of `names` that encode to one token, alone or after a space (how they appear in code)."""
    names = sorted(set(names))
    if not names:
        return 0.0
    whole = sum(
        1
        for name in names
        if len(tokenizer.encode(name, add_special_tokens=False).ids) == 1
        or len(tokenizer.encode(" " + name, add_special_tokens=False).ids) == 1
    )
    return whole / len(names)


def whole_name_share(
    tokenizer: Tokenizer, documents: Iterable[Document], names: Iterable[str]
) -> tuple[int, float]:
    """Occurrences of `names` in code (whole words, case-insensitive, outside comments and strings) and
    the share of them that one token covers — alone or with the space or layout before the name."""
    wanted = {name.lower() for name in names}
    found = whole = 0
    for doc in documents:
        spans = [m.span() for m in _NAME.finditer(doc.text) if m.group(0).lower() in wanted]
        if not spans:
            continue
        literals = lex(doc.text, doc.lang, doc.id).literals
        starts = [a for a, _b in literals]
        encoding = tokenizer.encode(doc.text, add_special_tokens=False)
        token_start_by_end = {end: start for start, end in encoding.offsets}
        for start, end in spans:
            i = bisect_right(starts, start) - 1
            if i >= 0 and start < literals[i][1]:
                continue
            found += 1
            token_start = token_start_by_end.get(end)
            whole += (
                token_start is not None and token_start <= start and not doc.text[token_start:start].strip()
            )
    return found, (whole / found if found else 0.0)
