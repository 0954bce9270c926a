"""The text a model sees: the request, short snippets of the retrieved documentation and, for models
trained with them, the closest examples of the chosen command or module.

Training (fine-tuning) and inference must build prompts the same way, so both call `build_prompt`;
the model's loss covers only what follows the prompt. A model directory says how many examples its
prompts carry in `prompt.json` (`{"examples": 3}`); models without that file were trained on
documentation-only prompts and get those.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codegen.docs.record import DocRecord

MAX_DOCS = 3
MAX_OPTIONS = 12
SUMMARY_CHARS = 160
# an example longer than this (a real task with a long loop or a 30-line script) is left out rather
# than cut: a cut example would teach the model to stop mid-task
EXAMPLE_CHARS = 400
PROMPT_FILE = "prompt.json"


def _option_names(schema: dict[str, Any]) -> list[str]:
    options = schema.get("options")
    if isinstance(options, dict):  # ansible: option names, required ones first
        return sorted(options, key=lambda k: (not (options[k] or {}).get("required"), k))
    if isinstance(options, list):  # bash: each flag's first spelling
        return [str(f["flags"][0]) for f in options if isinstance(f, dict) and f.get("flags")]
    if schema.get("signature"):
        return [str(schema["signature"])]
    return []


def doc_snippet(record: DocRecord) -> str:
    options = _option_names(record.schema)[:MAX_OPTIONS]
    line = f"{record.name}: {record.summary[:SUMMARY_CHARS]}"
    return f"{line}\n  {' '.join(options)}" if options else line


def usable_example(nl: str, code: str) -> bool:
    """Whether an example fits in a prompt: a one-line request and code of at most EXAMPLE_CHARS."""
    return bool(nl.strip()) and bool(code.strip()) and "\n" not in nl.strip() and len(code) <= EXAMPLE_CHARS


def build_prompt(
    task: str, lang: str, records: list[DocRecord], examples: Sequence[tuple[str, str]] = ()
) -> str:
    """`examples`: (request, code) pairs, closest first; callers pass only usable ones."""
    docs = "\n".join(doc_snippet(r) for r in records[:MAX_DOCS])
    shown = "".join(f"# example: {nl.strip()}\n{code.strip()}\n" for nl, code in examples)
    return f"# lang: {lang}\n# docs:\n{docs}\n{shown}# task: {task.strip()}\n# code:\n"


def prompt_examples(model_dir: Path) -> int:
    """How many examples the prompts of the model in `model_dir` carry (0 without `prompt.json`)."""
    path = model_dir / PROMPT_FILE
    if not path.is_file():
        return 0
    return int(json.loads(path.read_text(encoding="utf-8")).get("examples", 0))
