"""Acceptance measurements of the compiler-aware tokenizers (issue "Compiler-aware tokenizer").

    python benchmarks/tokenizer.py [--corpus code-v1] [--split dev] [--sizes 8k 16k]

For each vocabulary size it loads the shipped tokenizers/code-<size>/tokenizer.json (compiler-aware)
and tokenizers/bytelevel-<size>/tokenizer.json (plain GPT-2-style byte-level BPE, same corpus, same
language weights) and measures on every document of the held-out split, per language:
- exact round trip decode(encode(x)) == x through transformers' PreTrainedTokenizerFast loaded from
  the file alone (and through llguidance's tokenizer built from it), and the unknown-token rate;
- tokens per non-whitespace Pygments lexeme (all tokens, layout included), and the ratio
  compiler / bytelevel (targets: ≤ 0.85 Fortran, ≤ 0.90 Bash and Ansible YAML);
- throughput on one core (CPU time of this process, so other load on the machine does not count):
  encoding with the tokenizer.json (what inference runs) and the tree-sitter pre-tokenization of the
  training text (what training runs, parsing included);
- how many keywords/API names are one token in the vocabulary, and how many of their occurrences in
  held-out code one token holds; parse-error share; identifier anonymisation's effect.
Prints a table and writes benchmarks/results/tokenizer.json.
"""

from __future__ import annotations

import os

# one core: the Rust tokenizer would otherwise use a thread pool
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import argparse
import json
import platform
import time
from pathlib import Path

import llguidance.hf
from tokenizers import Tokenizer
from transformers import PreTrainedTokenizerFast

from codegen.training.corpus.build import load_corpus
from codegen.training.corpus.document import Document
from codegen.training.tokenizer.anonymise import anonymise, restore
from codegen.training.tokenizer.artifacts import tokenizer_file
from codegen.training.tokenizer.lexicon import CATEGORY_LANG, lexicon
from codegen.training.tokenizer.measure import lexeme_count, single_token_share, whole_name_share
from codegen.training.tokenizer.words import training_words

HERE = Path(__file__).resolve().parent
TARGETS = {"fortran": 0.85, "bash": 0.90, "ansible": 0.90}


def round_trips(path: Path, docs: list[Document]) -> dict[str, dict[str, int]]:
    """Per language: documents, exact round trips via transformers and llguidance, unknown tokens."""
    fast = PreTrainedTokenizerFast(tokenizer_file=str(path))
    llg = llguidance.hf.from_tokenizer(fast, n_vocab=len(fast))
    unk = fast.unk_token_id
    result: dict[str, dict[str, int]] = {}
    for doc in docs:
        row = result.setdefault(
            doc.lang, {"documents": 0, "exact": 0, "llguidance_exact": 0, "tokens": 0, "unknown": 0}
        )
        ids = fast.encode(doc.text, add_special_tokens=False)
        row["documents"] += 1
        row["tokens"] += len(ids)
        row["unknown"] += sum(1 for i in ids if unk is not None and i == unk)
        row["exact"] += fast.decode(ids, skip_special_tokens=False) == doc.text
        row["llguidance_exact"] += llg.decode_bytes(ids) == doc.text.encode("utf-8")
    return result


