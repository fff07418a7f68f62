"""Archives inside the artifact, opened as data in memory and scanned like the artifact.

The archive reader opens one level of nesting itself (a sample zip's wheel, a wheel's bundled
tarball) and records archives below that unopened (:data:`NESTED_TOO_DEEP`), keeping their
bytes when small. The scan then opens those from memory, level by level, up to
:data:`MAX_NESTED_SCANS` levels; a runnable archive still deeper is ``scan.unread``.

Projects that ship their own older releases inside each release nest them deep: every
release of ibm-watsonx-orchestrate carries the one before in ``docker/sdk/``, seven levels of
wheels and sdists of one project, the same bytes met again and again down the tree. So an
archive whose exact bytes were already scanned in this scan is not scanned again: its result
stands under its own path too (findings are judged by the inner paths, so the result is the
same wherever the copy sits, and the artifact-wide checks above still see its path). Fan-out
is bounded: after :data:`MAX_NESTED_ARCHIVES` distinct archives, the rest are not reviewed
(``scan.unread``), so a tree of many distinct small archives cannot make the scan unbounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from app.core.archive import NESTED_TOO_DEEP, Artifact, Member
from app.core.capabilities import context as ctx
from app.core.capabilities.model import Hit, ScanResult
from app.core.capabilities.unread import UNREAD, unread_hit

# Scan levels that open archives found in memory; each level's reader opens one more itself,
# so archives nested up to about twice this deep are read.
MAX_NESTED_SCANS = 4
# Distinct nested archives scanned per top-level scan (copies of one are scanned once).
MAX_NESTED_ARCHIVES = 200

_ARCHIVE_EXT = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip", ".whl", ".egg")


def nested_scans(
    artifact: Artifact,
    errors: list[str],
    unreadable: list[Hit],
    scanned: dict[str, ScanResult],
    scan: Callable[[Artifact], ScanResult],
    over_budget: set[str],
) -> Iterator[tuple[Member, ScanResult]]:
    """Each archive member the reader did not expand, with the scan of its contents.

    ``scanned`` maps the sha256 of an archive's bytes to its scan, shared by all levels of one
    top-level scan: a copy met again is not opened again. An archive that cannot be opened is
    an error and ``scan.unread`` (medium in a test folder, where broken fixtures are common).
    One past :data:`MAX_NESTED_ARCHIVES` is ``scan.unread`` saying so, and its path goes into
    ``over_budget`` (its "too deep" note from the reader gives way to that reason).
    """
    from app.core.archive import ArchiveError, open_bytes, sniff_format

    expanded = {p.split("!/", 1)[0] for p in (m.path for m in artifact.members) if "!/" in p}
    reported = {s.path for s in artifact.skips}  # skipped_hits already says why
    for m in artifact.members:
        if m.kind != "binary" or m.data is None or not m.path.lower().endswith(_ARCHIVE_EXT):
            continue
        if m.path in expanded:  # the archive reader already listed its members
            continue
        if sniff_format(m.data[:512]) is None:
            continue
        done = scanned.get(m.sha256)
        if done is not None:
            yield m, done
            continue
        if len(scanned) >= MAX_NESTED_ARCHIVES:
            why = f"more than {MAX_NESTED_ARCHIVES} distinct archives are nested in this package"
            unreadable.append(unread_hit(m.path, why))
            over_budget.add(m.path)
            continue
        try:
            inner = open_bytes(m.data, m.path.rsplit("/", 1)[-1])
        except ArchiveError as exc:
            errors.append(f"{m.path}: nested archive not readable: {exc}")
            if m.path not in reported:  # a broken fixture archive in a test folder: medium
                tested = ctx.file_role(m.path) == ctx.TEST
                why = f"nested archive not readable: {exc}"
                unreadable.append(unread_hit(m.path, why, "medium" if tested else "high"))
            continue
        inner.source = m.path
        result = scan(inner)
        scanned[m.sha256] = result
        yield m, result


def read_after_all(
    findings: list[Hit], skipped: list[dict], opened: set[str], over_budget: set[str]
) -> tuple[list[Hit], list[dict]]:
    """An archive the reader left unopened because it sat too deep (:data:`NESTED_TOO_DEEP`)
    that the scan then opened from memory was read after all: its files' findings stand for
    it, so it is neither listed as skipped nor ``scan.unread`` (a frozen app's library zip
    inside a bundled executable said "not reviewed" about code whose every file was listed).
    One left unopened for the count bound keeps only the ``scan.unread`` that says so."""

    dropped = opened | over_budget

    def deep(path: str, reason: str, paths: set[str]) -> bool:
        return path in paths and NESTED_TOO_DEEP in reason

    return (
        [
            h
            for h in findings
            if not (h.capability == UNREAD and deep(h.path, h.explanation, dropped))
        ],
        [s for s in skipped if not deep(s["path"], s["reason"], opened)],
    )
