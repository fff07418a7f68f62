"""Wrappers that pass every call through: the shape of a library's own meta-programming.

Replacing a built-in (``builtins.__import__ = _imp``) at import hijacks the process, and
malware does it to see or change what every module gets. A serializer that records each
newly imported module, a profiler or a tracer does it too, with a wrapper that hands its own
arguments on unchanged to the original (``name, *args, **kwargs``) and returns what it
returned, from every ``return``. That shape, with nothing in the wrapper or in the module's
functions it calls that reaches the network, starts a program, reads secrets, writes outside
the package or runs code, watches calls without changing them. A wrapper that answers for
the original on some calls (a substituted module), changes an argument, or sends what it sees
out is no pass-through.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from app.core.capabilities.model import Hit, severity_rank

# Capability families whose hit in a wrapper (or a function it calls), at any severity, makes
# it more than a pass-through: it acts on what it sees (a request inside a function is only
# low). Running code (exec.*) counts from medium: the forwarded ``__import__`` is one, low.
_ACTING = ("net", "process", "cred", "collect", "persist", "fs", "obf")


def _forwards_own_arguments(call: ast.Call, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``f(a, b, *args, **kwargs)`` for ``def w(a, b, *args, **kwargs)``: every argument the
    wrapper got, in order and unchanged."""
    params = node.args
    if params.vararg is None or params.kwarg is None or params.kwonlyargs:
        return False
    names = [a.arg for a in params.posonlyargs + params.args]
    args = call.args
    if len(args) != len(names) + 1 or not all(
        isinstance(a, ast.Name) and a.id == n for a, n in zip(args, names, strict=False)
    ):
        return False
    last = args[-1]
    star = (
        isinstance(last, ast.Starred)
        and isinstance(last.value, ast.Name)
        and last.value.id == params.vararg.arg
    )
    kw = [
        k
        for k in call.keywords
        if not (k.arg is None and isinstance(k.value, ast.Name) and k.value.id == params.kwarg.arg)
    ]
    return star and not kw and len(call.keywords) == 1


def _own_nodes(node: ast.AST):
    """The nodes of a function's body, nested functions and classes left out."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        n = stack.pop()
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield n
        stack.extend(ast.iter_child_nodes(n))


def passes_calls_through(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether every ``return`` of ``node`` returns one call that got all of its arguments
    unchanged, directly or through a name bound to that call and never rebound."""
    results: set[str] = set()
    rebound: set[str] = set()
    returns: list[ast.Return] = []
    for n in _own_nodes(node):
        if isinstance(n, ast.Return):
            returns.append(n)
        elif isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            forwards = (
                isinstance(n, ast.Assign)
                and isinstance(n.value, ast.Call)
                and _forwards_own_arguments(n.value, node)
            )
            for t in targets:
                if isinstance(t, ast.Name):
                    (results if forwards and t.id not in results else rebound).add(t.id)
    good = results - rebound
    return bool(returns) and all(
        (isinstance(r.value, ast.Call) and _forwards_own_arguments(r.value, node))
        or (isinstance(r.value, ast.Name) and r.value.id in good)
        for r in returns
    )


# What a hook that only sees printed text would do to send it on or act on it.
_SENDING = frozenset({"net", "exec", "process", "cred", "collect"})


def _acts(hits: list[Hit]) -> bool:
    return any(
        h.capability.split(".")[0] in _ACTING
        or (h.capability.startswith("exec.") and severity_rank(h.severity) >= 2)
        for h in hits
        if severity_rank(h.severity) >= 1
    )


class CallWatchers:
    """The module's top-level functions and the hits in each body. Which pass calls through,
    and which of the module's functions each calls, is worked out only for a function that
    replaces a built-in (rare), so the walk costs nothing on other modules."""

    def __init__(self) -> None:
        self.nodes: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.hits: dict[str, list[Hit]] = {}

    def record(self, node: ast.FunctionDef | ast.AsyncFunctionDef, hits: list[Hit]) -> None:
        self.nodes[node.name] = node
        self.hits[node.name] = hits

    def _calls(self, name: str) -> set[str]:
        return {
            n.func.id
            for n in ast.walk(self.nodes[name])
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }

    def _reaches(self, name: str, found: Callable[[list[Hit]], bool]) -> bool:
        """Whether ``found`` holds for the hits of the function ``name`` or of any of the
        module's functions it calls, directly or through others."""
        seen, todo = set(), [name]
        while todo:
            f = todo.pop()
            if f in seen or f not in self.nodes:
                continue
            seen.add(f)
            if found(self.hits[f]):
                return True
            todo.extend(self._calls(f))
        return False

    def sends(self, name: str) -> bool:
        """Whether the function ``name``, or any of the module's functions it reaches, reaches
        the network, starts a program or runs code (what a print hook must not do)."""
        return self._reaches(
            name, lambda hits: any(h.capability.split(".")[0] in _SENDING for h in hits)
        )

    def only_watches(self, name: str) -> bool:
        """Whether the function ``name`` passes calls through and neither it nor any of the
        module's functions it reaches acts."""
        if name not in self.nodes or not passes_calls_through(self.nodes[name]):
            return False
        return not self._reaches(name, _acts)
