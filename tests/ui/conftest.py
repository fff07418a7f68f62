"""Fixtures for the window tests: one prepared demo store per session, copied per test.

Building the demo archives and scanning them happens once (Anki's habit: copy a prepared
store instead of building one for each test). Settings go to a temporary INI file so tests
never read or write the user's real window state.
"""

from __future__ import annotations

import shutil

import pytest

from app.core.store.db import Store
from app.workflows.demo import load_demo
from tests.core.campaigns.test_grouping import benign, malicious


@pytest.fixture(scope="session")
def prepared_demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-store")
    store = Store.open(root / "demo.sqlite3")
    ids = load_demo(store, root / "artifacts")
    store.close()
    return root / "demo.sqlite3", ids


@pytest.fixture
def demo_store(prepared_demo, tmp_path):
    src, _ids = prepared_demo
    dest = tmp_path / "store.sqlite3"
    shutil.copyfile(src, dest)
    store = Store.open(dest)
    yield store
    store.close()


@pytest.fixture
def make_window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from app.ui.launch import build_window, make_app

    make_app()
    windows = []

    def make(store, **kw):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        kw.setdefault("inbox_dir", tmp_path / "inbox")
        window = build_window(store, settings=settings, theme_mode="light", reviewer="tester", **kw)
        qtbot.addWidget(window)
        window.resize(1400, 860)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        window.queue.table.setFocus()
        qtbot.waitUntil(lambda: window.queue.table.hasFocus(), timeout=5000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.live.stop()
        window.runner.shutdown()


@pytest.fixture
def campaign_store(tmp_path):
    """Three renamed copies of one payload and one unrelated package (closed after the window)."""
    store = Store.open(tmp_path / "camp.sqlite3")
    ids = []
    for name in ("copy-alpha", "copy-beta", "copy-gamma"):
        item, _ = store.add_item(
            "pypi", name, ["1.0.0"], artifact_path=str(malicious(tmp_path, name))
        )
        ids.append(item.id)
    other, _ = store.add_item(
        "pypi", "plain-thing", ["2.0.0"], artifact_path=str(benign(tmp_path, "plain-thing"))
    )
    yield store, ids, other.id
    store.close()
