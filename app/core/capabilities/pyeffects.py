"""Effect rules of the Python analyser: calls that act on the world.

Process starts (hidden ones, shell downloads, pip pulling a package), network use and what it
sends, DNS lookups built from data, native libraries (file opens and writes: :mod:`.pyfiles`,
its base). A mixin below :class:`~app.core.capabilities.pycalls.CallRules`, which dispatches
each resolved call here; split out so each file stays readable.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import replace
from typing import cast

from app.core.capabilities import context as ctx
from app.core.capabilities import strings as sig
from app.core.capabilities.folding import Folded, to_text
from app.core.capabilities.ownscripts import (
    OWN_SCRIPT_RULE,
    own_script_line,
    script_by_name,
    start_explanation,
)
from app.core.capabilities.pippull import pulls_only_known
from app.core.capabilities.pyfiles import FileRules
from app.core.capabilities.pynames import (
    SAFE_TOOLS,
)
from app.core.capabilities.setupcommands import install_step_code

# A command line that starts its program detached or without a window: ``start [/b] x``,
# ``nohup x &``, ``setsid``, ``x &`` in the background, ``pythonw`` (the windowless interpreter).
_DETACHED_RE = re.compile(
    r"^\s*(?:start|nohup|setsid|disown)\b|(?:^|[\s;&|])(?:start\s+(?:/b|/min|\"\")|nohup\s|setsid\s)"
    r"|[^&]&\s*$|(?:^|[\s/\\])pythonw(?:\.exe)?\b",
    re.I,
)
_RESOLVERS = frozenset({"nslookup", "dig", "host", "ping", "drill", "resolvectl"})
# Programs that run the file or text they are handed: started with a downloaded file as their
# argument, they run it.
LAUNCHERS = frozenset(
    {
        "sh", "bash", "zsh", "dash", "ksh", "fish", "cmd", "cmd.exe", "powershell",
        "powershell.exe", "pwsh", "python", "python3", "pythonw", "py", "node", "perl", "ruby",
        "php", "java", "javaw", "osascript", "open", "xdg-open", "start", "explorer",
        "explorer.exe", "msiexec", "msiexec.exe", "rundll32", "rundll32.exe", "regsvr32",
        "regsvr32.exe", "mshta", "mshta.exe", "wscript", "wscript.exe", "cscript",
        "cscript.exe", "sudo", "doas", "su", "env", "nohup", "setsid", "exec", "nice",
        "timeout", "wine", "mono", "dotnet", "xargs", "busybox", "schtasks", "at", "crontab",
        "launchctl", "systemctl", "installer", "sh.exe", "bash.exe", "conhost", "runas",
        "chmod",
    }
)  # fmt: skip
NAMED_TOOL_RULE = "py.spawn_named_tool"
# A program setup.py computes, started where no install step reaches (setupcommands).
BUILD_STEP_RULE = "py.spawn_build_step"
# What may follow a bare program name where a literal names it as a file: the literal's end,
# or an extension then the end ("update.exe").
_FILE_END_RE = re.compile(r"""(?:\.\w{1,8})?["']""")
_SHELL_META_RE = re.compile(r"[|;&`$<>\n]")
# A URL to this machine's loopback interface: what is sent there never leaves the machine.
_LOOPBACK_URL_RE = re.compile(
    r"(?:https?|wss?)://(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::|/|$)", re.I
)
# A library's build-configuration query on PATH (pg_config, odbc_config, llvm-config,
# python3.11-config): it prints compiler flags. Alone on its command line, output redirects
# aside (no ;, &&, |, backquotes or $( to start anything else).
_CONFIG_TOOL_RE = re.compile(r"^[a-z][\w.+]*[-_]config$")
_CHAINED_RE = re.compile(r"[|;&`\n]|\$\(")
_REDIRECT_RE = re.compile(r"\d?>&?\d?\s*[^\s|;&`$]*")
# Programs that fetch a URL, and the flag naming the file they write (-o, -O, --output,
# --output-document, or the last of combined short flags: curl -sLo, wget -qO).
_DOWNLOADERS = frozenset({"curl", "wget"})
# Network clients that send what their arguments name (not scp/rsync/ssh: an identity file
# is how they log in).
_SENDERS = frozenset({"curl", "wget", "nc", "ncat", "netcat", "ftp", "tftp"})


