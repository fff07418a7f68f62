"""Places in a JavaScript tree: the shared vocabulary of the rules in :mod:`.jsrules`.

What a place is used as (:func:`climb`: called, constructed, assigned, referenced), which
module a value comes from (``require``, aliases, ES imports, destructuring), a path or command
folded with its unknown parts as ``*`` (:func:`loose`), and whether a value is decoded at run
time or arrives from the network. Also the names the analyser watches, as one regex.
"""

from __future__ import annotations

import re
from typing import Protocol, cast

from tree_sitter import Node

from app.core.capabilities.jsdeobfuscate import Folder


class Analysis(Protocol):
    """What the rules use of :class:`.javascript.Analysis` (one file being analysed)."""

    path: str
    src: bytes
    root: Node
    folder: Folder
    facts: dict[str, Node | None]
    imports: dict[str, str | None]
    depth: int
    role: str

    def add(
        self,
        cap: str,
        severity: str,
        node: Node | None,
        rule: str,
        explanation: str,
        match: str | None = None,
        decoded: str = "",
    ) -> None: ...

    def sub_analyse(self, code: str, node: Node) -> list | None: ...


SPAWN = {"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync", "fork"}
EXEC = {
    "eval",
    "Function",
    "runInThisContext",
    "runInNewContext",
    "runInContext",
    "Script",
    "compileFunction",
    "_compile",
}
NET = {
    "fetch",
    "XMLHttpRequest",
    "WebSocket",
    "sendBeacon",
    "get",
    "request",
    "post",
    "connect",
    "createConnection",
    "Socket",
    "lookup",
    "resolve",
    "resolve4",
    "resolveTxt",
    "resolveAny",
    "axios",
}
WRITE = {
    "writeFileSync",
    "writeFile",
    "appendFileSync",
    "appendFile",
    "createWriteStream",
    "copyFileSync",
    "copyFile",
}
READ = {"readFileSync", "readFile", "createReadStream", "readdirSync", "readdir"}
DELETE = {"unlinkSync", "unlink", "rmSync", "rm", "rmdirSync"}
SYSINFO = {"hostname", "userInfo", "networkInterfaces"}
HIJACK = {"fetch", "open", "send", "setRequestHeader", "request", "sendAsync", "defineProperty"}
NAMES = SPAWN | EXEC | NET | WRITE | READ | DELETE | SYSINFO | HIJACK | {"require", "env", "import"}
SENSITIVE = {
    "child_process",
    "exec",
    "execSync",
    "spawn",
    "eval",
    "Function",
    "require",
    "fs",
    "http",
    "https",
    "net",
    "dns",
    "os",
    "vm",
    "process",
    "env",
    "fetch",
}
NAMES_RE = re.compile(
    rb"(?<![\w$])(?:"
    + b"|".join(cast("list[bytes]", sorted((n.encode() for n in NAMES), key=len, reverse=True)))
    + rb")(?![\w$])"
)
PUBLISH_RE = re.compile(
    r"\bnpm\s{1,5}(?:publish|access\s{1,5}\w|token\s{1,5}create)|registry\.npmjs\.org/-/(?:npm/v1/tokens|user)"
)
TOKEN_RE = re.compile(r"\bNPM_TOKEN\b|\bNODE_AUTH_TOKEN\b|_authToken|npm_config__auth|\.npmrc\b")
_CODE_RE = re.compile(
    r"require\s*\(|function\s*\(|=>|\beval\s*\(|child_process|process\.|\b(?:var|const|let)\s+\w+\s*=|\w+\(\s*['\"]"
)
_NET_CALL_RE = re.compile(
    rb"(?:\bhttps?|http2|axios|got|needle|request|superagent)\b[\w.]{0,20}(?:get|request|post)\b|\bfetch\b|\.on$"
)
_NET_LISTENER_RE = re.compile(rb"\.on$")
# A request somewhere in the receiver chain of ``.on``: the stream it listens on is a response.
_NET_SOURCE_RE = re.compile(
    rb"\b(?:https?|http2|axios|got|needle|request|superagent|fetch|download)\b\s*[.(]"
)
_DECODE_RE = re.compile(
    rb"\batob\s*\(|Buffer\.from\s*\([^)]{0,4000}['\"](?:base64|hex)|fromCharCode|decodeURIComponent\s*\(|\.reverse\s*\(\s*\)"
)
_NET_MODULES = {
    "http",
    "https",
    "http2",
    "axios",
    "got",
    "needle",
    "request",
    "superagent",
    "node-fetch",
    "undici",
}
_FS_MODULES = {"fs", "fs/promises", "fs-extra", "graceful-fs"}
_WINDOWS = {b"window", b"globalThis", b"self", b"global", b"top", b"parent"}
_WALLET_RE = re.compile(
    rb"['\"`](0x[a-fA-F0-9]{40}|bc1[a-z0-9]{38,58}|T[1-9A-HJ-NP-Za-km-z]{33}|[13][a-km-zA-HJ-NP-Z1-9]{25,34})['\"`]"
)
_SANDBOX_RE = re.compile(
    rb"(?i)['\"](?:[^'\"\n]{0,20})(vmware|virtualbox|vbox|qemu|sandbox|malware|wireshark|procmon|fiddler|cuckoo|any\.run|joebox|analysis)(?:[^'\"\n]{0,20})['\"]"
)
_SANDBOX_WORDS = (
    b"vmware", b"virtualbox", b"vbox", b"qemu", b"sandbox", b"malware", b"wireshark",
    b"procmon", b"fiddler", b"cuckoo", b"any.run", b"joebox", b"analysis",
)  # fmt: skip


