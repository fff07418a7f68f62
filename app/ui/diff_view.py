"""Side-by-side diff of one file: two read-only editors that scroll together.

The widget only paints a :class:`app.ui.file_model.FileView` computed in a worker: row
backgrounds and intraline spans are drawn in ``paintEvent`` for the visible rows only (cheap
for 10,000-line files), syntax colours come from :class:`PrecomputedHighlighter`, hit markers
from :class:`Gutter`. Keys: ``n``/``p`` next/previous change, ``]``/``[`` next/previous hit.

Whole lines: both sides wrap by default (a payload's deciding clause is often past the 45th
character); a wrapped row carries a ``↩`` marker at each break and, with wrapping off, a row
longer than the pane a ``»`` at the pane's edge (:mod:`app.ui.diff_editor`). The sides scroll
together by row, so they stay aligned at the top even when one side wraps more. Zoom
(Ctrl++/Ctrl+-/Ctrl+0, Ctrl+wheel on either side) changes both sides at once. Ctrl+F opens
the :class:`FindBar` over the file.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui import safe_text
from app.ui.diff_editor import MAX_POINT_SIZE, MIN_POINT_SIZE, DiffEditor
from app.ui.file_model import MAX_LINE_CHARS, FileView
from app.ui.find_bar import FindBar
from app.ui.theme import LIGHT, Theme


def plain_label(text: str = "", parent=None) -> QLabel:
    """A QLabel that never interprets its text as rich text and never opens links."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setOpenExternalLinks(False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


