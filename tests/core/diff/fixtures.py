"""Builders for small sdists and wheels made inside the tests (never from /work/shared)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

from app.core.archive import open_artifact
from app.core.capabilities.model import Hit, Risk, ScanResult


def make_sdist(tmp: Path, name: str, version: str, files: dict[str, str | bytes]):
    """A ``name-version.tar.gz`` with one top folder, opened as an Artifact."""
    path = tmp / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(f"{name}-{version}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return open_artifact(path)


def make_wheel(tmp: Path, name: str, version: str, files: dict[str, str | bytes]):
    path = tmp / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for rel, content in files.items():
            zf.writestr(rel, content)
    return open_artifact(path)


def pkg_info(name: str, version: str, extra: str = "") -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra}\n"


def hit(capability: str, path: str, line: int, match: str, severity: str = "high") -> Hit:
    return Hit(
        capability=capability,
        severity=severity,
        path=path,
        line=line,
        end_line=line,
        column=0,
        match=match,
        snippet=match,
        rule="test",
        explanation="test hit",
    )


def fake_scan(hits_by_version: dict[str, list[Hit]], levels: dict[str, str] | None = None):
    """A scanner returning hand-made hits per artifact version."""
    levels = levels or {}

    def scan(artifact):
        level = levels.get(artifact.version, "none")
        return ScanResult(
            artifact.target(),
            Risk(5.0 if level != "none" else 0.0, level),
            list(hits_by_version.get(artifact.version, [])),
            files_scanned=len(artifact.members),
        )

    return scan
