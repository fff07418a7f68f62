"""One side of the diff: a read-only editor that paints row backgrounds, change spans,
hit frames and whole-line markers for the visible rows only, with a gutter of line numbers
and hit marks. :class:`app.ui.diff_view.DiffView` puts two of them side by side.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPainter,
    QPalette,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit

from app.ui.file_model import (
    ADDED,
    CHANGED,
    FILLER,
    INLINE_SYNTAX_LINES,
    REMOVED,
    Side,
)
from app.ui.gutter import Gutter
from app.ui.highlight import PrecomputedHighlighter
from app.ui.theme import LIGHT, Theme

MIN_POINT_SIZE, MAX_POINT_SIZE = 6.0, 40.0
WRAP_MARK, OVERFLOW_MARK = "↩", "»"


class DiffEditor(QPlainTextEdit):
    """One side: read-only, wrapped by default, monospace, painted backgrounds, a gutter."""

    zoom_requested = Signal(int)  # +1 / -1: Ctrl+wheel, applied to both sides by the view
    painted = Signal()  # a paint finished while ``report_paint`` was set (the view's clock)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.set_wrap(True)
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
        self.hit_labels: dict = {}  # hit key -> "confirmed"/"dismissed" (app/ui/hit_marks.py)
        self.current_hit_row: int | None = None
        self.report_paint = False
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

    def set_wrap(self, on: bool) -> None:
        """Wrap long rows at the pane's width (anywhere, not only at spaces: payloads have
        none), or keep them on one line with a horizontal scroll bar."""
        self.wrapping = on
        self.setLineWrapMode(
            QPlainTextEdit.LineWrapMode.WidgetWidth if on else QPlainTextEdit.LineWrapMode.NoWrap
        )
        self.setWordWrapMode(
            QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere if on else QTextOption.WrapMode.NoWrap
        )

    def wheelEvent(self, event) -> None:  # noqa: N802
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoom_requested.emit(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def row_is_cut(self, row: int) -> bool:
        """Is this row wider than the pane (with wrapping off, part of it is out of view)?"""
        block = self.document().findBlockByNumber(row)
        if not block.isValid() or block.layout() is None or block.layout().lineCount() == 0:
            return False
        width = self.viewport().width() - self.document().documentMargin() * 2
        return block.layout().lineAt(0).naturalTextWidth() > width + 1

    def rows_wrapped(self, row: int) -> int:
        """How many screen lines the row takes (1 when it fits)."""
        block = self.document().findBlockByNumber(row)
        return block.layout().lineCount() if block.isValid() and block.layout() else 1

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
                    _paint_spans(painter, block.layout(), geo, spans, span_color)
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
        self._paint_markers()
        if self.report_paint:
            self.painted.emit()

    def _paint_markers(self) -> None:
        """``↩`` where a wrapped row breaks; ``»`` at the edge of a row cut by the pane."""
        if self.side is None:
            return
        painter = QPainter(self.viewport())
        painter.setPen(QColor(self.theme.muted))
        fm = self.fontMetrics()
        right = self.viewport().width() - fm.horizontalAdvance(WRAP_MARK) - 2
        block, offset = self.firstVisibleBlock(), self.contentOffset()
        bottom = self.viewport().height()
        while block.isValid():
            geo = self.blockBoundingGeometry(block).translated(offset)
            if geo.top() > bottom:
                break
            layout = block.layout()
            if self.wrapping:
                for n in range(layout.lineCount() - 1):
                    line = layout.lineAt(n)
                    y = geo.top() + line.y() + fm.ascent()
                    painter.drawText(int(right), int(y), WRAP_MARK)
            elif self.row_is_cut(block.blockNumber()):
                painter.fillRect(
                    QRect(
                        int(right) - 2,
                        int(geo.top()),
                        fm.horizontalAdvance(OVERFLOW_MARK) + 4,
                        int(geo.height()),
                    ),
                    QColor(self.theme.base),
                )
                painter.drawText(int(right), int(geo.top() + fm.ascent()), OVERFLOW_MARK)
            block = block.next()
        painter.end()

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

    def row_top(self, row: int) -> float:
        """Where ``row`` starts on screen (pixels from the top of the viewport)."""
        block = self.document().findBlockByNumber(max(0, row))
        return self.blockBoundingGeometry(block).translated(self.contentOffset()).top()

    def scroll_lines(self, lines: int) -> bool:
        """Scroll by whole screen lines (the scroll bar counts wrapped lines); False when the
        scroll bar is at its end and did not move."""
        bar = self.verticalScrollBar()
        before = bar.value()
        bar.setValue(before + lines)
        return bar.value() != before


def _paint_spans(painter, layout, geo, spans, color) -> None:
    """Intraline change spans, across the screen lines of a wrapped row."""
    for start, length in spans:
        end = start + length
        for n in range(layout.lineCount()):
            line = layout.lineAt(n)
            a = max(start, line.textStart())
            b = min(end, line.textStart() + line.textLength())
            if a >= b and (length or not line.textStart() <= start <= b):
                continue
            x1 = line.cursorToX(a)[0] + geo.left()
            x2 = line.cursorToX(b)[0] + geo.left()
            top = geo.top() + line.y()
            painter.fillRect(
                QRect(int(x1), int(top), max(2, int(x2 - x1)), int(line.height())), color
            )
