"""The error corpus builders raise: the message says what failed and what to do."""

from codegen.errors import DslgenError


class CorpusError(DslgenError):
    """A corpus source cannot be fetched or read (pip failed, data file missing, archive unreadable)."""

    exit_code = 2
