"""Python files by AST: alias resolution, constant folding and a small flow per function.

Names are resolved through imports and simple assignments (``import subprocess as sp``,
``_s = os.system``, ``__import__("o" + "s")``, ``getattr(mod, "sys" + "tem")``,
``globals()["__builtins__"]``). Each function body and the module body keep a taint map
(which names hold decoded data, network data, the environment, host facts, a home path), so
``exec(base64.b64decode(x))`` or ``data = urlopen(u).read(); exec(data)`` is one hit of the
stronger capability rather than two weak ones. Code at module or class level, and functions
called from there, runs on import: hits there weigh more. Nothing is ever executed.
"""

from __future__ import annotations

import ast
import bisect
import re

from app.core.capabilities import context as ctx
from app.core.capabilities import strings as sig
from app.core.capabilities.atoms import ascii_lower
from app.core.capabilities.folding import Folded, Folder, looks_like_text, to_text
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit, severity_rank
from app.core.capabilities.pynames import (
    DECODERS,
    DESERIALIZE,
    DOWNLOAD_TO_DISK,
    EXEC_SINKS,
    HOME_ENV,
    HOME_SOURCES,
    IMPORT_SINKS,
    INJECTION_APIS,
    NATIVE_LOAD,
    NET_MODULES,
    NET_VERBS,
    SAFE_TOOLS,
    SHELLCODE_APIS,
    SPAWN,
    SYSINFO,
    USER_INPUT,
)

_BUILTINS = {"exec", "eval", "compile", "__import__", "getattr", "open", "chr", "ord", "bytes",
             "bytearray", "str", "reversed", "globals", "locals", "vars", "execfile", "dict",
             "print", "repr", "setattr", "input", "map", "type"}
_INSTALL_COMMANDS = {"install", "develop", "egg_info", "build_py", "build", "sdist", "bdist_egg",
                     "bdist_wheel", "build_ext", "easy_install", "_install", "orig_install"}
MAX_DECODED_DEPTH = 2
_PATCHABLE = {"open", "print", "exec", "eval", "__import__", "input", "compile", "getattr", "len",
              "str", "bytes", "isinstance", "type", "hash"}
_CALLBACK_TAKERS = {"register", "Thread", "Process", "Timer", "start_new_thread", "submit", "call_soon"}


_FIELDS: dict[type, tuple[str, ...]] = {}
_SKIP_FIELDS = {"ctx", "op", "ops", "kind", "type_comment"}


def _children(node: ast.AST):
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
            out.extend(x for x in v if isinstance(x, ast.AST))
    return out


class Scope:
    __slots__ = ("kind", "names", "consts", "taint", "executed", "install")

    def __init__(self, kind: str, executed: bool, install: bool = False):
        self.kind = kind  # module | class | function
        self.names: dict[str, str] = {}
        self.consts: dict[str, Folded] = {}
        self.taint: dict[str, frozenset[str]] = {}
        self.executed = executed
        self.install = install


