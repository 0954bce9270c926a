"""Two indexes from the same sources: the one users get, and the one evaluation and training read.

- product (the default): every example the sources have, so an everyday command or module the
  evaluation holds out by name (`ls`, `wc`, `ansible.builtin.template`) still has its tldr page's and
  module's examples, and NL2Bash's training pairs that run it.
- evaluation: examples of held-out (dev/test) names dropped and those NL2Bash pairs left out, so the
  unseen-command and unseen-module dev sets measure what they claim. `dslgen eval`, `dslgen train` and
  the benchmarks open this one: what the model and the ranker learn from and what they are measured
  on stay apart.
The everyday dev/test items (NL2Bash's own dev/test split, the dev/test roles of the real-task corpus)
are in neither. Each profile has its own directory under $DSLGEN_HOME and its own stamp.
"""

from __future__ import annotations

import os

PROFILE_ENV = "DSLGEN_INDEX_PROFILE"
PRODUCT = "product"
EVALUATION = "evaluation"
PROFILES = (PRODUCT, EVALUATION)


def index_profile() -> str:
    """The profile this process opens ($DSLGEN_INDEX_PROFILE; product by default)."""
    profile = os.environ.get(PROFILE_ENV, "").strip().lower() or PRODUCT
    if profile not in PROFILES:
        from codegen.errors import InputError

        raise InputError(f"{PROFILE_ENV}={profile!r}: use one of {', '.join(PROFILES)}")
    return profile


def use_evaluation_index() -> None:
    """Open the evaluation index from now on in this process and the processes it starts."""
    os.environ[PROFILE_ENV] = EVALUATION


def drops_held_out() -> bool:
    return index_profile() == EVALUATION
