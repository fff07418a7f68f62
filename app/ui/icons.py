"""Icons drawn for Vetbench (SVG in ``resources/icons``), loaded once."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from app.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    """``icon("status-added")`` -> the QIcon of ``resources/icons/status-added.svg``."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()
