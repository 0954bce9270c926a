"""Ansible YAML corpus text: each installed module's EXAMPLES, split by module FQCN."""

from __future__ import annotations

from collections.abc import Iterator

from codegen.docs.ansible_discovery import installed_collections, module_files
from codegen.docs.ansible_docstring import DocReadError, read_module_doc
from codegen.splits import split_of
from codegen.training.corpus.document import Document


def example_documents() -> Iterator[Document]:
    for collection in installed_collections():
        for name, path in module_files(collection.modules_dir).items():
            try:
                doc = read_module_doc(path)
            except DocReadError:
                continue
            text = doc.examples if doc else ""
            if text.strip():
                fqcn = f"{collection.name}.{name}"
                source = f"ansible:{collection.name}=={collection.version}"
                yield Document("ansible", fqcn, text.strip("\n") + "\n", split_of(fqcn), source)
