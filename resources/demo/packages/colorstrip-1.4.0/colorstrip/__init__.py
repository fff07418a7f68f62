"""Strip ANSI colour codes from terminal output."""

import re

__version__ = "1.4.0"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip(text: str) -> str:
    """Return ``text`` without ANSI escape sequences."""
    return _ANSI.sub("", text)


def visible_length(text: str) -> int:
    """Length of ``text`` as the terminal shows it."""
    return len(strip(text))
