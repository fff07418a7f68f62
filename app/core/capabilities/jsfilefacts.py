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
    if len(wallets) >= 3 and ("hijack" in f or _SWAP_CODE.search(text) is not None):
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


# Code that finds addresses in text to replace them: a levenshtein closeness test, or an
# address pattern searched globally (``/0x[a-fA-F0-9]{40}/g``, ``new RegExp("...", "g")``).
# A web3 library checks one address against the anchored pattern (``/^0x[a-fA-F0-9]{40}$/``,
# viem's isAddress, a JSON schema's "pattern"), and keeps many contract addresses: no swap.
_SWAP_CODE = re.compile(
    rb"levenshtein|(?:0x\[a-fA-F0-9\]\{40\}|\[13\]\[a-km-zA-HJ-NP-Z1-9\](?:\{\d+,\d+\})?)"
    rb"(?:\\b)?\)?(?:/[a-z]*g|[\"'`]\s*,\s*[\"'`][a-z]*g)",
    re.I,
)


# The start of a send's argument list, up to the statement's end: req.end(, axios.post(url, {
_SEND_ARGS = rb"\b(?:send|write|post|put|patch|fetch|request|end|sendBeacon)\s*\([^;]{0,400}?"


def _env_sent(a: Analysis) -> None:
    """The serialised environment, or a secret file's text (``~/.aws/credentials``,
    ``~/.npmrc``), reaches a network request: a stealer, the chain Python's
    ``py.net_send_secrets`` reports (same threat), in a function only a user calls too."""
    for what, why in (
        ("env", "Sends the whole process environment over the network."),
        ("secret", "Sends a secret file's contents over the network."),
    ):
        if _sent(a, what):
            a.add("net.outbound", "high", a.facts["net"], "js.net_send_secrets", why)


def _sent(a: Analysis, what: str) -> bool:
    """Whether a request in the file gets the ``what`` text: sent in place, or its variable
    used after it is bound."""
    f = a.facts
    if f.get("net") is None:
        return False
    sent = f.get(f"{what}_sent")
    decl = f.get(f"{what}_var")
    name_node = _field(decl, "name")
    if sent is None and decl is not None and name_node is not None:
        name = re.escape(a.folder.name(name_node).encode())
        used = rb"(?<![\w$.])" + name + rb"(?![\w$])"
        if what == "secret":
            # a secret file is read for many reasons (the registry an .npmrc names): only
            # its text handed to a send counts, not any later use of the variable
            used = _SEND_ARGS + used
        if re.search(used, a.src[decl.end_byte :]):
            sent = f["net"]
    return sent is not None
