"""Which files make up the release under review, and which releases it can be compared against.

The release under review is the newest version among the item's ``new`` artifacts: every file
of it (sdist, each wheel, the npm tarball) is a :class:`ReleaseFile` the moderator can open
(:func:`release_files`). Older versions attached as ``new`` (a report folded onto the item) are
never the release under review: they become baseline choices, like the item's own
``baseline`` artifacts (the previous release first, files of the same kind first), then
releases of the same project queued as other items (the newest one a moderator decided marked
"last reviewed", the newest one judged benign "last benign"), then "no baseline".
Every label is unique: it names the file. One place decides this for the window and the
command line: the picker's choices (:func:`baselines_for`), the versions moderators judged
benign (:func:`benign_versions`, for ``fetch --baseline-strategy benign``) and the previous
release among local files (:func:`baseline_in_folder`, for ``diff --baseline-from``). The
version order itself is :func:`app.core.versions.previous_release`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from app.core.registry.pypi import normalize_name
from app.core.versions import pick_baseline, version_key
from app.errors import UsageError

_NPM_TGZ_RE = re.compile(r"^(.+?)-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\.tgz$")
KIND_ORDER = ("wheel", "sdist", "npm", "file")


@dataclass
class Baseline:
    label: str  # shown in the picker, e.g. "1.4.0 (previous) · demo-1.4.0.tar.gz"; unique
    version: str | None
    path: str | None  # None: no baseline, every file is new


@dataclass
class ReleaseFile:
    """One distribution file of the release under review (its risk is filled when scanned)."""

    path: str
    filename: str
    kind: str  # sdist | wheel | npm | file
    sha256: str | None
    version: str | None
    risk_level: str | None = None
    risk_score: float | None = None

    def to_json(self) -> dict:
        return {
            "filename": self.filename,
            "kind": self.kind,
            "sha256": self.sha256,
            "path": self.path,
            "version": self.version,
            "risk": {"level": self.risk_level, "score": self.risk_score},
        }


def file_kind(path: str) -> str:
    """``sdist``, ``wheel``, ``npm`` or ``file`` (a folder, an egg, an unusual name)."""
    parsed = _parse_filename(Path(path))
    if parsed is not None:
        return parsed[2]
    name = Path(path).name
    if name.endswith(".whl"):
        return "wheel"
    if name.endswith(".tgz"):
        return "npm"
    if name.endswith((".tar.gz", ".zip", ".tar.bz2", ".tar.xz")):
        return "sdist"
    return "file"


def _newest(versions, ecosystem: str) -> str | None:
    known = [v for v in versions if v]
    return max(known, key=lambda v: version_key(v, ecosystem)) if known else None


def release_files(store, item_id: int) -> list[ReleaseFile]:
    """Every local file of the release under review (the newest version among the item's
    ``new`` artifacts), once each, in the order they were attached."""
    item = store.get_item(item_id)
    refs = [r for r in store.artifacts_for(item_id) if r.role == "new" and r.path]
    newest = _newest((r.version for r in refs), item.ecosystem)
    out: list[ReleaseFile] = []
    seen: set[str] = set()
    for ref in refs:
        if (newest is not None and ref.version not in (newest, None)) or ref.path in seen:
            continue
        seen.add(ref.path)
        out.append(
            ReleaseFile(ref.path, Path(ref.path).name, file_kind(ref.path), ref.sha256, ref.version)
        )
    return out


def _unique(choices: list[Baseline]) -> list[Baseline]:
    """No two picker entries with the same label (the same file name in two folders)."""
    counts: dict[str, int] = {}
    for choice in choices:
        n = counts.get(choice.label, 0) + 1
        counts[choice.label] = n
        if n > 1:
            choice.label = f"{choice.label} #{n}"
    return choices


def _other_items_files(store, item) -> list[tuple[str, str, str | None]]:
    """Files of the project's other queue items: ``(version, path, current verdict)``."""
    others: list[tuple[str, str, str | None]] = []
    for other in store.list_items(text=item.project, limit=50):
        if (
            other.id == item.id
            or other.ecosystem != item.ecosystem
            or not _same_project(item.ecosystem, other.project, item.project)
        ):
            continue
        current = store.current_decision(other.id) if other.decision_id else None
        verdict = current.verdict if current is not None else None
        for ref in store.artifacts_for(other.id):
            if ref.role == "new" and ref.path:
                others.append((ref.version or "?", ref.path, verdict))
    return others


def _benign_labels(store, item) -> set[str]:
    try:
        return {
            lab.version
            for lab in store.external_labels_for((item.ecosystem, item.project))
            if lab.label.get("verdict") == "benign"
        }
    except Exception:  # noqa: BLE001 - labels are a nicety for the picker
        return set()


