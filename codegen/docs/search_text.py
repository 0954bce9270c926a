"""What BM25 sees of a record, and the one tokenizer used for both documents and queries."""

from __future__ import annotations

import re
from typing import Any

from codegen.docs.record import DocRecord

# Bump when what BM25 sees changes: the index stamp includes it, so indexes are rebuilt (from the
# per-unit cache, without re-parsing).
VERSION = 3

# Field weighting by repetition: the name and summary say what a library is for, long bodies
# (bash(1) is 5,000 lines) mostly say how, so bodies are truncated.
NAME_REPEAT = 3
SUMMARY_REPEAT = 2
BODY_CHARS = 3000
OPTION_CHARS = 1500
# Example requests are left out: held-out documents have none, and on the dev splits other documents'
# examples pulled requests away from the right document (Ansible Hits@1 40 % -> 47 % without them).
EXAMPLES = 0

_SPLIT = re.compile(r"[._\-/:]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def identifier_words(name: str) -> str:
    """`ansible.builtin.apt_key` -> 'ansible builtin apt key'; `MPI_Allreduce` -> 'MPI Allreduce'."""
    return " ".join(w for part in _SPLIT.split(name) for w in _CAMEL.split(part) if w)


def _option_text(schema: dict[str, Any]) -> str:
    options = schema.get("options")
    parts: list[str] = []
    if isinstance(options, dict):  # ansible
        for name, opt in options.items():
            desc = opt.get("description", "") if isinstance(opt, dict) else ""
            parts.append(f"{identifier_words(name)} {desc}")
    elif isinstance(options, list):  # bash flags
        parts.extend(str(flag.get("description", "")) for flag in options if isinstance(flag, dict))
    for arg in schema.get("arguments", []) or []:  # fortran
        if isinstance(arg, dict):
            parts.append(f"{arg.get('name', '')} {arg.get('description', '')}")
    return " ".join(parts)[:OPTION_CHARS]


def search_text(rec: DocRecord) -> str:
    names = " ".join(
        [rec.name, identifier_words(rec.name), *rec.aliases, *map(identifier_words, rec.aliases)]
    )
    body = rec.text[:BODY_CHARS]
    examples = " ".join(e.nl for e in rec.examples[:EXAMPLES])
    return " ".join(
        [
            *(names for _ in range(NAME_REPEAT)),
            *(rec.summary for _ in range(SUMMARY_REPEAT)),
            body,
            _option_text(rec.schema),
            examples,
        ]
    )


def short_text(rec: DocRecord) -> str:
    """The short fields alone (name, aliases, summary): a second BM25 index over these keeps a
    document that says what it is for in one line from drowning in long bodies."""
    return " ".join([rec.name, identifier_words(rec.name), *rec.aliases, rec.summary])


FIELDS = {"full": search_text, "short": short_text}


def make_bm25_tokenizer():
    import bm25s
    import Stemmer

    return bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")
