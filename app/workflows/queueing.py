"""Queue a release for review and score it: the one "open, scan, store the risk" of Vetbench.

``vetbench queue add``, fetching an item's files from the registry and the demo all end the
same way: open each file as data, scan it with the findings cache, and raise the item's risk
to the highest score found (a risk never goes down because a later file scored lower). This
module is that step, written once.

A file of an *older* release of a project already waiting in the queue is not a new report:
it is attached to that item as a baseline candidate, never as the release under review
(:func:`queue_artifact` says which it did). ``queue add --baseline`` attaches a chosen file, or
records a chosen version, as the baseline (:func:`attach_baseline`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from app.core.archive import open_artifact
from app.core.capabilities.scan import cached_scanner
from app.core.store.db import Store
from app.core.store.records import OPEN_STATUSES, QueueItem, normalise_project
from app.core.versions import version_key
from app.errors import UsageError, VetbenchError

__all__ = ["attach_baseline", "queue_artifact", "raise_risk", "score_files"]

CachePath = str | os.PathLike[str] | None


def score_files(
    paths: Iterable[str | os.PathLike[str]], cache_path: CachePath = None
) -> tuple[str | None, float | None]:
    """Highest ``(risk level, score)`` over the files; ``(None, None)`` when none is readable.

    ``cache_path`` is where the findings cache lives (the store's own file keeps its
    ``findings_cache`` table beside the queue); ``None`` scans without a cache. A file that
    cannot be opened is skipped: it stays visible on the item, and the others still count.
    """
    best: tuple[str | None, float | None] = (None, None)
    with cached_scanner(cache_path) as scan:
        for path in paths:
            try:
                result = scan(open_artifact(path))
            except VetbenchError:
                continue
            if best[1] is None or result.risk.score > best[1]:
                best = (result.risk.level, float(result.risk.score))
    return best


def raise_risk(store: Store, item_id: int, level: str | None, score: float | None) -> bool:
    """Store ``(level, score)`` on the item when it is higher than what the item has."""
    if score is None:
        return False
    current = store.get_item(item_id)
    if current.risk_score is not None and current.risk_score >= score:
        return False
    store.set_risk(item_id, level, score)
    return True


def _waiting_item(store: Store, ecosystem: str, project: str) -> QueueItem | None:
    """The open queue item of ``project``, if one is waiting."""
    norm = normalise_project(ecosystem, project)
    for item in store.list_items(
        status=list(OPEN_STATUSES), text=project, ecosystem=ecosystem, limit=50
    ):
        if normalise_project(item.ecosystem, item.project) == norm:
            return item
    return None


def _older(version: str, than: tuple[str, ...], ecosystem: str) -> bool:
    known = [v for v in than if v]
    return bool(known) and version_key(version, ecosystem) < max(
        version_key(v, ecosystem) for v in known
    )


def queue_artifact(
    store: Store,
    path: Path,
    *,
    source: str = "manual",
    reporter: str | None = None,
    report_text: str | None = None,
) -> tuple[QueueItem, bool]:
    """Queue a local artifact under the name and version its metadata gives, scored:
    ``(item, False)``. A file of an older release of a waiting project is attached to that
    item as a baseline candidate instead: ``(item, True)``."""
    artifact = open_artifact(path)
    if not artifact.name or not artifact.version:
        raise UsageError(f"{path}: cannot tell the package name and version from its metadata")
    waiting = _waiting_item(store, artifact.ecosystem, artifact.name)
    if waiting is not None and _older(artifact.version, waiting.versions, artifact.ecosystem):
        store.attach_artifact(
            waiting.id,
            "baseline",
            str(Path(path).resolve()),
            artifact.sha256,
            version=artifact.version,
        )
        return store.get_item(waiting.id), True
    return _queue_new(store, path, artifact, source, reporter, report_text), False


def attach_baseline(store: Store, item_id: int, baseline: str, *, fetch: bool = True) -> str:
    """``--baseline ARTIFACT|VERSION``: an existing file is opened (it must be a release of
    the same project) and attached as the item's baseline; anything else is a version: its
    files at hand (queued as another item) are attached, else fetched from the registry
    (unless ``fetch`` is off). Returns what was attached, in words."""
    item = store.get_item(item_id)
    norm = normalise_project(item.ecosystem, item.project)
    candidate = Path(baseline)
    if candidate.exists():
        artifact = open_artifact(candidate)
        if artifact.name and normalise_project(item.ecosystem, artifact.name) != norm:
            raise UsageError(
                f"--baseline {baseline}: a release of {artifact.name}, not of {item.project}"
            )
        path = str(candidate.resolve())
        if not any(r.role == "baseline" and r.path == path for r in store.artifacts_for(item.id)):
            store.attach_artifact(
                item.id, "baseline", path, artifact.sha256, version=artifact.version
            )
        return f"baseline {artifact.version or '?'} ({candidate.name})"
    if "/" in baseline or baseline.endswith((".whl", ".gz", ".zip", ".tgz")):
        raise UsageError(f"--baseline {baseline}: no such file")
    at_hand = [
        ref
        for other in store.list_items(text=item.project, ecosystem=item.ecosystem, limit=50)
        if other.id != item.id and normalise_project(other.ecosystem, other.project) == norm
        for ref in store.artifacts_for(other.id)
        if ref.path and ref.version == baseline
    ]
    if not at_hand and not fetch:
        raise UsageError(
            f"--baseline {baseline}: no file of {item.project} {baseline} at hand "
            "(give the file, or drop --no-fetch to fetch it)"
        )
    if at_hand:
        for ref in at_hand:
            store.attach_artifact(item.id, "baseline", ref.path, ref.sha256, version=baseline)
        return f"baseline {baseline} ({len(at_hand)} file(s) at hand)"
    from app.core.registry.fetcher import fetch_release  # the HTTP client: only here

    files = fetch_release(item.ecosystem, item.project, baseline)
    for f in files:
        store.attach_artifact(
            item.id, "baseline", str(f.path), f.sha256, url=f.url, version=f.version
        )
    return f"baseline {baseline} ({len(files)} file(s) fetched)"


def _queue_new(store, path, artifact, source, reporter, report_text) -> QueueItem:
    with cached_scanner(store.path) as scan:
        result = scan(artifact)
    level, score = result.risk.level, float(result.risk.score)
    item, _ = store.add_item(
        artifact.ecosystem,
        artifact.name,
        [artifact.version],
        source=source,
        reporter=reporter,
        report_text=report_text,
        artifact_path=str(Path(path).resolve()),
        artifact_sha256=artifact.sha256,
        risk_level=level,
        risk_score=score,
    )
    if raise_risk(store, item.id, level, score):
        item = store.get_item(item.id)
    return item
