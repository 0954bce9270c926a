"""Argument checks that Ansible's action plugins make and the modules' argument specs do not express.

An action plugin runs on the controller before (or instead of) its module, reads `self._task.args`
and fails the task on its own terms: `copy` refuses `src` together with `content` although the copy
module's argument spec allows both. The module documentation never states these rules, so they are
written down here, as data, from the plugins of ansible-core 2.19 (`ansible/plugins/action/*.py`);
the validator checks them with Ansible's own check functions and the grammar builder adds the group
rules to the module's argument-spec groups, so a generated task cannot break them.

Names are the keys the plugin reads from the task's arguments (it does not resolve aliases); a
free-form string is `_raw_params`, as Ansible passes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RAW_PARAMS = "_raw_params"


@dataclass(frozen=True, slots=True)
class ValueRule:
    """`option`'s value must not match `pattern` (a regex searched in its text) when `when` is given,
    or when `unless_true` is not set to a true value."""

    option: str
    pattern: str
    message: str
    when: str | None = None
    unless_true: str | None = None

    def matches(self, value: object) -> bool:
        return isinstance(value, str) and re.search(self.pattern, value) is not None


@dataclass(frozen=True, slots=True)
class ActionRules:
    plugin: str  # where Ansible makes these checks (under the ansible package), for a reader to see them
    mutually_exclusive: tuple[tuple[str, ...], ...] = ()
    required_one_of: tuple[tuple[str, ...], ...] = ()
    required: tuple[str, ...] = ()  # each must be given (and not empty)
    values: tuple[ValueRule, ...] = ()


def _cross(left: tuple[str, ...], right: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every option of `left` excludes every option of `right` (include_vars: file vs dir arguments)."""
    return tuple((a, b) for a in left for b in right)


_INCLUDE_VARS_DIR = (
    "dir",
    "depth",
    "files_matching",
    "ignore_files",
    "extensions",
    "ignore_unknown_extensions",
)

ACTIONS: dict[str, ActionRules] = {
    "ansible.builtin.copy": ActionRules(
        plugin="plugins/action/copy.py",
        # `if not source and content is None: 'src (or content) is required'` -- also with remote_src,
        # where src names the file on the remote host
        mutually_exclusive=(("src", "content"),),
        required_one_of=(("src", "content"),),
        required=("dest",),
        values=(
            ValueRule(
                "dest", r"/$", "can not use content with a dir as dest (dest ends with '/')", when="content"
            ),
        ),
    ),
    "ansible.builtin.template": ActionRules(plugin="plugins/action/template.py", required=("src", "dest")),
    "ansible.builtin.fetch": ActionRules(plugin="plugins/action/fetch.py", required=("src", "dest")),
    "ansible.builtin.assemble": ActionRules(plugin="plugins/action/assemble.py", required=("src", "dest")),
    "ansible.builtin.unarchive": ActionRules(
        plugin="plugins/action/unarchive.py",
        mutually_exclusive=(("copy", "remote_src"),),
        required=("src", "dest"),
        values=(
            ValueRule(
                "src",
                r"://",
                "an URI src is only supported when remote_src is true",
                unless_true="remote_src",
            ),
        ),
    ),
    # command and shell run the command module, which fails with "no command given" unless exactly one
    # of a free-form command, `cmd` or `argv` is there (the free form is undocumented, so the documented spec misses
    # it: benchmarks/valid_oracle.py found 16 such "valid" tasks in 200)
    "ansible.builtin.command": ActionRules(
        plugin="modules/command.py",
        mutually_exclusive=((RAW_PARAMS, "cmd", "argv"),),
        required_one_of=((RAW_PARAMS, "cmd", "argv"),),
    ),
    "ansible.builtin.shell": ActionRules(plugin="modules/command.py", required_one_of=((RAW_PARAMS, "cmd"),)),
    "ansible.builtin.script": ActionRules(
        plugin="plugins/action/script.py",
        mutually_exclusive=((RAW_PARAMS, "cmd"),),
        required_one_of=((RAW_PARAMS, "cmd"),),
    ),
    "ansible.builtin.debug": ActionRules(
        plugin="plugins/action/debug.py", mutually_exclusive=(("msg", "var"),)
    ),
    "ansible.builtin.pause": ActionRules(
        plugin="plugins/action/pause.py", mutually_exclusive=(("minutes", "seconds"),)
    ),
    "ansible.builtin.dnf": ActionRules(
        plugin="plugins/action/dnf.py", mutually_exclusive=(("use", "use_backend"),)
    ),
    "ansible.builtin.include_vars": ActionRules(
        plugin="plugins/action/include_vars.py",
        mutually_exclusive=_cross(_INCLUDE_VARS_DIR, ("file", RAW_PARAMS)),
    ),
}


def action_rules(module: str) -> ActionRules | None:
    """The rules of the action plugin that runs `module` (an FQCN; ansible.legacy.X is the builtin)."""
    if module.startswith("ansible.legacy."):
        module = "ansible.builtin." + module.removeprefix("ansible.legacy.")
    return ACTIONS.get(module)
