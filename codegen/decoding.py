"""Grammar-constrained decoding over any Hugging Face causal LM (evaluated by transformers, or by
`codegen.model.numpy_llama` for small Llama models on the CPU), with llguidance masks every step.

`generate` runs the prompt once, then decodes each candidate with its own copy of the KV cache and
of the grammar matcher. Where the grammar forces the next tokens (`compute_ff_tokens`), they are fed
to the model in one forward pass instead of one sampling step each. The grammar's next step (forced
tokens or the token mask) is computed on a worker thread while the model runs its forward pass over
the last token: both only need that token, and llguidance releases the GIL while it fills a mask.
Problems the caller must show to the user (vocabulary mismatch, grammar that does not compile, empty
language) come back as a `DecodingError` value; there is never a silent fall-back to unconstrained
decoding.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import llguidance
import llguidance.numpy  # not llguidance.torch: it imports torch.compile's stack (~1 s of a cold start)
import numpy as np

from codegen.grammar.spec import PARSER_LIMITS
from codegen.model.causal_lm import CausalLM, as_causal_lm

DEFAULT_MAX_NEW_TOKENS = 256
# Within the finish reserve, a text the grammar does not accept yet leans towards the tokens that
# close what is open, so that it ends rather than runs into the limit inside a string or a Jinja value
# (ansible-dev, 300 tasks: outputs cut at the limit 18 -> 13, YAML parse 96.7 -> 97.7 %; a bias of 8: 12, 97.3 %).
CLOSERS = (b'"', b"'", b"}", b")", b"]", b"\n", b"`")
CLOSE_BIAS = 4.0
# ...but first, decoding looks for the shortest run of closing tokens (these bytes only: quotes,
# brackets, `\;`, `+`) after which the grammar accepts, up to CLOSE_DEPTH tokens, trying at each
# depth the CLOSE_BREADTH likeliest that the grammar allows: a bias alone let a model that wanted to
# end inside a single-quoted string write ` } ) }}` there until the limit (RESULTS.md, "Closing").
CLOSING_BYTES = frozenset(b"\"'})]`\n;+\\ ")
CLOSE_DEPTH = 3
CLOSE_BREADTH = 6

ErrorKind = Literal["vocabulary", "grammar", "empty_language"]


@dataclass(slots=True)
class Timings:
    compile_s: float = 0.0  # grammar -> matcher, the part the prompt's forward pass did not hide
    prompt_s: float = 0.0  # forward pass over the prompt, shared by all candidates
    forward_s: float = 0.0  # model forward passes while decoding
    mask_s: float = 0.0  # waiting for the mask (the part the forward pass did not hide) + applying it
    total_s: float = 0.0
    mask_us: list[float] = field(default_factory=list)  # llguidance mask computation per sampled token


@dataclass(slots=True)
class Generation:
    text: str
    score: float  # mean log-probability of the tokens the model chose (not those the grammar forced)
    finished: bool  # the grammar (or EOS when unconstrained) ended the text before max_new_tokens
    tokens: int
    forced_tokens: int  # tokens taken from the grammar's fast-forward path, not sampled
    timings: Timings
    error: str | None = None  # why the grammar engine stopped early, when it did
    token_ids: list[int] = field(default_factory=list)  # what was generated, forced tokens included


@dataclass(slots=True, frozen=True)
class DecodingError:
    kind: ErrorKind
    message: str


def check_vocabulary(model: Any, tokenizer: Any) -> DecodingError | None:
    """A tokenizer that can produce ids the model has no logits for cannot be masked correctly.
    `model`: a transformers causal LM or a `CausalLM`."""
    if not getattr(tokenizer, "is_fast", False):
        return DecodingError("vocabulary", "constrained decoding needs a fast (Rust) Hugging Face tokenizer")
    if tokenizer.eos_token_id is None:
        return DecodingError("vocabulary", "the tokenizer has no end-of-sequence token")
    n_model, n_tok = as_causal_lm(model).vocab_size, len(tokenizer)
    if n_tok > n_model:
        return DecodingError(
            "vocabulary",
            f"the tokenizer has {n_tok} tokens but the model only {n_model} logits: "
            "they do not belong together",
        )
    return None


# llguidance's slicer: tokens matching a slice regex (first match wins, the rest form a last slice)
# get a token trie and a precomputed mask of their own. Where a lexeme allowed at the current
# position contains every string of a slice as a prefix (llguidance checks lexemes of the form
# `X{m,n} T` with the slice `Y{1,k}`, Y within X, k <= n), the slice's whole mask is added without
# walking its trie. The default (JSON-string) slices never fit our grammars -- their class admits
# U+0080-U+009F, which every string terminal here excludes -- and only cost the containment check
# (Ansible masks were ~25 % slower with them than with none). These fit the insides of Bash words,
# Bash/YAML/Fortran quoted strings and YAML plain scalars: word-like text first (no space, no
# quote, no shell metacharacter), then the same with spaces. 10 characters, so a lexeme with 10 or
# more repetitions left still qualifies (most tokens of a 16k vocabulary are shorter).
TOKEN_SLICES = [
    r"[A-Za-z0-9_.\/@%+,=~-]{1,10}",
    r"[ A-Za-z0-9_.\/@%+,=~-]{1,10}",
]


_LL_TOKENIZER_LOCK = threading.Lock()


def ll_tokenizer(tokenizer: Any, n_vocab: int) -> llguidance.LLTokenizer:
    """llguidance's view of a Rust-backed tokenizer (transformers' fast tokenizers and ours). Built
    once (~0.45 s for SmolLM2's 49k tokens, in Rust without the GIL): a second caller waits for the
    first one's build rather than starting its own."""
    with _LL_TOKENIZER_LOCK:
        return _build_ll_tokenizer(tokenizer, n_vocab)


@functools.lru_cache(maxsize=4)
def _build_ll_tokenizer(tokenizer: Any, n_vocab: int) -> llguidance.LLTokenizer:
    # what llguidance.hf.from_tokenizer does, without its import of transformers (~1.4 s of a cold
    # start); the token trie and one per slice are built here
    backend = copy.copy(tokenizer.backend_tokenizer)
    backend.no_padding()
    backend.no_truncation()
    return llguidance.LLTokenizer(
        backend.to_str(), n_vocab=n_vocab, eos_token=tokenizer.eos_token_id, slices=TOKEN_SLICES
    )


def prepare(model: Any, tokenizer: Any) -> None:
    """Start building what constrained decoding with this model needs (llguidance's tokenizer, then
    each token's text and the closing tokens) on the grammar worker, so that a cold request's
    retrieval runs meanwhile; the first `generate` then finds them built or waits for them."""
    vocab = as_causal_lm(model).vocab_size
    _mask_worker().submit(closing_tokens, tokenizer, vocab)  # builds ll_tokenizer and token_texts first


@dataclass(frozen=True, slots=True)
class ClosingTokens:
    touching: np.ndarray  # True for the tokens holding a quote, a closing bracket or brace, a newline
    only: np.ndarray  # ids of the tokens made of CLOSING_BYTES alone (of spaces, only the one space)


@functools.lru_cache(maxsize=4)
def closing_tokens(tokenizer: Any, n_vocab: int) -> ClosingTokens:
    texts = token_texts(tokenizer, n_vocab).texts
    closers, closing = b"".join(CLOSERS), bytes(sorted(CLOSING_BYTES))
    # bytes.translate deletes in C: ~15 ms for 49k tokens where testing each byte took 160 ms
    return ClosingTokens(
        touching=np.array([len(t.translate(None, closers)) < len(t) for t in texts]),
        only=np.array(
            [
                i
                for i, t in enumerate(texts)
                if (t.strip(b" ") or t == b" ") and not t.translate(None, closing)
            ],
            dtype=np.int64,
        ),
    )


def compile_grammar(lark_text: str, lltok: llguidance.LLTokenizer) -> llguidance.LLMatcher | DecodingError:
    matcher = llguidance.LLMatcher(
        lltok, llguidance.LLMatcher.grammar_from_lark(lark_text), log_level=0, limits=PARSER_LIMITS
    )
    if matcher.is_error():
        first = matcher.get_error().strip().splitlines()[0]
        return DecodingError("grammar", f"the grammar does not compile: {first}")
    allowed = np.unpackbits(np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8), bitorder="little")
    allowed[lltok.eos_token] = 0  # llguidance offers EOS at a dead end too
    if not allowed.any() and not matcher.is_accepting():
        return DecodingError("empty_language", "the grammar accepts no text at all (empty language)")
    return matcher