class PythonAnalyzer:
    """Analyses one parsed module; ``hits`` holds the result."""

    def __init__(self, path: str, lines: list[str], role: str, *, decoded_depth: int = 0,
                 at_line: int | None = None, import_calls: frozenset[str] = frozenset()):
        self.import_calls = import_calls  # functions other modules call at import time
        self.path = path
        self.lines = lines
        self.role = role
        self.hits: list[Hit] = []
        self.scopes: list[Scope] = []
        self.decoded_depth = decoded_depth
        self.at_line = at_line  # hits of decoded code are reported at the literal's line
        self.folder = Folder(self.qualname, self._lookup_const)
        self.called_on_load: set[str] = set()
        self.install_classes: set[str] = set()
        self.docstrings: set[int] = set()
        self._seen: set[tuple] = set()
        self._strings: list[tuple[ast.Constant, str, bool, bool]] = []
        self._shellcode_apis: set[str] = set()

    # ------------------------------------------------------------------ entry
    def run(self, tree: ast.Module) -> list[Hit]:
        self._prepass(tree)
        self.scopes.append(Scope("module", True, install=self.role in (ctx.SETUP, ctx.PTH, ctx.BACKEND)))
        self._body(tree.body)
        self._flush_strings()
        return self.hits

    def _prepass(self, tree: ast.Module) -> None:
        """One traversal: functions called at load time, install-command classes, docstrings.

        Only direct calls by name count (``run()``, ``atexit.register(run)``,
        ``Thread(target=run)``): ``obj.run()`` says nothing about a module-level ``run``.
        """
        top_defs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        top_ids = {id(n) for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        calls_by_owner: dict[str | None, list[str]] = {}
        stack: list[tuple[ast.AST, str | None]] = [(tree, None)]
        func_types = (ast.FunctionDef, ast.AsyncFunctionDef)
        while stack:
            node, owner = stack.pop()
            t = type(node)
            if t in func_types or t is ast.ClassDef or t is ast.Module:
                body = node.body
                if body and type(body[0]) is ast.Expr and type(body[0].value) is ast.Constant \
                        and isinstance(body[0].value.value, str):
                    self.docstrings.add(id(body[0].value))
                if t is ast.ClassDef and {_last_name(b) for b in node.bases} & _INSTALL_COMMANDS:
                    self.install_classes.add(node.name)
                if t in func_types and owner is None:
                    # a top-level function owns its calls; a method or nested function does not
                    # run at load time either
                    owner = node.name if id(node) in top_ids else "<nested>"
            elif t is ast.Lambda and owner is None:
                owner = "<nested>"
            elif t is ast.If and owner is None and _is_main_guard(node.test) \
                    and self.role not in (ctx.SETUP, ctx.PTH):
                owner = "<__main__>"  # script-only code: what it calls does not run on import
            elif t is ast.Call:
                func = node.func
                lst = calls_by_owner.setdefault(owner, [])
                if type(func) is ast.Name:
                    lst.append(func.id)
                if _last_name(func) in _CALLBACK_TAKERS:
                    lst.extend(a.id for a in node.args if type(a) is ast.Name)
                    lst.extend(k.value.id for k in node.keywords if type(k.value) is ast.Name)
            for child in _children(node):
                stack.append((child, owner))
        calls = list(calls_by_owner.get(None, ())) + list(top_defs & self.import_calls)
        while calls:
            name = calls.pop()
            if name in self.called_on_load or name not in top_defs:
                continue
            self.called_on_load.add(name)
            calls.extend(calls_by_owner.get(name, ()))

    # ------------------------------------------------------------------ scopes
    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

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
        for s in reversed(self.scopes):
            if name in s.consts:
                return s.consts[name]
        return None

    def _lookup_taint(self, name: str) -> frozenset[str]:
        for s in reversed(self.scopes):
            if name in s.taint:
                return s.taint[name]
        return frozenset()

    # ------------------------------------------------------------------ names
    def qualname(self, node: ast.AST) -> str | None:  # noqa: C901
        if isinstance(node, ast.Name):
            return self._lookup_name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
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
                return "builtins" if q != "builtins.vars" or not node.args else self.qualname(node.args[0])
            if q == "builtins.__import__" and not node.args:
                return None
            return f"{q}()" if q else None
        if isinstance(node, ast.Subscript):
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
                q = "builtins." + q[len(prefix):]
        q = q.replace(".__dict__.", ".")
        if q.startswith("__builtin__."):
            q = "builtins." + q[12:]
        if q.startswith(("urllib.request.", "urllib2.")) and q.endswith("urlopen"):
            return "urllib.request.urlopen"
        return q

    # ------------------------------------------------------------------ emit
    def emit(self, cap: str, severity: str, node: ast.AST, rule: str, explanation: str,
             match: str | None = None, *, raise_in_context: bool = True) -> None:
        line = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", line) or line
        col = getattr(node, "col_offset", 0)
        if raise_in_context:
            severity = self._contextual(cap, severity)
        if self.role == ctx.TEST:
            severity = ctx.step(severity, -1)
        if self.at_line is not None:
            explanation = "In decoded data: " + explanation
            line, end, col = self.at_line, self.at_line, 0
        key = (cap, line, col, rule)
        if key in self._seen:
            return
        self._seen.add(key)
        if match is None:
            match = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.hits.append(make_hit(cap, severity, self.path, self.lines, line, end, col, match,
                                  rule, explanation))

    def _contextual(self, cap: str, severity: str) -> str:
        if cap not in ctx.ACTIVE:
            return severity
        s = self.scope
        in_install = any(sc.install for sc in self.scopes)
        executed = s.executed
        if self.role in (ctx.SETUP, ctx.PTH, ctx.BACKEND) and (executed or in_install):
            return ctx.at_least(severity, "high")
        if executed and self.role in (ctx.CODE, ctx.TEST):
            if cap in ("net.outbound", "net.download_to_disk", "cred.env_bulk", "cred.secret_files"):
                return ctx.at_least(ctx.step(severity, 1), "high")
            return ctx.step(severity, 1)
        return severity

    # ------------------------------------------------------------------ taint
    def taint_of(self, node: ast.AST | None) -> frozenset[str]:  # noqa: C901
        if node is None:
            return frozenset()
        out: set[str] = set()
        stack = [node]
        while stack:
            n = stack.pop()
            stack.extend(_children(n))
            if isinstance(n, ast.Name):
                out |= self._lookup_taint(n.id)
                if self._lookup_name(n.id) == "os.environ":
                    out.add("env_ref")
            elif isinstance(n, ast.Attribute):
                q = self._canon(self.qualname(n))
                if q == "os.environ":
                    out.add("env_ref")
            elif isinstance(n, ast.Call):
                q = self._canon(self.qualname(n.func))
                if q is None:
                    if isinstance(n.func, ast.Attribute):
                        if n.func.attr in ("decrypt", "decompress", "b64decode"):
                            out.add("decoded")
                        elif n.func.attr in ("read_text", "read_bytes"):
                            out.add("localfile")
                        elif n.func.attr in ("recv", "recvfrom", "recv_into"):
                            out.add("network")
                    continue
                if q in DECODERS or q.endswith((".decrypt", ".b64decode", ".decompress")):
                    out.add("decoded")
                elif self._is_net(q) or q.endswith((".recv", ".recvfrom", ".recv_into")):
                    out.add("network")
                elif q in ("socket.socket", "socket.create_connection") or q.endswith(".accept"):
                    out.add("socket")
                elif q in SYSINFO and not (q == "socket.getfqdn" and n.args):
                    out.add("sysinfo")
                elif q in HOME_SOURCES or q.endswith((".home", ".expanduser")):
                    arg = self.folder.fold_value(n.args[0]) if n.args else None
                    if q in ("os.getenv", "os.environ.get"):
                        if arg is not None and to_text(arg).upper() in HOME_ENV:
                            out.add("homepath")
                    else:
                        out.add("homepath")
                elif q == "builtins.open" and n.args:
                    p = self.folder.fold_value(n.args[0])
                    if p is not None and sig._SECRET_RE.search(to_text(p)):
                        out.add("secret")
                    else:
                        out.add("localfile")
                elif q.endswith((".read_text", ".read_bytes")) or q.startswith("builtins.open()"):
                    out.add("localfile")
                elif q in ("os.environ.copy", "builtins.dict") and q == "os.environ.copy":
                    out.add("env")
            elif isinstance(n, ast.Subscript):
                q = self.qualname(n.value)
                if q == "os.environ":
                    k = self.folder.fold_value(n.slice)
                    if k is not None and to_text(k).upper() in HOME_ENV:
                        out.add("homepath")
            elif isinstance(n, ast.Constant) and isinstance(n.value, str):
                if n.value.startswith(("~", "/tmp", "/etc/", "C:\\", "%APPDATA%", "%TEMP%")):
                    out.add("homepath")
        if "env_ref" in out:
            out.discard("env_ref")
            out.add("env_ref")
        return frozenset(out)

    def _is_net(self, q: str) -> bool:
        top = q.split(".")
        if not any(q == m or q.startswith(m + ".") for m in NET_MODULES):
            return False
        last = top[-1].rstrip("()")
        return last in NET_VERBS

    # ------------------------------------------------------------------ walking
    def _body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self._stmt(stmt)

    def _stmt(self, node: ast.stmt) -> None:  # noqa: C901
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    self.scope.names[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    self.scope.names[top] = top
                self._check_import(a.name, node)
            return
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            for a in node.names:
                full = f"{mod}.{a.name}" if mod else a.name
                self.scope.names[a.asname or a.name] = full
                self._check_import(full, node)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for d in node.decorator_list:
                self._expr(d)
            for d in node.args.defaults + node.args.kw_defaults:
                if d is not None:
                    self._expr(d)
            cls = self.scope.kind == "class" and self.scope.install
            executed = node.name in self.called_on_load and self.scope.kind == "module"
            self.scopes.append(Scope("function", executed, install=cls))
            self._body(node.body)
            self.scopes.pop()
            return
        if isinstance(node, ast.ClassDef):
            for b in node.bases:
                self._expr(b)
            install = node.name in self.install_classes and self.role == ctx.SETUP
            if install:
                self.emit("install.setup_code", "medium", node, "py.setup_cmdclass",
                          f"setup.py overrides the '{_last_name(node.bases[0])}' command: its code runs at install.",
                          f"class {node.name}", raise_in_context=False)
            self.scopes.append(Scope("class", self.scope.executed, install=install))
            self._body(node.body)
            self.scopes.pop()
            return
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            value = node.value
            if value is None:
                return
            self._expr(value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                self._assign(t, value, augment=isinstance(node, ast.AugAssign))
            return
        if isinstance(node, ast.If) and _is_main_guard(node.test) and self.role not in (ctx.SETUP, ctx.PTH):
            # runs only when the file is run as a script, not on import
            self._expr(node.test)
            self.scopes.append(Scope("function", False))
            self._body(node.body)
            self.scopes.pop()
            self._body(node.orelse)
            return
        if isinstance(node, ast.For | ast.AsyncFor):
            self._expr(node.iter)
            t = self.taint_of(node.iter)
            if isinstance(node.target, ast.Name):
                self.scope.taint[node.target.id] = t
            self._body(node.body)
            self._body(node.orelse)
            return
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                self._expr(item.context_expr)
                if isinstance(item.optional_vars, ast.Name):
                    self._assign(item.optional_vars, item.context_expr)
            self._body(node.body)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self._stmt(child)
            elif isinstance(child, ast.expr):
                self._expr(child)
            elif isinstance(child, ast.ExceptHandler | ast.match_case):
                for c in ast.iter_child_nodes(child):
                    if isinstance(c, ast.stmt):
                        self._stmt(c)
                    elif isinstance(c, ast.expr):
                        self._expr(c)

    def _assign(self, target: ast.AST, value: ast.AST, augment: bool = False) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Constant):
                self.folder.method_aliases[name] = value  # _ = "".join
            q = self.qualname(value) if isinstance(value, ast.Name | ast.Attribute | ast.Call | ast.Subscript) else None
            if q and not augment:
                self.scope.names[name] = self._canon(q)
            elif name in self.scope.names and not augment:
                del self.scope.names[name]
            f = self.folder.fold(value)
            if f is not None and len(f.value) < 4 * 1024 * 1024:
                if augment and name in self.scope.consts:
                    prev = self.scope.consts[name]
                    if type(prev.value) is type(f.value):
                        self.scope.consts[name] = Folded(prev.value + f.value, prev.decoded or f.decoded)
                else:
                    self.scope.consts[name] = f
            elif not augment:
                self.scope.consts.pop(name, None)
            t = self.taint_of(value)
            if f is not None and f.decoded:
                t = t | {"decoded"}
            self.scope.taint[name] = (self.scope.taint.get(name, frozenset()) | t) if augment else t
        elif isinstance(target, ast.Tuple | ast.List):
            t = self.taint_of(value)
            for e in target.elts:
                if isinstance(e, ast.Name):
                    self.scope.taint[e.id] = t
        elif isinstance(target, ast.Subscript):
            base = self.qualname(target.value)
            if base == "sys.modules":
                self.emit("obf.packer", "medium", target, "py.sys_modules_swap",
                          "Replaces a module in sys.modules: later imports get this object instead.")
        elif isinstance(target, ast.Attribute):
            q = self.qualname(target)
            if q and q.startswith("builtins.") and q.count(".") == 1 and q[9:] in _PATCHABLE:
                self.emit("obf.packer", "high", target, "py.builtins_patch",
                          "Overwrites a built-in function for every module in the process.")

    def _check_import(self, name: str, node: ast.AST) -> None:
        if name.startswith(("pytransform", "pyarmor")) or "pyarmor_runtime" in name:
            self.emit("obf.packer", "high", node, "py.pyarmor",
                      "Imports the PyArmor runtime: the real code is encrypted and cannot be reviewed.")

    # ------------------------------------------------------------------ expressions
    def _expr(self, node: ast.AST) -> None:
        stack = [node]
        lambda_depth = 0
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Call):
                self._call(n)
            elif isinstance(n, ast.Constant) and isinstance(n.value, str | bytes):
                self._string(n)
            elif isinstance(n, ast.Lambda):
                depth = _lambda_depth(n)
                if depth >= 5 and depth > lambda_depth:
                    lambda_depth = depth
                    self.emit("obf.packer", "high", n, "py.lambda_chain",
                              f"A chain of {depth} nested lambdas: code wrapped to defeat reading.",
                              raise_in_context=False)
            elif isinstance(n, ast.List | ast.Tuple) and len(n.elts) >= 16:
                self._char_codes(n)
            elif isinstance(n, ast.Attribute) and n.attr in ("__pyarmor__",):
                self.emit("obf.packer", "high", n, "py.pyarmor", "PyArmor-protected code.")
            elif isinstance(n, ast.Attribute | ast.Name):
                self._name_use(n)
            stack.extend(_children(n))

    def _name_use(self, n: ast.AST) -> None:
        q = self._canon(self.qualname(n))
        if q in ("ctypes.windll.kernel32", "ctypes.windll.ntdll") and isinstance(n, ast.Attribute):
            return
        api = q.rsplit(".", 1)[-1] if q and q.startswith("ctypes.") else None
        if api in INJECTION_APIS:
            self.emit("exec.native_load", "high", n, "py.injection_api",
                      f"Uses the Windows API {api}, made for code injection or keylogging.",
                      raise_in_context=False)
        elif api in SHELLCODE_APIS and api not in self._shellcode_apis:
            self._shellcode_apis.add(api)
            if len(self._shellcode_apis) == 3:
                self.emit("exec.native_load", "high", n, "py.shellcode_loader",
                          "Allocates executable memory, copies bytes into it and starts a thread: "
                          "a shellcode loader (" + ", ".join(sorted(self._shellcode_apis)) + ").",
                          raise_in_context=False)

    def _char_codes(self, n: ast.List | ast.Tuple) -> None:
        """A list of character codes is a string in disguise: read it as one."""
        codes = []
        for e in n.elts:
            if not (isinstance(e, ast.Constant) and type(e.value) is int and 9 <= e.value < 127):
                return
            codes.append(e.value)
        text = "".join(map(chr, codes))
        if sum(c.isalpha() for c in text) < len(text) // 2:
            return
        low = ascii_lower(text)
        found = sig.endpoint_signals(text, low) + sig.content_signals(text, low)
        for s in found:
            self.emit(s.capability, s.severity, n, s.rule, "In a list of character codes: " + s.explanation,
                      s.match, raise_in_context=False)
        if found or any(w in text for w in ("exec", "eval", "__import__", "urlopen", "subprocess", "system")):
            self.emit("obf.packer", "high", n, "py.char_codes",
                      f"Spells '{text[:60]}' as a list of character codes to hide it.", raise_in_context=False)

    def _string(self, n: ast.Constant) -> None:
        """Queue a literal; all literals of a module are matched in one batch (``_flush``)."""
        value = n.value
        text = to_text(value) if isinstance(value, bytes) else value
        if len(text) < 8:
            return
        if len(text) >= 1000 and sig.is_blob(text):
            for s in sig.blob_signals(text):
                self.emit(s.capability, s.severity, n, s.rule, s.explanation, s.match, raise_in_context=False)
            return
        hot = self.scope.executed or any(sc.install for sc in self.scopes)
        self._strings.append((n, text, id(n) in self.docstrings, hot))
        if len(text) >= 200:
            for s in sig.blob_signals(text):
                self.emit(s.capability, s.severity, n, s.rule, s.explanation, s.match, raise_in_context=False)

    def _flush_strings(self) -> None:
        """Endpoints, secret paths, autostart locations and shell one-liners in all literals."""
        items = self._strings
        self._strings = []
        if not items:
            return
        sep = "\n\x00\n"
        starts, pos = [], 0
        for _n, text, _doc, _hot in items:
            starts.append(pos)
            pos += len(text) + len(sep)
        big = sep.join(t for _n, t, _d, _h in items)
        low = ascii_lower(big)

        def owner(offset: int):
            return items[bisect.bisect_right(starts, offset) - 1]

        for s in sig.endpoint_signals(big, low):
            n, _t, _doc, hot = owner(s.start)
            sev = s.severity
            if s.rule == "str.ip_url" and not hot:
                sev = "medium"
            self.emit(s.capability, sev, n, s.rule, s.explanation, s.match, raise_in_context=False)
        for s in sig.content_signals(big, low):
            n, _t, doc, hot = owner(s.start)
            if doc:
                continue
            sev = s.severity
            if s.capability == "persist.autostart" and self.role == ctx.CODE and not hot:
                sev = "medium"
            self.emit(s.capability, sev, n, s.rule, s.explanation, s.match, raise_in_context=False)
        from app.core.capabilities.patterns import engine

        for m in engine().scan(big, "cmd", low):
            n, _t, doc, _hot = owner(m.start)
            if not doc and m.rule.capability in ("process.shell_download", "net.reverse_shell"):
                self.emit(m.rule.capability, m.rule.severity, n, m.rule.id,
                          m.rule.explanation, m.text, raise_in_context=False)

    # ------------------------------------------------------------------ calls
    def _call(self, node: ast.Call) -> None:  # noqa: C901
        raw_q = self.qualname(node.func)
        q = self._canon(raw_q)
        args = node.args
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        arg0 = args[0] if args else None
        if isinstance(node.func, ast.Attribute):
            self._method_call(node, node.func.attr)
        if q is None:
            return
        last = q.rsplit(".", 1)[-1]

        # names built from strings: __import__("o"+"s"), getattr(x, "sys"+"tem")
        if (q in IMPORT_SINKS or q == "builtins.getattr") and args:
            name_arg = args[0] if q in IMPORT_SINKS else (args[1] if len(args) > 1 else None)
            if name_arg is not None and not isinstance(name_arg, ast.Constant | ast.Name):
                folded = self.folder.fold(name_arg)
                if folded is not None and not folded.partial and _sensitive_name(to_text(folded.value)):
                    self.emit("obf.packer", "high", node, "py.name_from_strings",
                              f"Builds the name '{to_text(folded.value)[:60]}' from pieces to hide what it uses.")
            if q == "builtins.getattr" and len(args) > 1:
                base = self._canon(self.qualname(args[0]))
                attr = self.folder.fold_value(args[1])
                if base == "builtins" and attr is not None and to_text(attr) in ("exec", "eval", "compile", "__import__"):
                    self.emit("obf.packer", "medium", node, "py.builtins_getattr",
                              f"Reaches {to_text(attr)} indirectly through the builtins module.")

        if q in EXEC_SINKS or q in IMPORT_SINKS:
            self._exec_sink(node, q, arg0)
        elif q in DESERIALIZE:
            self._deserialize(node, q, arg0)
        elif q in ("yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.full_load"):
            loader = kw.get("Loader") or (args[1] if len(args) > 1 else None)
            lq = self.qualname(loader) if loader is not None else None
            if q == "yaml.unsafe_load" or loader is None or "Unsafe" in (lq or "") or (lq or "").endswith("yaml.Loader"):
                self.emit("exec.deserialize", "medium", node, "py.yaml_load",
                          "yaml.load without a safe loader can build arbitrary Python objects.")
        if q == "os.dup2" and arg0 is not None and self._is_socket_fd(arg0):
            self.emit("net.reverse_shell", "critical", node, "py.dup2_socket",
                      "Connects a network socket to standard input/output: a reverse shell.",
                      raise_in_context=False)
        if (q in SPAWN or q == "pty.spawn") and any(self._is_socket_fd(v) for v in kw.values()):
            self.emit("net.reverse_shell", "critical", node, "py.shell_on_socket",
                      "Starts a program whose input/output is a network socket: a remote shell.",
                      raise_in_context=False)
        if q in SPAWN or (q.startswith("subprocess.") and last in ("Popen", "run", "call")):
            self._spawn(node, q, args, kw)
        if q in DOWNLOAD_TO_DISK:
            self.emit("net.download_to_disk", "high", node, "py.urlretrieve",
                      "Downloads a file from the network straight to disk.")
        elif self._is_net(q):
            self._network(node, q, args, kw)
        if q in SYSINFO and not (q == "socket.getfqdn" and args):
            self.emit("collect.sysinfo", "low", node, "py.sysinfo", f"Collects host facts ({q}).")
        if q in ("socket.gethostbyname", "socket.getaddrinfo", "dns.resolver.resolve", "dns.resolver.query", "socket.gethostbyname_ex") and arg0 is not None:
            self._dns(node, arg0)
        if q in USER_INPUT or any(q.startswith(u) for u in ("pynput.keyboard", "pyHook")):
            self.emit("collect.user_input", "high", node, "py.user_input",
                      f"Captures user input ({q}): clipboard, keystrokes or the screen.")
        if q in NATIVE_LOAD or q.endswith(".dlopen"):
            self._native(node, q, arg0)
        if q.endswith(".Fernet") or q == "cryptography.fernet.Fernet":
            if arg0 is not None and self.folder.fold(arg0) is not None:
                self.emit("obf.packer", "high", node, "py.inline_fernet",
                          "Decrypts with a key written into the code: the encryption only hides the payload.")
        if q in ("builtins.open", "io.open", "codecs.open", "os.open") or last in ("write_text", "write_bytes"):
            self._open(node, q, args, kw)
        if q in ("shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move", "os.rename", "os.replace") and len(args) >= 2:
            self._write_target(node, args[1], "copies a file to")
        if q in ("os.chmod", "pathlib.Path.chmod") and args:
            mode = args[-1] if len(args) > 1 else None
            if mode is not None:
                m = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, int) else None
                src = ast.unparse(mode)
                if (m is not None and m & 0o111) or "EXEC" in src or "S_IX" in src:
                    t = self.taint_of(args[0])
                    if "network" in t:
                        self.emit("net.download_to_disk", "high", node, "py.chmod_download",
                                  "Makes a downloaded file executable.")
                    elif "homepath" in t:
                        self.emit("fs.write_outside", "medium", node, "py.chmod_outside",
                                  "Makes a file outside the package executable.")
        if q in ("shutil.rmtree", "os.removedirs") and arg0 is not None:
            p = self.folder.fold_value(arg0)
            t = self.taint_of(arg0)
            pt = to_text(p) if p is not None else None
            if pt in ("/", "~", "C:\\", "C:/", "/home", "/Users") or (
                    pt is None and isinstance(arg0, ast.Call) and "homepath" in t):
                self.emit("impact.destructive", "critical", node, "py.rmtree_home",
                          "Deletes the whole home folder or disk recursively.")
        if q == "atexit.register" and self.role == ctx.SETUP:
            self.emit("install.setup_code", "medium", node, "py.setup_atexit",
                      "setup.py registers code to run when the installer exits.", raise_in_context=False)
        if q in ("winreg.SetValueEx", "_winreg.SetValueEx", "winreg.CreateKey"):
            keyt = " ".join(to_text(v) for a in args if (v := self.folder.fold_value(a)) is not None)
            if "run" in keyt.lower() or not keyt:
                self.emit("persist.autostart", "high", node, "py.registry_run",
                          "Writes a registry value, as autostart (Run keys) does.")
        for a in list(args) + list(kw.values()):
            if self._is_env_whole(a) and (q in ("json.dumps", "builtins.str", "builtins.repr", "builtins.print", "pickle.dumps", "base64.b64encode") or self._is_net(q)):
                self.emit("cred.env_bulk", "high", node, "py.env_dump",
                          "Serialises or sends the whole environment, where tokens and keys live.")
        if q in ("os.environ.copy", "os.environ.items", "os.environ.values") or (q == "builtins.dict" and arg0 is not None and self._is_env_whole(arg0)):
            self.emit("cred.env_bulk", "low", node, "py.env_copy",
                      "Reads the whole environment (often only to pass it to a child process).",
                      raise_in_context=False)

    def _is_socket_fd(self, node: ast.AST) -> bool:
        """``s.fileno()`` where ``s`` is a socket (or an accepted connection)."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fileno":
            base = self._canon(self.qualname(node.func.value)) or ""
            if base.startswith("socket."):
                return True
            if isinstance(node.func.value, ast.Name):
                return "socket" in self._lookup_taint(node.func.value.id)
        return False

    def _any_network_taint(self) -> bool:
        return any("network" in t for sc in self.scopes for t in sc.taint.values())

    def _is_env_whole(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name | ast.Attribute):
            q = self._canon(self.qualname(node))
            if q == "os.environ":
                return True
            if isinstance(node, ast.Name) and "env" in self._lookup_taint(node.id):
                return True
        if isinstance(node, ast.Call):
            q = self._canon(self.qualname(node.func))
            return q in ("os.environ.copy", "os.environ.items") or (q == "builtins.dict" and bool(node.args) and self._is_env_whole(node.args[0]))
        return False

    def _method_call(self, node: ast.Call, attr: str) -> None:
        if attr == "write" and node.args and self._any_network_taint():
            t = self.taint_of(node.args[0])
            if "network" in t:
                self.emit("net.download_to_disk", "medium", node, "py.write_download",
                          "Writes data downloaded from the network to a file.")
        if attr == "decrypt" and node.args:
            pass

    def _exec_sink(self, node: ast.Call, q: str, arg0: ast.AST | None) -> None:
        if arg0 is None:
            return
        name = q.rsplit(".", 1)[-1]
        folded = self.folder.fold(arg0)
        t = self.taint_of(arg0)
        if folded is not None and (folded.decoded or "decoded" in t):
            self.emit("exec.decode_then_exec", "critical", node, "py.exec_decoded",
                      f"Decodes hidden data and runs it with {name}().", raise_in_context=False)
            self._analyse_decoded(folded, node)
            return
        if "network" in t:
            self.emit("exec.remote_code", "critical", node, "py.exec_remote",
                      f"Runs code downloaded from the network with {name}().", raise_in_context=False)
            return
        if "decoded" in t:
            self.emit("exec.decode_then_exec", "critical", node, "py.exec_decoded",
                      f"Decodes data and runs it with {name}().", raise_in_context=False)
            return
        if folded is not None:
            if q in IMPORT_SINKS:
                return
            self._analyse_decoded(folded, node, plain=True)
            return
        if t == frozenset({"localfile"}) or (isinstance(arg0, ast.Call) and "localfile" in t and "network" not in t):
            self.emit("exec.dynamic", "low", node, "py.exec_local_file",
                      f"Runs a local file's text with {name}() (often a version file).", raise_in_context=False)
            return
        sev = "medium"
        if q in IMPORT_SINKS:
            sev = "low"
        self.emit("exec.dynamic", sev, node, "py.exec_dynamic",
                  f"Runs code built at run time with {name}().")

    def _deserialize(self, node: ast.Call, q: str, arg0: ast.AST | None) -> None:
        folded = self.folder.fold(arg0) if arg0 is not None else None
        t = self.taint_of(arg0)
        roundtrip = isinstance(arg0, ast.Call) and (_last_name(arg0.func) or "").startswith("dump")
        if "network" in t and not roundtrip:
            self.emit("exec.remote_code", "critical", node, "py.deserialize_remote",
                      f"Deserialises data downloaded from the network ({q}), which can run code.",
                      raise_in_context=False)
        elif folded is not None and (folded.decoded or q.startswith("marshal")):
            self.emit("exec.decode_then_exec", "critical", node, "py.deserialize_decoded",
                      f"Deserialises an embedded encoded blob with {q}: hidden code.", raise_in_context=False)
        else:
            self.emit("exec.deserialize", "medium", node, "py.deserialize",
                      f"{q} can run code while loading untrusted data.")

    def _analyse_decoded(self, folded: Folded, node: ast.AST, plain: bool = False) -> None:
        """Scan what decoding produced, as data: strings and, when it parses, Python."""
        if self.decoded_depth >= MAX_DECODED_DEPTH:
            return
        value = folded.value
        if isinstance(value, bytes):
            if not looks_like_text(value):
                return
            value = to_text(value)
        if len(value) > 2_000_000:
            return
        try:
            tree = ast.parse(value)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        sub = PythonAnalyzer(self.path, self.lines, self.role, decoded_depth=self.decoded_depth + 1,
                             at_line=self.at_line or getattr(node, "lineno", 1))
        try:
            sub.run(tree)
        except RecursionError:
            return
        for h in sub.hits:
            if plain and self.at_line is None:
                h = h.__class__(**{**h.__dict__, "explanation": h.explanation.replace("In decoded data: ", "In a code string: ")})
            self.hits.append(h)

    def _spawn(self, node: ast.Call, q: str, args: list[ast.AST], kw: dict) -> None:
        cmd_node = args[0] if args else kw.get("args") or kw.get("cmd")
        text = ""
        first = ""
        if cmd_node is not None:
            if isinstance(cmd_node, ast.List | ast.Tuple):
                parts = []
                for e in cmd_node.elts:
                    v = self.folder.fold_value(e)
                    qn = self.qualname(e)
                    parts.append(to_text(v) if v is not None else (qn or "?"))
                text = " ".join(parts)
            else:
                v = self.folder.fold_value(cmd_node)
                text = to_text(v) if v is not None else ""
            if q.startswith("os.exec") or q.startswith("os.spawn"):
                text = " ".join(to_text(v) for a in args[1:] if (v := self.folder.fold_value(a)) is not None) or text
            first = text.split()[0].rsplit("/", 1)[-1].lower() if text.split() else ""
        safe = first in SAFE_TOOLS or first.startswith(("python", "git", "gcc", "clang", "sys.executable"))
        hidden = False
        cf = kw.get("creationflags")
        if cf is not None and not (isinstance(cf, ast.Constant) and cf.value == 0):
            hidden = True
        if "startupinfo" in kw:
            hidden = True
        if kw.get("start_new_session") is not None and kw.get("stdout") is not None:
            hidden = True
        if hidden and not safe:
            self.emit("process.spawn_hidden", "medium", node, "py.spawn_hidden",
                      "Starts a process with a hidden window or detached from its parent.")
        sev = "medium"
        if safe:
            self.emit("process.spawn", "low", node, "py.spawn_tool",
                      f"Runs the build tool '{first}'.", raise_in_context=False)
        else:
            self.emit("process.spawn", sev, node, "py.spawn", f"Starts another program ({q}).")
        if text:
            from app.core.capabilities.patterns import engine

            for m in engine().scan(text, "cmd"):
                self.emit(m.rule.capability, m.rule.severity, node, m.rule.id, m.rule.explanation,
                          m.text, raise_in_context=False)
            if sig.persist_in(text):
                self.emit("persist.autostart", "high", node, "py.spawn_persist",
                          "Runs a command that touches an autostart location.", text)

    def _network(self, node: ast.Call, q: str, args: list[ast.AST], kw: dict) -> None:
        sent = frozenset()
        for a in list(args[1:]) + [v for k, v in kw.items() if k in ("data", "json", "params", "files", "headers", "body", "content", "msg")]:
            sent |= self.taint_of(a)
        if q.endswith(("send", "sendall", "sendto", "sendmail")) and args:
            sent |= self.taint_of(args[0])
        leak = sent & {"sysinfo", "env", "secret", "env_ref"}
        if leak:
            what = ", ".join(sorted(x.replace("env_ref", "environment").replace("env", "environment") for x in leak))
            self.emit("net.outbound", "high", node, "py.net_send_collected",
                      f"Sends collected data ({what}) over the network.")
        else:
            self.emit("net.outbound", "low", node, "py.net", f"Makes a network request ({q}).")
        if q.endswith("connect") and args and isinstance(args[0], ast.Tuple) and args[0].elts:
            host = self.folder.fold_value(args[0].elts[0])
            if host is not None and sig._IP_URL_RE.search("tcp://" + to_text(host)) \
                    and not to_text(host).startswith(sig._LOCAL_IPS):
                self.emit("net.exfil_endpoint", "high", node, "py.connect_ip",
                          "Connects a socket to a hard-coded IP address.", to_text(host))

    def _dns(self, node: ast.Call, arg: ast.AST) -> None:
        if isinstance(arg, ast.Constant):
            return
        t = self.taint_of(arg)
        built = isinstance(arg, ast.JoinedStr | ast.BinOp) or (isinstance(arg, ast.Call) and _last_name(arg.func) in ("format", "join"))
        if t & {"sysinfo", "env", "secret", "decoded"} or (built and t):
            self.emit("net.dns_exfil", "high", node, "py.dns_exfil",
                      "Builds a host name from collected data and looks it up: data leaks through DNS.")

    def _native(self, node: ast.Call, q: str, arg0: ast.AST | None) -> None:
        v = self.folder.fold_value(arg0) if arg0 is not None else None
        name = to_text(v) if v is not None else None
        qa = self._canon(self.qualname(arg0)) if arg0 is not None else None
        system_lib = name is not None and "/" not in name and "\\" not in name and not name.lower().endswith(".exe")
        if system_lib or (qa and "find_library" in qa):
            self.emit("exec.native_load", "low", node, "py.native_system_lib",
                      f"Loads the system library '{name or 'found by name'}' with ctypes.", raise_in_context=False)
            return
        self.emit("exec.native_load", "high" if name and name.lower().endswith((".exe",)) else "medium", node,
                  "py.native_load", f"Loads a native library at run time ({q}).")

    def _open(self, node: ast.Call, q: str, args: list[ast.AST], kw: dict) -> None:
        if q.endswith(("write_text", "write_bytes")):
            target = node.func.value if isinstance(node.func, ast.Attribute) else None
            if target is not None:
                self._write_target(node, target, "writes")
            return
        if not args:
            return
        mode_node = args[1] if len(args) > 1 else kw.get("mode")
        mode = self.folder.fold_value(mode_node) if mode_node is not None else "r"
        mode = to_text(mode) if mode is not None else "r"
        p = self.folder.fold_value(args[0])
        ptext = to_text(p) if p is not None else ""
        if any(c in mode for c in "wax+"):
            self._write_target(node, args[0], "writes")
        else:
            if ptext and sig._SECRET_RE.search(ptext):
                self.emit("cred.secret_files", "high", node, "py.read_secret",
                          f"Reads a secret file ({ptext[:60]}).")
            elif ptext and sig._BROWSER_RE.search(ptext):
                self.emit("cred.browser_data", "critical", node, "py.read_browser",
                          "Reads a browser's saved passwords or cookies.")

    def _write_target(self, node: ast.Call, target: ast.AST, verb: str) -> None:
        p = self.folder.fold_value(target)
        ptext = to_text(p) if p is not None else ""
        t = self.taint_of(target)
        if ptext and sig.persist_in(ptext):
            self.emit("persist.autostart", "high", node, "py.write_autostart",
                      f"{verb.capitalize()} an autostart location or shell start-up file.", ptext)
            return
        low = ptext.lower()
        if low.endswith(("socket.py", "os.py", "site.py", "__init__.py")) and ("site-packages" in low or "lib/python" in low):
            self.emit("fs.write_outside", "high", node, "py.write_stdlib",
                      "Changes another package's or the standard library's code.", ptext)
            return
        if "homepath" in t or low.startswith(("~", "/etc/", "/tmp/", "/usr/", "c:\\", "%appdata%", "%temp%")):
            sev = "medium"
            if low.endswith((".exe", ".bat", ".ps1", ".vbs", ".scr", ".dll")):
                sev = "high"
            self.emit("fs.write_outside", sev, node, "py.write_outside",
                      f"{verb.capitalize()} a file outside the package (home, temp or system folder).")


_SENSITIVE_PARTS = ("os", "sys", "subprocess", "system", "popen", "exec", "eval", "compile",
                    "__import__", "builtins", "socket", "urllib", "request", "urlopen", "requests",
                    "base64", "b64decode", "marshal", "zlib", "ctypes", "getattr", "pty", "spawn",
                    "http", "decode", "loads", "open", "environ", "shutil", "winreg", "webbrowser")


def _sensitive_name(name: str) -> bool:
    """A name worth hiding: a module or function that runs, fetches, decodes or loads."""
    parts = re.split(r"[.\s]+", name.strip().lower())
    return any(p in _SENSITIVE_PARTS or p.startswith(("exec", "eval", "popen", "system", "b64")) for p in parts if p)


def _is_main_guard(test: ast.AST) -> bool:
    """``if __name__ == "__main__":`` (also inside an ``and``)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_main_guard(v) for v in test.values)
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _lambda_depth(node: ast.Lambda) -> int:
    depth = 0
    cur: ast.AST | None = node
    seen = 0
    stack = [(node, 1)]
    while stack and seen < 10000:
        cur, d = stack.pop()
        seen += 1
        depth = max(depth, d)
        for c in ast.iter_child_nodes(cur):
            stack.append((c, d + 1 if isinstance(c, ast.Lambda) else d))
    return depth


