"""Code behind an opt-in debug switch: it does not run when the package is imported.

``if os.environ.get("PKG_DEBUG"): log = open(tempfile.gettempdir() + "/pkg.log", "w")`` runs
only where someone set the package's debug, trace or verbose variable: a developer asking for
it, never a victim who installs the package. Malware wants to run everywhere, so it does not
hide its payload behind a switch nobody sets; where it tests the environment it does so to
stay away (``if not os.getenv("CI")``) or to aim (``if os.getenv("APPDATA")``), and neither
shape is an opt-in. Only a positive test of a variable whose name says debug, trace or
verbose counts, or of one named for the package itself (``CLOUDPATHLIB_PATCH_OPEN`` in
``cloudpathlib``: a switch only its own users know of, where a payload would need a variable
every victim has set); a default that is set (``os.getenv("PKG_X", "1")``) makes it no
opt-in. The body is walked as code that is not run on import (its hits keep their own
severity, and chains in the file still form). :func:`opt_in_test_line` reads the same tests as
text, for the import-time reader that parses nothing (:mod:`.pyimports`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

_OPT_IN_VAR_RE = re.compile(r"DEBUG|TRACE|TRACING|VERBOSE", re.IGNORECASE)
_ENV_GETTERS = ("os.environ.get", "os.getenv", "os.environ.__getitem__")
# Calls that convert a value without changing whether it is set (int(...), .lower(), bool).
_CONVERTERS = {"int", "bool", "str", "float", "lower", "upper", "strip", "casefold"}


# The same tests as text: `if [bool(]os.environ.get("VAR"[, unset default])...` or
# `if "VAR" in os.environ`, then what keeps the test positive (":", "and", "==", "in").
_ENV_TEST_RE = re.compile(
    r"if\s+(?:(?:bool|int|str)\(\s*)?"
    r"(?:os\.(?:environ\.get|getenv)\(\s*[\"'](?P<var>\w+)[\"']\s*(?:,\s*(?P<default>[^()\n]*?)\s*)?\)"
    r"|[\"'](?P<bare>\w+)[\"']\s+in\s+os\.environ\b)"
    r"(?:\.\w+\(\))*\s*\)?\s*(?::|and\b|==|in\b)"
)
_UNSET_DEFAULTS = frozenset({"", '""', "''", "None", "False", "0", '"0"', "'0'"})


def package_prefix(path: str) -> str:
    """The package a module belongs to, as its environment variables start: ``CLOUDPATHLIB``
    for ``cloudpathlib/patches.py`` (``src/`` skipped); "" for a module at the top."""
    parts = path.split("/")
    if parts[0] == "src" and len(parts) > 2:
        parts = parts[1:]
    return parts[0].upper() if len(parts) > 1 and len(parts[0]) >= 3 else ""


def opt_in_name(name: str, prefix: str) -> bool:
    """Whether an environment variable called ``name`` is a switch nobody sets by default."""
    if _OPT_IN_VAR_RE.search(name):
        return True
    return bool(prefix) and name.upper().startswith(prefix + "_")


def opt_in_test_line(line: str, prefix: str) -> bool:
    """Whether ``line`` (stripped) is an ``if`` that holds only where an opt-in variable is set."""
    m = _ENV_TEST_RE.match(line)
    if m is None or (m.group("default") or "") not in _UNSET_DEFAULTS:
        return False
    return opt_in_name(m.group("var") or m.group("bare"), prefix)


def _unset_default(call: ast.Call) -> bool:
    """``os.getenv("X")`` or a default that is unset too (``""``, ``None``, ``"0"``...)."""
    if len(call.args) < 2:
        return True
    d = call.args[1]
    return isinstance(d, ast.Constant) and (not d.value or d.value == "0")


class OptInSwitches:
    """Recognises reads of opt-in variables and the ``if`` tests built on them.

    ``qualname`` resolves an expression to the name it reaches (the analyser's); names
    bound to such a read at module level are remembered with :meth:`bind`."""

    def __init__(self, qualname: Callable[[ast.AST], str | None], path: str = ""):
        self.qualname = qualname
        self.prefix = package_prefix(path)
        self.names: set[str] = set()

    def _opt_in_var(self, node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and opt_in_name(node.value, self.prefix)
        )

    def _unwrap(self, node: ast.AST) -> ast.AST:
        while isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in _CONVERTERS and node.args:
                node = node.args[0]
            elif isinstance(f, ast.Attribute) and f.attr in _CONVERTERS:
                node = f.value
            else:
                break
        return node

    def reads(self, node: ast.AST) -> bool:
        """Whether ``node`` is the value of an opt-in variable (or a name bound to one)."""
        node = self._unwrap(node)
        if isinstance(node, ast.Name):
            return node.id in self.names
        if isinstance(node, ast.Call) and node.args:
            return (
                self.qualname(node.func) in _ENV_GETTERS
                and self._opt_in_var(node.args[0])
                and _unset_default(node)
            )
        if isinstance(node, ast.Subscript):
            return self.qualname(node.value) == "os.environ" and self._opt_in_var(node.slice)
        return False

    def bind(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            (self.names.add if self.reads(value) else self.names.discard)(target.id)

    def test(self, node: ast.AST) -> bool:
        """Whether an ``if`` test holds only where an opt-in variable is set."""
        if isinstance(node, ast.BoolOp):
            parts = [self.test(v) for v in node.values]
            return any(parts) if isinstance(node.op, ast.And) else all(parts)
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                return False
            op, right = node.ops[0], node.comparators[0]
            if isinstance(op, ast.In) and self.qualname(right) == "os.environ":
                return self._opt_in_var(node.left)
            # PKG_DEBUG == "2", level in ("1", "true"): equal to a value someone sets
            return isinstance(op, ast.Eq | ast.In) and self.reads(node.left)
        return self.reads(node)
