"""A non-blocking error banner: one line, a Details toggle, a close button.

Errors from background work land here instead of in a modal dialog or a traceback; the
moderator keeps working. Details (a traceback or a long message) are plain text.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from app.ui import safe_text
from app.ui.diff_view import plain_label
from app.ui.theme import LIGHT, Theme


class Banner(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.message = plain_label("")
        self.message.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(160)
        self.details.hide()
        self.toggle = QPushButton("Details")
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self.details.setVisible)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        row = QHBoxLayout()
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.message, 1)
        row.addWidget(self.toggle)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.details)
        self.count = 0
        self.set_theme(LIGHT)
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            f"#errorBanner {{ background: {theme.banner_bg}; }}"
            f"#errorBanner QLabel {{ color: {theme.banner_text}; }}"
        )

    def show_error(self, message: str, details: str = "") -> None:
        self.count += 1
        self.message.setText(safe_text.one_line(message, 400))
        self.details.setPlainText(safe_text.visible(details or message))
        self.toggle.setChecked(False)
        self.toggle.setVisible(bool(details))
        self.show()
