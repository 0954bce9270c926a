"""Bits per byte and per-lexeme perplexity, on a tiny randomly initialised Llama (tests/tiny_lm.py)."""

from __future__ import annotations

import math

import pytest
import torch

from codegen.errors import InputError
from codegen.evaluation.metrics.lm import count_lexemes, lm_scores

TEXTS = [
    "tar -czf archive.tar.gz path/to/dir",
    "find . -name '*.log' -mtime +7 -delete",
    "ls -la | grep 'é' > listing.txt",  # a non-ASCII byte count
]


@pytest.fixture(scope="module")
def tiny():
    # imported here, not at collection: transformers' models load torch._dynamo (see
    # codegen/torch_compat.py, which tests/conftest.py runs first)
    from tests.tiny_lm import random_llama, train_bpe

    tokenizer = train_bpe(TEXTS * 20, vocab_size=320)
    return random_llama(len(tokenizer), seed=1), tokenizer


def manual_nll(model, tokenizer, text: str) -> float:
    ids = [tokenizer.bos_token_id, *tokenizer(text, add_special_tokens=False)["input_ids"]]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0, :-1]
    return torch.nn.functional.cross_entropy(logits, torch.tensor(ids[1:]), reduction="sum").item()


def test_bits_per_byte_is_the_nll_in_bits_per_utf8_byte(tiny) -> None:
    model, tokenizer = tiny
    scores = lm_scores(model, tokenizer, TEXTS, "bash")
    nll = sum(manual_nll(model, tokenizer, t) for t in TEXTS)
    n_bytes = sum(len(t.encode("utf-8")) for t in TEXTS)
    assert scores.bytes == n_bytes > sum(len(t) for t in TEXTS)
    assert scores.bits_per_byte == pytest.approx(nll / math.log(2) / n_bytes, rel=1e-5)
    assert scores.lexeme_perplexity == pytest.approx(math.exp(nll / scores.lexemes), rel=1e-4)
    assert scores.lexemes == sum(count_lexemes(t, "bash") for t in TEXTS)


def test_a_uniform_model_gives_log2_vocab_bits_per_token(tiny) -> None:
    from tests.tiny_lm import random_llama

    _, tokenizer = tiny
    model = random_llama(len(tokenizer), seed=2)
    with torch.no_grad():
        model.lm_head.weight.zero_()  # all logits 0: every token has probability 1/V
    for window in (None, 3):  # short windows restart the context; a uniform model does not care
        scores = lm_scores(model, tokenizer, TEXTS, "bash", window=window)
        assert scores.bits_per_byte == pytest.approx(
            math.log2(len(tokenizer)) * scores.tokens / scores.bytes, rel=1e-5
        )
        assert scores.token_perplexity == pytest.approx(len(tokenizer), rel=1e-4)


def test_lexemes_follow_the_language() -> None:
    assert count_lexemes("tar -czf 'a b.tgz' dir", "bash") == 4
    assert count_lexemes("- name: x\n  apt:\n    name: nginx\n", "ansible") == 9
    assert count_lexemes("call dgemm('N', n)  ! multiply", "fortran") == 8
    with pytest.raises(InputError):
        count_lexemes("x", "cobol")


def test_nothing_to_score_is_an_input_error(tiny) -> None:
    model, tokenizer = tiny
    with pytest.raises(InputError):
        lm_scores(model, tokenizer, ["", ""], "bash")
