"""Python 3.12+ syntax read on the 3.11 the scanner runs on.

Releases of popular projects already use PEP 695 type parameters (``def f[**P, R](...)``,
``class Box[T]:``) and ``type`` aliases. Python 3.11's parser rejects them, and a package file
that does not parse is reported unread (high), so every such release was an alarm. The type
parameter lists are pure annotations: removing them (and turning ``type X = ...`` into
``X = ...``) changes no call, import or string, keeps every line and column before the cut, and
lets the analyser read the rest. Nothing here runs the code.
"""

from __future__ import annotations

import re

# `def name[`, `async def name[`, `class Name[`: a type parameter list follows.
_GENERIC_DEF = re.compile(r"^(\s*(?:async\s+)?(?:def|class)\s+[A-Za-z_]\w*)\[", re.MULTILINE)
# `type Alias = ...` / `type Alias[T] = ...` at the start of a statement (a soft keyword).
_TYPE_ALIAS = re.compile(r"^(\s*)type\s+([A-Za-z_]\w*)\s*(\[)?", re.MULTILINE)
MAX_DOWNLEVEL_BYTES = 16 * 1024 * 1024


def _closing(text: str, start: int) -> int | None:
    """Index of the ``]`` closing the ``[`` at ``start`` (None: not closed on sane terms)."""
    depth = 0
    for i in range(start, min(len(text), start + 2000)):
        c = text[i]
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
            if depth == 0:
                return i if c == "]" else None
        elif c in "\"'#":
            return None  # type parameters hold no strings or comments
    return None


def downlevel(text: str) -> str | None:
    """``text`` with PEP 695 syntax rewritten for Python 3.11's parser, or None when it holds
    none (or is too large to bother)."""
    if len(text) > MAX_DOWNLEVEL_BYTES or ("[" not in text and "type " not in text):
        return None
    out: list[str] = []
    pos = 0
    cuts: list[tuple[int, int, str]] = []
    for m in _GENERIC_DEF.finditer(text):
        end = _closing(text, m.end() - 1)
        if end is not None:
            cuts.append((m.end() - 1, end + 1, ""))
    for m in _TYPE_ALIAS.finditer(text):
        after = m.end()
        params_end = after
        if m.group(3):
            close = _closing(text, after - 1)
            if close is None:
                continue
            params_end = close + 1
        rest = text[params_end : params_end + 80].lstrip(" \t")
        if not rest.startswith("=") or rest.startswith("=="):
            continue  # `type(x)`, `type = 3`... are ordinary code
        # "type X[T] = v" -> "X = v": drop the keyword and the parameters
        cuts.append((m.start() + len(m.group(1)), m.start(2), ""))
        if m.group(3):
            cuts.append((after - 1, params_end, ""))
    if not cuts:
        return None
    for start, end, repl in sorted(cuts):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(repl)
        pos = end
    out.append(text[pos:])
    return "".join(out)
