"""Values a request states and whether code keeps them (codegen/values.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.values import (
    choice_values,
    implied_values,
    kept,
    request_values,
    value_scores,
    without_values,
)


@pytest.mark.parametrize(
    ("request_text", "values"),
    [
        ("find all log files older than 7 days and delete them", ["7"]),
        ("create a user named deploy", ["deploy"]),
        ("copy app.conf to /etc/app", ["app.conf", "/etc/app"]),
        ('Search for "ERROR" in server.log, e.g. the last 100 lines', ["ERROR", "server.log", "100"]),
        ("Find all *.txt files under ./build/", ["*.txt", "./build"]),
        ("list files in the current directory", []),
        ("install nginx and start it on boot", []),
        ("Find all *.rb files/directories under current directory", ["*.rb"]),
        ("Delete all files named 'core' under current directory", ["core"]),
        ("compress the directory src into a tar.gz archive", ["src", "tar.gz"]),
        ("Print the file system usage of the directory tree", []),
        (
            "Copy src/prog.js and images/icon.jpg to /tmp/package/",
            ["src/prog.js", "images/icon.jpg", "/tmp/package"],
        ),
    ],
)
def test_request_values(request_text: str, values: list[str]) -> None:
    assert request_values(request_text) == values


def test_numbers_are_kept_as_whole_numbers_and_other_values_verbatim() -> None:
    assert kept("7", "find . -mtime +7 -delete")
    assert not kept("7", "find . -mtime +17")
    assert kept("/etc/app", "cp app.conf /etc/app/")
    assert not kept("deploy", "name: test")


def test_value_scores_count_only_requests_that_state_values() -> None:
    scores = value_scores(
        ["create a user named deploy", "copy app.conf to /etc/app", "list files"],
        ["name: deploy", "cp app.conf /tmp", "ls"],
    )
    assert scores.value_requests == 2
    assert scores.value_recall == pytest.approx((1.0 + 0.5) / 2)
    assert scores.values_kept_rate == pytest.approx(0.5)
    assert value_scores(["list files"], ["ls"]).value_recall is None


@given(st.text(max_size=80))
def test_code_that_repeats_the_request_keeps_every_value(text: str) -> None:
    values = request_values(text)
    assert all(kept(v, text) for v in values)
    assert value_scores([text], [text]).values_kept_rate in (None, 1.0)


def test_an_ansible_tasks_name_does_not_keep_the_requests_values() -> None:
    request = "create a user named deploy"
    echoed = "- name: create a user named deploy\n  ansible.builtin.user:\n    name: test\n"
    right = "- name: create a user named deploy\n  ansible.builtin.user:\n    name: deploy\n"
    assert value_scores([request], [echoed], "ansible").values_kept_rate == 0.0
    assert value_scores([request], [right], "ansible").values_kept_rate == 1.0
    assert value_scores([request], [echoed], "bash").values_kept_rate == 1.0


def test_paths_and_names_leave_the_text_retrieval_matches_on() -> None:
    assert without_values("create the directory /opt/app").split() == ["create", "the", "directory"]
    assert without_values("copy nginx.conf into ./build/").split() == ["copy", "nginx.conf", "into"]
    assert without_values("create the directory build and copy main.c into it").split() == [
        *["create", "the", "directory", "and", "copy", "main.c", "into", "it"]
    ]
    assert without_values("add a user named deploy").split() == ["add", "a", "user", "named"]
    # a kind followed by a word that is no name stays whole
    assert without_values("show the directory tree of /srv").split() == [
        "show",
        "the",
        "directory",
        "tree",
        "of",
    ]


SERVICE_OPTIONS = {
    "name": {"type": "str"},
    "state": {"type": "str", "choices": ["reloaded", "restarted", "started", "stopped"]},
    "enabled": {"type": "bool"},
}
PACKAGE_OPTIONS = {"state": {"choices": ["absent", "present", "latest"]}, "force": {"type": "bool"}}


@pytest.mark.parametrize(
    ("request_text", "options", "choices"),
    [
        ("restart nginx", SERVICE_OPTIONS, {"restarted": "state"}),
        # and the switch for starting at boot, from its words
        ("stop and disable firewalld", SERVICE_OPTIONS, {"false": "enabled", "stopped": "state"}),
        ("install nginx and start it on boot", SERVICE_OPTIONS, {"true": "enabled", "started": "state"}),
        ("disable it", {"enabled": {"type": "str"}}, {}),  # only a bool option is switched
        ("uninstall the nginx package", PACKAGE_OPTIONS, {"absent": "state"}),
        ("install the latest git", PACKAGE_OPTIONS, {"latest": "state"}),
        ("install git", PACKAGE_OPTIONS, {}),  # "present" is no word of the request
        ("stop and disable firewalld", PACKAGE_OPTIONS, {}),  # disabling is no removal
    ],
)
def test_choice_values_are_the_choices_the_requests_words_ask_for(
    request_text: str, options: dict, choices: dict[str, str]
) -> None:
    assert choice_values(request_text, options) == choices


@pytest.mark.parametrize(
    ("request_text", "implied"),
    [
        ("find all log files older than 7 days and delete them", ["*.log"]),
        ("Find all TXT files in the current directory", ["*.txt"]),
        ("copy the .conf files to /etc", ["*.conf"]),
        ("list files in the current directory", []),  # no kind of file
        ("remove core files", []),  # "core" names no extension
        ("find *.log files", []),  # the glob is stated already
    ],
)
def test_a_kind_of_file_named_by_its_extension_implies_its_glob(
    request_text: str, implied: list[str]
) -> None:
    assert implied_values(request_text) == implied
    assert not set(implied) & set(request_values(request_text))  # not a stated value: not scored
