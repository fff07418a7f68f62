"""Queue integration: give a queue item its release files and baseline without leaving the app.

``vetbench queue add NAME==VERSION`` calls :func:`fetch_for_item` (the hook
``app.commands.queue`` looks up); ``vetbench inbox import|watch`` and the desktop app call
:func:`fetch_missing` / :func:`fetch_in_background` for reports that came without an artifact.

For an item this fetches every file of each reported version that has no ``new`` artifact yet,
and every file of the baseline (the item's own baseline if a reporter named one, else the
previous release before the oldest reported version -- or the last benign one the store holds
when asked), attaches them to the item with their sha256, scans the release files with the
capability scanner and raises the item's risk to the highest file's.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from app.core.registry.errors import RegistryError
from app.core.registry.fetcher import FetchResult, fetch_with_baseline
from app.core.registry.http import Progress
from app.core.versions import sort_versions
from app.errors import VetbenchError
from app.workflows.baselines import benign_versions
from app.workflows.queueing import raise_risk, score_files


def fetch_for_item(
    store,
    item,
    *,
    strategy: str = "previous",
    cache_dir: str | os.PathLike[str] | None = None,
    index_url: str | None = None,
    progress: Progress | None = None,
    cancel: Any = None,
    offline: bool = False,
    scan: bool = True,
) -> list[FetchResult]:
    """Fetch, attach and scan what ``item`` is missing (see the module docstring).

    Returns one :class:`FetchResult` per version fetched; raises a :class:`RegistryError`
    (one clear message) if the index cannot provide the release.
    """
    artifacts = store.artifacts_for(item.id)
    have_new = {a.version for a in artifacts if a.role == "new" and (a.path or "")}
    have_baseline = any(a.role == "baseline" and a.path for a in artifacts)
    versions = [v for v in item.versions if v not in have_new] if item.versions else [None]
    if not versions:
        return []
    ordered = sort_versions([v for v in versions if v], item.ecosystem)
    oldest = ordered[0] if ordered else None
    benign = benign_versions(store, item.ecosystem, item.project) if strategy == "benign" else None
    results: list[FetchResult] = []
    for version in versions:
        want_baseline = not have_baseline and version == oldest
        result = fetch_with_baseline(
            item.ecosystem,
            item.project,
            version,
            strategy=strategy,
            benign_versions=benign,
            baseline_version=item.baseline if want_baseline else None,
            cache_dir=cache_dir,
            index_url=index_url,
            progress=progress,
            cancel=cancel,
            offline=offline,
            with_baseline=want_baseline,
        )
        results.append(result)
        for f in result.files:
            store.attach_artifact(
                item.id, "new", str(f.path), f.sha256, url=f.url, version=f.version
            )
        for f in result.baseline_files:
            store.attach_artifact(
                item.id, "baseline", str(f.path), f.sha256, url=f.url, version=f.version
            )
    if scan:
        level, score = score_files(
            (f.path for r in results for f in r.files), getattr(store, "path", None)
        )
        raise_risk(store, item.id, level, score)
        _raise_by_what_it_adds(store, item.id, results)
    return results


def _raise_by_what_it_adds(store, item_id: int, results: list[FetchResult]) -> None:
    """With a baseline at hand, the item's risk is also what the release adds, scored on its
    own: a lone chain slipped into a large project is medium in the whole release's risk
    (corroboration.corroborate) but high here, so a poisoned release of a big project is not
    sorted below the queue's small droppers."""
    from app.core.capabilities.scan import cached_scanner
    from app.workflows.feed import review_release

    with cached_scanner(getattr(store, "path", None)) as scan:
        for result in results:
            if result.files and result.baseline_files:
                level, score, _added = review_release(result, scan=scan)
                raise_risk(store, item_id, level, score)


def items_missing_artifacts(store, item_ids: Iterable[int]) -> list:
    """Those of ``item_ids`` that have no local release file attached yet."""
    missing = []
    for item_id in sorted(set(item_ids)):
        item = store.get_item(item_id)
        if not any(a.role == "new" and a.path for a in store.artifacts_for(item_id)):
            missing.append(item)
    return missing


def fetch_missing(store, item_ids: Iterable[int], **kwargs) -> list[tuple[int, str]]:
    """:func:`fetch_for_item` for each item without an artifact; returns ``(id, error)``
    for those that failed (a failure on one item never stops the others)."""
    failures = []
    for item in items_missing_artifacts(store, item_ids):
        try:
            fetch_for_item(store, item, **kwargs)
        except RegistryError as exc:
            failures.append((item.id, str(exc)))
        except VetbenchError as exc:
            failures.append((item.id, str(exc)))
    return failures


def fetch_in_background(
    db_path: str | os.PathLike[str],
    item_ids: Iterable[int],
    *,
    on_done: Callable[[list[int], list[tuple[int, str]]], None] | None = None,
    cancel: threading.Event | None = None,
    **kwargs,
) -> threading.Thread:
    """Run :func:`fetch_missing` on a daemon thread with its own store connection.

    ``on_done(item_ids, failures)`` is called on that thread when it finishes (the UI should
    re-emit it as a Qt signal). ``cancel`` stops between and inside downloads.
    """
    ids = list(item_ids)

    def work() -> None:
        from app.core.store.db import Store

        failures: list[tuple[int, str]] = []
        try:
            with Store.open(Path(db_path)) as store:
                failures = fetch_missing(store, ids, cancel=cancel, **kwargs)
        except VetbenchError as exc:
            failures = [(i, str(exc)) for i in ids]
        if on_done is not None:
            on_done(ids, failures)

    thread = threading.Thread(target=work, name="vetbench-fetch", daemon=True)
    thread.start()
    return thread
