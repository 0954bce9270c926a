"""Ansible documentation sources: a hand-written collection and library/ fixture, and real ansible-core."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.docs.ansible import AnsibleCollectionSource, InstalledAnsibleSource, installed_module_names
from codegen.docs.ansible_discovery import builtin_collection, installed_collections
from codegen.docs.ansible_examples import parse_examples
from codegen.docs.ansible_fragments import FragmentResolver
from codegen.docs.ansible_markup import plain_text
from codegen.docs.ansible_modules import ModuleFile, module_doc_record
from codegen.docs.record import DocRecord
from codegen.docs.source import SourceError

FIXTURES = Path(__file__).parent / "fixtures" / "ansible"
COLLECTION = FIXTURES / "ansible_collections" / "acme" / "infra"
LIBRARY = FIXTURES / "library"


def load_all(source: AnsibleCollectionSource) -> dict[str, DocRecord]:
    return {record.name: record for unit in source.units() for record in source.load(unit)}


@pytest.fixture(scope="module")
def acme() -> dict[str, DocRecord]:
    return load_all(AnsibleCollectionSource(COLLECTION))


def test_collection_root_yields_one_unit_per_module(acme):
    source = AnsibleCollectionSource(COLLECTION)
    units = list(source.units())
    assert sorted(Path(u.id).name for u in units) == ["widget.py", "widget_info.py"]
    assert sorted(acme) == ["acme.infra.widget", "acme.infra.widget_info"]
    assert acme["acme.infra.widget"].version == "1.2.3"
    assert acme["acme.infra.widget"].source.endswith("plugins/modules/widget.py")


def test_module_code_is_never_imported(acme):
    # the fixture module and fragment raise at import time; reading them must not import them
    assert acme["acme.infra.widget"].summary == "Manage Acme widgets"
    assert not any(name.startswith("ansible_collections.acme") for name in sys.modules)


def test_options_schema(acme):
    options = acme["acme.infra.widget"].schema["options"]
    assert options["name"] == {
        "required": True,
        "type": "str",
        "aliases": ["widget_name"],
        "description": "Name of the widget.",
    }
    assert options["state"]["choices"] == ["present", "absent"]
    assert options["state"]["default"] == "present"
    assert options["state"]["required"] is False
    assert options["ports"]["elements"] == "int"
    settings_ = options["settings"]["suboptions"]
    assert settings_["color"]["choices"] == ["red", "blue"]  # choices documented as a mapping
    assert settings_["labels"]["type"] == "list"


def test_doc_fragments_are_resolved(acme):
    options = acme["acme.infra.widget"].schema["options"]
    # acme.infra.connection, with the module's own field (default) merged over the fragment's
    assert options["api_url"]["required"] is True
    assert options["api_url"]["aliases"] == ["url"]
    assert options["api_url"]["default"] == "https://api.acme.example"
    assert options["timeout"]["default"] == 30  # the TIMEOUT variant: acme.infra.connection.timeout
    assert options["mode"]["type"] == "raw"  # ansible.builtin.files, from the installed ansible-core
    assert set(acme["acme.infra.widget_info"].schema["options"]) == {
        "name",
        "api_url",
        "api_token",
        "state",
        "ids",  # the last two from its action plugin
    }


def test_constraints_come_from_literal_argument_spec(acme):
    schema = acme["acme.infra.widget"].schema
    assert schema["mutually_exclusive"] == [["size", "ports"]]  # through a module-level variable
    assert schema["required_if"] == [["state", "present", ["size"]]]
    assert "required_together" not in schema
    # the sub-spec's mutually_exclusive (color/labels) is not a top-level constraint
    assert "mutually_exclusive" not in acme["acme.infra.widget_info"].schema


def test_text_is_plain(acme):
    record = acme["acme.infra.widget"]
    assert "Use state=absent to remove it; see acme.infra.widget_info" in record.text
    assert "the Acme docs for limits on size" in record.text
    assert "name (widget_name): Name of the widget." in record.text.splitlines()
    assert "settings.color: Paint colour." in record.text.splitlines()
    for markup in ("O(", "M(", "L(", "C(", "I(", "V("):
        assert markup not in record.text


def test_aliases_from_runtime_redirects(acme):
    assert acme["acme.infra.widget"].aliases == ["acme.infra.old_widget"]  # the tombstone is not one


def test_examples_are_the_named_tasks_calling_the_module(acme):
    examples = acme["acme.infra.widget"].examples
    assert [e.nl for e in examples] == [
        "Create a small widget",
        "Remove the old widget",
        "Paint the widget blue",
    ]
    first = examples[0].code
    assert "mode: 0644" in first  # the author's text, not a re-dump (0644 would load as 420)
    assert "# Widgets" not in first
    for example in examples:
        (task,) = yaml.safe_load(example.code)
        assert task["name"] == example.nl
    (play_task,) = yaml.safe_load(examples[2].code)  # a task inside a play's tasks:
    assert play_task["acme.infra.widget"]["settings"]["labels"] == "team=platform\ntier=gold\n"


def test_examples_survive_invalid_yaml(acme):
    # the middle task is broken YAML: the others are kept
    assert [e.nl for e in acme["acme.infra.widget_info"].examples] == ["List all widgets", "Read one widget"]


def test_records_round_trip_through_json(acme):
    for record in acme.values():
        assert DocRecord.from_json(json.loads(json.dumps(record.to_json()))) == record


def test_ansible_collections_tree_and_modules_dir_find_the_same_modules():
    for path in (FIXTURES, FIXTURES / "ansible_collections", COLLECTION / "plugins" / "modules"):
        assert sorted(load_all(AnsibleCollectionSource(path))) == [
            "acme.infra.widget",
            "acme.infra.widget_info",
        ]


def test_plain_library_directory():
    source = AnsibleCollectionSource(LIBRARY)
    assert [Path(u.id).name for u in source.units()] == ["hello.py"]  # helper.py documents nothing
    (record,) = load_all(source).values()
    assert record.name == "hello"
    assert record.schema["options"]["who"]["required"] is True
    # site_defaults comes from the doc_fragments/ directory beside library/
    assert record.schema["options"]["site"]["choices"] == ["ams", "nyc"]
    assert [e.nl for e in record.examples] == ["Greet the world"]


def test_single_module_file():
    (record,) = load_all(AnsibleCollectionSource(LIBRARY / "hello.py")).values()
    assert record.name == "hello"
    assert "site" in record.schema["options"]


def test_path_without_modules_raises_source_error(tmp_path):
    (tmp_path / "notes.py").write_text("print('no docs here')\n")
    with pytest.raises(SourceError, match="no Ansible modules found under"):
        AnsibleCollectionSource(tmp_path)
    with pytest.raises(SourceError, match="does not exist"):
        AnsibleCollectionSource(tmp_path / "missing")


def test_unknown_fragment_is_a_warning_not_a_failure(tmp_path, caplog):
    module = tmp_path / "library" / "probe.py"
    module.parent.mkdir()
    module.write_text(
        'DOCUMENTATION = """\nshort_description: Probe\nextends_documentation_fragment: acme.nowhere.auth\n'
        'options:\n  target: {type: str, required: true}\n"""\n'
    )
    with caplog.at_level("WARNING"):
        (record,) = load_all(AnsibleCollectionSource(module.parent)).values()
    assert record.schema["options"]["target"]["required"] is True
    assert "acme.nowhere.auth" in caplog.text


