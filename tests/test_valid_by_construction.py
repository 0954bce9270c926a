"""`valid: true` holds up against Ansible itself: constrained generations from a random model, under
the grammar the pipeline builds for one module, are checked by codegen's validator and by an
independent oracle (tests/ansible_oracle.py: the module's real argument spec through Ansible's
ArgumentSpecValidator, plus the action plugin's checks). Whenever the validator says valid, the
oracle must accept; benchmarks/valid_by_construction.py --default-model runs the same check on 200
real requests with the default model."""

from __future__ import annotations

import pytest

from codegen.decoding import DecodingError, generate
from codegen.grammar import build_grammar
from codegen.validate import validate
from tests.ansible_oracle import refusals
from tests.test_ansible_actions import BY_NAME
from tests.test_decoding import model, tokenizer

# modules with action-plugin rules, a required_if, exclusive and one-of groups (real ansible-doc data)
MODULES = (
    "ansible.builtin.copy",
    "ansible.builtin.systemd_service",
    "ansible.builtin.unarchive",
    "ansible.builtin.service",
    "ansible.posix.mount",
    "ansible.builtin.apt",
    "ansible.builtin.lineinfile",
    "ansible.builtin.iptables",
)
SEEDS = range(4)
MAX_NEW_TOKENS = 768


@pytest.fixture(scope="module")
def outcomes() -> list[tuple[str, str, bool, list[str]]]:
    """(module, text, validator's verdict, oracle's refusals) of each finished generation."""
    found = []
    for name in MODULES:
        record = BY_NAME[name]
        grammar = build_grammar("ansible", [record], task_name="a request").text
        for seed in SEEDS:
            out = generate(
                model(),
                tokenizer(),
                "a request",
                grammar,
                temperature=1.0,
                seed=seed,
                max_new_tokens=MAX_NEW_TOKENS,
                finish_reserve=MAX_NEW_TOKENS // 8,
            )
            assert not isinstance(out, DecodingError), out
            gen = out[0]
            if gen.finished:
                verdict = validate("ansible", gen.text, [record])
                found.append((name, gen.text, verdict.ok, refusals(gen.text)))
    return found


def test_what_the_validator_calls_valid_ansible_accepts(outcomes) -> None:
    wrong = [(name, text, refused) for name, text, ok, refused in outcomes if ok and refused]
    assert wrong == []


def test_the_grammar_writes_what_ansible_accepts(outcomes) -> None:
    """Not vacuous: most outputs finish, and the grammar's outputs are valid and accepted."""
    assert len(outcomes) >= len(MODULES) * len(SEEDS) // 2
    refused = [(name, text, r) for name, text, _, r in outcomes if r]
    assert refused == []
    assert all(ok for _, _, ok, _ in outcomes), [(n, t) for n, t, ok, _ in outcomes if not ok]
