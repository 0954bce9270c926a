"""The plain chat baseline (chat template + few-shot prompt, no retrieval, no grammar) on the tiny model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.docs.record import DSLS
from codegen.errors import InputError
from codegen.evaluation.cli import app
from codegen.evaluation.data import EvalExample, read_examples
from codegen.evaluation.plain_chat import (
    FEWSHOT,
    PlainChat,
    _StopAfterBlock,
    block_closed,
    extract_code,
    load_fewshot,
)
from codegen.evaluation.runner import read_records, records_path
from codegen.evaluation.suites import FORTRAN_TASKS
from codegen.model.loading import LoadedModel, load_model
from codegen.splits import held_out
from codegen.validate import validate

# a ChatML-like template: enough to render system/user/assistant turns and the generation prompt
TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|endoftext|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


@pytest.fixture
def chat_model_dir(tiny_model_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "tiny-chat"
    shutil.copytree(tiny_model_dir, path)
    (path / "chat_template.jinja").write_text(TEMPLATE)
    return path


def test_extract_code() -> None:
    assert extract_code("```bash\nls -la {{path}}\n```") == "ls -la {{path}}"
    assert extract_code("Sure! Here it is:\n```yaml\n- name: x\n  ansible.builtin.ping:\n```\nDone.") == (
        "- name: x\n  ansible.builtin.ping:"
    )
    # only the first block counts; a block cut off by the token limit keeps what was written
    assert extract_code("```\nfirst\n```\n```\nsecond\n```") == "first"
    assert extract_code("```fortran\nprogram p\n  print *, 1") == "program p\n  print *, 1"
    # no block: the answer itself, without inline backticks
    assert extract_code("  `du -sh {{dir}}`  \n") == "du -sh {{dir}}"
    assert extract_code("") == ""


def test_block_closed() -> None:
    assert not block_closed("```bash\nls")
    assert not block_closed("```bash")  # the opening fence's line is not finished yet
    assert block_closed("```bash\nls\n```")
    assert not block_closed("plain text ``` inline")


def test_fewshot_examples_are_valid_and_not_from_the_evaluation_splits() -> None:
    shots = load_fewshot()
    assert set(shots) == set(DSLS)
    fortran_dev = {ex.nl for ex in read_examples(FORTRAN_TASKS)}
    for lang, shot in shots.items():
        assert 2 <= len(shot.examples) <= 3, lang
        for nl, code in shot.examples:
            verdict = validate(lang, code)
            assert verdict.ok, (lang, code, verdict.errors)
            if lang == "bash":
                assert not held_out(code.split()[0]), code
            elif lang == "ansible":
                module = code.splitlines()[1].strip().rstrip(":")
                assert module.startswith("ansible.builtin.") and not held_out(module), module
            else:
                assert nl not in fortran_dev


def test_a_model_without_chat_template_is_refused(tiny_model_dir: Path) -> None:
    loaded = load_model(tiny_model_dir, "cpu", runtime="transformers")
    assert not loaded.tokenizer.chat_template
    with pytest.raises(InputError, match="no chat template"):
        PlainChat(loaded, load_fewshot())


def test_prompt_holds_the_fewshot_turns_then_the_request(chat_model_dir: Path) -> None:
    chat = PlainChat.load(chat_model_dir, "cpu")
    shot = chat.shots["ansible"]
    prompt = chat.prompt("  Restart nginx  ", "ansible")
    assert prompt.startswith(f"<|system|>{shot.system}<|endoftext|>")
    assert prompt.endswith("<|user|>Restart nginx<|endoftext|>\n<|assistant|>")
    first_nl, first_code = shot.examples[0]
    assert f"<|user|>{first_nl}<|endoftext|>\n<|assistant|>```yaml\n{first_code}\n```" in prompt
    assert prompt.count("<|assistant|>") == len(shot.examples) + 1


def _chat_model(tiny_model_dir: Path, eos_bias: float) -> LoadedModel:
    """The tiny model's tokenizer with a chat template and random weights whose EOS logit is pushed up
    or down (in memory: the bias does not survive save_pretrained)."""
    from tests.tiny_lm import random_llama

    tokenizer = load_model(tiny_model_dir, "cpu", runtime="transformers").tokenizer
    tokenizer.chat_template = TEMPLATE
    model = random_llama(len(tokenizer), eos_id=tokenizer.eos_token_id, eos_bias=eos_bias)
    return LoadedModel(model=model, tokenizer=tokenizer, device="cpu", path=tiny_model_dir)


def test_an_answer_cut_at_the_token_limit_is_invalid(tiny_model_dir: Path) -> None:
    chat = PlainChat(_chat_model(tiny_model_dir, eos_bias=-100.0), load_fewshot(), max_new_tokens=12)
    example = EvalExample("ex#0", "list files", "bash", "ls")
    text, finished = chat.complete(chat.prompt(example.nl, example.lang))
    assert not finished
    assert len(chat.loaded.tokenizer(text, add_special_tokens=False)["input_ids"]) == 12
    assert (text, finished) == chat.complete(chat.prompt(example.nl, example.lang))  # greedy
    result = chat.generate(example)
    assert (result.id, result.lang, result.code) == ("ex#0", "bash", extract_code(text))
    assert not result.valid and result.seconds > 0
    assert any("token limit" in e.message for e in result.errors)


def test_an_answer_ends_at_the_end_of_the_turn(tiny_model_dir: Path) -> None:
    chat = PlainChat(_chat_model(tiny_model_dir, eos_bias=100.0), load_fewshot(), max_new_tokens=12)
    assert chat.complete(chat.prompt("list files", "bash")) == ("", True)
    result = chat.generate(EvalExample("ex#1", "list files", "bash", "ls"))
    assert result.code == "" and not result.valid
    assert [e.message for e in result.errors] == ["the answer holds no code"]


def test_generation_stops_when_the_first_block_closes(chat_model_dir: Path) -> None:
    tokenizer = load_model(chat_model_dir, "cpu", runtime="transformers").tokenizer
    prompt = tokenizer("<|user|>hi", return_tensors="pt")["input_ids"]
    stop = _StopAfterBlock(tokenizer, prompt.shape[1])
    import torch

    def ids(answer: str) -> torch.Tensor:
        return torch.cat([prompt, tokenizer(answer, return_tensors="pt")["input_ids"]], dim=1)

    assert not bool(stop(ids("```bash\nls -la"), None)[0])
    assert bool(stop(ids("```bash\nls -la\n```"), None)[0]) and stop.fired
    # the fence inside the prompt does not count
    stop = _StopAfterBlock(tokenizer, ids("```bash\nls\n```").shape[1])
    assert not bool(stop(ids("```bash\nls\n```"), None)[0])


def test_eval_command_plain_chat(chat_model_dir: Path, dslgen_home: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    rows = [
        {"id": "b1", "nl": "list files", "lang": "bash", "code": "ls"},
        {"id": "a1", "nl": "ping", "lang": "ansible", "code": "- ansible.builtin.ping:"},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "eval"
    args = ["--data", str(data), "--model", str(chat_model_dir), "--plain-chat", "--no-perplexity"]
    result = CliRunner().invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = read_records(records_path(out, "tiny-chat-plain-chat"))
    assert [r["id"] for r in records] == ["b1", "a1"]
    assert all(r["docs"] == [] for r in records)  # no retrieval
    meta = json.loads((out / "systems" / "tiny-chat-plain-chat.json").read_text())
    assert meta["constrained"] is False and FEWSHOT.name in meta["prompt"]
    assert "tiny-chat-plain-chat" in (out / "report.md").read_text()


def test_eval_command_plain_chat_needs_a_chat_model(
    tiny_model_dir: Path, dslgen_home: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"id": "b1", "nl": "list files", "lang": "bash", "code": "ls"}) + "\n")
    runner = CliRunner()
    no_template = runner.invoke(
        app, ["--data", str(data), "--model", str(tiny_model_dir), "--plain-chat", "-o", str(tmp_path / "o")]
    )
    assert isinstance(no_template.exception, InputError)
    assert "no chat template" in str(no_template.exception)
    no_model = runner.invoke(app, ["--data", str(data), "--plain-chat", "-o", str(tmp_path / "o")])
    assert isinstance(no_model.exception, InputError)
    both = runner.invoke(
        app,
        ["--data", str(data), "--model", str(tiny_model_dir), "--plain-chat", "--no-constrain", "-o", "x"],
    )
    assert isinstance(both.exception, InputError)
