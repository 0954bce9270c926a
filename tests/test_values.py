"""Values a request states and whether code keeps them (codegen/values.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.values import kept, request_values, value_scores, without_paths


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


def test_paths_leave_the_text_retrieval_matches_on() -> None:
    assert without_paths("create the directory /opt/app").split() == ["create", "the", "directory"]
    assert without_paths("copy nginx.conf into ./build/").split() == ["copy", "nginx.conf", "into"]