_FROM_IMPORT_RE = re.compile(r"^from\s+(\.*[\w.]*)\s+import\s+\(?([\w, \t]+)", re.M)


def import_time_calls(files: dict[str, str]) -> dict[str, frozenset[str]]:
    """``{module path: names}`` of functions that another module imports and calls at its top
    level (``from .core import run`` then ``run()`` at column 0): they run on import."""
    out: dict[str, set[str]] = {}
    for path, text in files.items():
        if "import" not in text:
            continue
        pkg = path.rsplit("/", 1)[0].split("/") if "/" in path else []
        for m in _FROM_IMPORT_RE.finditer(text):
            mod = m.group(1)
            names = [bits[-1] for part in m.group(2).split(",") if (bits := part.split())]
            called = [n for n in names if n.isidentifier()
                      and re.search(rf"^{re.escape(n)}\s*\(", text, re.M)]
            if not called:
                continue
            dots = len(mod) - len(mod.lstrip("."))
            parts = mod.lstrip(".").split(".") if mod.strip(".") else []
            if dots:
                base = pkg[: len(pkg) - (dots - 1)] if dots - 1 <= len(pkg) else []
                candidates = ["/".join(base + parts)]
            else:
                candidates = ["/".join(parts), "src/" + "/".join(parts)]
            for c in candidates:
                for target in (f"{c}.py", f"{c}/__init__.py"):
                    if target in files:
                        out.setdefault(target, set()).update(called)
    return {k: frozenset(v) for k, v in out.items()}


