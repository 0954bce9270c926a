"""Documentation sources (Ansible, man pages, Fortran references) and the on-disk index."""

from codegen.docs.record import DSLS, DocRecord, Dsl, Example

__all__ = ["DSLS", "DocRecord", "Dsl", "Example"]
