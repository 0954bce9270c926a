"""Let torch and ansible share a process.

ansible replaces `sys.intern` with a callable object on import (so tagged `str` subclasses intern);
torch._dynamo, which transformers and llguidance.torch load on first use, registers a substitute for
`sys.intern` and refuses anything but the builtin function. Loading torch._dynamo once with the
builtin in place makes the order of imports irrelevant.
"""

from __future__ import annotations

import importlib.util
import sys


def load_torch_dynamo() -> None:
    if "torch._dynamo" in sys.modules or importlib.util.find_spec("torch") is None:
        return  # already reconciled, or no torch to reconcile (the serving install)
    current = sys.intern
    # ansible's patch keeps the builtin as a class attribute of the patch object
    sys.intern = getattr(type(current), "unpatched_implementation", current)
    try:
        import torch._dynamo  # noqa: F401
    finally:
        sys.intern = current
