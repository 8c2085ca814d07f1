"""Errors that mean "the input or the request is wrong", not "the code is wrong".

The command line reports these as one line naming the file, key or option, and exits 2; every other exception keeps
its traceback, so a real bug is never reduced to a log line. Subclasses also derive from the built-in type a caller
would expect (``ValueError``, ``KeyError``, ``FileNotFoundError``), so ``except ValueError`` keeps working.
"""


class UsageError(Exception):
    """A bad option, config value or input file, explained in the message."""


class BadValue(UsageError, ValueError):
    """A value (option, override, config entry, file content) that is not allowed."""


class UnknownName(UsageError, KeyError):
    """A model, recipe, protocol or row name that does not exist; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class MissingFile(UsageError, FileNotFoundError):
    """An input file that is not there; the message says where it comes from."""


class UnknownOption(UsageError, TypeError):
    """A keyword option a constructor or recipe does not take; the message lists the accepted ones."""
