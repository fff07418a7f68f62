"""Reading a release by keyboard: the wheel that carries the payload opens first, the whole
payload line is on screen, both sides zoom together, Ctrl+F finds in the file, Ctrl+Shift+F
searches the release, and the item's decision and its project's history are shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent

from app.core.decisions import Decision, Evidence
from app.core.store.db import Store
from tests.workflows.release_fixtures import NAME, PAYLOAD_URL, make_sdist, queue_release

TIMEOUT = 15_000
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def open_release(window, qtbot):
    window.queue.select_row(0)
    qtbot.waitUntil(
        lambda: (
            window.bundle is not None
            and window.release.diff.view is not None
            and window.is_settled()
        ),
        timeout=TIMEOUT,
    )
    return window.bundle


def test_the_window_opens_the_wheel_that_carries_the_payload(store, make_window, qtbot, tmp_path):
    queue_release(store, tmp_path / "files", sdist_first=True)  # PyPI listed the sdist first
    window = make_window(store)
    bundle = open_release(window, qtbot)
    assert bundle.file.kind == "wheel"
    title = window.release.title.text()
    assert "colorkit-1.1-py3-none-any.whl" in title and f"{bundle.risk.score:.1f}" in title
    assert bundle.risk.level in ("high", "critical")
    combo = window.release.artifact_combo
    entries = [combo.itemText(i) for i in range(combo.count())]
    assert entries[combo.currentIndex()].startswith("wheel · colorkit-1.1-py3-none-any.whl")
    assert any(e.startswith("sdist · colorkit-1.1.tar.gz · none 0.0") for e in entries)
    assert window.release.mismatch.isVisible()
    assert "carries colorkit_init.pth" in window.release.mismatch.text()
    assert window.release.diff.view.path == f"{NAME}_init.pth"

    # "a" opens the file picker; the keyboard picks the sdist and the window reviews it.
    qtbot.keyClick(window.queue.table, Qt.Key.Key_A)
    popup = combo.view()
    assert popup.isVisible()
    sdist_row = next(i for i, e in enumerate(entries) if e.startswith("sdist"))
    popup.setCurrentIndex(combo.model().index(sdist_row, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.bundle is not None and window.bundle.file.kind == "sdist" and window.is_settled()
        ),
        timeout=TIMEOUT,
    )
    assert "colorkit-1.1.tar.gz" in window.release.title.text()
    assert window.bundle.baseline.path.endswith("colorkit-1.0.tar.gz")


def test_the_whole_payload_line_is_on_screen_and_wrap_toggles(store, make_window, qtbot, tmp_path):
    queue_release(store, tmp_path / "files")
    window = make_window(store)
    window.resize(1600, 940)
    open_release(window, qtbot)
    editor = window.release.diff.right
    row = editor.side.row_of_line(1)
    assert editor.rows_wrapped(row) > 1  # wrapped, so the end of the line is in the pane
    block = editor.document().findBlockByNumber(row)
    width = editor.viewport().width()
    layout = block.layout()
    assert all(layout.lineAt(n).naturalTextWidth() <= width for n in range(layout.lineCount()))
    assert not editor.row_is_cut(row)

    qtbot.keyClick(window.queue.table, Qt.Key.Key_Z, Qt.KeyboardModifier.AltModifier)
    assert not window.actions["wrap"].isChecked()
    assert editor.rows_wrapped(row) == 1 and editor.row_is_cut(row)  # the » marker's case
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Z, Qt.KeyboardModifier.AltModifier)
    assert editor.rows_wrapped(row) > 1


def test_zoom_changes_both_sides_together_and_persists(store, make_window, qtbot, tmp_path):
    queue_release(store, tmp_path / "files")
    window = make_window(store)
    open_release(window, qtbot)
    diff = window.release.diff
    base = diff.right.font().pointSizeF()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Plus, CTRL)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Equal, CTRL)
    assert diff.right.font().pointSizeF() == diff.left.font().pointSizeF() == base + 2
    wheel = QWheelEvent(
        QPointF(20, 20),
        QPointF(diff.left.mapToGlobal(QPoint(20, 20))),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        CTRL,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    diff.left.wheelEvent(wheel)  # Ctrl+wheel on the left side zooms the right one too
    assert diff.right.font().pointSizeF() == diff.left.font().pointSizeF() == base + 1
    window.save_state()
    again = make_window(store)
    assert again.release.diff.right.font().pointSizeF() == base + 1
    qtbot.keyClick(again.queue.table, Qt.Key.Key_0, CTRL)
    assert again.release.diff.left.font().pointSizeF() == base


def test_wrapped_sides_stay_aligned_by_row(qtbot):
    from app.ui.diff_view import DiffView
    from app.ui.file_model import build_file_view

    view = DiffView()
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    old = "".join(f"line {i}\n" for i in range(400))
    new = "".join(f"line {i} " + ("long " * 60 if i % 3 == 0 else "") + "\n" for i in range(400))
    view.show_file(build_file_view("f.txt", "modified", old, new, highlight=False))
    right, left = view.right, view.left
    right.verticalScrollBar().setValue(right.verticalScrollBar().maximum() // 2)
    top = right.firstVisibleBlock().blockNumber()
    assert top > 10 and left.firstVisibleBlock().blockNumber() == top

    def y_of(editor, row):
        block = editor.document().findBlockByNumber(row)
        return editor.blockBoundingGeometry(block).translated(editor.contentOffset()).top()

    # Going to a row (a change, a hit) puts it level on both sides, however much the rows
    # above it wrap on one side only.
    for row in (301, 150, 30):
        view._go(row)
        assert abs(y_of(right, row) - y_of(left, row)) <= 1, row


def test_ctrl_f_finds_in_the_file(store, make_window, qtbot, tmp_path):
    queue_release(store, tmp_path / "files")
    window = make_window(store)
    open_release(window, qtbot)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_F, CTRL)
    bar = window.release.diff.find_bar
    assert bar.isVisible() and bar.edit.hasFocus()
    qtbot.keyClicks(bar.edit, "203.0.113.7")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert bar.count.text() == "1/1"
    assert PAYLOAD_URL in window.release.diff.right.textCursor().block().text()
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_ctrl_shift_f_searches_the_release_and_jumps(store, make_window, qtbot, tmp_path):
    queue_release(store, tmp_path / "files")
    window = make_window(store)
    bundle = open_release(window, qtbot)
    # Start from another file, so the jump has to open the .pth file.
    other = next(i for i, f in enumerate(bundle.files) if f.path == f"{NAME}/__init__.py")
    window.release.select_file(other)
    window.open_file(other)
    qtbot.waitUntil(lambda: window.release.diff.view.path == f"{NAME}/__init__.py")
    qtbot.keyClick(window.queue.table, Qt.Key.Key_F, CTRL | Qt.KeyboardModifier.ShiftModifier)
    search = window.release._search
    assert search.isVisible()
    qtbot.keyClicks(search.edit, r"curl .*\| *sh")
    search.regex.setChecked(True)
    qtbot.keyClick(search.edit, Qt.Key.Key_Return)
    tops = [
        search.results.topLevelItem(i).text(0) for i in range(search.results.topLevelItemCount())
    ]
    assert tops == [f"{NAME}_init.pth  (1)"]
    assert search.focusWidget() is search.results
    qtbot.keyClick(search.results, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.release.diff.view.path == f"{NAME}_init.pth" and window.is_settled(),
        timeout=TIMEOUT,
    )
    editor = window.release.diff.right
    assert editor.side.numbers[editor.textCursor().blockNumber()] == 1
    search.close()


def test_search_with_a_bad_pattern_says_so(store, make_window, qtbot, tmp_path):
    queue_release(store, tmp_path / "files")
    window = make_window(store)
    open_release(window, qtbot)
    window.release.search_release()
    search = window.release._search
    search.regex.setChecked(True)
    search.edit.setText("curl (")
    assert search.run() == 0
    assert "not a regular expression" in search.status.text()
    search.close()


def test_slash_filters_the_queue_and_the_sheet_lists_the_new_keys(
    store, make_window, qtbot, tmp_path
):
    queue_release(store, tmp_path / "files")
    window = make_window(store)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Slash)
    assert window.queue.filter_edit.hasFocus()
    texts = {w.text() for w in window.overlay.card.findChildren(type(window.release.title))}
    for key in ("/", "Ctrl+F", "Ctrl+Shift+F", "A", "Alt+Z", "Ctrl++", "Ctrl+-", "Ctrl+0"):
        assert key in texts, key


def test_a_decided_item_shows_its_decision_and_the_projects_history(
    store, make_window, qtbot, tmp_path
):
    older = make_sdist(tmp_path, "0.9")
    earlier, _ = store.add_item("pypi", NAME, ["0.9"], artifact_path=str(older))
    store.record_decision(
        earlier.id,
        Decision("benign", reason="clean colour helper", reviewer="alice"),
    )
    item_id = queue_release(store, tmp_path / "files")
    store.record_decision(
        item_id,
        Decision(
            "malicious",
            action="remove_release",
            reason="wheel-only .pth runs curl | sh",
            reviewer="bob",
            evidence=(Evidence("colorkit_init.pth", None, 1, 1, ("process.spawn",)),),
        ),
    )
    window = make_window(store)
    window.queue.select_item(item_id)
    qtbot.waitUntil(lambda: window.item is not None and window.item.id == item_id)
    text = window.release.context_text()
    assert "Decided malicious / remove_release" in text and "by bob" in text
    assert "Reason: wheel-only .pth runs curl | sh" in text
    assert "Evidence: colorkit_init.pth:1 (process.spawn)" in text
    assert "0.9: benign/" in text and "by alice" in text and "clean colour helper" in text
    assert "odd wheel" in text  # the report text, on top
    assert window.release.context.isVisible()
