"""Ansible metrics on tasks against real module documentation (tests/fixtures/validate)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codegen.docs.record import DocRecord
from codegen.evaluation.metrics.ansible import ansible_example, ansible_scores, parse_tasks, same_value
from codegen.validate.argspec import ModuleCatalog

RECORDS = [
    DocRecord.from_json(json.loads(line))
    for line in (Path(__file__).parent / "fixtures" / "validate" / "ansible_records.jsonl")
    .read_text()
    .splitlines()
]
CATALOG = ModuleCatalog(RECORDS)

REFERENCE = """\
- name: Start nginx at boot
  ansible.builtin.service:
    name: nginx
    state: started
    enabled: true
"""


def score(prediction: str, reference: str = REFERENCE):
    return ansible_example(prediction, reference, CATALOG)


def test_short_names_and_key_value_form_match_the_fqcn_reference() -> None:
    result = score("- service: name=nginx state=started enabled=yes")
    assert (result.module_match, result.key_f1, result.value_match, result.aware) == (1.0, 1.0, 1.0, 1.0)
    assert result.yaml_ok and result.schema_ok and result.argspec_ok
    assert (result.unknown_modules, result.unknown_keys) == (0, 0)


def test_a_wrong_value_costs_half_a_key_in_the_aware_score() -> None:
    result = score("- ansible.builtin.service:\n    name: nginx\n    state: stopped\n    enabled: true\n")
    assert result.key_f1 == 1.0
    assert result.value_match == pytest.approx(2 / 3)
    # s = 1/2 + 1/2 * (1 + 1/2 + 1) / 3
    assert result.aware == pytest.approx(0.5 + 0.5 * 2.5 / 3)
    assert result.argspec_ok


def test_task_keywords_count_as_keys() -> None:
    result = score("- service:\n    name: nginx\n    state: started\n    enabled: true\n  become: true\n")
    assert result.key_f1 == pytest.approx(2 * 1 * 0.75 / 1.75)  # precision 3/4, recall 1
    assert result.aware == pytest.approx(0.5 + 0.5 * 3 / 4)


def test_option_aliases_compare_by_their_documented_name() -> None:
    reference = "- ansible.builtin.systemd_service:\n    name: nginx\n    daemon_reload: true\n"
    result = score("- systemd_service:\n    unit: nginx\n    daemon-reload: yes\n", reference)
    assert (result.key_f1, result.value_match, result.aware) == (1.0, 1.0, 1.0)


def test_another_module_scores_zero_even_with_the_same_keys() -> None:
    result = score(
        "- ansible.builtin.systemd_service:\n    name: nginx\n    state: started\n    enabled: true\n"
    )
    assert result.module_match == 0.0
    assert result.aware == 0.0
    assert result.key_f1 == 0.0  # keys belong to their module
    assert result.argspec_ok


def test_hallucinated_modules_and_keys() -> None:
    unknown = score("- ansible.builtin.nginx_service:\n    name: nginx\n")
    assert (unknown.unknown_modules, unknown.predicted_modules) == (1, 1)
    assert unknown.schema_ok and not unknown.argspec_ok
    made_up = score("- service:\n    name: nginx\n    state: started\n    autostart: true\n")
    assert (made_up.unknown_keys, made_up.predicted_keys) == (1, 3)
    assert not made_up.argspec_ok


def test_argument_spec_violations_fail_validity_only() -> None:
    result = score("- service:\n    name: nginx\n    state: running\n")  # not one of the choices
    assert result.schema_ok and not result.argspec_ok
    assert result.module_match == 1.0
    missing = score("- service:\n    state: started\n")  # `name` is required
    assert not missing.argspec_ok


def test_broken_and_empty_predictions_fail_everything() -> None:
    for prediction in ("", "- service: {name: [nginx\n", "just a sentence"):
        result = score(prediction)
        assert not result.argspec_ok and not result.schema_ok, prediction
        assert result.aware == 0.0 and result.module_match == 0.0, prediction
    assert not score("").yaml_ok
    assert score("just a sentence").yaml_ok  # a YAML scalar, but no task


def test_tasks_align_by_position() -> None:
    reference = REFERENCE + "- name: Show it\n  ansible.builtin.debug:\n    msg: done\n"
    result = score("- service: name=nginx state=started enabled=true", reference)
    assert result.module_match == 0.5
    assert result.aware == 0.5  # the second task is missing


def test_parse_tasks_reads_blocks_and_playbooks() -> None:
    playbook = "- hosts: all\n  tasks:\n    - block:\n        - copy: src=a dest=b\n        - debug: msg=hi\n"
    tasks = parse_tasks(playbook, CATALOG)
    assert tasks is not None
    assert [t.module for t in tasks] == ["ansible.builtin.copy", "ansible.builtin.debug"]
    assert parse_tasks("a: [", CATALOG) is None


def test_values_compare_like_ansible_reads_them() -> None:
    assert same_value(True, "yes") and same_value("on", True) and same_value(8080, "8080")
    assert not same_value("present", "latest")
    assert same_value({"a": [1, "x"]}, {"a": ["1", "x"]})


def test_aggregate_rates() -> None:
    examples = [
        score("- service: name=nginx state=started enabled=yes"),
        score("- nginx_service: name=nginx"),
        score(""),
    ]
    scores = ansible_scores(examples)
    assert scores.argspec_valid_rate == pytest.approx(1 / 3)
    assert scores.module_hallucination_rate == pytest.approx(1 / 2)  # one of two predicted tasks
    assert scores.key_hallucination_rate == 0.0
    assert scores.ansible_aware == pytest.approx(1 / 3)