def baselines_for(
    store, item_id: int, new_path: str | None = None
) -> tuple[str | None, list[Baseline]]:
    """(path of the file under review, baseline choices). ``new_path`` picks one file of the
    release (default: the first attached); files of its kind come first among the choices."""
    refs = store.artifacts_for(item_id)
    item = store.get_item(item_id)
    files = release_files(store, item_id)
    new = next((f for f in files if f.path == new_path), files[0] if files else None)
    kind = new.kind if new else None
    benign_labels = _benign_labels(store, item)
    seen: set[str] = {f.path for f in files}
    own: list[tuple[tuple, Baseline]] = []
    for order, ref in enumerate(reversed(refs)):
        if not ref.path or ref.path in seen:
            continue
        seen.add(ref.path)
        previous = ref.role == "baseline" and item.baseline in (None, ref.version)
        tag = "previous" if previous else "at hand"
        if ref.version in benign_labels:
            tag += ", benign"
        rank = (ref.role != "baseline", file_kind(ref.path) != kind, order)
        label = f"{ref.version or '?'} ({tag}) · {Path(ref.path).name}"
        own.append((rank, Baseline(label, ref.version, ref.path)))
    choices = [b for _rank, b in sorted(own, key=lambda pair: pair[0])]
    # Releases of the same project queued as other items are at hand too; the newest one a
    # moderator decided is "last reviewed", the newest judged benign "last benign".
    try:
        others = [o for o in _other_items_files(store, item) if o[1] not in seen]
    except Exception:  # noqa: BLE001 - extra choices are a nicety
        others = []
    newest_first = sorted(others, key=lambda o: version_key(o[0], item.ecosystem), reverse=True)
    reviewed = next((o[0] for o in newest_first if o[2] is not None), None)
    benign = next((o[0] for o in newest_first if o[2] == "benign" or o[0] in benign_labels), None)
    extra: list[tuple[tuple, Baseline]] = []
    for order, (version, path, _verdict) in enumerate(newest_first):
        if path in seen:
            continue
        seen.add(path)
        tags = [
            t for t, v in (("last reviewed", reviewed), ("last benign", benign)) if v == version
        ]
        rank = (not tags, file_kind(path) != kind, order)
        label = f"{version} ({', '.join(tags) or 'at hand'}) · {Path(path).name}"
        extra.append((rank, Baseline(label, version, path)))
    choices += [b for _rank, b in sorted(extra, key=lambda pair: pair[0])]
    choices.append(Baseline("no baseline (all files new)", None, None))
    return (new.path if new else None), _unique(choices)


def _same_project(ecosystem: str, a: str, b: str) -> bool:
    if ecosystem == "pypi":
        return normalize_name(a) == normalize_name(b)
    return a.lower() == b.lower()


def benign_versions(store, ecosystem: str, project: str) -> list[str]:
    """Versions of ``project`` whose item's current decision is ``benign``."""
    out: list[str] = []
    for item in store.list_items(text=project, ecosystem=ecosystem, limit=10_000):
        if not _same_project(ecosystem, item.project, project) or not item.decision_id:
            continue
        decision = store.current_decision(item.id)
        if decision is not None and getattr(decision, "verdict", None) == "benign":
            out.extend(item.versions)
    return out


def _parse_filename(path: Path) -> tuple[str, str, str] | None:
    """``(name, version, format)`` from a release file name, or None when it is not one."""
    name = path.name
    try:
        if name.endswith(".whl"):
            dist, version, _build, _tags = parse_wheel_filename(name)
            return canonicalize_name(dist), str(version), "wheel"
        if name.endswith((".tar.gz", ".zip")):
            dist, version = parse_sdist_filename(name)
            return canonicalize_name(dist), str(version), "sdist"
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        pass
    m = _NPM_TGZ_RE.match(name)
    if m:
        return m.group(1), m.group(2), "npm"
    return None


def baseline_in_folder(folder: str, new) -> str:
    """The file in ``folder`` holding the previous release of ``new`` (see --baseline-from)."""
    base = Path(folder)
    if not base.is_dir():
        raise UsageError(f"--baseline-from {folder}: not a folder")
    if not new.name or not new.version:
        raise UsageError(f"{new.source}: no project name/version to choose a baseline for")
    want = canonicalize_name(new.name) if new.ecosystem == "pypi" else new.name.split("/")[-1]
    fmt = {"wheel": "wheel", "npm": "npm"}.get(new.format, "sdist")
    files: dict[str, list[tuple[str, Path]]] = {}
    for entry in sorted(base.iterdir()):
        parsed = _parse_filename(entry) if entry.is_file() else None
        if parsed and parsed[0] == want:
            files.setdefault(parsed[1], []).append((parsed[2], entry))
    version = pick_baseline(files, new.version, new.ecosystem)
    if version is None:
        raise UsageError(f"--baseline-from {folder}: no release of {new.name} before {new.version}")
    candidates = sorted(files[version], key=lambda item: (item[0] != fmt, item[1].name))
    return str(candidates[0][1])
