"""Dense vectors of an index's documents, for the retriever's dense fusion.

A document is embedded as "name: summary" (the short text that says what it is for; bodies are long
and mostly option lists). Each vector is stored with a hash of the model and that text, so a rebuild
embeds only new or changed documents: the first build embeds all ~40,000 (about 3 minutes here), a
rebuild after a package update a handful.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from codegen.embedding import BatchEncoder, Encoder, SentenceEncoder

# files per kind of text ("dense": the documents, "exemplar": the example requests): PREFIX-vectors.npy
# float32 [texts, dim], unit length, in table order; PREFIX-keys.npy 16-byte blake2b digests of (model,
# text); PREFIX-model.txt the model that wrote them
DOCUMENTS = "dense"
STAGES = {"dense": "embedding documents", "exemplar": "embedding example requests"}


def _files(prefix: str) -> tuple[str, str, str]:
    return f"{prefix}-vectors.npy", f"{prefix}-keys.npy", f"{prefix}-model.txt"


VECTORS, KEYS, MODEL = _files(DOCUMENTS)  # the documents' files


def document_text(name: str, summary: str) -> str:
    return f"{name}: {summary}" if summary else name


def text_key(model: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model}\n{text}".encode(), digest_size=16).digest()


def batch_encoder() -> Encoder:
    """The fastest encoder of the dense model for many documents: sentence-transformers when the
    `dense` extra brought it, else the numpy one."""
    if importlib.util.find_spec("sentence_transformers") is not None:
        return BatchEncoder()
    return SentenceEncoder()


def _previous(build: Path | None, prefix: str) -> tuple[str, dict[bytes, np.ndarray]]:
    """The model name and vectors by key of the previous build; empty when it has none or they cannot
    be read (a damaged previous build only costs re-embedding)."""
    if build is None:
        return "", {}
    try:
        found = read_vectors(build, prefix)
        if found is None:
            return "", {}
        keys = np.load(build / _files(prefix)[1])
    except (OSError, ValueError):
        return "", {}
    name, vectors = found
    if len(keys) != len(vectors):
        return "", {}
    return name, {bytes(k): vectors[i] for i, k in enumerate(keys)}


def write_vectors(
    build: Path,
    texts: Sequence[str],
    previous: Path | None,
    encoder: Callable[[], Encoder],
    progress: Callable[[str, int, int], None] | None = None,
    prefix: str = DOCUMENTS,
    model_name: str | None = None,
) -> None:
    """Write the vectors of `texts` into `build`, reusing the previous build's. `encoder` is only
    called (and the model only loaded) when some text has no vector yet. `model_name`, the name the
    encoder will have (when known without loading it), keeps a previous build's vectors of another
    model (an encoder overlay added or changed) from being reused."""
    if not texts:
        return  # no table: readers see no vectors (an index without example requests)
    vectors_file, keys_file, model_file = _files(prefix)
    stage = STAGES[prefix]
    name, old = _previous(previous, prefix)
    if model_name is not None and model_name != name:
        name, old = model_name, {}
    keys = [text_key(name, t) for t in texts]
    missing = [i for i, k in enumerate(keys) if k not in old]
    model: Encoder | None = None
    if missing:
        model = encoder()
        if model.name != name:  # another model: nothing of the previous build applies
            name = model.name
            keys = [text_key(name, t) for t in texts]
            missing = [i for i, k in enumerate(keys) if k not in old]
    dim = model.dim if model is not None else len(next(iter(old.values())))
    out = np.lib.format.open_memmap(
        build / vectors_file, mode="w+", dtype=np.float32, shape=(len(texts), dim)
    )
    for i, k in enumerate(keys):
        if k in old:
            out[i] = old[k]
    if model is not None and missing:
        done = 0
        if progress:
            progress(stage, 0, len(missing))

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(stage, done, len(missing))

        out[missing] = model.encode([texts[i] for i in missing], progress=advance)
    out.flush()
    del out  # closes the memory map before the build is published
    np.save(build / keys_file, np.array(keys, dtype="S16"))
    (build / model_file).write_text(name + "\n")


def read_vectors(build: Path, prefix: str = DOCUMENTS) -> tuple[str, np.ndarray] | None:
    """(model name, memory-mapped vectors) of a build, or None when it was built without them."""
    vectors_file, _, model_file = _files(prefix)
    try:
        name = (build / model_file).read_text().strip()
        return name, np.load(build / vectors_file, mmap_mode="r")
    except FileNotFoundError:
        return None
