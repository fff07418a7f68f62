"""A hit the moderator labels with ``x`` shows its label where the hit is seen — the diff's
gutter and the threats/capabilities list — as a glyph, a colour and words, at once, and still
after moving to another item and back and after a restart (the labels are the item's draft)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from tests.ui.test_triage_flow import select, settle

TIMEOUT = 15_000


def _row_of(window, hit):
    """(editor, row) where ``hit`` is drawn in the diff."""
    diff = window.release.diff
    for editor in (diff.right, diff.left):
        side = editor.side
        if side is None:
            continue
        for row, hits in side.hits.items():
            if any(h is hit for h in hits):
                return editor, row
    raise AssertionError("the current hit is not drawn in the diff")


def _glyph_pixels(editor, row, color: str) -> int:
    """Pixels near ``color`` in the gutter's glyph column beside ``row`` (what the eye sees)."""
    gutter = editor.gutter
    block = editor.document().findBlockByNumber(row)
    top = int(editor.blockBoundingGeometry(block).translated(editor.contentOffset()).top())
    image = gutter.grab().toImage()
    want = QColor(color)
    near = 0
    left = 6  # the glyph is drawn right of the 6-pixel hit bar
    for x in range(left, min(image.width(), left + gutter.glyph_width())):
        for y in range(max(0, top), min(image.height(), top + gutter.fontMetrics().height())):
            got = image.pixelColor(x, y)
            if (
                abs(got.red() - want.red())
                + abs(got.green() - want.green())
                + abs(got.blue() - want.blue())
                < 120
            ):
                near += 1
    return near


def _rows_of(window, hit):
    delta = window.release.delta
    return [
        item
        for item in delta.hit_rows()
        if item.data(0, Qt.ItemDataRole.UserRole + 3)[:2] == (hit.path, hit.line)
        and item.data(0, Qt.ItemDataRole.UserRole + 4) == hit.capability
    ]


def _shows(window, hit, glyph: str, words: str) -> None:
    editor, row = _row_of(window, hit)
    label = {"✓": "confirmed", "✗": "dismissed"}[glyph]
    assert editor.gutter.row_mark(row) == label
    theme = window.themes.theme
    color = theme.hit_confirmed if label == "confirmed" else theme.hit_dismissed
    assert _glyph_pixels(editor, row, color) > 0
    rows = _rows_of(window, hit)
    assert rows, "the hit has a row in the threats/capabilities list"
    for item in rows:
        assert item.text(0).startswith(f"{glyph} ")
        assert item.data(0, Qt.ItemDataRole.AccessibleTextRole).endswith(words)


def test_x_draws_the_label_on_the_gutter_and_the_list_and_it_stays(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    item = select(window, qtbot, "colorstrip")
    qtbot.keyClick(table, Qt.Key.Key_BracketRight)
    hit = window.decision.current_hit
    assert hit is not None
    editor, row = _row_of(window, hit)
    assert editor.gutter.row_mark(row) is None
    assert _glyph_pixels(editor, row, window.themes.theme.hit_confirmed) == 0
    assert all(not r.text(0).startswith(("✓", "✗")) for r in _rows_of(window, hit))

    qtbot.keyClick(table, Qt.Key.Key_X)
    _shows(window, hit, "✓", "confirmed by you")
    qtbot.keyClick(table, Qt.Key.Key_X)
    _shows(window, hit, "✗", "dismissed by you (false positive)")
    hit_key = (hit.capability, hit.path, hit.line)

    qtbot.keyClick(table, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: window.item.id != item.id, timeout=TIMEOUT)
    settle(window, qtbot)
    assert not any(r.text(0).startswith("✗") for r in window.release.delta.hit_rows())
    qtbot.keyClick(table, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: window.item.id == item.id, timeout=TIMEOUT)
    settle(window, qtbot)
    window.release.diff.go_to_line(hit.line, capability=hit.capability)
    back = window.decision.current_hit
    assert (back.capability, back.path, back.line) == hit_key
    _shows(window, back, "✗", "dismissed by you (false positive)")

    window.close()
    again = make_window(demo_store)
    select(again, qtbot, "colorstrip")
    again.release.diff.go_to_line(hit.line, capability=hit.capability)
    _shows(again, again.decision.current_hit, "✗", "dismissed by you (false positive)")
    qtbot.keyClick(again.queue.table, Qt.Key.Key_X)  # third x clears it everywhere
    editor, row = _row_of(again, again.decision.current_hit)
    assert editor.gutter.row_mark(row) is None
    assert all(not r.text(0).startswith(("✓", "✗")) for r in again.release.delta.hit_rows())


def test_a_decided_items_hit_labels_are_still_drawn(demo_store, make_window, qtbot):
    """Once decided, the labels are the decision's: coming back to the item (or after a
    restart) still shows ✓ on the gutter and the list, while the form is clear."""
    window = make_window(demo_store)
    table = window.queue.table
    item = select(window, qtbot, "colorstrip")
    qtbot.keyClick(table, Qt.Key.Key_BracketRight)
    hit = window.decision.current_hit
    qtbot.keyClick(table, Qt.Key.Key_X)
    _shows(window, hit, "✓", "confirmed by you")
    qtbot.keyClick(table, Qt.Key.Key_1)  # malicious · quarantine release, advances
    qtbot.waitUntil(lambda: window.item.id != item.id, timeout=TIMEOUT)
    assert window.store.current_decision(item.id).hit_labels

    window.close()
    again = make_window(demo_store)
    select(again, qtbot, "colorstrip")
    settle(again, qtbot)
    assert again.decision.hit_labels == {}  # the form is clear for a new decision
    again.release.diff.go_to_line(hit.line, capability=hit.capability)
    _shows(again, again.decision.current_hit, "✓", "confirmed by you")
