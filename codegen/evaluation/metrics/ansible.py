"""Ansible metrics: YAML parse, task structure, argument spec, and task-level similarity to a reference.

Tasks are read the way Ansible reads them (codegen.validate's YAML loader and Ansible's
ModuleArgsParser), so `file: path=/x state=absent`, `args:` and `action:` forms all count. A task's
*keys* are its module arguments (option aliases mapped to the documented name; a free-form string is
the key `free_form`) plus its task keywords (`when`, `become`, `loop`, ...) written `keyword:when`;
`name` is left out because it restates the request. Modules compare by their canonical name: the
documented FQCN when the module is documented, else `ansible.builtin.` + a short name, so `copy` ==
`ansible.builtin.copy` == `ansible.legacy.copy`. Reference and predicted tasks are aligned by position.

Every rate treats an empty prediction as failing. Per-example values:

- yaml_ok: the code is one non-empty YAML document.
- schema_ok: it is a task list, a task or a playbook whose tasks Ansible's parser accepts.
- argspec_ok: additionally every module is documented and every task's arguments pass its argument
  spec (documented keys, types, choices, required options, mutually exclusive groups), as checked by
  codegen.validate.
- module_match: the share of reference tasks whose predicted task at the same position uses the same
  module.
- key_f1: F1 of the (task position, module, key) pairs of prediction and reference (task keywords
  count without the module).
- value_match: the share of reference (task position, module, key) pairs whose value the prediction repeats
  exactly (booleans compared as booleans, scalars as trimmed text, lists and mappings recursively).
- module and key hallucination: predicted modules no documentation knows (over the predicted tasks),
  and predicted top-level module arguments the module's documentation does not list (over the
  arguments of documented modules).
- aware, an "Ansible Aware"-style graded score after the Ansible Wisdom paper (Pujar et al. 2023,
  arXiv:2305.02783), which scores module, keywords and arguments of aligned tasks. Our formula:

      aware = (1/T) · Σ_i s(R_i, P_i),   T = max(#reference tasks, #predicted tasks)
      s(R, P) = 0                               if P is missing or uses another module than R
              = 1/2 + 1/2 · (1/|K|) · Σ_{k∈K} c_k,   K = keys(R) ∪ keys(P)   (1 when K is empty)
      c_k = 1 (k in both, equal values), 1/2 (k in both, values differ), 0 (k in one only)

  so the right module earns half a task, and matching keys and values earn the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import yaml
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from codegen.docs.record import DocRecord
from codegen.schema import AnsibleModule, schema_of
from codegen.validate import validate
from codegen.validate.ansible import _parse_task, _shape, _tasks
from codegen.validate.argspec import ModuleCatalog, check_arguments
from codegen.validate.yaml_lines import load_yaml

RAW_PARAMS = "_raw_params"
FREE_FORM = "free_form"
_TASK_ONLY = frozenset({"name", "args", "action", "local_action"})
_UNKNOWN_OPTION = "unknown option '"  # the message codegen.validate.argspec gives an undocumented key
_TRUE = frozenset(str(b).lower() for b in BOOLEANS_TRUE)
_FALSE = frozenset(str(b).lower() for b in BOOLEANS_FALSE)


@dataclass(frozen=True, slots=True)
class Task:
    module: str  # canonical module name ("" when Ansible's parser rejected the task)
    record: DocRecord | None  # its documentation, when known
    args: dict[str, Any]  # module arguments, by documented option name
    keywords: dict[str, Any]  # task keywords except `name`

    def keyed(self) -> dict[str, Any]:
        """Arguments keyed with their module (`user`'s `name` is not `apt`'s), then task keywords."""
        args = {f"{self.module}:{k}": v for k, v in self.args.items()}
        return args | {f"keyword:{k}": v for k, v in self.keywords.items()}


def parse_tasks(code: str, catalog: ModuleCatalog) -> list[Task] | None:
    """The tasks of `code`, or None when it is not YAML holding tasks (or a playbook)."""
    try:
        document = load_yaml(code)
    except yaml.YAMLError:
        return None
    shape, _ = _shape(document)
    if shape is None:
        return None
    return [_task(raw, catalog) for raw in _tasks(document, shape, [])]


def _task(raw: Mapping[str, Any], catalog: ModuleCatalog) -> Task:
    try:
        action, args, _ = _parse_task(raw)
    except Exception:  # AnsibleError and whatever else Ansible's parser trips over
        return Task("", None, {}, {})
    record = catalog.find(action)
    module_key = action if action in raw else next((k for k in ("action", "local_action") if k in raw), "")
    keywords = {k: v for k, v in raw.items() if k != module_key and k not in _TASK_ONLY}
    return Task(canonical_module(action, record), record, _canonical_args(args, record), keywords)


def canonical_module(name: str, record: DocRecord | None) -> str:
    if record is not None:
        return record.name
    if name.startswith("ansible.legacy."):
        return "ansible.builtin." + name.removeprefix("ansible.legacy.")
    return name if "." in name else "ansible.builtin." + name


def _canonical_args(args: Mapping[str, Any], record: DocRecord | None) -> dict[str, Any]:
    schema = schema_of(record) if record is not None else None
    names = {n: o.name for o in schema.options for n in o.names} if isinstance(schema, AnsibleModule) else {}
    return {(FREE_FORM if k == RAW_PARAMS else names.get(k, k)): v for k, v in args.items()}


@dataclass(frozen=True, slots=True)
class AnsibleExample:
    yaml_ok: bool
    schema_ok: bool
    argspec_ok: bool
    module_match: float | None  # None when the reference has no readable task
    key_f1: float | None
    value_match: float | None
    aware: float | None
    predicted_modules: int
    unknown_modules: int
    predicted_keys: int  # top-level module arguments of documented modules
    unknown_keys: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def ansible_example(prediction: str, reference: str, catalog: ModuleCatalog) -> AnsibleExample:
    predicted = parse_tasks(prediction, catalog) if prediction.strip() else None
    gold = parse_tasks(reference, catalog) or None
    tasks = predicted or []
    found = [t.record for t in tasks if t.record is not None]
    argspec_ok = bool(predicted) and validate("ansible", prediction, _unique(found)).ok
    unknown_keys = sum(_unknown_keys(t) for t in tasks if t.record is not None)
    similarity = _similarity(gold, tasks) if gold else None
    return AnsibleExample(
        yaml_ok=_yaml_ok(prediction),
        schema_ok=bool(predicted) and validate("ansible", prediction, None).ok,
        argspec_ok=argspec_ok,
        module_match=similarity[0] if similarity else None,
        key_f1=similarity[1] if similarity else None,
        value_match=similarity[2] if similarity else None,
        aware=similarity[3] if similarity else None,
        predicted_modules=len(tasks),
        unknown_modules=sum(1 for t in tasks if t.record is None and t.module),
        predicted_keys=sum(len(t.args) for t in tasks if t.record is not None),
        unknown_keys=unknown_keys,
    )


def _yaml_ok(code: str) -> bool:
    try:
        return bool(code.strip()) and load_yaml(code) is not None
    except yaml.YAMLError:
        return False


def _unique(records: list[DocRecord]) -> list[DocRecord]:
    return list({r.name: r for r in records}.values())


def _unknown_keys(task: Task) -> int:
    assert task.record is not None
    args = {(RAW_PARAMS if k == FREE_FORM else k): v for k, v in task.args.items()}
    problems = check_arguments(task.record, args, {}, 0)
    return sum(1 for p in problems if p.message.startswith(_UNKNOWN_OPTION) and "." not in _option(p.message))


def _option(message: str) -> str:
    return message.removeprefix(_UNKNOWN_OPTION).split("'", 1)[0]


def _similarity(gold: list[Task], predicted: list[Task]) -> tuple[float, float, float, float]:
    """(module_match, key_f1, value_match, aware) of position-aligned tasks."""
    modules = sum(1 for i, g in enumerate(gold) if i < len(predicted) and _same_module(g, predicted[i]))
    gold_keys = {(i, k): v for i, t in enumerate(gold) for k, v in t.keyed().items()}
    pred_keys = {(i, k): v for i, t in enumerate(predicted) for k, v in t.keyed().items()}
    shared = gold_keys.keys() & pred_keys.keys()
    precision = len(shared) / len(pred_keys) if pred_keys else float(not gold_keys)
    recall = len(shared) / len(gold_keys) if gold_keys else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    equal = sum(1 for k in shared if same_value(gold_keys[k], pred_keys[k]))
    value_match = equal / len(gold_keys) if gold_keys else 1.0
    total = max(len(gold), len(predicted))
    aware = sum(_task_score(g, p) for g, p in zip(gold, predicted, strict=False)) / total
    return modules / len(gold), f1, value_match, aware


def _same_module(gold: Task, predicted: Task) -> bool:
    return bool(gold.module) and gold.module == predicted.module


def _task_score(gold: Task, predicted: Task) -> float:
    if not _same_module(gold, predicted):
        return 0.0
    g, p = gold.keyed(), predicted.keyed()
    keys = g.keys() | p.keys()
    if not keys:
        return 1.0
    credit = sum((1.0 if same_value(g[k], p[k]) else 0.5) for k in keys if k in g and k in p)
    return 0.5 + 0.5 * credit / len(keys)


def same_value(a: Any, b: Any) -> bool:
    return _normal(a) == _normal(b)


def _normal(value: Any) -> Any:
    if isinstance(value, Mapping):
        return json.dumps({str(k): _normal(v) for k, v in value.items()}, sort_keys=True, default=str)
    if isinstance(value, list | tuple):
        return json.dumps([_normal(v) for v in value], default=str)
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in _TRUE:  # Ansible reads these spellings of a boolean alike
        return True
    if text.lower() in _FALSE:
        return False
    return text


@dataclass(frozen=True, slots=True)
class AnsibleScores:
    yaml_parse_rate: float
    schema_valid_rate: float
    argspec_valid_rate: float
    module_accuracy: float | None
    key_f1: float | None
    value_exact_match: float | None
    ansible_aware: float | None
    module_hallucination_rate: float | None  # over predicted tasks
    key_hallucination_rate: float | None  # over predicted arguments of documented modules
    n: int


def ansible_scores(examples: list[AnsibleExample]) -> AnsibleScores:
    if not examples:
        raise ValueError("no examples to score")
    n = len(examples)
    tasks = sum(e.predicted_modules for e in examples)
    keys = sum(e.predicted_keys for e in examples)
    return AnsibleScores(
        yaml_parse_rate=sum(e.yaml_ok for e in examples) / n,
        schema_valid_rate=sum(e.schema_ok for e in examples) / n,
        argspec_valid_rate=sum(e.argspec_ok for e in examples) / n,
        module_accuracy=_mean([e.module_match for e in examples]),
        key_f1=_mean([e.key_f1 for e in examples]),
        value_exact_match=_mean([e.value_match for e in examples]),
        ansible_aware=_mean([e.aware for e in examples]),
        module_hallucination_rate=sum(e.unknown_modules for e in examples) / tasks if tasks else None,
        key_hallucination_rate=sum(e.unknown_keys for e in examples) / keys if keys else None,
        n=n,
    )


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