def test_invalid_documentation_is_a_source_error(tmp_path):
    module = tmp_path / "broken.py"
    module.write_text('DOCUMENTATION = """\noptions:\n  a: [unclosed\n"""\n')
    source = AnsibleCollectionSource(tmp_path)
    (unit,) = source.units()
    with pytest.raises(SourceError, match="invalid YAML"):
        source.load(unit)


def test_fingerprint_changes_with_module_and_fragment(tmp_path):
    root = tmp_path / "infra"
    shutil.copytree(COLLECTION, root)
    source = AnsibleCollectionSource(root)
    before = {u.id: u.fingerprint for u in source.units()}
    fragment = root / "plugins" / "doc_fragments" / "connection.py"
    os.utime(fragment, ns=(1, 1))
    after_fragment = {u.id: u.fingerprint for u in source.units()}
    assert all(before[k] != after_fragment[k] for k in before)  # every module may use the fragment
    module = root / "plugins" / "modules" / "widget.py"
    os.utime(module, ns=(2, 2))
    after_module = {u.id: u.fingerprint for u in source.units()}
    changed = {Path(k).name for k in before if after_fragment[k] != after_module[k]}
    assert changed == {"widget.py"}


def test_load_of_unknown_unit_raises_source_error(tmp_path):
    source = AnsibleCollectionSource(LIBRARY)
    unit = next(iter(source.units()))
    with pytest.raises(SourceError):
        source.load(type(unit)(id=str(tmp_path / "other.py"), fingerprint=unit.fingerprint))


@pytest.fixture(scope="module")
def builtin() -> dict[str, DocRecord]:
    source = InstalledAnsibleSource()
    (unit,) = [u for u in source.units() if u.id == "ansible.builtin"]
    return {record.name: record for record in source.load(unit)}


