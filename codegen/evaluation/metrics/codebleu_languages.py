"""The language parts of CodeBLEU for Bash, Ansible YAML and Fortran: keywords, comments, data flow.

Keywords. Bash and Fortran: the reserved words of their tree-sitter grammars (the grammar's anonymous
word tokens: `if`, `done`, `subroutine`, `intent`, ...), Fortran's matched case-insensitively.
Ansible: the playbook keywords ansible-core documents (`ansible/keyword_desc.yml`: `name`, `when`,
`become`, `loop`, ...) as written before a colon, and YAML's boolean and null words.

Bash references and predictions keep tldr's placeholders; as in the tldr metrics, the distinct
`{{…}}` placeholders are numbered in order of first appearance (`VAR0`, `VAR1`, ...: plain shell
words, so an option alternative `{{[-s|--long]}}` does not parse as a pipe) before scoring.

Comments are removed before the syntax and data-flow matches (Bash `#`, YAML `#`, Fortran `!`), except
Fortran `!$` lines, which are OpenMP directives and conditional compilation, i.e. code.

Data flow, in the package's edge form, from one pass over the tree in source order:
- Bash: `x=…` (also under declare/local/export) and `for x in …` define x from the variables the
  value expands; `read x y` defines x and y; `$x`/`${x}` use x and come from its last definition.
- Fortran: `x = …` and `a(i) = …` (also `x%y = …`, and initialisers in declarations) define the
  base name from the names on the right; `do i = a, b` defines i from a and b; dummy arguments are
  defined on entry; every other name is a use that comes from the last definition. Names are
  case-insensitive.
- Ansible YAML has none: a task passes data through `register:` and Jinja expressions inside strings,
  which the YAML tree does not show, and a single-task reference rarely has any, so data-flow match
  is left undefined (see codegen.evaluation.metrics.codebleu).
Loops are not walked twice, so a variable's flow around a loop back-edge is not an edge.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import tree_sitter_bash
import tree_sitter_fortran
import tree_sitter_yaml
import yaml
from tree_sitter import Language, Node, Parser

from codegen.evaluation.metrics.codebleu import CodeLanguage, FlowEdge

_PLACEHOLDER = re.compile("{{(.*?)}}")
YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "True", "False", "Yes", "No", "~"})


def grammar_keywords(language: Language) -> frozenset[str]:
    """The grammar's reserved words: visible anonymous tokens made of letters (and `_`), 2+ long."""
    words = set()
    for kind in range(language.node_kind_count):
        name = language.node_kind_for_id(kind) or ""
        if (
            not language.node_kind_is_named(kind)
            and language.node_kind_is_visible(kind)
            and len(name) > 1
            and name.replace("_", "").isalpha()
        ):
            words.add(name)
    return frozenset(words)


def ansible_keywords() -> frozenset[str]:
    import ansible

    path = Path(ansible.__file__).parent / "keyword_desc.yml"
    described = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(described) | YAML_WORDS


def without_comments(code: str, parser: Parser, keep: Callable[[str], bool] = lambda _: False) -> str:
    """`code` minus its comment nodes (those `keep` says are code stay)."""
    data = code.encode("utf-8", errors="surrogatepass")
    cuts = [
        (n.start_byte, n.end_byte)
        for n in _descendants(parser.parse(data).root_node)
        if n.type == "comment" and not keep((n.text or b"").decode("utf-8", errors="replace"))
    ]
    for start, end in reversed(cuts):
        data = data[:start] + data[end:]
    return data.decode("utf-8", errors="surrogatepass")


