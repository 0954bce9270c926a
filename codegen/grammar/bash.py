"""Bash specialisation: only the retrieved commands, each with its documented flags.

Every flag word is one lexeme (a cluster of short switches, `--long`, `--long=VALUE`, `-jVALUE`,
or the tldr placeholder `{{[-s|--long]}}`); a flag whose value is the next word is a separate
lexeme followed by a word, so the grammar never depends on where llguidance's greedy lexer splits
inside a word. Commands that run another command (xargs, sudo, find -exec, ...) take one of the
same documented commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codegen.grammar.lark_text import alternatives, literal, regex
from codegen.schema import BashCommand, BashFlag

# Commands whose trailing words are a command line of their own.
COMMAND_RUNNERS = frozenset(
    {
        "xargs",
        "sudo",
        "doas",
        "env",
        "nohup",
        "nice",
        "time",
        "timeout",
        "watch",
        "exec",
        "stdbuf",
        "ionice",
        "taskset",
        "strace",
        "ltrace",
        "chroot",
        "flock",
        "unbuffer",
        "torify",
        "proxychains",
    }
)
# ...of which these take positional operands before the command (timeout DURATION cmd).
RUNNER_OPERANDS = {"timeout": 1, "chroot": 1, "flock": 1, "taskset": 1}
# find's actions that embed a command ended by `;` or `+`.
EXEC_FLAGS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
# Where a command line finds a documented program by its path (`/usr/bin/grep`, `xargs /bin/rm -f`).
BIN_DIRS = ("/bin/", "/usr/bin/", "/usr/local/bin/", "/sbin/", "/usr/sbin/")
MAX_ARGS = 20
ATTACHED = "ATTACHED_VALUE"  # stands for a flag's attached value (`-n5`, `--lines=5`) in a context


@dataclass(frozen=True)
class _Context:
    """Names of the word-level rules where a command is written: at the top (and in `$( )`), or
    between backquotes, whose words avoid what bash would unescape there (grammars/bash.lark)."""

    prefix: str
    word: str  # any word, flag-like ones included (`find -not -name x`, `-perm -u+s`)
    value: str  # a flag's value or a runner's operand: not a word a reader would take for a flag
    operand: str
    redirect: str
    part: str  # an attached flag value: its parts


_PLAIN = _Context("", "word", "value", "operand", "redirect", "WORD_PART+")
_BACKQUOTED = _Context("bq_", "BQ_WORD", "BQ_VALUE", "BQ_OPERAND", "bq_redirect", "BQ_PART+")

_SHORT = re.compile(r"^-[A-Za-z0-9?@#]$")
# Arguments documented as an expression, a mode or options to pass on may begin with `-`:
# find's `-not expr` (-not -name x), `-perm mode` (-perm -u+s), gcc's `-Xlinker option` (-Xlinker -rpath).
_ANY_WORD_ARG = re.compile(r"\b(expr|expression|mode|options?|flags?|args?|arguments?|opts)\b", re.IGNORECASE)


def _is_short(name: str) -> bool:
    return bool(_SHORT.match(name))


class _FlagForms:
    """The word forms of one command's flags, split by whether a separate value word follows."""

    def __init__(self, flags: tuple[BashFlag, ...]) -> None:
        self.switch_chars: list[str] = []  # short flags usable in a cluster without a value
        self.value_chars: list[str] = []  # short flags taking a value (last in a cluster)
        self.whole: list[str] = []  # terminal alternatives for a complete flag word
        self.before_value: list[str] = []  # alternatives for a flag word whose value follows
        self.before_word: list[str] = []  # ... whose value may read as a flag (an expression, a mode)
        self.exec_flags: list[str] = []
        for flag in flags:
            self._add(flag)

    def _add(self, flag: BashFlag) -> None:
        for name in flag.names:
            if name in EXEC_FLAGS:
                self.exec_flags.append(name)
                continue
            if _is_short(name):
                if not flag.takes_value or flag.arg_optional:
                    self.switch_chars.append(name[1])
                if flag.takes_value:
                    self.value_chars.append(name[1])
                continue
            if not flag.takes_value or flag.arg_optional:
                self.whole.append(literal(name))
            if flag.takes_value:
                self._add_long_value(name, flag)
        if len(flag.names) > 1 and not any(n in EXEC_FLAGS for n in flag.names):
            placeholder = literal("{{[" + "|".join(flag.names) + "]}}")
            (self._before(flag) if flag.takes_value and not flag.arg_optional else self.whole).append(
                placeholder
            )

    def _before(self, flag: BashFlag) -> list[str]:
        return self.before_word if _ANY_WORD_ARG.search(flag.arg or "") else self.before_value

    def _add_long_value(self, name: str, flag: BashFlag) -> None:
        seps = set(flag.separators)
        if name.startswith("--"):
            # getopt_long accepts both for a required value, and never a value glued to the name
            seps = (seps | {" ", "="}) - {""}
        for sep in sorted(seps):
            if sep == " ":
                if not flag.arg_optional:
                    self._before(flag).append(literal(name))
            else:
                self.whole.append(f"{literal(name + sep)} {ATTACHED}")

    def terminals(self, index: int, ctx: _Context) -> tuple[dict[str, str], list[str]]:
        """Terminal definitions and the argument alternatives that use them, in context `ctx`
        (a terminal that does not depend on the context keeps one name)."""
        switch = "".join(sorted(set(self.switch_chars)))
        value = "".join(sorted(set(self.value_chars)))
        whole = list(self.whole)
        before = list(self.before_value)
        cls = lambda chars: "[" + re.escape(chars) + "]"  # noqa: E731
        if switch:
            whole.append(regex(f"-{cls(switch)}+"))
        if value:
            prefix = f"-{cls(switch)}*" if switch else "-"
            whole.append(f"{regex(prefix + cls(value))} {ATTACHED}")
            before.append(regex(prefix + cls(value)))
        terms: dict[str, str] = {}
        args: list[str] = []
        if whole:
            body = alternatives(whole)
            attached = ATTACHED in body
            name = f"{ctx.prefix.upper() if attached else ''}FLAG_{index}"
            terms[name] = body.replace(ATTACHED, ctx.part)
            args.append(name)
        if before:
            terms[f"FLAG_VALUE_{index}"] = alternatives(before)
            args.append(f'FLAG_VALUE_{index} " " {ctx.value}')
        if self.before_word:
            terms[f"FLAG_EXPR_{index}"] = alternatives(self.before_word)
            args.append(f'FLAG_EXPR_{index} " " {ctx.word}')
        if self.exec_flags:
            terms[f"EXEC_{index}"] = alternatives(literal(f) for f in sorted(set(self.exec_flags)))
            args.append(f'EXEC_{index} " " {ctx.prefix}command_call " " EXEC_END')
        return terms, args


