"""Load what the release view shows for one queue item, in a worker (no Qt here).

A queue item points at its artifacts (``new`` and ``baseline`` roles in the store). This
module opens them as data, scans them (cached), diffs them with the core differ and orders the
files the way a moderator reads them: files with added hits first, then other changes, then
the rest. Everything is cached by artifact path and sha256, so selecting an item again (or
going back to it) repaints without re-reading or re-scanning anything.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.archive import Artifact, open_artifact
from app.core.capabilities.model import Hit, Risk, ScanResult, severity_rank
from app.core.differ import ADDED, REMOVED, UNCHANGED, FileDiff, ReleaseDiff, diff_artifacts
from app.ui.file_model import FileView, binary_view, build_file_view, side_syntax


def hit_key(hit: Hit) -> tuple:
    return (hit.capability, hit.path, hit.line, hit.rule)


@dataclass
class Baseline:
    label: str  # shown in the picker, e.g. "1.4.0 (previous)"
    version: str | None
    path: str | None  # None: no baseline, every file is new


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
            self._artifacts, path, open_artifact(path), self._sizes[0])

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


def baselines_for(store, item_id: int) -> tuple[str | None, list[Baseline]]:
    """(path of the new artifact, baseline choices) from the item's artifacts."""
    refs = store.artifacts_for(item_id)
    item = store.get_item(item_id)
    new = next((r for r in reversed(refs) if r.role == "new" and r.path), None)
    choices: list[Baseline] = []
    labels = {}
    try:
        for lab in store.external_labels_for((item.ecosystem, item.project)):
            if lab.label.get("verdict") == "benign":
                labels[lab.version] = "benign"
    except Exception:  # noqa: BLE001 - labels are a nicety for the picker
        labels = {}
    seen: set[str] = set()
    for ref in reversed(refs):
        if ref.role != "baseline" or not ref.path or ref.path in seen:
            continue
        seen.add(ref.path)
        tag = "previous" if ref.version == item.baseline else "at hand"
        if labels.get(ref.version) == "benign":
            tag += ", benign"
        choices.append(Baseline(f"{ref.version or '?'} ({tag})", ref.version, ref.path))
    # Releases of the same project queued as other items are at hand too; the newest one
    # judged benign (here or by another reviewer) is marked "last benign".
    others: list[tuple[str, str, bool]] = []
    try:
        for other in store.list_items(text=item.project, limit=50):
            if other.id == item.id or other.ecosystem != item.ecosystem or \
                    other.project.lower() != item.project.lower():
                continue
            current = store.current_decision(other.id)
            benign = current is not None and current.verdict == "benign"
            for ref in store.artifacts_for(other.id):
                if ref.role == "new" and ref.path and ref.path not in seen \
                        and (new is None or ref.path != new.path):
                    seen.add(ref.path)
                    others.append((ref.version or "?", ref.path,
                                   benign or labels.get(ref.version) == "benign"))
    except Exception:  # noqa: BLE001 - extra choices are a nicety
        others = []
    last_benign = next((o for o in reversed(others) if o[2]), None)
    for version, path, _benign in others:
        tag = "last benign" if last_benign and path == last_benign[1] else "at hand"
        choices.append(Baseline(f"{version} ({tag})", version, path))
    choices.append(Baseline("no baseline (all files new)", None, None))
    return (new.path if new else None), choices


def _fetch(store, item_id: int, cancel, step) -> bool:
    """Download the item's release files (and baseline) into the verified cache."""
    from app.core.registry.queue_fetch import fetch_for_item

    def progress(name: str, done: int, total: int | None) -> None:
        step(done, total or 0, f"fetching {name}")

    step(0, 0, "fetching from the registry")
    fetch_for_item(store, store.get_item(item_id), progress=progress, cancel=cancel)
    return True


def load_release(store, item_id: int, cache: ReleaseCache, baseline_path: str | None = "",
                 cancel: Callable[[], bool] | None = None,
                 progress: Callable[..., None] | None = None,
                 fetch: bool = False) -> ReleaseBundle:
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
        bundle.error = ("This item has no local artifact and none could be fetched "
                        "(try: vetbench fetch NAME==VERSION --baseline).")
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


def order_files(files: list[FileDiff], added_by_path: dict[str, int],
                new_hits: dict[str, list[Hit]]) -> list[FileDiff]:
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


def file_view_for(bundle: ReleaseBundle, fd: FileDiff, *, force: bool = False,
                  cancel: Callable[[], bool] | None = None) -> FileView:
    """The side-by-side content of one file of a release (run in a worker); kept on the
    bundle, so going back to a file (n/p across files, Alt+Up/Down) repaints at once."""
    key = (fd.path, fd.old_path, force)
    cached = bundle.views.get(key)
    if cached is not None:
        return cached
    view = _build_view(bundle, fd, force, cancel)
    if not (cancel and cancel()):
        if len(bundle.views) > 64:
            bundle.views.clear()
        bundle.views[key] = view
    return view


def _build_view(bundle: ReleaseBundle, fd: FileDiff, force: bool,
                cancel: Callable[[], bool] | None) -> FileView:
    old_m, new_m = fd.old_member, fd.new_member
    if (old_m is not None and old_m.kind != "text") or (new_m is not None and new_m.kind != "text"):
        return binary_view(fd.path, fd.status, old_m, new_m)
    old_text = old_m.text if old_m is not None else None
    new_text = new_m.text if new_m is not None else None
    if fd.status == ADDED:
        old_text = None
    if fd.status == REMOVED:
        new_text = None
    return build_file_view(
        fd.path, fd.status, old_text, new_text,
        old_hits=bundle.old_hits.get(old_m.path, []) if old_m is not None else [],
        new_hits=bundle.new_hits.get(new_m.path, []) if new_m is not None else [],
        old_path=fd.old_path, added_hit_keys=bundle.added_keys, force=force, cancel=cancel,
    )


def file_syntax_for(fd: FileDiff, view: FileView,
                    cancel: Callable[[], bool] | None = None) -> tuple[dict, dict]:
    """Second step for a big file: (left, right) pygments spans per row."""
    old_m, new_m = fd.old_member, fd.new_member
    left = side_syntax(view.left, old_m.path, old_m.text, cancel) if old_m is not None else {}
    right = side_syntax(view.right, new_m.path, new_m.text, cancel) if new_m is not None else {}
    return left, right
