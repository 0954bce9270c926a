"""Compiler-aware tokenization for Fortran, Bash and Ansible YAML (plus the English of requests).

tree-sitter finds lexemes in the training corpus and bounds the subword merges learned from it; the
shipped `tokenizer.json` holds the learned vocabulary and a regex pre-tokenizer, so inference needs
nothing but that file (transformers, llguidance).
"""
