"""Taint of Python values: what an expression may hold (decoded data, network data, the
environment, host facts, a home path, a secret, a local file's text).

``homepath`` marks any folder outside the package (home, temp, system); ``homedir`` those of
them that are not a temp folder: deleting what ``tempfile.mkdtemp()`` made is cleanup, deleting
what ``expanduser("~")`` names is not, and a value built from both keeps ``homedir``.

A mixin of :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer`, which owns the scopes
the names are looked up in.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from app.core.capabilities import strings as sig
from app.core.capabilities.folding import to_text
from app.core.capabilities.pynames import (
    BROWSER_COOKIE_MODULES,
    BROWSER_NAMES,
    DECODERS,
    ENCODERS,
    HOME_ENV,
    HOME_SOURCES,
    NET_VERBS,
    SYSINFO,
)
from app.core.capabilities.pysigning import makes_signature
from app.core.capabilities.pytree import children, walk

# Environment variables that name the temp folder (a subset of HOME_ENV).
_TEMP_ENV = frozenset({"TEMP", "TMP", "TMPDIR"})

if TYPE_CHECKING:
    from app.core.capabilities.pystate import AnalyzerState
else:
    AnalyzerState = object  # PythonAnalyzer has the members (see pystate)

# Last name parts of every call that ``taint_of`` gives a taint to: a method call whose name
# is not here cannot taint (unless it hangs off a call, ``open(p).read()``).
_TAINT_LASTS = frozenset(
    {q.rsplit(".", 1)[-1] for q in DECODERS | SYSINFO | HOME_SOURCES}
    | NET_VERBS
    | {
        "decrypt",
        "b64decode",
        "decompress",
        "read_text",
        "read_bytes",
        "read",  # of a file a with-block opened (see _reads_opened)
        "recv",
        "recvfrom",
        "recv_into",
        "socket",
        "create_connection",
        "accept",
        "home",
        "expanduser",
        "open",
        "copy",
        "urlopen",
        "connect",  # sqlite3.connect(a browser's Login Data)
        "EnumValue",
        "QueryValueEx",
        "QueryValue",
    }
    | {q.rsplit(".", 1)[-1] for q in ENCODERS}
    | BROWSER_NAMES
)

# ``open`` under the names a module may import it by (``from codecs import open`` in a setup.py
# written for Python 2): what it reads is a local file whichever module it came from.
_OPENERS = frozenset({"builtins.open", "io.open", "codecs.open"})
# Calls that read a store given its path or key: what they return from a stealer's store (a
# name marked ``storepath``) is a secret, as the text ``open`` reads from one is.
STORE_READERS = (
    _OPENERS
    | {
        f"{module}.{call}"
        for module in ("winreg", "_winreg")
        for call in ("EnumValue", "QueryValueEx", "QueryValue")
    }
    | {"sqlite3.connect"}
)
_OPENED_READS = tuple(f"{q}()" for q in sorted(_OPENERS))


# What a module-level function's or a method's return carries to its callers
# (pyanalysis._note_return): what a stealer collects, and the path a download was written to.
# Not network data or decoded data: a client's helpers return responses and a loader's return
# decoded files, and their callers have rules of their own. (The whole environment is added
# there when the return holds all of it; one variable is how an SDK is configured.)
RETURNED_TAINT = frozenset({"secret", "env", "sysinfo", "wallet", "downloaded"})
_SELF_NAMES = ("self", "cls")


def names_a_store(value: ast.AST) -> bool:
    """Whether ``value`` has a literal naming a stealer's store
    (:data:`~app.core.capabilities.strings.STEALER_STORE_RE`)."""
    return any(
        type(n) is ast.Constant and type(n.value) is str and sig.STEALER_STORE_RE.search(n.value)
        for n in ast.walk(value)
    )


def param_names(args: ast.arguments, method: bool = False) -> frozenset[str]:
    """The names a function's parameters bind (``*args`` and ``**kw`` too); a method's
    first (``self``, what its other methods filled in) is not one its caller hands in."""
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if method and names:
        names = names[1:]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return frozenset(names)


# The only node types taint_relevant can accept (asked about every node of an assigned value).
TAINT_TYPES = frozenset({ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant})


def taint_relevant(n: ast.AST) -> bool:
    """Whether ``_taint_eval`` can get anything from this node (cheap, syntax only)."""
    # type(n) is tested each time (not saved once): the type checker narrows n only so
    if type(n) is ast.Name:
        return True
    if type(n) is ast.Attribute:  # only os.environ matters, and its last part is "environ"
        return n.attr == "environ"
    if type(n) is ast.Call:
        func = n.func
        return (
            type(func) is not ast.Attribute
            or func.attr in _TAINT_LASTS
            or _rooted_in_call(func)
            or (type(func.value) is ast.Name and func.value.id in _SELF_NAMES)
        )
    if type(n) is ast.Subscript:
        v = n.value
        return type(v) is not ast.Attribute or v.attr == "environ"
    return type(n) is ast.Constant and type(n.value) is str and n.value[:1] in PATH_STARTS


PATH_STARTS = frozenset("~/C%")


def _rooted_in_call(node: ast.AST) -> bool:
    """``open(p).read`` or ``f().x.y``: an attribute chain that starts at a call's result."""
    while type(node) is ast.Attribute:
        node = node.value
    return type(node) is ast.Call


