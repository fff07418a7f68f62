"""The core and sync layers stay free of Qt, as the architecture promises.

Two checks: import-linter's static contract (pyproject.toml) and a run-time check that
importing every core/sync module in a fresh interpreter loads no PySide6 module.
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
