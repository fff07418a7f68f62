"""Errors that the command line turns into one line on stderr and an exit code.

Core modules raise subclasses of :class:`VetbenchError` for input a user can fix (a missing
file, a corrupt archive, a bad option value). Anything else is a bug and may show a traceback.
"""


class VetbenchError(Exception):
    """An error the user can act on; ``str(exc)`` is the whole message."""

    exit_code = 2


class UsageError(VetbenchError):
    """Unusable input on the command line."""