def _windows_name(program: str) -> str:
    """A network client by its Windows name (curl.exe, which Windows 10 ships in System32,
    started by drug_named_entity_recognition to fetch its data) is the program found on PATH,
    as curl is: its ".exe" is no sign of a file beside the code. Any other name is kept (a
    bare payload.exe runs from the working folder)."""
    stem = program.removesuffix(".exe")
    return stem if stem in _SENDERS else program


_OUTPUT_FLAG_RE = re.compile(r"^(?:-[a-zA-Z]{0,6}[oO]|--output(?:-document)?)$")
_PIP_INSTALL_RE = re.compile(r"\bpip3?(?:\.exe)?\b[^|;&]*\binstall\b|-m\s+pip\b[^|;&]*\binstall\b")


class EffectRules(FileRules):
    # set on first use by _names_a_file: the file's text in lower case, each name's answer
    _named_files: dict[str, bool]
    _named_text: str
    class_names: list[str]
    def_names: list[str]
    install_step_names: frozenset[str] | None
    setup_tree: ast.Module | None

    def _command_text(self, cmd_node: ast.AST) -> tuple[str, bool, bool]:
        """The command a start runs, as far as the code writes it; whether the program's
        name is written in the code (not computed); whether the code names the program at all
        (written, or the fallback of an environment variable)."""
        elts = _argv_items(cmd_node)
        if elts is None or (
            not isinstance(cmd_node, ast.List | ast.Tuple)
            and self.folder.fold_value(cmd_node) is not None
        ):
            v = self.folder.fold_value(cmd_node)
            text = to_text(v) if v is not None else ""
            return text, v is not None and not _SHELL_META_RE.search(text), v is not None
        parts = []
        first_literal = named = False
        for i, e in enumerate(elts):
            v = self.folder.fold_value(e)
            if v is None and i == 0 and (tail := self.path_tail(e)):
                # [make_command, ...] with make_command = os.environ.get("MAKE") or "make":
                # the program the code names (a user may point it elsewhere)
                parts.append(tail)
                named = True
                continue
            qn = self.qualname(e)
            parts.append(to_text(v) if v is not None else (qn or "?"))
            if i == 0:
                first_literal = named = v is not None
        return " ".join(parts), first_literal, named

    def _spawn(self, node: ast.Call, q: str, args: list[ast.expr], kw: dict) -> None:
        cmd_node = args[0] if args else kw.get("args") or kw.get("cmd")
        text = ""
        first = ""
        first_literal = False  # the program's name is written in the code, not computed
        named = False  # the code names the program (written, or an env variable's fallback)
        if cmd_node is not None:
            text, first_literal, named = self._command_text(cmd_node)
            if q.startswith("os.exec") or q.startswith("os.spawn"):
                text = (
                    " ".join(
                        to_text(v) for a in args[1:] if (v := self.folder.fold_value(a)) is not None
                    )
                    or text
                )
            first = text.split()[0].rsplit("/", 1)[-1].lower() if text.split() else ""
        if first.removesuffix(".exe") in _RESOLVERS and cmd_node is not None:
            # nslookup/dig/ping of a host name built from collected data: DNS exfiltration
            hosts: list[ast.expr] = (
                cmd_node.elts[1:] if isinstance(cmd_node, ast.List | ast.Tuple) else [cmd_node]
            )
            for host in hosts:
                self._dns(node, host)
        if first.startswith(("python", "sys.executable")) and cmd_node is not None:
            self._inline_code(node, cmd_node, text)
        if _PIP_INSTALL_RE.search(text):
            known = pulls_only_known(text)  # from the index, by name, only well-known projects
            self.emit(
                "install.dependency_pull",
                "medium",
                node,
                "py.pip_install_command",
                f"Runs pip to install packages: {text[:80]}"
                + (" (only well-known projects, from the default index)" if known else ""),
                raise_in_context=not known,
            )
        safe = (
            first in SAFE_TOOLS
            or first.startswith(("python", "git", "gcc", "clang", "sys.executable"))
            or _config_query(text, first)
        )
        hidden = False
        cf = kw.get("creationflags")
        if cf is not None and not (isinstance(cf, ast.Constant) and cf.value == 0):
            hidden = True
        if "startupinfo" in kw:
            hidden = True
        if kw.get("start_new_session") is not None and kw.get("stdout") is not None:
            hidden = True
        detached = _DETACHED_RE.search(text) is not None
        # The interpreter started hidden or detached runs a script on its own, outliving the
        # import that started it; a build tool hidden from the console is only tidy.
        interpreter = first.startswith(("python", "sys.executable"))
        if detached or (hidden and (not safe or interpreter)):
            self.emit(
                "process.spawn_hidden",
                "medium",
                node,
                "py.spawn_hidden",
                "Starts a process with a hidden window or detached from its parent.",
            )
        sev = "medium"
        if cmd_node is not None and "network" in self.taint_of(self._started(cmd_node, first)):
            self.emit(
                "net.download_to_disk",
                "high",
                node,
                "py.run_download",
                "Runs a file it downloaded from the network.",
            )
        if cmd_node is not None and first.removesuffix(".exe") in _DOWNLOADERS and "://" in text:
            self._downloader(node, cmd_node, first, text)
        if cmd_node is not None and first.removesuffix(".exe") in _SENDERS:
            self._sender(node, cmd_node, first, text)
        if safe:
            self.emit(
                "process.spawn",
                "low",
                node,
                "py.spawn_tool",
                f"Runs the build tool '{first}'.",
                raise_in_context=False,
            )
        elif (
            first_literal
            and first
            and first not in LAUNCHERS
            and not re.search(r"[/\\.]", _windows_name(text.split()[0]))
            and not (q.startswith("os.exec") or q.startswith("os.spawn"))
            and not self._names_a_file(first)
        ):
            # A program named in the code and found on PATH (unzip, ffmpeg, a browser) is not
            # a file the package downloaded: such a start takes part in no download chain.
            self.emit(
                "process.spawn",
                sev,
                node,
                NAMED_TOOL_RULE,
                f"Starts the program '{first}' by name ({q}).",
            )
        else:
            # In setup.py a program the code computes is a compiler or build script far more
            # often than a payload: shown at medium. What it starts stays high by its own rules
            # (a download, decoded data, a shell line, a python -c), and so does a start inside
            # an install command's override (the hook rule of the threat layer). One only a
            # build step reaches (build_ext asking the compiler, build_clib running configure,
            # a helper at the top level) is the build: it makes no install hook act.
            build = self.role == ctx.SETUP and not named and self._in_build_step()
            # setup.py starting a script of its own tree (sh autogen.sh, ./build.sh): the
            # artifact-wide pass lowers it when the package ships the script (ownscripts).
            script = own_script_line(text) if self.role == ctx.SETUP and named else None
            if script is None and self.role == ctx.SETUP and named:
                script = script_by_name(cmd_node, self.folder.fold_value, self.path_tail)
            rule = OWN_SCRIPT_RULE if script else BUILD_STEP_RULE if build else "py.spawn"
            why = f"Starts another program ({q})" + (
                ", in a build step of setup.py." if build else "."
            )
            self.emit(
                "process.spawn",
                sev,
                node,
                rule,
                start_explanation(script, q) if script else why,
                raise_in_context=self.role != ctx.SETUP or named,
            )
        if text:
            from app.core.capabilities.patterns import engine

            for m in engine().scan(text, "cmd"):
                self.emit(
                    m.rule.capability,
                    m.rule.severity,
                    node,
                    m.rule.id,
                    m.rule.explanation,
                    m.text,
                    raise_in_context=False,
                )
            if sig.persist_in(text):
                self.emit(
                    "persist.autostart",
                    "high",
                    node,
                    "py.spawn_persist",
                    "Runs a command that touches an autostart location.",
                    text,
                )

    def _started(self, cmd_node: ast.AST, first: str) -> ast.AST:
        """What a start runs: an argument list's program, or, for a launcher (sh, python,
        msiexec...), the whole list, whose arguments it runs. A downloaded archive handed to
        ``tar`` or ``unzip`` is read, not run. A command line as one string stays whole."""
        items = _argv_items(cmd_node)
        if items and first.removesuffix(".exe") not in LAUNCHERS:
            return items[0]
        return cmd_node

    def _sender(self, node: ast.Call, cmd_node: ast.AST, first: str, text: str) -> None:
        """``curl -F f=@~/.ssh/id_rsa URL``, ``nc host port < ~/.aws/credentials``: a
        network client started with a secret file or the environment in its arguments sends
        it, as ``requests.post`` with it would (the same chain)."""
        leak = self.taint_of(cmd_node) & {"secret", "env"}
        if leak or sig._SECRET_RE.search(text):
            self.emit(
                "net.outbound",
                "high",
                node,
                "py.net_send_secrets",
                f"Starts '{first}' with a secret file or the environment in its arguments.",
            )

    def _downloader(self, node: ast.Call, cmd_node: ast.AST, first: str, text: str) -> None:
        """``curl -o p URL`` / ``wget -O p URL`` started from the code: a download to disk
        like ``urlretrieve``, and the name holding ``p`` now holds a downloaded file, so that
        starting it (``os.startfile(p)``) is the chain it is, whichever client fetched it."""
        items = _argv_items(cmd_node)
        if not items or not any(_OUTPUT_FLAG_RE.match(w) for w in text.split()):
            # the page goes to a pipe or the console, not to a file; a shell line's own
            # download-and-run is read by the command patterns (pat.curl_exec_file)
            return
        self.emit(
            "net.download_to_disk",
            "medium",
            node,
            "py.spawn_downloader",
            f"Runs '{first}' to save a file from the network.",
        )
        for flag, target in zip(items, items[1:], strict=False):
            v = self.folder.fold_value(flag)
            if v is not None and _OUTPUT_FLAG_RE.match(to_text(v)):
                self._mark_downloaded(target)

    def _inline_code(self, node: ast.Call, cmd_node: ast.AST, text: str) -> None:
        """``python -c "<code>"``: the code string is analysed like code passed to exec,
        where the interpreter is started (a payload hidden in a child's argument)."""
        code: str | None = None
        if isinstance(cmd_node, ast.List | ast.Tuple):
            items = [self.folder.fold_value(e) for e in cmd_node.elts]
            for i, v in enumerate(items[:-1]):
                nxt = items[i + 1]
                if v is not None and to_text(v) == "-c" and nxt is not None:
                    code = to_text(nxt)
                    break
        elif " -c " in text:
            try:
                words = shlex.split(text)
            except ValueError:
                words = []
            if "-c" in words[:-1]:
                code = words[words.index("-c") + 1]
        if not code or len(code) > 200_000:
            return
        before = len(self.hits)
        self._analyse_decoded(Folded(code), node, plain=True)
        place = self._place()
        self.hits[before:] = [replace(h, place=place) for h in self.hits[before:]]

    def _network(self, node: ast.Call, q: str, args: list[ast.expr], kw: dict) -> None:
        sent: frozenset[str] = frozenset()
        for a in list(args[1:]) + [
            v
            for k, v in kw.items()
            if k in ("data", "json", "params", "files", "body", "content", "msg")
        ]:
            sent |= self.taint_of(a)
        if "headers" in kw:
            sent |= self._header_taint(kw["headers"])
        if q.endswith(("send", "sendall", "sendto", "sendmail")) and args:
            sent |= self.taint_of(args[0])
        target = args[0] if args else kw.get("url")
        if target is not None and type(target) is not ast.Constant:
            # the whole environment or a secret file in the address (a GET's query string)
            # leaves as surely as in a body; one variable there is an SDK's base URL
            sent |= self.taint_of(target) & {"env", "secret"}
            if any(
                type(n) is ast.Call and any(self._is_env_whole(a) for a in [n, *n.args])
                for n in ast.walk(target)
            ):
                sent |= {"env_ref"}
        leak = sent & {"sysinfo", "env", "secret", "env_ref"}
        if "wallet" in sent:
            self.emit(
                "net.outbound",
                "high",
                node,
                "py.net_send_wallet_secret",
                "Sends a wallet seed phrase or private key it was handed over the network.",
            )
        url = self.folder.fold_value(args[0]) if args else None
        if url is None and "url" in kw:
            url = self.folder.fold_value(kw["url"])
        ip_url = url is not None and any(
            s.rule == "str.ip_url" for s in sig.endpoint_signals(to_text(url))
        )
        if ip_url and q.rsplit(".", 1)[-1] in (
            "post",
            "put",
            "patch",
            "send",
            "sendall",
            "request",
        ):
            self.emit(
                "net.exfil_endpoint",
                "high",
                node,
                "py.send_to_ip",
                "Sends data to a hard-coded bare IP address.",
                to_text(cast(str | bytes, url)),  # ip_url: there is a url
            )
        if leak and self._loopback(args[0] if args else kw.get("url")):
            # a process on this machine (the package's own proxy or daemon on 127.0.0.1):
            # nothing leaves the machine, so it is shown like any request, no exfiltration
            self.emit(
                "net.outbound",
                "low",
                node,
                "py.net_send_local",
                "Sends collected data to a process on this machine (a loopback address).",
                raise_in_context=False,
            )
        elif leak:
            what = ", ".join(
                sorted(
                    x.replace("env_ref", "environment").replace("env", "environment") for x in leak
                )
            )
            self.emit(
                "net.outbound",
                "high",
                node,
                # the whole environment or a secret file sent out is a chain; one variable
                # (an SDK's token for its own service) or a host name is how clients work
                "py.net_send_secrets" if leak & {"secret", "env_ref"} else "py.net_send_collected",
                f"Sends collected data ({what}) over the network.",
            )
        else:
            self.emit("net.outbound", "low", node, "py.net", f"Makes a network request ({q}).")
        if q.endswith("connect") and args and isinstance(args[0], ast.Tuple) and args[0].elts:
            host = self.folder.fold_value(args[0].elts[0])
            if (
                host is not None
                and sig._IP_URL_RE.search("tcp://" + to_text(host))
                and not to_text(host).startswith(sig._LOCAL_IPS)
                and not self._route_lookup()
            ):
                self.emit(
                    "net.exfil_endpoint",
                    "high",
                    node,
                    "py.connect_ip",
                    "Connects a socket to a hard-coded IP address.",
                    to_text(host),
                )

    def _header_taint(self, headers: ast.AST) -> frozenset[str]:
        """What a request's headers carry, less host facts in its User-Agent: a client names
        itself there (edx-rest-api-client falls back to the host name, pip and every SDK put
        the platform in it), and a beacon sends what it collected in its body or query."""
        if type(headers) is not ast.Dict:
            return self.taint_of(headers)
        out: frozenset[str] = frozenset()
        for key, value in zip(headers.keys, headers.values, strict=True):
            t = self.taint_of(value)
            k = self.folder.fold_value(key) if key is not None else None
            if k is not None and to_text(k).lower() == "user-agent":
                t -= {"sysinfo"}
            out |= t
        return out

    def _loopback(self, url: ast.AST | None) -> bool:
        """Whether ``url`` is written as a loopback address (``http://127.0.0.1:{port}/…``,
        ``"http://localhost:" + str(port)``), judged by the literal text it starts with."""
        while type(url) is ast.BinOp and type(url.op) is ast.Add:
            url = url.left
        if type(url) is ast.JoinedStr:
            url = url.values[0] if url.values else None
        text = self.folder.fold_value(url) if url is not None else None
        return text is not None and _LOOPBACK_URL_RE.match(to_text(text)) is not None

    def _in_build_step(self) -> bool:
        """Whether the setup.py code being walked runs outside every install step: not in
        an install command's class nor in a function one calls (``install_step_names``)."""
        names = self.install_step_names
        if names is None:
            tree = self.setup_tree
            names = install_step_code(tree) if tree is not None else frozenset()
            self.install_step_names = names
        return not any(c in names for c in self.class_names) and not any(
            f in names for f in self.def_names
        )

    def _names_a_file(self, name: str) -> bool:
        """Whether a literal of this file names ``name`` as a file (``"update.exe"``,
        ``"/tmp/update"``): then starting ``name`` may start what the code wrote there
        (Windows looks in the current folder first)."""
        answers = getattr(self, "_named_files", None)
        if answers is None:  # once per file: its text in lower case, then each name's answer
            answers = {}
            self._named_files = answers
            self._named_text = "\n".join(self.lines).lower()
        name = name.lower()
        if name not in answers:
            answers[name] = _names_file(self._named_text, name)
        return answers[name]

    def _route_lookup(self) -> bool:
        """The outgoing-address idiom: a UDP socket "connected" to a public resolver, then
        ``getsockname()``. A UDP connect sends nothing; servers use it to learn their own IP."""
        cached = getattr(self, "_route_idiom", None)
        if cached is None:
            text = "\n".join(self.lines)
            cached = "SOCK_DGRAM" in text and "getsockname" in text and "dup2" not in text
            self._route_idiom = cached
        return cached

    def _dns(self, node: ast.Call, arg: ast.AST) -> None:
        if isinstance(arg, ast.Constant):
            return
        t = self.taint_of(arg)
        built = isinstance(arg, ast.JoinedStr | ast.BinOp) or (
            isinstance(arg, ast.Call) and _last_name(arg.func) in ("format", "join")
        )
        if t == {"sysinfo"} and _own_name_lookup(arg, built):
            return  # the machine resolving its own name (its address): no domain to leak to
        if t & {"sysinfo", "env", "secret", "decoded"} or (built and t):
            self.emit(
                "net.dns_exfil",
                "high",
                node,
                "py.dns_exfil",
                "Builds a host name from collected data and looks it up: data leaks through DNS.",
            )

    def _native(self, node: ast.Call, q: str, arg0: ast.AST | None) -> None:
        v = self.folder.fold_value(arg0) if arg0 is not None else None
        name = to_text(v) if v is not None else None
        qa = self._canon(self.qualname(arg0)) if arg0 is not None else None
        system_lib = (
            name is not None
            and "/" not in name
            and "\\" not in name
            and not name.lower().endswith(".exe")
        )
        if system_lib or (qa and "find_library" in qa):
            self.emit(
                "exec.native_load",
                "low",
                node,
                "py.native_system_lib",
                f"Loads the system library '{name or 'found by name'}' with ctypes.",
                raise_in_context=False,
            )
            return
        self.emit(
            "exec.native_load",
            "high" if name and name.lower().endswith((".exe",)) else "medium",
            node,
            "py.native_load",
            f"Loads a native library at run time ({q}).",
        )


