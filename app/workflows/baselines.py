"""Which releases a queue item can be compared against, in the order the picker offers them.

The release under review is the item's ``new`` artifact; baselines are the item's own
``baseline`` artifacts (the previous release first), then releases of the same project queued
as other items (the newest one judged benign marked "last benign"), then "no baseline".
One place decides this for the window and the command line: the picker's choices
(:func:`baselines_for`), the versions moderators judged benign (:func:`benign_versions`, for
``fetch --baseline-strategy benign``) and the previous release among local files
(:func:`baseline_in_folder`, for ``diff --baseline-from``). The version order itself is
:func:`app.core.versions.previous_release`.
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
from app.core.versions import pick_baseline
from app.errors import UsageError

_NPM_TGZ_RE = re.compile(r"^(.+?)-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\.tgz$")


@dataclass
class Baseline:
    label: str  # shown in the picker, e.g. "1.4.0 (previous)"
    version: str | None
    path: str | None  # None: no baseline, every file is new


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
            if (
                other.id == item.id
                or other.ecosystem != item.ecosystem
                or other.project.lower() != item.project.lower()
            ):
                continue
            current = store.current_decision(other.id)
            benign = current is not None and current.verdict == "benign"
            for ref in store.artifacts_for(other.id):
                if (
                    ref.role == "new"
                    and ref.path
                    and ref.path not in seen
                    and (new is None or ref.path != new.path)
                ):
                    seen.add(ref.path)
                    others.append(
                        (
                            ref.version or "?",
                            ref.path,
                            benign or labels.get(ref.version) == "benign",
                        )
                    )
    except Exception:  # noqa: BLE001 - extra choices are a nicety
        others = []
    last_benign = next((o for o in reversed(others) if o[2]), None)
    for version, path, _benign in others:
        tag = "last benign" if last_benign and path == last_benign[1] else "at hand"
        choices.append(Baseline(f"{version} ({tag})", version, path))
    choices.append(Baseline("no baseline (all files new)", None, None))
    return (new.path if new else None), choices


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
