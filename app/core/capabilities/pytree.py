"""Small AST helpers shared by the Python analyser's parts."""

from __future__ import annotations

import ast

_FIELDS: dict[type, tuple[str, ...]] = {}
_SKIP_FIELDS = {"ctx", "op", "ops", "kind", "type_comment"}


def children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` without the generator overhead of ``iter_fields`` and without
    the operator and load/store context leaves, which say nothing here."""
    cls = type(node)
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(f for f in cls._fields if f not in _SKIP_FIELDS)
    out = []
    for name in fields:
        v = getattr(node, name, None)
        if isinstance(v, ast.AST):
            out.append(v)
        elif type(v) is list:
            out.extend([x for x in v if isinstance(x, ast.AST)])
    return out


def identifiers(tree: ast.AST):
    """Every name in ``tree``: variables, attributes, functions and classes (with repeats)."""
    stack = [tree]
    while stack:
        n = stack.pop()
        stack.extend(children(n))
        if isinstance(n, ast.Name):
            yield n.id
        elif isinstance(n, ast.Attribute):
            yield n.attr
        elif isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            yield n.name
