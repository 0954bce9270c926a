"""Replay real data through the specialised grammars and count what they accept.

    nice -n 10 python benchmarks/grammar_coverage.py [--limit N]

- Bash: every tldr example and NL2Bash command (shared data) whose main command has a man page;
  tldr placeholders are filled first (`{{[-a|--all]}}` -> `-a`, `{{path/to/file}}` -> `path/to/file`).
  The grammar is specialised with the records of every command in the line (what retrieval
  would have to return for it), built from the installed man pages and bash builtins.
- Ansible: every EXAMPLES task of every installed module, against the grammar of its own module;
  each task is rewritten in the grammar's block layout first (same keys and values).
- Fortran: subroutines and functions of the Fortran corpus (fixed form converted to free form),
  against the base grammar: the per-request grammar generates programs from a declared name pool,
  so real code with its own names is outside it by design.

Prints a table, the misses by kind, and writes benchmarks/results/grammar_coverage.json.

    nice -n 10 python benchmarks/grammar_coverage.py --set everyday [--lang bash|ansible]

- The everyday dev suites (codegen.evaluation.suites): bash-everyday, every NL2Bash dev command
  against the grammar specialised with the records of its commands, as above (lines whose command
  has no page are counted, as a miss outside the documentation); ansible-real, every named module
  task of the dev roles against its module's grammar, rendered in the grammar's layout like the
  EXAMPLES tasks, with task keywords the grammar refuses as their own kinds. Misses whose gold is
  not valid under the installed documentation (undocumented flag or key, module not installed, ...)
  are counted apart (OUTSIDE_DOCS). Writes benchmarks/results/grammar_coverage_everyday.json.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.docs.record import DocRecord  # noqa: E402
from codegen.fortran_lines import fixed_to_free, fortran_units  # noqa: E402
from codegen.grammar import GrammarError, build_grammar  # noqa: E402
from codegen.grammar.ansible import is_plain  # noqa: E402
from codegen.grammar.base import base_grammar  # noqa: E402
from codegen.grammar.bash import COMMAND_RUNNERS, EXEC_FLAGS, RUNNER_OPERANDS, program_name  # noqa: E402
from codegen.grammar.check import (  # noqa: E402
    EXEC_ENDS,
    TASK_KEYWORDS,
    _FlagTable,
    _parser,
    _words,
    fill_flag_placeholders,
    syntax_errors,
)
from codegen.grammar.lint import accepts  # noqa: E402
from codegen.paths import home  # noqa: E402
from codegen.schema import schema_of  # noqa: E402

_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")  # keys YAML takes bare, as the grammar writes them
_KEYPRESS = re.compile(r"<[^<>\s]+(?: [^<>\s]+)?>")  # `<Ctrl c>`, `<Esc><:>q!<Enter>`
_SUBCOMMAND_WORD = re.compile(r"[a-z][a-z0-9-]*")
_MAX_SUBCOMMAND_DEPTH = 3  # `kubectl config set-context`
DATA = ROOT.parent / "shared" / "data" / "bash"
RESULTS = ROOT / "benchmarks" / "results" / "grammar_coverage.json"
EVERYDAY_RESULTS = RESULTS.with_name("grammar_coverage_everyday.json")


# ---------------------------------------------------------------- bash


def fill_placeholders(cmd: str) -> str:
    """tldr syntax -> a command: `{{[-a|--all]}}`, `{{[-dc|--decompress --stdout]}}` and
    `[sc|scrub]` take their first form,
    `{{a|b}}` its first alternative, `{{path/to/file}}` its text; runs of spaces outside quotes
    become one (the grammar writes one space between words)."""
    cmd = fill_flag_placeholders(cmd)
    # alternatives of several words: `{{[-dc|--decompress --stdout]}}`, `{{[rm|container rm]}}`
    cmd = re.sub(r"\{\{\[([^|\]]+)\|[^\]]*\]\}\}", r"\1", cmd)
    cmd = re.sub(r"\[([\w-]+)(?:\|[\w-]+)+\]", r"\1", cmd)
    cmd = re.sub(r"\{\{(.*?)\}\}", lambda m: m.group(1).split("|")[0].replace("...", "").strip() or "x", cmd)
    parts = re.split(r"""('[^']*'|"(?:[^"\\]|\\.)*")""", cmd)
    return "".join(p if i % 2 else re.sub(r" {2,}", " ", p) for i, p in enumerate(parts))


