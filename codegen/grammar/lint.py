"""Grammar lint: reject grammars that llguidance would read differently from lark.

The two engines differ where it matters most for Lark text written by hand or by a specialiser:
llguidance's lexer is greedy (it extends a lexeme while any lexeme allowed at that point can still
match, and never backs off), lark's Earley parser with the dynamic lexer tries every split. A
grammar like `start: A B; A: /a+/; B: /ab/` is fine for lark and empty for llguidance on "aab".

Two checks:
- features: constructs one engine does not read as the other (lark-only priorities, templates,
  imports, lookaround and lazy quantifiers in regexes);
- differential sampling, both ways: random derivations of the grammar (terminals drawn from their
  regexes) must be accepted by llguidance, and random walks through llguidance's token masks must
  be accepted by lark. A disagreement is a boundary problem with a concrete witness string.

llguidance-only syntax (parametric rules `name::_`, `%if` conditions, `%llguidance`) is dropped
for lark, which then reads a superset; only the llguidance -> lark direction is run on those.
"""

from __future__ import annotations

import random
import re
import re._constants as sre_constants  # the regex AST: public as sre_* before 3.11
import re._parser as sre_parse
from dataclasses import dataclass
from functools import cache

import llguidance
from lark import Lark
from lark.grammar import NonTerminal, Terminal
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

from codegen.grammar.spec import PARSER_LIMITS

_PARAMETRIC = re.compile(r"(\w+)::(_|\w+\([^)]*\)|\w+)")
_CONDITION = re.compile(r"[ \t]*%if[^\n|]*")
_EMPTY_ALT = re.compile(r'(?<![\w"\\])""(?!")')
_EMPTY_RULE = "lark_empty"
_LLGUIDANCE_DIRECTIVE = re.compile(r"^%llguidance\s*\{[^}]*\}\s*$", re.MULTILINE)
_LARK_ONLY = [
    (re.compile(r"^\s*[A-Za-z_]\w*\.\-?\d+\s*:", re.MULTILINE), "rule or terminal priority (.N)"),
    (re.compile(r"^\s*[a-z_]\w*\{[a-z_,\s]+\}\s*:", re.MULTILINE), "template rule"),
    (re.compile(r"^%import\s+(?!common\.)", re.MULTILINE), "%import of a grammar other than common"),
]
# regex opcodes llguidance's Rust regexes do not have (or read as greedy)
_REGEX_ONLY = {
    sre_constants.MIN_REPEAT: "a lazy quantifier",
    sre_constants.ASSERT: "a lookaround",
    sre_constants.ASSERT_NOT: "a lookaround",
    sre_constants.GROUPREF: "a back-reference",
}


@dataclass(frozen=True, slots=True)
class LintIssue:
    kind: str  # "feature", "lark-rejects", "llguidance-rejects", "compile"
    message: str
    witness: str = ""


def is_parametric(text: str) -> bool:
    return "::" in text or "%if" in text


def lark_view(text: str) -> str:
    """The grammar as lark reads it: llguidance-only syntax removed (a superset when parametric)."""
    text = _LLGUIDANCE_DIRECTIVE.sub("", text)
    text = _CONDITION.sub("", text)
    text = _PARAMETRIC.sub(r"\1", text)
    text, count = _EMPTY_ALT.subn(_EMPTY_RULE, text)
    return text + f"\n{_EMPTY_RULE}:\n" if count else text


@cache
def byte_tokenizer() -> llguidance.LLTokenizer:
    """One token per byte (+ EOS): every string has exactly one tokenization, masks are per byte."""
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    vocab["<eos>"] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(["<eos>"])
    return llguidance.LLTokenizer(tok.to_str(), eos_token=vocab["<eos>"])