def analyse_python(path: str, text: str, role: str,
                   import_calls: frozenset[str] = frozenset()) -> tuple[list[Hit], str | None]:
    """Hits for one Python source; the second value is why it did not parse (or ``None``)."""
    lines = text.split("\n")
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as exc:
        return [], f"does not parse as Python 3 ({type(exc).__name__}: {getattr(exc, 'msg', exc)})"
    except (RecursionError, MemoryError):
        return [], "too deeply nested to parse"
    analyzer = PythonAnalyzer(path, lines, role, import_calls=import_calls)
    try:
        analyzer.run(tree)
    except RecursionError:
        return analyzer.hits, "too deeply nested to analyse fully"
    for n in (_identifiers(tree) if not text.isascii() else ()):
        if not n.isascii() and _mixed_script(n):
            line = 1
            analyzer.emit("obf.unicode_trick", "high", ast.Name(lineno=line, col_offset=0), "py.homoglyph",
                          f"The name '{n}' mixes alphabets: it looks like another name but is not.", n,
                          raise_in_context=False)
            break
    return analyzer.hits, None


def _identifiers(tree: ast.AST):
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            yield n.id
        elif isinstance(n, ast.Attribute):
            yield n.attr
        elif isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            yield n.name


def _mixed_script(name: str) -> bool:
    import unicodedata

    scripts = set()
    for ch in name:
        if ch.isalpha():
            try:
                scripts.add(unicodedata.name(ch).split()[0])
            except ValueError:
                continue
    return "LATIN" in scripts and bool(scripts & {"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})


def severity_max(hits: list[Hit]) -> str:
    best = "none"
    for h in hits:
        if severity_rank(h.severity) > severity_rank(best):
            best = h.severity
    return best
