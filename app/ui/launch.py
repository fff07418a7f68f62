"""Start the desktop app (or render it to a PNG with ``--screenshot``)."""

from __future__ import annotations

import sys

from app.errors import UsageError


def _parse_size(text: str | None) -> tuple[int, int]:
    if not text:
        return 1400, 860
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise UsageError(f"--size wants WIDTHxHEIGHT, got {text!r}") from exc
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise UsageError(f"--size out of range: {text!r}")
    return w, h


def run_app(args) -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    size = _parse_size(getattr(args, "size", None))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Vetbench")
    window = QMainWindow()
    window.setWindowTitle("Vetbench")
    label = QLabel("Vetbench")
    window.setCentralWidget(label)
    window.resize(*size)
    if args.screenshot:
        window.show()
        app.processEvents()
        if not window.grab().save(args.screenshot, "PNG"):
            raise UsageError(f"cannot write screenshot to {args.screenshot}")
        return 0
    window.show()
    return app.exec()
