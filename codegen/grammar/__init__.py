"""Per-request grammars: a base grammar from grammars/ specialised with the top-k documents."""

from __future__ import annotations

import re
from collections.abc import Collection

from codegen.docs.record import DocRecord
from codegen.grammar.ansible import ansible_rules
from codegen.grammar.base import base_grammar
from codegen.grammar.bash import bash_rules
from codegen.grammar.fortran import fortran_rules
from codegen.grammar.fortran_skeleton import program_rules
from codegen.grammar.lark_text import split_definitions
from codegen.grammar.spec import GrammarError, GrammarSpec
from codegen.schema import AnsibleModule, BashCommand, FortranRoutine, schema_of

__all__ = ["GrammarError", "GrammarSpec", "build_grammar"]

_SCHEMA_TYPE = {"ansible": AnsibleModule, "bash": BashCommand, "fortran": FortranRoutine}


def build_grammar(
    lang: str,
    records: list[DocRecord],
    *,
    task_name: str | None = None,
    leading_command: bool = False,
    request: str | None = None,
    stated_choices: Collection[str] = (),
) -> GrammarSpec:
    """The base grammar of `lang` restricted to what `records` document.

    `task_name` (Ansible) fixes the output to one task named exactly so: the request is the task's
    name, as in the module EXAMPLES the model learned from and in an editor's `- name:` line.
    `stated_choices` (Ansible): options whose value the request states as one of their choices
    ("restart nginx": state); they take only their choices, no template.
    `request` (Fortran): when a retrieved routine answers it, the whole program is a skeleton around
    that routine (codegen.grammar.fortran_skeleton); otherwise, and without a request, statements.
    `leading_command` (Bash) makes the text a list of pipelines of documented commands, with no
    loop or conditional at the top level, that starts with the first record's command: a small model
    that wanted an undocumented command otherwise escapes into `for`/`if` and rarely closes it within
    its token budget, and it picks the first command less well than retrieval ranks it.

    Raises GrammarError when no record of that language documents anything usable: generating
    without constraints instead would silently drop the guarantee.
    """
    if lang not in _SCHEMA_TYPE:
        raise GrammarError(f"no grammar for language {lang!r}")
    schemas = []
    for record in records:
        if record.dsl != lang:
            continue
        schema = schema_of(record)
        if isinstance(schema, _SCHEMA_TYPE[lang]) and schema.name not in {s.name for s in schemas}:
            schemas.append(schema)
    if lang == "fortran" and request is not None:
        skeleton = program_rules(request, records)
        if skeleton is not None:
            text, summary = skeleton
            used = [s.name for s in schemas if s.name.lower() in text.lower()]
            return GrammarSpec(lang, "// per request: a program skeleton\n" + text, summary, used, True)
        if not re.search(r"\bmpi\b", request, re.I):
            # an MPI routine retrieved for a request that does not ask for MPI is noise (`any`
            # retrieved MPI_Dist_graph_neighbors_count): the statement grammar would call it
            schemas = [
                s for s in schemas if not (isinstance(s, FortranRoutine) and s.kind == "mpi")
            ] or schemas
    base = base_grammar(lang)
    if lang == "ansible":
        rules, summary = ansible_rules(schemas, base, task_name=task_name, stated_choices=stated_choices)
    elif lang == "bash":
        rules, summary = bash_rules(schemas, leading_command=leading_command)
    else:
        arg_types = {
            r.name.lower(): {str(a.get("name", "")).lower(): str(a.get("type", "")) for a in _arguments(r)}
            for r in records
            if r.dsl == "fortran"
        }
        rules, summary = fortran_rules(schemas, arg_types)
    if not rules:
        names = ", ".join(r.name for r in records if r.dsl == lang) or "none"
        raise GrammarError(
            f"the {lang} documents retrieved for this request ({names}) leave nothing to generate: "
            "no module with options, command, or routine signature"
        )
    if lang == "fortran":
        # standalone: the base grammar's %ignore (spaces, `&` continuations, comments) would let a
        # model pad the program with them; every string here is also a string of the base grammar
        text = "// per request: a sub-language of grammars/fortran.lark\n" + rules
    else:
        text = _specialise(base, rules)
    return GrammarSpec(lang=lang, text=text, constraints=summary, documents=[s.name for s in schemas])


def _specialise(base: str, rules: str) -> str:
    """Drop the base grammar's generic versions of the rules the request redefines, append the rest."""
    definitions = split_definitions(base)
    for name in split_definitions(rules):
        if name in definitions:
            base = base.replace(definitions[name], "", 1)
    return base.rstrip("\n") + "\n\n// per request\n" + rules


def _arguments(record: DocRecord) -> list[dict]:
    args = record.schema.get("arguments")
    return [a for a in args if isinstance(a, dict)] if isinstance(args, list) else []
