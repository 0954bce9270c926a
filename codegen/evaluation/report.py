"""Summaries of every system evaluated into one directory: summary.json, report.md and PNG plots.

Layout of an evaluation directory:
  records/<system>.jsonl   one record per example (codegen.evaluation.runner)
  systems/<system>.json    how the system was run (model, constraints, data) and its LM scores
  summary.json             metrics per system and language
  report.md                the same as tables, with the plots
  metrics_<lang>.png       metric bars per system; latency.png: latency histogram per system
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codegen.atomic import atomic_write_text
from codegen.evaluation.plots import latency_histogram, metric_bars
from codegen.evaluation.runner import read_records, systems
from codegen.evaluation.scoring import summarize

# (summary key, column label, scale): "pct" is a fraction shown in percent, "score" is already 0-100,
# "raw" is shown as is. Rates of errors and hallucinations: lower is better.
METRICS: dict[str, list[tuple[str, str, str]]] = {
    "bash": [
        ("command_accuracy", "CMD", "pct"),
        ("exact_match", "EM", "pct"),
        ("token_f1", "token F1", "pct"),
        ("char_bleu", "charBLEU", "score"),
        ("codebleu", "CodeBLEU", "pct"),
        ("flag_hallucination_rate", "flag halluc. ↓", "pct"),
        ("bash_n_error_rate", "bash -n err ↓", "pct"),
        ("shellcheck_error_rate", "shellcheck err ↓", "pct"),
        ("execution_accuracy", "exec acc", "pct"),
    ],
    "ansible": [
        ("yaml_parse_rate", "YAML parse", "pct"),
        ("schema_valid_rate", "schema valid", "pct"),
        ("argspec_valid_rate", "argspec valid", "pct"),
        ("module_accuracy", "module acc", "pct"),
        ("key_f1", "key F1", "pct"),
        ("value_exact_match", "value EM", "pct"),
        ("ansible_aware", "Ansible Aware", "pct"),
        ("codebleu", "CodeBLEU", "pct"),
        ("module_hallucination_rate", "module halluc. ↓", "pct"),
        ("key_hallucination_rate", "key halluc. ↓", "pct"),
    ],
    "fortran": [
        ("syntax_rate", "syntax ok", "pct"),
        ("compile_rate", "compiles+links", "pct"),
        ("expected_rate", "expected routine", "pct"),
        ("pass_at_1", "pass@1", "pct"),
        ("codebleu", "CodeBLEU", "pct"),
    ],
}
COMMON = [("empty_rate", "empty ↓", "pct"), ("pipeline_valid_rate", "valid (own check)", "pct")]
LATENCY = [("latency_mean_s", "mean s"), ("latency_p50_s", "p50 s"), ("latency_p95_s", "p95 s")]
LM = [
    ("bits_per_byte", "bits/byte", ".3f"),
    ("lexeme_perplexity", "ppl/lexeme", ".4g"),
    ("tokens", "tokens", "d"),
]

NOTES = """\
- Bash: CMD, EM, token F1 (macro) and charBLEU follow DocPrompting's tldr metric exactly
  (`codegen/evaluation/metrics/tldr.py`); flags are checked against the command's documentation;
  `bash -n`/shellcheck run on the code with tldr placeholders made concrete.
- Bash exec acc (`--execute`, tasks with a fixture): the prediction and the reference run in identical
  fresh sandboxes; a match finishes alike, prints the same stdout (as the task says) and leaves the same
  files (`codegen/evaluation/execution.py`). "–" when no task was executed.
- Ansible: tasks are aligned by position; module names compare as FQCNs (`copy` = `ansible.builtin.copy`);
  the Ansible Aware formula is in `codegen/evaluation/metrics/ansible.py`.
- Fortran: pass@1 compares stdout with the expected output after whitespace normalisation
  (both split on whitespace), one prediction per task, over the tasks that have tests.
- CodeBLEU is corpus-level (`codegen/evaluation/metrics/codebleu.py`); YAML has no data-flow component,
  so its weight is spread over the other three.