class TaintRules(AnalyzerState):
    def taint_of(self, node: ast.AST | None) -> frozenset[str]:
        """What the value of ``node`` may hold: decoded data, network data, the environment,
        host facts, a home path, a secret, a local file's text."""
        if node is None:
            return frozenset()
        found: list[ast.AST] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if makes_signature(n):
                continue
            if taint_relevant(n):
                found.append(n)
            if type(n) is not ast.Name:
                stack.extend(children(n))
        return self._taint_eval(found)

    def _taint_eval(self, nodes: list[ast.AST]) -> frozenset[str]:  # noqa: C901
        """The taint of the nodes ``_taint_relevant`` picked out of an expression (by
        ``taint_of`` or during ``_expr``'s own walk, so values are walked once)."""
        out: set[str] = set()
        hashed = self.hashed_nodes
        for n in nodes:
            if hashed and id(n) in hashed:
                continue  # sha512(socket.gethostname()): a one-way id names no host
            if type(n) is ast.Name:
                out |= self._lookup_taint(n.id)
                if self._lookup_name(n.id) == "os.environ":
                    out.add("env_ref")
            elif type(n) is ast.Attribute:
                if self._canon(self.qualname(n)) == "os.environ":
                    out.add("env_ref")
            elif type(n) is ast.Call:
                if _reads_stdin(n.func):
                    out.add("stdin")  # fed by the parent process (a remote bootstrap)
                    continue
                if _reads_opened(n.func, self.file_targets):
                    out.add("localfile")  # with open(p) as f: ... f.read()
                    continue
                q = self._canon(self.qualname(n.func))
                if q is None:
                    if type(n.func) is ast.Name and n.func.id in self.file_readers:
                        out.add("localfile")  # the module's own read-a-file helper
                    elif type(n.func) is ast.Name and n.func.id in self.return_taints:
                        out |= self.return_taints[n.func.id]  # what the module's helper returns
                    elif (
                        type(n.func) is ast.Attribute
                        and type(n.func.value) is ast.Name
                        and n.func.value.id in _SELF_NAMES
                        and "." + n.func.attr in self.return_taints
                    ):
                        out |= self.return_taints["." + n.func.attr]  # self.collect()
                    elif isinstance(n.func, ast.Attribute):
                        if n.func.attr in ("decrypt", "decompress", "b64decode"):
                            out.add("decoded")
                        elif n.func.attr in ("read_text", "read_bytes"):
                            out.add("localfile")
                        elif n.func.attr in ("recv", "recvfrom", "recv_into"):
                            out.add("network")
                    continue
                if q in DECODERS or q.endswith((".decrypt", ".b64decode", ".decompress")):
                    out.add("decoded")
                elif q in ENCODERS:
                    out.add("encoded")  # data made safe for a URL or a DNS label
                elif self._is_net(q) or q.endswith((".recv", ".recvfrom", ".recv_into")):
                    out.add("network")
                elif q in ("socket.socket", "socket.create_connection") or q.endswith(".accept"):
                    out.add("local_socket" if self._local_socket(n) else "socket")
                elif q.startswith(BROWSER_COOKIE_MODULES):
                    out.add("secret")  # a browser's session cookies
                elif q in SYSINFO and not (q == "socket.getfqdn" and n.args):
                    out.add("sysinfo")
                elif q in HOME_SOURCES or q.endswith((".home", ".expanduser")):
                    arg = self.folder.fold_value(n.args[0]) if n.args else None
                    if q in ("os.getenv", "os.environ.get"):
                        if arg is not None and to_text(arg).upper() in HOME_ENV:
                            out.add("homepath")
                            if to_text(arg).upper() not in _TEMP_ENV:
                                out.add("homedir")
                    else:
                        out.add("homepath")
                        if not q.startswith("tempfile."):
                            out.add("homedir")
                elif (
                    self.mentions_store
                    and q in STORE_READERS
                    and n.args
                    and ("storepath" in self.taint_of(n.args[0]))
                ):
                    # open(os.path.join(leveldb, name)), a browser's Login Data database,
                    # the registry key of a Roblox session cookie
                    out.add("secret")
                elif q in _OPENERS and n.args:
                    p = self.folder.fold_value(n.args[0])
                    if p is not None and sig._SECRET_RE.search(to_text(p)):
                        out.add("secret")
                    else:
                        out.add("localfile")
                elif q.endswith((".read_text", ".read_bytes")) or q.startswith(_OPENED_READS):
                    out.add("localfile")
                elif q == "os.environ.copy":
                    out.add("env")
            elif type(n) is ast.Subscript:
                if self.qualname(n.value) == "os.environ":
                    k = self.folder.fold_value(n.slice)
                    if k is not None and to_text(k).upper() in HOME_ENV:
                        out.add("homepath")
                        if to_text(k).upper() not in _TEMP_ENV:
                            out.add("homedir")
            elif cast(str, cast(ast.Constant, n).value).startswith(
                ("~", "/tmp", "/etc/", "C:\\", "%APPDATA%", "%TEMP%")
            ):  # a str Constant (taint_relevant lets no other node through)
                out.add("homepath")
                if not cast(str, cast(ast.Constant, n).value).startswith(("/tmp", "%TEMP%")):
                    out.add("homedir")
        return frozenset(out)

    def _is_socket_fd(self, node: ast.AST) -> bool:
        """``s.fileno()`` where ``s`` is a socket (or an accepted connection), or the socket
        itself: subprocess takes any object with a ``fileno()`` as a standard stream."""
        if isinstance(node, ast.Name):
            return "socket" in self._lookup_taint(node.id)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "fileno"
        ):
            bound = (
                self._lookup_taint(node.func.value.id)
                if isinstance(node.func.value, ast.Name)
                else frozenset()
            )
            if "local_socket" in bound:  # socket.socket(AF_UNIX): see _local_socket
                return False
            base = self._canon(self.qualname(node.func.value)) or ""
            return base.startswith("socket.") or "socket" in bound
        return False

    def _listening_socket(self, node: ast.AST) -> bool:
        """``sock.fileno()`` of a socket this file binds and never connects: a server handing
        its listening socket to a child's standard input (socket activation, a test of a
        ``--fd`` option). A reverse shell connects out; a bind shell hands over the connection
        ``accept()`` returned, never the listening socket itself."""
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
        ):
            return False
        name = re.escape(node.func.value.id)
        text = "\n".join(self.lines)
        return (
            re.search(rf"\b{name}\.bind\(", text) is not None
            and re.search(rf"\b{name}\.connect(?:_ex)?\(", text) is None
        )

    def _local_socket(self, call: ast.Call) -> bool:
        """``socket.socket(socket.AF_UNIX, ...)``: a socket file on this machine (a runtime's
        log or IPC channel), which no remote host can reach. Wiring one to a process's standard
        streams forwards its output to a local collector; it is no remote shell."""
        family = call.args[0] if call.args else None
        for k in call.keywords:
            if k.arg == "family":
                family = k.value
        return family is not None and self._canon(self.qualname(family)) == "socket.AF_UNIX"

    def _holds_env_whole(self, value: ast.AST) -> bool:
        """Whether ``value`` holds the whole environment somewhere (``os.environ``,
        ``dict(os.environ)``, ``os.environ.copy()``), not one variable of it
        (``os.environ.get("APP_NAME")``, ``os.environ["HOME"]``)."""
        if type(value) is ast.Name and "env_whole" in self._lookup_taint(value.id):
            return True
        nodes = list(walk(value))
        receivers = {
            id(n.value) for n in nodes if type(n) is ast.Attribute or type(n) is ast.Subscript
        }
        return any(
            id(n) not in receivers and self._is_env_whole(n)
            for n in nodes
            if type(n) is ast.Name or type(n) is ast.Attribute or type(n) is ast.Call
        )

    def _is_env_whole(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name | ast.Attribute):
            q = self._canon(self.qualname(node))
            if q == "os.environ":
                return True
            if isinstance(node, ast.Name) and "env" in self._lookup_taint(node.id):
                return True
        if isinstance(node, ast.Call):
            q = self._canon(self.qualname(node.func))
            return q in ("os.environ.copy", "os.environ.items") or (
                q == "builtins.dict" and bool(node.args) and self._is_env_whole(node.args[0])
            )
        return False

    def _written(self, node: ast.Call, data: ast.AST, fh: ast.AST) -> None:
        """``fh.write(data)`` or ``json.dump(data, fh)``: a download written to a file (the
        path's name then holds a downloaded file), or the environment or a secret staged in a
        file (the path's name then carries it, so uploading that file sends it)."""
        target = self.file_targets.get(fh.id) if isinstance(fh, ast.Name) else None
        if isinstance(fh, ast.Call) and fh.args:
            target = fh.args[0]
        if "network" in self.taint_of(data):
            self.emit(
                "net.download_to_disk",
                "medium",
                node,
                "py.write_download",
                "Writes data downloaded from the network to a file.",
            )
            self._mark_downloaded(target)
        elif isinstance(target, ast.Name):
            staged = self.taint_of(data) & {"env", "secret"}
            if self._is_env_whole(data):
                staged |= {"env_ref"}
            if staged:
                self.scope.taint[target.id] = self._lookup_taint(target.id) | staged

    def _mark_downloaded(self, target: ast.AST | None) -> None:
        """The name that holds a downloaded file's path carries the network taint from now on."""
        if isinstance(target, ast.Name):
            self.scope.taint[target.id] = self._lookup_taint(target.id) | {"network", "downloaded"}


