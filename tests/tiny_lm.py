"""A locally trained byte-level BPE and a randomly initialised Llama: the stand-in model that tests
and benchmarks of constrained decoding run on (no model hub on this machine)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

EOS = "<|endoftext|>"


def train_bpe(texts: Iterable[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """Byte-level, so every string the grammar allows has a tokenization."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, bos_token=EOS)


def random_llama(
    vocab_size: int,
    *,
    hidden: int = 32,
    layers: int = 1,
    seed: int = 0,
    eos_id: int | None = None,
    eos_bias: float = 0.0,
) -> LlamaForCausalLM:
    """Random weights. `eos_bias` raises the end-of-text logit, standing in for a trained model's
    habit of stopping once a text is complete (a uniform random model almost never picks EOS, so
    its texts run into the token limit); where EOS may go is still decided by the grammar alone."""
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=hidden * 4,
        num_hidden_layers=layers,
        num_attention_heads=max(1, hidden // 64) if hidden >= 64 else 1,
        num_key_value_heads=max(1, hidden // 64) if hidden >= 64 else 1,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config).eval()
    if eos_bias and eos_id is not None:
        bias = torch.zeros(vocab_size)
        bias[eos_id] = eos_bias
        model.lm_head.bias = torch.nn.Parameter(bias, requires_grad=False)
    return model
