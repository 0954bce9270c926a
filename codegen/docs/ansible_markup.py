"""Ansible documentation markup → plain text.

Module docs use a small markup language (`C(path)`, `O(state=absent)`, `M(ansible.builtin.copy)`,
`L(text,url)`, ...). Search and prompts want the words, not the markup, so each construct is replaced
by the text a reader would see.
"""

from __future__ import annotations

import re
from typing import Any

# One construct: a command name then a parenthesised argument in which `\)` and `\\` are escapes.
_MARKUP = re.compile(r"\b(RV|[IBMUCVEOPLR])\(((?:\\.|[^)\\])*)\)")
_ESCAPE = re.compile(r"\\(.)")
_SPACES = re.compile(r"\s+")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def _replace(match: re.Match[str]) -> str:
    command, argument = match.group(1), match.group(2)
    if command in ("L", "R"):  # L(text,url) and R(text,anchor): the reader sees the text
        return _unescape(argument.split(",", 1)[0]).strip()
    if command in ("O", "RV"):
        # O(ansible.builtin.copy#module:dest=/tmp) names an option of another plugin: keep "dest=/tmp"
        if "#" in argument:
            argument = argument.split(":", 1)[-1]
        elif argument.startswith("ignore:"):
            argument = argument[len("ignore:") :]
    if command == "P":  # P(fqcn#plugin_type)
        argument = argument.split("#", 1)[0]
    return _unescape(argument)


def plain_text(value: Any) -> str:
    """A description (a string or a list of paragraphs) as one line of plain text."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(part for part in (plain_text(item) for item in value) if part)
    text = _MARKUP.sub(_replace, str(value)).replace("HORIZONTALLINE", " ")
    return _SPACES.sub(" ", text).strip()


_CODE_VALUE = re.compile(r"[CV]\(((?:\\.|[^)\\])*)\)")


def unwrap_value(value: Any) -> Any:
    """A documented value written as markup (`choices: [C(2.4), C(5)]`) -> the value (`2.4`, `5`).
    ansible-doc shows markup only in descriptions; in a choice it is an authoring slip."""
    if isinstance(value, str) and (match := _CODE_VALUE.fullmatch(value)):
        return _unescape(match.group(1))
    return value
