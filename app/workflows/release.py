"""Load one queue item's release for review: open, scan (cached), diff, order the files.

A queue item points at its artifacts (``new`` and ``baseline`` roles in the store). A release
is often several files (the sdist and each wheel) and a payload may sit in only one of them,
so every file of the release is opened and scanned, each keeps its own risk, and the riskiest
one is the file under review unless the moderator picks another; files of one release that
disagree in code (a wheel carrying what the sdist does not) are a finding of their own
(:func:`release_mismatches`). The file under review is diffed against its baseline with
:mod:`app.core.diff` and its members ordered the way a moderator reads them: files with added
hits first, then other changes, then the rest. Everything is cached by artifact path and sha256, so selecting an item
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
from app.core.capabilities.threats import Threat
from app.core.diff.release import ReleaseDiff, diff_artifacts
from app.core.diff.tree import METADATA_PREFIX, UNCHANGED, FileDiff, align_key
from app.core.registry.pypi import normalize_name
from app.errors import VetbenchError
from app.workflows.baselines import (
    Baseline,
    ReleaseFile,
    baselines_for,
    file_kind,
    release_files,
)

__all__ = [
    "Baseline",
    "ReleaseBundle",
    "ReleaseCache",
    "ReleaseFile",
    "baselines_for",
    "hit_key",
    "load_release",
    "order_files",
    "release_mismatches",
    "describe_artifacts",
    "score_release_files",
]

# Files of a release scanned for their own risk; a release with more (numpy ships dozens of
# wheels) still lists them all, the rest unscanned until picked.
MAX_SCANNED_FILES = 16
# What counts as code when the files of one release are compared (compiled modules differ
# between platform wheels by nature; text code should not).
CODE_SUFFIXES = (".py", ".pyw", ".pth", ".pyx", ".js", ".mjs", ".cjs", ".sh", ".bat", ".ps1")
MAX_MISMATCHES = 50


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
    release_files: list[ReleaseFile] = field(default_factory=list)  # every file, own risk
    file: ReleaseFile | None = None  # the one under review
    mismatches: list[str] = field(default_factory=list)  # files of the release disagree
    # The file under review's threats, those new against the baseline first, and which are new.
    threats: list[Threat] = field(default_factory=list)
    added_threats: frozenset[Threat] = frozenset()

    def threats_of(self, hit: Hit) -> list[Threat]:
        """The threats ``hit`` is a step of (the hit panel shows their chains)."""
        key = (hit.capability, hit.path, hit.line)
        return [
            t for t in self.threats if any((s.capability, s.path, s.line) == key for s in t.steps)
        ]


def _empty_like(new: Artifact) -> Artifact:
    return Artifact("(no baseline)", "directory", new.ecosystem, new.name, None, None, 0)


class ReleaseCache:
    """Opened artifacts, scans and bundles, most recently used kept (thread-safe).

    With ``findings_path`` (the window passes its store's file, as ``vetbench scan`` and
    ``queue add`` do) each file's hits also go to the persistent findings cache there, so the
    next start of the app reads them back instead of analysing a 7,000-file release again;
    only files whose bytes changed are analysed. :meth:`close` writes what is pending."""

    def __init__(self, artifacts: int = 16, bundles: int = 32, findings_path=None):
        self._findings_path = findings_path
        self.findings = None  # the FindingsCache, opened at the first scan
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
        result = scan_artifact(artifact, cache=self._findings_cache())
        return self._remember(self._scans, key, result, 64)

    def _findings_cache(self):
        if self._findings_path is None:
            return None
        with self._lock:
            if self.findings is None:
                from app.core.capabilities.cache import FindingsCache

                self.findings = FindingsCache(self._findings_path)
            return self.findings

    def close(self) -> None:
        with self._lock:
            findings, self.findings, self._findings_path = self.findings, None, None
        if findings is not None:
            findings.close()

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


def score_release_files(files: list[ReleaseFile], cache: ReleaseCache, cancel=None) -> dict:
    """Open and scan each file of the release (the first :data:`MAX_SCANNED_FILES`), fill its
    risk, and return the opened artifacts by path (a file that cannot be opened is left out
    with its risk unknown)."""
    opened: dict[str, Artifact] = {}
    for rf in files[:MAX_SCANNED_FILES]:
        if cancel and cancel():
            break
        try:
            artifact = cache.artifact(rf.path)
        except (OSError, VetbenchError):
            continue
        opened[rf.path] = artifact
        risk = cache.scan(artifact).risk
        rf.risk_level, rf.risk_score = risk.level, float(risk.score)
    return opened


def riskiest(files: list[ReleaseFile]) -> ReleaseFile | None:
    """The file to open first: the highest score; among equals the first attached."""
    if not files:
        return None
    return max(enumerate(files), key=lambda p: (p[1].risk_score or -1.0, -p[0]))[1]


def load_release(
    store,
    item_id: int,
    cache: ReleaseCache,
    baseline_path: str | None = "",
    cancel: Callable[[], bool] | None = None,
    progress: Callable[..., None] | None = None,
    fetch: bool = False,
    artifact_path: str | None = None,
) -> ReleaseBundle:
    """Everything the release view needs for ``item_id``. ``baseline_path=""`` means the
    default (the previous release); ``None`` means no baseline. ``artifact_path`` picks the
    file of the release to review (default: the riskiest). With ``fetch``, an item without a
    local file has its release fetched from the registry first."""
    step = progress or (lambda *a: None)
    fetched = False
    files = release_files(store, item_id)
    if not files and fetch:
        # Reported without a file (inbox, feed): fetch the release and its baseline from the
        # registry, attach them to the item, then carry on as if they had always been here.
        fetched = _fetch(store, item_id, cancel, step)
        files = release_files(store, item_id)
        baseline_path = ""
    step(0, 4, "opening and scanning the release files")
    opened = score_release_files(files, cache, cancel)
    chosen_file = next((f for f in files if f.path == artifact_path), None) or riskiest(files)
    new_path, choices = baselines_for(
        store, item_id, chosen_file.path if chosen_file is not None else None
    )
    if baseline_path == "":
        chosen = choices[0]
    else:
        chosen = next((c for c in choices if c.path == baseline_path), choices[-1])
    key = (item_id, new_path, chosen.path)
    cached = cache.bundle(key)
    if cached is not None:
        return cached
    bundle = ReleaseBundle(item_id, None, None, None, baselines=choices, baseline=chosen)
    bundle.fetched = fetched
    bundle.release_files, bundle.file = files, chosen_file
    if new_path is None:
        bundle.error = (
            "This item has no local artifact and none could be fetched "
            "(try: vetbench fetch NAME==VERSION --baseline)."
        )
        return bundle
    bundle.mismatches = release_mismatches([(f, opened[f.path]) for f in files if f.path in opened])
    if len(files) > MAX_SCANNED_FILES:
        bundle.notes.append(
            f"{len(files)} files in this release: the first {MAX_SCANNED_FILES} were scanned "
            "for their own risk; pick another to scan it."
        )
    new = cache.artifact(new_path)
    old = cache.artifact(chosen.path) if chosen.path else _empty_like(new)
    if cancel and cancel():
        return bundle
    step(1, 4, "scanning")
    new_scan = cache.scan(new)
    if chosen_file is not None and chosen_file.risk_score is None:
        chosen_file.risk_level, chosen_file.risk_score = new_scan.risk.level, new_scan.risk.score
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
    bundle.threats = diff.threats_in_order()
    bundle.added_threats = frozenset(t for t in bundle.threats if diff.threat_is_added(t))
    bundle.notes += list(diff.errors)
    cache.keep_bundle(key, bundle)
    step(4, 4, "done")
    return bundle


def describe_artifacts(store, item_id: int) -> tuple[list[dict], list[str]]:
    """Each of the item's artifacts as ``queue show --json`` gives it: the store's record plus
    ``filename``, ``kind``, ``under_review`` and its own ``risk`` (scanned through the store's
    findings cache); and where the files of the release disagree."""
    from app.core.capabilities.scan import cached_scanner

    under_review = {f.path: f for f in release_files(store, item_id)}
    out: list[dict] = []
    opened: list[tuple[ReleaseFile, Artifact]] = []
    with cached_scanner(store.path) as scan:
        for ref in store.artifacts_for(item_id):
            obj = ref.to_json()
            name = (ref.path or ref.url or "").rstrip("/").rsplit("/", 1)[-1]
            obj.update(
                filename=name,
                kind=file_kind(name),
                under_review=ref.path in under_review,
                risk={"level": None, "score": None},
            )
            if ref.path:
                try:
                    artifact = open_artifact(ref.path)
                    risk = scan(artifact).risk
                except (OSError, VetbenchError) as exc:
                    obj["error"] = str(exc)
                else:
                    obj["risk"] = {"level": risk.level, "score": float(risk.score)}
                    if ref.path in under_review:
                        opened.append((under_review.pop(ref.path), artifact))
            out.append(obj)
    return out, release_mismatches(opened)


def _code_members(artifact: Artifact) -> dict[str, object]:
    return {
        key: m
        for m in artifact.members
        if m.path.endswith(CODE_SUFFIXES)
        and not (key := align_key(m.path, artifact.format)).startswith(METADATA_PREFIX)
    }


def _same_name(a: Artifact, b: Artifact) -> bool:
    if not a.name or not b.name:
        return True
    if a.ecosystem == "pypi":
        return normalize_name(a.name) == normalize_name(b.name)
    return a.name == b.name


def release_mismatches(files: list[tuple[ReleaseFile, Artifact]]) -> list[str]:
    """Where the files of one release disagree: a name or version that differs, code one file
    carries and the reference (the sdist, else the first file) does not, or the same code
    file with other content. Each line names both files."""
    if len(files) < 2:
        return []
    ref_file, ref = next(((f, a) for f, a in files if f.kind == "sdist"), files[0])
    ref_code = _code_members(ref)
    out: list[str] = []
    for rf, artifact in files:
        if rf is ref_file:
            continue
        if not _same_name(artifact, ref) or (
            artifact.version and ref.version and artifact.version != ref.version
        ):
            out.append(
                f"{rf.filename} is {artifact.name} {artifact.version}, "
                f"but {ref_file.filename} is {ref.name} {ref.version}"
            )
        for key, member in sorted(_code_members(artifact).items()):
            other = ref_code.get(key)
            if other is None:
                out.append(
                    f"{rf.filename} carries {member.path}, which {ref_file.filename} does not"
                )
            elif other.sha256 != member.sha256:
                out.append(f"{member.path} in {rf.filename} differs from {ref_file.filename}")
            if len(out) >= MAX_MISMATCHES:
                out.append("… more differences not listed")
                return out
    return out


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
