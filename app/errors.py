"""Errors that the command line turns into one line on stderr and an exit code.

Core modules raise subclasses of :class:`VetbenchError` for input a user can fix (a missing
file, a corrupt archive, a bad option value). Anything else is a bug and may show a traceback.
"""

from collections.abc import Callable


class VetbenchError(Exception):
    """An error the user can act on; ``str(exc)`` is the whole message."""

    exit_code = 2


class UsageError(VetbenchError):
    """Unusable input on the command line."""


class Cancelled(VetbenchError):
    """Work stopped because its cancel hook said so (a newer selection, Cancel, Ctrl+C).

    The one cancellation type of Vetbench: the differ, the registry downloads and the window's
    background lanes all raise and catch this class, so no code has to match on a class name.
    """

    exit_code = 130


CancelHook = Callable[[], bool]
"""What long-running core functions poll: a callable that returns True once the work should stop."""