def command_names(text: str, docs: BashDocs) -> list[str]:
    """The documented commands a line uses: each command's name (`git branch` as its own page
    `git-branch` when there is one), the command a runner (xargs, sudo) or `find -exec` runs."""
    tree = _parser("bash").parse(text.encode())
    names: list[str] = []

    def visit(node) -> None:
        if node.type == "command":
            words = _words(node)
            words = [program_name(words[0]), *words[1:]] if words else words
            if words:
                names.append(_page_name(words, docs))
            run = words
            while run and run[0] in COMMAND_RUNNERS:  # `xargs -0 sudo chmod 644`: sudo, then chmod
                inner = _runner_command(run, docs)
                if inner is None:
                    break
                run = [program_name(run[inner]), *run[inner + 1 :]]
                names.append(_page_name(run, docs))
            for i, w in enumerate(words):
                if w in EXEC_FLAGS and i + 1 < len(words):
                    names.append(_page_name([program_name(words[i + 1]), *words[i + 2 :]], docs))
        elif node.type in ("declaration_command", "unset_command") and node.children:
            names.append(node.children[0].text.decode())  # `export X=$(…)`, `unset x`: builtins
        for child in node.children:
            visit(child)

    visit(tree.root_node)
    return list(dict.fromkeys(names))


def _page_name(words: list[str], docs: BashDocs) -> str:
    """`git branch ...` -> `git-branch` when that page exists (its record is named `git branch`);
    the deepest such page of a command with nested sub-commands (`gh pr create` -> `gh-pr-create`)."""
    for k in range(min(len(words), _MAX_SUBCOMMAND_DEPTH + 1), 1, -1):
        if all(_SUBCOMMAND_WORD.fullmatch(w) for w in words[1:k]) and docs.has_man_page("-".join(words[:k])):
            return "-".join(words[:k])
    return words[0]


def _runner_command(words: list[str], docs: BashDocs) -> int | None:
    """Index of the command a runner runs: the first word that is not one of the runner's flags,
    a flag's value, one of its leading operands (`timeout 5`) or an `env` assignment."""
    record = docs.record(words[0])
    table = _FlagTable(schema_of(record).flags if record else ())
    operands = RUNNER_OPERANDS.get(words[0], 0)
    i = 1
    while i < len(words):
        word = words[i]
        if word.startswith("-") and word != "-":
            i += 2 if table.classify(word) == "value" else 1
        elif words[0] == "env" and "=" in word:
            i += 1
        elif operands:
            operands -= 1
            i += 1
        else:
            return i
    return None


class BashDocs:
    def __init__(self) -> None:
        from codegen.docs.bash import BuiltinSource
        from codegen.docs.registry import man_pages

        self.man = man_pages()  # what the index reads: the system's and the fetched man pages
        self.builtins = {}
        source = BuiltinSource()
        for unit in source.units():
            for record in source.load(unit):
                self.builtins[record.name] = record
        # As the index resolves a name: a record of that name (a page's own name, else a builtin:
        # `read`, not plan9's cat page that lists `read` among its aliases), then an alias.
        pages = self.man.pages()
        self.by_name = {page.stem: unit_id for unit_id, page in pages.items()}
        for unit_id, page in pages.items():
            for name in page.aliases:
                if name not in self.builtins:
                    self.by_name.setdefault(name, unit_id)
        self.cache: dict[str, DocRecord | None] = {}

    def has_man_page(self, name: str) -> bool:
        return name in self.by_name

    def record(self, name: str) -> DocRecord | None:
        if name not in self.cache:
            record = None
            if name in self.by_name:
                from codegen.docs.source import Unit

                loaded = self.man.load(Unit(self.by_name[name], ""))
                record = loaded[0] if loaded else None
            self.cache[name] = record or self.builtins.get(name)
        return self.cache[name]


