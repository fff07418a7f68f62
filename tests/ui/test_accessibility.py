"""Accessible: every control a screen reader reaches has a name, severity is a shape as well
as a colour (queue risk column, file list), and the dark theme keeps selection highlights."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from tests.ui.waits import wait_file_shown

TIMEOUT = 15_000
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def open_first(window, qtbot):
    qtbot.keyClick(window.queue.table, Qt.Key.Key_J)
    wait_file_shown(window, qtbot, TIMEOUT)


def nameless(root: QWidget) -> list[str]:
    """Buttons, drop-downs, tables/lists/trees and text fields with no name and no text
    (Qt's own parts aside: a table's corner button, header views, a drop-down's list)."""
    out = []
    for cls in (QAbstractButton, QComboBox, QAbstractItemView, QLineEdit, QPlainTextEdit):
        for widget in root.findChildren(cls):
            parent = widget.parent()
            if (
                widget.objectName().startswith("qt_")
                or isinstance(widget, QHeaderView)
                or (parent is not None and parent.inherits("QComboBoxPrivateContainer"))
            ):
                continue
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not widget.accessibleName().strip() and not text.strip():
                out.append(f"{type(widget).__name__} {widget.objectName()!r} in {parent}")
    return out


def test_every_button_drop_down_table_and_field_has_a_name(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    open_first(window, qtbot)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_F, CTRL)  # the find bar too
    assert nameless(window) == []
    d = window.decision
    assert window.queue.table.accessibleName() == "Review queue"
    assert window.release.files.accessibleName() == "Files of the release"
    assert [c.accessibleName() for c in (d.action_combo, d.kind_combo, d.confidence_combo)] == [
        "Action",
        "Kind",
        "Confidence",
    ]
    assert window.release.diff.right.accessibleName() == "Release side of the diff"


def test_the_first_run_page_and_the_add_dialog_have_names(tmp_path, make_window, qtbot):
    from app.core.store.db import Store

    with Store.open(tmp_path / "empty.sqlite3") as store:
        window = make_window(store)
        assert nameless(window) == []
        qtbot.keyClick(window.first_run.page.add_button, Qt.Key.Key_O, CTRL)
        qtbot.waitUntil(lambda: window.file_actions.dialog is not None, timeout=5000)
        assert nameless(window.file_actions.dialog) == []
        qtbot.keyClick(window.file_actions.dialog, Qt.Key.Key_Escape)
        window.runner.shutdown()


def test_severity_is_a_shape_as_well_as_a_colour(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    model = window.queue_model
    shapes = {"critical": "◆", "high": "▲", "medium": "●", "low": "○", "none": "·"}
    shown = {}
    for row in range(model.rowCount()):
        item, text = model.item_at(row), model.index(row, 0).data()
        assert text == f"{shapes[item.risk_level]} {item.risk_score:.1f} {item.risk_level}"
        shown[item.risk_level] = text
    assert {"critical", "high", "low"} <= set(shown)  # the demo has each of these
    open_first(window, qtbot)
    files = window.release.files
    rows = [files.topLevelItem(n) for n in range(files.topLevelItemCount())]
    with_hits = [r for r in rows if r.text(2)]
    assert with_hits
    top = with_hits[0]
    assert top.text(2)[0] in "◆▲●○·"
    spoken = top.data(2, Qt.ItemDataRole.AccessibleTextRole)
    assert "hits" in spoken and "worst" in spoken
    glyph_level = {"◆": "critical", "▲": "high", "●": "medium", "○": "low", "·": "none"}
    assert spoken.endswith(glyph_level[top.text(2)[0]])


def _row_pixel(view, row: int) -> QColor:
    rect = view.visualRect(view.model().index(row, 0))
    image = view.viewport().grab().toImage()
    return QColor(image.pixel(QPoint(rect.left() + 2, rect.center().y())))


def _near(a: QColor, b: QColor) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= 4


def test_dark_theme_keeps_the_selection_highlight(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_T, CTRL | SHIFT)  # the tests' light -> dark
    assert window.themes.theme.dark
    open_first(window, qtbot)
    table = window.queue.table
    role = table.palette().ColorRole
    highlight, base = table.palette().color(role.Highlight), table.palette().color(role.Base)
    assert highlight.lightness() > base.lightness() + 30  # visible on the dark base
    row = table.currentIndex().row()
    assert _near(_row_pixel(table, row), highlight)
    assert not _near(_row_pixel(table, row + 1), highlight)
    files = window.release.files
    current = files.indexOfTopLevelItem(files.currentItem())
    assert _near(_row_pixel(files, current), files.palette().color(role.Highlight))
    assert not _near(_row_pixel(files, current + 1), files.palette().color(role.Highlight))
