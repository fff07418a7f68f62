"""What one place in a JavaScript tree does: the rules behind :mod:`.javascript`.

Each watched name has handlers. A handler gets the place already climbed to its *use* (the
call, ``new``, assignment or other reference it is part of) and decides from the tree, never
from a substring: ``exec`` counts only when it is ``child_process``'s, ``get`` only on
``http``/``https``/``axios``, a write only when its folded path is a shell rc file or an
autostart folder, ``process.env`` only when the whole environment is serialised or sent.
File-wide facts (a token read plus ``npm publish``; a hijacked ``fetch`` plus hard-coded wallet
addresses; a socket plus a shell piped together) are combined at the end, by
:func:`~app.core.capabilities.jsfilefacts.file_facts` (re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

from tree_sitter import Node

from app.core.capabilities import context as ctx
from app.core.capabilities import strings as sig
from app.core.capabilities.jsfilefacts import (
    file_facts as file_facts,  # javascript calls it as jsrules.file_facts
)
from app.core.capabilities.jspacker import unpack
from app.core.capabilities.jsplaces import (
    _FS_MODULES,
    _NET_MODULES,
    _WINDOWS,
    DELETE,
    EXEC,
    HIJACK,
    NET,
    PUBLISH_RE,
    READ,
    SENSITIVE,
    SPAWN,
    SYSINFO,
    TOKEN_RE,
    WRITE,
    Analysis,
    _decodes,
    _field,
    _from_network,
    args_of,
    as_str,
    climb,
    imported_from,
    looks_like_code,
    loose,
    module_of,
    obj_of,
)
from app.core.capabilities.shell import command_findings, only_reads
from app.core.capabilities.textscan import scan_text_file


def _spawn(a: Analysis, name: str, ref: Node, use: str, at: Node | None, hidden: bool) -> None:
    if use != "call" or at is None:
        return
    obj = obj_of(ref)
    mod = (
        module_of(a, obj)
        if obj is not None
        else imported_from(a, name)
        if ref.type == "identifier"
        else None
    )
    if mod != "child_process" and not (
        hidden and (b"child_process" in a.src or "child_process" in a.folder.resolved.values())
    ):
        return
    a.facts.setdefault("spawn", at)
    args = args_of(at)
    opts = args[-1] if args and args[-1].type == "object" else None
    otext = a.folder.text(opts, 4000) if opts is not None else b""
    if re.search(rb"detached\s*:\s*(?:true|!0)", otext) and (
        re.search(rb"unref|ignore", otext)
        or b"unref" in (a.folder.text(at.parent, 400) if at.parent else b"")
    ):
        a.add(
            "process.spawn_hidden",
            "medium",
            at,
            "js.spawn_detached",
            f"child_process.{name} starts a detached process that outlives the installer.",
        )
    else:
        a.add(
            "process.spawn",
            "medium",
            at,
            "js.child_process",
            f"Starts a program with child_process.{name}.",
        )
    if not args:
        return
    cmd = loose(a, args[0])
    if len(args) > 1 and args[1].type == "array":
        cmd += " " + " ".join(loose(a, x) for x in args[1].named_children[:20])
    v = a.folder.fold(args[0])
    if v is not None and v.decoded:
        a.add(
            "exec.decode_then_exec",
            "critical",
            at,
            "js.decoded_command",
            "A command decoded at run time is run by child_process.",
            decoded=cmd,
        )
    if re.search(r"(?:^|/|\s)(?:ba|z)?sh(?:\.exe)?$|cmd\.exe|powershell", cmd.strip()[:80]):
        a.facts.setdefault("shell", at)
    reads = only_reads(cmd)
    for f in command_findings(cmd):
        sev = f.severity
        if reads and f.rule == "str.autostart_location":
            sev = ctx.step(sev, -1)  # ``ls /etc/init.d/``: looking installs nothing
        a.add(f.capability, sev, at, f.rule, f.explanation, f.match, f.decoded)
    if PUBLISH_RE.search(cmd):
        a.facts.setdefault("publish", at)


def _exec(a: Analysis, name: str, ref: Node, use: str, at: Node | None, hidden: bool) -> None:
    if use not in ("call", "new") or at is None:
        return
    obj = obj_of(ref)
    if (
        name in ("runInThisContext", "runInNewContext", "runInContext", "Script", "compileFunction")
        and module_of(a, obj) != "vm"
        and not hidden
    ):
        if obj is None or a.folder.text(obj, 10) != b"vm":
            return
    if name == "_compile" and (obj is None or b"odule" not in a.folder.text(obj, 40)):
        return
    if (
        name in ("eval", "Function")
        and obj is not None
        and a.folder.text(obj, 20) not in _WINDOWS
        and not hidden
    ):
        return
    args = args_of(at)
    if not args:
        return
    code = args[-1] if name == "Function" else args[0]
    v = a.folder.fold(code)
    if v is not None and isinstance(v.value, (str, bytes)):
        text = as_str(v.value)
        if v.decoded:
            a.add(
                "exec.decode_then_exec",
                "critical",
                at,
                "js.decode_exec",
                f"Decoded data is run as code by {name}.",
                decoded=text,
            )
            a.sub_analyse(text, at)
        elif looks_like_code(text):
            a.sub_analyse(text, at)
        return
    if name == "eval" and _packed_and_harmless(a, code, at):
        a.add(
            "exec.dynamic",
            "medium",
            at,
            "js.packed_exec",
            "eval runs code packed by a JavaScript packer (p,a,c,k,e,r); unpacked, it was read "
            "and does nothing the rules act on.",
        )
    elif _decodes(a, code):
        a.add(
            "exec.decode_then_exec",
            "critical",
            at,
            "js.decode_exec",
            f"Data decoded at run time (base64, hex, char codes) is run as code by {name}.",
        )
    elif _from_network(a, at, code):
        a.add(
            "exec.remote_code",
            "critical",
            at,
            "js.remote_exec",
            f"Data downloaded from the network is run as code by {name}.",
        )
    else:
        a.add(
            "exec.dynamic", "medium", at, "js.dynamic_exec", f"{name} runs code built at run time."
        )


def _packed_and_harmless(a: Analysis, code: Node, at: Node) -> bool:
    """Whether ``code`` is a packer call (``function(p,a,c,k,e,r){...}(...)``, jspacker) whose
    unpacked code was read (its hits are the file's) and has none of medium or above: a
    vendored jQuery plugin shrunk before minifiers existed. The unpacked text also gets the
    text rules (endpoints, secret paths, shell downloads), which the tree walk leaves to the
    file's own text scan. Packed code that acts keeps the decoded-and-run finding."""
    packed = unpack(a.folder.text(code, 4_000_000).decode("utf-8", "replace"))
    if packed is None:
        return False
    found = a.sub_analyse(packed, at)
    if found is None or any(h.severity not in _QUIET for h in found):
        return False
    return all(h.severity in _QUIET for h in scan_text_file(a.path, packed, a.role))


_QUIET = ("none", "low")


# Modules a library that also runs in browsers hides from its bundler's static ``require``
# scan, so that webpack neither packs nor fails on them (@typescript/vfs:
# ``require(String.fromCharCode(102, 115))`` for ``fs``). Half of npm requires ``fs`` openly,
# so hiding its name hides nothing from a reader: shown at medium, and what the file then
# reads or writes is judged by its own rules. Hiding ``child_process``, ``net``, ``http``…
# stays high.
_BUNDLER_HIDDEN = frozenset({"fs"})


def _require(a: Analysis, name: str, ref: Node, use: str, at: Node | None, hidden: bool) -> None:
    if use != "call" or at is None:
        return
    args = args_of(at)
    if not args:
        return
    if name == "import":
        v = a.folder.fold(args[0])
        if v is not None and isinstance(v.value, str) and re.match(r"https?:|data:", v.value):
            a.add(
                "exec.remote_code",
                "high",
                at,
                "js.import_url",
                "import() of a URL: code fetched at run time.",
                decoded=v.value if v.decoded else "",
            )
        return
    hidden = (
        hidden
        or ref.type != "identifier"
        or a.folder.text(ref, 20) != b"require"
        or re.search(rb"\\[xu]", a.folder.text(args[0], 200)) is not None
    )
    v = a.folder.fold(args[0])
    if v is not None and isinstance(v.value, str):
        mod = v.value.removeprefix("node:")
        if (hidden or v.decoded or args[0].type != "string") and mod in SENSITIVE:
            sev = "high" if (hidden or v.decoded) and mod not in _BUNDLER_HIDDEN else "medium"
            a.add(
                "obf.packer",
                sev,
                at,
                "js.hidden_require",
                f"require('{mod}') with the module name hidden in the source.",
                decoded=mod,
            )
    elif _decodes(a, args[0]):
        a.add(
            "obf.packer",
            "high",
            at,
            "js.decoded_require",
            "require() of a module name decoded at run time.",
        )


def _net(a: Analysis, name: str, ref: Node, use: str, at: Node | None, hidden: bool) -> None:
    if use not in ("call", "new") or at is None:
        return
    obj = obj_of(ref)
    ok = False
    if name in ("fetch", "XMLHttpRequest", "WebSocket", "axios"):
        ok = obj is None or a.folder.text(obj, 20) in _WINDOWS or hidden
    elif name == "sendBeacon":
        ok = obj is not None and b"navigator" in a.folder.text(obj, 200)
    elif name in ("get", "request", "post"):
        ok = module_of(a, obj) in _NET_MODULES if obj is not None else False
    elif name in ("connect", "createConnection", "Socket"):
        mod = module_of(a, obj) if obj is not None else None
        ok = mod in ("net", "tls")
        if ok:
            a.facts.setdefault("socket", at)
    elif name.startswith(("lookup", "resolve")):
        ok = (module_of(a, obj) if obj is not None else None) == "dns"
        args = args_of(at)
        if (
            ok
            and args
            and args[0].type in ("template_string", "binary_expression")
            and a.folder.fold(args[0]) is None
        ):
            a.add(
                "net.dns_exfil",
                "high",
                at,
                "js.dns_exfil",
                "A DNS lookup of a host name built from data: data leaves by DNS.",
            )
    if not ok:
        return
    a.facts.setdefault("net", at)
    a.add("net.outbound", "low", at, "js.net", f"Makes a network request ({name}).")
    args = args_of(at)
    if args:
        url = loose(a, args[0])
        if args[0].type != "string":
            for s in sig.endpoint_signals(url):
                a.add(s.capability, s.severity, at, s.rule, s.explanation, s.match)


def _fs(a: Analysis, name: str, ref: Node, use: str, at: Node | None, hidden: bool) -> None:
    if use != "call" or at is None:
        return
    obj = obj_of(ref)
    mod = module_of(a, obj) if obj is not None else imported_from(a, name)
    if (
        mod not in _FS_MODULES
        and not (obj is not None and a.folder.text(obj, 20) in (b"fs", b"fs.promises"))
        and not hidden
    ):
        return
    args = args_of(at)
    if not args:
        return
    path = loose(a, args[0])
    if name in WRITE:
        target = loose(a, args[1]) if name.startswith("copy") and len(args) > 1 else path
        if name in ("createWriteStream", "writeFileSync", "writeFile") and _from_network(
            a, at, args[0]
        ):
            a.facts.setdefault("download", at)
            a.add(
                "net.download_to_disk",
                "high",
                at,
                "js.download_write",
                f"Writes a downloaded response to disk ({target[:80]}).",
            )
        if sig.persist_in(target) or re.search(
            r"(?i)Startup|LaunchAgents|crontab|autostart", target
        ):
            a.add(
                "persist.autostart",
                "high",
                at,
                "js.persist_write",
                f"Writes to an autostart location ({target[:80]}): runs at every login or shell start.",
            )
        elif re.match(r"~|/etc/|/usr/|C:\\|%", target):
            a.add(
                "fs.write_outside",
                "medium",
                at,
                "js.write_outside",
                f"Writes outside the package ({target[:80]}).",
            )
    elif name in READ:
        if sig._BROWSER_RE.search(path):
            a.add(
                "cred.browser_data",
                "critical",
                at,
                "js.browser_read",
                f"Reads a browser store ({path[:80]}).",
            )
        elif sig._SECRET_RE.search(path):
            a.add(
                "cred.secret_files",
                "high",
                at,
                "js.secret_read",
                f"Reads a secret file ({path[:80]}).",
            )
            _env_flow(a, at, "secret")
        if ".npmrc" in path:
            a.facts.setdefault("token_read", at)
    elif name in DELETE:
        t = a.folder.text(args[0], 80)
        if re.search(rb"__filename|__dirname|process\.argv\[1\]", t) or (
            path.rsplit("/", 1)[-1] and path.rsplit("/", 1)[-1] == a.path.rsplit("/", 1)[-1]
        ):
            a.add(
                "evasion.self_delete",
                "high",
                at,
                "js.self_delete",
                "Deletes its own file after running: evidence removed.",
            )


def _env(a: Analysis, name: str, ref: Node, use: str, at: Node | None, hidden: bool) -> None:
    obj = obj_of(ref)
    if obj is None or a.folder.text(obj, 10) != b"process":
        return
    p = ref.parent
    if p is None:
        return
    if p.type in ("member_expression", "subscript_expression") and _field(p, "object") == ref:
        if TOKEN_RE.search(a.folder.text(p, 100).decode("utf-8", "replace")):
            a.facts.setdefault("token_read", p)
        return
    n: Node | None = p
    for _ in range(5):
        if n is None:
            return
        if n.type in ("call_expression", "new_expression"):
            fname = (
                a.folder.callee_name(_field(n, "function") or _field(n, "constructor") or n) or ""
            )
            if fname in (
                "stringify",
                "from",
                "btoa",
                "encode",
                "send",
                "write",
                "post",
                "fetch",
                "request",
                "end",
                "URLSearchParams",
                "put",
            ):
                a.add(
                    "cred.env_bulk",
                    "high",
                    n,
                    "js.env_serialise",
                    "The whole process environment is serialised or sent.",
                )
                _env_flow(a, n)
            elif fname in ("keys", "entries", "values") and n == p.parent:
                a.add(
                    "cred.env_bulk",
                    "medium",
                    n,
                    "js.env_enumerate",
                    "Enumerates the whole process environment.",
                )
            if fname not in ("keys", "entries", "values"):
                return
        if n.type in ("for_in_statement",) and _field(n, "right") == ref:
            a.add(
                "cred.env_bulk",
                "medium",
                n,
                "js.env_enumerate",
                "Enumerates the whole process environment.",
            )
            return
        n = n.parent


_SEND = {"send", "write", "post", "fetch", "request", "end", "put", "sendBeacon"}


def _env_flow(a: Analysis, serialised: Node, what: str = "env") -> None:
    """Where the serialised environment (or, with ``what="secret"``, a secret file's text)
    goes: straight into a send (``req.end(JSON.stringify(process.env))``) or into a variable
    (its uses are checked at the end, :func:`file_facts`)."""
    n: Node | None = serialised.parent
    for _ in range(6):
        if n is None:
            return
        if n.type == "call_expression":
            fn = _field(n, "function")
            if fn is not None and (a.folder.callee_name(fn) or "") in _SEND:
                a.facts.setdefault(f"{what}_sent", n)
                return
        if n.type == "variable_declarator":
            a.facts.setdefault(f"{what}_var", n)
            return
        n = n.parent


def _sysinfo(a: Analysis, name: str, ref: Node, use: str, at: Node | None, hidden: bool) -> None:
    if use != "call" or at is None:
        return
    obj = obj_of(ref)
    mod = module_of(a, obj) if obj is not None else imported_from(a, name)
    if mod != "os" and not (obj is not None and a.folder.text(obj, 10) == b"os"):
        return
    a.facts.setdefault("sysinfo", at)
    a.add("collect.sysinfo", "low", at, "js.sysinfo", f"Collects host facts (os.{name}).")


def _dotted(a: Analysis, node: Node, depth: int = 0) -> str:
    if depth > 6:
        return "?"
    if node.type in ("identifier", "this"):
        return a.folder.name(node)
    if node.type == "member_expression":
        prop = _field(node, "property")
        return (
            _dotted(a, cast(Node, _field(node, "object")), depth + 1)  # always there
            + "."
            + (a.folder.name(prop) if prop is not None else "?")
        )
    if node.type == "subscript_expression":
        v = a.folder.fold(_field(node, "index"))
        return (
            _dotted(a, cast(Node, _field(node, "object")), depth + 1)
            + "."
            + (str(v.value) if v is not None else "?")
        )
    return "?"


def _hijack(a: Analysis, name: str, ref: Node, use: str, at: Node | None, hidden: bool) -> None:
    if at is None:
        return
    if use == "assign":
        target = _dotted(a, ref)
    elif use == "call" and name == "defineProperty":
        args = args_of(at)
        if len(args) < 2:
            return
        v = a.folder.fold(args[1])
        target = _dotted(a, args[0]) + "." + (str(v.value) if v is not None else "?")
    else:
        return
    parts = target.split(".")
    wallet = any(p in ("ethereum", "solana", "phantom", "tronWeb") for p in parts[:-1]) and parts[
        -1
    ] in ("request", "send", "sendAsync", "enable", "signTransaction")
    browser = (
        parts[-1] == "fetch"
        and parts[0] in ("window", "globalThis", "self", "global")
        and len(parts) == 2
    ) or (
        "XMLHttpRequest" in parts
        and "prototype" in parts
        and parts[-1] in ("open", "send", "setRequestHeader")
    )
    if wallet or (name == "defineProperty" and parts[-1] == "ethereum"):
        a.facts.setdefault("hijack", at)
        a.add(
            "hijack.browser_api",
            "high",
            at,
            "js.wallet_hijack",
            f"Replaces the wallet API {target}: transactions can be rewritten before they are signed.",
        )
    elif browser:
        a.facts.setdefault("hijack", at)
        a.add(
            "hijack.browser_api",
            "medium",
            at,
            "js.browser_hijack",
            f"Replaces the browser API {target}: every request of the page passes through this code.",
        )


HANDLERS: dict[str, list[Callable[..., None]]] = {}
for _names, _fn in (
    (SPAWN, _spawn),
    (EXEC, _exec),
    (NET, _net),
    (WRITE | READ | DELETE, _fs),
    (SYSINFO, _sysinfo),
    (HIJACK, _hijack),
    ({"require", "import"}, _require),
    ({"env"}, _env),
):
    for _n in _names:
        HANDLERS.setdefault(_n, []).append(_fn)


def handle(a: Analysis, name: str, node: Node, hidden: bool) -> None:
    ref, use, at = climb(node)
    for fn in HANDLERS.get(name, ()):
        fn(a, name, ref, use, at, hidden)
