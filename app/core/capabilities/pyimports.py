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
# Names asked of one module before its calls are all read in one pass instead of one search each.
_ONE_PASS_AFTER = 64
# Calls of one module checked by walking up before its lines are all read in one pass.
_WALKS_BEFORE_TABLE = 16
_ATTR_CALL_RE = re.compile(r"(?<![\w.])([^\W\d]\w*)\.(\w+)\s*\(")


class _LoadTable:
    """:func:`_runs_on_load` for every line of a module at once, for modules asked about many
    calls: one pass down the lines keeps the chain of enclosing blocks (each less indented than
    the one inside it, as the walk up finds them) and whether one of them does not run on load."""

    def __init__(self, text: str, quotes: list[int]) -> None:
        self.text = text
        self.quotes = quotes
        self.starts: list[int] = []
        self.loads: list[bool] = []
        chain: list[tuple[int, bool]] = []  # (indent, not run on load) of the enclosing blocks
        off = 0  # how many of them do not run on load
        start = 0
        while start != -1:
            end = text.find("\n", start)
            line = text[start:] if end == -1 else text[start:end]
            body = line.lstrip(" \t")
            quoted = bisect.bisect_left(quotes, start) % 2
            if body and body[0] in ")]}" and not quoted:  # opens no block; its own calls count
                level = len(line) - len(body)
                self.starts.append(start)
                self.loads.append(not any(b for lv, b in chain if lv < level))
            elif body and body[0] != "#" and not quoted:
                level = len(line) - len(body)
                while chain and chain[-1][0] >= level:
                    off -= chain.pop()[1]
                self.starts.append(start)
                self.loads.append(not off)
                blocks = bool(_NOT_ON_LOAD_RE.match(body)) or "lambda" in body
                chain.append((level, blocks))
                off += blocks
            start = -1 if end == -1 else end + 1

    def runs(self, pos: int) -> bool:
        if bisect.bisect_left(self.quotes, pos) % 2:
            return False
        start = self.text.rfind("\n", 0, pos) + 1
        head = self.text[start:pos].lstrip(" \t")
        if "lambda" in head or head.startswith(("def ", "async def ", "#")):
            return False
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and self.starts[i] == start and self.loads[i]


class _Calls:
    """Where one module calls a bare name or ``module.attr``, found in one pass each and
    asked per import: a generated ``__init__`` importing thousands of names must not cost a
    search of the whole text per name (that was quadratic: minutes on an SDK's model index)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._quotes: list[int] | None = None
        self._names: dict[str, list[int]] | None = None
        self._attrs: dict[str, list[tuple[str, int]]] | None = None
        self._on_load: dict[int, bool] = {}
        self._one_pass = False
        self._load_table: _LoadTable | None = None
        self._attrs_one_pass = False

    @property
    def quotes(self) -> list[int]:
        """Where triple-quoted strings open and close, found when a call is first checked."""
        if self._quotes is None:
            self._quotes = [q.start() for q in _TRIPLE_QUOTE_RE.finditer(self.text)]
        return self._quotes

    def _runs(self, pos: int) -> bool:
        known = self._on_load.get(pos)
        if known is None:
            if len(self._on_load) < _WALKS_BEFORE_TABLE:
                known = _runs_on_load(self.text, pos, self.quotes)
            else:
                known = self._table().runs(pos)
            self._on_load[pos] = known
        return known

    def _table(self) -> _LoadTable:
        if self._load_table is None:
            self._load_table = _LoadTable(self.text, self.quotes)
        return self._load_table

    def names(self, names: list[str]) -> set[str]:
        """Those of ``names`` that the module calls while it loads."""
        if self._names is None:
            self._names = {}
        if len(self._names) + len(names) > _ONE_PASS_AFTER and not self._one_pass:
            self._one_pass = True  # an index importing hundreds of names: read every call once
            found: dict[str, list[int]] = {}
            for m in _CALL_RE.finditer(self.text):
                found.setdefault(m.group(1), []).append(m.start())
            self._names = found
        if not self._one_pass:
            for n in names:
                if n not in self._names:
                    self._names[n] = _calls_of(self.text, n)
        return {n for n in names if any(self._runs(p) for p in self._names.get(n, ()))}

    def attributes(self, module: str) -> set[str]:
        """Functions of the module imported as ``module`` that this one calls while it loads
        (``core.run()`` after ``from . import core``)."""
        if self._attrs is None:
            self._attrs = {}
        if len(self._attrs) > _ONE_PASS_AFTER and not self._attrs_one_pass:
            self._attrs_one_pass = True
            found: dict[str, list[tuple[str, int]]] = {}
            for m in _ATTR_CALL_RE.finditer(self.text):
                found.setdefault(m.group(1), []).append((m.group(2), m.start()))
            self._attrs = found
        if not self._attrs_one_pass and module not in self._attrs:
            at = re.finditer(re.escape(module) + r"\.(\w+)\s*\(", self.text)
            self._attrs[module] = [
                (m.group(1), m.start()) for m in at if _starts_a_name(self.text, m.start())
            ]
        return {a for a, p in self._attrs.get(module, ()) if self._runs(p)}


def _calls_of(text: str, name: str) -> list[int]:
    """Where ``text`` calls ``name`` (``name(`` or ``name (``, the whole name): found with
    ``str.find``, not a pattern compiled per name (thousands of imported names would each
    cost a compile)."""
    out = []
    at = text.find(name)
    while at != -1:
        after = text[at + len(name) : at + len(name) + 80].lstrip()
        if after[:1] == "(" and _starts_a_name(text, at):
            out.append(at)
        at = text.find(name, at + 1)
    return out


def _starts_a_name(text: str, pos: int) -> bool:
    """Whether a name found at ``pos`` is the whole name, not the end of a longer one or an
    attribute (``text`` starts with a line end, so ``pos`` is never 0)."""
    before = text[pos - 1]
    return not (before.isalnum() or before in "_.")


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
