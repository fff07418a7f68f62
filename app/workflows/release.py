"""Load one queue item's release for review: open, scan (cached), diff, order the files.

A queue item points at its artifacts (``new`` and ``baseline`` roles in the store). This
use case opens them as data, scans them (cached), diffs them with :mod:`app.core.diff` and
orders the files the way a moderator reads them: files with added hits first, then other
changes, then the rest. Everything is cached by artifact path and sha256, so selecting an item
again (or going back to it) repaints without re-reading or re-scanning anything. Run it in a
worker: it reads archives and may fetch from the registry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.archive import Artifact, open_artifact
from app.core.capabilities.model import Hit, Risk, ScanResult, severity_rank
from app.core.diff.release import ReleaseDiff, diff_artifacts
from app.core.diff.tree import UNCHANGED, FileDiff
from app.workflows.baselines import Baseline, baselines_for

__all__ = [
    "Baseline",
    "ReleaseBundle",
    "ReleaseCache",
    "baselines_for",
    "hit_key",
    "load_release",
    "order_files",
]


def hit_key(hit: Hit) -> tuple:
    return (hit.capability, hit.path, hit.line, hit.rule)


@dataclass
class ReleaseBundle:
    """One item's release, ready to show."""

    item_id: int
    new: Artifact | None
    old: Artifact | None
    diff: ReleaseDiff | None
    files: list[FileDiff] = field(default_factory=list)  # display order
    new_hits: dict[str, list[Hit]] = field(default_factory=dict)  # by path
    old_hits: dict[str, list[Hit]] = field(default_factory=dict)
    added_keys: frozenset = frozenset()
    added_by_path: dict[str, int] = field(default_factory=dict)
    baselines: list[Baseline] = field(default_factory=list)
    baseline: Baseline | None = None
    risk: Risk | None = None
    notes: list[str] = field(default_factory=list)  # non-fatal problems (scan unavailable...)
    error: str = ""
    views: dict = field(default_factory=dict)  # (path, force) -> FileView, built on demand
    fetched: bool = False  # the release was fetched from the registry for this load


def _empty_like(new: Artifact) -> Artifact:
    return Artifact("(no baseline)", "directory", new.ecosystem, new.name, None, None, 0)


class ReleaseCache:
    """Opened artifacts, scans and bundles, most recently used kept (thread-safe)."""

    def __init__(self, artifacts: int = 16, bundles: int = 32):
        self._lock = threading.Lock()
        self._artifacts: OrderedDict[str, Artifact] = OrderedDict()
        self._scans: OrderedDict[str, ScanResult] = OrderedDict()
        self._bundles: OrderedDict[tuple, ReleaseBundle] = OrderedDict()
        self._sizes = (artifacts, bundles)
        self.scan_available = True

    def _remember(self, table: OrderedDict, key, value, limit: int):
        with self._lock:
            table[key] = value
            table.move_to_end(key)
            while len(table) > limit:
                table.popitem(last=False)
        return value

    def _get(self, table: OrderedDict, key):
        with self._lock:
            value = table.get(key)
            if value is not None:
                table.move_to_end(key)
            return value

    def artifact(self, path: str) -> Artifact:
        return self._get(self._artifacts, path) or self._remember(
            self._artifacts, path, open_artifact(path), self._sizes[0]
        )

    def scan(self, artifact: Artifact) -> ScanResult:
        key = artifact.sha256 or artifact.source
        cached = self._get(self._scans, key)
        if cached is not None:
            return cached
        try:
            from app.core.capabilities.scan import scan_artifact
        except ImportError:
            self.scan_available = False
            return ScanResult(target=artifact.target(), risk=Risk(0.0, "none"))
        return self._remember(self._scans, key, scan_artifact(artifact), 64)

    def bundle(self, key: tuple) -> ReleaseBundle | None:
        return self._get(self._bundles, key)

    def keep_bundle(self, key: tuple, bundle: ReleaseBundle) -> None:
        self._remember(self._bundles, key, bundle, self._sizes[1])


