"""The whole review flow by keyboard: open the demo queue, select an item, see its hits, move
with n and ], label a hit with x, decide with m, undo, and watch an inbox report arrive live."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from tests.ui.waits import wait_file_shown

TIMEOUT = 15_000


def wait_for_file(qtbot, window):
    wait_file_shown(window, qtbot, TIMEOUT)
    return window.release.diff.view


def test_demo_queue_opens_sorted_by_risk(demo_store, make_window):
    window = make_window(demo_store)
    model = window.queue_model
    assert model.rowCount() == 12
    scores = [model.item_at(r).risk_score or 0 for r in range(model.rowCount())]
    assert scores == sorted(scores, reverse=True)
    assert model.item_at(0).project == "colorstrip"
    assert "12 shown" in window.counts_label.text()


def test_keyboard_flow_decide_undo_and_live_inbox(demo_store, make_window, qtbot, tmp_path):
    window = make_window(demo_store)
    table = window.queue.table
    window.queue.select_row(0)
    view = wait_for_file(qtbot, window)
    item = window.item
    assert item.project == "colorstrip"
    # The diff shows hits: setup.py comes first, with the decode-then-exec hit in the gutter.
    assert view.path == "setup.py"
    capabilities = {h.capability for hits in view.right.hits.values() for h in hits}
    assert "exec.decode_then_exec" in capabilities
    assert window.release.files.topLevelItem(0).text(0) == "setup.py"

    qtbot.keyClick(table, Qt.Key.Key_N)
    first_change = view.change_rows[0]
    assert window.release.diff.right.textCursor().blockNumber() == first_change

    qtbot.keyClick(table, Qt.Key.Key_BracketRight)
    hit = window.release.diff.current_hit()
    assert hit is not None and window.decision.current_hit == hit
    assert hit.capability in window.decision.hit_label.text()

    qtbot.keyClick(table, Qt.Key.Key_X)
    assert list(window.decision.hit_labels.values())[0].label == "confirmed"

    qtbot.keyClick(table, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: demo_store.current_decision(item.id) is not None, timeout=TIMEOUT)
    decision = demo_store.current_decision(item.id)
    assert decision.verdict == "malicious" and decision.reviewer == "tester"
    assert [h.label for h in decision.hit_labels] == ["confirmed"]
    assert decision.hit_labels[0].capability == hit.capability
    assert decision.seconds_spent is not None
    # Auto-advance moved on to the next item, and the decided row shows its new status.
    qtbot.waitUntil(lambda: window.item is not None and window.item.id != item.id, timeout=TIMEOUT)
    row = window.queue_model.row_of(item.id)
    assert window.queue_model.index(row, 6).data() == "decided"

    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: demo_store.current_decision(item.id) is None, timeout=TIMEOUT)
    assert demo_store.get_item(item.id).status == "new"
    qtbot.waitUntil(lambda: window.item is not None and window.item.id == item.id, timeout=TIMEOUT)
    assert window.queue_model.index(row, 6).data() == "new"

    report = {
        "ecosystem": "pypi",
        "name": "requestz-live",
        "version": "0.0.1",
        "reason": "typosquat posting env to 203.0.113.9",
        "reporter": "feed-test",
        "source": "feed",
    }
    inbox = tmp_path / "inbox"
    (inbox / "report.json.tmp").write_text(json.dumps(report), encoding="utf-8")
    (inbox / "report.json.tmp").rename(inbox / "report.json")
    qtbot.waitUntil(lambda: window.queue_model.total == 13, timeout=TIMEOUT)
    names = {window.queue_model.item_at(r).project for r in range(window.queue_model.rowCount())}
    assert "requestz-live" in names


def test_skip_moves_on_and_ctrl_z_brings_the_item_back(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    window.queue.select_row(0)
    wait_for_file(qtbot, window)
    item = window.item
    status_before = demo_store.get_item(item.id).status
    qtbot.keyClick(table, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: demo_store.get_item(item.id).status == "skipped", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.item is not None and window.item.id != item.id, timeout=TIMEOUT)
    row = window.queue_model.row_of(item.id)
    assert window.queue_model.index(row, 6).data() == "skipped"

    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: demo_store.get_item(item.id).status == status_before, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.item is not None and window.item.id == item.id, timeout=TIMEOUT)
    assert window.queue_model.index(row, 6).data() == status_before
    assert "skip" in window.statusBar().currentMessage()


def test_remove_action_needs_a_reason_before_anything_is_stored(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    window.queue.select_row(0)
    wait_for_file(qtbot, window)
    item = window.item
    window.decision.action_combo.setCurrentText("remove_project")
    qtbot.keyClick(window.queue.table, Qt.Key.Key_M)
    qtbot.wait(200)
    assert demo_store.current_decision(item.id) is None
    assert "reason" in window.decision.error_label.text().lower()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_R)
    assert window.decision.reason_edit.hasFocus()
    qtbot.keyClicks(window.decision.reason_edit, "posts the environment to a webhook")
    assert demo_store.current_decision(item.id) is None  # typing m in the reason decides nothing
    qtbot.keyClick(window.decision.reason_edit, Qt.Key.Key_Escape)
    assert window.queue.table.hasFocus()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: demo_store.current_decision(item.id) is not None, timeout=TIMEOUT)
    assert demo_store.current_decision(item.id).action == "remove_project"


def test_typing_in_the_filter_box_does_not_trigger_verdict_keys(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    window.queue.select_row(0)
    wait_for_file(qtbot, window)
    item_id = window.item.id
    window.queue.filter_edit.setFocus()
    qtbot.keyClicks(window.queue.filter_edit, "mbis")
    qtbot.wait(300)
    assert demo_store.current_decision(item_id) is None
    assert window.queue.filter_edit.text() == "mbis"
    qtbot.waitUntil(lambda: window.queue_model.total == 0, timeout=TIMEOUT)


def test_selecting_quickly_never_paints_a_stale_item(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    for row in range(6):
        window.queue.select_row(row)
        window.open_item(window.queue_model.item_at(row).id)
    last = window.queue_model.item_at(5)
    wait_for_file(qtbot, window)
    assert window.bundle.item_id == last.id
    assert window.bundle.new.name == last.project
    assert last.project in window.release.title.text()


def test_evidence_from_selected_lines_is_stored_with_the_decision(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    window.queue.select_row(0)
    view = wait_for_file(qtbot, window)
    editor = window.release.diff.right
    row = view.hit_rows[0]
    window.release.diff.go_to_line(view.right.numbers[row])
    cursor = editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.Down, cursor.MoveMode.KeepAnchor, 2)
    editor.setTextCursor(cursor)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_E)
    assert len(window.decision.evidence) == 1
    ev = window.decision.evidence[0]
    assert ev.path == "setup.py" and ev.line_end == ev.line_start + 2 and ev.sha256
    item_id = window.item.id
    qtbot.keyClick(window.queue.table, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: demo_store.current_decision(item_id) is not None, timeout=TIMEOUT)
    decided = demo_store.current_decision(item_id)
    assert decided.verdict == "benign"
    assert decided.evidence[0].line_start == ev.line_start


def test_verdict_and_navigation_keys_work_while_reading_the_diff(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    window.queue.select_row(0)
    view = wait_for_file(qtbot, window)
    editor = window.release.diff.right
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=5000)
    qtbot.keyClick(editor, Qt.Key.Key_BracketRight)
    assert window.release.diff.current_hit() is not None
    qtbot.keyClick(editor, Qt.Key.Key_N)
    assert editor.textCursor().blockNumber() in view.change_rows
    item_id = window.item.id
    qtbot.keyClick(editor, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: demo_store.current_decision(item_id) is not None, timeout=TIMEOUT)
    assert demo_store.current_decision(item_id).verdict == "indeterminate"
    assert demo_store.get_item(item_id).status == "needs_second_review"


def test_next_hit_continues_into_the_next_file_with_hits(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    fast = next(
        r
        for r in range(window.queue_model.rowCount())
        if window.queue_model.item_at(r).project == "fastjsonlib"
    )
    window.queue.select_row(fast)
    view = wait_for_file(qtbot, window)
    first_path = view.path
    every = [h for side in (view.right, view.left) if side for hs in side.hits.values() for h in hs]
    for _ in every:  # one stop per hit, several on a line included
        qtbot.keyClick(window.queue.table, Qt.Key.Key_BracketRight)
    assert window.release.diff.view.path == first_path  # still inside the first file
    qtbot.keyClick(window.queue.table, Qt.Key.Key_BracketRight)
    qtbot.waitUntil(
        lambda: window.release.diff.view.path != first_path and window.is_settled(), timeout=TIMEOUT
    )
    hit = window.release.diff.current_hit()
    assert hit is not None and hit.path == window.release.diff.view.path