# Suffixes that keep a lookup on the local network (mDNS, the home network).
_LOCAL_SUFFIXES = (".local", ".localdomain", ".lan", ".home.arpa", ".internal")


def _own_name_lookup(arg: ast.AST, built: bool) -> bool:
    """``gethostbyname(socket.gethostname())`` or ``... + ".local"``: the host's own name,
    resolved to find its address. Exfiltration through DNS needs a domain someone else
    answers for, joined to the data."""
    if not built:
        return True
    consts = [
        n.value for n in ast.walk(arg) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    return bool(consts) and all(c.lower() in _LOCAL_SUFFIXES for c in consts)


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _names_file(text: str, name: str) -> bool:
    """Whether ``text`` has a literal ending in ``name`` as a file: after a path separator
    ("/tmp/update", "C:\\x\\update.exe") or with an extension ("update.exe"), the name not
    being the middle of a longer one ("src.tar.gz" names no file "tar")."""
    at = text.find(name)
    while at >= 0:
        before = text[at - 1] if at else ""
        end = _FILE_END_RE.match(text, at + len(name))
        if end:
            after_separator = before in ("/", "\\")
            # "update.exe", not the middle of a longer name: "src.tar.gz" names no "tar"
            with_extension = end.end() - end.start() > 1 and not (
                before.isalnum() or before in "_.-"
            )
            if after_separator or with_extension:
                return True
        at = text.find(name, at + 1)
    return False


def _config_query(text: str, first: str) -> bool:
    """``odbc_config --cflags --libs 2>/dev/null``: a build-configuration tool found on PATH
    (its name written without a folder), run alone."""
    words = text.split()
    return (
        bool(words)
        and "/" not in words[0]
        and "\\" not in words[0]
        and _CONFIG_TOOL_RE.match(first) is not None
        and not _CHAINED_RE.search(_REDIRECT_RE.sub(" ", text))
    )


def _argv_items(cmd: ast.AST) -> list[ast.expr] | None:
    """The written items of an argument list: ``[a, b]``, or the written head of
    ``[a, b] + more`` (the rest is computed); None for anything else."""
    if isinstance(cmd, ast.List | ast.Tuple):
        return list(cmd.elts)
    if isinstance(cmd, ast.BinOp) and isinstance(cmd.op, ast.Add):
        return _argv_items(cmd.left)
    return None
