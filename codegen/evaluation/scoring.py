"""Score predictions: per example when a record is written, per language over a system's records.

Per-example scores need the external tools (bash -n, shellcheck, gfortran) and are stored in the
record, so a resumed or re-summarised run does not repeat them; corpus-level scores (charBLEU,
CodeBLEU) are computed from the records' predictions and references whenever a summary is made.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict
from functools import cached_property
from typing import Any

from codegen.docs.index import DocIndex
from codegen.docs.record import DocRecord
from codegen.evaluation.metrics.ansible import AnsibleExample, ansible_example, ansible_scores
from codegen.evaluation.metrics.bash import flag_report, tool_report
from codegen.evaluation.metrics.codebleu import code_bleu
from codegen.evaluation.metrics.codebleu_languages import code_language
from codegen.evaluation.metrics.fortran import ExecTest, FortranExample, fortran_example, fortran_scores
from codegen.evaluation.metrics.tldr import tldr_example, tldr_scores
from codegen.validate.argspec import ModuleCatalog
from codegen.values import value_scores


class Documentation:
    """The documentation metrics check predictions against: Bash commands and Ansible modules."""

    def __init__(self, index: DocIndex) -> None:
        self.index = index

    def bash(self, name: str) -> DocRecord | None:
        position = self.index.position("bash", name)
        return self.index.record(position) if position is not None else None

    @cached_property
    def catalog(self) -> ModuleCatalog:
        return ModuleCatalog(self.index.record(i) for i, dsl in enumerate(self.index.dsl) if dsl == "ansible")


def score_example(
    lang: str,
    prediction: str,
    reference: str,
    tests: list[ExecTest],
    docs: Documentation,
    expects: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The per-example scores of one prediction (stored in its record)."""
    scores: dict[str, Any] = {"empty": not prediction.strip()}
    if lang == "bash":
        flags = flag_report(prediction, docs.bash)
        tools = tool_report(prediction)
        scores |= tldr_example(prediction, reference).to_json()
        scores |= {
            "flags_checked": flags.checked,
            "flags_hallucinated": list(flags.hallucinated),
            "bash_n_ok": tools.bash_n_ok,
            "shellcheck_ok": tools.shellcheck_ok,
        }
    elif lang == "ansible":
        scores |= ansible_example(prediction, reference, docs.catalog).to_json()
    elif lang == "fortran":
        scores |= fortran_example(prediction, tests, expects=expects).to_json()
    return scores


def summarize(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Metrics per language of one system's records."""
    by_lang: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_lang.setdefault(record["lang"], []).append(record)
    return {lang: _language_summary(lang, recs) for lang, recs in sorted(by_lang.items())}


def _language_summary(lang: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    predictions = [r["code"] for r in records]
    references = [r["reference"] for r in records]
    scores = [r["scores"] for r in records]
    latency = sorted(r["wall_seconds"] for r in records)
    summary: dict[str, Any] = {
        "n": len(records),
        "empty_rate": _mean(s["empty"] for s in scores),
        "pipeline_valid_rate": _mean(bool(r["valid"]) and bool(r["code"].strip()) for r in records),
        "latency_mean_s": statistics.fmean(latency),
        "latency_p50_s": _quantile(latency, 0.5),
        "latency_p95_s": _quantile(latency, 0.95),
    }
    if lang == "bash":
        summary |= asdict(tldr_scores(predictions, references))
        checked = sum(s["flags_checked"] for s in scores)
        hallucinated = sum(len(s["flags_hallucinated"]) for s in scores)
        summary |= {
            "flag_hallucination_rate": hallucinated / checked if checked else None,
            "flags_checked": checked,
            "bash_n_error_rate": 1 - _mean(s["bash_n_ok"] for s in scores),
            "shellcheck_error_rate": 1 - _mean(s["shellcheck_ok"] for s in scores),
        }
        executed = [s["exec_match"] for s in scores if "exec_match" in s]
        summary |= {
            "execution_accuracy": _mean(executed) if executed else None,
            "executed": len(executed),
        }
    elif lang == "ansible":
        summary |= asdict(ansible_scores([AnsibleExample(**_fields(AnsibleExample, s)) for s in scores]))
    elif lang == "fortran":
        summary |= asdict(fortran_scores([FortranExample(**_fields(FortranExample, s)) for s in scores]))
    if lang in ("bash", "ansible") and all("nl" in r for r in records):
        summary |= asdict(value_scores([r["nl"] for r in records], predictions, lang))
    bleu = code_bleu(references, predictions, code_language(lang))
    summary |= {k if k == "codebleu" else f"codebleu_{k}": v for k, v in bleu.to_json().items()}
    return summary


def _fields(cls: type, scores: dict[str, Any]) -> dict[str, Any]:
    # a field added later (with a default) is missing from records written before it
    return {k: scores[k] for k in cls.__dataclass_fields__ if k in scores}  # type: ignore[attr-defined]


def _mean(values: Any) -> float:
    items = [float(v) for v in values]
    return sum(items) / len(items)


def _quantile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank quantile."""
    return sorted_values[max(1, math.ceil(q * len(sorted_values))) - 1]
