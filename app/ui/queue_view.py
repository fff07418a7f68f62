"""The left pane: filter box, status and risk filters, and the queue table."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.queue_model import COLUMNS, RISK_FILTERS, STATUS_FILTERS, ItemRole, QueueModel

_NAME_COLUMN = COLUMNS.index("Name")
_COLUMN_SAMPLES = (
    "◆ 10.0 critical",
    "pypi",
    "requests-toolbelt",
    "1.17.4",
    "99",
    "23h",
    "needs 2nd review",
    "C12 (30)",
    "ana, bo",
)


class QueueTable(QTableView):
    """The queue's table. Qt makes the first row current when a view without a current row
    gets the keyboard focus; here that would *open* an item nobody chose (after the filter
    hid the open one, Enter in the filter box focuses the table, and the next ``b`` judged the
    first row). The focus leaves the table without a current row; j / k or a click picks one."""

    def focusInEvent(self, event) -> None:  # noqa: N802
        selection = self.selectionModel()
        if self.currentIndex().isValid() or selection is None:
            super().focusInEvent(event)
            return
        blocked = selection.blockSignals(True)
        try:
            super().focusInEvent(event)
            selection.clearCurrentIndex()
        finally:
            selection.blockSignals(blocked)
        self.viewport().update()


class QueueView(QWidget):
    item_selected = Signal(int)  # item id (debounced: arrows held down do not flood workers)
    current_hidden = Signal(int)  # the selected item is no longer in the filtered queue

    def __init__(self, model: QueueModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name  (/)")
        self.filter_edit.setClearButtonEnabled(True)
        for button in self.filter_edit.findChildren(QToolButton):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes on to the status filter
        self.status_combo = QComboBox()
        self.status_combo.addItems(list(STATUS_FILTERS))
        self.risk_combo = QComboBox()
        self.risk_combo.addItems(list(RISK_FILTERS))
        self.table = QueueTable()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.setToolTip("Right-click to choose columns; drag to reorder")
        self.fit_columns()
        self.table.setObjectName("queueTable")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the next pane

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status_combo)
        row.addWidget(self.risk_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 0, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter_edit)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(60)
        self._debounce.timeout.connect(self._emit_selected)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(150)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self.status_combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.risk_combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._debounce.start())
        model.modelReset.connect(self._restore_selection)
        self._last_id: int | None = None

    # ------------------------------------------------------------------ columns

    def fit_columns(self) -> None:
        """Column widths from the font in use, so no header is cut off whatever the
        platform's font: the wider of the header and a typical value."""
        fm = self.table.fontMetrics()
        header_fm = self.table.horizontalHeader().fontMetrics()
        for col, (title, sample) in enumerate(zip(COLUMNS, _COLUMN_SAMPLES, strict=True)):
            width = max(header_fm.horizontalAdvance(title) + 18, fm.horizontalAdvance(sample) + 12)
            self.table.setColumnWidth(col, width)

    def _header_menu(self, pos) -> None:
        """Right-click on the header: show or hide columns (Name always stays)."""
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        for col, title in enumerate(COLUMNS):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(col))
            action.setEnabled(col != _NAME_COLUMN)
            action.toggled.connect(lambda on, c=col: header.setSectionHidden(c, not on))
        menu.addSeparator()
        menu.addAction("Reset columns", self.reset_columns)
        menu.popup(header.mapToGlobal(pos))

    def reset_columns(self) -> None:
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionHidden(col, False)
            header.moveSection(header.visualIndex(col), col)
        self.fit_columns()

    def header_state(self) -> QByteArray:
        return self.table.horizontalHeader().saveState()

    def restore_header_state(self, state: QByteArray) -> None:
        header = self.table.horizontalHeader()
        if not header.restoreState(state) or header.isSectionHidden(_NAME_COLUMN):
            self.reset_columns()

    # ------------------------------------------------------------------ filters

    def apply_filter(self) -> None:
        self._last_id = self.current_item_id() or self._last_id
        self.model.set_filter(
            text=self.filter_edit.text(),
            status=STATUS_FILTERS[self.status_combo.currentText()],
            min_risk=RISK_FILTERS[self.risk_combo.currentText()],
        )

    # ------------------------------------------------------------------ selection

    def selection_pending(self) -> bool:
        """A selection change is waiting for its debounce (not yet announced)."""
        return self._debounce.isActive()

    def current_item_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.data(index, ItemRole) if index.isValid() else None

    def _emit_selected(self) -> None:
        item_id = self.current_item_id()
        if item_id is not None:
            self._last_id = item_id
            self.item_selected.emit(item_id)

    def select_item(self, item_id: int, now: bool = True) -> bool:
        row = self.model.row_of(item_id)
        while row is None and self.model.canFetchMore():
            self.model.fetchMore()
            row = self.model.row_of(item_id)
        if row is None:
            return False
        self.select_row(row)
        if now:
            self._debounce.stop()
            self._emit_selected()
        return True

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 2)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def select_next(self, step: int = 1) -> bool:
        """Move to the next (or previous) item; fetches the next page at the end."""
        index = self.table.currentIndex()
        row = (index.row() if index.isValid() else -1) + step
        if row >= self.model.rowCount() and self.model.canFetchMore():
            self.model.fetchMore()
        if 0 <= row < self.model.rowCount():
            self.select_row(row)
            return True
        return False

    def _restore_selection(self) -> None:
        if self._last_id is None:
            return
        row = self.model.row_of(self._last_id)
        if row is not None:
            self.select_row(row)
        else:
            self.current_hidden.emit(self._last_id)
