"""Scanning the malware-variant fixtures of the ``test_evasion_*`` files: one package built from
a dict of files (an sdist when it has ``setup.py`` or ``pyproject.toml``, else a wheel), and
the check each variant must pass (high or above, with one of the threats named for it)."""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.model import ScanResult
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel

HIGH = ("high", "critical")


def scan(files: dict[str, str | bytes], tmp_path, encoding: str = "utf-8") -> ScanResult:
    data = {k: v.encode(encoding) if isinstance(v, str) else v for k, v in files.items()}
    make = make_sdist if "setup.py" in data or "pyproject.toml" in data else make_wheel
    return scan_artifact(open_artifact(make(tmp_path, name="pkg", files=data)))


def assert_high_with(name: str, result: ScanResult, expected) -> None:
    """The variant ``name`` is high or above, and one of its ``expected`` threats is."""
    strong = {t.id for t in result.threats if t.severity in HIGH}
    assert result.risk.level in HIGH, (name, sorted({t.id for t in result.threats}))
    assert strong & set(expected), (name, sorted(strong))


def subfolder(tmp_path, name: str):
    """A fresh folder under ``tmp_path`` for one of a test's packages (a harmless fixture and
    its twin each get their own)."""
    (tmp_path / name).mkdir()
    return tmp_path / name
