"""Python files by AST: alias resolution, constant folding and a small flow per function.

Names are resolved through imports and simple assignments (``import subprocess as sp``,
``_s = os.system``, ``__import__("o" + "s")``, ``getattr(mod, "sys" + "tem")``,
``globals()["__builtins__"]``). Each function body and the module body keep a taint map
(which names hold decoded data, network data, the environment, host facts, a home path), so
``exec(base64.b64decode(x))`` or ``data = urlopen(u).read(); exec(data)`` is one hit of the
stronger capability rather than two weak ones. Code at module or class level, and functions
called from there, runs on import: hits there weigh more. Nothing is ever executed.

The analyser's parts: scopes and name resolution (``pyscopes``), call rules (``pycalls``,
``pyeffects``, ``pysinks``), literals (``pystrings``), taint (``pytaint``),
where a hit lands and what it weighs (``pyemit``), homoglyph names (``pyhomoglyph``), import-time calls across modules (``pyimports``), tree
helpers (``pytree``), and the tables of names (``pynames``).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any, cast

from app.core.capabilities import context as ctx
from app.core.capabilities.folding import Folded, Folder, int_constant, int_sequence
from app.core.capabilities.model import Hit
from app.core.capabilities.pycalls import (
    CallRules,
    _last_name,
)
from app.core.capabilities.pyemit import HitEmitter
from app.core.capabilities.pynames import (
    INJECTION_APIS,
    NET_MODULES,
    NET_VERBS,
    PATCHABLE,
    SHELLCODE_APIS,
    WALLET_PARAM_RE,
    secret_param,
)
from app.core.capabilities.pyonload import LoadReach
from app.core.capabilities.pyoptin import OptInSwitches
from app.core.capabilities.pypackers import PackerSigns
from app.core.capabilities.pyscopes import MAINTAINER, Scope
from app.core.capabilities.pysigning import WALLET_KEY_CALLS, SigningKeys, makes_signature
from app.core.capabilities.pystrings import StringRules
from app.core.capabilities.pytaint import (
    PATH_STARTS,
    RETURNED_TAINT,
    TAINT_TYPES,
    TaintRules,
    names_a_store,
    param_names,
    path_opened,
    returns_an_opened_file,
    taint_relevant,
)
from app.core.capabilities.pytree import (
    children,
    data_module_strings,
    doc_constant,
    host_table_strings,
    inline_lambda_call,
    is_main_guard,
    table_strings,
    walk,
)
from app.core.capabilities.pywrappers import CallWatchers
from app.core.capabilities.setupcommands import (
    INSTALL_COMMANDS,
    not_an_install_command,
)
from app.core.capabilities.strings import STORE_WORDS

_NET_TOPS = frozenset(m.split(".")[0] for m in NET_MODULES)
_CARRIED = RETURNED_TAINT | {"env_ref"}  # what a return may hand its callers (_note_return)
_WATCHED_ATTRS = frozenset(INJECTION_APIS | SHELLCODE_APIS | {"__pyarmor__"})
# Lambda calls of one module read as what they compute (pytree.inline_lambda_call): a packer
# nests a few dozen; a self-application would go on for ever.
MAX_INLINED_CALLS = 256
# Keyword arguments whose text is shown to people, never used as an address: a model field's
# help_text, an option's help, a schema field's description or examples, a form's placeholder.
_DOC_KEYWORDS = frozenset(
    ("help", "help_text", "description", "example", "examples", "placeholder", "epilog", "usage")
)


_WALLET_WORDS = tuple(sorted(WALLET_KEY_CALLS))


class PythonAnalyzer(HitEmitter, LoadReach, CallRules, StringRules, TaintRules, PackerSigns):
    """Analyses one parsed module; ``hits`` holds the result."""

    def __init__(
        self,
        path: str,
        lines: list[str],
        role: str,
        *,
        decoded_depth: int = 0,
        at_line: int | None = None,
        import_calls: frozenset[str] = frozenset(),
        text: str | None = None,
        command: bool = False,
    ):
        self.import_calls = import_calls  # functions other modules call at import time
        # An extension-less script (``scripts=``) cannot be imported: its top level runs when
        # a user types the command, like a ``__main__`` block.
        self.command = command
        self.path = path
        self.lines = lines
        self.role = role
        self.hits: list[Hit] = []
        self.scopes: list[Scope] = []
        self.decoded_depth = decoded_depth
        self.at_line = at_line  # hits of decoded code are reported at the literal's line
        self.folder = Folder(
            self.qualname, self._lookup_const, self._lookup_int, lambda n: self.top_defs.get(n)
        )
        self.called_on_load: set[str] = set()
        self.methods_on_load: set[tuple[str, str]] = set()  # (class, method) run on import
        self.class_names: list[str] = []  # the classes being walked, outermost first
        self.own_functions: frozenset[str] = frozenset()  # the module's top-level defs
        self.top_defs: Mapping[str, ast.AST] = {}  # name -> its def (set by _prepass)
        self.file_readers: frozenset[str] = frozenset()  # of them, those returning a file's text
        # of them, what the ones walked so far return (``def grab(): return dict(os.environ)``)
        # (a method's under ".name", for self.name() and cls.name() in the module's classes)
        self.return_taints: dict[str, frozenset[str]] = {}
        self.returning: tuple[str, frozenset[str]] | None = None  # the def walked, its params
        self.maintainer_classes: frozenset[str] = frozenset()  # setup.py: see setupcommands
        self.maintainer_functions: frozenset[str] = frozenset()  # setup.py: the same, for defs
        self.pip_classes: frozenset[str] = frozenset()  # setup.py: cmdclass {"install": X}
        self.argv_names: frozenset[str] = frozenset()  # setup.py: command = sys.argv[-1]
        # setup.py: its tree, and the classes and functions whose code runs in an install
        # step (setupcommands.install_step_code, found when a computed start first asks)
        self.setup_tree: ast.Module | None = None
        self.install_step_names: frozenset[str] | None = None
        self.def_names: list[str] = []  # the functions being walked, outermost first
        self.own_imports: set[str] = set()  # names imported from this package's own modules
        # a code string's analyser: the names bound where it is exec'd (exec runs it in the
        # caller's globals, so ``import os;exec('... os.environ ...')`` reads the real os)
        self.inherited_names: dict[str, str] = {}
        self.watchers = CallWatchers()  # top-level defs that may only watch calls (pywrappers)
        self.opt_in = OptInSwitches(self.qualname, path)  # debug switches nobody sets (pyoptin)
        self.docstrings: set[int] = set()
        self.hashed_nodes: set[int] = set()  # calls and names inside a hash (an anonymous id)
        self.inlined = 0  # lambda calls read as what they compute (MAX_INLINED_CALLS)
        self.table_strings: set[int] = set()  # literals of a module-level table (pytree)
        self.host_tables: set[int] = set()  # entries of a table of host names (pytree)
        self.data_strings: set[int] = set()  # entries of a data module's tables (pytree)
        self._seen: set[tuple] = set()
        self._strings: list[tuple[ast.Constant, str, bool, bool]] = []
        self._shellcode_apis: set[str] = set()
        self._empty_writes: set[int] = set()
        self._inert_writes: set[int] = set()
        self.file_targets: dict[str, ast.AST] = {}  # with open(path) as f: f -> path
        self.path_tails: dict[str, str] = {}  # name -> the last piece of the path it holds
        self.mentions_environ = (
            any("environ" in line for line in lines) if text is None else "environ" in text
        )
        self.mentions_wallet = any(
            w in line for line in ([text] if text is not None else lines) for w in _WALLET_WORDS
        )
        # names a store a stealer reads (a browser's logins, a chat token store, a wallet):
        # only such a module pays for marking the names that hold a path into one
        self.mentions_store = any(
            w in line for line in ([text] if text is not None else lines) for w in STORE_WORDS
        )

    # ------------------------------------------------------------------ entry
    def run(self, tree: ast.Module) -> list[Hit]:
        try:
            self.tree = tree  # the string rules may ask pymessages about it (once)
            self.signing = SigningKeys(tree)
            self.data_strings = data_module_strings(tree)
            self._prepass(tree)
            self._mark_docstring(tree.body)
            self.scopes.append(
                Scope("module", True, install=self.role in (ctx.SETUP, ctx.PTH, ctx.BACKEND))
            )
            self.scopes[-1].names.update(self.inherited_names)
            self._body(tree.body)
            self._flush_strings()
        finally:
            # The analyser sits in reference cycles that only the cyclic collector frees, so
            # a tree it still held would outlive the analysis: one dense setup.py read in
            # pieces kept every piece's tree alive (3.7 GB instead of 0.3 GB).
            self.setup_tree = None
            del self.signing, self.tree
        return self.hits

    def _opens_a_file(self, func: ast.AST) -> bool:
        """``open``, ``io.open``, ``codecs.open``, or the module's own ``_open(subpath)``
        whose every return is an ``open(...)`` (a helper named so that fetches is not one)."""
        q = self.qualname(func)
        if q in ("builtins.open", "io.open", "codecs.open"):
            return True
        fn = self.top_defs.get(func.id) if type(func) is ast.Name else None
        return fn is not None and returns_an_opened_file(fn)

    def _mark_docstring(self, body: list[ast.stmt]) -> None:
        if (
            body
            and type(body[0]) is ast.Expr
            and type(body[0].value) is ast.Constant
            and isinstance(body[0].value.value, str)
        ):
            self.docstrings.add(id(body[0].value))

    # ------------------------------------------------------------------ taint
    def _is_net(self, q: str) -> bool:
        last = q[q.rfind(".") + 1 :].rstrip("()")
        if last not in NET_VERBS or q.split(".", 1)[0] not in _NET_TOPS:
            return False
        return any(q == m or q.startswith(m + ".") for m in NET_MODULES)

    # ------------------------------------------------------------------ walking
    def _body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self._stmt(stmt)

    def _stmt(self, node: ast.stmt) -> None:  # noqa: C901
        t = type(node)
        if type(node) is ast.Expr or type(node) is ast.Return:  # the most common statements
            if node.value is not None:  # (type(node), not t: the type checker narrows node)
                v = node.value
                if type(v) is ast.Call and type(v.func) is ast.Attribute and v.func.attr == "close":
                    self.note_empty_write(v.func.value)  # open(marker, "w").close()
                self._expr(v)
                if t is ast.Return and self.returning is not None:
                    self._note_return(v)
            return
        # exact types, not isinstance (ast.parse makes no subclasses), the most common first
        if type(node) is ast.Assign or type(node) is ast.AnnAssign or type(node) is ast.AugAssign:
            value = node.value
            if value is None:
                return
            doc = doc_constant(node)
            if doc is not None:
                self.docstrings.add(id(doc))  # documentation kept as data (pytree)
            else:
                if self.scope.kind == "module":
                    self.table_strings.update(id(c) for c in table_strings(node))
                self.host_tables.update(id(c) for c in host_table_strings(node))
            taint: list[ast.AST] = []
            self._expr(value, taint)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                self._assign(target, value, augment=t is ast.AugAssign, taint=taint)
                if self.scope.kind == "module":
                    self.opt_in.bind(target, value)
            return
        if t is ast.Pass or t is ast.Break or t is ast.Continue:
            return
        if type(node) is ast.Import:
            for a in node.names:
                if a.asname:
                    self.scope.names[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    self.scope.names[top] = top
                self._check_import(a.name, node)
            return
        if type(node) is ast.ImportFrom:
            mod = node.module or ""
            own = node.level > 0 or (mod.split(".", 1)[0] == self.path.split("/", 1)[0] != "")
            for a in node.names:
                full = f"{mod}.{a.name}" if mod else a.name
                self.scope.names[a.asname or a.name] = full
                if own:
                    self.own_imports.add(a.asname or a.name)
                self._check_import(full, node)
            return
        if type(node) is ast.FunctionDef or type(node) is ast.AsyncFunctionDef:
            for d in node.decorator_list:
                self._expr(d)
            for default in node.args.defaults + node.args.kw_defaults:
                if default is not None:
                    self._expr(default)
            self._mark_docstring(node.body)
            cls = self.scope.kind == "class" and self.scope.install
            kind = self.scope.kind
            executed = (kind == "module" and node.name in self.called_on_load) or (
                kind == "class"
                and len(self.class_names) == 1
                and (self.class_names[0], node.name) in self.methods_on_load
            )
            maintainer = kind == "module" and node.name in self.maintainer_functions
            if maintainer:
                self.scopes.append(Scope(MAINTAINER, False))
            self.scopes.append(Scope("function", executed, install=cls))
            first_hit = len(self.hits)
            params = node.args
            handed = self.signing.wallet_keys(node) if self.mentions_wallet else frozenset()
            for arg in params.posonlyargs + params.args + params.kwonlyargs:
                self.scope.taint[arg.arg] = frozenset()  # a parameter hides a global's value
                # a trojanised API's key or seed parameter (by its name, or handed to a
                # wallet-key constructor), unless it only signs (pysigning)
                named = secret_param(arg.arg) or arg.arg in handed
                if named and not self.signing.sign_only(node, arg.arg):
                    wallet = WALLET_PARAM_RE.search(arg.arg) is not None or arg.arg in handed
                    self.scope.taint[arg.arg] = frozenset(
                        {"secret", "wallet"} if wallet else {"secret"}
                    )
            self.def_names.append(node.name)
            outer_returning = self.returning
            self.returning = (
                (node.name, param_names(params))
                if kind == "module"
                else ("." + node.name, param_names(params, method=True))
                if kind == "class"
                else None
            )
            self._body(node.body)
            self.returning = outer_returning
            self.def_names.pop()
            self.scopes.pop()
            if maintainer:
                self.scopes.pop()
            if kind == "module":
                self.watchers.record(node, self.hits[first_hit:])
            return
        if type(node) is ast.ClassDef:
            for b in node.bases:
                self._expr(b)
            self._mark_docstring(node.body)
            install = self.role == ctx.SETUP and (
                bool({_last_name(b) for b in node.bases} & INSTALL_COMMANDS)
                or node.name in self.pip_classes
            )
            if install:
                self.emit(
                    "install.setup_code",
                    "medium",
                    node,
                    "py.setup_cmdclass",
                    f"setup.py overrides the '{_last_name(node.bases[0]) if node.bases else node.name}' command: its code runs at install.",
                    f"class {node.name}",
                    raise_in_context=False,
                )
            # a command class registered only under a maintainer's own command name
            maintainer = not install and node.name in self.maintainer_classes
            if maintainer:
                self.scopes.append(Scope(MAINTAINER, False))
            self.scopes.append(Scope("class", self.scope.executed, install=install))
            self.class_names.append(node.name)
            self._body(node.body)
            self.class_names.pop()
            body = self.scopes.pop()
            if maintainer:
                self.scopes.pop()
            self.scope.export_class(node.name, body)
            return
        if type(node) is ast.If and (
            (is_main_guard(node.test) and self.role not in (ctx.SETUP, ctx.PTH))
            or (self.role == ctx.SETUP and not_an_install_command(node.test, self.argv_names))
        ):
            # runs only when the file is run as a script, not on import; in setup.py, only
            # for a maintainer's own command (publish, upload, tag), never under pip
            self._expr(node.test)
            self.scopes.append(Scope("function" if self.role != ctx.SETUP else MAINTAINER, False))
            self._body(node.body)
            self.scopes.pop()
            self._body(node.orelse)
            return
        if (
            type(node) is ast.If
            and self.role == ctx.CODE
            and self.scope.executed
            and (self.opt_in.test(node.test) or self.unpassed_branch(node.test))
        ):
            # runs only where someone set a debug switch (pyoptin), or a parameter no
            # load-time call passes was given (unpassed): not on import
            self._expr(node.test)
            self.scope.executed = False
            self._body(node.body)
            self.scope.executed = True
            self._body(node.orelse)
            return
        if type(node) is ast.For or type(node) is ast.AsyncFor:
            taint = []
            self._expr(node.iter, taint)
            iter_taint = self._taint_eval(taint)
            if isinstance(node.target, ast.Name):
                self.scope.taint[node.target.id] = iter_taint
            self._body(node.body)
            self._body(node.orelse)
            return
        if type(node) is ast.With or type(node) is ast.AsyncWith:
            if self.marker_body(node):  # with open(marker, "w"): pass / f.write("OK")
                for item in node.items:
                    self.note_empty_write(item.context_expr)
            for item in node.items:
                self._expr(item.context_expr)
                if isinstance(item.optional_vars, ast.Name):
                    self._assign(item.optional_vars, item.context_expr)
                    ce = item.context_expr
                    if isinstance(ce, ast.Call) and ce.args and self._opens_a_file(ce.func):
                        self.file_targets[item.optional_vars.id] = ce.args[0]
                    elif isinstance(ce, ast.Call) and (opened := path_opened(ce)) is not None:
                        self.file_targets[item.optional_vars.id] = opened
            self._body(node.body)
            return
        for child in children(node):
            if isinstance(child, ast.stmt):
                self._stmt(child)
            elif isinstance(child, ast.expr):
                self._expr(child)
            elif isinstance(child, ast.ExceptHandler | ast.match_case):
                for c in children(child):
                    if isinstance(c, ast.stmt):
                        self._stmt(c)
                    elif isinstance(c, ast.expr):
                        self._expr(c)

    def _note_return(self, value: ast.expr) -> None:
        """What a module-level function returns from a secret, the environment or the host
        (``def grab(): return dict(os.environ)``), so that ``requests.post(url,
        json=grab())`` is the chain that writing it inline is. A value built from the
        function's parameters is left out: it is what the caller handed in (a client's
        ``def auth_header(token): return {"Authorization": token}``). A method's return
        reaches ``self.name()``; a helper returning the path it wrote a download to hands
        its callers a downloaded file."""
        name, params = cast(tuple[str, frozenset[str]], self.returning)
        full = self.taint_of(value)
        if not full & _CARRIED:  # most returns carry nothing: no walk for parameters
            return
        if params and any(type(n) is ast.Name and n.id in params for n in walk(value)):
            return
        taint = full & RETURNED_TAINT
        if "downloaded" in full:  # the path a download was written to: what runs it runs that
            taint |= {"network"}
        if "env_ref" in full and self._holds_env_whole(value):
            taint |= {"env_ref"}  # the whole environment, not one variable an SDK reads
        if taint:
            self.return_taints[name] = self.return_taints.get(name, frozenset()) | taint

    def _bound_taint(
        self, value: ast.AST, taint: list[ast.AST] | None, f: Folded | None
    ) -> frozenset[str]:
        """The taint a name bound to ``value`` gets (``f``: what ``value`` folds to)."""
        t = self._taint_eval(taint) if taint is not None else self.taint_of(value)
        if self.mentions_store and names_a_store(value):
            t = t | {"storepath"}  # roaming + "\\discord\\Local Storage\\leveldb"
        if "env_ref" in t and self._holds_env_whole(value):
            # {"env": dict(os.environ)}: the name holds the whole environment, which a helper
            # returning it hands on (_note_return); no rule reads the mark otherwise
            t = t | {"env_whole"}
        if (f is not None and f.decoded) or (
            type(value) is ast.Call
            and (self._own_decoder_call(value) or self._imported_decoder_call(value))
        ):  # code = unmask(BLOB): the name holds decoded data, as if folded
            t = t | {"decoded"}
        return t

    def _assign(
        self,
        target: ast.AST,
        value: ast.AST,
        augment: bool = False,
        taint: list[ast.AST] | None = None,
    ) -> None:
        """Bind ``target`` to ``value``: aliases, folded constants and taint. ``taint`` holds
        the value's taint-relevant nodes when ``_expr`` collected them."""
        if isinstance(target, ast.Name):
            name = target.id
            self.note_path_tail(name, None if augment else value)
            if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Constant):
                self.folder.method_aliases[name] = value  # _ = "".join
            q = (
                self.qualname(value)
                if isinstance(value, ast.Name | ast.Attribute | ast.Call | ast.Subscript)
                else None
            )
            if q and not augment:
                self.scope.names[name] = cast(str, self._canon(q))  # a name's canonical form
            elif name in self.scope.names and not augment:
                del self.scope.names[name]
            vt = type(value)
            n = (
                int_constant(value, self._lookup_int)
                if not augment and (vt is ast.Constant or vt is ast.UnaryOp or vt is ast.BinOp)
                else None
            )
            if n is not None and abs(n) < 1 << 32:
                self.scope.ints[name] = n
            elif self.scope.ints:
                self.scope.ints.pop(name, None)
            f = self.folder.fold(value)
            if f is None and (vt is ast.List or vt is ast.Tuple):
                f = int_sequence(value)
            if f is not None and len(f.value) < 4 * 1024 * 1024:
                if augment and name in self.scope.consts:
                    prev = self.scope.consts[name]
                    if type(prev.value) is type(f.value):
                        self.scope.consts[name] = Folded(
                            cast(Any, prev.value) + f.value,  # both str or both bytes
                            prev.decoded or f.decoded,
                        )
                else:
                    self.scope.consts[name] = f
            elif not augment:
                self.scope.consts.pop(name, None)
            t = self._bound_taint(value, taint, f)
            self.scope.taint[name] = (self.scope.taint.get(name, frozenset()) | t) if augment else t
        elif isinstance(target, ast.Tuple | ast.List):
            t = self._taint_eval(taint) if taint is not None else self.taint_of(value)
            for e in target.elts:
                if isinstance(e, ast.Name):
                    self.scope.taint[e.id] = t
        elif isinstance(target, ast.Subscript):
            base = self.qualname(target.value)
            if base == "sys.modules":
                self.emit(
                    "obf.packer",
                    "medium",
                    target,
                    "py.sys_modules_swap",
                    "Replaces a module in sys.modules: later imports get this object instead.",
                )
        elif isinstance(target, ast.Attribute):
            q = self.qualname(target)
            if q and q.startswith("builtins.") and q.count(".") == 1 and q[9:] in PATCHABLE:
                # Patched as soon as the module loads, the process is hijacked for everyone;
                # patched inside a function (a kernel redirecting input, a logger redirecting
                # print, an import tracker, and restoring it after) it is a feature the caller
                # asks for: shown, not a threat by itself. So is a wrapper that passes every
                # call through to the original and acts on nothing (pywrappers).
                watch = isinstance(value, ast.Name) and self.watchers.only_watches(value.id)
                # print sees only what a program chose to show (nowfy copies it into its error
                # log at import): shown, unless its wrapper sends, starts or runs something
                shown_only = q == "builtins.print" and not (
                    isinstance(value, ast.Name) and self.watchers.sends(value.id)
                )
                self.emit(
                    "obf.packer",
                    "high" if self.scope.executed and not (watch or shown_only) else "medium",
                    target,
                    "py.builtins_patch",
                    "Wraps a built-in function for every module in the process, passing each "
                    "call through."
                    if watch
                    else "Overwrites a built-in function for every module in the process.",
                )

    # ------------------------------------------------------------------ expressions
    def _inlined(self, call: ast.Call) -> ast.AST | None:
        """(lambda c: exec(c))(decode(...)): read as what it computes; the lambda itself still
        counts for the packer's depth. An inlined body may hold lambda calls again (a
        self-application does, every time): a module inlines MAX_INLINED_CALLS at most."""
        if self.inlined >= MAX_INLINED_CALLS:
            return None
        body = inline_lambda_call(call)
        if body is not None:
            self.inlined += 1
        return body

    def _expr(self, node: ast.AST, taint: list[ast.AST] | None = None) -> None:
        """Apply the call, attribute and string rules to every node of an expression. With
        ``taint`` (an assigned value), the nodes ``taint_of`` would read are collected on the
        way for ``_taint_eval``: the value is walked once, not twice."""
        stack = [node]
        lambda_depth = 0
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            n = pop()
            t = type(n)
            if t is ast.Name:
                if taint is not None:  # a name is always taint-relevant
                    taint.append(n)
                continue  # a leaf once ctx is skipped
            # below type(n), not t: the type checker narrows n only so
            if type(n) is ast.Constant:  # taint_relevant's and _string's first tests inline
                v = n.value
                if type(v) is str:
                    if taint is not None and v[:1] in PATH_STARTS:
                        taint.append(n)
                    if len(v) >= 8:
                        self._string(n)
                elif type(v) is bytes:
                    self._string(n)
                continue
            if taint is not None and makes_signature(n):
                self._expr(n)  # walked for its rules; its taint is not collected
                continue
            if taint is not None and t in TAINT_TYPES and taint_relevant(n):
                taint.append(n)
            if type(n) is ast.Call:
                if type(n.func) is ast.Lambda and (body := self._inlined(n)) is not None:
                    lambda_depth = self._lambda_chain(n.func, lambda_depth)
                    push(body)
                    continue
                self._call(n)
                # the children in _children's order, keyword nodes replaced by their values
                push(n.func)
                extend(n.args)
                extend(self._keyword_values(n))
                continue
            if type(n) is ast.NamedExpr:  # (code := decode(...)): bound like an assignment
                self._assign(n.target, n.value)
            elif type(n) is ast.Attribute:
                if n.attr in _WATCHED_ATTRS:
                    if n.attr == "__pyarmor__":
                        self.emit("obf.packer", "high", n, "py.pyarmor", "PyArmor-protected code.")
                    else:
                        self._name_use(n)
                push(n.value)
                continue
            if type(n) is ast.Lambda:
                lambda_depth = self._lambda_chain(n, lambda_depth)
            elif (type(n) is ast.List or type(n) is ast.Tuple) and len(n.elts) >= 16:
                self._char_codes(n)
            extend(children(n))

    def _keyword_values(self, call: ast.Call) -> list[ast.expr]:
        """A call's keyword values; documentation ones are kept as data, like a docstring."""
        for k in call.keywords:
            if k.arg in _DOC_KEYWORDS:
                self.docstrings.update(id(c) for c in ast.walk(k.value) if type(c) is ast.Constant)
        return [k.value for k in call.keywords]
