"""What the release adds: capability delta, install-surface delta, metadata.

Capability hits are grouped by capability with severity colours; activating a hit jumps the
diff to its line (``jump`` signal). Everything from the package is shown through
:func:`app.ui.safe_text.one_line` in item views, which never interpret rich text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QTabWidget, QTreeWidget, QTreeWidgetItem

from app.core.capabilities.model import severity_rank
from app.ui import safe_text
from app.ui.theme import LIGHT

HitRole = Qt.ItemDataRole.UserRole + 3


def _tree(headers: list[str], name: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    tree.setUniformRowHeights(True)
    tree.setObjectName(name)
    return tree


class DeltaPanel(QTabWidget):
    jump = Signal(str, int, bool)  # member path, line, old side

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme = LIGHT
        self.caps = _tree(["Capability / place", "Severity"], "capabilityDelta")
        self.caps.setColumnWidth(0, 330)
        self.surface = _tree(["Install surface", "Change", "Detail"], "installSurface")
        self.surface.setColumnWidth(0, 200)
        self.meta = _tree(["Metadata field", "Change", "Old → new"], "metadataDelta")
        self.addTab(self.caps, "Capabilities")
        self.addTab(self.surface, "Install surface")
        self.addTab(self.meta, "Metadata")
        self.setUsesScrollButtons(False)  # every tab in view at 1280 px, labels elided
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.caps.itemActivated.connect(self._on_activated)
        self.caps.itemClicked.connect(self._on_activated)

    def clear_all(self) -> None:
        for tree in (self.caps, self.surface, self.meta):
            tree.clear()

    def show_bundle(self, bundle) -> None:
        self.clear_all()
        diff = bundle.diff if bundle is not None else None
        if diff is None:
            return
        delta = diff.capabilities
        groups: dict[tuple[str, str], list] = {}
        if delta is not None:
            for label, hits in (("added", delta.added), ("removed", delta.removed)):
                for hit in hits:
                    groups.setdefault((label, hit.capability), []).append(hit)
        order = sorted(
            groups,
            key=lambda k: (
                k[0] != "added",
                -max(severity_rank(h.severity) for h in groups[k]),
                k[1],
            ),
        )
        bold = QFont(self.font())
        bold.setBold(True)
        for label, capability in order:
            hits = groups[(label, capability)]
            worst = max(hits, key=lambda h: severity_rank(h.severity)).severity
            sign = "+" if label == "added" else "−"
            top = QTreeWidgetItem([f"{sign}{len(hits)}  {capability}", worst])
            top.setFont(0, bold)
            top.setForeground(1, QBrush(self.theme.severity_color(worst)))
            for hit in sorted(hits, key=lambda h: (h.path, h.line)):
                child = QTreeWidgetItem(
                    [
                        f"{safe_text.one_line(hit.path, 120)}:{hit.line}  "
                        f"{safe_text.one_line(hit.match, 80)}",
                        hit.severity,
                    ]
                )
                child.setForeground(1, QBrush(self.theme.severity_color(hit.severity)))
                child.setData(0, HitRole, (hit.path, hit.line, label == "removed"))
                top.addChild(child)
            self.caps.addTopLevelItem(top)
            top.setExpanded(label == "added")
        if delta is not None and not groups:
            self.caps.addTopLevelItem(
                QTreeWidgetItem(
                    [f"No capability added or removed ({delta.unchanged_count} unchanged)", ""]
                )
            )
        for change in diff.install_surface:
            what = change.name or change.path or ""
            detail = change.detail or (
                f"{change.old or ''} → {change.new or ''}" if (change.old or change.new) else ""
            )
            self.surface.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        f"{change.kind}: {safe_text.one_line(what, 120)}",
                        change.change,
                        safe_text.one_line(detail, 300),
                    ]
                )
            )
        if not diff.install_surface:
            self.surface.addTopLevelItem(QTreeWidgetItem(["No install-surface change", "", ""]))
        for row in diff.metadata:
            self.meta.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        safe_text.one_line(row.get("field", ""), 80),
                        str(row.get("change", "")),
                        f"{safe_text.one_line(row.get('old') or '', 120)} → "
                        f"{safe_text.one_line(row.get('new') or '', 120)}",
                    ]
                )
            )
        added = len(delta.added) if delta else 0
        removed = len(delta.removed) if delta else 0
        self.setTabText(0, f"Capabilities (+{added} −{removed})")
        self.setTabText(1, f"Install surface ({len(diff.install_surface)})")

    def _on_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, HitRole)
        if target:
            path, line, old = target
            self.jump.emit(path, int(line), bool(old))