def sandbox_tools(text: bytes) -> set[str]:
    """The analysis tools named in string literals of ``text`` (lower case), once at least three
    of the names occur at all: the quoted-name regex is tried at every quote of a bundle, and
    most files name none or one (bytes ``lower`` folds ASCII only, as the bytes regex does)."""
    low = text.lower()
    if sum(word in low for word in _SANDBOX_WORDS) < 3:
        return set()  # a subset of the names present: fewer than three found either way
    return {m.group(1).decode().lower() for m in _SANDBOX_RE.finditer(text)}


def looks_like_code(s: str) -> bool:
    return bool(_CODE_RE.search(s[:20000])) and sum(
        c.isprintable() or c in "\n\r\t" for c in s[:2000]
    ) > 0.9 * min(len(s), 2000)


def _field(node: Node | None, name: str) -> Node | None:
    return node.child_by_field_name(name) if node is not None else None


def climb(node: Node) -> tuple[Node, str, Node | None]:
    """(the expression naming the thing, how it is used, the node of that use)."""
    n = node
    while n.parent is not None and n.type in ("string_fragment", "escape_sequence"):
        n = n.parent
    while (
        n.parent is not None
        and n.parent.type in ("binary_expression", "parenthesized_expression")
        and n.type != "call_expression"
    ):
        n = n.parent
    p = n.parent
    if (
        p is not None
        and p.type in ("member_expression", "subscript_expression")
        and (_field(p, "property") == n or _field(p, "index") == n)
    ):
        n = p
    while (
        n.parent is not None
        and n.parent.type in ("parenthesized_expression", "sequence_expression")
        and n.parent.named_children[-1] == n
    ):
        n = n.parent
    p = n.parent
    if p is None:
        return n, "ref", None
    if p.type == "call_expression" and _field(p, "function") == n:
        return n, "call", p
    if p.type == "new_expression" and _field(p, "constructor") == n:
        return n, "new", p
    if p.type == "assignment_expression" and _field(p, "left") == n:
        return n, "assign", p
    return n, "ref", p


def args_of(call: Node | None) -> list[Node]:
    a = _field(call, "arguments")
    return [c for c in a.named_children if c.type != "comment"] if a is not None else []


def obj_of(ref: Node) -> Node | None:
    return (
        _field(ref, "object") if ref.type in ("member_expression", "subscript_expression") else None
    )


def module_of(a: Analysis, node: Node | None, depth: int = 0) -> str | None:
    """The module a value comes from: ``require('x')``, an alias of it, or an ES import."""
    if node is None or depth > 4 or a.folder is None:
        return None
    if node.type == "call_expression":
        fn = _field(node, "function")
        if fn is not None and a.folder.callee_name(fn) == "require":
            args = args_of(node)
            v = a.folder.fold(args[0]) if args else None
            return (
                v.value.removeprefix("node:")
                if v is not None and isinstance(v.value, str)
                else None
            )
        return None
    if node.type == "member_expression":
        inner = module_of(a, _field(node, "object"), depth + 1)
        prop = _field(node, "property")
        if inner == "fs" and prop is not None and a.folder.text(prop, 20) == b"promises":
            return "fs"
        return None
    if node.type == "parenthesized_expression" and node.named_child_count:
        return module_of(a, node.named_children[-1], depth + 1)
    if node.type == "identifier":
        name = a.folder.name(node)
        b = a.folder.binding(name)
        if b is not None and b is not node:
            got = module_of(a, b, depth + 1)
            if got:
                return got
        return imported_from(a, name)
    return None


