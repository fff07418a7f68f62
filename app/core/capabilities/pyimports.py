"""Which functions of a package run when another of its modules is imported.

``from .core import run`` then a call of ``run`` that the importing module makes while it loads
runs ``run`` on import. Malware wraps that call so that a column-0 reading misses it:
``try: run() except Exception: pass``, ``_ok = run()``, ``if sys.platform == "win32": run()``,
a class body (``class _C: run()``), a decorator (``@register("x")``), an alias
(``from .core import run as _r``) or the module (``from . import core`` then ``core.run()``).
A call counts when no ``def`` or ``lambda`` encloses it (found by the indentation of the lines
above it, read as text: nothing is parsed here) and no ``if __name__ == "__main__"`` guard does.
"""

from __future__ import annotations

import bisect
import re

# Both are matched on "\n" + text: a pattern that starts with a literal is searched for that
# literal at C speed, where a leading ^ is tried at every position (4x slower over a corpus).
_FROM_IMPORT_RE = re.compile(r"\nfrom\s+(\.*[\w.]*)\s+import\s+\(?([\w, \t]+)")
# How far up the enclosing blocks of one call are followed before it is taken as not on load.
_MAX_LINES_UP = 3000
_TRIPLE_QUOTE_RE = re.compile(r"\"\"\"|\'\'\'")
_NOT_ON_LOAD_RE = re.compile(r"(?:async\s+)?def\s|if\s+__name__\s*==|if\s+['\"]__main__['\"]")


def _targets(path: str, mod: str, files: dict[str, str]) -> list[str]:
    """The package's own files that ``from <mod> import`` in ``path`` names."""
    pkg = path.rsplit("/", 1)[0].split("/") if "/" in path else []
    dots = len(mod) - len(mod.lstrip("."))
    parts = mod.lstrip(".").split(".") if mod.strip(".") else []
    if dots:
        base = pkg[: len(pkg) - (dots - 1)] if dots - 1 <= len(pkg) else []
        candidates = ["/".join(base + parts)]
    else:
        candidates = ["/".join(parts), "src/" + "/".join(parts)]
    return [t for c in candidates for t in (f"{c}.py", f"{c}/__init__.py") if t in files]


def _runs_on_load(text: str, pos: int, quotes: list[int]) -> bool:
    """Whether the call at ``pos`` of ``text`` ("\\n" + a module) runs when the module loads:
    neither its line nor any block above it is a ``def``, a ``lambda`` before the call or
    the ``__main__`` guard. Blocks are found by indentation, as Python reads them; a line
    inside a triple-quoted string (``quotes``: where they open and close) or closing a bracket
    (the ``) -> None:`` of a signature written over several lines) opens no block."""
    if bisect.bisect_left(quotes, pos) % 2:
        return False  # in a docstring's example or a template
    start = text.rfind("\n", 0, pos) + 1
    line = text[start:pos]
    stripped = line.lstrip(" \t")
    if "lambda" in stripped or stripped.startswith(("def ", "async def ", "#")):
        return False  # (a decorator's call, "@register('x')", runs when the def is read)
    indent = len(line) - len(stripped)
    end = start - 1
    for _ in range(_MAX_LINES_UP):
        if indent == 0 or end <= 0:
            return True
        prev = text.rfind("\n", 0, end) + 1
        above = text[prev:end]
        end = prev - 1
        body = above.lstrip(" \t")
        if not body or body[0] in "#)]}" or bisect.bisect_left(quotes, prev) % 2:
            continue
        level = len(above) - len(body)
        if level < indent:
            if _NOT_ON_LOAD_RE.match(body) or "lambda" in body:
                return False
            indent = level
    return False


_CALL_RE = re.compile(r"(?<![\w.])([^\W\d]\w*)\s*\(")
_ATTR_CALL_RE = re.compile(r"(?<![\w.])([^\W\d]\w*)\.(\w+)\s*\(")


class _Calls:
    """Where one module calls a bare name or ``module.attr``, found in one pass each and
    asked per import: a generated ``__init__`` importing thousands of names must not cost a
    search of the whole text per name (that was quadratic: minutes on an SDK's model index)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.quotes = [q.start() for q in _TRIPLE_QUOTE_RE.finditer(text)]
        self._names: dict[str, list[int]] | None = None
        self._attrs: dict[str, list[tuple[str, int]]] | None = None
        self._on_load: dict[int, bool] = {}

    def _runs(self, pos: int) -> bool:
        known = self._on_load.get(pos)
        if known is None:
            known = self._on_load[pos] = _runs_on_load(self.text, pos, self.quotes)
        return known

    def names(self, names: list[str]) -> set[str]:
        """Those of ``names`` that the module calls while it loads."""
        if self._names is None:
            self._names = {}
            for m in _CALL_RE.finditer(self.text):
                self._names.setdefault(m.group(1), []).append(m.start())
        return {n for n in names if any(self._runs(p) for p in self._names.get(n, ()))}

    def attributes(self, module: str) -> set[str]:
        """Functions of the module imported as ``module`` that this one calls while it loads
        (``core.run()`` after ``from . import core``)."""
        if self._attrs is None:
            self._attrs = {}
            for m in _ATTR_CALL_RE.finditer(self.text):
                self._attrs.setdefault(m.group(1), []).append((m.group(2), m.start()))
        return {a for a, p in self._attrs.get(module, ()) if self._runs(p)}


def import_time_calls(files: dict[str, str]) -> dict[str, frozenset[str]]:
    """``{module path: names}`` of functions that another module of the package imports and
    calls while it loads (see the module docstring): they run on import."""
    out: dict[str, set[str]] = {}
    for path, text in files.items():
        if "import" not in text or "(" not in text:
            continue
        text = "\n" + text
        calls: _Calls | None = None
        for m in _FROM_IMPORT_RE.finditer(text):
            targets = _targets(path, m.group(1), files)
            if not targets:
                continue  # another distribution's module: not read here
            local: dict[str, str] = {}  # name in this module -> name in the imported one
            for part in m.group(2).split(","):
                bits = part.split()
                if bits and bits[0].isidentifier() and bits[-1].isidentifier():
                    local[bits[-1]] = bits[0]
            if calls is None:
                calls = _Calls(text)
            called = calls.names(list(local))
            for t in targets:
                if called:
                    out.setdefault(t, set()).update(local[n] for n in called)
                if t.endswith("__init__.py"):  # from . import core  ->  core.run()
                    folder = t[: -len("__init__.py")]
                    for alias, name in local.items():
                        subs = [f"{folder}{name}.py", f"{folder}{name}/__init__.py"]
                        subs = [f for f in subs if f in files]
                        attrs = calls.attributes(alias) if subs else set()
                        for f in subs if attrs else ():
                            out.setdefault(f, set()).update(attrs)
    return {k: frozenset(v) for k, v in out.items()}