def bash_lines(limit: int | None) -> list[tuple[str, str, str]]:
    lines = []
    with gzip.open(DATA / "tldr_pages.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            page = json.loads(line)
            lines += [("tldr", page["page"], e["cmd"]) for e in page["examples"]]
    with gzip.open(DATA / "nl2bash.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            lines.append(("nl2bash", row["cmd"].split()[0] if row["cmd"].split() else "", row["cmd"]))
    return lines[:limit] if limit else lines


def bash_coverage(limit: int | None) -> dict:
    docs = BashDocs()
    counts = collections.Counter()
    misses = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    grammars: dict[tuple[str, ...], str | None] = {}
    for corpus, main, raw in bash_lines(limit):
        text = fill_placeholders(raw).strip()
        if not docs.has_man_page(main):
            counts[f"{corpus} skipped (no man page)"] += 1
            continue
        counts[f"{corpus} total"] += 1
        kind = bash_verdict(text, docs, grammars)
        if kind is None:
            counts[f"{corpus} accepted"] += 1
            continue
        misses[kind] += 1
        if len(examples[kind]) < 8:
            examples[kind].append(text)
    rows = {}
    for corpus in ("tldr", "nl2bash"):
        total = counts[f"{corpus} total"]
        rows[corpus] = {
            "lines": total,
            "accepted": counts[f"{corpus} accepted"],
            "coverage": counts[f"{corpus} accepted"] / total if total else None,
            "skipped_no_man_page": counts[f"{corpus} skipped (no man page)"],
        }
    return {"rows": rows, "misses": dict(misses.most_common()), "miss_examples": dict(examples)}


def bash_verdict(text: str, docs: BashDocs, grammars: dict[tuple[str, ...], str | None]) -> str | None:
    """None when the grammar specialised with the records of the line's commands accepts the line,
    else the kind of miss. `grammars` caches a grammar per set of records."""
    names = command_names(text, docs)
    records = [r for r in (docs.record(n) for n in names) if r is not None]
    key = tuple(sorted(r.name for r in records))
    if key not in grammars:
        try:
            grammars[key] = build_grammar("bash", records).text
        except GrammarError:
            grammars[key] = None
    grammar = grammars[key]
    if grammar is not None and accepts(grammar, text):
        return None
    return bash_miss_kind(text, names, docs)


def bash_miss_kind(text: str, names: list[str], docs: BashDocs) -> str:
    if _KEYPRESS.match(text):
        return "keys pressed in an interactive program (tldr `<Ctrl c>`), not a shell command"
    if syntax_errors("bash", text):
        return "not valid Bash (tree-sitter-bash reports a syntax error)"
    if not accepts(base_grammar("bash"), text):
        return "syntax outside the base grammar"
    undocumented = [n for n in names if docs.record(n) is None]
    if undocumented:
        return "a command in the line has no documentation"
    tree = _parser("bash").parse(text.encode())
    for node in _walk(tree.root_node):
        if node.type != "command":
            continue
        words = [
            c.text.decode() for c in node.children if c.type not in ("file_redirect", "variable_assignment")
        ]
        for segment in _segments(words, docs):
            record = docs.record(_page_name(segment, docs))
            if record is None:
                continue
            flags = schema_of(record).flags
            table = _FlagTable(flags)
            unlisted = [
                w
                for w in segment[1:]
                if w.startswith("-") and w not in ("-", "--") and table.classify(w) is None
            ]
            if unlisted:
                if not flags:
                    return "a command's page lists no options (npm's, pages of another tool of the name)"
                if all(_in_page_text(w, record) for w in unlisted):
                    return "flag in the man page's text but not in its option list"
                return "flag not in the man page's option list"
    return "other (length caps, sub-command forms)"


def _in_page_text(word: str, record: DocRecord) -> bool:
    """Does the page's text name the flag `word` (`--size=+1M` as `--size`) as a word of its own?"""
    flag = word.split("=", 1)[0]
    return bool(re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", record.text))


def _segments(words: list[str], docs: BashDocs) -> list[list[str]]:
    """A command's words split by the command they belong to: a runner's (`sudo -u x`) and the one it
    runs, find's and each `-exec` command's."""
    if not words:
        return []
    words = [program_name(words[0]), *words[1:]]
    if words[0] in COMMAND_RUNNERS:
        inner = _runner_command(words, docs)
        if inner is not None:
            return [words[:inner], *_segments(words[inner:], docs)]
    for i, word in enumerate(words):
        if word in EXEC_FLAGS and i + 1 < len(words):
            end = next((j for j in range(i + 1, len(words)) if words[j] in EXEC_ENDS), len(words))
            return [
                words[:i],
                *_segments(words[i + 1 : end], docs),
                *_segments([words[0], *words[end + 1 :]], docs),
            ]
    return [words]


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


# ---------------------------------------------------------------- ansible


def render_task(task: dict, module_key: str, free_form: bool = False) -> tuple[str | None, str]:
    """The task in the grammar's layout, or (None, why) when it uses something the grammar lacks.
    `key=value` arguments become a mapping unless the module takes a free-form string."""
    out = ["- name: " + _scalar(task.get("name", "Example task"))]
    args = task[module_key] if free_form else key_value_args(task[module_key])
    head = f"  {module_key}:"
    if isinstance(args, dict):
        out.append(head + _mapping(args, 4))
    elif args is None:
        out.append(head)
    else:
        out.append(head + " " + _scalar(args))
    for key, value in task.items():
        if key in ("name", module_key):
            continue
        if key not in TASK_KEYWORDS:
            return None, f"task keyword `{key}` outside the grammar"
        out.append(f"  {key}:" + _value(value, 2))
    return "\n".join(out), ""


def key_value_args(args):
    """Arguments in Ansible's `key=value` shorthand (`apt: name=nginx state=present`) as the mapping
    Ansible reads from them (its own parser), so they are written in the grammar's block layout; a
    string that is not all `key=value` pairs (a free-form command) stays as it is."""
    if not isinstance(args, str) or "=" not in args:
        return args
    from ansible.parsing.splitter import parse_kv

    try:
        parsed = parse_kv(args)
    except Exception:  # Ansible's parser raises its own errors (unbalanced quotes)
        return args
    return args if not parsed or "_raw_params" in parsed else parsed


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return '""'
    text = str(value)
    return text if is_plain(text) else json.dumps(text, ensure_ascii=False)


def _key(key) -> str:
    """A mapping key: bare when the grammar's keys take it, else double-quoted (same YAML key)."""
    text = str(key)
    return text if _BARE_KEY.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def _mapping(value: dict, indent: int) -> str:
    pad = "\n" + " " * indent
    return "".join(f"{pad}{_key(key)}:" + _value(item, indent) for key, item in value.items())


def _value(item, indent: int) -> str:
    """What follows `key:` for a key at `indent`, in the grammar's block layout, at any depth."""
    if isinstance(item, dict):
        return _mapping(item, indent + 2) if item else " {}"
    if isinstance(item, list):
        if not item:
            return " []"
        pad = "\n" + " " * (indent + 2) + "- "
        out = ""
        for elem in item:
            if isinstance(elem, dict) and elem:
                # the first key follows `- `, the others line up with it
                out += pad + _mapping(elem, indent + 4).removeprefix("\n" + " " * (indent + 4))
            else:
                out += pad + _scalar(elem)
        return out
    if item is None:  # `key:` and nothing: YAML's null
        return ""
    return " " + _scalar(item)


def ansible_coverage(limit: int | None) -> dict:
    from codegen.docs.ansible import InstalledAnsibleSource

    source = InstalledAnsibleSource()
    counts = collections.Counter()
    misses = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    modules = 0
    for unit in source.units():
        for record in source.load(unit):
            if limit and modules >= limit:
                break
            modules += 1
            names = {record.name, *record.aliases, record.name.rsplit(".", 1)[-1]}
            try:
                grammar = build_grammar("ansible", [record]).text
            except GrammarError:
                grammar = None
            for example in record.examples:
                try:
                    tasks = yaml.safe_load(example.code)
                except yaml.YAMLError:
                    counts["unparsable EXAMPLES"] += 1
                    continue
                for task in tasks if isinstance(tasks, list) else []:
                    key = next((k for k in task if k in names), None) if isinstance(task, dict) else None
                    if key is None:
                        continue  # a task of another module (setup steps in the example)
                    counts["tasks"] += 1
                    text, why = render_task(task, key, schema_of(record).free_form)
                    if text is not None and grammar is not None and accepts(grammar, text):
                        counts["accepted"] += 1
                        continue
                    kind = why or (
                        "module has no usable schema"
                        if grammar is None
                        else ansible_miss_kind(task, key, record)
                    )
                    misses[kind] += 1
                    if len(examples[kind]) < 5:
                        examples[kind].append(text or json.dumps(task, default=str)[:300])
    total = counts["tasks"]
    return {
        "rows": {
            "ansible": {
                "modules": modules,
                "tasks": total,
                "accepted": counts["accepted"],
                "coverage": counts["accepted"] / total if total else None,
                "unparsable_examples": counts["unparsable EXAMPLES"],
            }
        },
        "misses": dict(misses.most_common()),
        "miss_examples": dict(examples),
    }


def ansible_miss_kind(task: dict, key: str, record: DocRecord) -> str:
    from codegen.grammar.check import _check_args

    module = schema_of(record)
    problems = _check_args(task[key] if module.free_form else key_value_args(task[key]), module)
    if problems:
        first = problems[0]
        if "undocumented key" in first:
            return "key not in the module's documented options"
        if "is not one of" in first:
            return "value outside the documented choices"
        if "missing required" in first:
            return "required option missing in the example"
        return "value of another type than documented"
    args = task[key] if module.free_form else key_value_args(task[key])
    return _group_broken(args, module) or _cap_exceeded(args, len(module.options)) or "other grammar limit"


def _group_broken(args, module) -> str | None:
    """Which of the module's argument-spec groups the arguments break, if any."""
    if not isinstance(args, dict):
        return None
    canonical = {n: o.name for o in module.options for n in o.names}
    given = {canonical[k]: v for k, v in args.items() if k in canonical}
    if any(not any(n in given for n in group) for group in module.one_of):
        return "required one-of group not given"
    for group in module.exclusive:
        both = [n for n in group if n in given]
        if len(both) > 1:
            if all(isinstance(given[n], str) and given[n].startswith("{{") for n in both):
                return "mutually exclusive options both given as templates (one may be `omit`)"
            return "mutually exclusive options both given"
    return None


def _cap_exceeded(value, n_options: int, depth: int = 0) -> str | None:
    """Which of the grammar's caps a task's arguments exceed (the first one found), if any; `depth`
    counts the mappings around `value` (a module's arguments are depth 0)."""
    from codegen.grammar.ansible import MAX_KEYS, MAX_LIST_ITEMS, MAX_SUBOPTION_DEPTH, TRACKED_BITS

    if isinstance(value, str) and len(value) > 200:
        return "cap: string over 200 characters"
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            return f"cap: over {MAX_LIST_ITEMS} list items"
        return next((c for v in value if (c := _cap_exceeded(v, 0, depth))), None)
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            return f"cap: over {MAX_KEYS} keys in a mapping"
        if depth > MAX_SUBOPTION_DEPTH:
            return f"cap: nesting over {MAX_SUBOPTION_DEPTH} levels"
        found = next((c for v in value.values() if (c := _cap_exceeded(v, 0, depth + 1))), None)
        if found is None and depth == 0 and n_options > TRACKED_BITS:
            return f"cap: keys out of documented order past {TRACKED_BITS} options"
        return found
    return None


# ---------------------------------------------------------------- fortran


def fortran_coverage(limit: int | None) -> dict:
    corpus = home() / "corpora" / "code-v1" / "documents.jsonl.gz"
    counts = collections.Counter()
    misses = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    grammar = base_grammar("fortran")
    if not corpus.exists():
        return {"rows": {"fortran": {"units": 0, "note": f"no corpus at {corpus}"}}, "misses": {}}
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc.get("lang") != "fortran":
                continue
            text = doc["text"]
            free = (
                text if doc["id"].lower().endswith((".f90", ".f95", ".f03", ".f08")) else fixed_to_free(text)
            )
            for unit in fortran_units(free):
                if limit and counts["units"] >= limit:
                    break
                counts["units"] += 1
                if accepts(grammar, unit):
                    counts["accepted"] += 1
                    continue
                kind = fortran_miss_kind(grammar, unit)
                misses[kind] += 1
                if len(examples[kind]) < 3:
                    examples[kind].append(unit[:300])
    total = counts["units"]
    return {
        "rows": {
            "fortran": {
                "units": total,
                "accepted": counts["accepted"],
                "coverage": counts["accepted"] / total if total else None,
            }
        },
        "misses": dict(misses.most_common(25)),
        "miss_examples": dict(examples),
    }


def fortran_miss_kind(grammar: str, unit: str) -> str:
    """The first statement keyword of the first line llguidance cannot continue."""
    from codegen.grammar.lint import byte_tokenizer, matcher_for

    matcher = matcher_for(grammar)
    for line in unit.splitlines(keepends=True):
        if not matcher.consume_tokens(byte_tokenizer().tokenize_str(line)):
            word = re.match(r"\s*(\d+\s+)?([a-zA-Z]+(\s+[a-zA-Z]+)?)", line)
            return f"statement: {word.group(2).lower() if word else line.strip()[:20]}"
    return "unit end"


# ---------------------------------------------------------------- everyday dev sets

# Miss kinds whose gold is not valid under the installed documentation: not grammar misses.
OUTSIDE_DOCS = frozenset(
    {
        "not valid Bash (tree-sitter-bash reports a syntax error)",
        "a command in the line has no documentation",
        "a command's page lists no options (npm's, pages of another tool of the name)",
        "flag not in the man page's option list",
        "module not installed",
        "key not in the module's documented options",
        "value outside the documented choices",
        "required option missing in the example",
        "value of another type than documented",
        "required one-of group not given",
        "mutually exclusive options both given",
    }
)


def _everyday_row(name: str, ids: list[str], verdicts: dict[str, str | None], texts: dict[str, str]) -> dict:
    """Coverage of one everyday set: over all items, and over the items inside the documentation."""
    misses = collections.Counter(v for v in verdicts.values() if v is not None)
    examples: dict[str, list[str]] = collections.defaultdict(list)
    for item in ids:
        kind = verdicts[item]
        if kind is not None and len(examples[kind]) < 6:
            examples[kind].append(f"{item}: {texts[item]}")
    accepted = sum(v is None for v in verdicts.values())
    outside = sum(n for kind, n in misses.items() if kind in OUTSIDE_DOCS)
    inside = len(ids) - outside
    return {
        "rows": {
            name: {
                "items": len(ids),
                "accepted": accepted,
                "coverage": accepted / len(ids) if ids else None,
                "outside_documentation": outside,
                "coverage_inside_documentation": accepted / inside if inside else None,
                "grammar_misses": inside - accepted,
            }
        },
        "misses": dict(misses.most_common()),
        "outside_documentation_kinds": sorted(k for k in misses if k in OUTSIDE_DOCS),
        "miss_examples": dict(examples),
        "missed_ids": {item: kind for item, kind in verdicts.items() if kind is not None},
    }


def bash_everyday_coverage(limit: int | None) -> dict:
    """NL2Bash's everyday dev split (suite bash-everyday): each command against the grammar
    specialised with the records of its commands. Lines whose command has no page are counted."""
    from codegen.evaluation.suites import bash_everyday, sample

    docs = BashDocs()
    grammars: dict[tuple[str, ...], str | None] = {}
    items = sample(bash_everyday(), limit)
    texts = {ex.id: fill_placeholders(ex.code).strip() for ex in items}
    verdicts = {item: bash_verdict(text, docs, grammars) for item, text in texts.items()}
    return _everyday_row("bash-everyday", list(texts), verdicts, texts)


def ansible_real_coverage(limit: int | None) -> dict:
    """The real-role dev tasks (suite ansible-real): each task against its module's grammar, rendered
    in the grammar's layout like the EXAMPLES tasks."""
    from codegen.docs.ansible import InstalledAnsibleSource
    from codegen.evaluation.suites import ansible_real, sample

    items = sample(ansible_real(), limit)
    modules = _real_task_modules()
    source = InstalledAnsibleSource()
    wanted = {m.rsplit(".", 1)[0] for m in modules.values()}
    records: dict[str, DocRecord] = {}
    for unit in source.units():
        if unit.id in wanted:
            for record in source.load(unit):
                records[record.name] = record
    grammars: dict[str, str | None] = {}
    texts: dict[str, str] = {}
    verdicts: dict[str, str | None] = {}
    for ex in items:
        texts[ex.id] = ex.code
        verdicts[ex.id] = real_task_verdict(ex.code, records.get(modules[ex.id]), grammars)
    return _everyday_row("ansible-real", list(texts), verdicts, texts)


def _real_task_modules() -> dict[str, str]:
    """Task id -> the FQCN of the module it calls, as the real-task corpus records it."""
    from codegen.docs.exemplars import ansible_tasks_file

    with open(ansible_tasks_file(), encoding="utf-8") as fh:
        return {row["id"]: row.get("module") or "" for row in map(json.loads, fh)}


def real_task_verdict(code: str, record: DocRecord | None, grammars: dict[str, str | None]) -> str | None:
    """None when the grammar of the task's module accepts the task in the grammar's layout, else
    the kind of miss; task keywords the grammar refuses are their own kinds."""
    if record is None:
        return "module not installed"
    try:
        tasks = yaml.safe_load(code)
    except yaml.YAMLError as err:
        tag = re.search(r"tag '(![^']*)'", str(err))
        return (
            f"YAML tag `{tag.group(1)}` (the grammar writes no tags)"
            if tag
            else "YAML the renderer cannot read"
        )
    task = tasks[0] if isinstance(tasks, list) and tasks else tasks
    names = {record.name, *record.aliases, record.name.rsplit(".", 1)[-1]}
    key = next((k for k in task if k in names), None) if isinstance(task, dict) else None
    if key is None:
        return "task does not call its module by a documented name"
    if record.name not in grammars:
        try:
            grammars[record.name] = build_grammar("ansible", [record]).text
        except GrammarError:
            grammars[record.name] = None
    grammar = grammars[record.name]
    if grammar is None:
        return "module has no usable schema"
    free_form = schema_of(record).free_form
    text, why = render_task(task, key, free_form)
    if text is not None and accepts(grammar, text):
        return None
    keywords = [k for k in task if k not in ("name", key)]
    bare = {k: v for k, v in task.items() if k in ("name", key)}
    if accepts(grammar, render_task(bare, key, free_form)[0]):  # the module call alone is accepted
        if why:
            return why
        refused = [
            k for k in keywords if not accepts(grammar, render_task({**bare, k: task[k]}, key, free_form)[0])
        ]
        if refused:
            return f"task keyword `{refused[0]}`: value form outside the keyword rule"
        from codegen.grammar.ansible import MAX_KEYWORDS

        return (
            f"task keywords: over {MAX_KEYWORDS} on one task"
            if len(keywords) > MAX_KEYWORDS
            else "task keywords together"
        )
    return ansible_miss_kind(task, key, record)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="per language, for a quick run")
    parser.add_argument("--lang", action="append", choices=["bash", "ansible", "fortran"])
    parser.add_argument(
        "--set",
        choices=["corpora", "everyday"],
        default="corpora",
        help="corpora: tldr, NL2Bash, EXAMPLES, Fortran corpus; everyday: the bash-everyday and "
        "ansible-real dev suites",
    )
    args = parser.parse_args()
    started = time.time()
    result = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", *sys.argv])}
    sets = {
        "corpora": (("bash", bash_coverage), ("ansible", ansible_coverage), ("fortran", fortran_coverage)),
        "everyday": (("bash", bash_everyday_coverage), ("ansible", ansible_real_coverage)),
    }
    for lang, fn in sets[args.set]:
        if args.lang and lang not in args.lang:
            continue
        t0 = time.time()
        result[lang] = fn(args.limit)
        result[lang]["seconds"] = round(time.time() - t0, 1)
        print(f"{lang}: done in {result[lang]['seconds']} s", flush=True)
    result["seconds"] = round(time.time() - started, 1)
    print(f"\n{'corpus':<10} {'items':>8} {'accepted':>9} {'coverage':>9}")
    for lang in (lang for lang in ("bash", "ansible", "fortran") if lang in result):
        for name, row in result[lang]["rows"].items():
            items = row.get("lines", row.get("tasks", row.get("units", row.get("items", 0))))
            cov = row.get("coverage")
            print(
                f"{name:<10} {items:>8} {row.get('accepted', 0):>9} {cov * 100 if cov is not None else 0:>8.2f}%"
            )
            if "outside_documentation" in row:
                inside = row["coverage_inside_documentation"]
                print(
                    f"    outside the documentation: {row['outside_documentation']}; inside it "
                    f"{inside * 100 if inside is not None else 0:.2f}% ({row['grammar_misses']} grammar misses)"
                )
        for kind, n in list(result[lang]["misses"].items())[: 8 if args.set == "corpora" else 20]:
            outside = (
                " (outside the documentation)" if args.set == "everyday" and kind in OUTSIDE_DOCS else ""
            )
            print(f"    miss: {kind}: {n}{outside}")
    out = EVERYDAY_RESULTS if args.set == "everyday" else RESULTS
    if args.lang or args.limit:
        out = out.with_name(out.stem + "_partial.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