@functools.lru_cache(maxsize=16)
def _compiled(lark_text: str, lltok: llguidance.LLTokenizer) -> llguidance.LLMatcher | DecodingError:
    """The matcher in its initial state, to `deep_copy` and never advance. Requests with the same
    documentation get the same grammar text: they skip the compilation, and their copies share the
    lexer's lazily built automaton, which earlier requests have already extended."""
    return compile_grammar(lark_text, lltok)


@functools.cache
def _mask_worker() -> ThreadPoolExecutor:
    # one thread: a decoder has at most one step in preparation, and candidates run one after another
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="dslgen-mask")


def generate(
    model: Any,
    tokenizer: Any,
    prompt: str,
    grammar: str | None,
    *,
    n: int = 1,
    temperature: float = 0.0,
    top_k: int | None = None,
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
    seed: int | None = None,
    no_repeat_ngram: int = 0,
    finish_reserve: int = 0,
    end_with_model: bool = False,
    values: Sequence[str] = (),
    copy_bias: float = 0.0,
    copy_continue_bias: float | None = None,
    copy_visible: Callable[[str], str] | None = None,
    copy_keys: Mapping[str, str] | None = None,
) -> list[Generation] | DecodingError:
    """Up to `n` candidates, best first. Greedy when temperature is 0: candidate i then starts with
    the i-th most likely allowed token (distinct top-k candidates); otherwise sampled.

    `no_repeat_ngram` = N > 0: a sampled token may not complete an N-gram of output tokens that
    already occurred (transformers' `no_repeat_ngram_size`), unless the grammar allows nothing else.
    Small models fall into loops (`web-web-web-…`) that run into the token limit unfinished.
    `finish_reserve` = R > 0: within the last R tokens of the budget, end as soon as the grammar
    accepts the text (leaning toward closing what is open meanwhile); with `end_with_model`, also
    from the first step where the model's most likely token is the end but the grammar does not
    accept the text yet.
    `values`: values of the request (codegen.values) the text should contain; `copy_bias` is added to
    the logit of a token that starts a value not yet written, `copy_continue_bias` (default: the
    same) to the tokens that continue a value being written (a pointer toward the request for a small
    model that drifts off a value); `copy_visible` drops what does not count as written; `copy_keys`
    ties a value to the key whose line it belongs on (CopyBias)."""
    start = time.perf_counter()
    lm = as_causal_lm(model)
    problem = check_vocabulary(lm, tokenizer)
    if problem is not None:
        return problem
    vocab = lm.vocab_size
    compiling: Future[llguidance.LLMatcher | DecodingError] | None = None
    if grammar is not None:
        # compiled on the worker while the model reads the prompt (llguidance drops the GIL), after
        # llguidance's view of the tokenizer, which a cold call builds there too
        compiling = _mask_worker().submit(lambda: _compiled(grammar, ll_tokenizer(tokenizer, vocab)))

    rng = np.random.default_rng(seed if seed is not None else 0)
    ids = tokenizer.encode(prompt, add_special_tokens=False)
    if not ids:
        ids = [tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id]
    t0 = time.perf_counter()
    prompt_logits, prompt_cache = lm.forward(ids, lm.start(), all_logits=False)
    prompt_s = time.perf_counter() - t0
    matcher: llguidance.LLMatcher | None = None
    compile_s = 0.0
    if compiling is not None:
        t0 = time.perf_counter()
        compiled = compiling.result()
        compile_s = time.perf_counter() - t0
        if isinstance(compiled, DecodingError):
            return compiled
        matcher = compiled

    texts = token_texts(tokenizer, vocab) if copy_bias and values else None
    generations: list[Generation] = []
    seen: set[str] = set()
    for i in range(n):
        last = i == n - 1
        decoder = _Decoder(
            model=lm,
            tokenizer=tokenizer,
            matcher=matcher.deep_copy() if matcher is not None else None,
            cache=prompt_cache if last else copy.deepcopy(prompt_cache),
            logits=prompt_logits[-1],
            vocab=vocab,
            rng=rng,
            temperature=temperature,
            top_k=top_k,
            first_rank=i if temperature == 0.0 else 0,
            no_repeat_ngram=no_repeat_ngram,
            finish_reserve=finish_reserve,
            end_with_model=end_with_model,
            # built on first need (~50 ms for 16k tokens): most texts end before the reserve
            closers=functools.partial(closing_tokens, tokenizer, vocab)
            if finish_reserve and matcher is not None
            else None,
            copier=CopyBias(
                values,
                texts,
                copy_bias,
                vocab,
                continue_bias=copy_continue_bias,
                visible=copy_visible,
                keys=copy_keys,
            )
            if texts is not None
            else None,
        )
        gen = decoder.run(max_new_tokens)
        gen.timings.compile_s = compile_s
        gen.timings.prompt_s = prompt_s
        if gen.text not in seen:
            seen.add(gen.text)
            generations.append(gen)
    total = time.perf_counter() - start
    for gen in generations:
        gen.timings.total_s = total
    generations.sort(key=lambda g: (not g.finished, -g.score))
    return generations


