"""Optional dependencies: serving runs on numpy, llguidance and tokenizers alone; torch, transformers and
sentence-transformers come with the `train` extra and are asked for only by what needs them."""

from __future__ import annotations

import importlib.util

from codegen.errors import InputError

# pip resolves a bare `torch` to the CUDA build (gigabytes); the CPU index keeps a laptop install small
TRAIN_INSTALL = (
    "pip install torch --index-url https://download.pytorch.org/whl/cpu && pip install 'dslgen[train]' "
    "(or `bash scripts/install.sh --train` in a checkout)"
)


def missing(*modules: str) -> list[str]:
    """The modules of `modules` that are not installed (found without importing them)."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def require_training_stack(purpose: str, *modules: str) -> None:
    """Raise a clear InputError when `purpose` needs modules of the `train` extra that are missing."""
    absent = missing(*(modules or ("torch", "transformers")))
    if absent:
        raise InputError(
            f"{purpose} needs {' and '.join(absent)}, which the serving install leaves out: {TRAIN_INSTALL}"
        )
