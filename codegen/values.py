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
_NAMED = re.compile(r"\b(named|called)\s+([\w.@+-]+)", re.IGNORECASE)
# "the directory build", "the file notes": a name given by its kind, unless the word after the kind is
# one of _NOT_NAMES ("the file system", "the directory tree"; the 40 most frequent such words of
# NL2Bash requests)
_KIND_NAMED = re.compile(r"\b(the\s+(?:directory|folder|dir|file)\s+)([\w.~-]*\w)", re.IGNORECASE)
_NOT_NAME_WORDS = (
    "system systems tree trees name names path paths with structure and or given in into named called"
    " that where type types hierarchy whose to size sizes which pointed command it is exclude metadata"
    " entry entries directory links specified does while locations contents listing permissions for"
    " from of on as by its at"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
_TRAILING = ".,;:!?)"
_TASK_NAME = re.compile(r"^\s*- name:.*$", re.MULTILINE)
# common abbreviations that look like file names
_NOT_FILES = frozenset({"e.g", "i.e", "etc", "vs"})
# "files/directories", "and/or": two words joined by a slash are alternatives, not a path (NL2Bash
# writes "files/directories" in ~1 of 20 requests; a relative path has a dot or a third part)
_ALTERNATIVES = re.compile(r"[A-Za-z]+/[A-Za-z]+")


def request_values(request: str) -> list[str]:
    """The values `request` states, in order, without repeats."""
    found: list[str] = []
    rest = request
    for match in _QUOTED.finditer(request):
        found.append(next(g for g in match.groups() if g))
    # a quoted value leaves a mark that is no word: "named 'core' under" names nothing after 'core'
    rest = _QUOTED.sub(" \x00 ", request)
    found += [m.group(2) for m in _NAMED.finditer(rest)]
    found += [m.group(2) for m in _KIND_NAMED.finditer(rest) if m.group(2).lower() not in _NOT_NAMES]
    for match in _PATHLIKE.finditer(rest):
        value = match.group(1).rstrip(_TRAILING)
        if (
            len(value) > 1
            and value.lower() not in _NOT_FILES
            and not value.replace(".", "").isdigit()
            and not _ALTERNATIVES.fullmatch(value)
        ):
            found.append(value.rstrip("/") or value)
    found += _NUMBER.findall(rest)
    return [v for v in dict.fromkeys(v.strip() for v in found) if v]


# request words that ask for a choice their spelling does not share (`state: absent` for "remove")
_CHOICE_SYNONYMS = {
    "absent": ("remove", "delete", "uninstall", "purge", "drop"),
}
# bool options the request's words set: "disable firewalld" -> `enabled: false`, "start it on boot"
# -> `enabled: true` (the service and systemd modules' switch for starting at boot)
_BOOL_WORDS = {
    "enabled": {"false": ("disable", "disabled"), "true": ("enable", "enabled", "boot", "startup")},
}
_WORD = re.compile(r"[a-z]+")
# "log files" -> `*.log`: a kind of file named by its extension, which a command line writes as a glob
_FILE_KIND = re.compile(r"(?<![\w.*/])\.?([A-Za-z0-9]{1,4})\s+files?\b")
_EXTENSIONS = frozenset(
    [
        "log",
        "txt",
        "csv",
        "tsv",
        "json",
        "xml",
        "yaml",
        "yml",
        "conf",
        "cfg",
        "ini",
        "pdf",
        "jpg",
        "jpeg",
        "png",
        "gif",
        "svg",
        "mp3",
        "mp4",
        "avi",
        "py",
        "sh",
        "c",
        "h",
        "cpp",
        "java",
        "js",
        "html",
        "css",
        "md",
        "tmp",
        "bak",
        "gz",
        "zip",
        "tar",
        "deb",
        "rpm",
        "iso",
    ]
)


def choice_values(request: str, options: dict) -> dict[str, str]:
    """The option choices the request's words ask for, each with its option: "restart nginx" ->
    `restarted` (state), "stop it" -> `stopped`, "remove the user" -> `absent`, among the string
    choices of `options` (an Ansible module's argument spec, codegen/docs/record.py). A word asks for
    a choice it begins (or that begins it), four letters at least, or for one of _CHOICE_SYNONYMS;
    a bool option of _BOOL_WORDS gets `true` or `false` from its words ("disable" -> enabled false)."""
    words = {w for w in _WORD.findall(request.lower()) if len(w) >= 4}
    found: dict[str, str] = {}
    for key, settings in _BOOL_WORDS.items():
        if (options.get(key) or {}).get("type") == "bool":
            for value, asking in settings.items():
                if words & set(asking):
                    found.setdefault(value, key)
                    break
    for key, option in options.items():
        for choice in option.get("choices") or ():
            if not isinstance(choice, str) or len(choice) < 4:
                continue
            c = choice.lower()
            asked = any(c.startswith(w) or w.startswith(c) for w in words)
            if asked or words & set(_CHOICE_SYNONYMS.get(c, ())):
                found.setdefault(choice, key)
    return found


def implied_values(request: str) -> list[str]:
    """Values the request implies rather than states: the glob of a kind of file it names by its
    extension ("find all log files" -> `*.log`). Not counted as stated values (value_scores)."""
    return list(
        dict.fromkeys(
            f"*.{m.group(1).lower()}"
            for m in _FILE_KIND.finditer(request)
            if m.group(1).lower() in _EXTENSIONS
        )
    )


def without_values(request: str) -> str:
    """The request without the values that name a place or a thing rather than the tool: paths
    (`/opt/app` is no request for the `opt_ins` module), names after "named"/"called" and names given
    by their kind ("the directory build" is no request for `flatpak-build-init`)."""
    text = _NAMED.sub(lambda m: m.group(1), request)
    text = _KIND_NAMED.sub(lambda m: m.group(0) if m.group(2).lower() in _NOT_NAMES else m.group(1), text)
    return _PATHLIKE.sub(lambda m: " " if "/" in m.group(1) else m.group(0), text)


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