@dataclass(slots=True)
class _GrammarStep:
    """What the grammar allows next: the end, forced tokens, or a token mask."""

    stopped: bool = False
    forced: list[int] = field(default_factory=list)
    disallowed: np.ndarray | None = None  # True for the tokens the mask forbids
    any_allowed: bool = False
    mask_us: float = 0.0  # llguidance's mask computation alone
    error: str | None = None  # the grammar engine hit a resource limit


def _prepare_step(matcher: llguidance.LLMatcher, bitmask: np.ndarray, vocab: int) -> _GrammarStep:
    """Runs on the mask worker: the decoder leaves the matcher alone until it has the result."""
    if matcher.is_stopped():
        return _GrammarStep(stopped=True)
    forced = matcher.compute_ff_tokens()
    if forced:
        return _GrammarStep(forced=forced)
    t0 = time.perf_counter()
    llguidance.numpy.fill_next_token_bitmask(matcher, bitmask)
    mask_us = (time.perf_counter() - t0) * 1e6
    if matcher.is_error():
        return _GrammarStep(mask_us=mask_us, error=matcher.get_error().strip().splitlines()[0])
    allowed = np.unpackbits(bitmask.view(np.uint8), bitorder="little")[:vocab]
    return _GrammarStep(disallowed=allowed == 0, any_allowed=bool(allowed.any()), mask_us=mask_us)


