"""Where the toolkit keeps its cache ($DSLGEN_HOME, default: the user cache directory)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def home() -> Path:
    env = os.environ.get("DSLGEN_HOME")
    root = Path(env) if env else Path(platformdirs.user_cache_dir("dslgen"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def package_data(name: str) -> Path:
    return Path(__file__).parent / "docs" / "data" / name
