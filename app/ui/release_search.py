"""Ctrl+Shift+F: search the whole release (text or regular expression), matches by file.

Results are grouped under each file; Enter (or a click) on a match opens that file at that
line in the diff, with the find bar set to the same text so every match in the file is
highlighted. Escape closes the window. The search itself is :mod:`app.workflows.search`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from app.errors import UsageError
from app.ui import safe_text
from app.ui.diff_view import plain_label
from app.workflows.search import search_release

TargetRole = Qt.ItemDataRole.UserRole + 5


class ReleaseSearch(QDialog):
    jump = Signal(str, int, bool, str)  # member path, line, old side, the text searched

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Search the release")
        self.setObjectName("releaseSearch")
        self.resize(720, 460)
        self.bundle = None
        self.edit = QLineEdit()
        self.edit.setObjectName("releaseSearchText")
        self.edit.setPlaceholderText("Text or pattern, then Enter (e.g. 203.0.113 or curl.*sh)")
        self.regex = QCheckBox("Rege&x")
        self.status = plain_label("")
        self.results = QTreeWidget()
        self.results.setObjectName("releaseSearchResults")
        self.results.setHeaderLabels(["File / line", "Text"])
        self.results.setColumnWidth(0, 260)
        self.results.setUniformRowHeights(True)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.regex)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self.edit.returnPressed.connect(self.run)
        self.results.itemActivated.connect(self._on_activated)
        self.results.itemClicked.connect(self._on_activated)

    def open_for(self, bundle, text: str = "") -> None:
        self.bundle = bundle
        if text:
            self.edit.setText(text)
        self.show()
        self.raise_()
        self.activateWindow()
        self.edit.setFocus()
        self.edit.selectAll()

    def run(self) -> int:
        """Search and list the matches; returns how many."""
        self.results.clear()
        if self.bundle is None or self.bundle.new is None:
            self.status.setText("No release loaded.")
            return 0
        try:
            matches, truncated = search_release(
                self.bundle, self.edit.text(), regex=self.regex.isChecked()
            )
        except UsageError as exc:
            self.status.setText(str(exc))
            return 0
        groups: dict[tuple[str, bool], QTreeWidgetItem] = {}
        for m in matches:
            key = (m.path, m.old)
            top = groups.get(key)
            if top is None:
                label = safe_text.one_line(m.path, 160) + ("  (baseline)" if m.old else "")
                top = QTreeWidgetItem([label, ""])
                top.setData(0, TargetRole, (m.path, m.line, m.old))
                groups[key] = top
                self.results.addTopLevelItem(top)
            child = QTreeWidgetItem([f"line {m.line}", safe_text.one_line(m.text, 240)])
            child.setData(0, TargetRole, (m.path, m.line, m.old))
            top.addChild(child)
        for top in groups.values():
            top.setText(0, f"{top.text(0)}  ({top.childCount()})")
            top.setExpanded(True)
        files = len({p for p, _old in groups})
        more = " (stopped at the limit)" if truncated else ""
        self.status.setText(f"{len(matches)} match(es) in {files} file(s){more}")
        if matches:
            first = next(iter(groups.values())).child(0)
            self.results.setCurrentItem(first)
            self.results.setFocus()
        return len(matches)

    def _on_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, TargetRole)
        if target:
            path, line, old = target
            self.jump.emit(path, int(line), bool(old), self.edit.text())
