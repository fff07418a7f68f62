"""Start the desktop app, or render it to a PNG with ``--screenshot``.

``vetbench [--db PATH] [--demo] [--dataset DIR]`` opens the window. ``--demo`` loads the
bundled demo queue into the store on first start. ``--screenshot FILE [--item ID] [--size WxH]``
opens the demo queue (loaded if the store is empty), selects the item, waits until its release
and first file are painted, writes the window to FILE and exits 0.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from app.errors import UsageError


def _parse_size(text: str | None) -> tuple[int, int]:
    if not text:
        return 1600, 940
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise UsageError(f"--size wants WIDTHxHEIGHT, got {text!r}") from exc
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise UsageError(f"--size out of range: {text!r}")
    return w, h


def _item_id(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise UsageError(f"--item wants a queue item id (a number), got {text!r}") from exc


def make_app():
    """The QApplication (created once), named so QSettings and the desktop file agree."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from app.resources import resource_path

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Vetbench")
    app.setOrganizationName("vetbench")
    app.setDesktopFileName("io.github.vetbench.Vetbench")
    logo = resource_path("icons", "vetbench.svg")
    if logo.exists():
        app.setWindowIcon(QIcon(str(logo)))
    return app


def build_window(
    store,
    *,
    settings=None,
    inbox_dir=None,
    dataset_dir=None,
    theme_mode=None,
    reviewer: str | None = None,
    fetch_missing: bool = False,
):
    from app.sync.engine import default_reviewer
    from app.ui.main_window import MainWindow

    return MainWindow(
        store,
        reviewer=reviewer or default_reviewer(),
        settings=settings,
        inbox_dir=inbox_dir,
        dataset_dir=dataset_dir,
        theme_mode=theme_mode,
        fetch_missing=fetch_missing,
    )


def settle(window, timeout_ms: int = 30_000) -> bool:
    """Wait until the window has no background work left and has painted it."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if window.is_settled():
            QApplication.processEvents()
            return True
        window.runner.wait_idle(20)
        time.sleep(0.005)
    return False


def run_app(args) -> int:
    from PySide6.QtCore import QSettings

    from app.config import default_inbox_dir, offline, screenshot_theme, text_on_gui_thread
    from app.core.store.db import Store
    from app.workflows.demo import load_demo

    fetch_missing = not offline()  # a bad yes/no value is a usage error before any window opens
    text_on_gui_thread()
    size = _parse_size(getattr(args, "size", None))
    item_id = _item_id(getattr(args, "item", None))
    screenshot = getattr(args, "screenshot", None)
    app = make_app()
    store = Store.open(getattr(args, "db", None))
    if getattr(args, "demo", False) or (screenshot and store.count_items() == 0):
        load_demo(store)
    dataset = Path(args.dataset) if getattr(args, "dataset", None) else None
    if screenshot:
        ini = Path(tempfile.mkdtemp(prefix="vetbench-shot-")) / "settings.ini"
        settings = QSettings(str(ini), QSettings.Format.IniFormat)
        window = build_window(
            store, settings=settings, dataset_dir=dataset, theme_mode=screenshot_theme()
        )
        window.resize(*size)
        window.show()
        window.queue.table.setFocus()
        app.processEvents()
        if item_id is not None:
            if not window.queue.select_item(item_id):
                # Background work (campaign grouping) must end before the window goes away.
                window.live.stop()
                window.runner.shutdown()
                raise UsageError(f"--item {item_id}: no such item in the queue")
        elif window.queue_model.rowCount():
            window.queue.select_row(0)
        settle(window)
        window.release.diff.go_to_worst_hit()
        app.processEvents()
        image = window.grab()
        window.live.stop()
        window.runner.shutdown()
        if not image.save(screenshot, "PNG"):
            raise UsageError(f"cannot write screenshot to {screenshot}")
        store.close()
        return 0
    window = build_window(
        store, dataset_dir=dataset, inbox_dir=default_inbox_dir(), fetch_missing=fetch_missing
    )
    window.resize(*size)
    window.show()
    window.queue.table.setFocus()
    if item_id is not None:
        window.queue.select_item(item_id)
    elif window.queue_model.rowCount():
        window.queue.select_row(0)
    code = app.exec()
    store.close()
    return code