# Pipelines of simple (documented) commands at the top level: no loop or conditional there; the text
# starts with the best-ranked command (call_0). Letting the default model pick the first command among
# all five retrieved ones lost to retrieval's own first choice (bash-dev, 500 requests: command
# accuracy 20.0 -> 21.6 %, token F1 19.7 -> 20.4 %).
_LEADING_COMMAND = [
    'start: lead_list (" " "&")?',
    "lead_list: first_pipeline (list_op lead_pipeline)~0..2",
    'first_pipeline: ("!" " ")? (ASSIGNMENT " ")~0..1 call_0 (" "? PIPE " "? simple_command)~0..5',
    'lead_pipeline: ("!" " ")? simple_command (" "? PIPE " "? simple_command)~0..5',
]


def _call_lines(
    i: int, cmd: BashCommand, forms: _FlagForms, ctx: _Context
) -> tuple[dict[str, str], list[str]]:
    """Terminals and rules of command `i` written in context `ctx` (`call_i` / `bq_call_i`)."""
    terms, flag_args = forms.terminals(i, ctx)
    p = ctx.prefix
    lines: list[str] = []
    if cmd.name in COMMAND_RUNNERS:
        operands = RUNNER_OPERANDS.get(cmd.name, 0)
        args = [*flag_args, "ASSIGNMENT"] if cmd.name == "env" else flag_args
        if args:
            lines.append(f"{p}arg_{i}: {alternatives(args)}")
        head = f"COMMAND_{i}" + (f' (" " {p}arg_{i})~0..6' if args else "")
        head += f' " " {ctx.value}' * operands
        lines.append(f'{p}call_{i}: {head} (" " {p}command_call)?')
        return terms, lines
    lines.append(f"{p}arg_{i}: {alternatives([*flag_args, ctx.operand, ctx.redirect])}")
    body = f'COMMAND_{i} (" " {p}arg_{i})~0..{MAX_ARGS} {p}end_of_options?'
    if cmd.subcommands:
        lines.append(f"SUBCOMMAND_{i}: {alternatives(literal(s) for s in cmd.subcommands)}")
        body += f' | COMMAND_{i} (" " {p}arg_{i})~0..4 " " SUBCOMMAND_{i} (" " {p}arg_{i})~0..{MAX_ARGS}'
    lines.append(f"{p}call_{i}: {body}")
    return terms, lines