- An empty prediction fails every validity check; "valid (own check)" is the system's own verdict.
"""


def system_meta_path(out_dir: Path, system: str) -> Path:
    return out_dir / "systems" / f"{system}.json"


def write_system_meta(out_dir: Path, system: str, meta: dict[str, Any]) -> None:
    atomic_write_text(
        system_meta_path(out_dir, system), json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    )


def build_summary(out_dir: Path) -> dict[str, Any]:
    summary: dict[str, Any] = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "systems": {}}
    for system, path in systems(out_dir):
        records = read_records(path)
        if not records:
            continue
        meta_path = system_meta_path(out_dir, system)
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        summary["systems"][system] = {"meta": meta, "languages": summarize(records)}
    return summary


def write_report(out_dir: Path) -> dict[str, Any]:
    """(Re)write summary.json, report.md and the plots from everything in `out_dir`."""
    summary = build_summary(out_dir)
    atomic_write_text(out_dir / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    plots = _plots(out_dir, summary)
    atomic_write_text(out_dir / "report.md", render_markdown(summary, plots))
    return summary


def _plots(out_dir: Path, summary: dict[str, Any]) -> list[str]:
    names = []
    for lang in METRICS:
        values = {
            system: {
                label: _display(data["languages"][lang].get(key), scale)
                for key, label, scale in METRICS[lang]
            }
            for system, data in summary["systems"].items()
            if lang in data["languages"]
        }
        if values:
            metric_bars(
                out_dir / f"metrics_{lang}.png",
                f"{lang}: metrics per system (%, ↓ = lower is better)",
                values,
            )
            names.append(f"metrics_{lang}.png")
    latencies = {
        system: [r["wall_seconds"] for r in read_records(path)]
        for system, path in systems(out_dir)
        if system in summary["systems"]
    }
    if latencies:
        latency_histogram(out_dir / "latency.png", latencies)
        names.append("latency.png")
    return names


def _display(value: Any, scale: str) -> float | None:
    if value is None:
        return None
    return float(value) * 100 if scale == "pct" else float(value)


def _cell(value: Any, scale: str) -> str:
    shown = _display(value, scale)
    return "–" if shown is None else f"{shown:.1f}"


def render_markdown(summary: dict[str, Any], plots: list[str]) -> str:
    lines = ["# Evaluation report", "", f"Generated {summary['generated_at']}.", ""]
    systems_ = summary["systems"]
    if systems_:
        lines += [
            "## Systems",
            "",
            "| system | model | constrained | data | examples |",
            "|---|---|---|---|---|",
        ]
        for system, data in systems_.items():
            meta = data["meta"]
            n = sum(lang["n"] for lang in data["languages"].values())
            lines.append(
                f"| {system} | {meta.get('model', '–')} | {meta.get('constrained', '–')} | "
                f"{meta.get('data', '–')} | {n} |"
            )
        lines.append("")
    for lang, columns in METRICS.items():
        rows = [
            (s, d["languages"][lang], d["meta"].get("lm", {}).get(lang))
            for s, d in systems_.items()
            if lang in d["languages"]
        ]
        if not rows:
            continue
        cols = columns + COMMON
        lines += [
            f"## {lang}",
            "",
            "| system | n | " + " | ".join(c[1] for c in cols) + " |",
            "|---|---:|" + "---:|" * len(cols),
        ]
        for system, metrics, _ in rows:
            cells = [_cell(metrics.get(key), scale) for key, _, scale in cols]
            lines.append(f"| {system} | {metrics['n']} | " + " | ".join(cells) + " |")
        lines += [
            "",
            "| system | " + " | ".join(c[1] for c in LATENCY) + " |",
            "|---|" + "---:|" * len(LATENCY),
        ]
        for system, metrics, _ in rows:
            lines.append(f"| {system} | " + " | ".join(f"{metrics[key]:.3f}" for key, _ in LATENCY) + " |")
        lm_rows = [(s, lm) for s, _, lm in rows if lm]
        if lm_rows:
            lines += [
                "",
                "| system (LM on references) | " + " | ".join(c[1] for c in LM) + " |",
                "|---|" + "---:|" * len(LM),
            ]
            for system, lm in lm_rows:
                lines.append(
                    f"| {system} | " + " | ".join(format(lm[key], spec) for key, _, spec in LM) + " |"
                )
        lines.append("")
    if plots:
        lines += ["## Plots", ""] + [f"![{name}]({name})" for name in plots] + [""]
    lines += ["## How the metrics are defined", "", NOTES]
    return "\n".join(lines)
