"""Where shipped tokenizers live and how a user names one (a name under tokenizers/, a directory, a file)."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer

from codegen.errors import InputError

TOKENIZERS_DIR = Path(__file__).resolve().parents[3] / "tokenizers"
DEFAULT_TOKENIZER = "code-16k"


def tokenizer_file(spec: str) -> Path:
    """`spec` → path of a tokenizer.json: a shipped name, a directory holding one, or the file itself."""
    candidates = [TOKENIZERS_DIR / spec / "tokenizer.json", Path(spec) / "tokenizer.json", Path(spec)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    shipped = sorted(p.parent.name for p in TOKENIZERS_DIR.glob("*/tokenizer.json"))
    raise InputError(
        f"no tokenizer {spec!r}: give a name from {TOKENIZERS_DIR} ({', '.join(shipped) or 'none yet'}), "
        "a directory with tokenizer.json, or the file itself"
    )


def load_tokenizer(spec: str) -> Tokenizer:
    path = tokenizer_file(spec)
    try:
        return Tokenizer.from_file(str(path))
    except Exception as err:  # tokenizers raises plain Exception subclasses for bad JSON
        raise InputError(f"{path} is not a valid tokenizer.json: {err}") from err
