"""Every keyboard shortcut in one table, and the ``?`` overlay that lists them.

The menus and the overlay are built from :data:`SHORTCUTS`, so a key can never be in one and
missing from the other.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.ui.diff_view import plain_label

# (action id, key, label, menu)
SHORTCUTS: tuple[tuple[str, str, str, str], ...] = (
    ("add", "Ctrl+O", "Add an artifact file or NAME==VERSION to the queue", "File"),
    ("export_evidence", "Ctrl+Shift+E", "Export the item's evidence report (HTML)", "File"),
    ("quit", "Ctrl+Q", "Quit Vetbench", "File"),
    ("next_item", "J", "Next item in the queue", "Queue"),
    ("prev_item", "K", "Previous item in the queue", "Queue"),
    ("filter", "/", "Filter the queue by name (Enter or Esc returns)", "Queue"),
    ("refresh", "F5", "Reload the queue", "Queue"),
    ("next_change", "N", "Next change in the file", "Review"),
    ("prev_change", "P", "Previous change in the file", "Review"),
    ("next_hit", "]", "Next capability hit (on into the next file)", "Review"),
    ("prev_hit", "[", "Previous capability hit (back into the previous file)", "Review"),
    ("next_file", "Alt+Down", "Next file of the release", "Review"),
    ("prev_file", "Alt+Up", "Previous file of the release", "Review"),
    ("label_hit", "X", "Confirm / dismiss / clear the current hit", "Review"),
    ("evidence", "E", "Add the selected lines as evidence", "Review"),
    ("release_file", "A", "Pick the release file (sdist, each wheel)", "Review"),
    ("find", "Ctrl+F", "Find in this file (Enter next, Shift+Enter previous, Esc)", "Review"),
    ("search_release", "Ctrl+Shift+F", "Search the whole release (text or regex)", "Review"),
    ("malicious", "M", "Malicious, with the form's action (none unless chosen)", "Decide"),
    ("benign", "B", "Benign · not malware", "Decide"),
    ("indeterminate", "I", "Indeterminate (needs a second review)", "Decide"),
    ("quarantine_release", "1", "Malicious · quarantine release", "Decide"),
    ("quarantine_project", "2", "Malicious · quarantine project", "Decide"),
    ("remove_release", "3", "Malicious · remove release (asks the reason)", "Decide"),
    ("remove_project", "4", "Malicious · remove project (asks the reason)", "Decide"),
    ("not_malware", "0", "Benign · not malware (as b)", "Decide"),
    ("skip", "S", "Skip this item for now", "Decide"),
    ("reason", "R", "Write the reason (Ctrl+Enter records, Esc returns)", "Decide"),
    ("undo", "Ctrl+Z", "Undo the last decision, campaign decision or skip", "Decide"),
    ("campaign", "C", "Show the item's campaign (decide all its members at once)", "Decide"),
    ("report_pypi", "Ctrl+Shift+P", "Report to PyPI as an Observation (dry run first)", "Decide"),
    ("focus_queue", "Ctrl+1", "Go to the queue", "View"),
    ("focus_files", "Ctrl+2", "Go to the file list", "View"),
    ("focus_diff", "Ctrl+3", "Go to the diff", "View"),
    ("focus_capabilities", "Ctrl+4", "Go to the capabilities and threats", "View"),
    ("focus_decision", "Ctrl+5", "Go to the decision form (action)", "View"),
    ("wrap", "Alt+Z", "Wrap long lines in the diff on / off", "View"),
    ("zoom_in", "Ctrl++", "Bigger diff text (both sides; Ctrl+wheel too)", "View"),
    ("zoom_out", "Ctrl+-", "Smaller diff text (both sides)", "View"),
    ("zoom_reset", "Ctrl+0", "Default diff text size", "View"),
    ("theme", "Ctrl+Shift+T", "Switch theme: system / light / dark", "View"),
    ("help", "?", "Keyboard shortcuts: show or hide this list (F1 too)", "Help"),
)


def _is_typing_target(widget) -> bool:
    """A widget where a plain letter is text or type-ahead, not a command."""
    if isinstance(widget, QLineEdit | QComboBox | QAbstractSpinBox):
        return True
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    # An open drop-down list: its keys choose an entry.
    return isinstance(widget, QWidget) and widget.window().windowType() == Qt.WindowType.Popup


def back_to_queue_keys(window) -> None:
    """Escape (and Enter in the filter box) leaves a text field or drop-down for the queue,
    so the one-letter keys work again without touching the mouse."""
    back = window.queue.table.setFocus
    d, q = window.decision, window.queue
    for widget, key in (
        (d.reason_edit, "Escape"),
        (d.action_combo, "Escape"),
        (d.kind_combo, "Escape"),
        (d.confidence_combo, "Escape"),
        (q.status_combo, "Escape"),
        (q.risk_combo, "Escape"),
        (q.filter_edit, "Escape"),
        (q.filter_edit, "Return"),
    ):
        shortcut = QShortcut(QKeySequence(key), widget)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(back)


class TypingGuard(QObject):
    """Single-key shortcuts stay quiet while a text field or drop-down has focus (as in Gmail
    and GitHub): typing ``i`` in the Kind drop-down picks ``is_…``, it records no verdict.

    Qt asks the focus widget first with a ShortcutOverride event; accepting it hands the key
    to the widget. Keys with Ctrl/Alt/Meta (Ctrl+Z, Ctrl+1…) still reach their shortcuts.
    """

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.ShortcutOverride:
            return False
        mods = event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier
            | Qt.KeyboardModifier.AltModifier
            | Qt.KeyboardModifier.MetaModifier
        )
        if mods or not event.text().isprintable() or not event.text():
            return False
        if _is_typing_target(obj):
            event.accept()
            return True
        return False

    def install(self) -> None:
        QApplication.instance().installEventFilter(self)

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class ShortcutOverlay(QWidget):
    """A translucent sheet over the window listing every shortcut; any key or click hides it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("shortcutOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        card = QWidget(self)
        card.setObjectName("shortcutCard")
        card.setAutoFillBackground(True)
        grid = QGridLayout(card)
        grid.setContentsMargins(24, 18, 24, 18)
        grid.setHorizontalSpacing(18)
        title = plain_label("Keyboard shortcuts")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        grid.addWidget(title, 0, 0, 1, 4)
        half = (len(SHORTCUTS) + 1) // 2
        for n, (_id, key, label, _menu) in enumerate(SHORTCUTS):
            col = 0 if n < half else 2
            row = 1 + (n if n < half else n - half)
            key_label = plain_label(key)
            key_font = key_label.font()
            key_font.setBold(True)
            key_label.setFont(key_font)
            grid.addWidget(key_label, row, col, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(plain_label(label), row, col + 1)
        self.card = card
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        parent.installEventFilter(self)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            focus = QApplication.focusWidget()
            self._return_to = focus if focus is not self else None
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
            self.show()
            self.setFocus()

    def hideEvent(self, event) -> None:  # noqa: N802
        """Focus goes back where it was (the queue, the diff…), not to the next widget."""
        super().hideEvent(event)
        back, self._return_to = getattr(self, "_return_to", None), None
        if back is not None:
            back.setFocus(Qt.FocusReason.OtherFocusReason)

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 110))

    def keyPressEvent(self, _event) -> None:  # noqa: N802
        self.hide()

    def mousePressEvent(self, _event) -> None:  # noqa: N802
        self.hide()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(obj.rect())
        return False
