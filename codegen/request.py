"""Checks on a user's request text before any work is done."""

from __future__ import annotations

import unicodedata

MAX_CHARS = 10_000
_ALLOWED_CONTROL = {"\n", "\t", "\r"}


def check_request(text: str) -> str | None:
    """The reason the request is unusable, or None when it is fine."""
    if not text or not text.strip():
        return 'the request is empty; describe the task, e.g. dslgen "find files larger than 100 MB"'
    if len(text) > MAX_CHARS:
        return f"the request is {len(text):,} characters long; the limit is {MAX_CHARS:,}"
    # undecodable argv bytes arrive as lone surrogates (surrogateescape)
    if "\x00" in text or "\ufffd" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        return "the request contains binary data (NUL bytes or invalid UTF-8); send plain text"
    control = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co") and ch not in _ALLOWED_CONTROL)
    if control > max(2, len(text) // 20):
        return "the request looks like binary data (many control characters); send plain text"
    if not any(ch.isalpha() for ch in text):
        return "the request has no words in it; describe the task in words"
    return None
