"""CodeBLEU (Ren et al. 2020, arXiv:2009.10297) on py-tree-sitter 0.26, for any tree-sitter language.

This is the computation of the `codebleu` package (k4black/codebleu 0.7, itself CodeXGLUE's), rebuilt
because that package pins tree-sitter < 0.23 and knows neither Bash, YAML nor Fortran; the language
parts live in codegen.evaluation.metrics.codebleu_languages. `benchmarks/codebleu_parity.py` checks
that this module gives the package's numbers on Python. Kept from the package, deliberately:

- text is stripped and split on whitespace into tokens;
- n-gram match is corpus BLEU-4 (NLTK's: clipped precision, brevity penalty, smoothing "method1"
  adding 0.1 to zero matches, 0 when no unigram matches);
- weighted n-gram match clips reference n-grams against the hypothesis and divides by the
  reference counts (a recall); unigrams weigh 1 when they are keywords of the language, else 0.2;
  its brevity penalty takes every reference to be 2 tokens long (the package measures the length of
  its [tokens, weights] pair), so it is 1 unless the hypotheses average 2 tokens or fewer;
- syntax match is the share of the reference's subtrees (nodes with children, as S-expressions) that
  also occur in the candidate's tree, after comments are removed;
- data-flow match is the share of the reference's normalised data-flow edges (variables renamed
  var_0, var_1, ... in order of appearance) found in the candidate's, each used at most once. Where
  the package merges the edges of one token through a Python set (an order that changes with the
  hash seed), the parents are merged here in order of appearance.

One change: when no reference has any data-flow edge (YAML always; a corpus of Bash one-liners
without variables), data-flow match is undefined (None) and its weight is spread over the other
three in proportion, where the package would count it as a perfect 1.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from tree_sitter import Language, Node, Parser

Weights = tuple[float, float, float, float]  # n-gram, weighted n-gram, syntax, data flow
DEFAULT_WEIGHTS: Weights = (0.25, 0.25, 0.25, 0.25)
NON_KEYWORD_WEIGHT = 0.2
MAX_ORDER = 4
_EPSILON = 0.1  # NLTK SmoothingFunction.method1


@dataclass(frozen=True, slots=True)
class FlowEdge:
    """One data-flow edge in the package's tuple form: the variable at token `index` comes from
    (`comesFrom`) or is computed from (`computedFrom`) the named variables at `parent_indices`."""

    name: str
    index: int
    relation: str
    parents: tuple[str, ...]
    parent_indices: tuple[int, ...]


DataFlow = Callable[[Node, bytes], list[FlowEdge]]  # root node, source bytes → raw edges


@dataclass(frozen=True)
class CodeLanguage:
    name: str
    language: Language
    keywords: frozenset[str]
    keyword_form: Callable[[str], str] = str  # how a token is looked up in `keywords`
    prepare: Callable[[str], str] = str  # applied to references and predictions before anything else
    strip_comments: Callable[[str], str] = str
    data_flow: DataFlow | None = None  # None: the language has no data flow worth matching

    @cached_property
    def parser(self) -> Parser:
        return Parser(self.language)

    def parse(self, code: str) -> Node:
        return self.parser.parse(code.encode("utf-8", errors="surrogatepass")).root_node


@dataclass(frozen=True, slots=True)
class CodeBleu:
    codebleu: float
    ngram_match: float
    weighted_ngram_match: float
    syntax_match: float
    dataflow_match: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def code_bleu(
    references: Sequence[str],
    predictions: Sequence[str],
    lang: CodeLanguage,
    weights: Weights = DEFAULT_WEIGHTS,
) -> CodeBleu:
    """Corpus-level CodeBLEU of aligned predictions and (one each) references."""
    if len(references) != len(predictions):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    if not references:
        raise ValueError("no examples to score")
    refs = [lang.prepare(r).strip() for r in references]
    hyps = [lang.prepare(p).strip() for p in predictions]
    ref_tokens = [r.split() for r in refs]
    hyp_tokens = [h.split() for h in hyps]
    ngram = corpus_bleu(ref_tokens, hyp_tokens)
    token_weights = [
        {t: 1.0 if lang.keyword_form(t) in lang.keywords else NON_KEYWORD_WEIGHT for t in tokens}
        for tokens in ref_tokens
    ]
    weighted = corpus_bleu(ref_tokens, hyp_tokens, token_weights)
    syntax = syntax_match(refs, hyps, lang)
    dataflow = dataflow_match(refs, hyps, lang)
    alpha, beta, gamma, theta = weights
    parts = alpha * ngram + beta * weighted + gamma * syntax
    total = parts / (alpha + beta + gamma) if dataflow is None else parts + theta * dataflow
    return CodeBleu(total, ngram, weighted, syntax, dataflow)


# --------------------------------------------------------------------------------------- n-grams


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(
    references: Sequence[Sequence[str]],
    hypotheses: Sequence[Sequence[str]],
    unigram_weights: Sequence[dict[str, float]] | None = None,
) -> float:
    """BLEU-4 as NLTK's corpus_bleu with smoothing method1; with `unigram_weights` (one mapping per
    reference, token → weight) the package's weighted variant, whose counts are recall-based."""
    matches = Counter[int]()
    totals = Counter[int]()
    hyp_length = ref_length = 0
    for i, (ref, hyp) in enumerate(zip(references, hypotheses, strict=True)):
        for n in range(1, MAX_ORDER + 1):
            hyp_counts = _ngrams(hyp, n)
            ref_counts = _ngrams(ref, n)
            if unigram_weights is None:
                matches[n] += sum(min(c, ref_counts[g]) for g, c in hyp_counts.items())
                totals[n] += max(1, sum(hyp_counts.values()))
                continue
            clipped = {g: min(c, hyp_counts[g]) for g, c in ref_counts.items()}
            weights = unigram_weights[i]
            if n == 1:
                matches[n] += sum(c * weights.get(g[0], 1.0) for g, c in clipped.items())
                totals[n] += max(1, sum(c * weights.get(g[0], 1.0) for g, c in ref_counts.items()))
            else:
                matches[n] += sum(clipped.values())
                totals[n] += max(1, sum(ref_counts.values()))
        hyp_length += len(hyp)
        # The package's weighted variant measures the length of its [tokens, weights] pair: always 2.
        ref_length += len(ref) if unigram_weights is None else 2
    if matches[1] == 0:
        return 0.0
    if hyp_length > ref_length:
        penalty = 1.0
    elif hyp_length == 0:
        penalty = 0.0
    else:
        penalty = math.exp(1 - ref_length / hyp_length)
    logs = (math.log((matches[n] or _EPSILON) / totals[n]) / MAX_ORDER for n in range(1, MAX_ORDER + 1))
    return penalty * math.exp(math.fsum(logs))


