"""The layers stay as the architecture draws them, and the core and sync stay free of Qt.

Three checks: import-linter's static contracts (pyproject.toml) are kept; they really catch an
upward import and a cycle (on a copy of the tree with one bad import added); and importing every
core/sync module in a fresh interpreter loads no PySide6 module.
"""

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import app.core
import app.sync

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contract_is_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extras"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


def test_contracts_catch_an_upward_import_and_a_cycle(tmp_path):
    """A copy of the tree where the file-level diff reaches up into the release diff (which
    imports it): both the diff layers and the acyclic-siblings contract must break."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    tree = tmp_path / "app" / "core" / "diff" / "tree.py"
    tree.write_text(tree.read_text() + "\n\nimport app.core.diff.release  # noqa: E402\n")
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([lint], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode != 0, result.stdout
    assert "Layers inside the release diff BROKEN" in result.stdout
    assert "No import cycle between sibling modules anywhere in app BROKEN" in result.stdout
    assert "app.core.diff.tree -> app.core.diff.release" in result.stdout


def test_importing_core_and_sync_loads_no_qt():
    modules = [
        m.name
        for pkg in (app.core, app.sync)
        for m in pkgutil.walk_packages(pkg.__path__, prefix=pkg.__name__ + ".")
    ]
    assert modules, "expected some core modules"
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'app.ui')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
