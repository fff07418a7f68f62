"""Open existing malware corpora as labels: DataDog's dataset and ossf's OSV records.

* DataDog's malicious-software-packages-dataset keeps
  ``samples/<ecosystem>/{malicious_intent|compromised_lib}/<name>/<version>/<file>.zip``
  (zip password ``infected``) and a ``manifest.json`` per ecosystem,
  ``{"<name>": null | ["<version>", ...]}``. Each sample becomes a label from reviewer
  ``import:datadog``; the zip is only listed (zip-slip and link entries refused), never
  extracted or decrypted.
* ossf/malicious-packages keeps ``osv/malicious/<ecosystem>/<name>/MAL-*.json``. Each origin of
  a record (``database_specific.malicious-packages-origins[].source``) becomes a reviewer
  ``import:<source>`` with the versions that origin reported; records without origins are
  ``import:osv``. A record that names no version (an ``introduced: 0`` range) gives one label
  for version ``*``: every version.

Importing never writes into the corpus folder; labels go to the local store as read-only
records (:func:`import_into_store`). Every file that cannot be used is reported and skipped.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.sync.dataset import FileProblem
from app.sync.labels import SCHEMA, LabelError, validate_label
from app.sync.layout import (
    DatasetError,
    check_filename,
    check_version,
    normalize_name,
    read_file,
)
from app.sync.manifest import parse_datadog_manifest
from app.sync.osv import parse_osv
from app.sync.samples import SampleError, inspect_sample

ALL_VERSIONS = "*"
DATADOG_CATEGORIES = ("malicious_intent", "compromised_lib")
_OSV_ECOSYSTEMS = {"pypi": "pypi", "npm": "npm"}
_SOURCE_RE = re.compile(r"^[a-z0-9-]+$")


@dataclass
class ImportResult:
    labels: list[dict[str, Any]] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    skipped: int = 0  # files of other ecosystems, or not part of the layout

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": len(self.labels),
            "packages": len({(lb["ecosystem"], lb["name"]) for lb in self.labels}),
            "reviewers": sorted({lb["reviewer"] for lb in self.labels}),
            "skipped": self.skipped,
            "problems": [p.to_json() for p in self.problems],
        }


def _imported_label(**fields: Any) -> dict[str, Any]:
    label = {
        "schema": SCHEMA,
        "kind": "is_malware",
        "action": "none",
        "confidence": None,
        "evidence": [],
        "hit_labels": [],
        "artifact": None,
        "started_at": None,
        "seconds_spent": None,
        "withdrawn": False,
        "withdrawn_at": None,
        **fields,
    }
    validate_label(
        label,
        fields.get("source", {}).get("path", "import"),
        any_version=label["version"] == ALL_VERSIONS,
    )
    return label


def _walk_files(base: Path, want: Callable[[str], bool]) -> list[tuple[str, str | None]]:
    """(relative path, problem) for wanted files under ``base``; symlinks are problems."""
    out = []
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        rel_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                out.append((rel_dir + d, "is a symlink to a folder; refusing to follow it"))
                dirnames.remove(d)
            elif d.startswith("."):
                dirnames.remove(d)
        dirnames.sort()
        for name in sorted(filenames):
            if not want(name):
                continue
            st = os.lstat(os.path.join(dirpath, name))
            problem = None
            if stat.S_ISLNK(st.st_mode):
                problem = "is a symlink; refusing to follow it"
            elif not stat.S_ISREG(st.st_mode):
                problem = "not a regular file"
            out.append((rel_dir + name, problem))
    return out


# --------------------------------------------------------------------------- DataDog


def _datadog_roots(root: Path) -> list[tuple[str, Path]]:
    """(ecosystem, folder holding the categories) for a repo root, ``samples/`` or one eco."""
    root = Path(root)
    found = []
    for base in (root / "samples", root):
        for eco in ("pypi", "npm"):
            if (base / eco).is_dir() and not (base / eco).is_symlink():
                found.append((eco, base / eco))
        if found:
            return found
    if any((root / c).is_dir() for c in DATADOG_CATEGORIES):
        eco = "npm" if root.name == "npm" else "pypi"
        return [(eco, root)]
    return []


def import_datadog(root: Path) -> ImportResult:
    """Labels from a DataDog malicious-software-packages-dataset checkout at ``root``."""
    root = Path(root)
    result = ImportResult()
    roots = _datadog_roots(root)
    if not roots:
        raise DatasetError(
            f"{root}: no samples/pypi or samples/npm folder (not a DataDog dataset layout)"
        )
    for eco, base in roots:
        rel_base = os.path.relpath(base, root).replace(os.sep, "/")
        prefix = "" if rel_base == "." else rel_base + "/"
        manifest: dict[str, list[str] | None] = {}
        if (base / "manifest.json").exists():
            try:
                manifest = parse_datadog_manifest(
                    read_file(root, prefix + "manifest.json"), prefix + "manifest.json"
                )
            except (ValueError, DatasetError, OSError) as exc:
                result.problems.append(FileProblem(prefix + "manifest.json", str(exc)))
        listed = {normalize_name_or_none(eco, n): v for n, v in manifest.items()}
        for rel, problem in _walk_files(base, lambda n: n.endswith(".zip")):
            full_rel = prefix + rel
            if problem:
                result.problems.append(FileProblem(full_rel, problem))
                continue
            parts = rel.split("/")
            if len(parts) < 4 or parts[0] not in DATADOG_CATEGORIES:
                result.skipped += 1
                continue
            category, file_name, version = parts[0], parts[-1], parts[-2]
            raw_name = "/".join(parts[1:-2])
            try:
                name = normalize_name(eco, raw_name)
                check_version(version)
                check_filename(file_name)
                info = inspect_sample(root, full_rel)
                with open(root / full_rel, "rb") as fh:
                    sha = hashlib.file_digest(fh, "sha256").hexdigest()
            except (DatasetError, OSError) as exc:
                result.problems.append(FileProblem(full_rel, _why(exc)))
                continue
            in_manifest = name in listed and (listed[name] is None or version in listed[name])
            try:
                result.labels.append(
                    _imported_label(
                        ecosystem=eco,
                        name=name,
                        version=version,
                        reviewer="import:datadog",
                        verdict="malicious",
                        kind="is_malware",
                        reason=f"DataDog malicious-software-packages-dataset: {category}",
                        confidence="high" if category == "malicious_intent" else "medium",
                        artifact={"filename": file_name, "sha256": sha, "sample": None},
                        decided_at=None,
                        source={
                            "dataset": "datadog",
                            "root": str(root.resolve()),  # the app opens root/path
                            "path": full_rel,
                            "category": category,
                            "entries": info.entries[:50],
                            "in_manifest": in_manifest,
                        },
                    )
                )
            except LabelError as exc:
                result.problems.append(FileProblem(full_rel, str(exc)))
    return result


def normalize_name_or_none(eco: str, name: str) -> str | None:
    try:
        return normalize_name(eco, name)
    except DatasetError:
        return None


# --------------------------------------------------------------------------- OSV


def _osv_reason(rec: dict[str, Any]) -> str:
    text = rec.get("summary") or ""
    if not text:
        details = rec.get("details") or ""
        for line in details.splitlines():
            line = line.strip()
            if line and not line.startswith(("---", "_-=", "#")):
                text = line
                break
    return str(text)[:500]


def labels_from_osv(
    rec: dict[str, Any], rel: str, root: Path | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Labels from one parsed OSV record (and how many affected entries were skipped)."""
    labels, skipped = [], 0
    origins = (rec.get("database_specific") or {}).get("malicious-packages-origins") or []
    origins = [o for o in origins if isinstance(o, dict)]
    ds = rec.get("database_specific") or {}
    withdrawn = bool(rec.get("withdrawn"))
    for entry in rec["affected"]:
        eco = _OSV_ECOSYSTEMS.get(entry["package"]["ecosystem"].lower())
        if eco is None:
            skipped += 1
            continue
        name = normalize_name(eco, entry["package"]["name"])
        all_versions = list(entry.get("versions") or [])
        by_source: dict[str, tuple[list[str], str | None]] = {}
        for o in origins:
            src = o.get("source")
            if not isinstance(src, str) or not _SOURCE_RE.match(src):
                continue
            vers = [v for v in (o.get("versions") or []) if isinstance(v, str)] or all_versions
            prev = by_source.get(src, ([], None))[0]
            by_source[src] = (prev + vers, o.get("modified_time") or rec.get("modified"))
        if not by_source:
            by_source["osv"] = (all_versions, rec.get("modified"))
        for src, (vers, when) in sorted(by_source.items()):
            for version in sorted(set(vers)) or [ALL_VERSIONS]:
                if version != ALL_VERSIONS:
                    check_version(version)
                labels.append(
                    _imported_label(
                        ecosystem=eco,
                        name=name,
                        version=version,
                        reviewer=f"import:{src}",
                        verdict="malicious",
                        reason=_osv_reason(rec),
                        decided_at=when if isinstance(when, str) else None,
                        withdrawn=withdrawn,
                        withdrawn_at=rec.get("withdrawn") if withdrawn else None,
                        source={
                            "dataset": "osv",
                            "root": str(root.resolve()) if root else None,
                            "path": rel,
                            "id": rec.get("id"),
                            "iocs": ds.get("iocs") if isinstance(ds.get("iocs"), dict) else None,
                            "references": [
                                r.get("url")
                                for r in rec.get("references") or []
                                if isinstance(r, dict) and isinstance(r.get("url"), str)
                            ],
                        },
                    )
                )
    return labels, skipped