def test_installed_builtin_copy(builtin):
    copy = builtin["ansible.builtin.copy"]
    assert copy.aliases == ["copy"]
    assert copy.summary == "Copy files to remote locations"
    options = copy.schema["options"]
    assert options["dest"]["required"] is True
    assert options["dest"]["type"] == "path"
    assert options["force"]["default"] is True
    assert "owner" in options  # from the ansible.builtin.files fragment
    assert copy.examples
    for example in copy.examples:
        (task,) = yaml.safe_load(example.code)
        assert task["name"] == example.nl
        assert {"ansible.builtin.copy", "copy"} & set(task)


def test_installed_builtin_user(builtin):
    options = builtin["ansible.builtin.user"].schema["options"]
    assert options["state"]["choices"] == ["absent", "present"]
    assert options["name"]["aliases"] == ["user"]
    assert options["groups"]["elements"] == "str"


def test_installed_module_names():
    names = installed_module_names()
    assert names == sorted(set(names))
    assert {"ansible.builtin.copy", "ansible.builtin.user"} <= set(names)
    assert all(name.count(".") >= 2 for name in names)


@pytest.mark.parametrize(
    ("markup", "plain"),
    [
        ("Use C(/etc/hosts) or I(any) B(file).", "Use /etc/hosts or any file."),
        ("Set O(state=absent) and O(ansible.builtin.copy#module:dest).", "Set state=absent and dest."),
        (
            "See M(ansible.builtin.file), L(the guide,https://x.example) and U(https://y.example).",
            "See ansible.builtin.file, the guide and https://y.example.",
        ),
        (
            "Value V(a\\)b), env E(HOME), return RV(ansible_facts.x), plugin P(ns.c.lookup#lookup).",
            "Value a)b, env HOME, return ansible_facts.x, plugin ns.c.lookup.",
        ),
        (["First.", "Second  line."], "First. Second line."),
    ],
)
def test_plain_text(markup, plain):
    assert plain_text(markup) == plain


_words = st.text(alphabet=st.characters(categories=["L", "N"], max_codepoint=0x24F), min_size=1, max_size=8)
_values = st.one_of(_words, st.integers(-5, 5000), st.booleans(), st.lists(_words, max_size=3))
_tasks = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.lists(_words, min_size=1, max_size=5).map(" ".join),
            "acme.infra.widget": st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), _values),
        }
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(tasks=_tasks, indent=st.sampled_from([2, 4]), in_play=st.booleans())
def test_examples_reproduce_each_task(tasks, indent, in_play):
    document = [{"hosts": "all", "tasks": tasks}] if in_play else tasks
    text = yaml.safe_dump(document, sort_keys=False, indent=indent, allow_unicode=True)
    examples = parse_examples(text, {"acme.infra.widget"})
    assert [e.nl for e in examples] == [t["name"] for t in tasks]
    assert [yaml.safe_load(e.code) for e in examples] == [[t] for t in tasks]


def test_options_only_a_same_named_action_plugin_declares_are_added(acme):
    options = acme["acme.infra.widget_info"].schema["options"]
    assert options["state"] == {
        "required": False,
        "type": "str",
        "default": "present",
        "choices": ["present", "absent"],
        "description": "",
    }
    assert options["ids"]["elements"] == "int"
    assert options["name"]["required"] is False  # documented as optional: the documentation wins
    assert "timeout" not in options  # a computed spec field: its shape is unknown
    assert "state" in acme["acme.infra.widget"].schema["options"]  # documented there; no plugin


def test_installed_dnac_state_comes_from_its_action_plugin():
    collection = next((c for c in installed_collections() if c.name == "cisco.dnac"), None)
    if collection is None:
        pytest.skip("cisco.dnac is not installed")
    path = collection.modules_dir / "app_policy_queuing_profile.py"
    module = ModuleFile("cisco.dnac.app_policy_queuing_profile", path, (), collection.version)
    resolver = FragmentResolver({collection.name: collection.root}, builtin_collection().root)
    record = module_doc_record(module, resolver)
    assert record is not None
    assert record.schema["options"]["state"]["choices"] == ["present", "absent"]


def test_choices_written_as_markup_are_unwrapped():
    from codegen.docs.ansible_record import options_schema

    spec = {"bands": {"type": "str", "choices": ["C(2.4)", "V(5)", "C(a) or C(b)", "plain"]}}
    assert options_schema(spec)["bands"]["choices"] == ["2.4", "5", "C(a) or C(b)", "plain"]
