"""setuptools hook: ship the repository's top-level ``resources/`` inside the wheel.

The rules, icons, themes and demo queue live at ``<repo>/resources`` so that every feature can
find them in a source checkout without an install step. A wheel can only carry files that sit
inside a package, so the wheel build copies that folder to ``app/_resources`` (where
:func:`app.resources.resources_root` looks first). Editable installs skip the copy: they keep
reading the live ``<repo>/resources``.

Wired in through ``[tool.setuptools.cmdclass]`` in pyproject.toml; setuptools loads this file
by path, so nothing here may import the project itself.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from setuptools.command.build_py import build_py

_REPO = Path(__file__).resolve().parent.parent
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")  # dotfiles are data too


class BuildPyWithResources(build_py):
    """``build_py`` that also copies ``resources/`` to ``<build_lib>/app/_resources``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # app.resources falls back to <repo>/resources
        source = Path(os.getcwd()) / "resources"
        if not source.is_dir():  # building from an unusual cwd: use this file's checkout
            source = _REPO / "resources"
        if not (source / "rules").is_dir():
            raise RuntimeError(f"vetbench: no resources/rules under {source}; "
                               "the wheel would not run")
        target = Path(self.build_lib) / "app" / "_resources"
        if target.exists():
            shutil.rmtree(target)  # stale files from an earlier build must not leak in
        shutil.copytree(source, target, ignore=_IGNORE)
