"""Train a byte-level BPE tokenizer on a corpus and save it as a transformers/llguidance-ready directory.

kind="compiler": BPE merges are learned from the training words of `codegen.training.tokenizer.words`
(regex pieces cut at tree-sitter lexeme boundaries), counted once in Python and fed to the trainer
word by word; the saved file's pre-tokenizer is the regex alone. kind="bytelevel": the plain GPT-2
byte-level BPE baseline trained on the same documents. Both use the 256 byte symbols as the base
alphabet, so no input is ever unknown, and neither has a normalizer, so decoding is exact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from codegen.atomic import atomic_write_text
from codegen.errors import InputError
from codegen.training.corpus.document import Document
from codegen.training.tokenizer.anonymise import anonymise
from codegen.training.tokenizer.lexicon import training_names
from codegen.training.tokenizer.pieces import byte_decoder, inference_pre_tokenizer, piece_pattern
from codegen.training.tokenizer.settings import SPECIAL_TOKENS, TrainSettings
from codegen.training.tokenizer.words import training_words

BATCH = 4096


@dataclass(slots=True)
class LangStats:
    documents: int = 0
    bytes: int = 0
    error_chars: int = 0  # inside tree-sitter ERROR nodes: tokenized all the same, counted here
    fixed_form: int = 0  # Fortran documents parsed through the fixed-form pre-pass
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        share = self.error_chars / self.bytes if self.bytes else 0.0
        return {
            "documents": self.documents,
            "bytes": self.bytes,
            "error_chars": self.error_chars,
            "error_share": round(share, 5),
            "fixed_form": self.fixed_form,
            "mb_per_s": round(self.bytes / self.seconds / 1e6, 3) if self.seconds else None,
        }


@dataclass(slots=True)
class Trained:
    tokenizer: Tokenizer
    settings: TrainSettings
    stats: dict[str, LangStats] = field(default_factory=dict)
    seconds: float = 0.0


def _training_text(doc: Document, settings: TrainSettings) -> str:
    return anonymise(doc.text, doc.lang).text if settings.anonymise else doc.text


def count_words(
    documents: Iterable[Document], settings: TrainSettings
) -> tuple[Counter[str], dict[str, LangStats]]:
    """Weighted counts of training words over the training split, with parse statistics per language."""
    counts: Counter[str] = Counter()
    stats: dict[str, LangStats] = {}
    for doc in documents:
        weight = settings.lang_weights.get(doc.lang, 1)
        if doc.split != "train" or weight <= 0:
            continue
        text = _training_text(doc, settings)
        started = time.perf_counter()
        words = training_words(text, doc.lang, doc.id, settings.syntax_phrases)
        entry = stats.setdefault(doc.lang, LangStats())
        entry.seconds += time.perf_counter() - started
        entry.documents += 1
        entry.bytes += len(text.encode("utf-8"))
        entry.error_chars += words.error_chars
        entry.fixed_form += words.fixed_form
        for word in words.words:
            counts[word] += weight
    if settings.name_boost:
        # in the form code shows them most: after a space (line-initial keywords join the layout)
        for name in training_names():
            counts[" " + name] += settings.name_boost
    return counts, stats


def _word_batches(counts: Counter[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for word, count in counts.items():
        batch.extend([word] * count)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _text_batches(
    documents: Iterable[Document], settings: TrainSettings, stats: dict[str, LangStats]
) -> Iterator[list[str]]:
    for doc in documents:
        weight = settings.lang_weights.get(doc.lang, 1)
        if doc.split == "train" and weight > 0:
            text = _training_text(doc, settings)
            entry = stats.setdefault(doc.lang, LangStats())
            entry.documents += 1
            entry.bytes += len(text.encode("utf-8"))
            yield [text] * weight


def _trainer(settings: TrainSettings) -> trainers.BpeTrainer:
    return trainers.BpeTrainer(
        vocab_size=settings.vocab_size,
        min_frequency=settings.min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        max_token_length=settings.max_token_length,
        show_progress=False,
    )


def train(documents: Iterable[Document], settings: TrainSettings) -> Trained:
    if settings.vocab_size < 256 + len(SPECIAL_TOKENS) + 1:
        raise InputError(
            f"vocabulary size {settings.vocab_size} is below the 256 byte symbols + special tokens"
        )
    if settings.syntax_phrases and settings.kind != "compiler":
        raise InputError("syntax phrases need kind 'compiler': plain BPE has no syntax runs")
    started = time.perf_counter()
    tokenizer = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    stats: dict[str, LangStats] = {}
    if settings.kind == "compiler":
        counts, stats = count_words(documents, settings)
        if not counts:
            raise InputError("the corpus has no training documents")
        # words arrive whole: the trainer only maps their bytes to byte-level symbols
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
        tokenizer.train_from_iterator(_word_batches(counts), trainer=_trainer(settings))
        tokenizer.pre_tokenizer = inference_pre_tokenizer(settings.syntax_phrases)
        tokenizer.decoder = byte_decoder()
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tokenizer.decoder = decoders.ByteLevel()
        tokenizer.train_from_iterator(_text_batches(documents, settings, stats), trainer=_trainer(settings))
        if not stats:
            raise InputError("the corpus has no training documents")
    return Trained(tokenizer, settings, stats, time.perf_counter() - started)


def as_transformers(tokenizer: Tokenizer) -> PreTrainedTokenizerFast:
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=SPECIAL_TOKENS[0],
        eos_token=SPECIAL_TOKENS[0],
        pad_token=SPECIAL_TOKENS[1],
        additional_special_tokens=list(SPECIAL_TOKENS[2:]),
        clean_up_tokenization_spaces=False,  # decoding must give back the exact text
    )


def manifest(trained: Trained, corpus_manifest: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "name": trained.settings.name,
        "kind": trained.settings.kind,
        "vocab_size": trained.tokenizer.get_vocab_size(),
        "settings": trained.settings.to_json(),
        "special_tokens": list(SPECIAL_TOKENS),
        "pre_tokenizer_pattern": (
            piece_pattern(trained.settings.syntax_phrases)
            if trained.settings.kind == "compiler"
            else "GPT-2 byte-level"
        ),
        "corpus": {
            "name": trained.settings.corpus,
            "sizes": (corpus_manifest or {}).get("sizes"),
            "training_documents": {lang: s.to_json() for lang, s in sorted(trained.stats.items())},
        },
        "training_seconds": round(trained.seconds, 1),
        "versions": {
            p: version(p)
            for p in (
                "tokenizers",
                "tree-sitter",
                "tree-sitter-fortran",
                "tree-sitter-bash",
                "tree-sitter-yaml",
            )
        },
    }


def save(trained: Trained, out_dir: Path, corpus_manifest: dict[str, Any] | None = None) -> Path:
    """Write `out_dir/tokenizer.json` (+ transformers config files and manifest.json), replacing it whole."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    try:
        as_transformers(trained.tokenizer).save_pretrained(staging)
        atomic_write_text(
            staging / "manifest.json", json.dumps(manifest(trained, corpus_manifest), indent=1) + "\n"
        )
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / "tokenizer.json"
