"""Errors that reach users. The CLI maps them to exit codes; nothing else prints them."""


class DslgenError(Exception):
    """Base class: the message is complete and user-facing."""

    exit_code = 1


class InputError(DslgenError):
    """Bad usage or input (empty/huge/binary request, unknown language, bad path): exit code 2."""

    exit_code = 2


class IndexUnavailable(DslgenError):
    """The documentation index is missing or corrupt and cannot be (re)built: exit code 2."""

    exit_code = 2
