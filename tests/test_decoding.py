"""Constrained decoding with llguidance over a randomly initialised Llama: whatever the model
samples, the text obeys the documentation (valid by construction), and bad input is an error
value, never a crash or a silent fall-back to unconstrained decoding."""

from __future__ import annotations

import functools
import gzip
import itertools
import json

import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from codegen.decoding import DecodingError, generate
from codegen.grammar import build_grammar
from codegen.grammar.check import check_ansible, check_bash, check_fortran
from codegen.paths import package_data
from codegen.schema import schema_of
from tests.grammar_fixtures import DECODING_CASES, pick, records
from tests.tiny_lm import random_llama, train_bpe

MAX_NEW_TOKENS = 2048
torch.set_num_threads(1)  # a 1-layer, 32-wide model: threads only add contention
PROPERTY = settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@functools.cache
def tokenizer():
    texts = []
    with gzip.open(package_data("tldr-pages.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in itertools.islice(fh, 800):
            texts += [e["cmd"] for e in json.loads(line)["examples"]]
    texts += [e.code for r in records() for e in r.examples]
    texts += ["program main\nimplicit none\ninteger :: i, n\nreal(8) :: x(10)\ndo i = 1, n\nend do\n"] * 20
    return train_bpe(texts, 1000)


@functools.cache
def model():
    tok = tokenizer()
    return random_llama(len(tok), eos_id=tok.eos_token_id, eos_bias=5.0)


@functools.cache
def case(lang: str):
    names = DECODING_CASES[lang]
    recs = pick(lang, *names)
    # the grammar the pipeline builds: a Bash request's top level is pipelines of documented commands
    return build_grammar(lang, recs, leading_command=lang == "bash").text, [schema_of(r) for r in recs]


def sample(lang: str, seed: int):
    grammar, schemas = case(lang)
    out = generate(
        model(),
        tokenizer(),
        "a request",
        grammar,
        temperature=1.0,
        seed=seed,
        max_new_tokens=MAX_NEW_TOKENS,
        finish_reserve=MAX_NEW_TOKENS // 8,  # as the pipeline does: end where the grammar allows
    )
    assert not isinstance(out, DecodingError), out
    # The claim is about finished texts: a random model can stay inside a nested `if … $( …` until the
    # budget runs out, a prefix and not an output. hypothesis fails the test if that is not rare.
    assume(out[0].finished)
    return out[0].text, schemas


@PROPERTY
@given(seed=st.integers(0, 2**31 - 1))
def test_bash_outputs_parse_and_use_only_documented_flags(seed: int) -> None:
    text, schemas = sample("bash", seed)
    assert check_bash(text, schemas) == [], text


@PROPERTY
@given(seed=st.integers(0, 2**31 - 1))
def test_ansible_outputs_are_yaml_with_documented_keys_valid_values_required_keys(seed: int) -> None:
    text, schemas = sample("ansible", seed)
    assert check_ansible(text, schemas) == [], text


@PROPERTY
@given(seed=st.integers(0, 2**31 - 1))
def test_fortran_outputs_parse_with_tree_sitter(seed: int) -> None:
    text, _ = sample("fortran", seed)
    assert check_fortran(text) == [], text
    assert text.startswith("program main\nimplicit none\n") and text.endswith("end program main")


def test_greedy_top_k_candidates_are_distinct_and_ranked() -> None:
    grammar, schemas = case("bash")
    out = generate(model(), tokenizer(), "list files", grammar, n=3, temperature=0.0, max_new_tokens=64)
    assert not isinstance(out, DecodingError)
    assert len({g.text for g in out}) == len(out) >= 2
    finished = [g for g in out if g.finished]
    assert [g.score for g in finished] == sorted((g.score for g in finished), reverse=True)
    assert all(check_bash(g.text, schemas) == [] for g in finished)


def test_forced_text_takes_the_fast_path() -> None:
    grammar, _ = case("fortran")
    out = generate(model(), tokenizer(), "x", grammar, temperature=1.0, seed=1, max_new_tokens=MAX_NEW_TOKENS)
    assert out[0].forced_tokens >= 3  # "program main\nimplicit none\n" is forced
    assert out[0].timings.mask_us and out[0].timings.compile_s > 0


def test_unconstrained_mode_is_plain_sampling() -> None:
    out = generate(model(), tokenizer(), "x", None, temperature=1.0, seed=0, max_new_tokens=20)
    assert out[0].forced_tokens == 0 and out[0].timings.mask_us == []


def test_vocabulary_mismatch_is_an_error_value() -> None:
    small = random_llama(100)
    out = generate(small, tokenizer(), "x", case("bash")[0])
    assert isinstance(out, DecodingError) and out.kind == "vocabulary"
    assert "1000 tokens but the model only 100" in out.message


def test_grammar_that_does_not_compile_is_an_error_value() -> None:
    out = generate(model(), tokenizer(), "x", "start: /[unclosed/")
    assert isinstance(out, DecodingError) and out.kind == "grammar"


def test_empty_language_is_an_error_value() -> None:
    out = generate(model(), tokenizer(), "x", 'start: x::0\nx::_: "a" %if bit_set(0)')
    assert isinstance(out, DecodingError) and out.kind == "empty_language"


def test_masks_stay_computable_with_a_real_vocabulary_after_an_operand() -> None:
    # llguidance's default item limit gave up after `find .` with the 16k code tokenizer and five
    # commands' flags: only end-of-text stayed allowed, and every Bash output stopped there
    import numpy as np
    from transformers import PreTrainedTokenizerFast

    from codegen.decoding import compile_grammar, ll_tokenizer
    from codegen.training.tokenizer.artifacts import tokenizer_file

    tok = PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_file("code-16k")), eos_token="<|endoftext|>")
    matcher = compile_grammar(
        build_grammar("bash", pick("bash", *DECODING_CASES["bash"])).text, ll_tokenizer(tok, len(tok))
    )
    assert not isinstance(matcher, DecodingError)
    assert matcher.consume_tokens(tok("find .", add_special_tokens=False).input_ids)
    allowed = np.unpackbits(np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8), bitorder="little")
    assert not matcher.is_error()
    assert allowed[tok.convert_tokens_to_ids(tok.tokenize(" -"))[0]]  # a flag may follow