def matcher_for(text: str) -> llguidance.LLMatcher:
    """A byte-level matcher without forced-token computation: llguidance 1.9 loops forever
    computing the forced bytes of a grammar whose only continuation is an endless lexeme (such as
    `start: A B; A: /a+/; B: /a/`, empty for a greedy lexer), and those are the grammars lint is for."""
    grammar = '%llguidance {"no_forcing": true}\n' + text
    return llguidance.LLMatcher(
        byte_tokenizer(), llguidance.LLMatcher.grammar_from_lark(grammar), log_level=0, limits=PARSER_LIMITS
    )


def accepts(text: str, sample: str) -> bool:
    """Does llguidance accept `sample` as a complete string of the grammar `text`?"""
    matcher = matcher_for(text)
    return matcher.consume_tokens(byte_tokenizer().tokenize_str(sample)) and matcher.is_accepting()


def lint(text: str, *, samples: int = 200, seed: int = 0) -> list[LintIssue]:
    issues = [
        LintIssue("feature", f"{what} is read differently by lark and llguidance")
        for pattern, what in _LARK_ONLY
        if pattern.search(text)
    ]
    matcher = matcher_for(text)
    if matcher.is_error():
        return [*issues, LintIssue("compile", matcher.get_error().strip().splitlines()[0])]
    try:
        parser = Lark(lark_view(text), parser="earley", lexer="dynamic_complete")
    except Exception as exc:  # lark's grammar errors have no common base class
        return [*issues, LintIssue("compile", f"lark cannot read the grammar: {str(exc).splitlines()[0]}")]
    for terminal in parser.terminals:
        for what in _regex_features(terminal.pattern.to_regexp()):
            issues.append(
                LintIssue("feature", f"terminal {terminal.name} uses {what}, which llguidance lacks")
            )
    rng = random.Random(seed)
    walks = (walk(matcher, rng) for _ in range(samples))
    rejected = [s for s in walks if s is not None and not _lark_accepts(parser, s)]
    if rejected:
        witness = min(rejected, key=len)
        issues.append(LintIssue("lark-rejects", "llguidance generates a string lark rejects", witness))
    if not is_parametric(text):
        sampler = _Sampler(parser, rng)
        derived = (sampler.derive() for _ in range(samples))
        rejected = [s for s in derived if s is not None and not accepts(text, s)]
        if rejected:
            witness = min(rejected, key=len)
            issues.append(
                LintIssue("llguidance-rejects", "lark derives a string llguidance rejects", witness)
            )
    return issues


def _regex_features(pattern: str) -> set[str]:
    found: set[str] = set()

    def visit(nodes) -> None:
        for op, arg in nodes:
            if op in _REGEX_ONLY:
                found.add(_REGEX_ONLY[op])
            if isinstance(arg, tuple | list):
                for part in arg:
                    if isinstance(part, sre_parse.SubPattern):
                        visit(part)
                    elif isinstance(part, list):
                        for sub in part:
                            if isinstance(sub, sre_parse.SubPattern):
                                visit(sub)

    try:
        visit(sre_parse.parse(pattern))
    except re.error:
        found.add("a regex Python cannot parse")
    return found