def import_osv(root: Path) -> ImportResult:
    """Labels from a folder of OSV records (an ossf/malicious-packages checkout or any part)."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    result = ImportResult()
    for rel, problem in _walk_files(root, lambda n: n.endswith(".json")):
        if problem:
            result.problems.append(FileProblem(rel, problem))
            continue
        try:
            rec = parse_osv(read_file(root, rel), rel)
            labels, skipped = labels_from_osv(rec, rel, root)
        except (ValueError, DatasetError, OSError) as exc:
            result.problems.append(FileProblem(rel, _why(exc)))
            continue
        result.labels.extend(labels)
        result.skipped += skipped
    return result


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, DatasetError):
        return exc.strerror or str(exc)
    return str(exc)


# --------------------------------------------------------------------------- store


def import_into_store(store: Any, labels: list[dict[str, Any]]) -> int:
    """Upsert each label as a read-only external label; returns how many were written."""
    n = 0
    for lb in labels:
        store.upsert_external_label(lb["ecosystem"], lb["name"], lb["version"], lb["reviewer"], lb)
        n += 1
    return n


__all__ = [
    "ALL_VERSIONS",
    "ImportResult",
    "SampleError",
    "import_datadog",
    "import_osv",
    "import_into_store",
    "labels_from_osv",
]