def _bigrams(ids: list[int]) -> list[tuple[int, int]]:
    return list(itertools.pairwise(ids))


def test_no_repeat_ngram_keeps_every_output_bigram_unique() -> None:
    tok = tokenizer()
    loopy = random_llama(len(tok), seed=3)  # no EOS bias: runs to the limit, repeating itself
    plain = generate(loopy, tok, "a request", None, max_new_tokens=60)[0]
    assert len(set(_bigrams(plain.token_ids))) < 59  # greedy decoding of this model loops
    fixed = generate(loopy, tok, "a request", None, max_new_tokens=60, no_repeat_ngram=2)[0]
    assert len(fixed.token_ids) == 60 and len(set(_bigrams(fixed.token_ids))) == 59


def test_no_repeat_ngram_yields_to_the_grammar() -> None:
    # the grammar allows only one continuation: a repeat is taken rather than no token at all
    grammar = 'start: "ab" "ab" "ab" "ab"'
    tok = tokenizer()
    out = generate(model(), tok, "a request", grammar, max_new_tokens=40, no_repeat_ngram=1)[0]
    assert out.text == "abababab" and out.finished


def test_a_low_budget_ends_at_the_first_accepting_point() -> None:
    tok = tokenizer()
    never_ends = random_llama(len(tok), seed=1)  # no EOS bias: it would write a's up to the limit
    grammar = 'start: "x" /a{1,200}/'
    cut = generate(never_ends, tok, "a request", grammar, max_new_tokens=12)[0]
    assert not cut.finished and cut.tokens == 12
    ended = generate(never_ends, tok, "a request", grammar, max_new_tokens=12, finish_reserve=4)[0]
    assert ended.finished and 8 <= ended.tokens <= 12 and ended.text.startswith("xa")


def test_token_slices_leave_every_mask_unchanged() -> None:
    # the slicer only skips trie walks; a slice that a lexeme does not really contain would admit
    # tokens the grammar forbids
    import llguidance
    import llguidance.hf
    import numpy as np

    from codegen.decoding import TOKEN_SLICES
    from codegen.grammar.spec import PARSER_LIMITS

    tok = tokenizer()
    for lang in ("bash", "ansible"):
        grammar = case(lang)[0]
        out = generate(model(), tok, "a request", grammar, temperature=1.0, seed=5, max_new_tokens=80)
        ids = out[0].token_ids
        matchers = [
            llguidance.LLMatcher(
                llguidance.hf.from_tokenizer(tok, n_vocab=len(tok), slices=slices),
                grammar,
                log_level=0,
                limits=PARSER_LIMITS,
            )
            for slices in (TOKEN_SLICES, [])
        ]
        for token in ids:
            sliced, plain = (np.frombuffer(m.compute_bitmask(), dtype=np.uint8) for m in matchers)
            assert np.array_equal(sliced, plain)
            assert all(m.consume_token(token) for m in matchers)


