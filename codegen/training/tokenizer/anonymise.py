"""Reversible identifier anonymisation (a training augmentation): user names → var_N / func_N per file.

Fortran: identifiers, except intrinsics, keywords and MPI/OpenMP/BLAS/LAPACK names; procedures,
programs and modules defined in the file become func_N. Names are matched case-insensitively (Fortran
is), and each occurrence's spelling is kept so restoring is exact. Bash: shell variables (but not the
environment and scheduler variables scripts read: HOME, PATH, SLURM_*, OMP_*, …) and functions defined
in the script. Ansible YAML and English are returned unchanged: YAML keys and module names are the
documented schema, not free identifiers.

The placeholder prefixes are chosen so that they occur nowhere in the original text; `restore` can
therefore find every placeholder without a parse and undo the mapping exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from codegen.training.tokenizer.directives import directive_lexemes
from codegen.training.tokenizer.lexemes import Parsed, parse
from codegen.training.tokenizer.lexicon import fortran_api_names

_FORTRAN_UNITS = frozenset(
    {
        "subroutine_statement",
        "function_statement",
        "program_statement",
        "module_statement",
        "end_subroutine_statement",
        "end_function_statement",
        "end_program_statement",
        "end_module_statement",
    }
)
_ENVIRONMENT = frozenset(
    {
        "HOME",
        "PATH",
        "USER",
        "PWD",
        "OLDPWD",
        "SHELL",
        "IFS",
        "LANG",
        "LC_ALL",
        "TERM",
        "HOSTNAME",
        "TMPDIR",
        "EDITOR",
        "PS1",
        "UID",
        "EUID",
        "RANDOM",
        "LINENO",
        "BASH_SOURCE",
        "FUNCNAME",
        "REPLY",
        "SECONDS",
        "OPTARG",
        "OPTIND",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
        "MANPATH",
        "DISPLAY",
    }
)
_API_PREFIXES = ("mpi_", "mpix_", "omp_")  # MPI and OpenMP names, constants included
_SCHEDULER_PREFIXES = ("SLURM_", "OMP_", "PBS_", "MPI", "OMPI_", "BASH")
_SHELL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # not $1, $@, $?


@dataclass(frozen=True, slots=True)
class Anonymised:
    text: str
    names: dict[str, str]  # placeholder → the name's first spelling
    spellings: tuple[tuple[int, str], ...] = ()  # (placeholder occurrence index, spelling) where it differs
    prefixes: tuple[str, str] = ("var", "func")


def _prefixes(text: str) -> tuple[str, str]:
    lowered = text.lower()
    for extra in range(len(text) + 1):
        var, func = "var" + "x" * extra, "func" + "x" * extra
        if f"{var}_" not in lowered and f"{func}_" not in lowered:
            return var, func
    raise AssertionError("unreachable: a long enough prefix cannot occur in the text")


def _leaves(node: Node, kinds: frozenset[str]) -> list[Node]:
    """Every node of one of `kinds` under `node` (nested ones included)."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in kinds:
            found.append(current)
        stack.extend(current.children)
    return found


def _text(parsed: Parsed, node: Node) -> str:
    return parsed.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


def _fortran_spans(parsed: Parsed) -> list[tuple[int, int, str, str]]:
    """(start byte, end byte, canonical key, category) of every Fortran name occurrence to replace,
    including the variables named in OpenMP/OpenACC directive clauses (`private(i)`)."""
    root = parsed.tree.root_node
    units = {
        _text(parsed, child).lower()
        for stmt in _leaves(root, _FORTRAN_UNITS)
        for child in stmt.children
        if child.type == "name"
    }
    for call in _leaves(root, frozenset({"subroutine_call"})):
        callee = call.child_by_field_name("subroutine")
        if callee is not None:
            units.add(_text(parsed, callee).lower())
    keep = fortran_api_names()
    spans = []
    for node in _leaves(root, frozenset({"identifier", "name"})):
        key = _text(parsed, node).lower()
        if key not in keep and not key.startswith(_API_PREFIXES):
            spans.append((node.start_byte, node.end_byte, key, "func" if key in units else "var"))
    known = {key for _start, _end, key, _category in spans}
    for comment in _leaves(root, frozenset({"comment"})):
        lexemes = directive_lexemes(_text(parsed, comment))
        for start, end in (lexemes or [])[1:]:
            key = _text(parsed, comment)[start:end].lower()
            if key in known:
                spans.append((comment.start_byte + start, comment.start_byte + end, key, "var"))
    return spans