_READS = frozenset({"read", "read_text", "read_bytes"})
_TEXT_TIDY = frozenset({"decode", "strip", "rstrip", "lstrip", "replace"})


def file_readers(top: Mapping[str, ast.AST]) -> frozenset[str]:
    """The module's functions that only return a file's text: ``def read(name): with
    open(join(here, name)) as f: return f.read()`` (setup.py's version-file helper), also
    through local names and ``compile``: ``file = open(name); source = file.read(); source =
    source.replace("\\r\\n", "\\n"); return compile(source, name, "exec")`` (suds). Their
    result is a local file's text, as ``open(p).read()`` written inline is."""
    out = set()
    for name, fn in top.items():
        opened = {
            item.optional_vars.id
            for w in ast.walk(fn)
            if isinstance(w, ast.With)
            for item in w.items
            if isinstance(item.optional_vars, ast.Name) and _opens(item.context_expr)
        }
        assigned = _local_assignments(fn)
        opened |= {n for n, values in assigned.items() if all(_opens(v) for v in values)}
        texts = _text_names(assigned, opened)
        returns = [r.value for r in ast.walk(fn) if isinstance(r, ast.Return)]
        if returns and all(_file_text(v, opened, texts) for v in returns):
            out.add(name)
    return frozenset(out)


