"""Wrappers that pass every call through: the shape of a library's own meta-programming.

Replacing a built-in (``builtins.__import__ = _imp``) at import hijacks the process, and
malware does it to see or change what every module gets. A serializer that records each
newly imported module, a profiler or a tracer does it too, with a wrapper that hands every
argument on to the original (``*args, **kwargs``) and returns what it returned. That shape,
with nothing in the wrapper's body that reaches the network, starts a program, reads secrets
or runs code, is a library watching calls, not one changing them; a wrapper that sends what
it sees out or answers for the original is no pass-through.
"""

from __future__ import annotations

import ast

from app.core.capabilities.model import Hit, severity_rank

# Capability families whose hit in a wrapper's body, at any severity, makes it more than a
# pass-through: it acts on what it sees (a request inside a function is only low). Running
# code (exec.*) counts from medium: the forwarded call to ``__import__`` is itself one, low.
_ACTING = ("net", "process", "cred", "collect", "persist", "fs", "obf")


def _forwards_all(call: ast.Call, vararg: str, kwarg: str) -> bool:
    star = any(
        isinstance(a, ast.Starred) and isinstance(a.value, ast.Name) and a.value.id == vararg
        for a in call.args
    )
    kw = any(
        k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwarg
        for k in call.keywords
    )
    return star and kw


def passes_calls_through(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``node`` hands all its arguments (``*args, **kwargs``) to one call and returns
    that call's result, directly or through one name."""
    params = node.args
    if params.vararg is None or params.kwarg is None:
        return False
    vararg, kwarg = params.vararg.arg, params.kwarg.arg
    results: set[str] = set()
    returned: set[str] = set()
    direct = False
    for n in ast.walk(node):
        if isinstance(n, ast.Return) and n.value is not None:
            if isinstance(n.value, ast.Call) and _forwards_all(n.value, vararg, kwarg):
                direct = True
            elif isinstance(n.value, ast.Name):
                returned.add(n.value.id)
        elif (
            isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Call)
            and len(n.targets) == 1
            and isinstance(n.targets[0], ast.Name)
            and _forwards_all(n.value, vararg, kwarg)
        ):
            results.add(n.targets[0].id)
    return direct or bool(results & returned)


def acts_in(hits: list[Hit]) -> bool:
    """Whether any of the hits found in a wrapper's body acts on what it sees."""
    return any(
        h.capability.split(".")[0] in _ACTING
        or (h.capability.startswith("exec.") and severity_rank(h.severity) >= 2)
        for h in hits
        if severity_rank(h.severity) >= 1
    )
