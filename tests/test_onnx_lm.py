"""The ONNX export computes what transformers computes, runs through the decoder like any model, and
the loader picks it for a directory that holds one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime_genai", reason="the export needs the `export` extra")
pytest.importorskip("transformers", reason="the export needs the `train` extra")

import torch
from transformers import AutoModelForCausalLM

from codegen.decoding import generate
from codegen.errors import InputError
from codegen.model.loading import load_model
from codegen.model.onnx_lm import ONNX_FILE, OnnxLM
from codegen.training.onnx_export import export_onnx

IDS = [5, 17, 42, 7, 99, 3, 250, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]


@pytest.fixture(scope="module")
def exports(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("onnx")
    return {q: export_onnx(tiny_model_dir, root / q, q) for q in ("none", "int8")}


def _reference_logits(source: Path, ids: list[int]) -> np.ndarray:
    model = AutoModelForCausalLM.from_pretrained(source, local_files_only=True).eval()
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].numpy()


def _logits_through_the_cache(model: OnnxLM, ids: list[int]) -> np.ndarray:
    prompt, cache = model.forward(ids[:10], model.start(), all_logits=True)
    chunk, cache = model.forward(ids[10:15], cache, all_logits=True)
    singles = []
    for token in ids[15:]:
        logits, cache = model.forward([token], cache, all_logits=False)
        singles.append(logits)
    assert cache.length == len(ids)
    return np.concatenate([prompt, chunk, *singles])


def test_float32_export_matches_transformers_through_the_cache(
    exports: dict[str, Path], tiny_model_dir: Path
) -> None:
    model = OnnxLM.load(exports["none"])
    np.testing.assert_allclose(
        _logits_through_the_cache(model, IDS), _reference_logits(tiny_model_dir, IDS), atol=1e-4, rtol=1e-4
    )
    last, _ = model.forward(IDS[:10], model.start(), all_logits=False)
    full, _ = model.forward(IDS[:10], model.start(), all_logits=True)
    assert last.shape == (1, model.vocab_size)
    np.testing.assert_allclose(last[0], full[-1], atol=1e-5)


def test_int8_export_stays_close_to_float32(exports: dict[str, Path], tiny_model_dir: Path) -> None:
    got = _logits_through_the_cache(OnnxLM.load(exports["int8"]), IDS)
    want = _reference_logits(tiny_model_dir, IDS)
    cosine = (got * want).sum(-1) / (np.linalg.norm(got, axis=-1) * np.linalg.norm(want, axis=-1))
    assert cosine.min() > 0.99
    assert (exports["int8"] / (ONNX_FILE + ".data")).stat().st_size < (
        exports["none"] / (ONNX_FILE + ".data")
    ).stat().st_size


def test_a_saved_optimised_graph_loads_unoptimised_and_computes_the_same(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    import onnxruntime as ort

    from codegen.model.onnx_lm import OPTIMIZED_RECORD, save_optimized

    out = tmp_path / "optimised"
    out.mkdir()
    shutil.copy2(exports["int8"] / "config.json", out / "config.json")
    save_optimized(exports["int8"] / ONNX_FILE, out)
    assert json.loads((out / OPTIMIZED_RECORD).read_text()) == {"onnxruntime": ort.__version__}
    optimised = OnnxLM.load(out)
    assert optimised.session.get_session_options().graph_optimization_level == (
        ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    np.testing.assert_allclose(
        _logits_through_the_cache(optimised, IDS),
        _logits_through_the_cache(OnnxLM.load(exports["int8"]), IDS),
        atol=1e-5,
    )
    # another onnxruntime version optimises the graph again rather than trust this one's
    (out / OPTIMIZED_RECORD).write_text('{"onnxruntime": "0.0"}')
    assert OnnxLM.load(out).session.get_session_options().graph_optimization_level == (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    )


def test_the_loader_picks_onnx_and_the_decoder_runs_it(
    exports: dict[str, Path], tiny_model_dir: Path
) -> None:
    loaded = load_model(exports["none"], "cpu")
    assert isinstance(loaded.model, OnnxLM)
    grammar = 'start: "find " /[a-z]{1,8}/ (" -name " /[a-z.*]{1,6}/)?'
    texts = []
    for model in (loaded, load_model(tiny_model_dir, "cpu", runtime="numpy")):
        out = generate(model.model, model.tokenizer, "find files", grammar, n=2, max_new_tokens=24)
        texts.append([g.text for g in out])
    assert texts[0] == texts[1]
    assert texts[0][0].startswith("find ")
    with pytest.raises(InputError, match="CPU only"):
        load_model(exports["none"], "cuda", runtime="onnx")


def test_export_and_load_errors_are_input_errors(tmp_path: Path, exports: dict[str, Path]) -> None:
    with pytest.raises(InputError, match=r"no config\.json"):
        export_onnx(tmp_path, tmp_path / "out")
    broken = tmp_path / "broken"
    shutil.copytree(exports["none"], broken)
    (broken / ONNX_FILE).write_bytes(b"\x00" * 64)
    with pytest.raises(InputError, match="could not be loaded"):
        load_model(broken, "cpu")
