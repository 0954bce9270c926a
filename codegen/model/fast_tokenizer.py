"""A model directory's tokenizer.json read with the `tokenizers` library alone.

The numpy runtime's tokenizer: the part of transformers' `PreTrainedTokenizerFast` that decoding
uses (encode, decode, special token ids, vocabulary size, the Rust tokenizer itself for llguidance),
without importing transformers, which takes ~1.4 s of a cold `dslgen` call. Same ids and text
(tested against `PreTrainedTokenizerFast`).
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer


class FastTokenizer:
    is_fast = True  # what the decoder checks: a Rust tokenizer that llguidance can read

    def __init__(self, backend: Tokenizer, *, eos_token: str | None, bos_token: str | None) -> None:
        self.backend_tokenizer = backend
        self.eos_token_id = backend.token_to_id(eos_token) if eos_token else None
        self.bos_token_id = backend.token_to_id(bos_token) if bos_token else None

    @classmethod
    def from_dir(cls, path: Path) -> FastTokenizer:
        """tokenizer.json, with the special tokens named in tokenizer_config.json when there is one."""
        config_file = path / "tokenizer_config.json"
        config = json.loads(config_file.read_text()) if config_file.is_file() else {}
        return cls(
            Tokenizer.from_file(str(path / "tokenizer.json")),
            eos_token=_token_text(config.get("eos_token")),
            bos_token=_token_text(config.get("bos_token")),
        )

    def __len__(self) -> int:
        return self.backend_tokenizer.get_vocab_size(with_added_tokens=True)

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return self.backend_tokenizer.encode(text, add_special_tokens=add_special_tokens).ids

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return self.backend_tokenizer.decode(ids, skip_special_tokens=skip_special_tokens)


def _token_text(token: str | dict | None) -> str | None:
    """tokenizer_config.json names a special token by its text or as an AddedToken object."""
    if isinstance(token, dict):
        return token.get("content")
    return token
