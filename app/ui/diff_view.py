"""Side-by-side diff of one file: two read-only editors that scroll together.

The widget only paints a :class:`app.ui.file_model.FileView` computed in a worker: row
backgrounds and intraline spans are drawn in ``paintEvent`` for the visible rows only (cheap
for 10,000-line files), syntax colours come from :class:`PrecomputedHighlighter`, hit markers
from :class:`Gutter`. Keys: ``n``/``p`` next/previous change, ``]``/``[`` next/previous hit.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QPalette, QTextCursor, QTextOption
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui import safe_text
from app.ui.file_model import (
    ADDED,
    CHANGED,
    FILLER,
    INLINE_SYNTAX_LINES,
    REMOVED,
    FileView,
    Side,
)
from app.ui.gutter import Gutter
from app.ui.highlight import PrecomputedHighlighter
from app.ui.theme import LIGHT, Theme


def plain_label(text: str = "", parent=None) -> QLabel:
    """A QLabel that never interprets its text as rich text and never opens links."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setOpenExternalLinks(False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


class DiffEditor(QPlainTextEdit):
    """One side: read-only, no wrapping, monospace, painted backgrounds, a gutter."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setWordWrapMode(QTextOption.WrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setUndoRedoEnabled(False)
        self.setCenterOnScroll(False)
        self.theme: Theme = LIGHT
        self.side: Side | None = None
        self.added_hit_keys: frozenset = frozenset()
        self.current_hit_row: int | None = None
        self.gutter = Gutter(self)
        self.highlighter = PrecomputedHighlighter(self, self.theme)
        self.updateRequest.connect(self._on_update_request)
        self._update_margins()

    # --------------------------------------------------------------- content

    def show_side(
        self, side: Side | None, added_hit_keys: frozenset = frozenset(), document=None
    ) -> None:
        """Show one side; ``document`` is a prebuilt QTextDocument of ``side.text`` (big files,
        see :mod:`app.ui.text_docs`) that replaces the current one."""
        self.side = side
        self.added_hit_keys = added_hit_keys
        self.current_hit_row = None
        # Margins first: changing them after the text is set would lay out every block again.
        self._update_margins()
        doc = self.document()
        if side is None:
            self.highlighter.set_spans({}, {})
            self.highlighter.setDocument(None)
            self.setPlainText("")
        else:
            # Without spans the highlighter stays detached: no per-block Python call while
            # 10,000 lines are laid out. It is attached when colours arrive (apply_syntax);
            # a big file shown again gets its known colours just after the first paint.
            big = len(side.numbers) > INLINE_SYNTAX_LINES
            spans = side.syntax if not big else {}
            self.highlighter.set_spans(spans, side.hazards)
            if document is not None:
                self.highlighter.setDocument(None)
                document.setParent(self)  # the editor deletes it when the next one comes
                self.setDocument(document)
                doc = document
                self.highlighter.setDocument(doc if (spans or side.hazards) else None)
            else:
                self.highlighter.setDocument(doc if (spans or side.hazards) else None)
                self.setPlainText(side.text)
            if big and side.syntax:
                QTimer.singleShot(0, lambda s=side: self.side is s and self.apply_syntax(s.syntax))
        self.viewport().update()

    def apply_syntax(self, syntax: dict) -> None:
        """Colours computed after the text was shown (big files)."""
        if self.side is None:
            return
        self.side.syntax = syntax
        self.highlighter.set_spans(syntax, self.side.hazards)
        if self.highlighter.document() is None:
            self.highlighter.setDocument(self.document())  # highlights every block once
        else:
            self.highlighter.rehighlight()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Base, QColor(theme.base))
        pal.setColor(QPalette.ColorRole.Text, QColor(theme.text))
        self.setPalette(pal)
        self.highlighter.set_theme(theme)
        self.viewport().update()
        self.gutter.update()

    # --------------------------------------------------------------- geometry

    def _update_margins(self, *_):
        width = self.gutter.width_needed()
        if width != self.viewportMargins().left():
            self.setViewportMargins(width, 0, 0, 0)
            cr = self.contentsRect()
            self.gutter.setGeometry(QRect(cr.left(), cr.top(), width, cr.height()))

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        cr = self.contentsRect()
        self.gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter.width_needed(), cr.height()))

    # --------------------------------------------------------------- painting

    def paintEvent(self, event) -> None:  # noqa: N802
        side = self.side
        if side is not None and side.kinds:
            theme = self.theme
            colors = {
                ADDED: QColor(theme.added_bg),
                REMOVED: QColor(theme.removed_bg),
                CHANGED: QColor(theme.changed_bg),
                FILLER: QColor(theme.filler_bg),
            }
            span_color = QColor(
                theme.added_span if self.objectName() == "right" else theme.removed_span
            )
            painter = QPainter(self.viewport())
            width = self.viewport().width()
            block = self.firstVisibleBlock()
            offset = self.contentOffset()
            bottom_limit = event.rect().bottom()
            kinds = side.kinds
            while block.isValid():
                geo = self.blockBoundingGeometry(block).translated(offset)
                if geo.top() > bottom_limit:
                    break
                row = block.blockNumber()
                kind = kinds[row] if row < len(kinds) else None
                color = colors.get(kind)
                if color is not None:
                    painter.fillRect(QRect(0, int(geo.top()), width, int(geo.height()) + 1), color)
                spans = side.spans.get(row)
                if spans:
                    layout = block.layout()
                    line = layout.lineAt(0)
                    for start, length in spans:
                        x1 = line.cursorToX(start)[0] + geo.left()
                        x2 = line.cursorToX(start + length)[0] + geo.left()
                        painter.fillRect(
                            QRect(int(x1), int(geo.top()), max(2, int(x2 - x1)), int(geo.height())),
                            span_color,
                        )
                if row == self.current_hit_row:
                    painter.setPen(
                        theme.severity_color(side.hits[row][0].severity)
                        if row in side.hits
                        else QColor(theme.muted)
                    )
                    painter.drawRect(QRect(0, int(geo.top()), width - 1, int(geo.height()) - 1))
                block = block.next()
            painter.end()
        super().paintEvent(event)

    # --------------------------------------------------------------- selection

    def selected_lines(self) -> tuple[int, int] | None:
        """Original line range (first, last) covered by the selection, or the cursor line."""
        if self.side is None:
            return None
        cursor = self.textCursor()
        doc = self.document()
        first = doc.findBlock(cursor.selectionStart()).blockNumber()
        last = doc.findBlock(cursor.selectionEnd()).blockNumber()
        numbers = [
            self.side.numbers[r]
            for r in range(first, min(last, len(self.side.numbers) - 1) + 1)
            if self.side.numbers[r] is not None
        ]
        if not numbers:
            return None
        return min(numbers), max(numbers)

    def go_to_row(self, row: int) -> None:
        block = self.document().findBlockByNumber(max(0, row))
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()


class DiffView(QWidget):
    """The centre's lower half: a header and one of split, single, binary, guard pages."""

    show_anyway = Signal(str)  # path
    current_hit_changed = Signal(object)  # Hit or None
    position_changed = Signal(str)  # "change 2/5 · hit 1/3" for the status bar

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
        layout.addWidget(self.stack, 1)
        self.show_message("Select an item in the queue.")

    def _connect_scrolling(self) -> None:
        def link(src, dst):
            def on_value(value):
                if self._syncing:
                    return
                self._syncing = True
                dst.setValue(value)
                self._syncing = False

            src.valueChanged.connect(on_value)

        for a, b in ((self.left, self.right), (self.right, self.left)):
            link(a.verticalScrollBar(), b.verticalScrollBar())
            link(a.horizontalScrollBar(), b.horizontalScrollBar())

    # --------------------------------------------------------------- showing

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.left.set_theme(theme)
        self.right.set_theme(theme)

    def show_message(self, text: str) -> None:
        self.view = None
        self.header.setText("")
        self.info.setText(text)
        self.stack.setCurrentWidget(self.info)

    def show_file(self, view: FileView, documents: dict | None = None) -> None:
        self.view = view
        self._change_index = -1
        self._hit_index = -1
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
            self.left.show_side(view.left, added, docs.get("left"))
            self.right.show_side(view.right, added, docs.get("right"))
            self.left.setVisible(view.left is not None)
            self.right.setVisible(view.right is not None)
            self.stack.setCurrentWidget(self.split)
            if view.hit_rows:
                self._hit_index = -1
        self._emit_position()

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
        for ed in (self.left, self.right):
            if ed.side is not None and ed.isVisible():
                ed.go_to_row(row)
        self._emit_position()

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
        rows = self.view.hit_rows
        if not wrap and self._hit_index >= 0 and not 0 <= self._hit_index + step < len(rows):
            return False
        self._hit_index = _step(self._hit_index, step, len(rows), self._cursor_row(), rows)
        self._set_current_hit_row(rows[self._hit_index])
        return True

    def go_to_worst_hit(self) -> bool:
        """Make the most severe hit of the file current (first of equals)."""
        if self.view is None or not self.view.hit_rows:
            return False
        from app.core.capabilities.model import severity_rank

        def rank(row: int) -> int:
            hits = [
                h
                for side in (self.view.right, self.view.left)
                if side is not None
                for h in side.hits.get(row, ())
            ]
            return max((severity_rank(h.severity) for h in hits), default=0)

        best = max(self.view.hit_rows, key=lambda r: (rank(r), -r))
        self._hit_index = self.view.hit_rows.index(best)
        self._set_current_hit_row(best)
        return True

    def _on_hit_clicked(self, row: int) -> None:
        if self.view and row in self.view.hit_rows:
            self._hit_index = self.view.hit_rows.index(row)
        self._set_current_hit_row(row)

    def _set_current_hit_row(self, row: int) -> None:
        for ed in (self.left, self.right):
            ed.current_hit_row = row
            ed.viewport().update()
            ed.gutter.update()
        self._go(row)
        self.current_hit_changed.emit(self.current_hit())

    def go_to_line(self, line: int, old_side: bool = False) -> None:
        """Show original line ``line`` of the new (or old) side and make its hit current."""
        editor = self.left if old_side else self.right
        if editor.side is None:
            editor = self.left if editor is self.right else self.right
        if editor.side is None:
            return
        row = editor.side.row_of_line(line)
        if row is None:
            return
        if self.view and row in self.view.hit_rows:
            self._hit_index = self.view.hit_rows.index(row)
            self._set_current_hit_row(row)
        else:
            self._go(row)

    def current_hit(self):
        """The hit the user is on (``]``/``[`` or a click), or ``None``."""
        if self.view is None or self._hit_index < 0 or self._hit_index >= len(self.view.hit_rows):
            return None
        row = self.view.hit_rows[self._hit_index]
        for side in (self.view.right, self.view.left):
            if side is not None and row in side.hits:
                return side.hits[row][0]
        return None

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
            parts.append(f"hit {max(self._hit_index, -1) + 1}/{len(self.view.hit_rows)}")
        self.position_changed.emit(" · ".join(parts))


def _step(index: int, step: int, count: int, cursor_row: int, rows: list[int]) -> int:
    """Next/previous index, wrapping; the first press starts from the cursor row."""
    if index < 0:
        if step > 0:
            after = [i for i, r in enumerate(rows) if r > cursor_row]
            return after[0] if after and cursor_row > 0 else 0
        return count - 1
    return (index + step) % count