class DiffView(QWidget):
    """The centre's lower half: a header and one of split, single, binary, guard pages."""

    show_anyway = Signal(str)  # path
    current_hit_changed = Signal(object)  # Hit or None
    position_changed = Signal(str)  # "change 2/5 · hit 1/3" for the status bar
    # A file of the release is on screen (its diff painted, or its binary/guard/error page
    # shown): the moderator can start reading, so the per-item clock starts here.
    content_painted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view: FileView | None = None
        self.theme = LIGHT
        self._syncing = False
        self._change_index = -1
        self._hit_index = -1
        self.header = plain_label("")
        self.header.setObjectName("diffHeader")
        self.left = DiffEditor()
        self.left.setObjectName("left")
        self.right = DiffEditor()
        self.right.setObjectName("right")
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.left)
        self.split.addWidget(self.right)
        self.split.setChildrenCollapsible(True)
        for ed in (self.left, self.right):
            ed.gutter.hit_clicked.connect(self._on_hit_clicked)
            ed.zoom_requested.connect(self.zoom)
            ed.painted.connect(self._on_painted)
        self.wrap = True
        self._base_point_size = self.right.font().pointSizeF()
        self.find_bar = FindBar((self.right, self.left))
        self.find_bar.closed.connect(lambda: self._active_editor().setFocus())
        self._connect_scrolling()

        self.guard = QWidget()
        guard_layout = QVBoxLayout(self.guard)
        self.guard_label = plain_label("")
        self.guard_label.setWordWrap(True)
        self.guard_button = QPushButton("Show anyway")
        self.guard_button.clicked.connect(self._on_show_anyway)
        guard_layout.addStretch(1)
        guard_layout.addWidget(self.guard_label, 0, Qt.AlignmentFlag.AlignHCenter)
        guard_layout.addWidget(self.guard_button, 0, Qt.AlignmentFlag.AlignHCenter)
        guard_layout.addStretch(2)

        self.info = plain_label("")
        self.info.setObjectName("binaryInfo")
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.info.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.info.setMargin(12)

        self.stack = QStackedWidget()
        for page in (self.split, self.guard, self.info):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 2)
        top.addWidget(self.header, 1)
        layout.addLayout(top)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.stack, 1)
        self.show_message("Select an item in the queue.")

    def _connect_scrolling(self) -> None:
        """The sides scroll together by row: with wrapping a row may take more screen lines
        on one side, so the other side is put at the same top row, not the same line."""

        def link_rows(src, dst):
            def on_value(_value):
                if self._syncing or dst.side is None:
                    return
                self._syncing = True
                top = src.firstVisibleBlock().blockNumber()
                block = dst.document().findBlockByNumber(top)
                if block.isValid():
                    dst.verticalScrollBar().setValue(block.firstLineNumber())
                self._syncing = False

            src.verticalScrollBar().valueChanged.connect(on_value)

        def link(src, dst):
            def on_value(value):
                if self._syncing:
                    return
                self._syncing = True
                dst.setValue(value)
                self._syncing = False

            src.valueChanged.connect(on_value)

        for a, b in ((self.left, self.right), (self.right, self.left)):
            link_rows(a, b)
            link(a.horizontalScrollBar(), b.horizontalScrollBar())

    # --------------------------------------------------------------- whole lines

    def set_wrap(self, on: bool) -> None:
        """Wrap long rows on both sides (the default), or not. A file with an endless line
        (shown anyway past the guard) is never wrapped: laying it out would hang the view."""
        self.wrap = on
        endless = self.view is not None and _has_endless_line(self.view)
        top = self._active_editor().firstVisibleBlock().blockNumber()
        for ed in (self.left, self.right):
            ed.set_wrap(on and not endless)
        self._scroll_to_row(top)

    def zoom(self, step: int) -> None:
        """Both sides bigger (+1), smaller (-1) or back to the default size (0), together."""
        if step == 0:
            size = self._base_point_size
        else:
            size = self.right.font().pointSizeF() + step
        self.set_point_size(size)

    def set_point_size(self, size: float) -> None:
        size = max(MIN_POINT_SIZE, min(MAX_POINT_SIZE, float(size)))
        top = self._active_editor().firstVisibleBlock().blockNumber()
        for ed in (self.left, self.right):
            font = ed.font()
            font.setPointSizeF(size)
            ed.setFont(font)
            ed.gutter.setFont(font)
            ed._update_margins()
        self._scroll_to_row(top)

    def point_size(self) -> float:
        return self.right.font().pointSizeF()

    def _scroll_to_row(self, row: int) -> None:
        for ed in (self.left, self.right):
            block = ed.document().findBlockByNumber(row)
            if block.isValid():
                ed.verticalScrollBar().setValue(block.firstLineNumber())

    def find(self, text: str | None = None) -> None:
        """Ctrl+F: open the find bar over the file shown."""
        self.find_bar.open_bar(text)

    # --------------------------------------------------------------- showing

    def set_hit_labels(self, labels: dict) -> None:
        """The moderator's hit labels changed (``x``, another item's draft, a restart): the
        gutters draw them at once."""
        for ed in (self.left, self.right):
            ed.hit_labels = labels
            ed.gutter.update()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.left.set_theme(theme)
        self.right.set_theme(theme)

    def show_message(self, text: str) -> None:
        self._await_paint(False)
        self.view = None
        self._hit_index = -1
        self.current_hit_changed.emit(None)
        self.header.setText("")
        self.info.setText(text)
        self.stack.setCurrentWidget(self.info)

    def show_file(self, view: FileView, documents: dict | None = None) -> None:
        self.view = view
        self._change_index = -1
        self._hit_index = -1
        self.current_hit_changed.emit(None)  # x must never label a hit of the file left
        name = safe_text.one_line(view.path)
        if view.old_path and view.old_path != view.path:
            name = f"{safe_text.one_line(view.old_path)} → {name}"
        self.header.setText(f"{name}   [{view.status}]")
        if view.mode == "too-large":
            self.guard_label.setText(
                f"This file is large ({view.too_large_reason}). Showing it may be slow."
            )
            self.stack.setCurrentWidget(self.guard)
        elif view.mode == "binary":
            self.info.setText(self._binary_text(view))
            self.stack.setCurrentWidget(self.info)
        elif view.mode == "error":
            self.show_message(view.message)
        else:
            added = view.added_hit_keys
            docs = documents or {}
            endless = _has_endless_line(view)
            for ed in (self.left, self.right):
                if ed.wrapping != (self.wrap and not endless):
                    ed.set_wrap(self.wrap and not endless)
            self.left.show_side(view.left, added, docs.get("left"))
            self.right.show_side(view.right, added, docs.get("right"))
            self.left.setVisible(view.left is not None)
            self.right.setVisible(view.right is not None)
            self.stack.setCurrentWidget(self.split)
            if view.hit_rows:
                self._hit_index = -1
            if self.find_bar.isVisible():
                self.find_bar.refresh()
        self._emit_position()
        if self.stack.currentWidget() is self.split:
            self._await_paint(True)  # the editors say when they have painted it
        else:
            # A page of text: shown with the next paint (unless another file came first).
            QTimer.singleShot(0, lambda v=view: self.view is v and self.content_painted.emit())

    def _await_paint(self, on: bool) -> None:
        for ed in (self.left, self.right):
            ed.report_paint = on

    def _on_painted(self) -> None:
        self._await_paint(False)
        self.content_painted.emit()

    def apply_syntax(self, view: FileView, left: dict, right: dict) -> None:
        """Install the second-step colours if ``view`` is still the one shown."""
        if self.view is not view:
            return
        view.syntax_pending = False
        if view.left is not None:
            self.left.apply_syntax(left)
        if view.right is not None:
            self.right.apply_syntax(right)

    @staticmethod
    def _binary_text(view: FileView) -> str:
        lines = ["Binary file — not shown as text.", ""]
        for label, info in view.binary.items():
            lines.append(f"{label}:")
            lines.append(f"  size     {info['size']:,} bytes")
            lines.append(f"  sha256   {info['sha256']}")
            ent = info["entropy"]
            hint = "  (looks compressed or encrypted)" if ent > 7.5 else ""
            lines.append(f"  entropy  {ent:.3f} bits/byte{hint}")
            if info.get("link_target"):
                lines.append(f"  link to  {safe_text.one_line(info['link_target'])}")
            lines.append("")
        return "\n".join(lines)

    def _on_show_anyway(self) -> None:
        if self.view is not None:
            self.show_anyway.emit(self.view.path)

    # --------------------------------------------------------------- navigation

    def _active_editor(self) -> DiffEditor:
        return self.right if self.right.isVisible() and self.right.side is not None else self.left

    def _go(self, row: int) -> None:
        """Centre ``row`` on both sides. Each side centres it itself (with wrapping the rows
        above it may take more lines on one side), so the row the moderator goes to is level
        on both; scrolling by hand afterwards aligns the top rows again."""
        self._syncing = True
        try:
            shown = [ed for ed in (self.left, self.right) if ed.side is not None and ed.isVisible()]
            for ed in shown:
                ed.go_to_row(row)
            if len(shown) == 2:
                self._level(row)
        finally:
            self._syncing = False
        self._emit_position()

    def _level(self, row: int) -> None:
        """Centring rounds to whole screen lines from each side's own top, and wrapped rows
        above make the two round differently (a line apart with some fonts): move the old side,
        or the new one where the old cannot scroll further, by the lines between them."""
        step = self.left.fontMetrics().lineSpacing() or 1
        lines = round((self.left.row_top(row) - self.right.row_top(row)) / step)
        if lines and not self.left.scroll_lines(lines):
            self.right.scroll_lines(-lines)

    def next_change(self, step: int = 1) -> bool:
        if self.view is None or not self.view.change_rows:
            return False
        rows = self.view.change_rows
        self._change_index = _step(self._change_index, step, len(rows), self._cursor_row(), rows)
        self._go(rows[self._change_index])
        return True

    def next_hit(self, step: int = 1, wrap: bool = True) -> bool:
        """Move to the next (previous) hit; without ``wrap`` return False at the last one."""
        if self.view is None or not self.view.hit_rows:
            return False
        rows = [row for row, _hit in self._stops()]
        if not wrap and self._hit_index >= 0 and not 0 <= self._hit_index + step < len(rows):
            return False
        self._hit_index = _step(self._hit_index, step, len(rows), self._cursor_row(), rows)
        self._set_current_hit_row(rows[self._hit_index])
        return True

    def _stops(self) -> list[tuple[int, object]]:
        """Every hit of the file in reading order, several per line included: ``]``/``[``
        stop at each one (the new side's hits of a row first, then the old side's)."""
        view = self.view
        if view is None:
            return []
        cached = getattr(self, "_stop_cache", None)
        if cached is not None and cached[0] is view:
            return cached[1]
        stops = [
            (row, hit)
            for row in view.hit_rows
            for side in (view.right, view.left)
            if side is not None
            for hit in side.hits.get(row, ())
        ]
        self._stop_cache = (view, stops)
        return stops

    def _first_stop(self, row: int) -> int:
        return next((i for i, (r, _h) in enumerate(self._stops()) if r == row), -1)

    def go_to_worst_hit(self) -> bool:
        """Make the most severe hit of the file current (first of equals)."""
        if self.view is None or not self.view.hit_rows:
            return False
        from app.core.capabilities.model import severity_rank

        stops = self._stops()
        best = max(
            range(len(stops)),
            key=lambda i: (severity_rank(stops[i][1].severity), -stops[i][0], -i),
        )
        self._hit_index = best
        self._set_current_hit_row(stops[best][0])
        return True

    def _on_hit_clicked(self, row: int) -> None:
        if self.view and row in self.view.hit_rows:
            self._hit_index = self._first_stop(row)
        self._set_current_hit_row(row)

    def _set_current_hit_row(self, row: int) -> None:
        for ed in (self.left, self.right):
            ed.current_hit_row = row
            ed.viewport().update()
            ed.gutter.update()
        self._go(row)
        self.current_hit_changed.emit(self.current_hit())

    def go_to_line(self, line: int, old_side: bool = False, capability: str = "") -> None:
        """Show original line ``line`` of the new (or old) side and make its hit current
        (the one of ``capability`` when the line has several)."""
        editor = self.left if old_side else self.right
        if editor.side is None:
            editor = self.left if editor is self.right else self.right
        if editor.side is None:
            return
        row = editor.side.row_of_line(line)
        if row is None:
            return
        if self.view and row in self.view.hit_rows:
            self._hit_index = self._first_stop(row)
            if capability:
                side = editor.side
                self._hit_index = next(
                    (
                        i
                        for i, (r, h) in enumerate(self._stops())
                        if r == row and h.capability == capability and h in side.hits.get(row, ())
                    ),
                    self._hit_index,
                )
            self._set_current_hit_row(row)
        else:
            self._go(row)

    def current_hit(self):
        """The hit the user is on (``]``/``[`` or a click), or ``None``."""
        stops = self._stops()
        if not 0 <= self._hit_index < len(stops):
            return None
        return stops[self._hit_index][1]

    def _cursor_row(self) -> int:
        return self._active_editor().textCursor().blockNumber()

    def selected_evidence(self) -> dict | None:
        """The lines selected in the diff as evidence: path and original line range."""
        if self.view is None:
            return None
        for ed, path in (
            (self.right, self.view.path),
            (self.left, self.view.old_path or self.view.path),
        ):
            if ed.side is not None and ed.isVisible() and ed.textCursor().hasSelection():
                rng = ed.selected_lines()
                if rng:
                    return {
                        "path": path,
                        "line_start": rng[0],
                        "line_end": rng[1],
                        "side": ed.objectName(),
                    }
        ed = self._active_editor()
        rng = ed.selected_lines() if ed.side is not None else None
        if rng:
            return {
                "path": self.view.path,
                "line_start": rng[0],
                "line_end": rng[1],
                "side": ed.objectName(),
            }
        return None

    def _emit_position(self) -> None:
        if self.view is None:
            self.position_changed.emit("")
            return
        parts = []
        if self.view.change_rows:
            parts.append(f"change {max(self._change_index, -1) + 1}/{len(self.view.change_rows)}")
        if self.view.hit_rows:
            parts.append(f"hit {max(self._hit_index, -1) + 1}/{len(self._stops())}")
        self.position_changed.emit(" · ".join(parts))


def _has_endless_line(view: FileView) -> bool:
    return any(
        side is not None and any(len(line) > MAX_LINE_CHARS for line in side.text.split("\n"))
        for side in (view.left, view.right)
    )


def _step(index: int, step: int, count: int, cursor_row: int, rows: list[int]) -> int:
    """Next/previous index, wrapping; the first press starts from the cursor row."""
    if index < 0:
        if step > 0:
            after = [i for i, r in enumerate(rows) if r > cursor_row]
            return after[0] if after and cursor_row > 0 else 0
        return count - 1
    return (index + step) % count
