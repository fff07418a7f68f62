"""setup.py's syntax tree, parsed once for the passes that read it beside the analyser.

Two artifact-wide passes read setup.py as a tree: which files it executes or imports
(:mod:`.reach`, before the files are analysed) and which requirements it declares
(:mod:`.requirements`, after). Each parsed and walked it on its own: a typosquat's 67 kB
setup.py cost more in those two passes than in its analysis. Now the first one parses it and
lists its nodes, the second gets the same tree and list, and the scan forgets them when it
ends (:func:`forget`), so no tree outlives its scan. One entry per thread (the app scans on
several threads at once), and only for a setup.py of ordinary size.
"""

from __future__ import annotations

import ast
import threading

from app.core.astparse import parse_python
from app.core.capabilities.parsebounds import ast_refusal
from app.core.capabilities.pytree import walk

_memo = threading.local()
# Only a setup.py up to this size is remembered: its tree lives through the per-file pass,
# beside the trees the analyser builds (a larger one is parsed by each pass, as before).
MAX_REMEMBERED_CHARS = 256 * 1024


def setup_nodes(text: str) -> list[ast.AST] | None:
    """Every node of ``text``'s tree (the module first, then breadth first as ``ast.walk``,
    without context and operator leaves), or None when it is refused by the parse bounds or
    does not parse."""
    last = getattr(_memo, "last", None)
    if last is not None and (last[0] is text or last[0] == text):
        return last[1]
    nodes: list[ast.AST] | None
    if ast_refusal(text):  # the parser's memory is unbounded
        nodes = None
    else:
        try:
            nodes = list(walk(parse_python(text)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            nodes = None
    if len(text) <= MAX_REMEMBERED_CHARS:
        _memo.last = (text, nodes)
    return nodes


def forget() -> None:
    """Drop this thread's remembered tree (the end of a scan)."""
    _memo.last = None