def program_name(word: str) -> str:
    """`/usr/bin/grep` -> `grep`: a word naming a program in a standard directory, without it."""
    for d in BIN_DIRS:
        if word.startswith(d) and "/" not in word[len(d) :]:
            return word[len(d) :]
    return word


def _with_paths(invocations: tuple[str, ...]) -> list[str]:
    """A command's invocations, and each one-word invocation by its path in the standard directories
    (`/usr/bin/grep`, `/bin/rm`): a line names the documented program either way."""
    return [*invocations, *(d + n for n in invocations if " " not in n for d in BIN_DIRS)]


def bash_rules(commands: list[BashCommand], *, leading_command: bool = False) -> tuple[str, list[str]]:
    """Lark definitions replacing `command_call` and `bq_command_call`, and one summary line per
    command; with `leading_command`, also `start`, so that the top level holds only documented
    commands and begins with the first (best-ranked) one."""
    if not commands:
        return "", []
    terms: dict[str, str] = {}
    lines: list[str] = []
    summary: list[str] = []
    for i, cmd in enumerate(commands):
        forms = _FlagForms(cmd.flags)
        terms[f"COMMAND_{i}"] = alternatives(literal(n) for n in dict.fromkeys(_with_paths(cmd.invocations)))
        for ctx in (_PLAIN, _BACKQUOTED):
            ctx_terms, ctx_lines = _call_lines(i, cmd, forms, ctx)
            terms.update(ctx_terms)
            lines += [line for line in ctx_lines if line not in lines]  # SUBCOMMAND_i once
        n_flags = sum(len(f.names) for f in cmd.flags)
        extra = f", sub-commands: {' '.join(cmd.subcommands[:8])}" if cmd.subcommands else ""
        summary.append(f"{cmd.name}: {n_flags} documented flag names{extra}")
    head = [
        f"command_call: {alternatives(f'call_{i}' for i in range(len(commands)))}",
        f"bq_command_call: {alternatives(f'bq_call_{i}' for i in range(len(commands)))}",
        "operand: OPERAND | substitution_word",
        # a value may be a negative number (`-mtime -7`, `tail -n -5`), not another flag
        "value: OPERAND | NEGATIVE | substitution_word",
        "BQ_VALUE: BQ_OPERAND | NEGATIVE_BQ",
        'NEGATIVE: "-" (/[0-9]/ | VARIABLE | BRACES) WORD_PART*',  # also -$DAYS, -{} (xargs -I {})
        'NEGATIVE_BQ: "-" (/[0-9]/ | VARIABLE) BQ_PART*',
        'end_of_options: " " "--" (" " WORD)~0..4',  # `xargs rm --`: the operands come from xargs
        'bq_end_of_options: " " "--" (" " BQ_WORD)~0..4',
        'EXEC_END: "\\\\;" | "\';\'" | "\\";\\"" | "+" | "\\\\+" | "\'+\'"',
    ]
    if leading_command:
        head += _LEADING_COMMAND
    return "\n".join(head + [f"{name}: {body}" for name, body in terms.items()] + lines) + "\n", summary
