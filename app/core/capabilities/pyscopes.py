"""Scopes and name resolution of the Python analyser: what a name in the code stands for.

:class:`Scope` is one module, class or function body: the names it binds to qualified names
(``sp`` -> ``subprocess``), the constants and integers it folds, the taint of each name.
:class:`NameResolution`, a mixin of :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer`,
looks names up through the open scopes and turns an expression into the qualified name it
reaches (``getattr(os, "sys" + "tem")`` -> ``os.system``, ``globals()["__builtins__"]``),
which every rule matches on. It is apart from the analyser's statement walk because it is a
self-contained question (given the scopes, what does this expression name?) that all the
rule mixins ask, and reads best without the walk and the emission around it.
"""

from __future__ import annotations

import ast

from app.core.capabilities.folding import Folded, Folder, to_text
from app.core.capabilities.pynames import IMPORT_SINKS

# Builtins the rules look at: a bare ``exec`` or ``open`` resolves to ``builtins.exec``.
_BUILTINS = {
    "exec",
    "eval",
    "compile",
    "__import__",
    "getattr",
    "open",
    "chr",
    "ord",
    "bytes",
    "bytearray",
    "str",
    "reversed",
    "globals",
    "locals",
    "vars",
    "execfile",
    "dict",
    "print",
    "repr",
    "setattr",
    "input",
    "map",
    "type",
}


# A setup.py block that runs only for a maintainer's command (``if sys.argv[-1] == "publish"``)
MAINTAINER = "maintainer"


class Scope:
    """One module, class or function body and what its names hold."""

    __slots__ = ("kind", "names", "consts", "ints", "taint", "executed", "install")

    def __init__(self, kind: str, executed: bool, install: bool = False):
        self.kind = kind  # module | class | function | maintainer
        self.names: dict[str, str] = {}
        self.consts: dict[str, Folded] = {}
        self.ints: dict[str, int] = {}  # OFFSET = 3, KEY = 0x2a: a cipher's key, folded
        self.taint: dict[str, frozenset[str]] = {}
        self.executed = executed
        self.install = install

    def export_class(self, cls: str, body: Scope) -> None:
        """What a class body bound, readable here as ``Cls.attr``: a payload kept in class
        attributes (``class _C: data = "..."; runner = exec``, then ``_C.runner(_C.data)``)
        folds and resolves as a module's own names do."""
        for attr, q in body.names.items():
            self.names[f"{cls}.{attr}"] = q
        for attr, f in body.consts.items():
            self.consts[f"{cls}.{attr}"] = f
        for attr, n in body.ints.items():
            self.ints[f"{cls}.{attr}"] = n


class NameResolution:
    """Name lookup through the open scopes, innermost first, and expression -> qualified name.

    The analyser fills ``scopes`` as it walks and folds constants with ``folder``.
    """

    scopes: list[Scope]
    folder: Folder

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    def in_install(self) -> bool:
        """Whether the code being walked runs at install time: inside an install scope
        (setup.py, a .pth, a build backend, an install command class), and not under a
        setup.py guard only a maintainer's own command passes (``MAINTAINER``)."""
        for s in reversed(self.scopes):
            if s.kind == MAINTAINER:
                return False
            if s.install:
                return True
        return False

    def _lookup_name(self, name: str) -> str | None:
        for s in reversed(self.scopes):
            if name in s.names:
                return s.names[name]
        if name in _BUILTINS:
            return f"builtins.{name}"
        if name in ("__builtins__", "builtins"):
            return "builtins"
        return None

    def _lookup_const(self, name: str) -> Folded | None:
        """The constant ``name`` holds, from the innermost scope that binds it: a function
        that binds the name itself to something that does not fold (``sig, msg =
        data.split(...)``, a parameter) hides a module constant of that name, as in Python
        (a cookie decoder's ``msg`` was read as the module's warning text, decoded, "run")."""
        for s in reversed(self.scopes):
            if name in s.consts:
                return s.consts[name]
            if name in s.taint:
                return None
        return None

    def _lookup_int(self, name: str) -> int | None:
        for s in reversed(self.scopes):
            if name in s.ints:
                return s.ints[name]
        return None

    def _lookup_taint(self, name: str) -> frozenset[str]:
        for s in reversed(self.scopes):
            if name in s.taint:
                return s.taint[name]
        return frozenset()

    # ------------------------------------------------------------------ names
    def qualname(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self._lookup_name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            if base is None and type(node.value) is ast.Name:  # Cls.attr (Scope.export_class)
                return self._lookup_name(f"{node.value.id}.{node.attr}")
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            q = self.qualname(node.func)
            if q in IMPORT_SINKS and node.args:
                v = self.folder.fold_value(node.args[0])
                return to_text(v) if v is not None else None
            if q == "builtins.getattr" and len(node.args) >= 2:
                base = self.qualname(node.args[0])
                attr = self.folder.fold_value(node.args[1])
                if base and attr is not None:
                    return f"{base}.{to_text(attr)}"
                return None
            if q in ("builtins.globals", "builtins.locals", "builtins.vars"):
                return (
                    "builtins"
                    if q != "builtins.vars" or not node.args
                    else self.qualname(node.args[0])
                )
            if q == "builtins.__import__" and not node.args:
                return None
            return f"{q}()" if q else None
        if isinstance(node, ast.Subscript):
            picked = _literal_item(node)
            if picked is not None:  # [exec][0], (os.system,)[-1], {"r": exec}["r"]
                return self.qualname(picked)
            base = self.qualname(node.value)
            key = self.folder.fold_value(node.slice)
            if base and key is not None:
                key = to_text(key)
                if base in ("builtins", "builtins.__dict__", "builtins.__builtins__"):
                    return "builtins" if key == "__builtins__" else f"builtins.{key}"
                if base == "sys.modules":
                    return key
                if base.endswith(".__dict__"):
                    return f"{base[:-9]}.{key}"
            return None
        return None

    def _canon(self, q: str | None) -> str | None:
        if not q:
            return q
        for prefix in ("builtins.__builtins__.", "builtins.__dict__.", "builtins.builtins."):
            if q.startswith(prefix):
                q = "builtins." + q[len(prefix) :]
        q = q.replace(".__dict__.", ".")
        if q.startswith("__builtin__."):
            q = "builtins." + q[12:]
        if q.startswith(("urllib.request.", "urllib2.")) and q.endswith("urlopen"):
            return "urllib.request.urlopen"
        return q


def _literal_item(node: ast.Subscript) -> ast.expr | None:
    """The element a constant index picks out of a list, tuple or dict written in place: a
    callable put in a container only to be taken out again hides its name from a reader."""
    seq, key = node.value, node.slice
    if type(key) is not ast.Constant:
        return None
    k = key.value
    if (type(seq) is ast.List or type(seq) is ast.Tuple) and type(k) is int:
        elts = seq.elts
        return elts[k] if -len(elts) <= k < len(elts) else None
    if type(seq) is ast.Dict:
        for dk, dv in zip(seq.keys, seq.values, strict=True):
            if type(dk) is ast.Constant and dk.value == k:
                return dv
    return None