# The braces' contents are possessive: a shorter run is followed by a character of the run,
# never by the "}" that must come next, so giving some back cannot help. Without that, each of
# a bundle's many "{...}" not followed by "= require" was given back a character at a time.
_IMPORT_RE = re.compile(
    rb"import\s+(?:\*\s+as\s+)?([\w$]+)\s+from\s*['\"]([^'\"]{1,100})|"
    rb"import\s*\{([^}]{0,1000}+)\}\s*from\s*['\"]([^'\"]{1,100})|"
    rb"\{([^{}]{0,1000}+)\}\s*=\s*require\s*\(\s*['\"]([^'\"]{1,100})"
)


def imported_from(a: Analysis, name: str) -> str | None:
    """The module ``name`` was imported from (ES import, destructured require), or None."""
    if not a.imports:
        a.imports["\0"] = None  # built once per file, in one pass
        for m in _IMPORT_RE.finditer(a.src):
            g = m.groups()
            mod = (g[1] or g[3] or g[5] or b"").decode("utf-8", "replace").removeprefix("node:")
            names = (
                [g[0]]
                if g[0]
                else re.findall(rb"(?:[\w$]+\s*(?::|\bas\b)\s*)?([\w$]+)", g[2] or g[4] or b"")
            )
            for n in names:
                a.imports.setdefault(n.decode("utf-8", "replace"), mod)
    return a.imports.get(name)


def loose(a: Analysis, node: Node | None, depth: int = 0) -> str:
    """A path or command with unknown parts as ``*`` (home folders as ``~``)."""
    if node is None or depth > 8 or a.folder is None:
        return "*"
    v = a.folder.fold(node)
    if v is not None and isinstance(v.value, str):
        return v.value
    t = node.type
    if t == "template_string":
        out = []
        for c in node.named_children:
            if c.type == "template_substitution" and c.named_child_count:
                out.append(loose(a, c.named_children[0], depth + 1))
            else:
                out.append(a.folder.text(c, 4000).decode("utf-8", "replace"))
        return "".join(out)
    if t == "binary_expression":
        return loose(a, _field(node, "left"), depth + 1) + loose(
            a, _field(node, "right"), depth + 1
        )
    if t == "call_expression":
        name = a.folder.callee_name(cast(Node, _field(node, "function"))) or ""  # always there
        if name in ("join", "resolve"):
            return "/".join(loose(a, x, depth + 1) for x in args_of(node)[:10])
        if name == "homedir":
            return "~"
        if name == "tmpdir":
            return "/tmp"
        return "*"
    if t in ("member_expression", "subscript_expression"):
        text = a.folder.text(node, 80)
        if re.search(rb"env\W{1,3}(?:HOME|USERPROFILE)", text):
            return "~"
        if re.search(rb"env\W{1,3}(?:LOCALAPPDATA|APPDATA)", text):
            return "~/AppData/Roaming"
        return "*"
    if t == "identifier":
        b = a.folder.binding(a.folder.name(node))
        return loose(a, b, depth + 1) if b is not None and b is not node else "*"
    return "*"


def _decodes(a: Analysis, node: Node, depth: int = 0) -> bool:
    if depth > 3 or a.folder is None:
        return False
    if _DECODE_RE.search(a.folder.text(node, 8000)):
        return True
    if node.type == "identifier":
        b = a.folder.binding(a.folder.name(node))
        return b is not None and b is not node and _decodes(a, b, depth + 1)
    return False


def _from_network(a: Analysis, call: Node, arg: Node) -> bool:
    if "net" not in a.facts and not re.search(rb"\bfetch\b|https?\b|axios", a.src[:2_000_000]):
        return False
    n: Node | None = call
    for _ in range(40):
        child, n = n, n.parent if n is not None else None
        if n is None:
            return False
        if n.type == "call_expression":
            fn = _field(n, "function")
            if fn is None:
                continue
            seen = a.folder.text(fn, 300)
            # ``res.on('data', …)`` hands its callback a response; a write stream that is the
            # receiver of ``.on`` (``src.pipe(createWriteStream(tmp)).on('finish', …)``)
            # only waits for its own end: that stream's source decides, not the listener.
            if fn == child and _NET_LISTENER_RE.search(seen) and not _NET_SOURCE_RE.search(seen):
                continue
            if _NET_CALL_RE.search(seen):
                return True
    return False


def as_str(v: object) -> str:
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            return v.decode("latin-1")
    return str(v)
