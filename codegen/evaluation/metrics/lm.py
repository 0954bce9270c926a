"""Bits per byte and per-lexeme perplexity of a causal language model on held-out code.

Both normalise the model's total negative log-likelihood by something its tokenizer does not choose,
so models with different vocabularies compare: bits per byte divides the NLL (in bits) by the UTF-8
bytes of the text; per-lexeme perplexity is exp(NLL in nats / number of lexemes), lexemes being the
non-blank tokens of Pygments' lexer for the language (Bash, YAML for Ansible, Fortran; Fortran is
lexed as free form, what generated code and the evaluation references are). Each text is scored on its own, after the tokenizer's BOS (or else EOS) token; a text longer
than the model's window is scored in consecutive windows, each restarting after that token, which
can only overstate the NLL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch
from pygments.lexer import Lexer
from pygments.lexers import BashLexer, FortranLexer, YamlLexer

from codegen.errors import InputError

MAX_WINDOW = 2048  # tokens per forward pass: bounded so long files fit in CPU memory


def lexer_for(lang: str) -> Lexer:
    if lang == "bash":
        return BashLexer()
    if lang == "ansible":
        return YamlLexer()
    if lang == "fortran":
        return FortranLexer()
    raise InputError(f"no lexer for language {lang!r}")


def count_lexemes(text: str, lang: str) -> int:
    return sum(1 for _, value in lexer_for(lang).get_tokens(text) if value.strip())


@dataclass(frozen=True, slots=True)
class LmScores:
    bits_per_byte: float
    lexeme_perplexity: float
    token_perplexity: float
    nll_nats: float
    bytes: int
    tokens: int
    lexemes: int
    texts: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@torch.no_grad()
def lm_scores(
    model: Any, tokenizer: Any, texts: Sequence[str], lang: str, *, window: int | None = None
) -> LmScores:
    """Score `texts` (code in `lang`) with a Hugging Face causal LM and its tokenizer."""
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    if start is None:
        raise InputError("the tokenizer has neither a BOS nor an EOS token to start a text with")
    texts = [t for t in texts if t]
    if not texts:
        raise InputError("no non-empty texts to score")
    limit = window or min(int(getattr(model.config, "max_position_embeddings", MAX_WINDOW)), MAX_WINDOW)
    span = limit - 1  # one position holds the start token
    device = next(model.parameters()).device
    nll = 0.0
    n_tokens = n_bytes = n_lexemes = 0
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        for offset in range(0, len(ids), span):
            piece = ids[offset : offset + span]
            inputs = torch.tensor([[start, *piece]], device=device)
            logits = model(input_ids=inputs, use_cache=False).logits[0, :-1].float()
            targets = torch.tensor(piece, device=device)
            nll += torch.nn.functional.cross_entropy(logits, targets, reduction="sum").item()
        n_tokens += len(ids)
        n_bytes += len(text.encode("utf-8"))
        n_lexemes += count_lexemes(text, lang)
    return LmScores(
        bits_per_byte=nll / math.log(2) / n_bytes,
        lexeme_perplexity=math.exp(nll / n_lexemes) if n_lexemes else math.inf,
        token_perplexity=math.exp(nll / n_tokens) if n_tokens else math.inf,
        nll_nats=nll,
        bytes=n_bytes,
        tokens=n_tokens,
        lexemes=n_lexemes,
        texts=len(texts),
    )
