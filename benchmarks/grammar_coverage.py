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
from codegen.grammar.bash import COMMAND_RUNNERS, EXEC_FLAGS, RUNNER_OPERANDS  # noqa: E402
from codegen.grammar.check import (  # noqa: E402
    EXEC_ENDS,
    TASK_KEYWORDS,
    _FlagTable,
    _parser,
    _words,
    fill_flag_placeholders,
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
            if words:
                names.append(_page_name(words, docs))
            if words and words[0] in COMMAND_RUNNERS:
                inner = _runner_command(words, docs)
                if inner is not None:
                    names.append(_page_name(words[inner:], docs))
            for i, w in enumerate(words):
                if w in EXEC_FLAGS and i + 1 < len(words):
                    names.append(_page_name(words[i + 1 :], docs))
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
            counts[f"{corpus} accepted"] += 1
            continue
        kind = bash_miss_kind(text, names, docs)
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


def bash_miss_kind(text: str, names: list[str], docs: BashDocs) -> str:
    if _KEYPRESS.match(text):
        return "keys pressed in an interactive program (tldr `<Ctrl c>`), not a shell command"
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
            if any(
                w.startswith("-") and w not in ("-", "--") and table.classify(w) is None for w in segment[1:]
            ):
                if not flags:
                    return "a command's page lists no options (npm's, pages of another tool of the name)"
                return "flag not in the man page's option list"
    return "other (length caps, sub-command forms)"


def _segments(words: list[str], docs: BashDocs) -> list[list[str]]:
    """A command's words split by the command they belong to: a runner's (`sudo -u x`) and the one it
    runs, find's and each `-exec` command's."""
    if not words:
        return []
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


def render_task(task: dict, module_key: str) -> tuple[str | None, str]:
    """The task in the grammar's layout, or (None, why) when it uses something the grammar lacks."""
    out = ["- name: " + _scalar(task.get("name", "Example task"))]
    args = task[module_key]
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
                    text, why = render_task(task, key)
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

    problems = _check_args(task[key], schema_of(record))
    if problems:
        first = problems[0]
        if "undocumented key" in first:
            return "key not in the module's documented options"
        if "is not one of" in first:
            return "value outside the documented choices"
        if "missing required" in first:
            return "required option missing in the example"
        return "value of another type than documented"
    return _cap_exceeded(task[key], len(schema_of(record).options)) or "other grammar limit"


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="per language, for a quick run")
    parser.add_argument("--lang", action="append", choices=["bash", "ansible", "fortran"])
    args = parser.parse_args()
    started = time.time()
    result = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", *sys.argv])}
    for lang, fn in (("bash", bash_coverage), ("ansible", ansible_coverage), ("fortran", fortran_coverage)):
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
            items = row.get("lines", row.get("tasks", row.get("units", 0)))
            cov = row.get("coverage")
            print(
                f"{name:<10} {items:>8} {row.get('accepted', 0):>9} {cov * 100 if cov is not None else 0:>8.2f}%"
            )
        for kind, n in list(result[lang]["misses"].items())[:8]:
            print(f"    miss: {kind}: {n}")
    out = RESULTS if not args.lang and not args.limit else RESULTS.with_name("grammar_coverage_partial.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
