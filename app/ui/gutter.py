"""The strip left of each diff editor: original line numbers and capability-hit markers.

A hit is a bar in its severity colour; hovering it shows the capability, the rule, the
explanation and, for a hit in decoded data, what it decoded to. A hit the moderator labelled
with ``x`` has its glyph beside the bar (✓ confirmed, ✗ dismissed, :mod:`app.ui.hit_marks`),
and a line whose hits are all dismissed has a hollow, muted bar. Tooltips are rich text in Qt whenever they *look* like HTML, so every string from
the package or the rules is escaped and wrapped in a ``<p>`` that forces rich-text mode — a
file cannot inject markup through a tooltip.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QToolTip, QWidget

from app.core.capabilities.model import Hit
from app.core.text import terminal_text
from app.ui import safe_text
from app.ui.hit_marks import GLYPHS, label_color, label_key, row_label, spoken

MARK_WIDTH = 6


def hit_tooltip(
    hits: list[Hit], added_keys: frozenset = frozenset(), labels: dict | None = None
) -> str:
    """Escaped rich-text tooltip for the hits on one line (with each one's label, if any)."""
    parts = []
    for hit in hits:
        new = " — new in this release" if _hit_key(hit) in added_keys else ""
        label = (labels or {}).get(label_key(hit))
        mark = f" — {GLYPHS[label]} {spoken(label)}" if label else ""
        parts.append(
            f"<b>{html.escape(hit.capability)}</b> ({html.escape(hit.severity)}{new}){mark}<br>"
            f"{html.escape(safe_text.one_line(hit.explanation, 400))}<br>"
            f"<i>rule {html.escape(hit.rule)}</i> · line {int(hit.line)}<br>"
            f"<code>{html.escape(safe_text.one_line(hit.match, 160))}</code>" + _decoded(hit)
        )
    return "<p style='white-space:pre-wrap'>" + "<hr>".join(parts) + "</p>"


def _decoded(hit: Hit) -> str:
    """A hit in decoded data: ``decoded (layers) →`` and the text, escaped, on one line."""
    if not hit.decoded:
        return ""
    layers = f" ({html.escape(safe_text.one_line(hit.layers, 120))})" if hit.layers else ""
    text = html.escape(terminal_text(hit.decoded[:240], one_line=True))
    return f"<br>decoded{layers} →<br><code>{text}</code>"


def _hit_key(hit: Hit) -> tuple:
    return (hit.capability, hit.path, hit.line, hit.rule)


class Gutter(QWidget):
    """Paints for the visible blocks of ``editor``; asks the editor for rows and numbers."""

    hit_clicked = Signal(int)  # row

    def __init__(self, editor):
        super().__init__(editor)
        self._editor = editor
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.width_needed(), 0)

    def width_needed(self) -> int:
        side = self._editor.side
        last = next((n for n in reversed(side.numbers) if n is not None), None) if side else None
        digits = len(str(last)) if last else 2  # numbers only grow down a side
        metrics = self.fontMetrics()
        return (
            MARK_WIDTH + 10 + self.glyph_width() + metrics.horizontalAdvance("9") * max(digits, 3)
        )

    def glyph_width(self) -> int:
        return max(self.fontMetrics().horizontalAdvance(g) for g in GLYPHS.values()) + 2

    def row_mark(self, row: int) -> str | None:
        """The label drawn beside ``row``'s hit bar (``confirmed``/``dismissed``/None)."""
        side = self._editor.side
        if side is None or row not in side.hits:
            return None
        return row_label(self._editor.hit_labels, side.hits[row])

    def paintEvent(self, event) -> None:  # noqa: N802
        editor = self._editor
        side = editor.side
        theme = editor.theme
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(theme.line_number_bg))
        if side is None:
            return
        block = editor.firstVisibleBlock()
        offset = editor.contentOffset()
        top = int(editor.blockBoundingGeometry(block).translated(offset).top())
        height = self.fontMetrics().height()
        muted = QColor(theme.muted)
        numbers, hits = side.numbers, side.hits
        current = editor.current_hit_row
        added = editor.added_hit_keys
        bold = self.font()
        bold.setBold(True)  # the label glyph: a thin ✓ is easy to miss beside the bar
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + int(editor.blockBoundingRect(block).height())
            row = block.blockNumber()
            if block.isVisible() and bottom >= event.rect().top() and row < len(numbers):
                number = numbers[row]
                if number is not None:
                    painter.setPen(muted)
                    painter.drawText(
                        QRect(0, top, self.width() - 4, height),
                        Qt.AlignmentFlag.AlignRight,
                        str(number),
                    )
                row_hits = hits.get(row)
                if row_hits:
                    color = theme.severity_color(row_hits[0].severity)
                    span = max(1, row_hits[0].end_line - row_hits[0].line + 1)
                    mark = QRect(0, top, MARK_WIDTH, height * min(span, 50))
                    label = self.row_mark(row)
                    if label == "dismissed":  # judged a false positive: it recedes
                        color = label_color(theme, label)
                    if label is not None:
                        painter.setPen(label_color(theme, label))
                        painter.setFont(bold)
                        painter.drawText(
                            QRect(MARK_WIDTH + 1, top, self.glyph_width(), height),
                            Qt.AlignmentFlag.AlignLeft,
                            GLYPHS[label],
                        )
                        painter.setFont(self.font())
                    if label != "dismissed" and (
                        not added or any(_hit_key(h) in added for h in row_hits)
                    ):
                        painter.fillRect(mark, color)  # new in this release: solid
                    else:  # already in the baseline: hollow, so new behaviour stands out
                        painter.setPen(color)
                        painter.drawRect(mark.adjusted(0, 0, -1, -1))
                    if row == current:
                        painter.setPen(color)
                        painter.drawRect(QRect(0, top, self.width() - 1, height - 1))
            block = block.next()
            top = bottom

    def row_at(self, y: int) -> int | None:
        editor = self._editor
        block = editor.firstVisibleBlock()
        offset = editor.contentOffset()
        while block.isValid():
            geo = editor.blockBoundingGeometry(block).translated(offset)
            if geo.top() <= y < geo.bottom():
                return block.blockNumber()
            if geo.top() > y:
                return None
            block = block.next()
        return None

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            row = self.row_at(int(event.pos().y()))
            side = self._editor.side
            if row is not None and side is not None and row in side.hits:
                QToolTip.showText(
                    event.globalPos(),
                    hit_tooltip(
                        side.hits[row], self._editor.added_hit_keys, self._editor.hit_labels
                    ),
                    self,
                )
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        row = self.row_at(int(event.position().y()))
        side = self._editor.side
        if row is not None and side is not None and row in side.hits:
            self.hit_clicked.emit(row)
