"""One ``ast.parse`` at a time in this process.

CPython 3.11 before 3.11.8 keeps the AST constructor's recursion depth in per-interpreter
state (gh-106905): two threads building syntax trees at once, or one whose build fails midway,
leave it unbalanced, and a later parse raises ``SystemError: AST constructor recursion depth
mismatch``. The window scans on background lanes while another lane reads a release, so two
parses can overlap; one of them then failed and a moderator saw "Loading colorstrip:
SystemError" instead of the file. Parsing is done holding the GIL anyway, so serialising it
costs nothing; the command line scans in processes, one parse per process at a time.
"""

from __future__ import annotations

import ast
import threading

__all__ = ["parse_python"]

_LOCK = threading.Lock()
_build = ast.parse  # what builds the tree (a test slows it down to see overlaps)


def parse_python(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source, filename)``, never overlapping another thread's parse."""
    with _LOCK:
        return _build(source, filename=filename)