def _local_assignments(fn: ast.AST) -> dict[str, list[ast.expr]]:
    """Every value each plain name of ``fn`` is bound to (``x = v``); a name bound any other
    way (a loop, a tuple, ``+=``) gets None among its values, so it is never trusted."""
    out: dict[str, list] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out.setdefault(t.id, []).append(node.value)
                else:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            out.setdefault(n.id, []).append(None)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.NamedExpr):
            target = node.target
            for n in ast.walk(target):
                if isinstance(n, ast.Name):
                    out.setdefault(n.id, []).append(None)
    return out


def _text_names(assigned: Mapping[str, list], opened: set[str]) -> frozenset[str]:
    """The local names only ever bound to a file's text or a tidied copy of such a name
    (``source = source.replace(...)``): every name is a candidate, and one bound to anything
    else drops out, with the names that lean on it, until none changes."""
    texts = {n for n, values in assigned.items() if None not in values}
    while True:
        kept = {n for n in texts if all(_file_text(v, opened, texts) for v in assigned[n])}
        if kept == texts:
            return frozenset(texts)
        texts = kept


def returns_an_opened_file(fn: ast.AST) -> bool:
    """``def _open(p): return open(join(here, p))``: every return opens a file."""
    returns = [r.value for r in ast.walk(fn) if isinstance(r, ast.Return)]
    return (
        bool(returns) and all(_opens(v) for v in returns if v is not None) and None not in returns
    )


