"""What the release adds: threats, capability delta, install-surface delta, metadata.

The first tab reads top-down the way a moderator judges: the **threats** of the file under
review first (those new against the baseline before those the baseline had too), each with
its severity, id and plain-words explanation and its steps as rows (capability · path:line);
then the capability hits grouped by capability with severity colours, as facts. Activating a
step or a hit (click, or Enter on the row) jumps the diff to its line and makes that hit the
current one, so ``x`` labels it (``jump`` signal: path, line, old side, capability).
A hit the moderator labelled (``x``) carries its glyph and colour on its rows (✓ confirmed,
✗ dismissed) and says so to a screen reader, updated the moment the label changes.
Everything from the package is shown through :func:`app.ui.safe_text.one_line` in item
views, which never interpret rich text.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHeaderView, QTabWidget, QTreeWidget, QTreeWidgetItem

from app.core.capabilities.model import severity_rank
from app.ui import safe_text
from app.ui.hit_marks import GLYPHS, label_color, label_key, spoken, step_label
from app.ui.theme import LIGHT

HitRole = Qt.ItemDataRole.UserRole + 3  # (path, line, old side) of a row that jumps
CapabilityRole = Qt.ItemDataRole.UserRole + 4  # which hit of that line the row stands for
ThreatRole = Qt.ItemDataRole.UserRole + 5  # threat id of a threat's row
LabelKeyRole = Qt.ItemDataRole.UserRole + 6  # the hit's label key (capability rows)
PlainTextRole = Qt.ItemDataRole.UserRole + 7  # the row's text without a label glyph


def _tree(headers: list[str], name: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    tree.setUniformRowHeights(True)
    tree.setObjectName(name)
    return tree


class DeltaPanel(QTabWidget):
    jump = Signal(str, int, bool, str)  # member path, line, old side, capability

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme = LIGHT
        self.caps = _tree(["Threat · capability / place", "Severity"], "capabilityDelta")
        self.caps.setUniformRowHeights(False)  # a threat's explanation wraps onto more lines
        self.caps.setWordWrap(True)
        header = self.caps.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        # A threat's explanation wraps to the pane: its row is measured again whenever the
        # column's width changes (the view alone would keep one line and cut it).
        header.sectionResized.connect(lambda *_: self._fit_explanations())
        self._explanations: list[QTreeWidgetItem] = []
        self.hit_labels: dict = {}  # hit key -> "confirmed"/"dismissed"
        # A narrow pane cuts the middle of "capability · path:line", never the line number.
        self.caps.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.surface = _tree(["Install surface", "Change", "Detail"], "installSurface")
        self.surface.setColumnWidth(0, 200)
        self.meta = _tree(["Metadata field", "Change", "Old → new"], "metadataDelta")
        self.addTab(self.caps, "Threats · capabilities")
        self.addTab(self.surface, "Install surface")
        self.addTab(self.meta, "Metadata")
        self.setUsesScrollButtons(False)  # every tab in view at 1280 px, labels elided
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.caps.itemActivated.connect(self._on_activated)
        self.caps.itemClicked.connect(self._on_activated)

    def clear_all(self) -> None:
        self._explanations = []
        for tree in (self.caps, self.surface, self.meta):
            tree.clear()
        self.setTabText(0, "Threats · capabilities")  # no counts of a release not shown
        self.setTabText(1, "Install surface")

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
        threats = getattr(bundle, "threats", None) or []
        self._show_threats(bundle, threats, bold)
        if delta is not None:
            added = len(delta.added)
            caption = QTreeWidgetItem(
                [f"Capabilities: +{added} added, −{len(delta.removed)} removed", ""]
            )
            caption.setFont(0, bold)
            caption.setFlags(Qt.ItemFlag.ItemIsEnabled)
            caption.setForeground(0, QBrush(QColor(self.theme.muted)))
            self.caps.addTopLevelItem(caption)
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
                child.setData(0, CapabilityRole, hit.capability)
                child.setData(0, LabelKeyRole, label_key(hit))
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
        self.setTabText(0, f"Threats {len(threats)} · +{added} −{removed}")
        self.setTabText(1, f"Install surface ({len(diff.install_surface)})")
        self._show_labels()

    def set_hit_labels(self, labels: dict) -> None:
        """The moderator's hit labels changed: every row of a labelled hit shows it now."""
        self.hit_labels = labels
        self._show_labels()

    def hit_rows(self):
        """Every row that stands for one hit (capability rows and threat steps)."""
        stack = [self.caps.topLevelItem(i) for i in range(self.caps.topLevelItemCount())]
        while stack:
            item = stack.pop()
            stack.extend(item.child(i) for i in range(item.childCount()))
            if item.data(0, HitRole):
                yield item

    def row_label(self, item: QTreeWidgetItem) -> str | None:
        key = item.data(0, LabelKeyRole)
        if key:
            return self.hit_labels.get(tuple(key))
        path, line, _old = item.data(0, HitRole)
        return step_label(self.hit_labels, str(item.data(0, CapabilityRole)), path, int(line))

    def _show_labels(self) -> None:
        for item in self.hit_rows():
            plain = item.data(0, PlainTextRole)
            if plain is None:
                plain = item.text(0)
                item.setData(0, PlainTextRole, plain)
            label = self.row_label(item)
            item.setText(0, f"{GLYPHS[label]} {plain}" if label else plain)
            color = QBrush(label_color(self.theme, label)) if label else None
            item.setData(0, Qt.ItemDataRole.ForegroundRole, color)
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{plain}, {spoken(label)}")

    def _show_threats(self, bundle, threats: list, bold: QFont) -> None:
        """One row per threat (new against the baseline first), its explanation and its
        steps below it; every step row jumps to its line."""
        QTimer.singleShot(0, self._fit_explanations)  # once the rows are in the tree
        added = getattr(bundle, "added_threats", frozenset())
        hits = getattr(bundle, "new_hits", {}) or {}
        if not threats:
            none = QTreeWidgetItem(["No threat: the capabilities below are information", ""])
            none.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.caps.addTopLevelItem(none)
            return
        for threat in threats:
            new = threat in added
            top = QTreeWidgetItem([f"{'NEW  ' if new else ''}⚠ {threat.id}", threat.severity])
            top.setFont(0, bold)
            top.setForeground(1, QBrush(self.theme.severity_color(threat.severity)))
            why = safe_text.one_line(threat.explanation, 300)
            top.setToolTip(0, why)
            top.setData(0, ThreatRole, threat.id)
            explanation = QTreeWidgetItem([why, ""])
            explanation.setFlags(Qt.ItemFlag.ItemIsEnabled)
            top.addChild(explanation)
            self._explanations.append(explanation)
            for step in threat.steps:
                hit = next(
                    (
                        h
                        for h in hits.get(step.path, ())
                        if h.capability == step.capability and h.line == step.line
                    ),
                    None,
                )
                severity = hit.severity if hit is not None else ""
                row = QTreeWidgetItem(
                    [
                        f"{step.capability} · {safe_text.one_line(step.path, 120)}:{step.line}",
                        severity,
                    ]
                )
                if severity:
                    row.setForeground(1, QBrush(self.theme.severity_color(severity)))
                if hit is not None and hit.decoded:
                    row.setToolTip(0, f"decoded → {safe_text.one_line(hit.decoded, 300)}")
                row.setData(0, HitRole, (step.path, step.line, False))
                row.setData(0, CapabilityRole, step.capability)
                top.addChild(row)
            self.caps.addTopLevelItem(top)
            top.setExpanded(True)

    def _fit_explanations(self) -> None:
        if not self._explanations:
            return
        metrics = self.caps.fontMetrics()
        width = max(80, self.caps.columnWidth(0) - 2 * self.caps.indentation() - 8)
        for item in self._explanations:
            box = metrics.boundingRect(
                QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, item.text(0)
            )
            item.setSizeHint(0, QSize(width, box.height() + 4))
        self.caps.doItemsLayout()

    def _on_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, HitRole)
        if target:
            path, line, old = target
            self.jump.emit(path, int(line), bool(old), str(item.data(0, CapabilityRole) or ""))
