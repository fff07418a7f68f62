"""The release's files: status icon, path, lines added/removed, hit counts.

Order comes from :func:`app.workflows.release.order_files` (files with added hits first), so
the moderator reads the suspicious files first. Paths from the package are shown through
:func:`app.ui.safe_text.one_line` (no control or bidi characters reach the widget).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from app.core.capabilities.model import severity_rank
from app.ui import safe_text
from app.ui.icons import icon
from app.ui.theme import LIGHT, severity_glyph

PathRole = Qt.ItemDataRole.UserRole + 2


class FileTree(QTreeWidget):
    file_selected = Signal(int)  # index into bundle.files

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["File", "+/−", "Hits"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setObjectName("fileTree")
        self.setColumnWidth(0, 250)
        self.setColumnWidth(1, 64)
        self.theme = LIGHT
        self.currentItemChanged.connect(self._on_current)
        self._filling = False

    def show_bundle(self, bundle, show_unchanged: bool = True) -> None:
        self._filling = True
        self.clear()
        items = []
        for index, fd in enumerate(bundle.files if bundle else []):
            if not show_unchanged and fd.status == "unchanged":
                continue
            path = fd.path
            if fd.old_path and fd.old_path != fd.path and fd.status == "renamed":
                path = f"{fd.old_path} → {fd.path}"
            counts = (
                "bin"
                if fd.binary
                else (f"+{fd.lines_added} −{fd.lines_removed}" if fd.status != "unchanged" else "")
            )
            member_path = fd.new_member.path if fd.new_member is not None else fd.path
            hits = bundle.new_hits.get(member_path, [])
            added = bundle.added_by_path.get(member_path, 0)
            hit_text, top = "", None
            if hits:
                top = max(hits, key=lambda h: severity_rank(h.severity))
                hit_text = f"{severity_glyph(top.severity)} {len(hits)}" + (
                    f" (+{added} new)" if added else ""
                )
            item = QTreeWidgetItem([safe_text.one_line(path, 200), counts, hit_text])
            item.setData(0, PathRole, index)
            item.setIcon(0, icon("binary" if fd.binary else f"status-{fd.status}"))
            if top is not None:
                words = f"{len(hits)} hits, {added} new, worst {top.severity}"
                item.setToolTip(2, words)
                item.setData(2, Qt.ItemDataRole.AccessibleTextRole, words)
                item.setIcon(2, icon("hit"))
                item.setForeground(2, QBrush(self.theme.severity_color(top.severity)))
            if fd.status == "unchanged":
                item.setForeground(0, QBrush(self.palette().placeholderText().color()))
            items.append(item)
        self.addTopLevelItems(items)
        self._filling = False

    def select_index(self, index: int) -> None:
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item.data(0, PathRole) == index:
                self.setCurrentItem(item)
                return

    def current_index(self) -> int | None:
        item = self.currentItem()
        return item.data(0, PathRole) if item is not None else None

    def _on_current(self, current, _previous) -> None:
        if current is not None and not self._filling:
            self.file_selected.emit(current.data(0, PathRole))