def path_opened(call: ast.Call) -> ast.expr | None:
    """The path of ``(root / "about.py").open("r")`` or ``Path(p).open()``: a pathlib path
    opened as a file, as ``open(path)`` is (not ``webbrowser.open(url)`` or ``zf.open(name)``,
    whose receiver is no path built here)."""
    f = call.func
    if not (isinstance(f, ast.Attribute) and f.attr == "open"):
        return None
    recv = f.value
    if isinstance(recv, ast.BinOp) and isinstance(recv.op, ast.Div):
        return recv
    if isinstance(recv, ast.Call) and _last_name(recv.func) in ("Path", "PurePath"):
        return recv
    return None


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _opens(node: ast.AST) -> bool:
    """``open(...)``, ``io.open(...)``, ``codecs.open(...)``, ``path.open(...)``."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "open") or (
        isinstance(f, ast.Attribute) and f.attr == "open"
    )


def _file_text(
    node: ast.AST | None, opened: set[str], texts: frozenset[str] | set[str] = frozenset()
) -> bool:
    """``f.read()`` of a file this function opened, ``open(p).read()``,
    ``Path(p).read_text()``, a local name only bound to one of those (``texts``), possibly
    tidied (``.decode()``, ``.strip()``) or compiled (``compile(source, name, "exec")``)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "compile"
        and node.args
    ):
        node = node.args[0]
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _TEXT_TIDY
    ):
        node = node.func.value
    if isinstance(node, ast.Name):
        return node.id in texts
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    attr, recv = node.func.attr, node.func.value
    if attr in ("read_text", "read_bytes"):
        return True
    return attr == "read" and ((isinstance(recv, ast.Name) and recv.id in opened) or _opens(recv))


def _reads_stdin(func: ast.AST) -> bool:
    """``sys.stdin.read(n)``, ``sys.stdin.buffer.read()``, ``stdin.read(n)``: data the process
    is fed by whoever started it. A package imported or installed on a victim's machine is fed
    nothing; sshuttle's server half reads the modules its client pipes over ssh."""
    if type(func) is not ast.Attribute or func.attr != "read":
        return False
    recv = func.value
    if type(recv) is ast.Attribute and recv.attr == "buffer":
        recv = recv.value
    return (type(recv) is ast.Name and recv.id == "stdin") or (
        type(recv) is ast.Attribute and recv.attr == "stdin"
    )


def _reads_opened(func: ast.AST, opened: Mapping[str, ast.AST]) -> bool:
    """``f.read`` where ``f`` is a file a ``with open(...) as f`` opened."""
    return (
        type(func) is ast.Attribute
        and func.attr == "read"
        and type(func.value) is ast.Name
        and func.value.id in opened
    )
