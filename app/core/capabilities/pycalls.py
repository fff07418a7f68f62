"""Call rules of the Python analyser: what each resolved call can do.

A mixin of :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer` (which owns scopes,
name resolution, folding and taint): the dispatch of every call, obfuscated names, setup()
arguments. What a call does to the world -- processes, network, DNS, native libraries,
files -- is :mod:`.pyeffects`; what running built or decoded code means (exec/import sinks,
deserialisers, decoded executables, decoded source analysed again) is :mod:`.pysinks`. Each
rule emits through ``self.emit`` with a base severity; the analyser raises or lowers it by
context.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from app.core.capabilities import context as ctx
from app.core.capabilities.folding import to_text
from app.core.capabilities.pyeffects import EffectRules
from app.core.capabilities.pyeffects import (
    _last_name as _last_name,  # pyanalysis imports it from here
)
from app.core.capabilities.pynames import (
    BROWSER_COOKIE_MODULES,
    DESERIALIZE,
    DOWNLOAD_TO_DISK,
    EXEC_SINKS,
    IMPORT_SINKS,
    NATIVE_LOAD,
    NET_VERBS,
    PLATFORM_FACTS,
    SPAWN,
    SYSINFO,
    USER_INPUT,
    opens_a_video,
    reads_keys,
    sensitive_name,
)
from app.core.capabilities.pysinks import CodeSinkRules
from app.core.capabilities.pytaint import STORE_READERS

if TYPE_CHECKING:
    from app.core.capabilities.pystate import AnalyzerState
else:
    AnalyzerState = object  # PythonAnalyzer has the members (see pystate)

_COMMON_SETUP_REQUIRES = {
    "setuptools",
    "setuptools_scm",
    "setuptools-scm",
    "wheel",
    "cython",
    "numpy",
    "pytest-runner",
    "cffi",
    "pbr",
    "pybind11",
    "cmake",
    "ninja",
    "scikit-build",
    "setuptools-rust",
    "milksnake",
    "versioneer",
    "pkgconfig",
    "incremental",
}


def _lasts(*tables) -> frozenset[str]:
    return frozenset(q.rsplit(".", 1)[-1] for table in tables for q in table)


# The last name part of every call a rule in ``_call`` looks at. A method call ``a.b.name()``
# whose name is not here, on a plain name ``a`` that is not an input-hook module, cannot match
# any rule: ``_call`` skips resolving it (most calls in real code are of this kind).
PIP_MAIN = frozenset(
    {"pip.main", "pip._internal.main", "pip._internal.cli.main.main", "pip._internal.main.main"}
)


def _computed_name(node: ast.AST) -> bool:
    """A name built only from picked pieces (``s[1] + s[8] + f()[3]``): no literal part, at
    least three pieces. Ordinary dynamic imports use a variable or ``"pkg." + name``."""
    pieces: list[ast.AST] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
            stack.extend((n.left, n.right))
        else:
            pieces.append(n)
    return len(pieces) >= 3 and all(isinstance(p, ast.Subscript | ast.Call) for p in pieces)


# Calls that enumerate or copy a whole folder: over ~/.ssh or a wallet folder, a stealer's sweep.
_DIR_WALKERS = frozenset(
    {"os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob", "shutil.copytree"}
    | {"shutil.make_archive"}
)
# Loaders of a module from a path: what the file holds runs (see .datacode).
_MODULE_FROM_FILE = frozenset(
    {
        "importlib.util.spec_from_file_location",
        "importlib.machinery.SourceFileLoader",
        "imp.load_source",
    }
)


# Every qualified name a rule in ``_call`` looks at (pydeclarative reads it too).
CALL_RULE_QUALNAMES = frozenset().union(
    _DIR_WALKERS,
    _MODULE_FROM_FILE,
    IMPORT_SINKS,
    EXEC_SINKS,
    DESERIALIZE,
    SPAWN,
    DOWNLOAD_TO_DISK,
    SYSINFO,
    PLATFORM_FACTS,
    USER_INPUT,
    NATIVE_LOAD,
    NET_VERBS,
    {
        "builtins.getattr",
        "pip.main",
        "yaml.load",
        "yaml.load_all",
        "yaml.unsafe_load",
        "yaml.full_load",
        "os.dup2",
        "subprocess.Popen",
        "subprocess.run",
        "subprocess.call",
        "socket.gethostbyname",
        "socket.getaddrinfo",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "socket.gethostbyname_ex",
        "x.dlopen",
        "x.Fernet",
        "builtins.open",
        "x.write_text",
        "x.write_bytes",
        "shutil.copy",
        "shutil.copyfile",
        "shutil.copy2",
        "shutil.move",
        "os.rename",
        "os.replace",
        "os.chmod",
        "shutil.rmtree",
        "os.removedirs",
        "x.setup",
        "atexit.register",
        "itertools.starmap",
        "winreg.SetValueEx",
        "winreg.CreateKey",
        "os.environ.copy",
        "os.environ.items",
        "os.environ.values",
        "builtins.dict",
        "urllib.request.urlopen",
    },
)
CALL_RULE_LASTS = _lasts(CALL_RULE_QUALNAMES)
# Rules match any call under these modules, whatever its name (a cookie library's per-browser
# calls among them: BROWSER_COOKIE_MODULES).
_HOOK_ROOTS = ("pynput", "pyHook", *(m.rstrip(".") for m in BROWSER_COOKIE_MODULES))
# Registry keys whose values Windows runs: Run/RunOnce/RunServices, Winlogon's Shell/Userinit,
# Image File Execution Options debuggers.
_AUTOSTART_KEY = re.compile(
    r"CurrentVersion\\+(?:Run|RunOnce|RunServices|RunServicesOnce|Policies\\+Explorer\\+Run)\b"
    r"|Winlogon|Image File Execution Options",
    re.IGNORECASE,
)


# hashlib's and uuid's one-way functions: what goes in does not come out.
_HASHERS = frozenset(
    [
        "md5",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "blake2b",
        "blake2s",
        "sha3_256",
        "sha3_512",
        "new",
        "uuid3",
        "uuid5",
    ]
)


class CallRules(EffectRules, CodeSinkRules):
    hashed_nodes: set[int]

    def _names_autostart_key(self) -> bool:
        """Whether this file spells an autostart registry key anywhere (the key is usually
        opened in one call and written in another)."""
        cached = getattr(self, "_autostart_key", None)
        if cached is None:
            cached = any(_AUTOSTART_KEY.search(line) for line in self.lines)
            self._autostart_key = cached
        return cached

    def _call(self, node: ast.Call) -> None:  # noqa: C901
        func = node.func
        called = func.attr if type(func) is ast.Attribute else getattr(func, "id", None)
        if called == "__pyarmor__" or called == "pyarmor_runtime":  # a protected module
            self.emit("obf.packer", "high", node, "py.pyarmor", "PyArmor-protected code.")
        if called in _HASHERS and (self.qualname(func) or "").startswith(("hashlib.", "uuid.")):
            # a host fact hashed into an anonymous id (usage telemetry): see py.sysinfo below;
            # what goes in gives the digest no taint (pytaint)
            self.hashed_nodes.update(
                id(c)
                for a in node.args
                for c in ast.walk(a)
                if type(c) is ast.Call or type(c) is ast.Name
            )
        if (
            type(func) is ast.Attribute
            and func.attr not in CALL_RULE_LASTS
            and not self.mentions_environ
        ):
            root = func.value
            while type(root) is ast.Attribute:
                root = root.value
            if type(root) is ast.Name:
                resolved = self._lookup_name(root.id)
                # Cls.attr bound to a function in a class body (Scope.export_class)
                alias = resolved is None and self._lookup_name(f"{root.id}.{func.attr}")
                if not alias and (resolved is None or not resolved.startswith(_HOOK_ROOTS)):
                    self._method_call(node, func.attr)
                    return
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
            if name_arg is not None and _computed_name(name_arg):
                self.emit(
                    "obf.packer",
                    "high",
                    node,
                    "py.name_from_pieces",
                    "Imports or looks up a name assembled from pieces picked out of other "
                    "strings, to hide what it uses.",
                )
            if name_arg is not None and not isinstance(name_arg, ast.Constant | ast.Name):
                folded = self.folder.fold(name_arg)
                if (
                    folded is not None
                    and not folded.partial
                    and sensitive_name(to_text(folded.value))
                ):
                    self.emit(
                        "obf.packer",
                        "high",
                        node,
                        "py.name_from_strings",
                        f"Builds the name '{to_text(folded.value)[:60]}' from pieces to hide what it uses.",
                    )
            if q == "builtins.getattr" and len(args) > 1:
                base = self._canon(self.qualname(args[0]))
                attr = self.folder.fold_value(args[1])
                if (
                    base == "builtins"
                    and attr is not None
                    and to_text(attr) in ("exec", "eval", "compile", "__import__")
                ):
                    self.emit(
                        "obf.packer",
                        "medium",
                        node,
                        "py.builtins_getattr",
                        f"Reaches {to_text(attr)} indirectly through the builtins module.",
                    )
                elif (
                    base == "builtins"
                    and attr is None
                    and isinstance(args[1], ast.BinOp | ast.Call | ast.Subscript | ast.JoinedStr)
                ):
                    # With a fallback (getattr(builtins, name, ValueError)) the code expects
                    # the name may not exist: a lookup by a name from data (an exception class
                    # named in a config), not a hidden exec.
                    fallback = len(args) > 2
                    self.emit(
                        "obf.packer",
                        "medium" if fallback else "high",
                        node,
                        "py.builtins_computed_name",
                        "Reaches a builtin whose name is computed at run time, to hide which one it uses."
                        if not fallback
                        else "Looks a builtin up by a name computed at run time, with a fallback.",
                    )
        if q in PIP_MAIN:
            self.emit(
                "install.dependency_pull",
                "medium",
                node,
                "py.pip_main",
                f"Installs packages from its own code ({q}).",
            )

        if (q == "builtins.map" or q == "itertools.starmap") and len(args) > 1:
            self._mapped_sink(node, args, star=q == "itertools.starmap")
        elif q in _MODULE_FROM_FILE:
            self.emit(
                "exec.dynamic",
                "low",
                node,
                "py.exec_local_file",
                f"Loads a module from a file path ({q.rsplit('.', 1)[-1]}).",
                raise_in_context=False,
            )
        if q in EXEC_SINKS or q in IMPORT_SINKS:
            self._exec_sink(node, q, arg0)
        elif q in DESERIALIZE:
            self._deserialize(node, q, arg0)
        elif q in ("yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.full_load"):
            loader = kw.get("Loader") or (args[1] if len(args) > 1 else None)
            lq = self.qualname(loader) if loader is not None else None
            if (
                q == "yaml.unsafe_load"
                or loader is None
                or "Unsafe" in (lq or "")
                or (lq or "").endswith("yaml.Loader")
            ):
                self.emit(
                    "exec.deserialize",
                    "medium",
                    node,
                    "py.yaml_load",
                    "yaml.load without a safe loader can build arbitrary Python objects.",
                )
        if q == "os.dup2" and arg0 is not None and self._is_socket_fd(arg0):
            listening = self._listening_socket(arg0)
            self.emit(
                "net.reverse_shell",
                "medium" if listening else "critical",
                node,
                "py.dup2_listening_socket" if listening else "py.dup2_socket",
                "Hands a socket it binds (and never connects) to a standard stream: a server's "
                "listening socket passed on."
                if listening
                else "Connects a network socket to standard input/output: a reverse shell.",
                raise_in_context=False,
            )
        if (q in SPAWN or q == "pty.spawn") and any(self._is_socket_fd(v) for v in kw.values()):
            self.emit(
                "net.reverse_shell",
                "critical",
                node,
                "py.shell_on_socket",
                "Starts a program whose input/output is a network socket: a remote shell.",
                raise_in_context=False,
            )
        if q in SPAWN or (q.startswith("subprocess.") and last in ("Popen", "run", "call")):
            self._spawn(node, q, args, kw)
        if q in DOWNLOAD_TO_DISK:
            target = args[1] if len(args) > 1 else kw.get("filename") or kw.get("out")
            self.emit(
                "net.download_to_disk",
                "medium",
                node,
                "py.urlretrieve",
                "Downloads a file from the network straight to disk.",
                raise_in_context=not self.in_source_tree(target),
            )
            self._mark_downloaded(target)
        elif self._is_net(q):
            self._network(node, q, args, kw)
        if q in SYSINFO and id(node) in self.hashed_nodes:
            # sha512(socket.gethostname()): a one-way id counts installs, it names no host
            self.emit(
                "collect.sysinfo",
                "low",
                node,
                "py.sysinfo_hashed",
                f"Hashes a host fact ({q}) into an anonymous id: the host is not named.",
                raise_in_context=False,
            )
        elif q in SYSINFO and not (q == "socket.getfqdn" and args):
            self.emit("collect.sysinfo", "low", node, "py.sysinfo", f"Collects host facts ({q}).")
        elif q in PLATFORM_FACTS:
            self.emit(
                "collect.sysinfo",
                "low",
                node,
                "py.platform_facts",
                f"Reads which platform it runs on ({q}): no host or user name.",
                raise_in_context=False,
            )
        if (
            q
            in (
                "socket.gethostbyname",
                "socket.getaddrinfo",
                "dns.resolver.resolve",
                "dns.resolver.query",
                "socket.gethostbyname_ex",
            )
            and arg0 is not None
        ):
            self._dns(node, arg0)
        if (q in USER_INPUT or reads_keys(q)) and not opens_a_video(
            q, arg0, self.folder.fold_value
        ):
            self.emit(
                "collect.user_input",
                "high",
                node,
                "py.user_input",
                f"Captures user input ({q}): clipboard, keystrokes or the screen.",
            )
        if q.startswith(BROWSER_COOKIE_MODULES):
            self.emit(
                "cred.browser_data",
                "high",
                node,
                "py.browser_cookies",
                f"Reads a browser's cookies, its logged-in sessions ({q}).",
            )
        if q in NATIVE_LOAD or q.endswith(".dlopen"):
            self._native(node, q, arg0)
        if q.endswith(".Fernet") or q == "cryptography.fernet.Fernet":
            if arg0 is not None and self.folder.fold(arg0) is not None:
                self.emit(
                    "obf.packer",
                    "high",
                    node,
                    "py.inline_fernet",
                    "Decrypts with a key written into the code: the encryption only hides the payload.",
                )
        if q in _DIR_WALKERS:
            self._secret_dir(node, q, args, kw)
        if q in ("builtins.open", "io.open", "codecs.open", "os.open") or last in (
            "write_text",
            "write_bytes",
        ):
            self._open(node, q, args, kw)
        if self.mentions_store and args and q in STORE_READERS:
            self._read_store(node, args[0])
        if (
            q
            in (
                "shutil.copy",
                "shutil.copyfile",
                "shutil.copy2",
                "shutil.move",
                "os.rename",
                "os.replace",
            )
            and len(args) >= 2
        ):
            self._write_target(node, args[1], "copies a file to", source=args[0])
        if q in ("os.chmod", "pathlib.Path.chmod") and args:
            mode = args[-1] if len(args) > 1 else None
            if mode is not None:
                m = (
                    mode.value
                    if isinstance(mode, ast.Constant) and isinstance(mode.value, int)
                    else None
                )
                src = ast.unparse(mode)
                if (m is not None and m & 0o111) or "EXEC" in src or "S_IX" in src:
                    t = self.taint_of(args[0])
                    if "network" in t:
                        self.emit(
                            "net.download_to_disk",
                            "high",
                            node,
                            "py.chmod_download",
                            "Makes a downloaded file executable.",
                        )
                    elif "homepath" in t:
                        self.emit(
                            "fs.write_outside",
                            "medium",
                            node,
                            "py.chmod_outside",
                            "Makes a file outside the package executable.",
                        )
        if q in ("shutil.rmtree", "os.removedirs") and arg0 is not None:
            p = self.folder.fold_value(arg0)
            t = self.taint_of(arg0)
            pt = to_text(p) if p is not None else None
            # homedir, not homepath: removing the temp folder the code made is cleanup.
            if pt in ("/", "~", "C:\\", "C:/", "/home", "/Users") or (
                pt is None and isinstance(arg0, ast.Call) and "homedir" in t
            ):
                self.emit(
                    "impact.destructive",
                    "critical",
                    node,
                    "py.rmtree_home",
                    "Deletes the whole home folder or disk recursively.",
                )
        if self.role == ctx.SETUP and last == "setup" and "setup_requires" in kw:
            self._setup_requires(node, kw["setup_requires"])
        if q == "atexit.register" and self.role == ctx.SETUP:
            self.emit(
                "install.setup_code",
                "medium",
                node,
                "py.setup_atexit",
                "setup.py registers code to run when the installer exits.",
                raise_in_context=False,
            )
        if q in ("winreg.SetValueEx", "_winreg.SetValueEx", "winreg.CreateKey"):
            keyt = " ".join(
                to_text(v) for a in args if (v := self.folder.fold_value(a)) is not None
            )
            if _AUTOSTART_KEY.search(keyt) or self._names_autostart_key():
                self.emit(
                    "persist.autostart",
                    "high",
                    node,
                    "py.registry_run",
                    "Writes a registry value, and the file names an autostart key (Run, "
                    "RunOnce, Winlogon, Image File Execution Options).",
                )
            else:  # COM registration, settings stores: a registry write is not autostart
                self.emit(
                    "persist.autostart",
                    "medium",
                    node,
                    "py.registry_write",
                    "Writes a registry value (no autostart key is named in this file).",
                    raise_in_context=False,
                )
        for a in (list(args) + list(kw.values())) if self.mentions_environ else ():
            if self._is_env_whole(a) and (
                q
                in (
                    "json.dumps",
                    "builtins.str",
                    "builtins.repr",
                    "builtins.print",
                    "pickle.dumps",
                    "base64.b64encode",
                )
                or self._is_net(q)
            ):
                self.emit(
                    "cred.env_bulk",
                    "high",
                    node,
                    "py.env_dump",
                    "Serialises or sends the whole environment, where tokens and keys live.",
                )
        if q in ("json.dump", "pickle.dump") and len(args) > 1:  # (data, file handle)
            self._written(node, args[0], args[1])
        if q in ("os.environ.copy", "os.environ.items", "os.environ.values") or (
            q == "builtins.dict" and arg0 is not None and self._is_env_whole(arg0)
        ):
            self.emit(
                "cred.env_bulk",
                "low",
                node,
                "py.env_copy",
                "Reads the whole environment (often only to pass it to a child process).",
                raise_in_context=False,
            )

    def _method_call(self, node: ast.Call, attr: str) -> None:
        if attr in ("write", "write_bytes") and node.args:
            self._embedded_binary(node, node.args[0])
        if attr == "write" and node.args and isinstance(node.func, ast.Attribute):
            self._written(node, node.args[0], node.func.value)

    def _setup_requires(self, node: ast.Call, value: ast.AST) -> None:
        """setup_requires: packages the installer fetches and runs before the build itself."""
        items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
        names = [to_text(v) for e in items if (v := self.folder.fold_value(e)) is not None]
        urls = [n for n in names if "://" in n or n.startswith("git+")]
        for u in urls:
            self.emit(
                "meta.url_dependency",
                "high",
                node,
                "py.setup_requires_url",
                "setup_requires fetches a build dependency from a URL or git repository.",
                u,
                raise_in_context=False,
            )
        unusual = [
            n
            for n in names
            if n not in urls
            and re.split(r"[<>=!~;\[ ]", n, maxsplit=1)[0].lower() not in _COMMON_SETUP_REQUIRES
        ]
        if names:
            self.emit(
                "install.setup_code",
                "medium" if unusual else "low",
                node,
                "py.setup_requires",
                "setup_requires installs and runs build dependencies first: "
                + ", ".join(names[:6])
                + ".",
                raise_in_context=False,
            )
