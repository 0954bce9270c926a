"""`valid` means Ansible accepts the task: its ArgumentSpecValidator over the documented spec, and the
argument checks of the module's action plugin (codegen/ansible_actions.py), on real ansible-doc data
(tests/fixtures/validate/ansible_records.jsonl)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import ansible
import pytest

from codegen.ansible_actions import ACTIONS, RAW_PARAMS
from codegen.docs.record import DocRecord
from codegen.validate import validate
from codegen.validate.ansible_native import spec_errors

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
RECORDS = [
    DocRecord.from_json(json.loads(line))
    for line in (FIXTURES / "ansible_records.jsonl").read_text().splitlines()
    if line.strip()
]
BY_NAME = {r.name: r for r in RECORDS}


def errors(module: str, body: str) -> list[str]:
    """Error messages for one task calling `module` with `body` (YAML lines under the module key)."""
    code = f"- name: t\n  {module}:" + "".join(f"\n    {line}" for line in body.splitlines())
    return [d.message for d in validate("ansible", code + "\n", RECORDS).errors]


@pytest.mark.parametrize(
    ("module", "body", "problem"),
    [
        # plugins/action/copy.py
        ("ansible.builtin.copy", "src: app.conf\ncontent: x\ndest: /etc/app/app.conf", "mutually exclusive: src|content"),
        ("ansible.builtin.copy", "dest: /etc/app/app.conf\nmode: '0644'", "one of the following is required: src, content"),
        ("ansible.builtin.copy", "content: x\ndest: /etc/app/", "can not use content with a dir as dest"),
        ("copy", "src: ''\ndest: /etc/app/x", "one of the following is required: src, content"),  # `not src`
        # plugins/action/template.py, fetch.py, assemble.py: src and dest are required
        ("ansible.builtin.template", "dest: /etc/app.conf", "missing required option 'src'"),
        ("ansible.builtin.fetch", "src: /var/log/app.log", "missing required option 'dest'"),
        ("ansible.builtin.assemble", "src: /etc/conf.d", "missing required option 'dest'"),
        # plugins/action/unarchive.py
        ("ansible.builtin.unarchive", "src: a.tgz\ndest: /opt\ncopy: false\nremote_src: true", "mutually exclusive: copy|remote_src"),
        ("ansible.builtin.unarchive", "src: https://x.org/a.tgz\ndest: /opt", "URI src is only supported when remote_src"),
        # modules/command.py (command and shell): "no command given"
        ("ansible.builtin.command", "chdir: /tmp\ncreates: /tmp/x", "one of the following is required: _raw_params, cmd, argv"),
        ("ansible.builtin.command", "cmd: ls\nargv: [ls]", "mutually exclusive: _raw_params|cmd|argv"),
        # plugins/action/script.py: the free-form string or cmd
        ("ansible.builtin.script", "chdir: /tmp", "one of the following is required: _raw_params, cmd"),
        # plugins/action/debug.py, pause.py, include_vars.py
        ("ansible.builtin.debug", "msg: hi\nvar: x", "mutually exclusive: msg|var"),
        ("ansible.builtin.pause", "minutes: 1\nseconds: 5", "mutually exclusive: minutes|seconds"),
        ("ansible.builtin.include_vars", "file: a.yml\ndepth: 1", "mutually exclusive: depth|file"),
        # the module's own required_by (systemd_service: state, enabled, masked need name)
        ("ansible.builtin.systemd_service", "state: restarted", "option 'state' of ansible.builtin.systemd_service needs 'name'"),
        ("ansible.builtin.systemd_service", "masked: true", "needs 'name'"),
        # the module's own required_if (ansible.posix.mount)
        ("ansible.posix.mount", "path: /mnt\nstate: present\nsrc: /dev/sdb1", "state=present needs all of 'src', 'fstype'"),
    ],
)  # fmt: skip
def test_ansible_refuses(module: str, body: str, problem: str) -> None:
    found = errors(module, body)
    assert any(problem in message for message in found), found


@pytest.mark.parametrize(
    ("module", "body"),
    [
        ("ansible.builtin.copy", "src: app.conf\ndest: /etc/app/\nmode: '0644'"),
        ("ansible.builtin.copy", "content: x\ndest: /etc/app/app.conf"),
        ("ansible.builtin.copy", "src: /srv/a\ndest: /srv/b\nremote_src: true"),
        ("ansible.builtin.copy", "src: '{{ item }}'\ncontent: '{{ omit }}'\ndest: /x"),  # template: run time
        ("ansible.builtin.template", "src: app.j2\ndest: /etc/app.conf"),
        ("ansible.builtin.unarchive", "src: https://x.org/a.tgz\ndest: /opt\nremote_src: true"),
        ("ansible.builtin.unarchive", "src: a.tgz\ndest: /opt\ncopy: false"),
        ("ansible.builtin.script", "cmd: run.sh --fast\nchdir: /tmp"),
        ("ansible.builtin.include_vars", "dir: vars\ndepth: 1"),
        ("ansible.posix.mount", "path: /mnt\nstate: present\nsrc: /dev/sdb1\nfstype: ext4"),
        ("ansible.posix.mount", "path: /mnt\nstate: absent"),
        ("ansible.builtin.systemd_service", "name: nginx\nstate: restarted"),
        ("ansible.builtin.systemd_service", "daemon_reload: true"),
        ("ansible.posix.mount", "path: /mnt\nstate: '{{ wanted }}'"),  # only known at run time
    ],
)
def test_ansible_accepts(module: str, body: str) -> None:
    assert errors(module, body) == []


def test_free_form_script_is_accepted() -> None:
    assert validate("ansible", "- name: t\n  ansible.builtin.script: run.sh --fast\n", RECORDS).ok


def test_ansible_validator_applies_defaults_before_required_if() -> None:
    """Ansible fills in documented defaults before its required_if check, so a rule keyed on a
    default holds when the key is left out; the hand-written checks alone let that through."""
    record = DocRecord(
        dsl="ansible",
        name="x.y.z",
        summary="",
        text="",
        schema={
            "options": {
                "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
                "src": {"type": "str"},
                "owner": {"type": "str", "default": "the current user"},  # prose, not a value
                "port": {"type": "int", "default": "the service's port"},  # not an int: left out
            },
            "required_if": [["state", "present", ["src"]]],
        },
    )
    assert spec_errors(record, {"state": "absent"}) == []
    assert spec_errors(record, {"src": "a"}) == []
    assert spec_errors(record, {}) == ["state is present but all of the following are missing: src"]
    code = "- name: t\n  x.y.z:\n    owner: root\n"
    assert [d.message for d in validate("ansible", code, [record]).errors] == [
        "state is present but all of the following are missing: src"
    ]


def test_ansible_validator_takes_what_the_documented_spec_takes() -> None:
    """The rebuilt spec keeps types, choices, aliases and suboptions: Ansible's own conversion."""
    uri = BY_NAME["ansible.builtin.uri"]
    assert spec_errors(uri, {"url": "a", "timeout": "30", "force": "yes", "status_code": "200,201"}) == []
    assert "timeout" in " ".join(spec_errors(uri, {"url": "a", "timeout": "soon"}))
    assert spec_errors(uri, {"url": "a", "timeout": "{{ t }}"}) == []  # templated: run time
    gitlab = BY_NAME["community.general.gitlab_instance_variable"]
    item = {"name": "A", "value": "b", "variable_type": "env_var"}
    assert spec_errors(gitlab, {"variables": [item]}) == []
    assert "variable_type" in " ".join(spec_errors(gitlab, {"variables": [{**item, "variable_type": "x"}]}))
    command = BY_NAME["ansible.builtin.command"]
    assert spec_errors(command, {RAW_PARAMS: "ls", "chdir": "/tmp"}) == []
    assert "mutually exclusive" in " ".join(spec_errors(command, {RAW_PARAMS: "ls", "cmd": "ls"}))


ANSIBLE_DIR = Path(ansible.__file__).parent


@pytest.mark.parametrize("module", sorted(ACTIONS))
def test_the_action_table_names_what_the_installed_plugin_reads(module: str) -> None:
    """Every option a rule names is read by the plugin of the installed ansible-core: a rule that
    drifts from Ansible's code fails here."""
    rules = ACTIONS[module]
    source = (ANSIBLE_DIR / rules.plugin).read_text()
    names = {n for g in (*rules.mutually_exclusive, *rules.required_one_of) for n in g}
    names |= set(rules.required) | {v.option for v in rules.values}
    for name in names:
        assert re.search(rf"['\"]{re.escape(name)}['\"]", source), f"{name} not in {rules.plugin}"
