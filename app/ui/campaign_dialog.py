"""The campaign view: every queue item that carries the same payload, decided at once.

A campaign decision is applied member by member (each gets its own decision and log entry,
so one member can still be undone alone), only after a confirmation that lists the members.
The dialog asks; the window does the store work on its single store lane.

By keys: Alt+M / Alt+B decide every undecided member (Y confirms, N or Esc does not), Alt+U
undoes the last campaign decision, Esc closes; Tab leaves the member table for the buttons.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.ui import safe_text
from app.ui.diff_view import plain_label

MAX_LISTED = 40  # members named in the confirmation; the rest are counted


class CampaignDialog(QDialog):
    """Shows one campaign (as :meth:`app.core.campaigns.grouping.Campaign.to_json` describes it)."""

    decide_requested = Signal(int, str)  # campaign id, verdict
    undo_requested = Signal(int)  # campaign id
    item_requested = Signal(int)  # open this member in the window

    def __init__(self, doc: dict, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.setWindowTitle(f"Campaign C{doc['id']}")
        self.setObjectName("campaignDialog")
        self.resize(720, 460)
        layout = QVBoxLayout(self)
        undecided = len(doc["undecided"])
        summary = f"{doc['size']} items share a payload; {undecided} undecided."
        if doc["decided_malicious"]:
            summary += " A member was judged malicious."
        layout.addWidget(plain_label(summary))
        if doc["capabilities"]:
            layout.addWidget(plain_label("Shared capabilities: " + ", ".join(doc["capabilities"])))
        indicators = [v for values in doc["iocs"].values() for v in values]
        if indicators:
            shown = ", ".join(safe_text.visible(v) for v in indicators[:12])
            more = f" (+{len(indicators) - 12} more)" if len(indicators) > 12 else ""
            label = plain_label(f"Indicators: {shown}{more}")
            label.setWordWrap(True)
            layout.addWidget(label)

        self.table = QTableWidget(len(doc["members"]), 5)
        self.table.setObjectName("campaignMembers")
        self.table.setHorizontalHeaderLabels(["#", "Eco", "Name", "Version(s)", "Verdict"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)  # Tab reaches the buttons (it was stuck in here)
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, member in enumerate(doc["members"]):
            values = [
                str(member["id"]),
                member.get("ecosystem", ""),
                safe_text.one_line(member.get("project", ""), 120),
                safe_text.one_line(", ".join(member.get("versions", [])), 60),
                member.get("verdict") or "undecided",
            ]
            for col, value in enumerate(values):
                cell = QTableWidgetItem(value)  # QTableWidgetItem text is always plain
                cell.setData(Qt.ItemDataRole.UserRole, member["id"])
                self.table.setItem(row, col, cell)
        self.table.resizeColumnsToContents()
        self.table.cellDoubleClicked.connect(
            lambda row, _col: self.item_requested.emit(int(self.table.item(row, 0).text()))
        )
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.malicious_button = QPushButton(f"&Malicious for {undecided} undecided…")
        self.benign_button = QPushButton(f"&Benign for {undecided} undecided…")
        self.undo_button = QPushButton("&Undo the last campaign decision")
        close = QPushButton("Close")
        for button in (self.malicious_button, self.benign_button):
            button.setEnabled(undecided > 0)
        self.malicious_button.clicked.connect(lambda: self._confirm("malicious"))
        self.benign_button.clicked.connect(lambda: self._confirm("benign"))
        self.undo_button.clicked.connect(lambda: self.undo_requested.emit(doc["id"]))
        close.clicked.connect(self.reject)
        for button in (self.malicious_button, self.benign_button, self.undo_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def confirmation_text(self, verdict: str) -> str:
        """What the confirmation lists: every undecided member (plain text)."""
        members = {m["id"]: m for m in self.doc["members"]}
        lines = []
        for item_id in self.doc["undecided"][:MAX_LISTED]:
            m = members.get(item_id, {})
            lines.append(
                f"#{item_id}  {m.get('ecosystem', '')}:"
                f"{safe_text.one_line(m.get('project', ''), 80)} "
                f"{safe_text.one_line(', '.join(m.get('versions', [])), 40)}"
            )
        extra = len(self.doc["undecided"]) - MAX_LISTED
        if extra > 0:
            lines.append(f"… and {extra} more")
        return (
            f"Record '{verdict}' for these {len(self.doc['undecided'])} items of campaign "
            f"C{self.doc['id']}? Each gets its own decision and log entry.\n\n" + "\n".join(lines)
        )

    def _confirm(self, verdict: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            f"Decide campaign C{self.doc['id']}",
            "",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(self.confirmation_text(verdict))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        if box.exec() == QMessageBox.StandardButton.Yes:
            self.decide_requested.emit(self.doc["id"], verdict)
            self.accept()
