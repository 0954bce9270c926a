"""The text a model sees: the request and short snippets of the retrieved documentation.

Training (fine-tuning) and inference must build prompts the same way, so both call `build_prompt`;
the model's loss covers only what follows the prompt.
"""

from __future__ import annotations

from typing import Any

from codegen.docs.record import DocRecord

MAX_DOCS = 3
MAX_OPTIONS = 12
SUMMARY_CHARS = 160


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


def build_prompt(task: str, lang: str, records: list[DocRecord]) -> str:
    docs = "\n".join(doc_snippet(r) for r in records[:MAX_DOCS])
    return f"# lang: {lang}\n# docs:\n{docs}\n# task: {task.strip()}\n# code:\n"
