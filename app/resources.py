"""Where the shipped resources (rules, icons, themes, demo queue) live.

In a source checkout they are the repository's top-level ``resources/`` folder. In a wheel
or a PyInstaller bundle they are copied next to the package as ``app/_resources``. Callers
never guess: they ask :func:`resource_path`.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_root() -> Path:
    """Return the folder that holds ``rules/``, ``icons/``, ``demo/``...."""
    candidates = [
        _PACKAGE_DIR / "_resources",  # wheel / installed
        _PACKAGE_DIR.parent / "resources",  # source checkout, editable install
    ]
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder bundle
    if bundle:
        candidates.insert(0, Path(bundle) / "resources")
    for candidate in candidates:
        if (candidate / "rules").is_dir():
            return candidate
    raise FileNotFoundError(
        "Vetbench resources folder not found (looked in: "
        + ", ".join(str(c) for c in candidates)
        + ")"
    )


def resource_path(*parts: str) -> Path:
    """Path of one shipped resource, e.g. ``resource_path("rules", "capabilities.json")``."""
    return resources_root().joinpath(*parts)


# Desktop integration: the id of packaging/vetbench.desktop (installed as APP_ID + ".desktop")
# and of the AppStream metainfo. The UI passes it to QGuiApplication.setDesktopFileName so that
# Wayland compositors and docks match the running window to the installed launcher and icon.
APP_ID = "io.github.vetbench.Vetbench"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon_files() -> list[Path]:
    """The app icon files, scalable SVG first, then each PNG size (for ``QIcon.addFile``)."""
    icons = resources_root() / "icons"
    files = [icons / "vetbench.svg"] + [icons / f"vetbench-{n}.png" for n in ICON_SIZES]
    return [f for f in files if f.is_file()]
