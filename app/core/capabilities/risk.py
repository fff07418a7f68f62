"""Package risk: a 0–10 score and a level, combined the way a moderator reasons.

* The level starts at the highest severity among the hits (allowlisted hits count as none).
* Chains raise it: a *threat* and a *capability* in the same file (a secret or host-fact source
  together with a network sink; a download together with a process start or chmod; an encoded
  blob or packer together with dynamic exec; an install hook together with network or process
  use) make that file at least high, and an exfiltration endpoint together with stolen
  credentials critical.
* Many low hits never add up to high: the count only moves the score inside the band of the
  level reached (low 1–2.9, medium 3–5.9, high 6–8.4, critical 8.5–10).
"""

from __future__ import annotations

from collections import defaultdict

from app.core.capabilities.context import TEST, file_role
from app.core.capabilities.model import SEVERITIES, Hit, Risk, severity_rank

_BANDS = {0: (0.0, 0.0), 1: (1.0, 2.9), 2: (3.0, 5.9), 3: (6.0, 8.4), 4: (8.5, 10.0)}

_SOURCES = {
    "cred.env_bulk",
    "cred.secret_files",
    "cred.browser_data",
    "collect.sysinfo",
    "collect.user_input",
}
_SINKS = {"net.outbound", "net.exfil_endpoint", "net.dns_exfil"}
_INSTALL = {
    "install.setup_code",
    "install.pth_hook",
    "install.script_hook",
    "install.build_backend",
}


def _chain_level(caps: dict[str, int]) -> tuple[int, str | None]:
    """Level (rank) a set of capabilities in one file reaches together, with a reason."""
    best, why = 0, None

    def up(rank: int, reason: str) -> None:
        nonlocal best, why
        if rank > best:
            best, why = rank, reason

    src = max((caps[c] for c in caps if c in _SOURCES), default=0)
    sink = max((caps[c] for c in caps if c in _SINKS and c != "net.exfil_endpoint"), default=0)
    endpoint = caps.get("net.exfil_endpoint", 0)
    strong_src = max(
        (caps.get(c, 0) for c in ("cred.browser_data", "cred.secret_files", "cred.env_bulk")),
        default=0,
    )
    if src and endpoint >= 2:
        up(4 if strong_src >= 2 else 3, "collects data and has an exfiltration endpoint")
    elif src >= 2 and sink >= 2:
        up(3, "collects data and sends it out")
    dl, run = (
        caps.get("net.download_to_disk", 0),
        max(caps.get("process.spawn", 0), caps.get("exec.native_load", 0)),
    )
    if dl >= 2 and run >= 2 and max(dl, run) >= 3:
        up(4 if dl >= 3 and run >= 3 else 3, "downloads a file and runs it")
    if caps.get("obf.encoded_blob", 0) >= 1 and caps.get("exec.dynamic", 0) >= 2:
        up(3, "hides data and runs code built at run time")
    if any(caps.get(c, 0) >= 2 for c in _INSTALL) and (
        sink >= 1 or endpoint >= 1 or caps.get("process.spawn", 0) >= 2
    ):
        up(3, "an install hook that reaches the network or starts programs")
    return best, why


def score(hits: list[Hit]) -> Risk:
    """The package risk for all hits of one artifact."""
    counted = [h for h in hits if severity_rank(h.severity) > 0]
    if not counted:
        return Risk(0.0, "none")
    top = max(severity_rank(h.severity) for h in counted)
    per_file: dict[str, dict[str, int]] = defaultdict(dict)
    for h in counted:
        caps = per_file[h.path]
        caps[h.capability] = max(caps.get(h.capability, 0), severity_rank(h.severity))
    chained = 0
    for path, caps in per_file.items():
        rank, _ = _chain_level(caps)
        if rank and file_role(path) == TEST:  # tests, docs, examples: lowered like their hits
            rank -= 1
        chained = max(chained, rank)
    level = max(top, chained)
    lo, hi = _BANDS[level]
    at_level = sum(1 for h in counted if severity_rank(h.severity) == level)
    distinct = len(
        {h.capability for h in counted if severity_rank(h.severity) >= max(1, level - 1)}
    )
    bonus = min(
        1.0,
        0.08 * (at_level - 1)
        + 0.12 * (distinct - 1)
        + (0.3 if chained >= level and chained else 0),
    )
    value = round(lo + (hi - lo) * max(0.0, bonus), 1)
    return Risk(value, SEVERITIES[level])


def explain_chains(hits: list[Hit]) -> list[str]:
    """Why the chains in ``hits`` raised the level (one sentence per file), for reports."""
    per_file: dict[str, dict[str, int]] = defaultdict(dict)
    for h in hits:
        if severity_rank(h.severity) > 0:
            caps = per_file[h.path]
            caps[h.capability] = max(caps.get(h.capability, 0), severity_rank(h.severity))
    out = []
    for path, caps in sorted(per_file.items()):
        rank, why = _chain_level(caps)
        if why:
            out.append(f"{path}: {why} ({SEVERITIES[rank]})")
    return out