class _Decoder:
    """One candidate: owns its matcher and KV cache."""

    def __init__(
        self,
        *,
        model: CausalLM,
        tokenizer: Any,
        matcher: llguidance.LLMatcher | None,
        cache: Any,
        logits: np.ndarray,
        vocab: int,
        rng: np.random.Generator,
        temperature: float,
        top_k: int | None,
        first_rank: int,
        no_repeat_ngram: int = 0,
        finish_reserve: int = 0,
        end_with_model: bool = False,
        closers: Callable[[], ClosingTokens] | None = None,
        copier: CopyBias | None = None,
    ) -> None:
        self.model, self.tokenizer, self.matcher, self.cache = model, tokenizer, matcher, cache
        self.copier = copier
        self.closers = closers
        self.logits = logits
        self.vocab, self.rng = vocab, rng
        self.temperature, self.top_k, self.first_rank = temperature, top_k, first_rank
        self.bitmask = llguidance.numpy.allocate_token_bitmask(1, vocab) if matcher is not None else None
        self.tokens: list[int] = []
        self.no_repeat = no_repeat_ngram
        self.finish_reserve = finish_reserve
        self.end_with_model = end_with_model and finish_reserve > 0
        self.followers: dict[tuple[int, ...], set[int]] = {}  # (N-1)-gram -> tokens seen after it
        self.error: str | None = None
        self.wants_end = False  # the model chose to end where the grammar could not yet
        self.logprobs: list[float] = []
        self.forced = 0
        self.timings = Timings()
        self.pending: Future[_GrammarStep]  # set whenever the matcher has a step in preparation

    def run(self, max_new_tokens: int) -> Generation:
        eos = self.tokenizer.eos_token_id
        finished = False
        sampled_steps = 0
        if self.matcher is not None:
            self.pending = _mask_worker().submit(_prepare_step, self.matcher, self.bitmask, self.vocab)
        while len(self.tokens) < max_new_tokens:
            step = self._grammar_step() if self.matcher is not None else None
            if step is not None:
                if step.stopped:
                    # a stop outside an accepting state is a dead end, not a finished text
                    finished = self.matcher.is_accepting() and not self.matcher.is_error()
                    break
                if step.forced:
                    forced = step.forced[: max_new_tokens - len(self.tokens)]
                    self.matcher.consume_tokens(forced)
                    self.forced += len(forced)
                    self._advance(forced, max_new_tokens, chosen=False)
                    continue
                self.timings.mask_us.append(step.mask_us)
                if step.error is not None:
                    self.error = step.error
                    break
            logits = self.logits
            if step is not None:
                t0 = time.perf_counter()
                logits = np.where(step.disallowed, -np.inf, logits)
                self.timings.mask_s += time.perf_counter() - t0
                if not step.any_allowed:
                    break  # the matcher cannot continue: never happens for a grammar that compiled
            boost = self.copier.boost(self.tokens) if self.copier is not None else None
            # the tokens that go on with a request value the text has begun may repeat the model's
            # own N-grams: `/home/hobbes/ /home/calvin/` became `/home/hobbes/ /home /home h /home calvin`
            continuing = boost > 0 if boost is not None and self.copier.continuing else None
            logits = self._without_repeats(logits, exempt=continuing)
            if boost is not None:
                logits = logits + boost
            if (
                self.end_with_model
                and step is not None
                and step.disallowed is not None
                and step.disallowed[eos]
            ):
                # the model would end here but the grammar cannot (a quote or bracket is open): from
                # now on, close what is open and end, as when the budget runs low, rather than let
                # the grammar carry the text on into what the model never meant to write
                self.wants_end = self.wants_end or int(np.argmax(self.logits)) == eos
            low_budget = max_new_tokens - len(self.tokens) <= self.finish_reserve or self.wants_end
            if self.matcher is not None and low_budget and self.matcher.is_accepting():
                # the budget is nearly spent: end at the first point the grammar accepts, so the
                # text is complete rather than cut inside a construct at the limit
                logits = np.full_like(logits, -np.inf)
                logits[eos] = 0.0
            elif low_budget and self.closers is not None:
                # ...and until it accepts, close what is open: by the shortest run of closing tokens
                # that makes it accept, else leaning toward the allowed tokens that close something
                closing = self._closing_run(self.closers().only)
                if closing and len(self.tokens) + len(closing) <= max_new_tokens:
                    self.matcher.consume_tokens(closing)
                    self.forced += len(closing)
                    self._advance(closing, max_new_tokens, chosen=False)
                    continue
                logits = logits + CLOSE_BIAS * self.closers().touching
            token = self._choose(logits, rank=self.first_rank if sampled_steps == 0 else 0)
            sampled_steps += 1
            if token == eos:
                self.logprobs.append(float(_log_softmax(self.logits)[token]))
                # llguidance also offers EOS at a dead end; only an accepting state is an end
                finished = self.matcher is None or self.matcher.is_accepting()
                break
            if self.matcher is not None and not self.matcher.consume_token(token):
                break
            self._advance([token], max_new_tokens)
        text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        score = sum(self.logprobs) / len(self.logprobs) if self.logprobs else 0.0
        return Generation(
            text=text,
            score=score,
            finished=finished,
            tokens=len(self.tokens),
            forced_tokens=self.forced,
            timings=self.timings,
            error=self.error,
            token_ids=self.tokens,
        )

    def _closing_run(self, candidates: np.ndarray) -> list[int]:
        """The shortest run of `candidates` (at most CLOSE_DEPTH) after which the grammar accepts the
        text, trying the model's likeliest first; [] when there is none."""
        matcher = self.matcher
        assert matcher is not None
        ranked = candidates[np.argsort(-self.logits[candidates], kind="stable")].tolist()
        frontier: list[list[int]] = [[]]
        for _ in range(CLOSE_DEPTH):
            deeper: list[list[int]] = []
            for run in frontier:
                tried = 0
                for token in ranked:
                    path = [*run, token]
                    if matcher.validate_tokens(path) < len(path):
                        continue
                    matcher.consume_tokens(path)
                    accepting = matcher.is_accepting()
                    matcher.rollback(len(path))
                    if accepting:
                        return path
                    deeper.append(path)
                    tried += 1
                    if tried == CLOSE_BREADTH:
                        break
            frontier = deeper
        return []

    def _grammar_step(self) -> _GrammarStep:
        """The step the worker prepared; the wait is the mask time the forward pass did not hide."""
        t0 = time.perf_counter()
        step = self.pending.result()
        self.timings.mask_s += time.perf_counter() - t0
        return step

    def _advance(self, tokens: list[int], max_new_tokens: int, *, chosen: bool = True) -> None:
        """Run the model over the consumed tokens while the worker prepares the grammar's next step
        (unless the budget ends with these tokens). `chosen`: the model chose them (not forced)."""
        if self.matcher is not None and len(self.tokens) + len(tokens) < max_new_tokens:
            self.pending = _mask_worker().submit(_prepare_step, self.matcher, self.bitmask, self.vocab)
        self._feed(tokens, chosen)

    def _choose(self, logits: np.ndarray, rank: int) -> int:
        if self.temperature == 0.0:
            # greedy steps after the first never rank: skip counting the allowed tokens there
            if rank == 0 or int(np.isfinite(logits).sum()) <= rank:
                return int(np.argmax(logits))
            return int(np.argsort(-logits, kind="stable")[rank])
        if self.top_k is not None:
            kth = np.partition(logits, -min(self.top_k, logits.size))[-min(self.top_k, logits.size)]
            logits = np.where(logits < kth, -np.inf, logits)
        probs = np.exp(_log_softmax(logits.astype(np.float64) / self.temperature))
        return int(self.rng.choice(probs.size, p=probs / probs.sum()))

    def _without_repeats(self, logits: np.ndarray, exempt: np.ndarray | None = None) -> np.ndarray:
        if self.no_repeat <= 0 or len(self.tokens) < self.no_repeat - 1:
            return logits
        banned = self.followers.get(tuple(self.tokens[len(self.tokens) - self.no_repeat + 1 :]))
        if banned and exempt is not None:
            banned = {t for t in banned if not exempt[t]}
        if not banned:
            return logits
        kept = logits.copy()
        kept[list(banned)] = -np.inf
        return kept if np.isfinite(kept).any() else logits

    def _remember(self, start: int) -> None:
        """Record the N-grams that end at the tokens appended from position `start` on."""
        n = self.no_repeat
        for end in range(max(start, n - 1), len(self.tokens)):
            self.followers.setdefault(tuple(self.tokens[end - n + 1 : end]), set()).add(self.tokens[end])

    def _feed(self, tokens: list[int], chosen: bool) -> None:
        """Advance the model over the tokens in one pass. The score and the repeat ban count only
        what the model chose: text the grammar forced (an Ansible task's `- name:` line, a Fortran
        program's skeleton) is no choice of the model's and no loop -- banning its N-grams made the
        model misspell the request's values when it wrote them again (`name: nginX`) -- and its
        logits are not computed (a 300-token skeleton's took 1.6 s of a cold Fortran call)."""
        t0 = time.perf_counter()
        logits, self.cache = self.model.forward(tokens, self.cache, all_logits=chosen)
        self.timings.forward_s += time.perf_counter() - t0
        start = len(self.tokens)
        self.tokens.extend(tokens)
        if chosen:
            logprobs = _log_softmax(np.concatenate([self.logits[None], logits[:-1]]))
            self.logprobs.extend(float(logprobs[j, t]) for j, t in enumerate(tokens))
            if self.no_repeat > 0:
                self._remember(start)
        self.logits = logits[-1]


