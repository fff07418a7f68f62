"""Queue a release for review and score it: the one "open, scan, store the risk" of Vetbench.

``vetbench queue add``, fetching an item's files from the registry and the demo all end the
same way: open each file as data, scan it with the findings cache, and raise the item's risk
to the highest score found (a risk never goes down because a later file scored lower). This
module is that step, written once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from app.core.archive import open_artifact
from app.core.capabilities.scan import cached_scanner
from app.core.store.db import Store
from app.core.store.records import QueueItem
from app.errors import UsageError, VetbenchError

__all__ = ["queue_artifact", "raise_risk", "score_files"]

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


def queue_artifact(
    store: Store,
    path: Path,
    *,
    source: str = "manual",
    reporter: str | None = None,
    report_text: str | None = None,
) -> QueueItem:
    """Queue a local artifact under the name and version its metadata gives, scored."""
    artifact = open_artifact(path)
    if not artifact.name or not artifact.version:
        raise UsageError(f"{path}: cannot tell the package name and version from its metadata")
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
