"""One file, two readings: a container that is a tar (or gzip) and a zip at once.

pip unpacks any file :func:`zipfile.is_zipfile` accepts as a zip, whatever its first bytes and
name; tar tools and npm read the same file from its first bytes. An attacker appends a zip with
a payload to a clean ``.tar.gz`` (or the reverse) and the reviewer sees one package while the
installer unpacks another. So both readings are opened: the installer's reading is the artifact,
the other reading's members that differ are added under ``<kind>-reading!/`` so they are
reviewed too, and the artifact is flagged ``polyglot`` with the paths that disagree in
``metadata["polyglot"]`` (the scan turns a disagreement into a critical ``archive.ambiguous``).
"""

from __future__ import annotations

from app.core.archive.model import NESTED_SEPARATOR, Artifact, Member

_MAX_LISTED = 100


def last_copies(artifact: Artifact) -> dict[str, Member]:
    """Each path's member as an unpacker leaves it on disk: the last copy wins."""
    return {m.path: m for m in artifact.members}


def merge_readings(
    primary: Artifact, other: Artifact | None, kinds: tuple[str, str], other_error: str | None
) -> Artifact:
    """``primary`` (the installer's reading) plus what ``other`` reads differently."""
    mine = {path: m.sha256 for path, m in last_copies(primary).items()}
    differ: list[str] = []
    if other is not None:
        theirs = {path: m.sha256 for path, m in last_copies(other).items()}
        differ = sorted(p for p in mine.keys() | theirs.keys() if mine.get(p) != theirs.get(p))
        prefix = f"{kinds[1]}-reading{NESTED_SEPARATOR}"
        for m in other.members:
            if mine.get(m.path) != m.sha256:
                m.path = prefix + m.path
                m.flags += ("other-reading",)
                primary.members.append(m)
        primary.skips.extend(type(s)(prefix + s.path, s.reason) for s in other.skips)
    if "polyglot" not in primary.flags:
        primary.flags.append("polyglot")
    primary.metadata["polyglot"] = {
        "readings": list(kinds),
        "differ": differ[:_MAX_LISTED],
        "differ_count": len(differ),
        "error": other_error,
    }
    return primary
