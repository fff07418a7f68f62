"""File-wide facts of a JavaScript file: what only the whole file shows.

The handlers of :mod:`.jsrules` look at one place at a time and record facts on the analysis
(``a.facts``: a publish command, a token read, a spawn, a socket, a shell, a hijacked API,
the serialised environment). :func:`file_facts` runs once at the end and combines them: an
npm token read plus ``npm publish`` is a self-spreading worm, hard-coded wallet addresses
with address-rewriting code are wallet swapping, a socket piped to a shell is a reverse
shell, several sandbox checks are anti-analysis, the environment reaching a request is a
stealer. It is apart from the per-place handlers because it runs at a different time (after
the walk, on the collected facts) and its rules read the file as a whole.
"""

from __future__ import annotations

import re

from app.core.capabilities.jsplaces import _WALLET_RE, Analysis, _field, sandbox_tools
from app.core.capabilities.wallets import real_wallet


def file_facts(a: Analysis) -> None:
    """Capabilities that only the whole file shows: worms, wallet swapping, reverse shells."""
    f = a.facts
    if a.depth:
        return
    text = a.src[:8_000_000]
    if "publish" not in f:
        m = re.search(rb"npm\s{1,5}(?:publish|access\s{1,5}\w)", text)
        if m:
            f["publish"] = a.root.descendant_for_byte_range(m.start(), m.end())
    if "token_read" not in f and (b"_TOKEN" in text or b"_authToken" in text):  # C-speed first
        m = re.search(rb"\bNPM_TOKEN\b|\bNODE_AUTH_TOKEN\b|_authToken", text)
        if m:
            f["token_read"] = a.root.descendant_for_byte_range(m.start(), m.end())
    if (
        f.get("publish") is not None
        and f.get("token_read") is not None
        and ("spawn" in f or "net" in f)
    ):
        a.add(
            "worm.self_publish",
            "critical",
            f["publish"],
            "js.worm_publish",
            "Reads an npm token and publishes packages with it: a self-spreading worm.",
        )
    _env_sent(a)
    # a hash or a type name shaped like an address is none: real ones pass their checksum
    found = [m for m in _WALLET_RE.finditer(text) if real_wallet(m.group(1))]
    wallets = {m.group(1) for m in found}
    if len(wallets) >= 3 and (
        "hijack" in f
        or re.search(rb"levenshtein|0x\[a-fA-F0-9\]\{40\}|\[13\]\[a-km-zA-HJ-NP-Z1-9\]", text, re.I)
    ):
        at = f.get("hijack") or a.root.descendant_for_byte_range(*found[0].span(1))
        a.add(
            "hijack.wallet_swap",
            "critical",
            at,
            "js.wallet_swap",
            f"{len(wallets)} hard-coded wallet addresses with code that rewrites addresses or payments: crypto theft.",
        )
    if "socket" in f and "shell" in f and b".pipe(" in text:
        a.add(
            "net.reverse_shell",
            "critical",
            f["shell"],
            "js.reverse_shell",
            "A socket piped to a shell: a reverse shell.",
        )
    tools = sandbox_tools(text[:2_000_000])
    if len(tools) >= 3 and ("sysinfo" in f or b"cpus()" in text or b"totalmem()" in text):
        node = a.root.descendant_for_byte_range(0, 1)
        a.add(
            "evasion.anti_analysis",
            "medium",
            node,
            "js.anti_analysis",
            f"Checks for analysis environments ({', '.join(sorted(tools)[:5])}) before acting.",
        )


def _env_sent(a: Analysis) -> None:
    """The serialised environment reaches a network request: a stealer, the chain Python's
    ``py.net_send_secrets`` reports (same threat)."""
    f = a.facts
    if f.get("net") is None:
        return
    sent = f.get("env_sent")
    decl = f.get("env_var")
    name_node = _field(decl, "name")
    if sent is None and decl is not None and name_node is not None:
        name = re.escape(a.folder.name(name_node).encode())
        if re.search(rb"(?<![\w$.])" + name + rb"(?![\w$])", a.src[decl.end_byte :]):
            sent = f["net"]
    if sent is not None:
        a.add(
            "net.outbound",
            "high",
            f["net"],
            "js.net_send_secrets",
            "Sends the whole process environment over the network.",
        )
