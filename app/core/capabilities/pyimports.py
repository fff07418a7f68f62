"""Which functions of a package run when another of its modules is imported.

``from .core import run`` then a call of ``run`` that the importing module makes while it loads
runs ``run`` on import. Malware wraps that call so that a column-0 reading misses it:
``try: run() except Exception: pass``, ``_ok = run()``, ``if sys.platform == "win32": run()``,
a class body (``class _C: run()``), a decorator (``@register("x")``), an alias
(``from .core import run as _r``) or the module (``from . import core`` then ``core.run()``).
A call counts when no ``def`` or ``lambda`` encloses it (found by the indentation of the lines
above it, read as text: nothing is parsed here), no ``if __name__ == "__main__"`` guard does and
no opt-in switch does (``if os.environ.get("PKG_PATCH_OPEN"):``, see :mod:`.pyoptin`).
"""

from __future__ import annotations

import bisect
import re

from app.core.capabilities.pyoptin import opt_in_test_line, package_prefix

# Both are matched on "\n" + text: a pattern that starts with a literal is searched for that
# literal at C speed, where a leading ^ is tried at every position (4x slower over a corpus).
_FROM_IMPORT_RE = re.compile(r"\nfrom\s+(\.*[\w.]*)\s+import\s+\(?([\w, \t]+)")
# How far up the enclosing blocks of one call are followed before it is taken as not on load.
_MAX_LINES_UP = 3000
_NOT_ON_LOAD_RE = re.compile(r"(?:async\s+)?def\s|if\s+__name__\s*==|if\s+['\"]__main__['\"]")
# A call of a name (not a method, not the end of a longer word) and of a module's function,
# searched in the text read backwards: "(" is a literal the engine skips to, where the leading
# look-behind of ``(?<![\w.])(\w+)\s*\(`` is tried at every position (5x slower). Both find
# the same calls: none overlaps another, each runs from a whole word to its "(".
_CALL_RE = re.compile(r"\(\s*(\w+)(?![\w.])")
_ATTRIBUTE_CALL_RE = re.compile(r"\(\s*(\w+)\.(\w+)(?![\w.])")
_WORD_RE = re.compile(r"\w+")
# A function defined at a module's top level (searched in "\n" + its text): only those can be
# what a load-time call of an imported name runs (the analyser follows nothing else).
_TOP_DEF_RE = re.compile(r"\n(?:async(?:[ \t]|\\\n)+)?def(?:[ \t]|\\\n)+(\w+)")
# What a walk up from a line and indentation learnt (:func:`_walk_up`): (steps to its answer,
# the answer), or (at least that many steps, None) where it ran out of lines to look at.
_Walk = tuple[int, bool | None]


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


def _runs_on_load(
    text: str,
    pos: int,
    quotes: list[int],
    walks: dict[tuple[int, int], _Walk] | None = None,
    prefix: str = "",
) -> bool:
    """Whether the call at ``pos`` of ``text`` ("\\n" + a module) runs when the module loads:
    neither its line nor any block above it is a ``def``, a ``lambda`` before the call or
    the ``__main__`` guard. Blocks are found by indentation, as Python reads them; a line
    inside a triple-quoted string (``quotes``: where they open and close) or closing a bracket
    (the ``) -> None:`` of a signature written over several lines) opens no block.
    ``walks``: what earlier walks up the same text learnt (:func:`_walk_up`); ``prefix``: the
    package's name as its environment variables start (:func:`.pyoptin.package_prefix`)."""
    if bisect.bisect_left(quotes, pos) % 2:
        return False  # in a docstring's example or a template
    start = text.rfind("\n", 0, pos) + 1
    line = text[start:pos]
    stripped = line.lstrip(" \t")
    if "lambda" in stripped or stripped.startswith(("def ", "async def ", "#")):
        return False  # (a decorator's call, "@register('x')", runs when the def is read)
    indent = len(line) - len(stripped)
    return _walk_up(text, start - 1, indent, quotes, {} if walks is None else walks, prefix)


