"""Build the tokenizer/pretraining corpus: gather every source, de-duplicate, store, write the manifest.

The documents go to `$DSLGEN_HOME/corpora/<name>/documents.jsonl.gz`; the manifest (sources, versions,
licences, per-language sizes per split, de-duplication counts, every Fortran file) goes next to them
and, when asked, into the repository's `corpora/` directory.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from codegen.atomic import atomic_write_text
from codegen.paths import home
from codegen.splits import split_of
from codegen.training.corpus.ansible_yaml import example_documents
from codegen.training.corpus.document import LANGS, Document, read_documents, write_documents
from codegen.training.corpus.errors import CorpusError
from codegen.training.corpus.sdists import DEFAULT_SDISTS, Sdist, fetch, licence, source_files
from codegen.training.corpus.shell import nl2bash_documents, tldr_documents

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
REPO_CORPORA = REPO_ROOT / "corpora"  # where manifests are kept in the repository
Progress = Callable[[str], None]


def corpus_dir(name: str) -> Path:
    return home() / "corpora" / name


def documents_path(name: str) -> Path:
    return corpus_dir(name) / "documents.jsonl.gz"


def _sdist_documents(sdists: tuple[Sdist, ...], progress: Progress) -> tuple[list[Document], list[dict]]:
    documents: list[Document] = []
    sources = []
    for sdist in sdists:
        progress(f"fetching {sdist.spec}")
        archive = fetch(sdist, home() / "sdists")
        files = []
        for source in source_files(archive):
            doc_id = f"pypi:{sdist.spec}/{source.path}"
            split = split_of(f"file:{doc_id}")  # Fortran has no command/module names: split by file
            documents.append(Document(source.kind, doc_id, source.text, split, f"pypi:{sdist.spec}"))  # type: ignore[arg-type]
            files.append(
                {"path": source.path, "lang": source.kind, "bytes": len(source.text.encode()), "split": split}
            )
        sources.append(
            {
                "package": sdist.package,
                "version": sdist.version,
                "sdist": archive.name,
                "licence": licence(archive),
                "files": files,
            }
        )
    return documents, sources


def _sizes(documents: list[Document]) -> dict[str, dict[str, dict[str, int]]]:
    """Per language and split: number of documents and UTF-8 bytes."""
    sizes: dict[str, dict[str, dict[str, int]]] = {lang: {} for lang in LANGS}
    for doc in documents:
        entry = sizes[doc.lang].setdefault(doc.split, {"documents": 0, "bytes": 0})
        entry["documents"] += 1
        entry["bytes"] += len(doc.text.encode("utf-8"))
    return sizes


def build_corpus(
    name: str = "code-v1",
    data_dir: Path = DEFAULT_DATA_DIR,
    sdists: tuple[Sdist, ...] = DEFAULT_SDISTS,
    manifest_dir: Path | None = None,
    progress: Progress = lambda _msg: None,
) -> dict[str, Any]:
    """Gather, de-duplicate and store the corpus; return its manifest."""
    fortran_and_scripts, sdist_sources = _sdist_documents(sdists, progress)
    progress("reading tldr, NL2Bash and Ansible EXAMPLES")
    gathered = [
        *fortran_and_scripts,
        *tldr_documents(data_dir),
        *nl2bash_documents(data_dir),
        *example_documents(),
    ]
    progress(f"de-duplicating {len(gathered)} documents")
    from codegen.training.corpus.dedup import deduplicate  # datasketch: slow to import

    documents, report = deduplicate(gathered)
    write_documents(documents_path(name), documents)
    manifest = {
        "name": name,
        "documents": f"$DSLGEN_HOME/corpora/{name}/documents.jsonl.gz",
        "sources": {
            "pypi_sdists": sdist_sources,
            "tldr": {
                "file": "shared/data/bash/tldr_pages.jsonl.gz",
                "licence": "CC-BY-4.0 (tldr-pages team and contributors)",
            },
            "nl2bash": {"file": "shared/data/bash/nl2bash.jsonl.gz", "licence": "MIT"},
            "ansible_examples": _ansible_versions(documents),
        },
        "split": "codegen.splits: tldr by page, NL2Bash by the commands it runs, Ansible by module FQCN, "
        "sdist files by 'file:<id>'",
        "dedup": {"exact": report.exact, "near": report.near, "threshold": 0.85, "shingle": 5},
        "sizes": _sizes(documents),
    }
    text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    atomic_write_text(corpus_dir(name) / "manifest.json", text)
    if manifest_dir is not None:
        atomic_write_text(manifest_dir / f"{name}.json", text)
    return manifest


def _ansible_versions(documents: list[Document]) -> dict[str, Any]:
    collections = Counter(d.source for d in documents if d.lang == "ansible")
    return {
        "licence": "per collection (mostly GPL-3.0-or-later); EXAMPLES text of installed modules",
        "collections": dict(sorted(collections.items())),
    }


def load_corpus(name: str) -> Iterator[Document]:
    """The documents of a built corpus, by name (in the cache) or as a path to a documents.jsonl.gz."""
    path = Path(name) if name.endswith(".jsonl.gz") else documents_path(name)
    if not path.is_file():
        raise CorpusError(
            f"corpus {name!r} is not built ({path} missing): `dslgen tokenizer train` builds it, "
            "or call codegen.training.corpus.build.build_corpus()"
        )
    return read_documents(path)