def token_counts(tok: Tokenizer, docs: list[Document]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for doc in docs:
        counts[doc.lang] = counts.get(doc.lang, 0) + len(tok.encode(doc.text, add_special_tokens=False).ids)
    return counts


def encode_throughput(tok: Tokenizer, docs: list[Document]) -> float:
    size = sum(len(d.text.encode("utf-8")) for d in docs)
    started = time.process_time()
    for doc in docs:
        tok.encode(doc.text, add_special_tokens=False)
    return size / (time.process_time() - started) / 1e6


def pretokenize_throughput(docs: list[Document]) -> tuple[dict[str, float], dict[str, float]]:
    """MB/s of tree-sitter pre-tokenization per language, and the share of characters in ERROR nodes."""
    speed, errors = {}, {}
    for lang in sorted({d.lang for d in docs}):
        group = [d for d in docs if d.lang == lang]
        size = sum(len(d.text.encode("utf-8")) for d in group)
        started = time.process_time()
        error_chars = sum(training_words(d.text, d.lang, d.id).error_chars for d in group)
        speed[lang] = round(size / (time.process_time() - started) / 1e6, 3)
        errors[lang] = round(error_chars / max(1, sum(len(d.text) for d in group)), 5)
    return speed, errors


def anonymisation(
    tok: Tokenizer, docs: list[Document], lexemes: dict[str, int]
) -> dict[str, dict[str, float]]:
    result = {}
    for lang in ("fortran", "bash"):
        group = [d for d in docs if d.lang == lang]
        anonymised = [anonymise(d.text, d.lang, d.id) for d in group]
        tokens = sum(len(tok.encode(a.text, add_special_tokens=False).ids) for a in anonymised)
        exact = sum(restore(a) == d.text for a, d in zip(anonymised, group, strict=True))
        result[lang] = {
            "tokens_per_lexeme": round(tokens / lexemes[lang], 4),
            "restored_exactly": exact,
            "documents": len(group),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="code-v1")
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--sizes", nargs="+", default=["8k", "16k"])
    parser.add_argument("--out", type=Path, default=HERE / "results" / "tokenizer.json")
    args = parser.parse_args()

    docs = [d for d in load_corpus(args.corpus) if d.split == args.split]
    langs = sorted({d.lang for d in docs})
    by_lang = {lang: [d for d in docs if d.lang == lang] for lang in langs}
    lexemes = {
        lang: sum(lexeme_count(d.text, d.lang, d.id) for d in docs if d.lang == lang) for lang in langs
    }
    sizes = {lang: sum(len(d.text.encode("utf-8")) for d in docs if d.lang == lang) for lang in langs}
    report: dict = {
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(), "threads": 1},
        "corpus": args.corpus,
        "split": args.split,
        "held_out": {
            lang: {
                "documents": sum(d.lang == lang for d in docs),
                "bytes": sizes[lang],
                "lexemes": lexemes[lang],
            }
            for lang in langs
        },
        "sizes": {},
    }
    speed, errors = pretokenize_throughput(docs)
    report["pretokenize_mb_per_s"] = speed
    report["parse_error_share"] = errors
    for size in args.sizes:
        entry: dict = {}
        for kind in ("code", "bytelevel"):
            path = tokenizer_file(f"{kind}-{size}")
            tok = Tokenizer.from_file(str(path))
            counts = token_counts(tok, docs)
            entry[kind] = {
                "file": str(path.relative_to(HERE.parent)),
                "file_bytes": path.stat().st_size,
                "vocab_size": tok.get_vocab_size(),
                "round_trip": round_trips(path, docs),
                "tokens_per_lexeme": {lang: round(counts[lang] / lexemes[lang], 4) for lang in langs},
                "encode_mb_per_s": round(encode_throughput(tok, docs), 3),
                "single_token_names": {k: round(single_token_share(tok, v), 4) for k, v in lexicon().items()},
                "whole_names_in_code": {
                    k: dict(
                        zip(
                            ("occurrences", "share"),
                            whole_name_share(tok, by_lang[CATEGORY_LANG[k]], v),
                            strict=True,
                        )
                    )
                    for k, v in lexicon().items()
                },
                "name_boost": json.loads((path.parent / "manifest.json").read_text())["settings"].get(
                    "name_boost", 0
                ),
            }
            if kind == "code":
                entry[kind]["anonymised"] = anonymisation(tok, docs, lexemes)
        entry["ratio"] = {
            lang: round(
                entry["code"]["tokens_per_lexeme"][lang] / entry["bytelevel"]["tokens_per_lexeme"][lang], 4
            )
            for lang in langs
        }
        entry["meets_target"] = {lang: entry["ratio"][lang] <= target for lang, target in TARGETS.items()}
        report["sizes"][size] = entry
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print_table(report, langs)


def print_table(report: dict, langs: list[str]) -> None:
    print(
        f"held-out split: {report['split']}  "
        + "  ".join(
            f"{lang} {v['documents']} docs/{v['bytes'] / 1e6:.2f} MB"
            for lang, v in report["held_out"].items()
        )
    )
    header = (
        f"{'size':>5} {'language':>9} {'code tok/lex':>12} {'plain tok/lex':>13} {'ratio':>6} {'target':>6}"
    )
    header += f" {'round trip':>10} {'unknown':>7}"
    print(header)
    for size, entry in report["sizes"].items():
        for lang in langs:
            rt = entry["code"]["round_trip"][lang]
            target = TARGETS.get(lang)
            print(
                f"{size:>5} {lang:>9} {entry['code']['tokens_per_lexeme'][lang]:>12.3f} "
                f"{entry['bytelevel']['tokens_per_lexeme'][lang]:>13.3f} {entry['ratio'][lang]:>6.3f} "
                f"{'≤' + str(target) if target else '':>6} {rt['exact']:>4}/{rt['documents']:<5} {rt['unknown']:>7}"
            )
        names = entry["code"]["single_token_names"]
        plain = entry["bytelevel"]["single_token_names"]
        print(
            f"{size:>5} names that are one token (code/plain, name_boost {entry['code']['name_boost']}): "
            + ", ".join(f"{k} {names[k]:.0%}/{plain[k]:.0%}" for k in names)
        )
        print(
            f"{size:>5} encode MB/s (1 thread): code {entry['code']['encode_mb_per_s']}, "
            f"bytelevel {entry['bytelevel']['encode_mb_per_s']}"
        )
    print(
        "tree-sitter pre-tokenization MB/s (1 core, parsing included): "
        + ", ".join(f"{k} {v}" for k, v in report["pretokenize_mb_per_s"].items())
    )
    print("parse-error share: " + ", ".join(f"{k} {v:.3%}" for k, v in report["parse_error_share"].items()))


if __name__ == "__main__":
    main()
