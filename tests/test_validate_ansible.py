"""Ansible validation: YAML, task structure, argument specs from real ansible-doc data, and the
optional ansible-playbook --syntax-check / ansible-lint runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.docs.record import DocRecord
from codegen.validate import Validation, validate
from codegen.validate.ansible_tools import syntax_check

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
RECORDS = [
    DocRecord.from_json(json.loads(line))
    for line in (FIXTURES / "ansible_records.jsonl").read_text().splitlines()
    if line.strip()
]


def check(code: str, **kwargs: object) -> Validation:
    return validate("ansible", code, RECORDS, strict_tools=True, **kwargs)  # type: ignore[arg-type]


def messages(result: Validation) -> list[tuple[int | None, str]]:
    return [(d.line, d.message) for d in result.errors]


@pytest.mark.parametrize("name", ["good_tasks.yml", "good_playbook.yml"])
def test_correct_files_pass(name: str) -> None:
    result = check((FIXTURES / name).read_text())
    assert result.ok, result.errors


def test_single_task_mapping_passes() -> None:
    assert check("name: Touch it\nansible.builtin.file:\n  path: /tmp/x\n  state: touch\n").ok


def test_yaml_error_has_its_line() -> None:
    result = check("- name: x\n  file:\n    path: [a\n")
    assert result.errors[0].tool == "yaml"
    assert result.errors[0].line == 4


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("", "the document is empty"),
        ("just a string", "expected a task list, a task or a playbook, not a str"),
        ("hosts: all\ntasks: []\n", "a playbook must be a list of plays"),
        ("- 42\n", "a task must be a mapping"),
    ],
)
def test_wrong_document_shapes(code: str, problem: str) -> None:
    assert any(problem in message for _, message in messages(check(code)))


def test_unknown_module_with_suggestion() -> None:
    result = check("- name: x\n  ansible.builtin.servise:\n    name: nginx\n")
    assert messages(result) == [
        (2, "unknown module 'ansible.builtin.servise' (did you mean 'ansible.builtin.service'?)")
    ]


def test_unknown_key_accepts_aliases_and_suggests() -> None:
    ok = check("- ansible.builtin.file:\n    dest: /tmp/x\n    state: touch\n")  # dest is an alias of path
    assert ok.ok
    result = check("- ansible.builtin.file:\n    path: /tmp/x\n    onwer: root\n")
    assert messages(result) == [
        (3, "unknown option 'onwer' for ansible.builtin.file (did you mean 'owner'?)")
    ]


def test_bad_choice() -> None:
    result = check("- service:\n    name: nginx\n    state: runing\n")
    [(line, message)] = messages(result)
    assert line == 3
    assert message.startswith("option 'state' of ansible.builtin.service must be one of:")
    assert "got 'runing'" in message


@pytest.mark.parametrize(
    ("value", "kind"),
    [("maybe", "bool"), ("lots", "int"), ("{a: 1}", "list")],
)
def test_wrong_type(value: str, kind: str) -> None:
    option = {"bool": "create_home", "int": "uid", "list": "groups"}[kind]
    result = check(f"- ansible.builtin.user:\n    name: bob\n    {option}: {value}\n")
    [(line, message)] = messages(result)
    assert line == 3
    assert message.startswith(f"option '{option}' of ansible.builtin.user must be of type {kind}")


def test_ansible_coercion_rules_are_followed() -> None:
    code = (
        "- ansible.builtin.user:\n"
        "    name: bob\n"
        "    create_home: 'no'\n"  # a string spelling of a bool
        "    uid: '1040'\n"  # a numeric string is an int
        "    groups: wheel,docker\n"  # a comma-separated string is a list
        "- ansible.builtin.uri:\n"
        "    url: https://example.com\n"
        "    follow_redirects: yes\n"  # YAML True maps back to the choice 'yes'
    )
    assert check(code).ok


def test_jinja_values_pass_any_type_and_choice() -> None:
    code = "- ansible.builtin.service:\n    name: '{{ svc }}'\n    state: '{{ wanted }}'\n    enabled: '{{ on_boot }}'\n"
    assert check(code).ok


def test_missing_required_key() -> None:
    result = check("- name: Copy\n  ansible.builtin.copy:\n    content: hello\n")
    assert messages(result) == [(2, "missing required option 'dest' for ansible.builtin.copy")]


def test_mutually_exclusive_options() -> None:
    code = "- lineinfile:\n    path: /etc/hosts\n    line: x\n    insertbefore: BOF\n    insertafter: EOF\n"
    assert messages(check(code)) == [
        (1, "options 'insertbefore', 'insertafter' of ansible.builtin.lineinfile are mutually exclusive")
    ]


def test_required_one_of_and_required_if() -> None:
    assert messages(check("- service:\n    name: nginx\n")) == [
        (1, "ansible.builtin.service needs one of the options 'state', 'enabled'")
    ]
    assert messages(check("- ansible.builtin.iptables:\n    chain: INPUT\n    jump: TEE\n")) == [
        (1, "ansible.builtin.iptables with jump=TEE needs all of 'gateway'")
    ]


def test_suboptions_are_checked_recursively() -> None:
    code = (
        "- community.general.gitlab_instance_variable:\n"
        "    api_url: https://gitlab.example.com\n"
        "    variables:\n"
        "      - name: A\n"
        "        variable_type: binary\n"
        "      - value: no-name\n"
        "        colour: red\n"
        "- ansible.builtin.iptables:\n"
        "    chain: INPUT\n"
        "    tcp_flags:\n"
        "      flags: [SYN]\n"
        "      flag_set: [SYN]\n"
    )
    found = messages(check(code))
    assert (
        5,
        "option 'variables.variable_type' of community.general.gitlab_instance_variable must be one of: "
        "env_var, file; got 'binary'",
    ) in found
    assert (7, "unknown option 'variables.colour' for community.general.gitlab_instance_variable") in found
    assert (
        6,
        "missing required option 'name' in 'variables' for community.general.gitlab_instance_variable",
    ) in found
    assert (
        12,
        "unknown option 'tcp_flags.flag_set' for ansible.builtin.iptables (did you mean 'flags_set'?)",
    ) in found
    assert len(found) == 4


def test_task_keywords_are_not_module_options() -> None:
    code = (
        "- name: Restart\n  ansible.builtin.service: {name: nginx, state: restarted}\n"
        "  become: true\n  become_user: root\n  when: restart_needed\n  register: out\n"
        "  notify: done\n  tags: [web]\n  loop: [1, 2]\n  loop_control: {label: '{{ item }}'}\n"
        "  ignore_errors: true\n  delegate_to: localhost\n  with_items: []\n  vars: {a: 1}\n"
    )
    assert check(code).ok


def test_conflicting_modules_and_typoed_keywords() -> None:
    [(line, message)] = messages(check("- name: x\n  file: path=/x\n  copy: src=a dest=b\n"))
    assert (line, message) == (1, "invalid task: conflicting action statements: file, copy")
    [(_, message)] = messages(check("- name: x\n  whenn: ready\n  file: path=/x\n"))
    assert "conflicting action statements" in message


def test_free_form_only_where_documented() -> None:
    assert check("- shell: echo hi | tee /tmp/x\n").ok
    assert messages(check("- ansible.builtin.file: some words\n")) == [
        (1, "ansible.builtin.file takes no free-form arguments")
    ]


def test_without_records_only_structure_is_checked() -> None:
    result = validate("ansible", "- my.private.module:\n    anything: 1\n", None)
    assert result.ok


def test_duplicate_keys_warn() -> None:
    result = check("- ansible.builtin.file:\n    path: /a\n    path: /b\n")
    assert result.ok
    assert [(d.line, d.message) for d in result.warnings] == [
        (3, "duplicate key 'path': only the last value is used")
    ]


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook not installed")
@pytest.mark.parametrize("shape", ["tasks", "task"])
def test_syntax_check_locates_errors_in_the_original_lines(shape: str) -> None:
    # no record knows this module, so only ansible-playbook can catch it
    if shape == "tasks":
        code = "- name: A\n  debug: msg=hi\n- name: B\n  ansible.builtin.nosuchmod: {}\n"
    else:
        code = "---\nname: B\nansible.builtin.nosuchmod: {}\n"
    [error] = syntax_check(code, shape, strict=True, timeout=60)
    assert error.line == (3 if shape == "tasks" else 2)
    assert "couldn't resolve module/action 'ansible.builtin.nosuchmod'" in error.message


@pytest.mark.skipif(shutil.which("ansible-lint") is None, reason="ansible-lint not installed")
def test_ansible_lint_args_findings_are_errors_and_style_is_advice() -> None:
    code = "- name: bad state\n  ansible.builtin.file:\n    path: /tmp/x\n    state: runnin\n"
    result = validate("ansible", code, None, thorough=True, strict_tools=True)
    lint_errors = [d for d in result.errors if d.tool == "ansible-lint"]
    assert [d.message.split(":")[0] for d in lint_errors] == ["args[module]"]  # exit 0 and "minor" in lint
    assert lint_errors[0].line == 1
    assert any(d.message.startswith("name[casing]") for d in result.warnings)


def test_thorough_timeout_is_a_diagnostic() -> None:
    result = validate(
        "ansible", "- ansible.builtin.debug: msg=hi\n", None, thorough=True, timeout=0.01, strict_tools=True
    )
    assert {d.tool for d in result.errors} == {"ansible-playbook", "ansible-lint"}
    assert all("did not finish" in d.message for d in result.errors)


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
_KEYS = st.one_of(
    st.sampled_from(
        [
            "name",
            "file",
            "path",
            "state",
            "copy",
            "args",
            "block",
            "hosts",
            "tasks",
            "ansible.builtin.user",
            "uid",
            "groups",
            "when",
            "action",
        ]
    ),
    st.text(max_size=8),
)
_YAML_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_YAML_VALUES)
def test_any_yaml_document_gives_diagnostics_not_exceptions(document: object) -> None:
    result = validate("ansible", yaml.safe_dump(document), RECORDS)
    assert all(d.severity in ("error", "warning") for d in result.errors + result.warnings)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_diagnostics_not_exceptions(text: str) -> None:
    validate("ansible", text, RECORDS)
