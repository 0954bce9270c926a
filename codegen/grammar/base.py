"""The base grammars in grammars/*.lark, one per language."""

from __future__ import annotations

import functools
from pathlib import Path

from codegen.docs.record import DSLS

GRAMMARS_DIR = Path(__file__).resolve().parents[2] / "grammars"


@functools.cache
def base_grammar(lang: str) -> str:
    if lang not in DSLS:
        raise ValueError(f"no grammar for language {lang!r}")
    return (GRAMMARS_DIR / f"{lang}.lark").read_text(encoding="utf-8")