@dataclass(frozen=True, slots=True)
class TokenTexts:
    """Each token's bytes, and the tokens of each byte string."""

    texts: list[bytes]
    by_text: dict[bytes, list[int]]


@functools.lru_cache(maxsize=4)
def token_texts(tokenizer: Any, n_vocab: int) -> TokenTexts:
    lltok = ll_tokenizer(tokenizer, n_vocab)
    texts = [lltok.decode_bytes([i]) for i in range(n_vocab)]
    by_text: dict[bytes, list[int]] = {}
    for i, text in enumerate(texts):
        if text:
            by_text.setdefault(text, []).append(i)
    return TokenTexts(texts, by_text)


def _is_word(byte: int) -> bool:
    return chr(byte).isalnum() or byte == ord("_")


class CopyBias:
    """Logit boosts toward the request's values, matched on the text's bytes (so any tokenisation
    counts): the tokens that continue a value the text has begun (`continue_bias`), else the tokens
    that begin a value not yet written (`bias`), at a word boundary. A value is begun when the text
    ends with its first bytes after a non-word byte; it is written when the text holds it whole
    (after `visible`, which drops what does not count, such as an Ansible task's `- name:` line
    that repeats the request). A value with a key in `keys` (an option's choice: `restarted` for
    `state`) is only written on that key's line, never under another key (`name: restarted`)."""

    def __init__(
        self,
        values: Sequence[str],
        texts: TokenTexts,
        bias: float,
        vocab: int,
        *,
        continue_bias: float | None = None,
        visible: Callable[[str], str] | None = None,
        keys: Mapping[str, str] | None = None,
    ) -> None:
        self.values = [v.encode() for v in dict.fromkeys(values) if v]
        self.keys = {
            v.encode(): re.compile(rb"\s*(?:- )?" + re.escape(k.encode()) + rb":")
            for v, k in (keys or {}).items()
        }
        self.texts, self.vocab = texts, vocab
        self.bias = bias
        self.continue_bias = bias if continue_bias is None else continue_bias
        self.visible = visible
        self.offered: set[int] = set()  # the tokens the last step boosted to begin a value
        self.continuing = False  # the last step boosted the tokens that go on with a begun value

    def boost(self, tokens: list[int]) -> np.ndarray:
        text = b"".join(self.texts.texts[t] for t in tokens)
        shown = self.visible(text.decode(errors="replace")).encode() if self.visible else text
        starts = np.zeros(self.vocab, dtype=np.float32)
        continues = np.zeros(self.vocab, dtype=np.float32)
        at_boundary = not text or not _is_word(text[-1])
        after_space = not text or text[-1:].isspace()
        line = text[text.rfind(b"\n") + 1 :]
        for value in self.values:
            if value in shown:
                continue
            key = self.keys.get(value)
            if key is not None and not key.match(line):
                continue
            begun = self._begun(text, value, just_offered=bool(tokens) and tokens[-1] in self.offered)
            if begun:
                self._mark(continues, value[begun:], self.continue_bias)
                continue
            if at_boundary:
                self._mark(starts, value, self.bias, longest_only=True)
            if not after_space:
                self._mark(starts, b" " + value, self.bias, shortest=2, longest_only=True)
        # a value in progress is finished first: starting another one (or the same again) would cut it
        self.continuing = bool(continues.any())
        if self.continuing:
            self.offered = set()
            return continues
        self.offered = set(np.flatnonzero(starts).tolist())
        return starts

    @staticmethod
    def _begun(text: bytes, value: bytes, just_offered: bool) -> int:
        """How many of the value's first bytes end the text, after a word boundary (0: none). One
        byte begins a value only when it is the token just offered to begin one: a `/` or `$` the
        model wrote on its own begins every path and variable, an `s` every s-word."""
        shortest = 1 if just_offered else 2
        for k in range(min(len(value) - 1, len(text)), shortest - 1, -1):
            if text.endswith(value[:k]) and (len(text) == k or not _is_word(text[-k - 1])):
                return k
        return 0

    def _mark(
        self, out: np.ndarray, rest: bytes, bias: float, shortest: int = 1, longest_only: bool = False
    ) -> None:
        """Boost the tokens whose bytes are a prefix of `rest` (at least `shortest` long): all of
        them, or only the longest, as a tokenizer would begin the value (a one-letter token that
        begins "started" begins any word)."""
        for j in range(len(rest), shortest - 1, -1):
            tokens = self.texts.by_text.get(rest[:j], ())
            for token in tokens:
                out[token] = bias
            if tokens and longest_only:
                return


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    top = logits.max(axis=-1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))


def to_outlines(grammar: str) -> Any:
    """The same grammar as an outlines output type (outlines >= 1.0, whose CFG backend is llguidance):
    `outlines.Generator(outlines.from_transformers(model, tokenizer), to_outlines(spec.text))`."""
    try:
        from outlines.types import CFG
    except ImportError as exc:  # an optional integration: the decoder above does not need it
        raise ImportError("to_outlines needs the `outlines` package (pip install outlines)") from exc
    return CFG(grammar)