# ---------------------------------------------------------------------------------------- syntax


def _subtrees(root: Node) -> list[str]:
    """S-expressions of the root and of every node that has children, in the package's order."""
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(str(node))
        stack.extend(child for child in node.children if child.children)
    return found


def syntax_match(references: Sequence[str], candidates: Sequence[str], lang: CodeLanguage) -> float:
    matched = total = 0
    for ref, cand in zip(references, candidates, strict=True):
        cand_subtrees = set(_subtrees(lang.parse(lang.strip_comments(cand))))
        ref_subtrees = _subtrees(lang.parse(lang.strip_comments(ref)))
        matched += sum(1 for s in ref_subtrees if s in cand_subtrees)
        total += len(ref_subtrees)
    return matched / total


# ------------------------------------------------------------------------------------- data flow


def data_flow(code: str, lang: CodeLanguage) -> list[FlowEdge]:
    """The merged data-flow edges of `code`: edges that take no part in any flow are dropped and
    the edges of one token are merged, as the package's get_data_flow does."""
    assert lang.data_flow is not None
    root = lang.parse(code)
    edges = sorted(lang.data_flow(root, code.encode("utf-8", errors="surrogatepass")), key=lambda e: e.index)
    used = {e.index for e in edges if e.parent_indices} | {i for e in edges for i in e.parent_indices}
    merged: dict[int, FlowEdge] = {}
    for edge in edges:
        if edge.index not in used:
            continue
        if edge.index in merged:
            first = merged[edge.index]
            edge = FlowEdge(
                edge.name,
                edge.index,
                edge.relation,
                tuple(dict.fromkeys((*first.parents, *edge.parents))),
                tuple(dict.fromkeys((*first.parent_indices, *edge.parent_indices))),
            )
        merged[edge.index] = edge
    return list(merged.values())


def normalize_flow(edges: Sequence[FlowEdge]) -> list[tuple[str, str, tuple[str, ...]]]:
    names: dict[str, str] = {}

    def rename(name: str) -> str:
        return names.setdefault(name, f"var_{len(names)}")

    normalized = []
    for edge in edges:
        parents = tuple(rename(p) for p in edge.parents)  # parents first, as the package numbers them
        normalized.append((rename(edge.name), edge.relation, parents))
    return normalized


def dataflow_match(references: Sequence[str], candidates: Sequence[str], lang: CodeLanguage) -> float | None:
    if lang.data_flow is None:
        return None
    matched = total = 0
    for ref, cand in zip(references, candidates, strict=True):
        ref_flow = normalize_flow(data_flow(lang.strip_comments(ref), lang))
        cand_flow = normalize_flow(data_flow(lang.strip_comments(cand), lang))
        total += len(ref_flow)
        for edge in ref_flow:
            if edge in cand_flow:
                matched += 1
                cand_flow.remove(edge)
    return matched / total if total else None
