"""Code behind an opt-in debug switch: it does not run when the package is imported.

``if os.environ.get("PKG_DEBUG"): log = open(tempfile.gettempdir() + "/pkg.log", "w")`` runs
only where someone set the package's debug, trace or verbose variable: a developer asking for
it, never a victim who installs the package. Malware wants to run everywhere, so it does not
hide its payload behind a switch nobody sets; where it tests the environment it does so to
stay away (``if not os.getenv("CI")``) or to aim (``if os.getenv("APPDATA")``), and neither
shape is an opt-in. Only a positive test of a variable whose name says debug, trace or
verbose counts; the body is walked as code that is not run on import (its hits keep their
own severity, and chains in the file still form).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

_OPT_IN_VAR_RE = re.compile(r"DEBUG|TRACE|TRACING|VERBOSE", re.IGNORECASE)
_ENV_GETTERS = ("os.environ.get", "os.getenv", "os.environ.__getitem__")
# Calls that convert a value without changing whether it is set (int(...), .lower(), bool).
_CONVERTERS = {"int", "bool", "str", "float", "lower", "upper", "strip", "casefold"}


def _opt_in_var(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(_OPT_IN_VAR_RE.search(node.value))
    )


class OptInSwitches:
    """Recognises reads of opt-in variables and the ``if`` tests built on them.

    ``qualname`` resolves an expression to the name it reaches (the analyser's); names
    bound to such a read at module level are remembered with :meth:`bind`."""

    def __init__(self, qualname: Callable[[ast.AST], str | None]):
        self.qualname = qualname
        self.names: set[str] = set()

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
            return self.qualname(node.func) in _ENV_GETTERS and _opt_in_var(node.args[0])
        if isinstance(node, ast.Subscript):
            return self.qualname(node.value) == "os.environ" and _opt_in_var(node.slice)
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
                return _opt_in_var(node.left)
            # PKG_DEBUG == "2", level in ("1", "true"): equal to a value someone sets
            return isinstance(op, ast.Eq | ast.In) and self.reads(node.left)
        return self.reads(node)
