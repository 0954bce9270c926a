"""Corpus builders: training text per language, split by name, de-duplicated, cached under $DSLGEN_HOME.

Built corpora live in the cache; `corpora/<name>.json` in the repository records what went in
(sources, versions, licences, sizes) so a build can be checked and repeated.
"""