def _bash_spans(parsed: Parsed) -> list[tuple[int, int, str, str]]:
    root = parsed.tree.root_node
    functions = set()
    for definition in _leaves(root, frozenset({"function_definition"})):
        name = definition.child_by_field_name("name")
        if name is not None:
            functions.add(_text(parsed, name))
    spans = []
    for node in _leaves(root, frozenset({"variable_name", "function_definition", "command_name", "word"})):
        if node.type == "word":
            # a defined function named as an argument (`trap cleanup EXIT`); command names come below
            if node.parent is not None and node.parent.type == "command" and _text(parsed, node) in functions:
                spans.append((node.start_byte, node.end_byte, _text(parsed, node), "func"))
            continue
        if node.type == "variable_name":
            name = _text(parsed, node)
            if (
                _SHELL_NAME.match(name)
                and name not in _ENVIRONMENT
                and not name.startswith(_SCHEDULER_PREFIXES)
            ):
                spans.append((node.start_byte, node.end_byte, name, "var"))
            continue
        target = node.child_by_field_name("name") if node.type == "function_definition" else node.child(0)
        if target is not None and target.type == "word" and _text(parsed, target) in functions:
            spans.append((target.start_byte, target.end_byte, _text(parsed, target), "func"))
    return spans


def anonymise(text: str, lang: str, path: str | None = None) -> Anonymised:
    if lang not in ("fortran", "bash"):
        return Anonymised(text, {})
    parsed = parse(text, lang, path)
    spans = _fortran_spans(parsed) if lang == "fortran" else _bash_spans(parsed)
    var, func = _prefixes(text)
    placeholder_of: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    spellings: list[tuple[int, str]] = []
    pieces: list[str] = []
    position = 0
    located = []
    for start_byte, end_byte, key, category in spans:
        start, end = parsed.char_offset(start_byte), parsed.char_offset(end_byte)
        if start >= 0 and end >= start:
            located.append((start, end, key, category))
    occurrence = -1
    for start, end, key, category in sorted(set(located)):
        if start < position:  # nested in a name already replaced
            continue
        occurrence += 1
        spelling = text[start:end]
        placeholder = placeholder_of.get((category, key))
        if placeholder is None:
            count = sum(1 for c, _ in placeholder_of if c == category) + 1
            placeholder = f"{var if category == 'var' else func}_{count}"
            placeholder_of[(category, key)] = placeholder
            names[placeholder] = spelling
        elif names[placeholder] != spelling:
            spellings.append((occurrence, spelling))
        pieces += [text[position:start], placeholder]
        position = end
    pieces.append(text[position:])
    return Anonymised("".join(pieces), names, tuple(spellings), (var, func))


def restore(anonymised: Anonymised) -> str:
    """The original text back from an anonymised one (exact)."""
    var, func = anonymised.prefixes
    # the prefixes occur nowhere in the original, so every match is a placeholder
    pattern = re.compile(rf"(?:{re.escape(var)}|{re.escape(func)})_\d+")
    overrides = dict(anonymised.spellings)
    occurrence = -1

    def replace(match: re.Match[str]) -> str:
        nonlocal occurrence
        occurrence += 1
        return overrides.get(occurrence, anonymised.names.get(match.group(0), match.group(0)))

    return pattern.sub(replace, anonymised.text)
