"""Speed of grammar-constrained decoding, side by side with outlines' CFG path.

    nice -n 10 python benchmarks/decoding.py [--generations 20] [--tokens 128] [--model DIR]

Model: with --model, that Hugging Face directory (e.g. models/default; results go to
decoding-<model name>.json, prompts are the model's own prompt format); otherwise a randomly initialised ~5M-parameter Llama (hidden 256, 2 layers, tied embeddings) with the
project's 16k tokenizer (tokenizers/code-16k; a 16k byte-level BPE trained here on the vendored tldr
pages when that directory is missing). Grammars: the per-request grammars of the real
DocRecords in tests/fixtures/grammar (5 Bash commands, 4 Ansible modules, 7 Fortran routines).

Measured per language:
- build + compile: `build_grammar` (specialisation) plus llguidance's LLMatcher construction, median
  (a cold compilation: a new grammar);
- compile wait: what `generate` waits for the matcher after the prompt's forward pass, median over
  the generations (the grammar compiles on a worker during that pass, and later requests with the
  same grammar text take it from a cache);
- mask: llguidance's per-token mask computation (fill_next_token_bitmask), median and p99;
- generation: seconds per generated token, constrained vs unconstrained, same model, same number of
  tokens (sampling, temperature 1, one thread), and the ratio;
- outlines: the same grammar through `outlines.types.CFG` (its llguidance backend), seconds per token.

Prints a table and writes benchmarks/results/decoding.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import llguidance  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402

from codegen.decoding import DecodingError, compile_grammar, generate, ll_tokenizer  # noqa: E402
from codegen.grammar import build_grammar  # noqa: E402
from codegen.model.loading import RUNTIMES  # noqa: E402
from codegen.prompt import build_prompt  # noqa: E402
from tests.grammar_fixtures import DECODING_CASES, pick  # noqa: E402
from tests.tiny_lm import random_llama, train_bpe  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "decoding.json"
PROMPTS = {
    "bash": "# find every log file under /var and count its lines\n",
    "ansible": "# install nginx and start it on boot\n",
    "fortran": "! multiply two matrices with BLAS\n",
}

# a trained model is prompted as the pipeline prompts it (codegen.prompt.build_prompt)
MODEL_PROMPTS = {
    lang: build_prompt(task, lang, pick(lang, *DECODING_CASES[lang]))
    for lang, task in (
        ("bash", "find every log file under /var and count its lines"),
        ("ansible", "install nginx and start it on boot"),
        ("fortran", "multiply two matrices with BLAS"),
    )
}


def load_tokenizer() -> tuple[PreTrainedTokenizerFast, str]:
    directory = ROOT / "tokenizers" / "code-16k"
    if (directory / "tokenizer.json").exists():
        tok = PreTrainedTokenizerFast(
            tokenizer_file=str(directory / "tokenizer.json"), eos_token="<|endoftext|>"
        )
        return tok, "tokenizers/code-16k"
    import gzip

    from codegen.paths import package_data

    with gzip.open(package_data("tldr-pages.jsonl.gz"), "rt", encoding="utf-8") as fh:
        texts = [e["cmd"] for line in fh for e in json.loads(line)["examples"]]
    return train_bpe(texts, 16384), "16k byte-level BPE trained on the vendored tldr pages"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure_compile(lang: str, lltok: llguidance.LLTokenizer, runs: int = 50) -> dict:
    records = pick(lang, *DECODING_CASES[lang])
    build, compile_ = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        spec = build_grammar(lang, records)
        t1 = time.perf_counter()
        matcher = compile_grammar(spec.text, lltok)
        t2 = time.perf_counter()
        assert not isinstance(matcher, DecodingError), matcher
        build.append((t1 - t0) * 1e3)
        compile_.append((t2 - t1) * 1e3)
    total = [b + c for b, c in zip(build, compile_, strict=True)]
    return {
        "build_ms_median": statistics.median(build),
        "compile_ms_median": statistics.median(compile_),
        "build_compile_ms_median": statistics.median(total),
        "grammar_chars": len(spec.text),
    }


def measure_generation(lang: str, model, tok, generations: int, tokens: int) -> dict:
    grammar = build_grammar(lang, pick(lang, *DECODING_CASES[lang])).text
    masks: list[float] = []
    waits: list[float] = []
    constrained_s = constrained_tokens = 0.0
    lengths = []
    for seed in range(generations):
        out = generate(model, tok, PROMPTS[lang], grammar, temperature=1.0, seed=seed, max_new_tokens=tokens)
        assert not isinstance(out, DecodingError), out
        g = out[0]
        masks += g.timings.mask_us
        waits.append(g.timings.compile_s * 1e3)
        constrained_s += g.timings.total_s - g.timings.prompt_s - g.timings.compile_s
        constrained_tokens += g.tokens
        lengths.append(g.tokens)
    free_s = free_tokens = 0.0
    for seed, length in enumerate(lengths):
        g = generate(model, tok, PROMPTS[lang], None, temperature=1.0, seed=seed, max_new_tokens=length)[0]
        free_s += g.timings.total_s - g.timings.prompt_s
        free_tokens += g.tokens
    per_constrained = constrained_s / constrained_tokens
    per_free = free_s / free_tokens
    return {
        "compile_wait_ms_median": statistics.median(waits),
        "mask_us_median": statistics.median(masks),
        "mask_us_p99": percentile(masks, 0.99),
        "mask_samples": len(masks),
        "constrained_ms_per_token": per_constrained * 1e3,
        "unconstrained_ms_per_token": per_free * 1e3,
        "ratio": per_constrained / per_free,
        "tokens": int(constrained_tokens),
    }


def measure_outlines(lang: str, model, tok, generations: int, tokens: int) -> dict | None:
    try:
        import outlines
        from outlines.types import CFG
    except ImportError:
        return None
    grammar = build_grammar(lang, pick(lang, *DECODING_CASES[lang])).text
    wrapped = outlines.from_transformers(model, tok)
    generator = outlines.Generator(wrapped, CFG(grammar))
    generator(PROMPTS[lang], max_new_tokens=4, do_sample=True)  # warm-up: torch.compile of the mask kernel
    seconds = produced = 0.0
    for _ in range(generations):
        t0 = time.perf_counter()
        text = generator(PROMPTS[lang], max_new_tokens=tokens, do_sample=True)
        seconds += time.perf_counter() - t0
        produced += max(1, len(tok.encode(text, add_special_tokens=False)))
    return {"ms_per_token": seconds / produced * 1e3, "tokens": int(produced)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--no-outlines", action="store_true")
    parser.add_argument(
        "--model", type=Path, help="A Hugging Face causal LM directory (default: random Llama)."
    )
    parser.add_argument(
        "--runtime",
        choices=RUNTIMES,
        default="auto",
        help="How --model is evaluated (default: as the CLI does); outlines needs transformers.",
    )
    args = parser.parse_args()
    if args.model is not None and not args.no_outlines and args.runtime != "transformers":
        parser.error(
            "outlines runs the model through transformers: add --runtime transformers or --no-outlines"
        )
    torch.set_num_threads(1)
    results = RESULTS
    if args.model is not None:
        from codegen.model.loading import load_model

        loaded = load_model(args.model, "cpu", runtime=args.runtime)
        model, tok = loaded.model, loaded.tokenizer
        # an ONNX export has no parameter count of its own: its config says what it is
        size = f"{model.num_parameters() / 1e6:.1f}M parameters, " if hasattr(model, "num_parameters") else ""
        tok_name = "the model's tokenizer.json"
        runtime = type(model).__name__
        model_name = f"{args.model} ({size}evaluated by {runtime})"
        results = RESULTS.with_name(f"decoding-{args.model.resolve().name}.json")
        PROMPTS.update(MODEL_PROMPTS)
    else:
        tok, tok_name = load_tokenizer()
        model = random_llama(len(tok), hidden=256, layers=2, eos_id=tok.eos_token_id)
        params = sum(p.numel() for p in model.parameters())
        model_name = f"random Llama, {params / 1e6:.1f}M parameters, hidden 256, 2 layers"
    lltok = ll_tokenizer(tok, len(tok))
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", *sys.argv]),
        "model": model_name,
        "tokenizer": f"{tok_name} ({len(tok)} tokens)",
        "llguidance": llguidance.__version__,
        "languages": {},
    }
    for lang in DECODING_CASES:
        row = measure_compile(lang, lltok)
        row |= measure_generation(lang, model, tok, args.generations, args.tokens)
        if not args.no_outlines:
            row["outlines"] = measure_outlines(lang, model, tok, max(3, args.generations // 4), args.tokens)
        result["languages"][lang] = row
        print(f"{lang}: done", flush=True)
    print(f"\n{result['model']}; {result['tokenizer']}")
    head = f"{'lang':<8} {'build+compile ms':>17} {'wait ms':>8} {'mask µs p50':>11} {'p99':>7} {'ms/tok constr':>13} {'unconstr':>9} {'ratio':>6} {'outlines ms/tok':>15}"
    print(head)
    for lang, r in result["languages"].items():
        out = r.get("outlines")
        print(
            f"{lang:<8} {r['build_compile_ms_median']:>17.2f} {r['compile_wait_ms_median']:>8.2f} {r['mask_us_median']:>11.1f} {r['mask_us_p99']:>7.1f} "
            f"{r['constrained_ms_per_token']:>13.3f} {r['unconstrained_ms_per_token']:>9.3f} {r['ratio']:>6.3f} "
            f"{(out['ms_per_token'] if out else float('nan')):>15.3f}"
        )
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
