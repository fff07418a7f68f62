"""The bundled demo queue: hand-made, inert packages shaped like real attacks (no Qt here).

``resources/demo/packages/<name>-<version>/`` holds each release as a small source folder and
``resources/demo/queue.json`` says which releases form a queue item and against which
baseline. :func:`load_demo` builds real archives from the folders (an sdist ``.tar.gz``, a
wheel ``.whl`` when the folder has a ``*.dist-info``, an npm ``.tgz`` when it has
``package/``) next to the store, queues the items, scores them with the capability scanner and
adds the other reviewers' labels. Archives are byte-for-byte reproducible (fixed times and
order), so their sha256 never changes between runs.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

from app.resources import resource_path
from app.workflows.queueing import score_files

EPOCH = 1_700_000_000  # fixed mtime: reproducible archives
DEMO_MARK = "vetbench-demo"


def demo_root() -> Path:
    return resource_path("demo")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _tar_gz(folder: Path, top: str, dest: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for f in _files(folder):
            rel = f.relative_to(folder).as_posix()
            data = f.read_bytes()
            info = tarfile.TarInfo(f"{top}/{rel}" if top else rel)
            info.size, info.mtime, info.mode = len(data), EPOCH, 0o644
            info.uname = info.gname = "demo"
            tar.addfile(info, io.BytesIO(data))
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=EPOCH) as gz:
        gz.write(buf.getvalue())
    dest.write_bytes(raw.getvalue())


def _wheel(folder: Path, dest: Path) -> None:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in _files(folder):
            info = zipfile.ZipInfo(f.relative_to(folder).as_posix(), (2023, 11, 14, 22, 13, 20))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, f.read_bytes())


def build_archive(folder: Path, dest_dir: Path) -> Path:
    """Build the archive for one demo release folder into ``dest_dir`` (idempotent)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = folder.name
    if any(p.name.endswith(".dist-info") for p in folder.iterdir() if p.is_dir()):
        project, version = name.rsplit("-", 1)
        dest = dest_dir / f"{project.replace('-', '_')}-{version}-py3-none-any.whl"
        if not dest.exists():
            _wheel(folder, dest)
    elif (folder / "package").is_dir():
        dest = dest_dir / f"{name}.tgz"
        if not dest.exists():
            _tar_gz(folder / "package", "package", dest)
    else:
        dest = dest_dir / f"{name}.tar.gz"
        if not dest.exists():
            _tar_gz(folder, name, dest)
    return dest


def demo_items() -> list[dict]:
    return json.loads((demo_root() / "queue.json").read_text(encoding="utf-8"))["items"]


def demo_loaded(store) -> bool:
    """Is the demo queue already in this store? (looked up by the first demo item)."""
    first = demo_items()[0]
    return any(it.project == first["project"] for it in store.list_items(text=first["project"]))


def load_demo(
    store, artifact_dir: Path | None = None, *, scan: bool = True, reviewer_labels: bool = True
) -> list[int]:
    """Queue the demo items in ``store`` unless they are there already; returns new ids."""
    if demo_loaded(store):
        return []
    packages = demo_root() / "packages"
    artifact_dir = (
        Path(artifact_dir) if artifact_dir else Path(store.path).parent / "demo-artifacts"
    )
    # Build and score everything first, then write in one short transaction: other writers
    # (the inbox watcher, a second window) never wait for archive building or scanning.
    prepared = []
    for entry in demo_items():
        new_path = build_archive(packages / entry["new"], artifact_dir)
        old_path = (
            build_archive(packages / entry["old"], artifact_dir) if entry.get("old") else None
        )
        risk = score_files([new_path]) if scan else (None, None)
        prepared.append((entry, new_path, old_path, risk))
    ids: list[int] = []
    with store.batch():
        for entry, new_path, old_path, (level, score) in prepared:
            item, _ = store.add_item(
                entry["ecosystem"],
                entry["project"],
                [entry["version"]],
                baseline=entry.get("baseline"),
                source=entry.get("source", "manual"),
                reporter=entry.get("reporter"),
                report_text=entry.get("report"),
                artifact_path=str(new_path),
                artifact_sha256=_sha256(new_path),
            )
            ids.append(item.id)
            if old_path is not None:
                store.attach_artifact(
                    item.id,
                    "baseline",
                    str(old_path),
                    _sha256(old_path),
                    version=entry.get("baseline"),
                )
            if score is not None:
                store.set_risk(item.id, level, score)
            if reviewer_labels:
                for label in entry.get("labels", ()):
                    body = {
                        "schema": "vetbench.label/1",
                        "ecosystem": entry["ecosystem"],
                        "name": entry["project"],
                        "version": entry["version"],
                        **label,
                    }
                    store.upsert_external_label(
                        entry["ecosystem"],
                        entry["project"],
                        entry["version"],
                        label["reviewer"],
                        body,
                    )
    return ids


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
