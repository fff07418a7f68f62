"""Every finding is a stop: ]/[ visit each hit (several on one line too), x labels the current
hit of the file on screen only, and the current hit clears when the file changes."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.waits import wait_file_shown

TIMEOUT = 15_000


def test_brackets_visit_every_hit_and_x_stays_in_the_file(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    window.queue.select_row(0)
    wait_file_shown(window, qtbot, TIMEOUT)
    view = window.release.diff.view
    assert view.path == "setup.py"
    every = [h for side in (view.right, view.left) if side for hs in side.hits.values() for h in hs]
    lines = {(h.path, h.line) for h in every}
    assert len(every) > len(lines)  # the demo's setup.py has several hits on one line

    seen = []
    for _ in every:
        qtbot.keyClick(table, Qt.Key.Key_BracketRight)
        seen.append(window.decision.current_hit)
        if window.release.diff.view is not view:
            break
    assert window.release.diff.view is view
    assert len({id(h) for h in seen}) == len(every)
    assert window.position_label.text().endswith(f"hit {len(every)}/{len(every)}")
    qtbot.keyClick(table, Qt.Key.Key_BracketLeft)
    assert window.decision.current_hit is seen[-2]

    qtbot.keyClick(table, Qt.Key.Key_X)
    assert [h.label for h in window.decision.hit_labels.values()] == ["confirmed"]
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # next file
    qtbot.waitUntil(
        lambda: window.release.diff.view is not view and window.is_settled(), timeout=TIMEOUT
    )
    assert window.decision.current_hit is None
    assert "No current hit" in window.decision.hit_label.text()
    qtbot.keyClick(table, Qt.Key.Key_X)  # nothing on screen to label: nothing changes
    assert [h.label for h in window.decision.hit_labels.values()] == ["confirmed"]
    assert "No current hit" in window.statusBar().currentMessage()