def _walk_up(
    text: str,
    end: int,
    indent: int,
    quotes: list[int],
    walks: dict[tuple[int, int], _Walk],
    prefix: str = "",
) -> bool:
    """The blocks above the line ending at ``end`` (its indentation ``indent``), up to the
    module's level: whether none keeps the line from running on load, found within
    ``_MAX_LINES_UP`` lines.

    Where the walk goes on depends on the line it is at and the indentation it has come down
    to, nothing else: each is kept in ``walks`` with how many steps from it the answer came,
    and a later walk that reaches it takes that answer (within the same number of lines
    looked at). The calls of a name in a table of thousands of lines (a generated module's
    ``u("...")`` in every entry) each walked the same 3,000 lines up.
    """
    passed: list[tuple[int, int]] = []  # the states walked through, in order
    steps: int | None = None  # from the first state to the answer, when known
    answer = False
    step = 0
    while step < _MAX_LINES_UP:
        state = (end, indent)
        known = walks.get(state)
        if known is not None and known[1] is not None:
            steps, answer = step + known[0], known[1]
            break
        if known is not None and step + known[0] >= _MAX_LINES_UP:
            break  # no answer within the lines left
        passed.append(state)
        if indent == 0 or end <= 0:
            steps, answer = step, True
            break
        prev = text.rfind("\n", 0, end) + 1
        above = text[prev:end]
        end = prev - 1
        body = above.lstrip(" \t")
        step += 1
        if not body or body[0] in "#)]}" or bisect.bisect_left(quotes, prev) % 2:
            continue
        level = len(above) - len(body)
        if level < indent:
            if (
                _NOT_ON_LOAD_RE.match(body)
                or "lambda" in body
                or (body.startswith("if") and opt_in_test_line(body, prefix))
            ):
                steps, answer = step - 1, False
                break
            indent = level
    if steps is None:  # no answer within _MAX_LINES_UP: at least this many steps from each
        least = step + (known[0] if known is not None and step < _MAX_LINES_UP else 0)
        for i, state in enumerate(passed):
            before = walks.get(state)
            if before is None or before[0] < least - i:
                walks[state] = (least - i, None)
        return False
    for i, state in enumerate(passed):
        walks[state] = (steps - i, answer)
    return answer if steps < _MAX_LINES_UP else False


def _called_names(text: str, names: list[str], quotes: list[int], prefix: str = "") -> set[str]:
    """Those of ``names`` that the module calls while it loads (by a search of the names:
    :class:`_Calls` does it by one of all calls, where the names are words)."""
    out: set[str] = set()
    if not names:
        return out
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    for m in re.finditer(rf"(?<![\w.])({alt})\s*\(", text):
        if m.group(1) not in out and _runs_on_load(text, m.start(), quotes, None, prefix):
            out.add(m.group(1))
    return out


def _called_attributes(text: str, module: str, quotes: list[int], prefix: str = "") -> set[str]:
    """Functions of the module imported as ``module`` that this one calls while it loads
    (``core.run()`` after ``from . import core``; :class:`_Calls` finds them by one search
    of all calls, where ``module`` is a word)."""
    out = set()
    for m in re.finditer(rf"(?<![\w.]){re.escape(module)}\.(\w+)\s*\(", text):
        if m.group(1) not in out and _runs_on_load(text, m.start(), quotes, None, prefix):
            out.add(m.group(1))
    return out


def _triple_quotes(text: str) -> list[int]:
    """Where a triple quote (three double or three single quotes) starts in ``text``, found
    by ``str.find`` of each delimiter, in order: the two never overlap, and a pattern of both
    went through every character."""
    out: list[int] = []
    for delimiter in ('"""', "'''"):
        at = text.find(delimiter)
        while at >= 0:
            out.append(at)
            at = text.find(delimiter, at + 3)
    out.sort()
    return out


def _call_index(text: str, pattern: re.Pattern[str]) -> dict[str, list[tuple[str, int]]]:
    """Every call ``pattern`` finds in ``text`` read backwards, by its name or module: (the
    module's function or "", where the call starts in ``text``), in text order."""
    out: dict[str, list[tuple[str, int]]] = {}
    size = len(text)
    for m in pattern.finditer(text[::-1]):
        first = m.group(m.lastindex or 1)[::-1]
        second = m.group(1)[::-1] if m.lastindex == 2 else ""
        out.setdefault(first, []).append((second, size - m.end()))
    for calls in out.values():
        calls.reverse()
    return out