def _fetch(store, item_id: int, cancel, step) -> bool:
    """Download the item's release files (and baseline) into the verified cache."""
    from app.workflows.fetching import fetch_for_item

    def progress(name: str, done: int, total: int | None) -> None:
        step(done, total or 0, f"fetching {name}")

    step(0, 0, "fetching from the registry")
    fetch_for_item(store, store.get_item(item_id), progress=progress, cancel=cancel)
    return True


def load_release(
    store,
    item_id: int,
    cache: ReleaseCache,
    baseline_path: str | None = "",
    cancel: Callable[[], bool] | None = None,
    progress: Callable[..., None] | None = None,
    fetch: bool = False,
) -> ReleaseBundle:
    """Everything the release view needs for ``item_id``. ``baseline_path=""`` means the
    default (the previous release); ``None`` means no baseline. With ``fetch``, an item
    without a local file has its release fetched from the registry first."""
    new_path, choices = baselines_for(store, item_id)
    if baseline_path == "":
        chosen = choices[0]
    else:
        chosen = next((c for c in choices if c.path == baseline_path), choices[-1])
    step = progress or (lambda *a: None)
    fetched = False
    if new_path is None and fetch:
        # Reported without a file (inbox, feed): fetch the release and its baseline from the
        # registry, attach them to the item, then carry on as if they had always been here.
        fetched = _fetch(store, item_id, cancel, step)
        new_path, choices = baselines_for(store, item_id)
        chosen = choices[0]
    key = (item_id, new_path, chosen.path)
    cached = cache.bundle(key)
    if cached is not None:
        return cached
    bundle = ReleaseBundle(item_id, None, None, None, baselines=choices, baseline=chosen)
    bundle.fetched = fetched
    if new_path is None:
        bundle.error = (
            "This item has no local artifact and none could be fetched "
            "(try: vetbench fetch NAME==VERSION --baseline)."
        )
        return bundle
    step(0, 4, "opening artifacts")
    new = cache.artifact(new_path)
    old = cache.artifact(chosen.path) if chosen.path else _empty_like(new)
    if cancel and cancel():
        return bundle
    step(1, 4, "scanning")
    new_scan = cache.scan(new)
    old_scan = cache.scan(old) if chosen.path else ScanResult(old.target(), Risk(0.0, "none"))
    if not cache.scan_available:
        bundle.notes.append("Capability scanner not available: no hits are shown.")
    step(2, 4, "diffing")
    scans = {id(new): new_scan, id(old): old_scan}
    diff = diff_artifacts(old, new, scan=lambda a: scans.get(id(a)) or cache.scan(a), cancel=cancel)
    step(3, 4, "ordering files")
    bundle.new, bundle.old, bundle.diff = new, old, diff
    bundle.risk = new_scan.risk
    for hit in new_scan.findings:
        bundle.new_hits.setdefault(hit.path, []).append(hit)
    for hit in old_scan.findings:
        bundle.old_hits.setdefault(hit.path, []).append(hit)
    added = diff.capabilities.added if diff.capabilities else []
    bundle.added_keys = frozenset(hit_key(h) for h in added)
    for hit in added:
        bundle.added_by_path[hit.path] = bundle.added_by_path.get(hit.path, 0) + 1
    bundle.files = order_files(diff.files, bundle.added_by_path, bundle.new_hits)
    bundle.notes += list(diff.errors)
    cache.keep_bundle(key, bundle)
    step(4, 4, "done")
    return bundle


def order_files(
    files: list[FileDiff], added_by_path: dict[str, int], new_hits: dict[str, list[Hit]]
) -> list[FileDiff]:
    """Files with added hits first (most severe first), then changed files, then the rest."""

    def top_severity(f: FileDiff) -> int:
        return max((severity_rank(h.severity) for h in new_hits.get(f.path, ())), default=0)

    def key(f: FileDiff):
        return (
            0 if added_by_path.get(f.path) else (1 if f.status != UNCHANGED else 2),
            -top_severity(f),
            f.path,
        )

    return sorted(files, key=key)
