"""File rules of the Python analyser: what a file opened, written or swept is.

Reads of secret files and browser stores, writes to autostart places, the standard library or
outside the package (a settings file or a marker shown lower), a credential folder
enumerated whole, and the path tail a name is bound to (``os.path.join(home, "x.json")``).
A mixin below :class:`~app.core.capabilities.pyeffects.EffectRules`; it stands alone because
it judges paths, not processes or the network, and the spawn rules only borrow
:meth:`FileRules.path_tail` from it.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from app.core.astparse import parse_python
from app.core.capabilities import strings as sig
from app.core.capabilities.folding import to_text

if TYPE_CHECKING:
    from app.core.capabilities.pystate import AnalyzerState
else:
    AnalyzerState = object  # PythonAnalyzer has the members (see pystate)

_SECRET_DIR_RE = re.compile(
    r"(?:^|[/\\~}])\.(?:ssh|aws|gnupg|kube|docker|azure)$|[/\\](?:Exodus(?:[/\\]exodus\.wallet)?|"
    r"Electrum[/\\]wallets|"
    r"Ethereum[/\\]keystore|Local Storage[/\\]leveldb|Telegram Desktop[/\\]tdata)$",
    re.I,
)
# Calls whose result is a path ending in their last argument.
_PATH_CALLS = frozenset(
    {
        "os.path.join",
        "os.path.expanduser",
        "os.path.expandvars",
        "os.path.abspath",
        "os.path.normpath",
        "os.path.realpath",
        "os.fspath",
        "pathlib.Path",
        "pathlib.PurePath",
        "builtins.str",
    }
)
# Calls whose last argument names the program or path the code falls back to.
_OVERRIDABLE = frozenset({"os.environ.get", "os.getenv", "shutil.which"})
# A settings file: what a library writes its defaults to on first use (~/.keras/keras.json).
_SETTINGS_FILE = re.compile(r"\.(?:json|toml|ini|cfg|conf|ya?ml)$", re.I)
# What a library keeps for itself outside its folder: a cache of work it did (a parsed FFI
# header pickled to the temp folder), a version stamp, a data file it copies from an installed
# resource (ICU tables) - by name, where no runnable suffix says otherwise.
_KEPT_DATA = re.compile(r"cache|version|\.dat$|\.pickle$|\.pkl$", re.I)
_RUNNABLE = re.compile(
    r"\.(?:py|pyc|pyw|pth|sh|bash|zsh|ps1|bat|cmd|vbs|js|exe|dll|so|dylib|scr|jar|desktop"
    r"|service|plist|timer|lnk)$",
    re.I,
)


# An f-string's field in a path tail (see FileRules.path_tail).
_FIELD = "\0"


def _plain_end(node: ast.JoinedStr) -> bool:
    """Whether the f-string ends with written text holding a suffix (``.pickle``)."""
    last = node.values[-1] if node.values else None
    return isinstance(last, ast.Constant) and isinstance(last.value, str) and "." in last.value


def _plain_start(node: ast.JoinedStr) -> bool:
    """Whether the f-string starts with written text (a file name), not a field."""
    first = node.values[0] if node.values else None
    return isinstance(first, ast.Constant) and isinstance(first.value, str)


# What a marker file may hold besides nothing: one word ("OK", "1", "done"), no payload.
_MARKER_WORD = re.compile(r"\w{1,32}")


def _one_word(node: ast.AST) -> bool:
    """A written constant that is one word (``"OK"``, ``b"1"``)."""
    value = getattr(node, "value", None) if type(node) is ast.Constant else None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return isinstance(value, str) and _MARKER_WORD.fullmatch(value) is not None


def _written_by(stmt: ast.stmt, names: set[str]) -> ast.expr | None:
    """What ``f.write(x)`` as a statement writes, for ``f`` one of ``names`` (the files a
    ``with`` opened); None for any other statement."""
    call = stmt.value if type(stmt) is ast.Expr else None
    if (
        type(call) is ast.Call
        and type(call.func) is ast.Attribute
        and call.func.attr == "write"
        and type(call.func.value) is ast.Name
        and call.func.value.id in names
        and len(call.args) == 1
        and not call.keywords
    ):
        return call.args[0]
    return None


class FileRules(AnalyzerState):
    _empty_writes: set[int]  # markers written empty or with one word (PythonAnalyzer sets)
    _inert_writes: set[int]  # Python files written with only comments and strings

    def marker_body(self, node: ast.With | ast.AsyncWith) -> bool:
        """``with open(marker, "w"): pass`` or ``... as f: f.write("OK")``: the file records that
        a step was done (safe_init's per-environment flag in the temp folder), and no code or data
        is written with it: a payload needs more than one word (a command has a blank, a script
        its punctuation). A body that writes inert Python (:meth:`_inert_source`) is noted for
        the write rule, which judges it by the file's name."""
        names = {i.optional_vars.id for i in node.items if type(i.optional_vars) is ast.Name}
        if self._inert_source(node.body, names):
            self._inert_writes.update(id(i.context_expr) for i in node.items)
        for b in node.body:
            if type(b) is ast.Pass:
                continue
            written = _written_by(b, names)
            if written is None or not _one_word(written):
                return False
        return True

    def _inert_source(self, body: list[ast.stmt], names: set[str]) -> bool:
        """``f.write(TEMPLATE)`` alone, where ``TEMPLATE`` is text the code holds whose Python
        is only comments and strings (herbie's commented-out ``custom_template.py`` it leaves
        in ``~/.config/herbie`` for the user to fill in): a module that runs nothing."""
        written = _written_by(body[0], names) if len(body) == 1 else None
        if written is None:
            return False
        value = self.folder.fold_value(written)
        if not isinstance(value, str) or not value.strip():
            return False
        try:
            tree = parse_python(value)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return all(
            type(s) is ast.Expr and type(s.value) is ast.Constant and type(s.value.value) is str
            for s in tree.body
        )

    def in_source_tree(self, node: ast.AST | None) -> bool:
        """A path relative to the working directory that starts with a folder this file sits
        in (sweetviz's ``update_jquery.py`` saving to ``sweetviz/templates/js/``): it names
        the project's source tree as seen from the project's root, where a maintainer runs
        the file; where a user imports the package the working directory is the user's own."""
        p = self.folder.fold_value(node) if node is not None else None
        text = to_text(p) if p is not None else ""
        if not text and type(node) is ast.JoinedStr and _plain_start(node):
            text = getattr(node.values[0], "value", "")
        first, slash, _ = text.removeprefix("./").partition("/")
        return bool(slash and first and first != "..") and first in self.path.split("/")[:-1]

    def path_tail(self, node: ast.AST | None, depth: int = 0, fields: bool = False) -> str:
        """The last piece of the path ``node`` builds, where the code says it plainly (a
        constant, ``os.path.join(..., "x.json")``, ``base / "x.json"``, a name bound to one);
        "" where it does not. With ``fields``, also an f-string that starts with written text,
        its fields as NUL (a file name like ``f"cache.{user}"``; never a program's name)."""
        tail = self._path_tail(node, depth)
        return tail if fields or _FIELD not in tail else ""

    def _path_tail(self, node: ast.AST | None, depth: int = 0) -> str:
        if node is None or depth > 20:
            return ""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr) and (_plain_start(node) or _plain_end(node)):
            # f"cache.{user}.{digest}", f"{version}.capabilities.pickle": the name as written,
            # its fields marked
            return "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else _FIELD
                for v in node.values
            )
        if isinstance(node, ast.Name):
            return self.path_tails.get(node.id, "")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._path_tail(node.right, depth + 1)
        if isinstance(node, ast.Call) and node.args:
            q = self._canon(self.qualname(node.func))
            if q in _PATH_CALLS or (q or "").endswith(".joinpath"):
                return self._path_tail(node.args[-1], depth + 1)
            if q in _OVERRIDABLE and len(node.args) == 2 - (q == "shutil.which"):
                # os.environ.get("MAKE", "make"), shutil.which("cmake"): the program the
                # code names, which a user may point elsewhere
                return self._path_tail(node.args[-1], depth + 1)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return self._path_tail(node.values[-1], depth + 1)  # os.environ.get("CC") or "cc"
        return ""

    def note_path_tail(self, name: str, value: ast.AST | None) -> None:
        """Remember the path tail ``name`` is bound to; bound to two different ones (or
        augmented), it has none."""
        tail = self._path_tail(value)
        old = self.path_tails.get(name)
        self.path_tails[name] = tail if old is None or old == tail else ""

    def _secret_dir(self, node: ast.Call, q: str, args: list[ast.expr], kw: dict) -> None:
        """A credential folder (~/.ssh, ~/.aws, ~/.gnupg, ~/.kube, a wallet) enumerated,
        copied or archived whole: every key in it is taken, not one file a tool needs."""
        if q == "shutil.make_archive":  # (base_name, format, root_dir)
            path = args[2] if len(args) > 2 else kw.get("root_dir")
        else:
            path = args[0] if args else None
        if path is None:
            return
        p = self.folder.fold_value(path)
        ptext = to_text(p).rstrip("/\\*") if p is not None else ""
        if ptext and _SECRET_DIR_RE.search(ptext):
            self.emit(
                "cred.secret_files",
                "high",
                node,
                "py.sweep_secret_dir",
                f"Enumerates or copies a whole credential folder ({ptext[-60:]}).",
            )

    def _read_store(self, node: ast.Call, path: ast.expr) -> None:
        """A read of a stealer's store through a name that holds its path or key (``open``,
        ``sqlite3.connect``, ``winreg.EnumValue``; see pytaint ``storepath``): the source of
        the chain when what it read is sent, as ``open("...Login Data")`` written whole is."""
        if "storepath" not in self.taint_of(path):
            return
        p = self.folder.fold_value(path)
        whole = to_text(p) if p is not None else ""
        if not (sig._SECRET_RE.search(whole) or sig._BROWSER_RE.search(whole)):  # else _open's
            self.emit(
                "cred.secret_files",
                "medium",
                node,
                "py.read_store",
                "Reads a store a stealer takes (browser logins or cookies, a chat client's "
                "tokens, a wallet, a session cookie) through a path built in the code.",
                # the source of a chain when what it read is sent; read alone, at import, it
                # is what a browser-automation helper does to find a profile
                raise_in_context=False,
            )

    def _open(self, node: ast.Call, q: str, args: list[ast.expr], kw: dict) -> None:
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
                self.emit(
                    "cred.secret_files",
                    "high",
                    node,
                    "py.read_secret",
                    f"Reads a secret file ({ptext[:60]}).",
                )
            elif ptext and sig._BROWSER_RE.search(ptext):
                self.emit(
                    "cred.browser_data",
                    "critical",
                    node,
                    "py.read_browser",
                    "Reads a browser's saved passwords or cookies.",
                )

    def note_empty_write(self, node: ast.AST) -> None:
        """``open(p, "w").close()`` or ``with open(p, "w"): pass``: the file is created empty
        (a marker that a step was done), so no payload is written with it."""
        if type(node) is ast.Call:
            self._empty_writes.add(id(node))

    def _write_target(
        self, node: ast.Call, target: ast.AST, verb: str, source: ast.AST | None = None
    ) -> None:
        """``source``: what a copy or move takes (``os.rename(old, new)``)."""
        p = self.folder.fold_value(target)
        ptext = to_text(p) if p is not None else ""
        t = self.taint_of(target)
        if ptext and sig.persist_in(ptext):
            self.emit(
                "persist.autostart",
                "high",
                node,
                "py.write_autostart",
                f"{verb.capitalize()} an autostart location or shell start-up file.",
                ptext,
            )
            return
        low = ptext.lower()
        if low.endswith(("socket.py", "os.py", "site.py", "__init__.py")) and (
            "site-packages" in low or "lib/python" in low
        ):
            self.emit(
                "fs.write_outside",
                "high",
                node,
                "py.write_stdlib",
                "Changes another package's or the standard library's code.",
                ptext,
            )
            return
        if "homepath" in t or low.startswith(
            ("~", "/etc/", "/tmp/", "/usr/", "c:\\", "%appdata%", "%temp%")
        ):
            sev = "medium"
            if low.endswith((".exe", ".bat", ".ps1", ".vbs", ".scr", ".dll")):
                sev = "high"
            tail = self.path_tail(target, fields=True)
            # Writing its own settings file on first import (~/.keras/keras.json) is how
            # libraries keep defaults: shown, and not raised to an import-time act.
            settings = sev == "medium" and bool(_SETTINGS_FILE.search(tail))
            name = tail.rsplit("/", 1)[-1]
            what = f"a settings file ({name[:60]})" if settings else "a file"
            if not settings and sev == "medium" and name and _KEPT_DATA.search(name):
                if not _RUNNABLE.search(name):
                    shown = name.replace(_FIELD, "*")[:60]
                    settings, what = True, f"its own cache or data file ({shown})"
            if id(node) in self._inert_writes and name.endswith(".py"):
                # a Python file of comments and strings runs nothing when imported
                sev, settings, what = "medium", True, "a template module that runs nothing"
            if source is not None and sev == "medium" and not settings:
                # a user's own file moved within their folders (a tool migrating ~/.toolrc to
                # ~/.tool/toolrc) brings nothing of the package's: shown, not raised
                st = self.taint_of(source)
                if "homepath" in st and not st & {"network", "downloaded", "decoded"}:
                    settings, verb, what = (
                        True,
                        "copies or moves a file of the user's to",
                        "a place",
                    )
            if id(node) in self._empty_writes:
                # a marker file (empty or one word) carries nothing: shown, not raised
                sev, settings, what = "medium", True, "a marker file"
            self.emit(
                "fs.write_outside",
                sev,
                node,
                "py.write_outside",
                f"{verb.capitalize()} {what} outside the package (home, temp or system folder).",
                raise_in_context=not settings,
            )
