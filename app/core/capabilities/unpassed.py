"""Branches a load-time call never takes: ``if p is not None:`` where no call passes ``p``.

A function the module calls on load runs with the arguments those calls pass and no others.
PySimpleGUI ends with ``theme(theme_global())``: ``theme_global(new_theme=None)`` shows an
error window only under ``if new_theme is not None:``, and reading that window's event loop as
load-time code made its screenshot hotkey a screen capture on import. Where every call that
runs on load leaves a parameter out, its default holds: a branch taken only when the parameter
was given (``if p is not None``, ``if p``) does not run then. Nothing is run; a parameter the
function rebinds, a call with ``*args`` or ``**kw``, a function handed on as a value, called by
another module or decorated keeps every branch.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

from app.core.capabilities.pytree import children, walk

__all__ = ["given_guard", "live_nodes", "unpassed_params"]

# Statement fields holding statements (or handlers and match cases, which hold statements).
_BODIES = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _given(test: ast.AST, dead: frozenset[str]) -> bool:
    """Whether ``test`` holds only when one of the ``dead`` parameters was given: ``p is not
    None``, ``p`` itself, or an ``and`` with one of those."""
    if type(test) is ast.Name:
        return test.id in dead
    if type(test) is ast.Compare and len(test.ops) == 1 and type(test.ops[0]) is ast.IsNot:
        left, right = test.left, test.comparators[0]
        none = type(right) is ast.Constant and right.value is None
        return none and type(left) is ast.Name and left.id in dead
    if type(test) is ast.BoolOp and type(test.op) is ast.And:
        return any(_given(v, dead) for v in test.values)
    return False


def given_guard(test: ast.AST, dead: frozenset[str]) -> bool:
    """:func:`_given` for a caller with an empty ``dead`` set as the common case."""
    return bool(dead) and _given(test, dead)


def live_nodes(stmts: list[ast.stmt], dead: frozenset[str]) -> list[ast.AST]:
    """The nodes of ``stmts`` that may run when no ``dead`` parameter was passed: every
    statement, with the body of an ``if`` only a given parameter opens left out (its test and
    ``else`` kept). Nested definitions are kept whole (their own parameters may share a name)."""
    out: list[ast.AST] = []
    for s in stmts:
        if type(s) is ast.If and _given(s.test, dead):
            out.append(s.test)
            out.extend(live_nodes(s.orelse, dead))
            continue
        if isinstance(s, _SCOPES) or not any(getattr(s, f, None) for f in _BODIES):
            out.append(s)
            continue
        for name, value in ast.iter_fields(s):
            if name not in _BODIES:
                if isinstance(value, ast.AST):
                    out.append(value)
                elif type(value) is list:
                    out.extend(v for v in value if isinstance(v, ast.AST))
                continue
            for item in value:
                if isinstance(item, ast.stmt):
                    out.extend(live_nodes([item], dead))
                else:  # an except handler or a match case: its head, then its statements
                    out.extend(c for c in children(item) if not isinstance(c, ast.stmt))
                    out.extend(live_nodes(item.body, dead))
    return out


def _none_defaults(func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, int | None]:
    """Parameters defaulting to ``None``: name -> position (None for keyword-only)."""
    a = func.args
    positional = a.posonlyargs + a.args
    out: dict[str, int | None] = {}
    for i, d in enumerate(a.defaults, len(positional) - len(a.defaults)):
        if type(d) is ast.Constant and d.value is None:
            out[positional[i].arg] = i
    for arg, kd in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if type(kd) is ast.Constant and kd.value is None:
            out[arg.arg] = None
    return out


def _passes(site: ast.Call, name: str, position: int | None) -> bool | None:
    """Whether the call passes the parameter; None when it cannot be told (``*a``, ``**kw``)."""
    if any(type(a) is ast.Starred for a in site.args) or any(k.arg is None for k in site.keywords):
        return None
    if position is not None and position < len(site.args):
        return True
    return any(k.arg == name for k in site.keywords)


def _rebound(func: ast.AST) -> set[str]:
    """Names the function assigns, deletes or declares global or nonlocal."""
    out: set[str] = set()
    for n in walk(func):
        if type(n) is ast.Name and type(n.ctx) is not ast.Load:
            out.add(n.id)
        elif type(n) is ast.Global or type(n) is ast.Nonlocal:
            out.update(n.names)
    return out


def _values(tree: ast.Module) -> set[str]:
    """Names read as a value somewhere (not only called): ``f`` in ``map(f, xs)``."""
    called = {id(n.func) for n in walk(tree) if type(n) is ast.Call}
    return {
        n.id
        for n in walk(tree)
        if type(n) is ast.Name and type(n.ctx) is ast.Load and id(n) not in called
    }


def unpassed_params(
    tree: ast.Module,
    top: Mapping[str, ast.AST],
    sites: Mapping[str, list[ast.Call]],
    unknown: Iterable[str],
) -> dict[str, frozenset[str]]:
    """{function: parameters no load-time call passes, that a branch tests}, for the
    functions called on load by name (``sites``: each one's calls that run on load). A function
    some call reaches with arguments unknown (``unknown``: a callback taker, another module, a
    method) or named as a value anywhere keeps all its parameters."""
    candidates: dict[str, frozenset[str]] = {}
    skip = set(unknown)
    for name, calls in sites.items():
        func = top.get(name)
        if (
            name in skip
            or not calls
            or not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        ):
            continue
        if func.decorator_list:
            continue
        params = _none_defaults(func)
        dead = frozenset(
            p for p, pos in params.items() if all(_passes(c, p, pos) is False for c in calls)
        )
        if dead and any(type(n) is ast.If and _given(n.test, dead) for n in walk(func)):
            candidates[name] = dead - _rebound(func)
    candidates = {k: v for k, v in candidates.items() if v}
    if candidates:
        values = _values(tree)
        candidates = {k: v for k, v in candidates.items() if k not in values}
    return candidates
