"""Small AST helpers shared by the Python analyser's parts."""

from __future__ import annotations

import ast
import copy
import re
from collections import deque
from collections.abc import Iterator
from typing import cast

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


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` (breadth first, the same order) over :func:`children`: without the
    context and operator leaves, which no caller looks at, and at half the cost."""
    todo = deque([node])
    popleft, extend = todo.popleft, todo.extend
    while todo:
        n = popleft()
        extend(children(n))
        yield n


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


# Names under which a module or class keeps documentation as data (a plugin's DOCUMENTATION,
# EXAMPLES and RETURN read by its documentation tool, a CLI's USAGE or EPILOG text).
_DOC_NAME_RE = re.compile(
    r"^_*(DOC|DOCS|DOCUMENTATION|EXAMPLES?|USAGE|HELP|EPILOG|RETURN|DESCRIPTION|NOTES)(_[A-Z0-9_]*)?$"
)


def table_strings(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[ast.Constant]:
    """The string literals of ``KNOWN_LOCATIONS = [(Kind, "/etc/crontab"), ...]``: a list,
    tuple or set of three entries or more bound to one name. Such a table is data the
    module looks things up in (where a system keeps its crontabs); by itself it acts on
    nothing, whatever its entries name. Empty for anything else."""
    value = node.value
    if not (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(value, ast.List | ast.Tuple | ast.Set)
        and len(value.elts) >= 3
    ):
        return []
    return [n for n in ast.walk(value) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


# A bare host name: labels joined by dots, no scheme, no path, no port.
_HOST_RE = re.compile(r"(?:[A-Za-z0-9_-]{1,63}\.){1,8}[A-Za-z][A-Za-z0-9-]{0,62}\.?")
_HOST_TABLE_MIN = 20


def host_table_strings(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[ast.Constant]:
    """The entries of a table of host names bound to a name, at any scope: a list, tuple or
    set (or ``frozenset({...})``) of 20 entries or more, nine in ten of them bare host names
    (``"0-mail.com", "webhook.site", ...``). A disposable-mail blocklist or a list of suffixes
    names a request catcher as one domain among hundreds to compare an address with; an
    address code sends to is a URL (``https://webhook.site/<id>``), which no entry here is.
    Empty for anything else."""
    value = node.value
    if type(value) is ast.Call and len(value.args) == 1 and not value.keywords:
        value = value.args[0]
    if not (
        isinstance(value, ast.List | ast.Tuple | ast.Set) and len(value.elts) >= _HOST_TABLE_MIN
    ):
        return []
    hosts = [
        e
        for e in value.elts
        if type(e) is ast.Constant and type(e.value) is str and _HOST_RE.fullmatch(e.value)
    ]
    return hosts if len(hosts) >= 0.9 * len(value.elts) else []


def doc_constant(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> ast.Constant | None:
    """The text of ``DOCUMENTATION = '''...'''``-like assignments: a literal of three lines
    or more bound only to names that say documentation (or ``__doc__``). Like a docstring, it
    documents (an example webhook URL, a credentials file the user may point to); nothing
    reads it as an address. A one-line URL under such a name is not documentation."""
    value = node.value
    if not (
        isinstance(node, ast.Assign)
        and isinstance(value, ast.Constant)
        and isinstance(value.value, str)
        and value.value.count("\n") >= 2
    ):
        return None
    names = [t.id if isinstance(t, ast.Name) else "" for t in node.targets]
    ok = all(n == "__doc__" or _DOC_NAME_RE.match(n) for n in names)
    return value if ok else None


# How large a lambda called in place may grow when its arguments are put in (a parameter used
# many times in nested packers would copy its argument each time).
_MAX_INLINED_NODES = 4000


class _PutArguments(ast.NodeTransformer):
    """Replaces each load of a parameter by (a copy of) its argument; a nested lambda that
    binds the same name again keeps its own."""

    def __init__(self, values: dict[str, ast.expr]) -> None:
        self.values = values
        self.nodes = 0

    def visit_Name(self, node: ast.Name) -> ast.AST:
        value = self.values.get(node.id)
        if value is None or not isinstance(node.ctx, ast.Load):
            return node
        self.nodes += sum(1 for _ in ast.walk(value))
        if self.nodes > _MAX_INLINED_NODES:
            raise OverflowError
        return ast.copy_location(copy.deepcopy(value), node)

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        a = node.args
        own = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
        own |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
        outer = self.values
        self.values = {k: v for k, v in outer.items() if k not in own}
        try:
            self.generic_visit(node)
        finally:
            self.values = outer
        return node


# An inlined call grows past this many nodes: not read as what it computes. A self-application
# (metaflow's Z combinator ``(lambda f: f(f))(lambda f: lambda obj: ... f(f)(v) ...)``)
# reproduces itself four times larger at every inlining, without end.
MAX_INLINED_NODES = 5_000


def _larger_than(node: ast.AST, limit: int) -> bool:
    """Whether ``node`` holds more than ``limit`` nodes (counted no further than that)."""
    stack, seen = [node], 0
    while stack:
        seen += 1
        if seen > limit:
            return True
        stack.extend(children(stack.pop()))
    return False


def inline_lambda_call(call: ast.Call) -> ast.expr | None:
    """``(lambda a, b=D: BODY)(x)`` read as ``BODY`` with ``x`` for ``a`` and ``D`` for ``b``:
    what the call computes, so that ``(lambda c: exec(c))(b64decode(...))`` reaches the sink
    with its argument, as one-line packers nest it. Lambdas called again in the result are
    read the same way (``(lambda x: (lambda y: exec(y))(x))(...)``). None when the call does
    not match the parameters (stars, keywords, a count that differs) or grows past
    :data:`MAX_INLINED_NODES`."""
    expr: ast.expr = call
    for _ in range(64):
        if not (type(expr) is ast.Call and type(expr.func) is ast.Lambda):
            return expr if expr is not call else None
        lam, args = expr.func, expr.args
        a = lam.args
        params = a.posonlyargs + a.args
        if (
            a.vararg or a.kwarg or a.kwonlyargs or expr.keywords
            or any(type(x) is ast.Starred for x in args)
            or len(args) > len(params)
            or len(params) - len(args) > len(a.defaults)
        ):  # fmt: skip
            return expr if expr is not call else None
        defaults = dict(
            zip([p.arg for p in params][len(params) - len(a.defaults) :], a.defaults, strict=True)
        )
        values = {**defaults, **{p.arg: v for p, v in zip(params, args, strict=False)}}
        try:
            expr = _PutArguments(values).visit(copy.deepcopy(lam.body))
        except (OverflowError, RecursionError):
            return None
        if _larger_than(expr, MAX_INLINED_NODES):
            return None
    return None


def inline_function_call(call: ast.Call, fn: ast.AST) -> ast.expr | None:
    """``decode("...")`` for ``def decode(s, k=7): return <expr>``: the returned expression
    with the call's arguments (or the defaults) in place of the parameters, so that a
    module's own one-line decoder (a keyed shift over a literal) folds as written inline.
    None for anything but a plain function of one ``return`` (a docstring aside)."""
    if type(fn) is not ast.FunctionDef or fn.decorator_list:
        return None
    body = fn.body[1:] if fn.body and _is_docstring(fn.body[0]) else fn.body
    if len(body) != 1 or type(body[0]) is not ast.Return or body[0].value is None:
        return None
    lam = ast.Lambda(args=fn.args, body=body[0].value)
    return inline_lambda_call(ast.Call(func=lam, args=call.args, keywords=call.keywords))


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        type(stmt) is ast.Expr
        and type(stmt.value) is ast.Constant
        and isinstance(stmt.value.value, str)
    )


def _literal(node: ast.AST) -> bool:
    """A value written out in full: constants in lists, tuples, sets and dicts (no name, no
    call, no operation but a sign), which binding computes nothing from."""
    stack = [node]
    while stack:
        n = stack.pop()
        t = type(n)
        if t is ast.Constant:
            continue
        if t is ast.List or t is ast.Tuple or t is ast.Set:
            stack.extend(cast(ast.List, n).elts)
        elif t is ast.Dict:
            d = cast(ast.Dict, n)
            if any(k is None for k in d.keys):
                return False  # {**other}: a name's value
            stack.extend(cast(list[ast.expr], d.keys))
            stack.extend(d.values)
        elif t is ast.UnaryOp:
            stack.append(cast(ast.UnaryOp, n).operand)
        else:
            return False
    return True


def data_module_strings(tree: ast.Module) -> set[int]:
    """The strings of a data module's tables: a module whose every statement binds names to
    literals (beside its docstring), as a generator writes a catalogue out as Python
    (assemblyline's attack_map.py, the MITRE ATT&CK techniques with their descriptions). It
    imports, calls and defines nothing, so loading it does nothing but bind the names, and no
    code of it uses a string as a command, a path or an address: each is text held, like a
    value in a JSON file. What reads the table is code elsewhere, and is judged there. Only
    the entries of a table (a list, tuple, set or dict of three entries or more, as
    :func:`table_strings`) count: a lone ``URL = "..."`` is one setting's value. Empty for any
    other module (most stop at their first statement, an import)."""
    tables: list[ast.expr] = []
    for s in tree.body:
        if type(s) is ast.Expr and type(s.value) is ast.Constant:
            continue  # the docstring, or a string statement
        if not (type(s) is ast.Assign or type(s) is ast.AnnAssign) or s.value is None:
            return set()
        targets = s.targets if isinstance(s, ast.Assign) else [s.target]
        if not all(type(t) is ast.Name for t in targets) or not _literal(s.value):
            return set()
        v = s.value
        entries = v.keys if type(v) is ast.Dict else getattr(v, "elts", ())
        if len(entries) >= 3:
            tables.append(v)
    return {
        id(n) for v in tables for n in walk(v) if type(n) is ast.Constant and type(n.value) is str
    }


def is_main_guard(test: ast.AST) -> bool:
    """``if __name__ == "__main__":`` (also inside an ``and``)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(is_main_guard(v) for v in test.values)
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def lambda_depth(node: ast.Lambda) -> int:
    """How deep lambdas nest inside ``node``, counting a lambda that is the body of the one
    around it (``lambda a: lambda b: ...``) or is called in place (``(lambda a: ...)(x)``),
    the shapes one-line packers emit. A lambda handed to a call as an argument (a parser
    combinator's ``lambda p: self.optional(p, lambda p: ...)``) is a callback, not a wrapper:
    it adds no depth."""
    depth = 0
    cur: ast.AST | None = node
    seen = 0
    stack: list[tuple[ast.AST, int]] = [(node, 1)]
    while stack and seen < 10000:
        cur, d = stack.pop()
        seen += 1
        depth = max(depth, d)
        wraps = cur.body if isinstance(cur, ast.Lambda) else None
        called = cur.func if isinstance(cur, ast.Call) else None
        for c in children(cur):
            deeper = isinstance(c, ast.Lambda) and (c is wraps or c is called)
            stack.append((c, d + 1 if deeper else d))
    return depth