class _Calls:
    """The calls of one module (``"\\n"`` + its text), read once for all its imports.

    One search of every call-like word, then a lookup per imported name: a search of an
    alternation of the imported names, tried at every position of the text once per
    ``from . import`` (an SDK's ``__init__`` has hundreds, of dozens of names each), was
    most of a scan's CPU on such a package. The word ``\\w+`` matches before a blank or "("
    is the name the alternation matched there; where a name holds a character ``\\w`` does
    not (an identifier may hold a joining mark), the alternation is searched, as before.
    """

    def __init__(self, text: str, prefix: str = "") -> None:
        self.text = text
        self.prefix = prefix
        self.quotes = _triple_quotes(text)
        self._names: dict[str, list[tuple[str, int]]] | None = None
        self._attributes: dict[str, list[tuple[str, int]]] | None = None
        # answers so far: a name imported twice (or a module) is looked at once
        self._name_on_load: dict[str, bool] = {}
        self._attributes_on_load: dict[str, set[str]] = {}
        self._walks: dict[tuple[int, int], _Walk] = {}

    def names(self, names: list[str]) -> set[str]:
        """Those of ``names`` that the module calls while it loads."""
        if not names:
            return set()
        if not all(_WORD_RE.fullmatch(n) for n in names):
            return _called_names(self.text, names, self.quotes, self.prefix)
        if self._names is None:
            self._names = _call_index(self.text, _CALL_RE)
        return {name for name in names if self._on_load(name)}

    def _on_load(self, name: str) -> bool:
        known = self._name_on_load.get(name)
        if known is None:
            calls = self._names.get(name, ()) if self._names else ()
            known = any(
                _runs_on_load(self.text, at, self.quotes, self._walks, self.prefix)
                for _, at in calls
            )
            self._name_on_load[name] = known
        return known

    def attributes(self, module: str) -> set[str]:
        """Functions of the module imported as ``module`` that this one calls while it loads
        (``core.run()`` after ``from . import core``)."""
        if not _WORD_RE.fullmatch(module):
            return _called_attributes(self.text, module, self.quotes, self.prefix)
        if module in self._attributes_on_load:
            return set(self._attributes_on_load[module])
        if self._attributes is None:
            self._attributes = _call_index(self.text, _ATTRIBUTE_CALL_RE)
        out = set()
        for attr, at in self._attributes.get(module, ()):
            if attr not in out and _runs_on_load(
                self.text, at, self.quotes, self._walks, self.prefix
            ):
                out.add(attr)
        self._attributes_on_load[module] = out
        return set(out)


def import_time_calls(files: dict[str, str]) -> dict[str, frozenset[str]]:
    """``{module path: names}`` of functions that another module of the package imports and
    calls while it loads (see the module docstring): they run on import."""
    out: dict[str, set[str]] = {}
    top_defs: dict[str, frozenset[str]] = {}  # a module's top-level functions, read once

    def defined(target: str) -> frozenset[str]:
        names = top_defs.get(target)
        if names is None:
            names = top_defs[target] = frozenset(_TOP_DEF_RE.findall("\n" + files[target]))
        return names

    for path, text in files.items():
        if "import" not in text or "(" not in text:
            continue
        text = "\n" + text
        calls: _Calls | None = None  # read on the first import of the package's own module
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
                calls = _Calls(text, package_prefix(path))
            # a class or constant imported is none of the target's functions: its calls are
            # not looked for (a generated SDK imports hundreds of types per module)
            functions = set().union(*(defined(t) for t in targets))
            called = calls.names([n for n, name in local.items() if name in functions])
            for t in targets:
                if called:
                    out.setdefault(t, set()).update(local[n] for n in called)
                if t.endswith("__init__.py"):  # from . import core  ->  core.run()
                    folder = t[: -len("__init__.py")]
                    for alias, name in local.items():
                        subs = [f"{folder}{name}.py", f"{folder}{name}/__init__.py"]
                        subs = [f for f in subs if f in files and defined(f)]
                        attrs = calls.attributes(alias) if subs else set()
                        for f in subs if attrs else ():
                            out.setdefault(f, set()).update(attrs)
    return {k: frozenset(v) for k, v in out.items()}
