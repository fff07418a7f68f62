"""Every module of the app imports cleanly, and none leans on a private standard-library module.

Why: private modules such as ``_compression`` are CPython implementation details that move
between releases (3.14 moved ``_compression`` into the ``compression`` package), so a module
importing one breaks on the next interpreter before a single test of it runs. Importing with
``-W error`` also turns deprecation warnings raised at import time into failures now, while
the replacement is still easy, rather than breakages later.
"""

import ast
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import app

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"


def _app_modules() -> list[str]:
    """Every module under ``app``; ``__main__`` is left out since importing it runs the CLI."""
    return sorted(
        m.name
        for m in pkgutil.walk_packages(app.__path__, prefix="app.")
        if m.name.rsplit(".", 1)[-1] != "__main__"
    )


def test_every_app_module_imports_with_warnings_as_errors():
    modules = _app_modules()
    assert len(modules) > 50, modules  # the walk found the tree, UI included
    assert "app.ui.main_window" in modules
    code = (
        "import importlib, traceback\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except BaseException:\n"
        "        print('FAILED', name)\n"
        "        print(traceback.format_exc())\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "FAILED" not in out.stdout, out.stdout


def _private_stdlib(name: str) -> bool:
    top = name.split(".", 1)[0]
    return top.startswith("_") and top != "__future__" and top in sys.stdlib_module_names


def private_stdlib_imports(source: str) -> list[str]:
    """Names of private stdlib modules that ``source`` imports (relative imports excluded)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _private_stdlib(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _private_stdlib(node.module):
                found.append(node.module)
    return found


def test_the_private_import_scan_catches_each_form():
    source = (
        "from __future__ import annotations\nimport _compression\nimport os, _thread\n"
        "from _collections_abc import Mapping\nfrom . import _local\nimport _not_stdlib\n"
    )
    assert private_stdlib_imports(source) == ["_compression", "_thread", "_collections_abc"]


def test_no_app_module_imports_a_private_stdlib_module():
    offenders = {
        str(path.relative_to(ROOT)): names
        for path in sorted(APP.rglob("*.py"))
        if (names := private_stdlib_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
