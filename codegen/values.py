"""Values a request states, and whether code keeps them.

A request states a value when it holds a quoted string, a path, a glob or a file name, a number, or
the name after "named"/"called" (a user, package or service). Code keeps a value when the value
appears in it verbatim (a number as a whole number: 7 in `-mtime +7`, not in `17`). Placeholders
(`{{path/to/file}}`) keep nothing: they are for what the request leaves open. Decoding leans toward
writing these values (codegen.decoding's copy bias); the evaluation counts how many are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'|`([^`]+)`")
# a path (has a slash), a glob (has * or ?), or a file name with a short extension (app.conf, *.log)
_PATHLIKE = re.compile(
    r"(?<![\w/.~-])((?:~|\.{1,2})?/?[\w.*?~-]*[/*?][\w./*?~-]*|[\w-]+\.[A-Za-z][\w]{0,4})(?![\w/])"
)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")
_NAMED = re.compile(r"\b(?:named|called)\s+([\w.@+-]+)", re.IGNORECASE)
_TRAILING = ".,;:!?)"
_TASK_NAME = re.compile(r"^\s*- name:.*$", re.MULTILINE)
# common abbreviations that look like file names
_NOT_FILES = frozenset({"e.g", "i.e", "etc", "vs"})


def request_values(request: str) -> list[str]:
    """The values `request` states, in order, without repeats."""
    found: list[str] = []
    rest = request
    for match in _QUOTED.finditer(request):
        found.append(next(g for g in match.groups() if g))
    rest = _QUOTED.sub(" ", request)
    found += [m.group(1) for m in _NAMED.finditer(rest)]
    for match in _PATHLIKE.finditer(rest):
        value = match.group(1).rstrip(_TRAILING)
        if len(value) > 1 and value.lower() not in _NOT_FILES and not value.replace(".", "").isdigit():
            found.append(value.rstrip("/") or value)
    found += _NUMBER.findall(rest)
    return [v for v in dict.fromkeys(v.strip() for v in found) if v]


def without_paths(request: str) -> str:
    """The request without the paths it states (`/opt/app`, `./build`): words of a path name a place,
    not the tool (`/opt/app` is no request for the `opt_ins` module)."""
    return _PATHLIKE.sub(lambda m: " " if "/" in m.group(1) else m.group(0), request)


def kept(value: str, code: str) -> bool:
    if value.replace(".", "", 1).isdigit():
        return re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", code) is not None
    return value in code


@dataclass(frozen=True, slots=True)
class ValueScores:
    value_requests: int  # requests that state at least one value
    value_recall: float | None  # mean share of a request's values the code keeps
    values_kept_rate: float | None  # share of those requests whose code keeps every value


def without_task_names(code: str) -> str:
    """An Ansible text without its tasks' `- name:` lines, which repeat the request itself."""
    return _TASK_NAME.sub("", code)


def value_scores(requests: list[str], codes: list[str], lang: str = "bash") -> ValueScores:
    """Over the requests that state values; an Ansible task's name (the request, copied) does not count."""
    shares, complete = [], []
    for request, code in zip(requests, codes, strict=True):
        if lang == "ansible":
            code = without_task_names(code)
        values = request_values(request)
        if not values:
            continue
        hits = [kept(v, code) for v in values]
        shares.append(sum(hits) / len(hits))
        complete.append(all(hits))
    if not shares:
        return ValueScores(0, None, None)
    return ValueScores(len(shares), sum(shares) / len(shares), sum(complete) / len(complete))
