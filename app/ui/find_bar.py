"""Ctrl+F in the diff: find text in the file shown, on both sides, every match highlighted.

Enter goes to the next match, Shift+Enter to the previous one, Escape closes the bar and gives
the keys back to the diff. The new side is searched first (that is what the release ships);
the old side's matches are highlighted too. The search is literal and case-insensitive unless
the text has a capital letter (as in Vim's smartcase).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QTextEdit, QToolButton, QWidget

MAX_HIGHLIGHTS = 2_000  # per side: more would slow painting, and nobody reads past that


class FindBar(QWidget):
    closed = Signal()

    def __init__(self, editors, parent=None):
        super().__init__(parent)
        self.setObjectName("findBar")
        self._editors = editors  # (right, left): the new side first
        self.edit = QLineEdit()
        self.edit.setObjectName("findText")
        self.edit.setPlaceholderText("Find in this file (Enter next, Shift+Enter previous)")
        self.edit.setClearButtonEnabled(True)
        self.count = QLabel("")
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close (Esc)")
        close.clicked.connect(self.close_bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        title = QLabel("Find")
        title.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(title)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.count)
        layout.addWidget(close)
        self.edit.textChanged.connect(self.refresh)
        self.edit.returnPressed.connect(lambda: self.step(1))
        for key, slot in (
            ("Shift+Return", lambda: self.step(-1)),
            ("Shift+Enter", lambda: self.step(-1)),
            ("Escape", self.close_bar),
        ):
            shortcut = QShortcut(QKeySequence(key), self.edit)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        self.matches: list[tuple[object, int, int]] = []  # (editor, start, end)
        self.index = -1
        self.hide()

    # --------------------------------------------------------------- opening

    def open_bar(self, text: str | None = None) -> None:
        self.show()
        if text is not None:
            self.edit.setText(text)
        self.edit.setFocus()
        self.edit.selectAll()
        self.refresh()

    def set_text(self, text: str) -> None:
        """Show the bar with ``text`` highlighted, leaving the focus where it is."""
        self.show()
        self.edit.blockSignals(True)
        self.edit.setText(text)
        self.edit.blockSignals(False)
        self.refresh()

    def close_bar(self) -> None:
        for ed in self._editors:
            ed.setExtraSelections([])
        self.hide()
        self.closed.emit()

    # --------------------------------------------------------------- searching

    def _flags(self, text: str) -> QTextDocument.FindFlag:
        flags = QTextDocument.FindFlag(0)
        if any(ch.isupper() for ch in text):
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        return flags

    def refresh(self) -> None:
        """Find every match again (new text, or another file shown)."""
        text = self.edit.text()
        self.matches, self.index = [], -1
        colour = QColor("#ffd54f")
        for ed in self._editors:
            selections = []
            if text and ed.side is not None and ed.isVisible():
                doc, cursor = ed.document(), QTextCursor(ed.document())
                while len(selections) < MAX_HIGHLIGHTS:
                    cursor = doc.find(text, cursor, self._flags(text))
                    if cursor.isNull():
                        break
                    sel = QTextEdit.ExtraSelection()
                    sel.cursor = cursor
                    sel.format.setBackground(colour)
                    selections.append(sel)
                    self.matches.append((ed, cursor.selectionStart(), cursor.selectionEnd()))
            ed.setExtraSelections(selections)
        self._show_count()

    def step(self, step: int) -> bool:
        """Go to the next (previous) match, wrapping; False when there is none."""
        if not self.matches:
            self._show_count()
            return False
        self.index = (
            (self.index + step) % len(self.matches)
            if self.index >= 0
            else (0 if step > 0 else len(self.matches) - 1)
        )
        ed, start, end = self.matches[self.index]
        cursor = QTextCursor(ed.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        ed.setTextCursor(cursor)
        ed.centerCursor()
        self._show_count()
        return True

    def current_row(self) -> int | None:
        if not 0 <= self.index < len(self.matches):
            return None
        ed, start, _end = self.matches[self.index]
        return ed.document().findBlock(start).blockNumber()

    def _show_count(self) -> None:
        if not self.edit.text():
            self.count.setText("")
        elif not self.matches:
            self.count.setText("no match")
        else:
            shown = self.index + 1 if self.index >= 0 else 0
            more = "+" if len(self.matches) >= MAX_HIGHLIGHTS else ""
            self.count.setText(f"{shown}/{len(self.matches)}{more}")
