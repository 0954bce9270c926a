"""A model shipped as a recipe (base GGUF + low-rank delta + weightless graph) assembles into the
model it was made from, and the GGUF reader computes what transformers computes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime_genai", reason="writing a recipe needs the `export` extra")
pytest.importorskip("gguf", reason="reading the base needs the gguf package")

import gguf
import torch
from safetensors import deserialize
from transformers import AutoModelForCausalLM

from codegen.errors import InputError
from codegen.model.gguf_weights import BLOCK_NAMES, GLOBAL_NAMES, _unpermute, llama_weights
from codegen.model.loading import load_model
from codegen.model.numpy_llama import tensor_to_float32
from codegen.model.onnx_lm import OnnxLM
from codegen.model.recipe import Recipe, apply_delta, ensure_assembled, read_delta
from codegen.training.recipe_export import _int8_factors, low_rank_delta, write_recipe

IDS = [5, 17, 42, 7, 99, 3, 250, 8, 11, 12]


def _permute(weights: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's convert_hf_to_gguf permutation of the query and key projections."""
    return (
        weights.reshape(heads, 2, weights.shape[0] // heads // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def _write_gguf(weights: dict[str, np.ndarray], config: dict, path: Path) -> None:
    to_gguf = {v: k for k, v in GLOBAL_NAMES.items()}
    writer = gguf.GGUFWriter(str(path), "llama")
    for name, values in weights.items():
        if name in to_gguf:
            target = to_gguf[name]
        else:
            layer, rest = name.removeprefix("model.layers.").split(".", 1)
            block = next(k for k, v in BLOCK_NAMES.items() if rest == f"{v}.weight")
            target = f"blk.{layer}.{block}.weight"
        if name.endswith("q_proj.weight"):
            values = _permute(values, config["num_attention_heads"])
        elif name.endswith("k_proj.weight"):
            values = _permute(values, config["num_key_value_heads"])
        writer.add_tensor(target, np.ascontiguousarray(values, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _weights(path: Path) -> dict[str, np.ndarray]:
    return {n: tensor_to_float32(t) for n, t in deserialize((path / "model.safetensors").read_bytes())}


@pytest.fixture(scope="module")
def made(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A base (the tiny model, as a GGUF), a model tuned from it by a rank-2 change of every matrix,
    and the recipe of the tuned model against that base."""
    root = tmp_path_factory.mktemp("recipe")
    config = json.loads((tiny_model_dir / "config.json").read_text())
    base = _weights(tiny_model_dir)
    _write_gguf(base, config, root / "base.gguf")
    rng = np.random.default_rng(0)
    tuned = {
        name: values + (rng.normal(0, 0.05, (values.shape[0], 2)) @ rng.normal(0, 0.05, (2, values.shape[1])))
        if values.ndim == 2
        else values * 1.1
        for name, values in base.items()
    }
    tuned_dir = root / "tuned"
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, local_files_only=True)
    model.load_state_dict({n: torch.tensor(v, dtype=torch.float32) for n, v in tuned.items()}, strict=False)
    model.save_pretrained(tuned_dir)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (tuned_dir / name).write_bytes((tiny_model_dir / name).read_bytes())
    recipe = {
        "name": "tiny",
        "base": {"distribution": "not-a-wheel", "version": "0", "file": "base.gguf"},
        "delta": "delta.safetensors",
        "graph": "graph.onnx",
        "quantize": "none",
    }
    write_recipe(tuned_dir, base, root / "recipe", recipe, rank=2, embedding_rank=2)
    return {"root": root, "tuned": tuned_dir, "recipe": root / "recipe", "gguf": root / "base.gguf"}


def test_gguf_unpermute_is_what_transformers_does() -> None:
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    permuted = np.arange(8 * 6 * 3, dtype=np.float32).reshape(48, 3)
    theirs = LlamaTensorProcessor()._reverse_permute_weights(permuted, 4, 4)
    np.testing.assert_array_equal(_unpermute(permuted, 4), theirs)
    np.testing.assert_array_equal(_unpermute(_permute(permuted, 4), 4), permuted)


def test_gguf_weights_come_back_under_their_hugging_face_names(
    made: dict[str, Path], tiny_model_dir: Path
) -> None:
    config = json.loads((tiny_model_dir / "config.json").read_text())
    got = llama_weights(made["gguf"], config["num_attention_heads"], config["num_key_value_heads"])
    want = _weights(tiny_model_dir)
    assert set(got) == set(want)
    for name in want:
        np.testing.assert_array_equal(got[name], want[name])


def test_a_low_rank_change_is_kept_exactly() -> None:
    rng = np.random.default_rng(1)
    base = {"w": rng.normal(size=(12, 8)).astype(np.float32), "norm": np.ones(8, dtype=np.float32)}
    change = rng.normal(size=(12, 2)) @ rng.normal(size=(2, 8))
    tuned = {"w": (base["w"] + change).astype(np.float32), "norm": base["norm"] * 2}
    delta, kept = low_rank_delta(base, tuned, rank=2, embedding_rank=2)
    assert kept["w"] == pytest.approx(1.0)
    rebuilt = apply_delta(base, delta)
    np.testing.assert_allclose(rebuilt["w"], tuned["w"], atol=1e-5)
    np.testing.assert_array_equal(rebuilt["norm"], tuned["norm"])
    with pytest.raises(ValueError, match="does not have"):
        apply_delta({"norm": base["norm"]}, delta)


def test_int8_factors_come_back_within_their_rows_rounding() -> None:
    from safetensors.numpy import save

    rng = np.random.default_rng(2)
    delta = {"w.up": rng.normal(size=(40, 4)).astype(np.float32), "w.down": np.zeros((4, 6), np.float32)}
    delta["norm"] = rng.normal(size=6).astype(np.float32)
    back = read_delta(deserialize(save(_int8_factors(delta))))
    assert set(back) == set(delta)
    row_max = np.abs(delta["w.up"]).max(axis=1, keepdims=True)
    assert np.all(np.abs(back["w.up"] - delta["w.up"]) <= row_max / 127 * 0.51 + 1e-6)
    np.testing.assert_array_equal(back["w.down"], 0)  # an all-zero row keeps a usable scale
    np.testing.assert_array_equal(back["norm"], delta["norm"])


def test_the_recipe_assembles_into_the_tuned_model(
    made: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path))
    monkeypatch.setattr(Recipe, "base_file", lambda self: made["gguf"])
    assert (made["recipe"] / "graph.onnx").stat().st_size < 200_000  # no weights in it
    target = ensure_assembled(made["recipe"])
    assert target.parent == tmp_path / "models"
    assert ensure_assembled(made["recipe"]) == target  # once
    loaded = load_model(made["recipe"], "cpu")  # a recipe directory loads as its assembled model
    assert isinstance(loaded.model, OnnxLM)
    got, _ = loaded.model.forward(IDS, loaded.model.start(), all_logits=True)
    reference = AutoModelForCausalLM.from_pretrained(made["tuned"], local_files_only=True).eval()
    with torch.no_grad():
        want = reference(torch.tensor([IDS])).logits[0].numpy()
    # the delta's factors are stored in int8: close to, not bit-equal with, the tuned model
    np.testing.assert_allclose(got, want, atol=2e-3, rtol=1e-3)


def test_a_new_assembly_replaces_the_old_one(
    made: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import codegen.model.recipe as recipe_module
    from codegen.model.onnx_lm import OPTIMIZED_RECORD

    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path))
    monkeypatch.setattr(Recipe, "base_file", lambda self: made["gguf"])
    first = ensure_assembled(made["recipe"])
    assert (first / OPTIMIZED_RECORD).is_file()  # onnxruntime's optimised graph, made once here
    monkeypatch.setattr(recipe_module, "ASSEMBLY_VERSION", "next")
    second = ensure_assembled(made["recipe"])
    assert second != first and second.is_dir() and not first.exists()


def test_a_missing_base_wheel_is_an_input_error(
    made: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path))
    with pytest.raises(InputError, match="not-a-wheel wheel, which is not installed"):
        ensure_assembled(made["recipe"])


def test_a_damaged_recipe_is_an_input_error(
    made: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(Recipe, "base_file", lambda self: made["gguf"])
    broken = tmp_path / "recipe"
    shutil.copytree(made["recipe"], broken)
    (broken / "graph.onnx").write_bytes(b"junk")
    with pytest.raises(InputError, match="could not be assembled"):
        load_model(broken, "cpu")
