"""Shell, PowerShell and batch: script files in any package, and the commands that npm
lifecycle scripts and ``child_process`` calls run.

The pattern rules (``resources/rules/patterns.json``, languages ``shell``/``ps``/``bat``/``cmd``)
read the text; this module adds what a pattern cannot: a PowerShell ``-EncodedCommand``
(base64 of UTF-16LE) is decoded and its text scanned too, the decoded text shown with the
finding; ``node file.js`` in a command names the file that runs at install time; and npm's
own commands (``npm publish``/``npm access``) are what a self-spreading worm runs.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, replace

from app.core.capabilities import context as ctx
from app.core.capabilities import strings as sig
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit
from app.core.capabilities.patterns import engine
from app.core.capabilities.textscan import scan_text_file

DECODED_PREVIEW = 400

_ENCODED_RE = re.compile(
    r"(?i)\b(?:powershell|pwsh)(?:\.exe)?\b[^\n]{0,300}?\s[-/](?:e|ec|en|enc|enco|encod|encode|"
    r"encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|"
    r"encodedcommand)\s{1,5}['\"]?([A-Za-z0-9+/]{12,}={0,2})"
)
_NODE_RE = re.compile(
    r"(?:^|[;&|(]|\s)(?:node|nodejs)\s{1,5}(?:-{1,2}[\w-]{1,40}(?:=\S{1,100})?\s{1,5}){0,5}"
    r"(\.{0,2}/?[\w./@-]{1,200}?)(?:\.(js|cjs|mjs))?(?=$|[\s;&|)])"
)
_WORM_RE = re.compile(
    r"\bnpm\s{1,5}(?:publish|access\s{1,5}\w|token\s{1,5}create|adduser|owner\s{1,5}add)"
)
_SYSINFO_RE = re.compile(r"(?:^|[\s;&|(`$])(?:whoami|hostname|uname\s{1,5}-a|id)(?=$|[\s;&|)`])")
_ENV_DUMP_RE = re.compile(r"(?:^|[\s;&|(`$])(?:printenv|env|set)\s{0,3}(?:\||>)")
_PS_LAUNCH_RE = re.compile(r"(?i)\b(?:powershell|pwsh)(?:\.exe)?\b")


@dataclass(frozen=True)
class CmdFinding:
    capability: str
    severity: str
    rule: str
    explanation: str
    match: str
    decoded: str = ""


def decode_encoded_commands(text: str) -> list[tuple[int, str]]:
    """(offset, decoded text) of every PowerShell -EncodedCommand in ``text``."""
    out = []
    for m in _ENCODED_RE.finditer(text):
        blob = m.group(1)
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4))
        except (binascii.Error, ValueError):
            continue
        decoded = raw.decode("utf-16-le", "replace") if len(raw) % 2 == 0 else raw.decode("latin-1")
        out.append((m.start(), decoded))
    return out


def node_targets(cmd: str) -> list[str]:
    """Files a command runs with node (``node install.js``, ``node ./lib/setup``)."""
    out = []
    for m in _NODE_RE.finditer(cmd):
        name = m.group(1)
        if not name or name.startswith("-") or name in ("-e", "-p"):
            continue
        name = re.sub(r"^\./", "", name)
        out.append(name + ("." + m.group(2) if m.group(2) else ""))
    return out


# A command that only reads what is there: lists a folder, prints or tests a file. Its stderr
# may be dropped; nothing else is redirected, piped, chained or substituted.
_READING_RE = re.compile(r"\s*(?:ls|cat|stat|head|tail|test\s+-[defrs]|\[\s+-[defrs])\s[^|;&<>$`]*")
_QUIET_STDERR_RE = re.compile(r"\s2>(?:&1|\s*/dev/null)")


def only_reads(cmd: str) -> bool:
    """Whether a command only looks at what it names (systeminformation:
    ``ls /etc/init.d/ -m 2> /dev/null`` lists the services there): an autostart location in
    it is read, not written, and installs nothing."""
    return _READING_RE.fullmatch(_QUIET_STDERR_RE.sub(" ", cmd)) is not None


def command_findings(cmd: str) -> list[CmdFinding]:
    """What one shell command (a lifecycle script, an exec argument) does."""
    out: list[CmdFinding] = []
    for pm in engine().scan(cmd, "cmd"):
        out.append(
            CmdFinding(
                pm.rule.capability, pm.rule.severity, pm.rule.id, pm.rule.explanation, pm.text
            )
        )
    for s in sig.endpoint_signals(cmd):
        out.append(CmdFinding(s.capability, s.severity, s.rule, s.explanation, s.match))
    for s in sig.content_signals(cmd):
        out.append(CmdFinding(s.capability, s.severity, s.rule, s.explanation, s.match))
    for _off, decoded in decode_encoded_commands(cmd):
        out.append(
            CmdFinding(
                "process.shell_download",
                "high",
                "sh.ps_encoded_command",
                "Runs a PowerShell -EncodedCommand (base64 of UTF-16LE text); decoded below.",
                cmd[:200],
                decoded[:DECODED_PREVIEW],
            )
        )
        for sub in command_findings(decoded) if len(decoded) < 1_000_000 else ():
            out.append(
                CmdFinding(
                    sub.capability,
                    sub.severity,
                    sub.rule,
                    "In the decoded PowerShell command: " + sub.explanation,
                    sub.match,
                    decoded[:DECODED_PREVIEW],
                )
            )
    m = _WORM_RE.search(cmd)
    if m:
        out.append(
            CmdFinding(
                "process.spawn",
                "medium",
                "sh.npm_publish",
                "Runs npm publish/access/token commands: publishing packages from the installing machine.",
                m.group(0),
            )
        )
    m = _SYSINFO_RE.search(cmd)
    if m:
        out.append(
            CmdFinding(
                "collect.sysinfo",
                "low",
                "sh.sysinfo",
                "Collects host facts (whoami, hostname, uname, id).",
                m.group(0).strip(),
            )
        )
    m = _ENV_DUMP_RE.search(cmd)
    if m:
        out.append(
            CmdFinding(
                "cred.env_bulk",
                "high",
                "sh.env_dump",
                "Dumps the whole environment into a pipe or file.",
                m.group(0).strip(),
            )
        )
    if _PS_LAUNCH_RE.search(cmd) and not any(f.capability == "process.shell_download" for f in out):
        out.append(
            CmdFinding("process.spawn", "medium", "sh.powershell", "Starts PowerShell.", cmd[:120])
        )
    return out


def with_decoded(hit: Hit, decoded: str) -> Hit:
    """``hit`` carrying the decoded text (first 400 characters) a moderator needs to see."""
    if not decoded:
        return hit
    preview = decoded[:DECODED_PREVIEW]
    if "decoded" in getattr(Hit, "__dataclass_fields__", {}):
        from dataclasses import replace

        return replace(hit, decoded=preview)
    from dataclasses import replace

    return replace(hit, explanation=f"{hit.explanation} Decoded: {preview!r}")


def scan_script_file(path: str, text: str, role: str, lines: list[str] | None = None) -> list[Hit]:
    """A shell, PowerShell or batch file: the pattern rules plus decoded encoded commands."""
    hits = scan_text_file(path, text, role, lines=lines)
    found = decode_encoded_commands(text)
    if not found:
        return hits
    lines = lines if lines is not None else text.split("\n")
    for off, decoded in found[:50]:
        line = text.count("\n", 0, off) + 1
        for f in command_findings(decoded) + [
            CmdFinding(
                "process.shell_download",
                "high",
                "sh.ps_encoded_command",
                "Runs a PowerShell -EncodedCommand (base64 of UTF-16LE text); decoded below.",
                "",
            )
        ]:
            sev = ctx.step(f.severity, -1) if role == ctx.TEST else f.severity
            expl = (
                f.explanation
                if f.rule == "sh.ps_encoded_command"
                else "In the decoded PowerShell command: " + f.explanation
            )
            h = make_hit(
                f.capability,
                sev,
                path,
                lines,
                line,
                None,
                0,
                f.match or lines[line - 1].strip(),
                f.rule,
                expl,
            )
            hits.append(with_decoded(h, decoded))
    return hits


_SCRIPT_EXT = (".sh", ".bash", ".zsh", ".ksh", ".command", ".ps1", ".psm1", ".bat", ".cmd")


def is_script(path: str, text: str) -> bool:
    """A shell, PowerShell or batch file by extension or shebang."""
    low = path.lower()
    if low.endswith(_SCRIPT_EXT):
        return True
    first = text[:100].split("\n", 1)[0] if text.startswith("#!") else ""
    return "." not in low.rsplit("/", 1)[-1] and bool(re.search(r"\b(?:ba|z|da|k)?sh\b", first))


# In Python source the command is often a list: ["powershell", "-enc", "<base64>"].
_PY_ENCODED_RE = re.compile(
    r"(?i)\b(?:powershell|pwsh)(?:\.exe)?\b[^\n]{0,300}?[\s'\"][-/](?:e|ec|en|enc|enco|encod|"
    r"encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|"
    r"encodedcommand)(?![A-Za-z])['\"]?\s{0,5},?\s{0,5}['\"]?([A-Za-z0-9+/]{12,}={0,2})"
)
MAX_PY_ENCODED = 8  # -EncodedCommand blobs decoded per Python file


def python_encoded_commands(
    path: str, text: str, role: str, lines: list[str], lowered: str | None = None
) -> list[Hit]:
    """PowerShell ``-EncodedCommand`` blobs inside a Python file's strings, decoded (base64 of
    UTF-16LE) and read like a command: each hit carries the decoded text and its layers.
    ``lowered`` is ``text.lower()`` when the caller has it."""
    if "owershell" not in text and "pwsh" not in (text.lower() if lowered is None else lowered):
        return []
    hits: list[Hit] = []
    for m in list(_PY_ENCODED_RE.finditer(text))[:MAX_PY_ENCODED]:
        blob = m.group(1)
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4))
        except (binascii.Error, ValueError):
            continue
        if len(raw) % 2:
            continue
        decoded = raw.decode("utf-16-le", "replace")
        line = text.count("\n", 0, m.start()) + 1
        found = [
            CmdFinding(
                "process.shell_download",
                "high",
                "py.ps_encoded_command",
                "Runs a PowerShell -EncodedCommand (base64 of UTF-16LE text); decoded below.",
                m.group(0)[:200],
            )
        ]
        if len(decoded) < 1_000_000:
            found += [
                CmdFinding(
                    f.capability,
                    f.severity,
                    f.rule,
                    "In the decoded PowerShell command: " + f.explanation,
                    f.match,
                )
                for f in command_findings(decoded)
            ]
        for f in found:
            sev = ctx.step(f.severity, -1) if role == ctx.TEST else f.severity
            h = make_hit(
                f.capability, sev, path, lines, line, None, 0, f.match, f.rule, f.explanation
            )
            hits.append(
                replace(h, decoded=decoded[:DECODED_PREVIEW], layers="b64decode → utf-16-le")
            )
    return hits
