"""Training data as token arrays, and the order in which every process reads them.

Pretraining packs the corpus documents (each followed by end-of-text) into fixed-length blocks.
Fine-tuning keeps one example per sequence: prompt tokens (no loss) then code tokens + end-of-text.
Tokenised data is cached under $DSLGEN_HOME/tokens, keyed by the source file and the tokenizer.

The batch order is a pure function of (seed, step): global sample g of step s is the
(s * global_batch + g)-th entry of a seeded permutation per epoch, and process r of W takes its
contiguous share of the global batch. A resumed run therefore reads exactly what an uninterrupted
run would, and W processes with batch b read the same samples as one process with batch W*b.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from codegen.atomic import atomic_write_bytes
from codegen.errors import InputError
from codegen.paths import home

IGNORE = -100  # label of tokens that carry no loss (prompt, padding)
PAD_MULTIPLE = 64


@dataclass(frozen=True, slots=True)
class Batch:
    input_ids: torch.Tensor
    labels: torch.Tensor
    attention_mask: torch.Tensor

    @property
    def target_tokens(self) -> int:
        return int((self.labels != IGNORE).sum())


def _fingerprint(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


def _cached(key: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    path = home() / "tokens" / f"{key}.npz"
    if path.is_file():
        with np.load(path) as data:
            return {name: data[name] for name in data.files}
    arrays = build()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return arrays


def sample_order(step: int, global_batch: int, rank: int, world: int, n: int, seed: int) -> list[int]:
    """Indices (into n samples) that process `rank` of `world` reads at optimizer step `step`."""
    if global_batch % world:
        raise ValueError(f"global batch {global_batch} does not divide among {world} processes")
    share = global_batch // world
    first = step * global_batch + rank * share
    out = []
    perms: dict[int, np.ndarray] = {}
    for g in range(first, first + share):
        epoch, pos = divmod(g, n)
        if epoch not in perms:
            perms[epoch] = np.random.default_rng([seed, epoch]).permutation(n)
        out.append(int(perms[epoch][pos]))
    return out


class PackedBlocks:
    """Pretraining: a corpus split as one token stream cut into blocks of `seq_len` tokens."""

    def __init__(self, tokens: np.ndarray, seq_len: int) -> None:
        self.seq_len = seq_len
        n = len(tokens) // seq_len
        if n == 0:
            raise InputError(f"the corpus has {len(tokens)} tokens, fewer than one block of {seq_len}")
        self.blocks = tokens[: n * seq_len].reshape(n, seq_len)

    def __len__(self) -> int:
        return len(self.blocks)

    def batch(self, indices: list[int]) -> Batch:
        ids = torch.from_numpy(self.blocks[indices].astype(np.int64))
        return Batch(ids, ids.clone(), torch.ones_like(ids))

    @classmethod
    def from_corpus(
        cls,
        corpus: str,
        split: str,
        langs: tuple[str, ...],
        tokenizer: object,
        tokenizer_key: str,
        seq_len: int,
    ) -> PackedBlocks:
        from codegen.training.corpus.build import build_corpus, documents_path, load_corpus

        source = Path(corpus) if corpus.endswith(".jsonl.gz") else documents_path(corpus)
        if not source.is_file():
            if corpus.endswith(".jsonl.gz"):
                load_corpus(corpus)  # raises the error that names the missing file
            build_corpus(corpus)  # first use: fetch the sources into the cache
        eos = tokenizer.token_to_id("<|endoftext|>")  # type: ignore[attr-defined]

        def build() -> dict[str, np.ndarray]:
            texts = [d.text for d in load_corpus(corpus) if d.split == split and d.lang in langs]
            encoded = tokenizer.encode_batch(texts, add_special_tokens=False)  # type: ignore[attr-defined]
            stream = np.fromiter(
                (t for e in encoded for t in (*e.ids, eos)),
                dtype=np.int32,
                count=sum(len(e.ids) + 1 for e in encoded),
            )
            return {
                "tokens": stream,
                "documents": np.array(len(texts)),
                "bytes": np.array(sum(len(t.encode()) for t in texts)),
            }

        key = _fingerprint("packed", _file_key(source), split, langs, tokenizer_key)
        return cls(_cached(key, build)["tokens"], seq_len)


class PromptCodeExamples:
    """Fine-tuning: (prompt, code) examples; the loss covers the code and the end-of-text token."""

    def __init__(self, ids: list[np.ndarray], prompt_lengths: np.ndarray, pad_id: int, seq_len: int) -> None:
        self.ids = ids
        self.prompt_lengths = prompt_lengths
        self.pad_id = pad_id
        self.seq_len = seq_len

    def __len__(self) -> int:
        return len(self.ids)

    def batch(self, indices: list[int]) -> Batch:
        rows = [self.ids[i] for i in indices]
        # a few distinct widths only: every new input shape costs the CPU kernels (oneDNN) a new
        # primitive, kept in a cache; ragged widths made fine-tuning 3x slower and grew memory by GBs
        longest = max(len(r) for r in rows)
        width = max(longest, min(self.seq_len, -(-longest // PAD_MULTIPLE) * PAD_MULTIPLE))
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for j, (i, row) in enumerate(zip(indices, rows, strict=True)):
            t = torch.from_numpy(row.astype(np.int64))
            input_ids[j, : len(t)] = t
            mask[j, : len(t)] = 1
            start = int(self.prompt_lengths[i])
            labels[j, start : len(t)] = t[start:]
        return Batch(input_ids, labels, mask)

    @classmethod
    def from_file(
        cls,
        path: Path,
        split: str,
        langs: tuple[str, ...],
        tokenizer: object,
        tokenizer_key: str,
        seq_len: int,
    ) -> PromptCodeExamples:
        if not path.is_file():
            raise InputError(f"{path}: no fine-tuning set there; build it with `dslgen train data`")
        eos = tokenizer.token_to_id("<|endoftext|>")  # type: ignore[attr-defined]
        pad = tokenizer.token_to_id("<|pad|>")  # type: ignore[attr-defined]

        def build() -> dict[str, np.ndarray]:
            rows = [r for r in read_examples(path) if r["split"] == split and r["lang"] in langs]
            # prompt and code are encoded apart, as at inference (the prompt is encoded alone, then
            # the model continues it), so the token boundary after "# code:\n" matches
            prompts = tokenizer.encode_batch([r["prompt"] for r in rows], add_special_tokens=False)  # type: ignore[attr-defined]
            codes = tokenizer.encode_batch([r["code"] for r in rows], add_special_tokens=False)  # type: ignore[attr-defined]
            kept = [(p.ids, [*c.ids, eos]) for p, c in zip(prompts, codes, strict=True)]
            kept = [(p, c) for p, c in kept if len(p) + len(c) <= seq_len]
            flat = np.array([t for p, c in kept for t in (*p, *c)], dtype=np.int32)
            lengths = np.array([len(p) + len(c) for p, c in kept], dtype=np.int64)
            return {
                "flat": flat,
                "lengths": lengths,
                "prompt_lengths": np.array([len(p) for p, _ in kept]),
                "dropped": np.array(len(rows) - len(kept)),
            }

        key = _fingerprint("prompt-code", _file_key(path), split, langs, tokenizer_key, seq_len)
        arrays = _cached(key, build)
        if len(arrays["lengths"]) == 0:
            raise InputError(f"{path}: no {split} examples of {', '.join(langs)} fit in {seq_len} tokens")
        ends = np.cumsum(arrays["lengths"])
        ids = np.split(arrays["flat"], ends[:-1])
        return cls(ids, arrays["prompt_lengths"], pad if pad is not None else eos, seq_len)


def read_examples(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
