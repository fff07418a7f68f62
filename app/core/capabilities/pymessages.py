"""Module-level texts that a module only shows to a person.

``_DOCKER_SETUP_HINT = ("Docker is not installed ... e.g.:\\n  sudo systemctl enable --now
docker\\n")``, raised as ``RuntimeError(_DOCKER_SETUP_HINT)`` wherever the check fails
(matrice's docker_utils), tells an operator what to type; the module never runs it. The
string rules read "systemctl enable" in it as an autostart location, and since the name is
bound at module level, as one acted on at import. A name bound to a literal whose every read
in the module is a message (the exception a ``raise`` builds, or what ``print``, a logger or
``warnings.warn`` is handed) is text for a reader: a command in it is quoted, not run. A name
read anywhere else (handed to ``subprocess.run``, written to a file, returned) keeps its
literal's place.
"""

from __future__ import annotations

import ast

from app.core.capabilities.pytree import children

# Calls whose arguments are shown to a person (the last part of the called name).
_SHOWS = frozenset(
    {
        "print",
        "warn",
        "debug",
        "info",
        "warning",
        "error",
        "critical",
        "exception",
        "echo",
        "secho",
        "exit",
    }
)
# Nodes a text passes through unchanged in what it says (joined, formatted, concatenated).
_CARRY = (ast.BinOp, ast.JoinedStr, ast.FormattedValue)


def _called_name(call: ast.Call) -> str:
    f = call.func
    return f.id if type(f) is ast.Name else f.attr if type(f) is ast.Attribute else ""


def message_strings(tree: ast.Module) -> set[int]:
    """The ids of the module-level string literals bound to a name only ever shown."""
    consts: dict[str, ast.Constant] = {}
    for s in tree.body:
        if (
            type(s) is ast.Assign
            and len(s.targets) == 1
            and type(s.targets[0]) is ast.Name
            and type(s.value) is ast.Constant
            and type(s.value.value) is str
        ):
            consts[s.targets[0].id] = s.value
    if not consts:
        return set()
    shown: dict[str, bool] = {}
    # (node, the chain of its ancestors up to the nearest statement, innermost last)
    stack: list[tuple[ast.AST, tuple[ast.AST, ...]]] = [(s, ()) for s in tree.body]
    while stack:
        node, up = stack.pop()
        if type(node) is ast.Name and node.id in consts and type(node.ctx) is ast.Load:
            shown[node.id] = shown.get(node.id, True) and _is_shown(node, up)
            continue
        within = (node,) if isinstance(node, ast.stmt) else (*up, node)
        stack.extend((c, within) for c in children(node))
    return {id(consts[k]) for k, ok in shown.items() if ok}


def _is_shown(node: ast.AST, up: tuple[ast.AST, ...]) -> bool:
    """Whether ``node``'s text reaches, unchanged in meaning, an exception a ``raise`` builds
    or the arguments of a call that shows text."""
    i = len(up) - 1
    while i >= 0 and isinstance(up[i], _CARRY):
        node, i = up[i], i - 1
    if i < 0 or type(up[i]) is not ast.Call:
        return False
    call = up[i]
    assert isinstance(call, ast.Call)
    if node is call.func or not (node in call.args or any(k.value is node for k in call.keywords)):
        return False
    if _called_name(call) in _SHOWS:
        return True
    holder = up[i - 1] if i > 0 else None
    return type(holder) is ast.Raise and holder.exc is call
