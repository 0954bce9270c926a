"""Grammar coverage of the everyday dev sets (benchmarks/grammar_coverage.py --set everyday): the set
loaders, and the grammar fixes it led to, each with a literal real example (NL2Bash dev commands,
real-role Ansible tasks of the ansible-real dev split) that the specialised grammar now accepts."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from codegen.evaluation.suites import ansible_real
from codegen.grammar import build_grammar
from codegen.grammar.bash import program_name
from codegen.grammar.check import check_ansible, check_bash
from codegen.grammar.lint import accepts
from codegen.schema import schema_of
from tests.grammar_fixtures import pick

_SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "grammar_coverage.py"


@pytest.fixture(scope="module")
def coverage():
    spec = importlib.util.spec_from_file_location("grammar_coverage", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the set loaders


def test_ansible_real_reads_the_named_module_tasks_of_the_dev_roles(tmp_path: Path) -> None:
    rows = [
        {"id": "p:r/tasks/main.yml:1", "name": "Install it", "module": "ansible.builtin.apt", "kind": "module",
         "project": "p", "role": "r", "task_text": "- name: Install it\n  apt: name=vim"},
        {"id": "p:r/tasks/main.yml:9", "name": "Include", "module": "ansible.builtin.include_tasks",
         "kind": "control", "project": "p", "role": "r", "task_text": "- include_tasks: x.yml"},
        {"id": "q:s/tasks/main.yml:1", "name": "Other role", "module": "ansible.builtin.apt", "kind": "module",
         "project": "q", "role": "s", "task_text": "- name: Other role\n  apt: name=vim"},
    ]  # fmt: skip
    corpus = tmp_path / "ansible-tasks.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    split = tmp_path / "dev.txt"
    split.write_text("# dev roles\np/r\n")
    examples = ansible_real(corpus, split)
    assert [e.id for e in examples] == ["p:r/tasks/main.yml:1"]


def test_everyday_row_counts_outside_the_documentation_apart(coverage) -> None:
    verdicts = {"a": None, "b": None, "c": "module not installed", "d": "cap: string over 200 characters"}
    result = coverage._everyday_row("ansible-real", list(verdicts), verdicts, dict.fromkeys(verdicts, "x"))
    row = result["rows"]["ansible-real"]
    counts = (row["items"], row["accepted"], row["outside_documentation"], row["grammar_misses"])
    assert counts == (4, 2, 1, 1)
    assert row["coverage"] == 0.5 and row["coverage_inside_documentation"] == 2 / 3
    assert result["missed_ids"] == {"c": "module not installed", "d": "cap: string over 200 characters"}


def test_key_value_arguments_are_read_as_ansible_reads_them(coverage) -> None:
    # kayobe's real task `apt: name=... state=present` is the mapping Ansible's own parser reads
    assert coverage.key_value_args("name=python3-venv state=present update_cache=yes") == {
        "name": "python3-venv",
        "state": "present",
        "update_cache": "yes",
    }
    assert coverage.key_value_args("make all") == "make all"  # a free-form command stays a string
    task = {"name": "check if pub key file exists", "stat": 'path="{{ amp_ssh_key_path }}"'}
    text, why = coverage.render_task(task, "stat")
    assert why == "" and text == (
        '- name: check if pub key file exists\n  stat:\n    path: "{{ amp_ssh_key_path }}"'
    )
    command = {"name": "x", "command": "chdir=/tmp ls"}  # command's own `chdir=` stays in the command
    assert coverage.render_task(command, "command", free_form=True)[0].endswith("command: chdir=/tmp ls")


def test_real_task_verdict_names_keyword_and_documentation_misses(coverage) -> None:
    (apt,) = pick("ansible", "ansible.builtin.apt")
    grammars: dict = {}
    ok = "- name: Install vim\n  apt: name=vim state=present\n  become: true"
    assert coverage.real_task_verdict(ok, apt, grammars) is None
    unknown_keyword = "- name: Install vim\n  apt:\n    name: vim\n  frobnicate: true"
    assert coverage.real_task_verdict(unknown_keyword, apt, grammars) == (
        "task keyword `frobnicate` outside the grammar"
    )
    undocumented = "- name: Install vim\n  apt:\n    name: vim\n    colour: red"
    kind = coverage.real_task_verdict(undocumented, apt, grammars)
    assert kind == "key not in the module's documented options"
    assert coverage.real_task_verdict(ok, None, grammars) == "module not installed"


# ---- Bash fixes


def bash_grammar(*names: str) -> str:
    return build_grammar("bash", pick("bash", *names)).text


@pytest.mark.parametrize(
    "text",
    [
        # NL2Bash commands: a variable set from a command's output is a statement of its own
        'count=$(grep -c ^ < "$FILE")',
        'timestamp=$(find ./$dir -type f -printf "%T@ %t\\\\n" | sort -nr -k 1,2 | head -n 1)',
        "files=`find .`",
        'founddata=`find . -name "filename including space" -print0`',
        'tdir="$(ls -d x)/$(ls -d y)"',
        # ... and a documented program by its path in a standard directory
        "/usr/bin/find $DIR -maxdepth 1 -ipath $TMP_DIR -print -quit",
        "find . -name '*.txt' -print0 | xargs -0 /bin/ls -l",
    ],
)
def test_bash_grammar_accepts_assignments_and_program_paths(text: str) -> None:
    assert accepts(bash_grammar("ls", "grep", "find", "xargs", "sort", "head"), text)


@pytest.mark.parametrize(
    "text",
    [
        "x=hello",  # a plain assignment as a statement stays outside
        "count=$(grep --no-such-flag x)",  # the commands inside keep their documented flags
        "count=$(rm -rf /)",  # ... and only documented commands
        "/opt/bin/find .",  # not a standard directory
        "/usr/bin/findx .",
        "x=$(find .)garbage`",
        "_=$(find .)",  # tree-sitter-bash reads it as a command named `_=$(find .)`
    ],
)
def test_bash_grammar_still_refuses_around_the_new_forms(text: str) -> None:
    assert not accepts(bash_grammar("ls", "grep", "find", "xargs", "sort", "head"), text)


def test_check_bash_reads_a_program_by_its_path() -> None:
    find, xargs, ls = (schema_of(r) for r in pick("bash", "find", "xargs", "ls"))
    assert program_name("/usr/bin/find") == "find" and program_name("/opt/bin/find") == "/opt/bin/find"
    assert check_bash("find . -print0 | xargs -0 /bin/ls -l", [find, xargs, ls]) == []
    assert check_bash("/usr/bin/find . -frobnicate", [find]) == ["find: undocumented flag '-frobnicate'"]
    assert check_bash("/opt/find .", [find]) == ["undocumented command '/opt/find'"]


# ---- Ansible fixes (tasks of the ansible-real dev roles, in the grammar's block layout)

REAL_TASKS = [
    # debops keyring: a loop and no_log as templates with quotes inside
    "- name: Remove APT auth configuration if requested\n  ansible.builtin.file:\n"
    '    path: "{{ \\"/etc/apt/auth.conf.d/\\" + (item.name | regex_replace(\\".conf$\\", \\"\\")) + \\".conf\\" }}"\n'
    "    state: absent\n"
    "  loop: '{{ q(\"flattened\", (keyring__dependent_apt_auth_files)) }}'\n"
    "  when: keyring__enabled | bool and ansible_pkg_mgr == 'apt' and item.state | d('present') == 'absent'\n"
    "  no_log: '{{ debops__no_log | d(True) }}'",
    # tripleo-ansible: become as a template
    "- name: ensure local storage directory exists and has correct permissions\n  file:\n"
    '    path: "{{ tripleo_persist_storage_root_dir }}"\n    mode: 0700\n    state: directory\n'
    '  delegate_to: localhost\n  become: "{{ tripleo_persist_storage_root_become | bool }}"',
    # debops cron: with_subelements
    "- name: Remove cron job files\n  ansible.builtin.file:\n"
    "    path: '/etc/cron.d/{{ item.0.file | d(item.0.cron_file) }}'\n    state: absent\n"
    "  with_subelements:\n    - '{{ cron__combined_jobs }}'\n    - jobs\n"
    "  when: cron__enabled | bool and item.0.state | d('present') == 'absent'",
    # kolla-ansible: seven keywords on one task
    "- name: Waiting the ovs db service to be ready\n"
    '  ansible.builtin.command: "{{ kolla_container_engine }} exec {{ service.container_name }} '
    'ovs-vsctl --no-wait show"\n'
    '  vars:\n    service_name: ovsdpdk-db\n    service: "{{ ovsdpdk_services[service_name] }}"\n'
    "  become: true\n  register: check_result\n  until: check_result is success\n  changed_when: false\n"
    "  retries: 30\n  delay: 2",
    # ansible-core loop-until: delay as a float
    '- name: loop with specified max retries\n  command: echo run\n  until: "1==0"\n  retries: 5\n'
    "  delay: 0.01\n  ignore_errors: true",
    # ansible-core fetch: ignore_unreachable
    "- name: Test unreachable\n  copy:\n    src: orig\n    dest: /tmp/x\n  register: unreachable_fetch\n"
    "  ignore_unreachable: true",
]


def ansible_grammar() -> str:
    return build_grammar("ansible", pick("ansible", "ansible.builtin.file", "ansible.builtin.command",
                                         "ansible.builtin.copy")).text  # fmt: skip


@pytest.mark.parametrize("text", REAL_TASKS)
def test_ansible_grammar_accepts_real_task_keywords(text: str) -> None:
    assert accepts(ansible_grammar(), text)
    modules = [schema_of(r) for r in pick("ansible", "ansible.builtin.file", "ansible.builtin.command",
                                          "ansible.builtin.copy")]  # fmt: skip
    assert check_ansible(text, modules) == []
    assert isinstance(yaml.safe_load(text), list)


@pytest.mark.parametrize(
    "keyword",
    [
        "no_log: maybe",  # neither a boolean nor a template
        'become: "yes please"',
        "delay: soon",
        'loop: "{{ items }"',  # a template that does not end
        "loop: '{{ items }}' extra",
        "with_subelements: 3",
        "frobnicate: true",  # not a task keyword
    ],
)
def test_ansible_keywords_still_refuse_what_ansible_would_not_read(keyword: str) -> None:
    text = f"- name: x\n  ansible.builtin.command: ls\n  {keyword}"
    assert not accepts(ansible_grammar(), text)
