"""Threats: what decides a package's risk, above the capabilities that are facts about code.

A capability says what code *can* do: start a process, open a socket, load a native library,
read a credential file. Popular projects do each of those every day, so one of them alone is
information, shown at low or medium and never high by itself. What separates malware from them
is almost never one API (see ``../shared/design/detection-notes.md``):

* a **chain**: a secret or host-data source reaching a network sink; a download that is then
  run; decoded or downloaded data reaching exec; captured input sent out; a socket wired to a
  shell;
* a **place**: setup.py and its commands, a ``.pth`` file, import time, a build backend, an
  entry point shadowing a common command, a dependency pulled at install time;
* a **disguise**: names built from pieces, text written in escapes, packers, inline-key
  encryption, bidi and homoglyph tricks;
* a **mismatch**: a wheel whose RECORD lies, a name squatting a popular project, a dependency
  fetched from a URL.

:func:`find_threats` reads the hits of one artifact and names each threat with the steps
(capability, path, line) that make it up; :func:`assess` turns them into the risk, lowering
every powerful-API hit that is part of no threat to medium. The risk level is the highest
threat's severity (or medium at most without one), so every high or critical verdict is
explained by a threat.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from app.core.capabilities.blobkinds import data_url, inert_blob
from app.core.capabilities.buildfetch import BUILD_INPUT_RULE
from app.core.capabilities.context import SETUP, TEST, file_role
from app.core.capabilities.corroboration import INFO_CAP, corroborate
from app.core.capabilities.model import SEVERITIES, Hit, Threat, ThreatStep, severity_rank
from app.core.capabilities.strings import TUNNEL_SERVICE_RULE

__all__ = [
    "POWERFUL_APIS",
    "THREATS",
    "Threat",
    "ThreatStep",
    "assess",
    "corroborate",
    "find_threats",
]

# One powerful API alone is information: these never make a package high by themselves.
POWERFUL_APIS = frozenset(
    {
        "exec.dynamic",
        "exec.deserialize",
        "exec.native_load",
        "process.spawn",
        "process.spawn_hidden",
        "net.outbound",
        "net.download_to_disk",
        "cred.env_bulk",
        "cred.secret_files",
        "cred.browser_data",
        "collect.sysinfo",
        "collect.user_input",
        "fs.write_outside",
        "artifact.binary",
        "obf.encoded_blob",
        # A .pth or sitecustomize that only imports its own package is how coverage,
        # OpenTelemetry and coloredlogs hook in; one that acts is place.install_time.
        "install.pth_hook",
    }
)

_SOURCES = {
    "cred.env_bulk",
    "cred.secret_files",
    "cred.browser_data",
    "collect.sysinfo",
    "collect.user_input",
}
# Which platform the code runs on (OS, release, architecture) names no host or person: telemetry
# and user agents send it, so it is shown as a fact and starts no chain.
_NO_SOURCE_RULES = frozenset({"py.platform_facts"})
# A network request that sends nothing the analysis saw collected (rule of net.outbound).
_PLAIN_REQUEST_RULES = frozenset({"py.net"})
# obf.encoded_blob hits that say a line is long, not that anything is encoded.
_NOT_ENCODED_RULES = frozenset({"txt.long_line"})
# process.spawn of a program named in the code (not a launcher such as sh, python or open).
_NAMED_PROGRAM_RULES = frozenset({"py.spawn_named_tool"})
# process.spawn of a program setup.py computes where no install step reaches: the compiler,
# a configure script or a build helper of build_ext/build_clib (pyeffects.BUILD_STEP_RULE).
# So is a start of a script the package ships (ownscripts.OWN_SCRIPT_RULE): the script's own
# lines are judged where they are; one it does not ship stays high and makes setup.py act.
_BUILD_STEP_RULES = frozenset({"py.spawn_build_step", "py.spawn_own_script"})
_JS_EXT = (".js", ".mjs", ".cjs", ".jsx")
_STRONG_SOURCES = ("cred.browser_data", "cred.secret_files", "cred.env_bulk")
_SINKS = {"net.outbound", "net.exfil_endpoint", "net.dns_exfil"}
_RUN = ("process.spawn", "process.spawn_hidden", "exec.native_load")
_INSTALL_HOOKS = ("install.setup_code", "install.script_hook")
# Acting at import time: alarming in a package module (a library's own native library or a
# git probe is not: exec.native_load and plain process.spawn stay information there).
_IMPORT_TIME_ACTS = (
    "net.outbound",
    "net.download_to_disk",
    "process.spawn_hidden",
    "cred.env_bulk",
    "cred.secret_files",
    "cred.browser_data",
    "collect.user_input",
    "fs.write_outside",
    "install.dependency_pull",
)

# id -> what a moderator reads when it is raised (the README lists them beside the capabilities).
THREATS = {
    "chain.decode_exec": "Decoded or decrypted data is run as code.",
    "chain.remote_exec": "Code downloaded from the network is run.",
    "chain.download_execute": "A file is downloaded and then run or loaded.",
    "chain.exfiltration": "Secrets or host data are collected and sent out.",
    "chain.exfil_endpoint": "A hard-coded exfiltration endpoint (webhook, bot token, paste or tunnel service).",
    "chain.capture_exfiltration": "Keystrokes, clipboard or screen are captured and sent out.",
    "chain.reverse_shell": "A network socket is wired to a shell.",
    "chain.wallet_swap": "Payments or wallet addresses are rewritten to hard-coded ones: crypto theft.",
    "chain.browser_hijack": "Browser or wallet APIs are replaced so what a page sends passes through the package.",
    "chain.worm": "A registry token is read and packages are published with it: a self-spreading worm.",
    "place.install_time": "Code runs when the package is installed (setup.py, .pth, lifecycle script) and acts.",
    "place.import_time": "Code acts on the network, secrets or the disk as soon as the package is imported.",
    "place.dependency_pull": "Another package is installed by the package's own code at install or import time.",
    "disguise.obfuscation": "Code is disguised: names built from pieces, packers, inline-key encryption, escapes.",
    "disguise.unicode": "Bidirectional, zero-width or look-alike characters make code read differently than it runs.",
    "disguise.encoded_exec": "Encoded data sits beside code that is built and run at run time.",
    "disguise.agent_instructions": "Instructions hidden for AI agents that read the package: override their rules, hide from the user, reach secrets.",
    "disguise.self_delete": "The code deletes itself after running, removing the evidence.",
    "disguise.anti_analysis": "The code checks for sandboxes, virtual machines or debuggers before acting.",
    "disguise.unread": "A file that can run was not read in full: what was not read is not clean.",
    "mismatch.record": "The wheel's RECORD does not match its files.",
    "mismatch.dependency_confusion": "A name that looks internal, published with an absurd version: dependency confusion.",
    "mismatch.typosquat": "The name squats a popular project's and the package acts at install or import time.",
    "mismatch.ambiguous_archive": "The installer may unpack other files than the reviewer reads (polyglot, duplicates).",
    "mismatch.url_dependency": "A dependency is fetched from a URL or repository instead of the registry.",
    "mismatch.suspicious_dependency": "A dependency squats a popular project's name or is a package labelled malicious.",
    "chain.bundled_execute": "Code that runs at install or import time starts or loads a native binary the package ships.",
    "impact.destructive": "Deletes, wipes or encrypts data.",
    "impact.persistence": "Installs itself to start again: cron, systemd, launchd, Run keys, Startup.",
}

# A single capability that is a threat on its own (the chain or the place is in the hit).
_SINGLE = {
    "exec.decode_then_exec": "chain.decode_exec",
    "exec.remote_code": "chain.remote_exec",
    "process.shell_download": "chain.download_execute",
    "net.reverse_shell": "chain.reverse_shell",
    "net.exfil_endpoint": "chain.exfil_endpoint",
    "net.dns_exfil": "chain.exfiltration",
    "obf.packer": "disguise.obfuscation",
    "obf.unicode_trick": "disguise.unicode",
    "install.record_mismatch": "mismatch.record",
    "meta.url_dependency": "mismatch.url_dependency",
    "impact.destructive": "impact.destructive",
    "persist.autostart": "impact.persistence",
    "install.dependency_pull": "place.dependency_pull",
    "scan.unread": "disguise.unread",
    "archive.ambiguous": "mismatch.ambiguous_archive",
    "agent.prompt_injection": "disguise.agent_instructions",
    "hijack.wallet_swap": "chain.wallet_swap",
    "hijack.browser_api": "chain.browser_hijack",
    "worm.self_publish": "chain.worm",
    "evasion.self_delete": "disguise.self_delete",
    "evasion.anti_analysis": "disguise.anti_analysis",
    "meta.dependency_confusion": "mismatch.dependency_confusion",
    "meta.typosquat": "mismatch.typosquat",
    "artifact.native_launch": "chain.bundled_execute",
    "meta.suspicious_dependency": "mismatch.suspicious_dependency",
}


# Files whose pattern hits are code, not data: a URL, a curl line or a shell snippet in a
# JSON rule set, a YAML list of attack phrases or a web bundle's docs string is a mention.
_DATA_EXT = (
    ".json",
    ".yml",
    ".yaml",
    ".md",
    ".rst",
    ".txt",
    ".html",
    ".htm",
    ".xml",
    ".csv",
    ".map",
    ".svg",
    ".lock",
    ".toml",
    ".cfg",
    ".ini",
    # lists and certificates no interpreter runs (a public-suffix list names tunnel domains)
    ".dat",
    ".tsv",
    ".po",
    ".pem",
    ".crt",
    ".css",
    # JSON Lines: one record per line (a scraped user-agent table), data like .json
    ".jsonl",
    ".jl",
    ".ndjson",
)
# Single-capability threats that text rules can raise on a mention: code files only.
_MENTIONS = (
    "net.exfil_endpoint",
    "process.shell_download",
    "net.reverse_shell",
    "impact.destructive",
    "persist.autostart",
)


# Folders whose JavaScript a web server hands to a browser page (a Python web app's or a
# notebook extension's bundle), where fetching a script and evaluating it is how a bundle loads
# its own workers and chunks from the page's origin.
_SERVED_DIRS = (
    "/static/",
    "/labextension/",
    "/labextensions/",
    "/nbextension/",
    "/nbextensions/",  # share/jupyter/nbextensions/, where the classic notebook serves them
)
# The text-pattern form of "download then eval" (pat.js_remote_eval) whose request names its
# URL in the code: a string or template literal as the first argument.
_FETCH_LITERAL_RE = re.compile(r"""^[\w.$]*\s*\(\s*["'`]""")


# How close a blob and a dynamic exec of a served bundle must be to form a disguise.
SERVED_NEAR_LINES = 200


def _served_to_a_browser(path: str) -> bool:
    low = f"/{path.lower()}"
    return low.endswith(_JS_EXT) and any(d in low for d in _SERVED_DIRS)


def _loads_own_script(h: Hit) -> bool:
    """A served bundle's loader: fetch(url) … eval, the URL handed in (not written in the
    code). A hard-coded address, or any other remote-exec rule, stays a chain."""
    return h.rule == "pat.js_remote_eval" and not _FETCH_LITERAL_RE.match(h.match)


def _is_data(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    if name in ("package.json", "pyproject.toml", "setup.cfg"):
        return False  # their scripts and hooks run
    return name.endswith(_DATA_EXT) or "/static/" in f"/{path.lower()}" or name.startswith(".")


def _hidden_blobs(path: str, blobs: list[Hit], dyn_hits: list[Hit], served: bool) -> list[Hit]:
    """The encoded blobs of one file that may be a payload for its dynamic exec.

    An inlined icon, font or markup (anywhere) or a table of numbers (in JavaScript, which
    cannot run bytes) beside a bundle's template compiler is no hidden payload. A data: URL in
    a bundle served to a browser (a worker's script inlined by the bundler) is loaded by the
    page from its URL, not decoded for eval. And a served bundle joins a whole library's
    files: its template compiler's ``new Function`` and an inlined asset thousands of lines
    below are two modules; a blob hidden for eval sits near it (minified, on the same line).
    """
    js = path.lower().endswith(_JS_EXT)
    out = [
        h
        for h in blobs
        if not inert_blob(h.match, h.rule, javascript=js)
        and not (served and data_url(h.snippet, h.match))
    ]
    if served:
        out = [b for b in out if any(abs(b.line - d.line) <= SERVED_NEAR_LINES for d in dyn_hits)]
    return out


def _step(h: Hit) -> ThreatStep:
    return ThreatStep(h.capability, h.path, h.line)


def _rank(hits: Iterable[Hit]) -> int:
    return max((severity_rank(h.severity) for h in hits), default=0)


def _secret_flows(
    by_cap: dict[str, list[Hit]], src_hits: list[Hit], endpoint_chain: bool
) -> list[tuple[str, int, list[Hit], str]]:
    """Secrets seen flowing into a request: the environment or a secret file read in the same
    file, or a seed phrase or private key a function is handed (no source needed)."""
    out: list[tuple[str, int, list[Hit], str]] = []
    outbound = by_cap.get("net.outbound", ())
    flows = [h for h in outbound if h.rule in ("py.net_send_secrets", "js.net_send_secrets")]
    sources = [h for h in src_hits if h.capability in _STRONG_SOURCES]
    # os.environ["TOKEN"] in a header is how an SDK authenticates; the whole environment or a
    # secret file (a cred.* source in the same file) flowing into a request is a stealer.
    if flows and sources and not endpoint_chain:
        why = "Sends the environment or secrets over the network."
        out.append(("chain.exfiltration", max(3, _rank(flows)), sources + flows, why))
    wallet = [h for h in outbound if h.rule == "py.net_send_wallet_secret"]
    if wallet:
        why = "Sends a wallet's seed phrase or private key out."
        out.append(("chain.exfiltration", 3, wallet, why))
    return out


def _hook_acts(path: str, acts: list[Hit]) -> list[Hit]:
    """The network calls, endpoints and starts beside an install hook that may run with it:
    in setup.py not those only a maintainer's own command reaches (their hits have no
    place: ``if sys.argv[-1] == "publish"``, a class registered as ``build_doc``), nor a
    fetch of a build input that nothing starts (buildfetch)."""
    if file_role(path) != SETUP:
        return acts
    return [h for h in acts if h.place and h.rule != BUILD_INPUT_RULE]


def _drop_endpoint(endpoint: int, end_hits: list[Hit], src: int) -> int:
    """The endpoint's rank as a chain's end: none where the only ones name a tunnel service
    without a tunnel of its own and nothing stronger than a low fact was collected (the
    environment copied for a child process is no collection)."""
    if end_hits and src < 2 and all(h.rule == TUNNEL_SERVICE_RULE for h in end_hits):
        return 0
    return endpoint


def _file_threats(path: str, hits: list[Hit]) -> list[tuple[str, int, list[Hit], str]]:
    """(threat id, rank, hits, why) for the chains and places inside one file."""
    by_cap: dict[str, list[Hit]] = defaultdict(list)
    # A long line is how every minified bundle looks, not an encoding: in JavaScript only a
    # real blob (base64, hex, high entropy) beside dynamic exec is a disguise.
    skip = _NO_SOURCE_RULES | (_NOT_ENCODED_RULES if path.lower().endswith(_JS_EXT) else set())
    for h in hits:
        if h.rule in skip:
            continue  # a fact that takes part in no chain
        by_cap[h.capability].append(h)

    def rank(*caps: str, least: int = 1) -> tuple[int, list[Hit]]:
        chosen = [h for c in caps for h in by_cap.get(c, ()) if severity_rank(h.severity) >= least]
        return _rank(chosen), chosen

    out: list[tuple[str, int, list[Hit], str]] = []
    # A data file the Python analyser read is one the package runs as code (.datacode).
    data = _is_data(path) and not any(h.rule.startswith("py.") for h in hits)
    served = _served_to_a_browser(path)
    for cap, threat in _SINGLE.items():
        if data and cap in _MENTIONS:
            continue
        r, chosen = rank(cap, least=3)
        if served and cap == "exec.remote_code":
            chosen = [h for h in chosen if not _loads_own_script(h)]
            r = _rank(chosen)
        if r:
            out.append((threat, r, chosen, THREATS[threat]))
    src, src_hits = rank(*_SOURCES)
    strong, _ = rank(*_STRONG_SOURCES, least=2)
    sink, sink_hits = rank("net.outbound", "net.dns_exfil")
    # An address in a data file (not a script under static/) is a mention there too: a site
    # list naming a tunnel's forum and an IP-lookup site is no collector wired to a drop.
    listed = data and not path.lower().endswith(_JS_EXT)
    endpoint, end_hits = (0, []) if listed else rank("net.exfil_endpoint", least=2)
    endpoint = _drop_endpoint(endpoint, end_hits, src)
    if src and endpoint:
        out.append(
            (
                "chain.exfiltration",
                4 if strong else 3,
                src_hits + end_hits,
                "Collects secrets or host data and has an exfiltration endpoint.",
            )
        )
    elif src >= 2 and sink >= 2:
        out.append(
            ("chain.exfiltration", 3, src_hits + sink_hits, "Collects data and sends it out.")
        )
    out += _secret_flows(by_cap, src_hits, bool(src and endpoint))
    dropped = [h for h in by_cap.get("artifact.binary", ()) if h.rule == "py.write_embedded_binary"]
    started = [h for c in _RUN for h in by_cap.get(c, ()) if severity_rank(h.severity) >= 2]
    if dropped and started:
        why = "Writes an executable decoded from the code's own text and starts it."
        out.append(("chain.decode_exec", 4, dropped + started, why))
    cap_r, cap_hits = rank("collect.user_input", least=2)
    if cap_r and (endpoint or rank("net.dns_exfil")[0]):
        out.append(
            (
                "chain.capture_exfiltration",
                3,
                cap_hits + sink_hits + end_hits,
                THREATS["chain.capture_exfiltration"],
            )
        )
    dl, dl_hits = rank("net.download_to_disk", least=2)
    # A program started by its name (unzip, ffmpeg, a browser on PATH) is not the download.
    run_hits = [h for h in rank(*_RUN, least=2)[1] if h.rule not in _NAMED_PROGRAM_RULES]
    run = _rank(run_hits)
    near = any(0 <= r.line - d.line <= 30 for d in dl_hits for r in run_hits)
    if dl and run and ((dl >= 3 and run >= 3) or near):
        # Even in a function only a user calls, writing a download and starting it a few
        # lines later is never routine; far apart in one module it may be two features: a
        # library loaded on import beside a download in a function only a user calls (a
        # vector index loading its SIMD kernels, fetching an SQLite extension on request)
        # is no chain, where both running on their own (at import, at install) is.
        r = 4 if dl >= 3 and run >= 3 else 3
        out.append(
            ("chain.download_execute", r, dl_hits + run_hits, "Downloads a file and runs it.")
        )
    dyn, dyn_hits = rank("exec.dynamic", least=2)
    blob_hits = _hidden_blobs(path, rank("obf.encoded_blob")[1], dyn_hits, served)
    blob = _rank(blob_hits)
    if blob and dyn:
        out.append(
            ("disguise.encoded_exec", 3, blob_hits + dyn_hits, THREATS["disguise.encoded_exec"])
        )
    hook, hook_hits = rank(*_INSTALL_HOOKS, least=3)
    if hook:
        out.append(("place.install_time", hook, hook_hits, THREATS["place.install_time"]))
    elif rank(*_INSTALL_HOOKS, least=2)[0] and (
        acts := _hook_acts(
            path,
            sink_hits
            + end_hits
            + [h for h in rank("process.spawn", least=2)[1] if h.rule not in _BUILD_STEP_RULES],
        )
    ):
        _, hooks = rank(*_INSTALL_HOOKS, least=2)
        out.append(
            (
                "place.install_time",
                3,
                hooks + acts,
                "An install hook that reaches the network or starts programs.",
            )
        )
    pth, pth_hits = rank("install.pth_hook", least=3)
    if pth:
        out.extend(_pth_acting(hits, pth_hits))
    role = file_role(path)
    acted = [
        h for h in hits if h.capability in _IMPORT_TIME_ACTS and h.place in ("import", "install")
    ]
    acted = [h for h in acted if severity_rank(h.severity) >= 3]
    if not (endpoint or src >= 2):
        # A request at import that sends nothing collected (a version check, a telemetry ping
        # with the platform name) is information; with a hard-coded endpoint or identity or
        # secrets collected beside it, it is the callback of a recon or stealer payload. At
        # install time (setup.py, a .pth) any request stays a place.
        acted = [h for h in acted if h.place != "import" or h.rule not in _PLAIN_REQUEST_RULES]
    if acted:
        tid = (
            "place.install_time"
            if any(h.place == "install" for h in acted)
            else "place.import_time"
        )
        out.append((tid, _rank(acted), acted, THREATS[tid]))
    if role == TEST:  # tests, docs, examples: lowered like their hits, never skipped
        out = [
            (t, r - 1 if r > 1 and t.startswith("chain.") and len(hs) > 1 else r, hs, w)
            for t, r, hs, w in out
        ]
    return out


def _pth_acting(hits: list[Hit], pth_hits: list[Hit]) -> list[tuple[str, int, list[Hit], str]]:
    """A .pth or sitecustomize that only imports is how tools hook in; one that acts is a place."""
    acting = [
        h
        for h in hits
        if h.capability != "install.pth_hook"
        and severity_rank(h.severity) >= 3
        and h.capability.split(".")[0] in ("exec", "net", "process", "cred", "collect", "fs")
    ]
    if not acting:
        return []
    why = "A .pth or sitecustomize file that runs at every Python start acts."
    return [("place.install_time", _rank(acting), pth_hits + acting, why)]


def find_threats(hits: list[Hit]) -> list[Threat]:
    """Every threat in one artifact's hits, strongest first."""
    per_file: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        if severity_rank(h.severity) > 0:
            per_file[h.path].append(h)
    merged: dict[tuple[str, str], tuple[int, list[Hit], str]] = {}
    for path, file_hits in per_file.items():
        for tid, r, chosen, why in _file_threats(path, file_hits):
            old = merged.get((tid, path))
            if old is None or r > old[0]:
                merged[(tid, path)] = (r, chosen, why)
            elif r == old[0]:
                merged[(tid, path)] = (r, old[1] + chosen, why)
    threats = []
    for (tid, _path), (r, chosen, why) in merged.items():
        seen: set[tuple[str, str, int]] = set()
        steps = []
        for h in sorted(chosen, key=lambda h: (h.path, h.line, h.capability)):
            key = (h.capability, h.path, h.line)
            if key not in seen:
                seen.add(key)
                steps.append(_step(h))
        threats.append(Threat(tid, SEVERITIES[r], why, tuple(steps[:12])))
    threats.sort(
        key=lambda t: (-severity_rank(t.severity), t.id, t.steps[0].path if t.steps else "")
    )
    return threats


def assess(hits: list[Hit], code_files: int = 0) -> tuple[list[Threat], list[Hit], int]:
    """(threats, hits with lone powerful APIs lowered to medium, the level rank they reach).

    ``code_files`` is the package's number of code modules (see :func:`corroborate`); 0, as
    for the hits a release adds, judges every threat on its own."""
    found = find_threats(hits)
    threats = corroborate(found, code_files)
    # A hit counts at most as high as the strongest threat it is a step of: a threat lowered
    # (by corroborate, or a chain in a test or CI folder) does not come back through its hits.
    strongest: dict[tuple[str, str, int], int] = {}
    for t in threats:
        for s in t.steps:
            key = (s.capability, s.path, s.line)
            strongest[key] = max(severity_rank(t.severity), strongest.get(key, 0))
    threats.sort(key=lambda t: -severity_rank(t.severity))  # stable: strongest first again
    in_threat = {(s.capability, s.path, s.line) for t in found for s in t.steps}
    cap = severity_rank(INFO_CAP)
    # Every hit outside a threat is information, powerful APIs above all (POWERFUL_APIS):
    # only a threat makes a package high.
    shown = [
        replace(h, severity=INFO_CAP)
        if severity_rank(h.severity) > cap and (h.capability, h.path, h.line) not in in_threat
        else h
        for h in hits
    ]
    # A lowered threat's hits keep their severity (a diff of what a release adds re-forms the
    # threat from them) but count only up to that threat's level here.
    level = max(
        max((severity_rank(t.severity) for t in threats), default=0),
        max(
            (
                min(
                    strongest.get((h.capability, h.path, h.line), 4),
                    severity_rank(h.severity),
                )
                for h in shown
            ),
            default=0,
        ),
    )
    return threats, shown, level
