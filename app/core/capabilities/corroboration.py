"""A lone weak threat in a package of many modules asks for corroboration.

Kept apart from :mod:`.threats`, which finds threats file by file: this is the one judgement
made over the whole package, from how many code modules it has and which threats share a file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from app.core.capabilities.model import Threat, severity_rank

# What a hit outside any threat, and a lowered threat, is shown at: information, not an alarm.
INFO_CAP = "medium"

# A package with this many code modules (Python and JavaScript) is a program with many
# features. Measured on the tuning halves, no malware sample reached it with a lone weak
# threat: stealers and droppers are a handful of files (474 of 498 labelled samples have fewer
# than five code modules), and where malware sits in a large package (a copied project, a
# poisoned release) its payload brings a place, a second chain or a disguise into the same
# file. Popular projects of that size cry wolf with a lone feature: a downloader starting the
# browser it fetched, telemetry naming the host, a bundle's ``new Function``.
LARGE_PACKAGE = 50
# From this many code modules, a lone weak threat that does not run on its own (those of
# NEEDS_CORROBORATION outside _RUNS_ON_ITS_OWN) asks for corroboration too. The 19 labelled
# samples of ten or more code modules that are high all carry a place (install or import time)
# or decoded code run: a payload in a copy of a real project must start itself, since nobody
# calls the copy's new function for it. A lone chain only a user starts in a program of ten
# modules is a feature (a CLI that downloads and starts a tool it manages, a service installer
# writing its unit file, an uploader posting a report). Round 9 asked the same from ten
# modules with place.import_time included, and four trojanised copies (a download written on
# import) fell to medium: that place keeps LARGE_PACKAGE.
MID_PACKAGE = 10
# Threats that a single feature of a big program can look like. The others (decoded data run,
# a reverse shell, install-time code, a worm, dependency and archive mismatches, text that
# was not read) are never explained by size.
NEEDS_CORROBORATION = frozenset(
    {
        "chain.exfiltration",
        "chain.exfil_endpoint",
        "chain.download_execute",
        "chain.remote_exec",
        "disguise.encoded_exec",
        "disguise.obfuscation",
        "disguise.unicode",
        "impact.destructive",
        "impact.persistence",
        "place.import_time",
        # pip installing a named dependency when its import fails (chromadb's pysqlite3
        # fallback); no labelled sample of 50+ modules pulls one, and every one that pulls
        # at import also brings a chain or decoded code run
        "place.dependency_pull",
    }
)
# ... of which these run on their own, so ask for corroboration only from LARGE_PACKAGE.
_RUNS_ON_ITS_OWN = frozenset({"place.import_time", "place.dependency_pull"})


def _needs_corroboration(tid: str, code_files: int) -> bool:
    if tid not in NEEDS_CORROBORATION:
        return False
    return code_files >= (LARGE_PACKAGE if tid in _RUNS_ON_ITS_OWN else MID_PACKAGE)


def corroborate(threats: list[Threat], code_files: int) -> list[Threat]:
    """In a package of :data:`LARGE_PACKAGE` code modules or more (:data:`MID_PACKAGE` for a
    threat that only a user's call starts), a threat of :data:`NEEDS_CORROBORATION` that no
    other high threat of another kind joins in its file is shown at medium, saying why. What a
    release *adds* is scored without this (the diff and the feed score added hits alone), so a
    payload slipped into a big project is judged undiluted."""
    if code_files < MID_PACKAGE:
        return threats
    high_by_path: dict[str, list[Threat]] = defaultdict(list)
    for t in threats:
        if severity_rank(t.severity) >= 3:
            for p in {s.path for s in t.steps}:
                high_by_path[p].append(t)
    out = []
    for t in threats:
        own = set(t.steps)
        # Another kind of threat corroborates with evidence of its own: a pip install at
        # import is both place.dependency_pull and place.import_time, one act named twice.
        alone = not any(
            u.id != t.id and set(u.steps) != own
            for p in {s.path for s in t.steps}
            for u in high_by_path[p]
        )
        if _needs_corroboration(t.id, code_files) and severity_rank(t.severity) >= 3 and alone:
            why = (
                f"{t.explanation} Shown at {INFO_CAP}: it is alone in its file, one of"
                f" {code_files} code modules, with no place, disguise or second chain beside it."
            )
            t = replace(t, severity=INFO_CAP, explanation=why)
        out.append(t)
    return out
