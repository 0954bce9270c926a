"""Deterministic name-disjoint splits: Bash by tldr page (command) name, Ansible by module FQCN.

A name's split is a pure function of the name, so every stage (index, corpus, training, evaluation)
agrees without reading a file; `benchmarks/splits/` holds the resulting id lists for reference.
Held-out (dev and test) names keep their documentation in the index but lose their examples.
"""

from __future__ import annotations

import hashlib
from typing import Literal

Split = Literal["train", "dev", "test"]
SALT = "dslgen-split-v1"
DEV_SHARE = 100  # per mille
TEST_SHARE = 100  # per mille


def split_of(name: str) -> Split:
    bucket = int(hashlib.sha256(f"{SALT}:{name}".encode()).hexdigest(), 16) % 1000
    if bucket < DEV_SHARE:
        return "dev"
    if bucket < DEV_SHARE + TEST_SHARE:
        return "test"
    return "train"


def held_out(name: str) -> bool:
    return split_of(name) != "train"