def walk(matcher: llguidance.LLMatcher, rng: random.Random, max_bytes: int = 400) -> str | None:
    """A random string through llguidance's masks, one byte at a time; None if it runs too long."""
    tok = byte_tokenizer()
    m = matcher.deep_copy()
    out: list[int] = []
    target = rng.randint(1, max_bytes // 2)
    while len(out) < max_bytes:
        if m.is_stopped():
            return tok.decode_str(out)
        mask = m.compute_bitmask()
        allowed = [i for i in range(tok.vocab_size) if mask[i // 8] >> (i % 8) & 1]
        if tok.eos_token in allowed and (len(out) >= target or len(allowed) == 1):
            return tok.decode_str(out)
        choices = [t for t in allowed if t != tok.eos_token] or allowed
        token = rng.choice(choices)
        m.consume_token(token)
        out.append(token)
    return None


def _lark_accepts(parser: Lark, sample: str) -> bool:
    try:
        parser.parse(sample)
    except Exception:  # UnexpectedInput and its subclasses
        return False
    return True


class _Sampler:
    """Random derivations of a lark grammar; deep recursion falls back to the shortest choice."""

    def __init__(self, parser: Lark, rng: random.Random, max_depth: int = 6) -> None:
        self.rng, self.max_depth = rng, max_depth
        self.rules: dict[str, list[list]] = {}
        for rule in parser.rules:
            self.rules.setdefault(rule.origin.name, []).append(list(rule.expansion))
        self.patterns = {t.name: t.pattern.to_regexp() for t in parser.terminals}
        self.height = self._heights()

    def _heights(self) -> dict[str, float]:
        height: dict[str, float] = {name: float("inf") for name in self.rules}
        changed = True
        while changed:
            changed = False
            for name, alts in self.rules.items():
                best = min(self._alt_height(a, height) for a in alts)
                if best < height[name]:
                    height[name], changed = best, True
        return height

    def _alt_height(self, alt: list, height: dict[str, float]) -> float:
        return 1 + max((height[s.name] for s in alt if isinstance(s, NonTerminal)), default=0)

    def derive(self) -> str | None:
        out: list[str] = []
        try:
            self._expand("start", 0, out)
        except _Unsampleable:
            return None
        return "".join(out)

    def _expand(self, name: str, depth: int, out: list[str]) -> None:
        alts = self.rules[name]
        if depth > self.max_depth:
            alt = min(alts, key=lambda a: self._alt_height(a, self.height))
        else:
            alt = self.rng.choice(alts)
        for sym in alt:
            if isinstance(sym, Terminal):
                out.append(sample_regex(self.patterns[sym.name], self.rng))
            else:
                self._expand(sym.name, depth + 1, out)


class _Unsampleable(Exception):
    pass


_PRINTABLE = [chr(c) for c in range(32, 127)]


def sample_regex(pattern: str, rng: random.Random, max_repeat: int = 3) -> str:
    """A random string matching `pattern` (the subset of Python regex lark terminals use)."""
    return _sample(sre_parse.parse(pattern), rng, max_repeat)


def _sample(nodes, rng: random.Random, max_repeat: int) -> str:
    out = []
    for op, arg in nodes:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.NOT_LITERAL:
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif op is sre_constants.ANY:
            out.append(rng.choice(_PRINTABLE))
        elif op is sre_constants.IN:
            out.append(_sample_class(arg, rng))
        elif op is sre_constants.SUBPATTERN:
            out.append(_sample(arg[-1], rng, max_repeat))
        elif op is sre_constants.BRANCH:
            out.append(_sample(rng.choice(arg[1]), rng, max_repeat))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            lo, hi, sub = arg
            count = rng.randint(lo, max(lo, min(hi, lo + max_repeat)))
            out.extend(_sample(sub, rng, max_repeat) for _ in range(count))
        elif op in (sre_constants.AT,):
            continue
        else:
            raise _Unsampleable(str(op))
    return "".join(out)


def _sample_class(items, rng: random.Random) -> str:
    negate = items and items[0][0] is sre_constants.NEGATE

    def member(c: str) -> bool:
        o = ord(c)
        for op, arg in items:
            if op is sre_constants.LITERAL and o == arg:
                return True
            if op is sre_constants.RANGE and arg[0] <= o <= arg[1]:
                return True
            if op is sre_constants.CATEGORY and re.match(
                {"CATEGORY_DIGIT": r"\d", "CATEGORY_SPACE": r"\s", "CATEGORY_WORD": r"\w"}.get(
                    str(arg).split(".")[-1].removesuffix("_NOT"), r"\d"
                ),
                c,
            ):
                return "NOT" not in str(arg)
        return False

    pool = [c for c in [*_PRINTABLE, "\t"] if member(c) != bool(negate)]
    if not pool:
        raise _Unsampleable("empty character class")
    return rng.choice(pool)
