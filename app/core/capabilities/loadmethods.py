"""Methods that run on import: ``Grabber()`` or ``Grabber().run()`` at a module's top level.

Stealers keep their whole payload in a class and start it with one line at column 0
(``TokenGrabber().grab_tokens()``, ``s = Stealer(); s.run()``). The analyser knows which
top-level *functions* run on load; this finds the *methods* that do, so that their code is
import-time code too (its requests, its credential paths, the strings it holds). Only the
module's own top-level classes count, and only calls that run on load: at module level (not in
a function nothing calls, not under ``if __name__ == "__main__":`` outside setup.py), in the
functions that run on load, and ``self.other()`` inside a method that runs. Nothing is run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping

from app.core.capabilities.pytree import children, walk

__all__ = ["methods_on_load"]

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# Constructing an instance runs these.
_CONSTRUCTION = ("__init__", "__new__", "__post_init__")


def methods_on_load(
    tree: ast.Module,
    functions_on_load: set[str],
    top_functions: Mapping[str, ast.AST],
    skip: Callable[[ast.AST], bool],
    live: Callable[[str, ast.AST], list[ast.AST]] | None = None,
) -> tuple[set[tuple[str, str]], set[str]]:
    """``({(class, method)} that run on load, {top-level functions those methods call})``.

    ``skip(node)`` says whether a module-level statement does not run on import (the
    ``__main__`` guard outside setup.py); ``live(name, function)``, which parts of a function
    that runs on load run then (all of it when not given)."""
    classes = {n.name: n for n in tree.body if type(n) is ast.ClassDef}
    if not classes:
        return set(), set()
    methods = {
        name: {
            m.name: m
            for m in node.body
            if type(m) is ast.FunctionDef or type(m) is ast.AsyncFunctionDef
        }
        for name, node in classes.items()
    }
    nodes = list(_module_level(tree.body, skip))
    for name in functions_on_load:
        func = top_functions.get(name)
        if func is not None:
            parts = live(name, func) if live is not None else [func]
            nodes.extend(n for part in parts for n in walk(part))
    instances: dict[str, str] = {}
    for node in nodes:
        if type(node) is ast.Assign and (cls := _constructed(node.value, classes)):
            instances.update({t.id: cls for t in node.targets if type(t) is ast.Name})
    work = [t for node in nodes if type(node) is ast.Call for t in _runs(node, classes, instances)]
    marked: set[tuple[str, str]] = set()
    functions: set[str] = set()
    while work:
        cls, meth = work.pop()
        body = methods[cls].get(meth)
        if body is None or (cls, meth) in marked:
            continue
        marked.add((cls, meth))
        for node in walk(body):
            if type(node) is ast.Call:
                if type(node.func) is ast.Name and node.func.id in top_functions:
                    functions.add(node.func.id)
                work.extend(_runs(node, classes, instances, cls))
    return marked, functions


def _module_level(body: list[ast.stmt], skip: Callable[[ast.AST], bool]) -> Iterator[ast.AST]:
    """Every node that runs when the module loads (definitions' bodies left out)."""
    stack: list[ast.AST] = [s for s in body if not isinstance(s, _DEFS) and not skip(s)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend([c for c in children(node) if not isinstance(c, _DEFS)])


def _constructed(value: ast.AST, classes: dict[str, ast.ClassDef]) -> str | None:
    if type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in classes:
        return value.func.id
    return None


def _runs(
    call: ast.Call,
    classes: dict[str, ast.ClassDef],
    instances: dict[str, str],
    current: str | None = None,
) -> list[tuple[str, str]]:
    """The (class, method) pairs one call runs."""
    func = call.func
    if (cls := _constructed(call, classes)) is not None:
        return [(cls, m) for m in _CONSTRUCTION]
    if type(func) is not ast.Attribute:
        return []
    owner = func.value
    if (cls := _constructed(owner, classes)) is not None:
        return [(cls, func.attr)]
    if type(owner) is ast.Name:
        if owner.id in instances:
            return [(instances[owner.id], func.attr)]
        if owner.id in classes:  # Grabber.start(): a class or static method
            return [(owner.id, func.attr)]
        if owner.id == "self" and current is not None:
            return [(current, func.attr)]
    return []
