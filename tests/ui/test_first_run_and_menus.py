"""First run and the menus, by keyboard alone: an empty store says how to fill it, File opens
the demo and adds a release file or NAME==VERSION, exports the evidence page (the same page as
``vetbench report``), Help lists the keys; letters typed in a dialog never act on the queue."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app.cli import main
from app.core.store.db import Store
from tests.workflows.release_fixtures import make_sdist

TIMEOUT = 30_000
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def empty_store(tmp_path):
    store = Store.open(tmp_path / "empty.sqlite3")
    yield store
    store.close()


def settled(window, qtbot):
    qtbot.wait(50)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)


def open_file_menu(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_F, ALT)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=5000)
    menu = QApplication.activePopupWidget()
    assert menu.objectName() == "menuFile"
    return menu


def test_an_empty_store_says_how_to_add_a_package_the_demo_and_the_inbox(
    empty_store, make_window, qtbot, tmp_path
):
    window = make_window(empty_store)
    assert window.first_run.showing
    text = window.first_run.page.text.text()
    assert f"vetbench queue add NAME==VERSION --db {empty_store.path}" in text
    assert "File → Add" in text and "File → Open demo" in text
    assert str(tmp_path / "inbox") in text
    assert window.first_run.page.isVisible() and not window.queue.isVisible()

    # Alt+F opens File; Down to "Open the demo queue", Enter loads it in the background.
    menu = open_file_menu(window, qtbot)
    labels = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert labels[0].startswith("Add an artifact file or NAME==VERSION")
    assert any(label.startswith("Export the item's evidence report") for label in labels)
    assert any(label.startswith("Sync the dataset") for label in labels)
    assert labels[-1] == "Quit Vetbench"
    qtbot.keyClick(menu, Qt.Key.Key_Down)
    assert menu.activeAction().objectName() == "action_open_demo"
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.first_run.showing, timeout=TIMEOUT)
    settled(window, qtbot)
    assert window.queue_model.total == 12
    assert window.queue.isVisible() and window.queue.table.hasFocus()
    assert window.item is not None  # the first demo item is open


def test_file_add_queues_a_local_release_file_and_typing_is_only_typing(
    empty_store, make_window, qtbot, tmp_path
):
    sdist = make_sdist(tmp_path, "1.1")
    window = make_window(empty_store)
    qtbot.keyClick(window.first_run.page.add_button, Qt.Key.Key_O, CTRL)
    qtbot.waitUntil(lambda: window.file_actions.dialog is not None, timeout=5000)
    dialog = window.file_actions.dialog
    field = dialog.target
    qtbot.waitUntil(field.hasFocus, timeout=5000)
    # Letters that are verdict and review keys in the queue are text here.
    qtbot.keyClicks(field, "bmis1")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "neither an existing file nor NAME==VERSION" in dialog.error.text()
    assert dialog.isVisible() and empty_store.count_items() == 0
    field.selectAll()
    qtbot.keyClicks(field, str(sdist))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.first_run.showing, timeout=TIMEOUT)
    settled(window, qtbot)
    (item,) = empty_store.list_items()
    assert (item.project, item.versions) == ("colorkit", ("1.1",))
    assert [a.path for a in empty_store.artifacts_for(item.id)] == [str(sdist.resolve())]
    assert item.risk_level is not None  # scanned
    assert window.item.id == item.id
    assert "Queued #1 colorkit 1.1" in window.statusBar().currentMessage()
    assert window.queue.table.hasFocus()
    assert empty_store.current_decision(item.id) is None


def test_export_evidence_by_keys_writes_the_same_page_as_vetbench_report(
    demo_store, make_window, qtbot, tmp_path, capsys
):
    window = make_window(demo_store)
    window.queue.select_row(0)
    qtbot.waitUntil(lambda: window.release.diff.view is not None, timeout=TIMEOUT)
    settled(window, qtbot)
    item = window.item
    out = tmp_path / "evidence.html"
    qtbot.keyClick(window.queue.table, Qt.Key.Key_E, CTRL | SHIFT)
    qtbot.waitUntil(lambda: window.file_actions.dialog is not None, timeout=5000)
    dialog = window.file_actions.dialog
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    qtbot.waitUntil(name.hasFocus, timeout=5000)
    name.selectAll()
    qtbot.keyClicks(name, str(out))
    qtbot.keyClick(name, Qt.Key.Key_Return)
    qtbot.waitUntil(out.exists, timeout=TIMEOUT)
    settled(window, qtbot)
    assert f"written to {out}" in window.statusBar().currentMessage()
    assert window.queue.table.hasFocus()  # focus back where it was
    cli = tmp_path / "cli.html"
    assert main(["report", str(item.id), "--html", str(cli), "--db", str(demo_store.path)]) == 0
    page = out.read_text(encoding="utf-8")
    assert item.project in page
    assert page == cli.read_text(encoding="utf-8")


def test_help_menu_has_the_shortcut_sheet_and_about(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_H, ALT)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=5000)
    menu = QApplication.activePopupWidget()
    assert [a.objectName() for a in menu.actions()] == ["action_help", "action_about"]
    assert menu.activeAction().objectName() == "action_help"
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    assert window.overlay.isVisible()
    qtbot.keyClick(window.overlay, Qt.Key.Key_Escape)
    assert window.queue.table.hasFocus()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_H, ALT)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=5000)
    menu = QApplication.activePopupWidget()
    qtbot.keyClick(menu, Qt.Key.Key_Up)  # wraps to the last entry
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.file_actions.dialog is not None, timeout=5000)
    about = window.file_actions.dialog
    assert "reads PyPI and npm releases as data" in about.text()
    qtbot.keyClick(about, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.file_actions.dialog is None, timeout=5000)
    assert window.queue.table.hasFocus()


def test_sync_is_offered_only_with_a_dataset(demo_store, make_window):
    window = make_window(demo_store)
    assert not window.actions["sync"].isEnabled()
