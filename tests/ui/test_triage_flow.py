"""One key per moderator intent, by keyboard alone: PyPI's actions as presets (with the reason
prompt), advancing to the next undecided item below, asking before replacing a decision or
going against another reviewer, drafts kept per item, and Ctrl+Z taking back a whole step."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.waits import wait_file_shown

TIMEOUT = 15_000
CTRL = Qt.KeyboardModifier.ControlModifier


def settle(window, qtbot):
    wait_file_shown(window, qtbot, TIMEOUT)


def select(window, qtbot, project):
    model = window.queue_model
    row = next(r for r in range(model.rowCount()) if model.item_at(r).project == project)
    window.queue.select_row(row)
    qtbot.waitUntil(
        lambda: window.item is not None and window.item.project == project, timeout=TIMEOUT
    )
    settle(window, qtbot)
    return window.item


def wait_message(window, qtbot, text):
    """The status line says ``text`` (it is set when the write's result is back)."""
    qtbot.waitUntil(lambda: text in window.statusBar().currentMessage(), timeout=TIMEOUT)


def wait_prompt(window, qtbot):
    """The question is up and has the keyboard."""
    qtbot.waitUntil(
        lambda: window.triage.prompt is not None and window.triage.prompt.isActiveWindow(),
        timeout=TIMEOUT,
    )
    return window.triage.prompt


def decided(store, item_id):
    return store.current_decision(item_id) is not None


def test_presets_record_pypi_actions_and_the_status_line_names_them(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    first = select(window, qtbot, "colorstrip")
    qtbot.keyClick(table, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: decided(demo_store, first.id), timeout=TIMEOUT)
    d = demo_store.current_decision(first.id)
    assert (d.verdict, d.action, d.kind) == ("malicious", "quarantine_release", "is_malware")
    wait_message(window, qtbot, "malicious · quarantine release · colorstrip 1.4.1")

    qtbot.waitUntil(lambda: window.item is not None and window.item.id != first.id, timeout=TIMEOUT)
    second = window.item
    settle(window, qtbot)
    qtbot.keyClick(table, Qt.Key.Key_4)  # remove project: asks for the reason first
    reason = window.decision.reason_edit
    assert reason.hasFocus()
    assert "Ctrl+Enter" in window.decision.error_label.text()
    qtbot.keyClicks(reason, "exfiltrates tokens to 203.0.113.7; mbis typed here decide nothing")
    qtbot.wait(200)
    assert not decided(demo_store, second.id)
    qtbot.keyClick(reason, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: decided(demo_store, second.id), timeout=TIMEOUT)
    d = demo_store.current_decision(second.id)
    assert (d.verdict, d.action) == ("malicious", "remove_project")
    assert d.reason.startswith("exfiltrates tokens")
    wait_message(window, qtbot, f"malicious · remove project · {second.label}")
    assert table.hasFocus()

    qtbot.waitUntil(
        lambda: window.item is not None and window.item.id != second.id, timeout=TIMEOUT
    )
    third = window.item
    assert third.project == "dpy-helpers"  # the demo has dave's malicious label on it
    qtbot.keyClick(table, Qt.Key.Key_0)
    wait_prompt(window, qtbot)
    assert "dave labelled it malicious · quarantine project" in window.triage.prompt.text()
    qtbot.keyClick(window.triage.prompt, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: decided(demo_store, third.id), timeout=TIMEOUT)
    d = demo_store.current_decision(third.id)
    assert (d.verdict, d.action) == ("benign", "not_malware")


def test_advance_skips_decided_rows_and_never_jumps_to_the_top(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    fast = select(window, qtbot, "fastjsonlib")  # row 1
    qtbot.keyClick(table, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: decided(demo_store, fast.id), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.item.project == "dpy-helpers", timeout=TIMEOUT)
    qtbot.keyClick(table, Qt.Key.Key_K)
    qtbot.keyClick(table, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: window.item.project == "colorstrip", timeout=TIMEOUT)
    colorstrip = window.item
    qtbot.keyClick(table, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: decided(demo_store, colorstrip.id), timeout=TIMEOUT)
    # fastjsonlib (decided) is passed over.
    qtbot.waitUntil(lambda: window.item.project == "dpy-helpers", timeout=TIMEOUT)

    # With the "New" filter the decided item leaves the list: the next one below follows.
    qtbot.keyClick(table, Qt.Key.Key_Slash)
    qtbot.keyClick(window.queue.filter_edit, Qt.Key.Key_Tab)
    status = window.queue.status_combo
    assert status.hasFocus()
    qtbot.keyClicks(status, "New")
    assert status.currentText() == "New"
    qtbot.keyClick(status, Qt.Key.Key_Escape)
    assert table.hasFocus()
    qtbot.waitUntil(lambda: window.queue_model.total == 10, timeout=TIMEOUT)
    dpy = select(window, qtbot, "dpy-helpers")
    qtbot.keyClick(table, Qt.Key.Key_M)  # as dave labelled it: no question asked
    qtbot.waitUntil(lambda: decided(demo_store, dpy.id), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.item is not None and window.item.id != dpy.id, timeout=TIMEOUT)
    assert window.item.project == "envconf-loadr"  # the one below, not colorstrip's old top


def test_end_of_queue_says_so_with_the_session_counts(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    select(window, qtbot, "slugline")
    qtbot.keyClick(table, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: window.item.project == "tiny-assert", timeout=TIMEOUT)
    last = window.item
    settle(window, qtbot)
    qtbot.keyClick(table, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: decided(demo_store, last.id), timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: "End of the queue" in window.statusBar().currentMessage(), timeout=TIMEOUT
    )
    message = window.statusBar().currentMessage()
    assert "1 decided (0 malicious, 1 benign, 0 indeterminate), 1 skipped" in message
    assert window.item.id == last.id  # stays, does not wrap to the top


def test_replacing_a_decision_asks_first_and_says_by_whom(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    item = select(window, qtbot, "colorstrip")
    qtbot.keyClick(table, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: decided(demo_store, item.id), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.item.id != item.id, timeout=TIMEOUT)
    qtbot.keyClick(table, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: window.item.id == item.id, timeout=TIMEOUT)
    settle(window, qtbot)

    qtbot.keyClick(table, Qt.Key.Key_M)
    prompt = wait_prompt(window, qtbot)
    assert prompt.windowTitle() == "Replace the decision?"
    assert "already decided: benign · not malware by tester" in prompt.text()
    assert "Record malicious · none?" in prompt.text().replace("Replace it with", "Record")
    qtbot.keyClick(prompt, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.triage.prompt is None, timeout=TIMEOUT)
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    assert demo_store.current_decision(item.id).verdict == "benign"
    qtbot.waitUntil(table.hasFocus, timeout=TIMEOUT)

    qtbot.keyClick(table, Qt.Key.Key_M)
    prompt = wait_prompt(window, qtbot)
    qtbot.keyClick(prompt, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(
        lambda: demo_store.current_decision(item.id).verdict == "malicious", timeout=TIMEOUT
    )


def test_deciding_against_another_reviewer_warns_and_shows_their_label(
    demo_store, make_window, qtbot
):
    demo_store.upsert_external_label(
        "pypi",
        "colorstrip",
        "1.4.1",
        "bob",
        {"verdict": "malicious", "action": "remove_project", "reason": "steals tokens"},
    )
    window = make_window(demo_store)
    item = select(window, qtbot, "colorstrip")
    qtbot.keyClick(window.queue.table, Qt.Key.Key_B)
    prompt = wait_prompt(window, qtbot)
    assert prompt.windowTitle() == "Against another reviewer?"  # nothing to replace yet
    assert "bob labelled it malicious · remove project: steals tokens" in prompt.text()
    qtbot.keyClick(prompt, Qt.Key.Key_Return)  # Enter is Cancel: nothing recorded
    qtbot.waitUntil(lambda: window.triage.prompt is None, timeout=TIMEOUT)
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    assert not decided(demo_store, item.id)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_M)  # agreeing with bob asks nothing
    qtbot.waitUntil(lambda: decided(demo_store, item.id), timeout=TIMEOUT)
    assert window.triage.prompt is None


def test_drafts_survive_moving_away_and_a_restart(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    item = select(window, qtbot, "colorstrip")
    qtbot.keyClick(table, Qt.Key.Key_R)
    qtbot.keyClicks(window.decision.reason_edit, "decodes and execs a blob")
    qtbot.keyClick(window.decision.reason_edit, Qt.Key.Key_Escape)
    qtbot.keyClick(table, Qt.Key.Key_BracketRight)
    qtbot.keyClick(table, Qt.Key.Key_X)
    assert len(window.decision.hit_labels) == 1
    qtbot.keyClick(table, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: window.item.id != item.id, timeout=TIMEOUT)
    assert window.decision.reason_edit.toPlainText() == ""
    assert not window.decision.hit_labels
    qtbot.keyClick(table, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: window.item.id == item.id, timeout=TIMEOUT)
    assert window.decision.reason_edit.toPlainText() == "decodes and execs a blob"
    assert [h.label for h in window.decision.hit_labels.values()] == ["confirmed"]

    window.close()
    again = make_window(demo_store)
    select(again, qtbot, "colorstrip")
    assert again.decision.reason_edit.toPlainText() == "decodes and execs a blob"
    qtbot.keyClick(again.queue.table, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: decided(demo_store, item.id), timeout=TIMEOUT)
    d = demo_store.current_decision(item.id)
    assert d.reason == "decodes and execs a blob" and len(d.hit_labels) == 1


def test_ctrl_z_brings_the_form_back(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    item = select(window, qtbot, "colorstrip")
    qtbot.keyClick(table, Qt.Key.Key_3)
    qtbot.keyClicks(window.decision.reason_edit, "typosquat of a popular package")
    qtbot.keyClick(window.decision.reason_edit, Qt.Key.Key_Enter, CTRL)
    qtbot.waitUntil(lambda: decided(demo_store, item.id), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.item.id != item.id, timeout=TIMEOUT)
    qtbot.keyClick(table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: not decided(demo_store, item.id), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.item.id == item.id, timeout=TIMEOUT)
    assert window.decision.reason_edit.toPlainText() == "typosquat of a popular package"
    assert window.decision.action_combo.currentText() == "remove_release"
    wait_message(window, qtbot, "Undo: malicious · remove release · colorstrip 1.4.1")


def test_one_ctrl_z_undoes_a_whole_campaign_decision(campaign_store, make_window, qtbot):
    store, ids, _other = campaign_store
    window = make_window(store)
    qtbot.waitUntil(lambda: all(window.queue_model.campaign_of(i) for i in ids), timeout=20000)
    window.queue.select_item(ids[0])
    qtbot.waitUntil(lambda: window.item is not None and window.item.id == ids[0], timeout=TIMEOUT)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_C)
    dialog = window.campaign_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)

    def confirm():  # the confirmation is modal: answer it by its key once it is up
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, confirm)
            return
        assert "these 3 items of campaign" in box.text()
        qtbot.keyClick(box, Qt.Key.Key_Y)

    QTimer.singleShot(50, confirm)
    qtbot.keyClick(dialog.table, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: all(decided(store, i) for i in ids), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    campaign = window.queue_model.campaign_of(ids[0])[0]
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: not any(decided(store, i) for i in ids), timeout=TIMEOUT)
    wait_message(window, qtbot, f"Undo: malicious · none · 3 items of C{campaign}")
