"""Prompts (codegen/prompt.py): documentation snippets, the closest examples, and how a model says which
prompts it was trained on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from codegen.docs.record import DocRecord
from codegen.prompt import EXAMPLE_CHARS, PROMPT_FILE, build_prompt, prompt_examples, usable_example


def _record() -> DocRecord:
    return DocRecord(
        dsl="bash",
        name="find",
        summary="search for files in a directory hierarchy",
        text="",
        schema={"options": [{"flags": ["-name"]}, {"flags": ["-mtime"]}, {"flags": ["-delete"]}]},
        source="man",
        version="1",
    )


def test_prompt_shows_docs_then_examples_then_the_task() -> None:
    examples = [("delete logs older than 3 days", "find /var/log -mtime +3 -delete")]
    prompt = build_prompt("  delete old logs ", "bash", [_record()], examples)
    assert prompt == (
        "# lang: bash\n# docs:\nfind: search for files in a directory hierarchy\n  -name -mtime -delete\n"
        "# example: delete logs older than 3 days\nfind /var/log -mtime +3 -delete\n"
        "# task: delete old logs\n# code:\n"
    )
    # without examples the prompt is the documentation-only one the first default model was trained on
    assert build_prompt("delete old logs", "bash", [_record()]) == (
        "# lang: bash\n# docs:\nfind: search for files in a directory hierarchy\n  -name -mtime -delete\n"
        "# task: delete old logs\n# code:\n"
    )


def test_usable_examples_are_one_line_requests_with_short_code() -> None:
    assert usable_example("list files", "ls -l")
    assert not usable_example("list\nfiles", "ls -l")
    assert not usable_example("list files", "")
    assert not usable_example("long task", "x" * (EXAMPLE_CHARS + 1))


def test_a_model_directory_says_how_many_examples_its_prompts_carry(tmp_path: Path) -> None:
    assert prompt_examples(tmp_path) == 0
    (tmp_path / PROMPT_FILE).write_text(json.dumps({"examples": 3}))
    assert prompt_examples(tmp_path) == 3


def test_loaded_models_carry_their_prompt_format(tiny_model_dir: Path, tmp_path: Path) -> None:
    from codegen.model.loading import load_model

    assert load_model(tiny_model_dir).prompt_examples == 0
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / PROMPT_FILE).write_text(json.dumps({"examples": 2}))
    assert load_model(copy).prompt_examples == 2