def test_a_cached_grammar_decodes_like_a_fresh_compilation() -> None:
    from codegen.decoding import _compiled

    grammar = case("bash")[0]
    _compiled.cache_clear()
    fresh = generate(model(), tokenizer(), "a request", grammar, temperature=1.0, seed=11, max_new_tokens=60)
    cached = generate(model(), tokenizer(), "a request", grammar, temperature=1.0, seed=11, max_new_tokens=60)
    assert _compiled.cache_info().hits >= 1
    assert [g.token_ids for g in fresh] == [g.token_ids for g in cached]


def test_a_low_budget_leans_towards_closing_what_is_open() -> None:
    tok = tokenizer()
    never_ends = random_llama(len(tok), seed=1)
    grammar = 'start: "\\"" /[a-z]{1,300}/ "\\""'  # ends only once the string is closed
    cut = generate(never_ends, tok, "a request", grammar, max_new_tokens=16)[0]
    assert not cut.finished
    ended = generate(never_ends, tok, "a request", grammar, max_new_tokens=16, finish_reserve=6)[0]
    assert ended.finished and ended.text.endswith('"') and ended.tokens <= 16


def _token_texts(texts: list[bytes]):
    from codegen.decoding import TokenTexts

    by_text: dict[bytes, list[int]] = {}
    for i, text in enumerate(texts):
        by_text.setdefault(text, []).append(i)
    return TokenTexts(texts, by_text)


def test_copy_bias_points_at_the_next_bytes_of_a_value_being_written() -> None:
    from codegen.decoding import CopyBias

    texts = _token_texts(
        [b"ls", b" ", b"/", b"etc", b"/etc", b"/local", b"time", b"local", b"7", b" /e", b"x"]
    )
    bias = CopyBias(["/etc/localtime", "7"], texts, 2.0, len(texts.texts), continue_bias=5.0)
    # at a boundary: the longest token that begins each value
    fresh = bias.boost([0, 1])
    assert {i for i in range(len(fresh)) if fresh[i]} == {4, 8} and fresh[4] == 2.0
    # after a word, only a token with its own leading space begins a value
    assert bias.boost([0]).nonzero()[0].tolist() == [9]
    # "/e" + "tc/" spelled by other tokens than the value's: still begun, finished by any spelling
    begun = bias.boost([0, 1, 2, 3, 2])
    assert begun.nonzero()[0].tolist() == [7] and begun[7] == 5.0
    # a prefix inside a word does not count as begun ("x/e" is no start of "/etc/..."), nor does one byte
    assert bias.boost([0, 1, 10, 4]).nonzero()[0].tolist() == [9]  # "ls x/etc": only a new " /e…"
    one_byte = CopyBias(["src", "/x"], _token_texts([b"ls", b" ", b"s", b"rc", b"/", b"x"]), 2.0, 6)
    assert one_byte.boost([0, 1, 2])[3] == 0.0
    assert one_byte.boost([0, 1, 4])[5] == 0.0  # a "/" the model chose itself
    assert one_byte.boost([0, 1])[4] == 2.0  # ... and one it was offered
    assert one_byte.boost([0, 1, 4])[5] == 2.0
    # a value written whole is not pushed again
    assert bias.boost([0, 1, 4, 5, 6, 1, 8]).tolist() == [0.0] * len(texts.texts)


def test_copy_bias_ignores_what_is_not_visible() -> None:
    from codegen.decoding import CopyBias
    from codegen.values import without_task_names

    texts = _token_texts([b"- name: remove /run/x\n", b"  path:", b" /run/x", b" /", b"run", b"/x"])
    bias = CopyBias(["/run/x"], texts, 3.0, len(texts.texts), visible=without_task_names)
    assert bias.boost([0, 1])[2] == 3.0  # the name line's copy of the request does not count
    assert not bias.boost([0, 1, 2]).any()


def test_a_strong_copy_bias_writes_the_requests_value() -> None:
    tok = tokenizer()
    value = "/var/log/app"
    plain = generate(model(), tok, "a request", None, max_new_tokens=30)[0]
    assert value not in plain.text
    copied = generate(model(), tok, "a request", None, max_new_tokens=30, values=[value], copy_bias=100.0)[0]
    assert value in copied.text
    # inside a grammar the bias only chooses among allowed tokens
    grammar = 'start: "ls " /[a-z\\/]{1,20}/'
    out = generate(model(), tok, "a request", grammar, max_new_tokens=30, values=[value], copy_bias=100.0)[0]
    assert out.text.startswith("ls ") and value in out.text


