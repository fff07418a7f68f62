"""Keys do what they say where they are, by keyboard alone: a verdict lands only on the item
on screen, letters typed into a drop-down are type-ahead (not verdicts), focus goes back to
the queue after a decision and to where it was after the ``?`` sheet."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.store.db import Store
from tests.ui.waits import wait_file_shown

TIMEOUT = 15_000
CTRL = Qt.KeyboardModifier.ControlModifier


def open_first(window, qtbot):
    window.queue.select_row(0)
    wait_file_shown(window, qtbot, TIMEOUT)
    return window.item


def no_decisions(store: Store) -> bool:
    return all(store.current_decision(i.id) is None for i in store.list_items(limit=100))


def test_a_filtered_out_item_says_so_and_takes_no_verdict(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    item = open_first(window, qtbot)
    assert item.project == "colorstrip"
    qtbot.keyClick(table, Qt.Key.Key_Slash)  # "/" filters the queue (Ctrl+F finds in the diff)
    assert window.queue.filter_edit.hasFocus()
    qtbot.keyClicks(window.queue.filter_edit, "fastjson")
    qtbot.keyClick(window.queue.filter_edit, Qt.Key.Key_Return)
    assert table.hasFocus()
    qtbot.waitUntil(lambda: window.queue_model.total == 1, timeout=TIMEOUT)
    assert "hidden by the filter" in window.release.title.text()
    assert "colorstrip" in window.release.title.text()
    assert "hidden by the filter" in window.release.diff.info.text()

    for key in (Qt.Key.Key_B, Qt.Key.Key_M, Qt.Key.Key_I, Qt.Key.Key_1, Qt.Key.Key_S):
        qtbot.keyClick(table, key)
    qtbot.wait(300)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
    assert no_decisions(demo_store)
    assert demo_store.get_item(item.id).status == "new"
    assert "No item on screen" in window.statusBar().currentMessage()

    qtbot.keyClick(table, Qt.Key.Key_J)  # selecting an item makes the keys live again
    qtbot.waitUntil(lambda: window.item is not None, timeout=TIMEOUT)
    assert window.item.project == "fastjsonlib"
    qtbot.keyClick(table, Qt.Key.Key_B)
    qtbot.waitUntil(
        lambda: demo_store.current_decision(window.item.id) is not None, timeout=TIMEOUT
    )
    assert demo_store.current_decision(item.id) is None


def test_enter_after_the_filter_applied_opens_no_item(demo_store, make_window, qtbot):
    """Found under Xvfb: typed at human speed, the filter hides the open item *before* Enter;
    Enter then focuses the table, and Qt made its first row current — which opened it, so
    the next ``b`` judged an item nobody chose."""
    window = make_window(demo_store)
    table = window.queue.table
    item = open_first(window, qtbot)
    qtbot.keyClick(table, Qt.Key.Key_Slash)
    qtbot.keyClicks(window.queue.filter_edit, "fastjson")
    qtbot.waitUntil(lambda: window.queue_model.total == 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "hidden by the filter" in window.release.title.text())
    qtbot.keyClick(window.queue.filter_edit, Qt.Key.Key_Return)
    assert table.hasFocus()
    qtbot.wait(300)  # longer than the selection's debounce
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
    assert "colorstrip" in window.release.title.text()
    assert "hidden by the filter" in window.release.title.text()
    qtbot.keyClick(table, Qt.Key.Key_B)
    qtbot.wait(300)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
    assert no_decisions(demo_store)
    assert "No item on screen" in window.statusBar().currentMessage()
    assert window.release.delta.tabText(0) == "Threats · capabilities"  # no stale counts
    assert window.decision.others_label.text() == ""

    # The centre's advice to see the item again works as it says: /, Backspace, Enter.
    assert "(/, Backspace, Enter)" in window.release.diff.info.text()
    qtbot.keyClick(table, Qt.Key.Key_Slash)
    qtbot.keyClick(window.queue.filter_edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(window.queue.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.queue_model.total > 1, timeout=TIMEOUT)
    assert window.queue_model.row_of(item.id) is not None
    # The item that was open is back in the list, so it is on screen again.
    qtbot.waitUntil(lambda: window.item is not None and window.item.id == item.id)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
    assert "hidden by the filter" not in window.release.title.text()
    assert demo_store.current_decision(item.id) is None


def test_question_sheet_gives_focus_back_to_the_diff(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    open_first(window, qtbot)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_3, CTRL)
    editor = window.release.diff.right
    qtbot.waitUntil(editor.hasFocus, timeout=5000)
    qtbot.keyClick(editor, Qt.Key.Key_Question)
    assert window.overlay.isVisible()
    qtbot.keyClick(window.overlay, Qt.Key.Key_Escape)
    assert not window.overlay.isVisible()
    assert editor.hasFocus()
    assert not window.queue.filter_edit.hasFocus()


def test_type_ahead_in_the_kind_drop_down_records_no_verdict(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    item = open_first(window, qtbot)
    kind = window.decision.kind_combo
    qtbot.keyClick(window.queue.table, Qt.Key.Key_5, CTRL)  # the decision form
    action = window.decision.action_combo
    qtbot.waitUntil(action.hasFocus, timeout=5000)
    qtbot.keyClick(action, Qt.Key.Key_Tab)
    qtbot.waitUntil(kind.hasFocus, timeout=5000)
    qtbot.keyClicks(kind, "is_t")  # every kind starts with "is_": i, s would be verdict keys
    qtbot.wait(300)
    assert kind.currentText() == "is_typosquat"
    qtbot.keyClick(kind, Qt.Key.Key_M)
    qtbot.keyClick(action, Qt.Key.Key_B)
    qtbot.wait(300)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
    assert no_decisions(demo_store)
    assert window.item.id == item.id
    # Esc leaves the drop-down for the queue, where the letters are verdicts again.
    qtbot.keyClick(kind, Qt.Key.Key_Escape)
    assert window.queue.table.hasFocus()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: demo_store.current_decision(item.id) is not None, timeout=TIMEOUT)
    assert demo_store.current_decision(item.id).kind == "is_typosquat"


def test_after_a_decision_focus_is_back_in_the_queue(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    first = open_first(window, qtbot)
    action = window.decision.action_combo
    qtbot.keyClick(window.queue.table, Qt.Key.Key_5, CTRL)
    qtbot.waitUntil(action.hasFocus, timeout=5000)
    qtbot.keyClicks(action, "quarantine_r")
    assert action.currentText() == "quarantine_release"
    qtbot.keyClick(action, Qt.Key.Key_Escape)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: demo_store.current_decision(first.id) is not None, timeout=TIMEOUT)
    assert demo_store.current_decision(first.id).action == "quarantine_release"
    qtbot.waitUntil(lambda: window.item is not None and window.item.id != first.id, timeout=TIMEOUT)
    assert window.queue.table.hasFocus()
    second = window.item
    # Down moves in the queue now, it does not change the next item's action.
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Down)
    qtbot.waitUntil(
        lambda: window.item is not None and window.item.id != second.id, timeout=TIMEOUT
    )
    assert demo_store.current_decision(second.id) is None


def test_malicious_with_not_malware_is_refused_in_the_window(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    item = open_first(window, qtbot)
    action = window.decision.action_combo
    qtbot.keyClick(window.queue.table, Qt.Key.Key_5, CTRL)
    qtbot.waitUntil(action.hasFocus, timeout=5000)
    qtbot.keyClicks(action, "not")
    assert action.currentText() == "not_malware"
    qtbot.keyClick(action, Qt.Key.Key_Escape)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_M)
    qtbot.wait(300)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
    assert demo_store.current_decision(item.id) is None
    assert "not_malware contradicts verdict malicious" in window.decision.error_label.text()


def test_tab_leaves_the_queue_table(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    open_first(window, qtbot)
    table = window.queue.table
    row = table.currentIndex().row()
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()
    assert table.currentIndex().row() == row
