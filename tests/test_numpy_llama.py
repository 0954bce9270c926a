"""The numpy runtime computes what transformers computes, and the loader picks runtimes as documented."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from codegen.decoding import generate
from codegen.errors import InputError
from codegen.model.fast_tokenizer import FastTokenizer
from codegen.model.loading import load_model
from codegen.model.numpy_llama import NumpyLlama, unsupported_reason

SMALL_MODEL = Path(__file__).resolve().parents[1] / "models" / "dslgen-7m"


def _save_llama(path: Path, *, dtype: torch.dtype, **config: object) -> LlamaForCausalLM:
    torch.manual_seed(0)
    shape = {
        "vocab_size": 300,
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "max_position_embeddings": 16,  # short, so the cache must grow past it
        "tie_word_embeddings": True,
    }
    model = LlamaForCausalLM(LlamaConfig(**(shape | config))).eval()
    model.to(dtype).save_pretrained(path)
    return model.float()


def _reference_logits(model: LlamaForCausalLM, ids: list[int]) -> np.ndarray:
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].numpy()


@pytest.mark.parametrize(
    ("dtype", "config"),
    [
        (torch.float32, {}),
        (torch.bfloat16, {}),
        (torch.float32, {"num_key_value_heads": 2, "tie_word_embeddings": False, "rms_norm_eps": 1e-5}),
    ],
    ids=["fp32-tied", "bf16", "grouped-query-untied"],
)
def test_logits_match_transformers_through_the_cache(
    tmp_path: Path, dtype: torch.dtype, config: dict
) -> None:
    reference_model = _save_llama(tmp_path, dtype=dtype, **config)
    model = NumpyLlama.load(tmp_path)
    ids = [5, 17, 42, 7, 99, 3, 250, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    cache = model.start()
    prompt, cache = model.forward(ids[:10], cache, all_logits=True)
    chunk, cache = model.forward(ids[10:15], cache, all_logits=True)
    singles = [model.forward([t], cache)[0] for t in ids[15:]]
    got = np.concatenate([prompt, chunk, *singles])
    # bf16 weights are widened exactly, so every variant is compared with float32 arithmetic
    np.testing.assert_allclose(got, _reference_logits(reference_model, ids), atol=1e-4, rtol=1e-4)
    last, _ = model.forward(ids[:10], model.start(), all_logits=False)
    np.testing.assert_allclose(last[0], prompt[-1], atol=1e-5)
    assert model.num_parameters() == reference_model.num_parameters()


def test_configurations_it_cannot_compute_exactly_are_named() -> None:
    base = {"model_type": "llama", "hidden_act": "silu"}
    assert unsupported_reason(base) is None
    assert "mistral" in unsupported_reason({**base, "model_type": "mistral"})
    assert "bias" in unsupported_reason({**base, "attention_bias": True})
    assert "yarn" in unsupported_reason({**base, "rope_parameters": {"rope_type": "yarn", "factor": 4.0}})
    assert "gelu" in unsupported_reason({**base, "hidden_act": "gelu"})


def test_the_loader_picks_numpy_for_a_small_llama_and_transformers_on_request(tiny_model_dir: Path) -> None:
    assert isinstance(load_model(tiny_model_dir, "cpu").model, NumpyLlama)
    assert isinstance(load_model(tiny_model_dir, "cpu").tokenizer, FastTokenizer)
    assert isinstance(load_model(tiny_model_dir, "cpu", runtime="transformers").model, LlamaForCausalLM)
    with pytest.raises(InputError, match="unknown runtime"):
        load_model(tiny_model_dir, "cpu", runtime="tensorflow")
    with pytest.raises(InputError, match=r"no model\.onnx"):
        load_model(tiny_model_dir, "cpu", runtime="onnx")


def test_an_unsupported_model_loads_through_transformers(tmp_path: Path, tiny_model_dir: Path) -> None:
    _save_llama(tmp_path, dtype=torch.float32, attention_bias=True)
    PreTrainedTokenizerFast.from_pretrained(tiny_model_dir).save_pretrained(tmp_path)
    assert isinstance(load_model(tmp_path, "cpu").model, LlamaForCausalLM)
    with pytest.raises(InputError, match="numpy runtime cannot run this model \\(bias terms\\)"):
        load_model(tmp_path, "cpu", runtime="numpy")


def test_greedy_generation_is_the_same_on_both_runtimes(tiny_model_dir: Path) -> None:
    grammar = 'start: "find " /[a-z]{1,8}/ (" -name " /[a-z.*]{1,6}/)?'
    texts = []
    for runtime in ("numpy", "transformers"):
        loaded = load_model(tiny_model_dir, "cpu", runtime=runtime)
        out = generate(loaded.model, loaded.tokenizer, "find files", grammar, n=2, max_new_tokens=24)
        texts.append([(g.text, g.finished, round(g.score, 4)) for g in out])
    assert texts[0] == texts[1]
    assert texts[0][0][0].startswith("find ")


@pytest.mark.parametrize("model_dir", ["tiny", "shipped-7m"])
def test_fast_tokenizer_agrees_with_transformers(model_dir: str, tiny_model_dir: Path) -> None:
    path = tiny_model_dir if model_dir == "tiny" else SMALL_MODEL
    if not (path / "tokenizer.json").is_file():
        pytest.skip("no shipped 7M model in this checkout")
    ours, theirs = FastTokenizer.from_dir(path), PreTrainedTokenizerFast.from_pretrained(path)
    assert len(ours) == len(theirs)
    assert (ours.eos_token_id, ours.bos_token_id) == (theirs.eos_token_id, theirs.bos_token_id)
    texts = [
        "find . -name '*.log' -mtime +7 -delete",
        "- name: Install nginx\n  apt:\n    name: nginx\n",
        "      CALL DGEMM('N', 'N', M, N, K, 1.0D0, A, LDA)\n",
        "naïve ünïcode ✓ <|endoftext|>",
    ]
    for text in texts:
        ids = ours.encode(text, add_special_tokens=False)
        assert ids == theirs.encode(text, add_special_tokens=False)
        assert ours.decode(ids, skip_special_tokens=True) == theirs.decode(ids, skip_special_tokens=True)
    config = json.loads((path / "tokenizer_config.json").read_text())
    assert ours.eos_token_id == ours.backend_tokenizer.token_to_id(config["eos_token"])


@pytest.mark.parametrize(
    ("damaged", "content"), [("model.safetensors", b"\x00" * 64), ("tokenizer.json", b"{bad")]
)
def test_a_damaged_model_directory_is_an_input_error(
    tmp_path: Path, tiny_model_dir: Path, damaged: str, content: bytes
) -> None:
    import shutil

    broken = tmp_path / "model"
    shutil.copytree(tiny_model_dir, broken)
    (broken / damaged).write_bytes(content)
    with pytest.raises(InputError, match="could not be loaded"):
        load_model(broken, "cpu")


def test_mapped_tensors_are_the_files_floats_without_copying_float32(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from codegen.model.numpy_llama import mapped_float32_tensors

    weights = {
        "a": torch.arange(12, dtype=torch.float32).reshape(3, 4),
        "b": torch.tensor([1.5, -2.25], dtype=torch.bfloat16),
        "ids": torch.arange(3, dtype=torch.int64),
    }
    save_file(weights, str(tmp_path / "w.safetensors"))
    mapped = mapped_float32_tensors(tmp_path / "w.safetensors")
    assert set(mapped) == {"a", "b"}  # integer tensors are left out
    np.testing.assert_array_equal(mapped["a"], weights["a"].numpy())
    np.testing.assert_array_equal(mapped["b"], np.array([1.5, -2.25], dtype=np.float32))
    assert mapped["a"].dtype == mapped["b"].dtype == np.float32
    assert not mapped["a"].flags.writeable  # a view of the mapped file