def test_a_model_that_would_end_early_gets_the_text_closed_and_ended() -> None:
    tok = tokenizer()
    wants_to_end = random_llama(len(tok), seed=1, eos_id=tok.eos_token_id, eos_bias=50.0)
    grammar = 'start: "\\"" /[a-z]{1,300}/ "\\""'  # may end only once the string is closed
    carried_on = generate(wants_to_end, tok, "a request", grammar, max_new_tokens=40)[0]
    assert not carried_on.finished and carried_on.tokens == 40
    reserve_only = generate(wants_to_end, tok, "a request", grammar, max_new_tokens=40, finish_reserve=4)[0]
    assert reserve_only.tokens > 40 - 4  # the reserve alone acts at the end of the budget
    ended = generate(
        wants_to_end, tok, "a request", grammar, max_new_tokens=40, finish_reserve=4, end_with_model=True
    )[0]
    assert ended.finished and ended.text.endswith('"') and ended.tokens < 40 - 4


def test_a_text_the_model_ends_inside_a_string_is_closed_by_the_shortest_run() -> None:
    tok = tokenizer()
    wants_to_end = random_llama(len(tok), seed=1, eos_id=tok.eos_token_id, eos_bias=50.0)
    # a find -exec line: the quote and then the `+` that ends the command must both come
    grammar = 'start: "find . -exec rm \'" /[a-z]{1,300}/ "\' +"'
    ended = generate(
        wants_to_end, tok, "a request", grammar, max_new_tokens=200, finish_reserve=4, end_with_model=True
    )[0]
    assert ended.finished and ended.text.endswith("' +"), ended.text
    # one word token (the least the grammar asks), then the closing run: no text the model never meant
    assert ended.tokens - ended.forced_tokens == 1, ended.text


def test_text_the_grammar_forced_is_not_banned_from_repeating() -> None:
    import numpy as np

    from codegen.decoding import _Decoder
    from codegen.model.causal_lm import as_causal_lm

    lm = as_causal_lm(model())
    logits, cache = lm.forward([1], lm.start(), all_logits=False)
    decoder = _Decoder(
        model=lm, tokenizer=tokenizer(), matcher=None, cache=cache, logits=logits[-1], vocab=lm.vocab_size,
        rng=np.random.default_rng(0), temperature=0.0, top_k=None, first_rank=0, no_repeat_ngram=2,
    )  # fmt: skip
    free = np.zeros(lm.vocab_size, dtype=np.float32)
    decoder._advance([5, 6], 100, chosen=False)  # forced: an Ansible task's name line, say
    decoder._advance([5], 100)
    assert np.isfinite(decoder._without_repeats(free)[6])  # writing the forced words again is no loop
    decoder._advance([6], 100)
    decoder._advance([5], 100)
    assert not np.isfinite(decoder._without_repeats(free)[6])  # repeating its own words is


def test_a_request_value_in_progress_may_repeat_the_models_own_words() -> None:
    import numpy as np

    from codegen.decoding import CopyBias, _Decoder
    from codegen.model.causal_lm import as_causal_lm

    lm = as_causal_lm(model())
    logits, cache = lm.forward([1], lm.start(), all_logits=False)
    texts = _token_texts([b"x", b"ab", b"/", b" "] + [b"?"] * (lm.vocab_size - 4))
    copier = CopyBias(["ab/ab/ab"], texts, 4.0, lm.vocab_size, continue_bias=16.0)
    decoder = _Decoder(
        model=lm, tokenizer=tokenizer(), matcher=None, cache=cache, logits=logits[-1], vocab=lm.vocab_size,
        rng=np.random.default_rng(0), temperature=0.0, top_k=None, first_rank=0, no_repeat_ngram=2,
        copier=copier,
    )  # fmt: skip
    free = np.zeros(lm.vocab_size, dtype=np.float32)
    for token in (1, 2, 1, 2):  # "ab/ab/": the value begun, and the model's own 2-gram "/" "ab" seen
        decoder._advance([token], 100)
    boost = copier.boost(decoder.tokens)
    assert copier.continuing and boost[1] > 0
    assert not np.isfinite(decoder._without_repeats(free)[1])  # the ban alone would cut the value
    assert np.isfinite(decoder._without_repeats(free, exempt=boost > 0)[1])


def test_a_choice_is_only_written_on_its_keys_line() -> None:
    from codegen.decoding import CopyBias

    texts = _token_texts([b"  name:", b" ", b"restarted", b"\n", b"  state:", b" 'x'"])
    bias = CopyBias(["restarted"], texts, 3.0, len(texts.texts), keys={"restarted": "state"})
    assert not bias.boost([0, 1]).any()  # `name: restarted` is no service state
    assert bias.boost([0, 1, 5, 3, 4, 1])[2] == 3.0
