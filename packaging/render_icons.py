"""Render resources/icons/vetbench.svg to the PNG sizes, a Windows .ico and a macOS .icns.

Run after editing the SVG (needs only PySide6, works headless):

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py

The rendered files are committed, so neither the wheel nor the bundle build needs this step.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

PACKAGING = Path(__file__).resolve().parent
ICONS = PACKAGING.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "vetbench.svg"))
    if not renderer.isValid():
        print(f"render_icons: cannot parse {ICONS / 'vetbench.svg'}", file=sys.stderr)
        return 1
    written = []
    for size in SIZES:
        target = ICONS / f"vetbench-{size}.png"
        if not render(renderer, size).save(str(target), "PNG"):
            print(f"render_icons: cannot write {target}", file=sys.stderr)
            return 1
        written.append(target.name)
    # Multi-resolution containers for the Windows and macOS bundles (untested there).
    for fmt, sizes in (("ico", (16, 24, 32, 48, 64, 128, 256)), ("icns", (16, 32, 64, 128, 256))):
        target = PACKAGING / f"vetbench.{fmt}"  # bundle-only: kept out of the wheel
        writer = QImageWriter(str(target), fmt.encode())
        if not writer.canWrite():
            print(f"render_icons: no Qt writer for .{fmt}; skipped", file=sys.stderr)
            continue
        # Qt's ico/icns writers take one image; the largest is what the platforms scale from.
        if not writer.write(render(renderer, max(sizes))):
            print(f"render_icons: {target}: {writer.errorString()}", file=sys.stderr)
            return 1
        written.append(target.name)
    print("render_icons: wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
