"""Where the findings cache lives: beside the download cache under ``$VETBENCH_CACHE_DIR``,
and where it always was (the user cache dir) when the variable is unset."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from tests.core.archive.fixtures import EVIL_PY, make_sdist


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """Every user folder platformdirs could pick points into tmp_path, so a file written
    anywhere but the folder under test shows up."""
    for var, sub in (
        ("HOME", "home"),
        ("XDG_CACHE_HOME", "xdg-cache"),
        ("XDG_DATA_HOME", "xdg-data"),
        ("XDG_STATE_HOME", "xdg-state"),
        ("XDG_CONFIG_HOME", "xdg-config"),
    ):
        (tmp_path / sub).mkdir()
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.delenv("VETBENCH_CACHE_DIR", raising=False)
    return tmp_path


def _scan(package: Path, capsys) -> None:
    assert main(["scan", str(package), "--json"]) == 0
    capsys.readouterr()


def _cached_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM findings_cache").fetchone()[0]


def test_scan_writes_its_findings_cache_under_vetbench_cache_dir_only(homes, monkeypatch, capsys):
    (homes / "in").mkdir()
    package = make_sdist(homes / "in", name="evil", files={"evil/run.py": EVIL_PY.encode()})
    before = _files_under(homes)
    cache_dir = homes / "chosen-cache"
    monkeypatch.setenv("VETBENCH_CACHE_DIR", str(cache_dir))
    _scan(package, capsys)
    written = _files_under(homes) - before
    assert written and all(cache_dir in p.parents for p in written), sorted(map(str, written))
    assert _cached_rows(cache_dir / "findings.sqlite") > 0


def test_without_the_variable_the_findings_cache_stays_in_the_user_cache_dir(homes, capsys):
    (homes / "in").mkdir()
    package = make_sdist(homes / "in", name="evil", files={"evil/run.py": EVIL_PY.encode()})
    _scan(package, capsys)
    assert _cached_rows(homes / "xdg-cache" / "vetbench" / "findings.sqlite") > 0