def _descendants(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _leaf_indices(root: Node) -> dict[tuple[int, int], int]:
    """Token number of each leaf, by its byte span, in source order (the package's token index)."""
    leaves = [n for n in _descendants(root) if not n.children]
    return {(n.start_byte, n.end_byte): i for i, n in enumerate(leaves)}


class _Flow:
    """Definitions and uses collected in source order."""

    def __init__(self, root: Node, normalize: Callable[[str], str] = str) -> None:
        self.index = _leaf_indices(root)
        self.normalize = normalize
        self.last_def: dict[str, list[int]] = {}
        self.edges: list[FlowEdge] = []

    def name(self, node: Node) -> str:
        return self.normalize((node.text or b"").decode("utf-8", errors="replace"))

    def use(self, node: Node) -> list[tuple[str, int]]:
        name, i = self.name(node), self.index[(node.start_byte, node.end_byte)]
        defs = tuple(self.last_def.get(name, ()))
        self.edges.append(FlowEdge(name, i, "comesFrom", (name,) if defs else (), defs))
        return [(name, i)]

    def define(self, node: Node, sources: list[tuple[str, int]], relation: str = "computedFrom") -> None:
        name, i = self.name(node), self.index[(node.start_byte, node.end_byte)]
        parents = tuple(n for n, _ in sources)
        self.edges.append(FlowEdge(name, i, relation, parents, tuple(j for _, j in sources)))
        self.last_def[name] = [i]


# -------------------------------------------------------------------------------------------- Bash


def anonymise_placeholders(code: str) -> str:
    """tldr placeholders → VAR0, VAR1, ... by first appearance of each distinct placeholder."""
    numbers: dict[str, int] = defaultdict(lambda: len(numbers))
    return _PLACEHOLDER.sub(lambda m: f"VAR{numbers[m[1]]}", code)


def bash_data_flow(root: Node, source: bytes) -> list[FlowEdge]:
    del source  # node texts suffice
    flow = _Flow(root)
    _bash_visit(root, flow)
    return flow.edges


def _bash_visit(node: Node, flow: _Flow) -> list[tuple[str, int]]:
    if node.type == "variable_assignment":
        target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        sources = _bash_visit(value, flow) if value is not None else []
        if target is not None and target.type == "variable_name":
            flow.define(target, sources)
        return sources
    if node.type == "for_statement":
        target = node.child_by_field_name("variable")
        sources = [u for v in node.children_by_field_name("value") for u in _bash_visit(v, flow)]
        if target is not None:
            flow.define(target, sources)
        body = node.child_by_field_name("body")
        return sources + (_bash_visit(body, flow) if body is not None else [])
    if node.type in ("simple_expansion", "expansion"):
        names = [c for c in node.children if c.type == "variable_name"]
        return flow.use(names[0]) if names else []
    if node.type == "command" and _command_name(node) == "read":
        for arg in node.children_by_field_name("argument"):
            if arg.type == "word" and not (arg.text or b"").startswith(b"-"):
                flow.define(arg, [], "comesFrom")
        return []
    return [u for child in node.children for u in _bash_visit(child, flow)]


def _command_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    return (name.text or b"").decode("utf-8", errors="replace") if name is not None else ""


# ----------------------------------------------------------------------------------------- Fortran


def fortran_data_flow(root: Node, source: bytes) -> list[FlowEdge]:
    del source
    flow = _Flow(root, normalize=str.lower)
    _fortran_visit(root, flow)
    return flow.edges


def _fortran_visit(node: Node, flow: _Flow) -> list[tuple[str, int]]:
    if node.type in ("assignment_statement", "init_declarator"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        sources = _fortran_visit(right, flow) if right is not None else []
        target, subscripts = _fortran_target(left, flow) if left is not None else (None, [])
        if target is not None:
            flow.define(target, sources)
        return subscripts + sources
    if node.type == "loop_control_expression":
        parts = [c for c in node.children if c.is_named]
        if parts and parts[0].type == "identifier":
            sources = [u for p in parts[1:] for u in _fortran_visit(p, flow)]
            flow.define(parts[0], sources)
            return sources
    if node.type == "parameters":
        for child in node.children:
            if child.type == "identifier":
                flow.define(child, [], "comesFrom")
        return []
    if node.type == "identifier":
        return flow.use(node)
    return [u for child in node.children for u in _fortran_visit(child, flow)]


def _fortran_target(left: Node, flow: _Flow) -> tuple[Node | None, list[tuple[str, int]]]:
    """The name an assignment defines and the uses in its subscripts."""
    if left.type == "identifier":
        return left, []
    if left.type in ("call_expression", "derived_type_member_expression"):
        base = next((c for c in left.children if c.type == "identifier"), None)
        rest = [u for c in left.children if c is not base for u in _fortran_visit(c, flow)]
        return base, rest
    return None, _fortran_visit(left, flow)


# ------------------------------------------------------------------------------------- languages


@cache
def code_language(lang: str) -> CodeLanguage:
    """The CodeBLEU language for a dslgen language name ("bash", "ansible", "fortran")."""
    if lang == "bash":
        bash = Language(tree_sitter_bash.language())
        parser = Parser(bash)
        return CodeLanguage(
            name="bash",
            language=bash,
            keywords=grammar_keywords(bash),
            prepare=anonymise_placeholders,
            strip_comments=lambda code: without_comments(code, parser),
            data_flow=bash_data_flow,
        )
    if lang == "fortran":
        fortran = Language(tree_sitter_fortran.language())
        parser = Parser(fortran)
        return CodeLanguage(
            name="fortran",
            language=fortran,
            keywords=grammar_keywords(fortran),
            keyword_form=str.lower,
            strip_comments=lambda code: without_comments(code, parser, keep=lambda c: c.startswith("!$")),
            data_flow=fortran_data_flow,
        )
    if lang == "ansible":
        yaml_language = Language(tree_sitter_yaml.language())
        parser = Parser(yaml_language)
        return CodeLanguage(
            name="ansible",
            language=yaml_language,
            keywords=ansible_keywords(),
            keyword_form=lambda token: token.removesuffix(":"),
            strip_comments=lambda code: without_comments(code, parser),
        )
    raise ValueError(f"no CodeBLEU language for {lang!r}")
