"""The review queue as a Qt table model that pages lazily through the store.

Only the rows the view has asked for are loaded (``canFetchMore``/``fetchMore``, one page of
:data:`PAGE` at a time), so a queue of 100,000 items opens as fast as one of ten. A store
:class:`~app.core.store.records.Change` refreshes just what it touches: fields of the items it
names (``dataChanged`` on their rows), or the loaded window when the order may have moved.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from app.core.campaigns import grouping as campaigns
from app.core.store.records import OPEN_STATUSES, QueueItem
from app.ui import safe_text
from app.ui.theme import LIGHT, Theme, severity_glyph

PAGE = 200
COLUMNS = (
    "Risk",
    "Eco",
    "Name",
    "Version(s)",
    "Rep",
    "Age",
    "Status",
    "Campaign",
    "Other reviewers",
)
ItemRole = Qt.ItemDataRole.UserRole + 1
STATUS_FILTERS = {
    "All": None,
    "To review": list(OPEN_STATUSES),
    "New": "new",
    "In review": "in_review",
    "Needs 2nd review": "needs_second_review",
    "Decided": "decided",
    "Skipped": "skipped",
}
RISK_FILTERS = {
    "Any risk": None,
    "Low+": "low",
    "Medium+": "medium",
    "High+": "high",
    "Critical": "critical",
}


def age_text(iso: str, now: datetime | None = None) -> str:
    """'5m', '3h', '2d' since ``iso``."""
    try:
        then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return "?"
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def verdict_summary(labels) -> str:
    """'bob: malicious, erin: benign' from external labels (one per reviewer, newest)."""
    seen: dict[str, str] = {}
    for lab in labels:
        verdict = lab.label.get("verdict") if isinstance(lab.label, dict) else None
        if lab.label.get("withdrawn") if isinstance(lab.label, dict) else False:
            continue
        seen[lab.reviewer] = str(verdict or "?")
    return ", ".join(f"{safe_text.one_line(r, 40)}: {v}" for r, v in sorted(seen.items()))


class QueueModel(QAbstractTableModel):
    counts_changed = Signal(int, int)  # shown (filtered total), loaded

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self._store = store
        self._rows: list[QueueItem] = []
        self._others: dict[int, str] = {}
        self._campaigns: dict[int, tuple[int, int]] = {}  # item id -> (campaign id, size)
        self._total = 0
        self._filter: dict = {"status": None, "text": None, "min_risk": None}
        self.theme: Theme = LIGHT

    # ------------------------------------------------------------------ loading

    def set_filter(self, *, text: str | None = None, status=None, min_risk=None) -> None:
        self._filter = {
            "status": status,
            "text": (text or "").strip() or None,
            "min_risk": min_risk,
        }
        self.reload(keep=0)

    def reload(self, keep: int | None = None) -> None:
        """Re-read the first ``keep`` rows (default: as many as are loaded)."""
        want = max(PAGE, len(self._rows) if keep is None else keep)
        self._load_campaigns()
        total = self._store.count_items(**self._filter)
        rows = self._store.list_items(**self._filter, offset=0, limit=want)
        if [r.id for r in rows] == [r.id for r in self._rows]:
            self._total = total
            self._rows = rows
            self._others = {}
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))
        else:
            self.beginResetModel()
            self._rows, self._total, self._others = rows, total, {}
            self.endResetModel()
        self.counts_changed.emit(self._total, len(self._rows))

    def _load_campaigns(self) -> None:
        try:
            self._campaigns = campaigns.memberships(self._store)
        except Exception:  # noqa: BLE001 - a column must never break the table
            self._campaigns = {}

    def campaign_of(self, item_id: int) -> tuple[int, int] | None:
        """(campaign id, size) of an item, as of the last reload."""
        return self._campaigns.get(item_id)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        if parent.isValid():
            return
        more = self._store.list_items(**self._filter, offset=len(self._rows), limit=PAGE)
        if not more:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()
        self.counts_changed.emit(self._total, len(self._rows))

    def apply_change(self, change) -> None:
        """Refresh from a store Change record (Anki's 'what changed' habit)."""
        if not change:
            return
        if change.touches("queue") or change.touches("inbox"):
            self.reload()
            return
        if change.touches("item") or change.touches("external_labels"):
            self._load_campaigns()
            for row, item in enumerate(self._rows):
                if item.id in change.item_ids:
                    try:
                        self._rows[row] = self._store.get_item(item.id)
                    except Exception:  # noqa: BLE001 - deleted meanwhile: reload below
                        self.reload()
                        return
                    self._others.pop(item.id, None)
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # ------------------------------------------------------------------ lookup

    @property
    def total(self) -> int:
        return self._total

    def item_at(self, row: int) -> QueueItem | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, item_id: int) -> int | None:
        for row, item in enumerate(self._rows):
            if item.id == item_id:
                return row
        return None

    def others_for(self, item: QueueItem) -> str:
        if item.id not in self._others:
            try:
                self._others[item.id] = verdict_summary(self._store.external_labels_for(item.id))
            except Exception:  # noqa: BLE001 - a column must never break the table
                self._others[item.id] = ""
        return self._others[item.id]

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        item = self.item_at(index.row())
        if item is None:
            return None
        col = index.column()
        if role == ItemRole:
            return item.id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            # Plain text only: Qt would render a tooltip that looks like HTML as HTML.
            return None
        if role == Qt.ItemDataRole.ForegroundRole and col == 0 and item.risk_level:
            return QBrush(self.theme.severity_color(item.risk_level))
        if role == Qt.ItemDataRole.ForegroundRole and item.status in ("decided", "skipped"):
            return QBrush(QColor(self.theme.muted))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, item: QueueItem, col: int) -> str:
        if col == 0:
            if item.risk_score is None:
                return "–"
            level = item.risk_level or ""
            return f"{severity_glyph(level)} {item.risk_score:.1f} {level}".strip()
        if col == 1:
            return item.ecosystem
        if col == 2:
            return safe_text.one_line(item.project, 120)
        if col == 3:
            return safe_text.one_line(", ".join(item.versions), 60)
        if col == 4:
            return str(item.report_count)
        if col == 5:
            return age_text(item.received_at)
        if col == 6:
            return item.status.replace("_", " ")
        if col == 7:
            membership = self._campaigns.get(item.id)
            return f"C{membership[0]} ({membership[1]})" if membership else ""
        if col == 8:
            return self.others_for(item)
        return ""
