"""The first-run page: while the store holds no item, the window says how to fill it.

An empty queue, an empty release view and an empty form tell a new moderator nothing. Until
the first item arrives the panes are replaced by one page: how to add a package (File → Add,
or ``vetbench queue add`` in a terminal, with this store's ``--db``), how to open the demo, and
which inbox folder reports are picked up from. The panes come back by themselves as soon as
an item lands (added here, by the inbox watcher, or by another process).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from app import config
from app.ui.diff_view import plain_label


def first_run_text(db_path: Path | None, inbox: Path | None) -> str:
    default_db = config.default_db_path()
    db = f" --db {db_path}" if db_path is not None and Path(db_path) != default_db else ""
    lines = [
        "Add a package to review:",
        "  • File → Add… (Ctrl+O): a release file (.whl, .tar.gz, .tgz, .zip) or NAME==VERSION,",
        "    fetched from PyPI or npm with the release before it as the baseline.",
        "  • Or in a terminal:",
        f"      vetbench queue add PATH/TO/RELEASE.whl{db}",
        f"      vetbench queue add NAME==VERSION{db}",
        "",
        "Try it first: File → Open demo — eleven inert, hand-made packages shaped like real",
        "attacks (every address is a test address).",
        "",
    ]
    if inbox is not None:
        lines += [
            "Reports dropped into the inbox folder appear here by themselves:",
            f"      {inbox}",
            "",
        ]
    lines.append("Press ? (or F1) for every keyboard shortcut.")
    return "\n".join(lines)


class FirstRunPage(QWidget):
    def __init__(self, text: str, parent=None):
        super().__init__(parent)
        self.setObjectName("firstRunPage")
        title = plain_label("The queue is empty")
        title.setObjectName("firstRunTitle")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        title.setFont(font)
        self.text = plain_label(text)
        self.text.setObjectName("firstRunText")
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.add_button = QPushButton("Add a package…  (Ctrl+O)")
        self.add_button.setAccessibleName("Add a package to the queue")
        self.demo_button = QPushButton("Open the demo")
        self.demo_button.setAccessibleName("Open the demo queue")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(title)
        column.addSpacing(8)
        column.addWidget(self.text)
        column.addSpacing(8)
        column.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column)
        outer.addStretch(2)
        outer.setContentsMargins(24, 48, 24, 24)
        outer.setAlignment(column, Qt.AlignmentFlag.AlignTop)


class FirstRun(QObject):
    """Swaps the panes for :class:`FirstRunPage` while the store is empty."""

    def __init__(self, window, panes: QWidget, *, inbox: Path | None):
        super().__init__(window)
        self.w = window
        self.stack = QStackedWidget()
        self.page = FirstRunPage(first_run_text(window.store.path, inbox))
        self.stack.addWidget(panes)
        self.stack.addWidget(self.page)
        self.page.add_button.clicked.connect(lambda: window.actions["add"].trigger())
        self.page.demo_button.clicked.connect(lambda: window.actions["open_demo"].trigger())
        window.queue_model.counts_changed.connect(self.update)

    @property
    def showing(self) -> bool:
        return self.stack.currentWidget() is self.page

    def update(self, shown: int = 0, _loaded: int = 0) -> None:
        try:
            empty = shown == 0 and self.w.store.count_items() == 0
        except Exception:  # noqa: BLE001 - a dead store is reported elsewhere; keep the panes
            empty = False
        if empty and not self.showing:
            self.stack.setCurrentWidget(self.page)
            self.page.add_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif not empty and self.showing:
            self.stack.setCurrentIndex(0)
            self.w.queue.table.setFocus(Qt.FocusReason.OtherFocusReason)
