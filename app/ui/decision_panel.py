"""The right pane: one key per verdict, the PyPI admin fields, evidence and hit labels.

The panel collects; it never writes. The window turns :meth:`build_decision` into a store
write on the store lane and refreshes from the returned Change. The panel enforces what the
admins' form enforces before anything is sent: a written reason before any remove action.
"""

from __future__ import annotations

import json
import time

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextOption
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.decisions import (
    ACTIONS,
    CONFIDENCES,
    KINDS,
    REMOVING_ACTIONS,
    Decision,
    DecisionError,
    Evidence,
    HitLabel,
    check_verdict_action,
    now_iso,
)
from app.core.text import terminal_text
from app.ui import safe_text
from app.ui.diff_view import plain_label
from app.ui.hit_marks import GLYPHS, label_key
from app.ui.icons import icon

VERDICT_KEYS = (("malicious", "M"), ("benign", "B"), ("indeterminate", "I"))
DEFAULT = "(default for verdict)"
# PyPI administrators' actions on one key each: (preset id, key, verdict, action).
PRESETS = (
    ("quarantine_release", "1", "malicious", "quarantine_release"),
    ("quarantine_project", "2", "malicious", "quarantine_project"),
    ("remove_release", "3", "malicious", "remove_release"),
    ("remove_project", "4", "malicious", "remove_project"),
    ("not_malware", "0", "benign", "not_malware"),
)
# Button text short enough for two columns in a narrow pane; the tooltip says it in full.
_SHORT = {
    "quarantine_release": "Quar. release",
    "quarantine_project": "Quar. project",
    "remove_release": "Rm release",
    "remove_project": "Rm project",
    "not_malware": "Not malware",
}


def describe(verdict: str, action: str | None) -> str:
    """'malicious · quarantine release': what a key records, as the status line says it."""
    from app.core.decisions import default_action

    return f"{verdict} · {(action or default_action(verdict)).replace('_', ' ')}"


class DecisionPanel(QWidget):
    verdict_requested = Signal(str)  # malicious | benign | indeterminate
    skip_requested = Signal()
    undo_requested = Signal()
    evidence_requested = Signal()
    preset_requested = Signal(str)  # a PRESETS id
    commit_requested = Signal(str, str)  # Ctrl+Enter in the reason: (verdict, action) waiting
    hit_labels_changed = Signal(object)  # {hit key: "confirmed"/"dismissed"}, for the views

    def __init__(self, parent=None):
        super().__init__(parent)
        self.item = None
        # The per-item clock runs from when the item's diff is painted (start_clock), not from
        # its selection: a big release's load time is not the moderator's reading time.
        self._selected = time.monotonic()
        self._selected_iso: str | None = None
        self._started: float | None = None
        self._started_iso: str | None = None
        self.hit_labels: dict[tuple, HitLabel] = {}
        self.evidence: list[Evidence] = []
        self.current_hit = None
        # Per-item drafts of the form (reason, action, kind, labels, evidence) until decided.
        self.drafts: dict[int, dict] = {}
        # A preset waiting for its reason: (verdict, action); Ctrl+Enter in the reason records.
        self.pending: tuple[str, str] | None = None

        self.item_label = plain_label("No item selected")
        self.item_label.setWordWrap(True)
        self.item_label.setObjectName("decisionItem")
        self.status_label = plain_label("")
        self.status_label.setWordWrap(True)
        self.status_label.setObjectName("decisionStatus")

        buttons = QGridLayout()
        self.verdict_buttons: dict[str, QPushButton] = {}
        for n, (verdict, key) in enumerate((*VERDICT_KEYS, ("skip", "S"))):
            button = QPushButton(f"{verdict.capitalize()}  ({key.lower()})")
            button.setIcon(icon(f"verdict-{verdict}"))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if verdict == "skip":
                button.clicked.connect(self.skip_requested.emit)
            else:
                button.clicked.connect(lambda _c=False, v=verdict: self.verdict_requested.emit(v))
            buttons.addWidget(button, n // 2, n % 2)
            self.verdict_buttons[verdict] = button
        presets = QGridLayout()
        self.preset_buttons: dict[str, QPushButton] = {}
        for n, (preset, key, verdict, action) in enumerate(PRESETS):
            button = QPushButton(f"{_SHORT[action]}  ({key})")
            button.setToolTip(f"Records {describe(verdict, action)}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, p=preset: self.preset_requested.emit(p))
            presets.addWidget(button, n // 2, n % 2)
            self.preset_buttons[preset] = button

        self.action_combo = QComboBox()
        self.action_combo.addItems([DEFAULT, *ACTIONS])
        self.kind_combo = QComboBox()
        self.kind_combo.addItems([DEFAULT, *KINDS])
        self.confidence_combo = QComboBox()
        self.confidence_combo.addItems(list(CONFIDENCES))
        self.confidence_combo.setCurrentText("medium")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText("Reason (required for remove actions)")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setMaximumHeight(70)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            commit = QShortcut(QKeySequence(key), self.reason_edit)
            commit.setContext(Qt.ShortcutContext.WidgetShortcut)
            commit.activated.connect(self._commit_pending)
        self.keep_action = QCheckBox("Keep the action for the next item")
        self.keep_action.setObjectName("keepAction")
        form = QFormLayout()
        form.addRow(plain_label("Action"), self.action_combo)
        form.addRow(plain_label("Kind"), self.kind_combo)
        form.addRow(plain_label("Confidence"), self.confidence_combo)
        self.error_label = plain_label("")
        self.error_label.setObjectName("decisionError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c9372c; font-weight: bold;")

        self.hit_label = plain_label("No current hit — ] / [ to move between hits")
        self.hit_label.setWordWrap(True)
        # What the current hit means: plain words, where it runs, the threats it is a step of
        # and, for a hit in decoded data, what it decoded to. Plain text that wraps anywhere:
        # a decoded blob without spaces must not widen the pane.
        self.hit_details = QPlainTextEdit()
        self.hit_details.setObjectName("hitDetails")
        self.hit_details.setReadOnly(True)
        self.hit_details.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.hit_details.setTabChangesFocus(True)
        self.hit_details.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._fit_hit_details()
        self.hit_details.hide()
        self.bundle = None  # the release shown: which threats a hit is a step of
        self.hit_list = QListWidget()
        self.hit_list.setObjectName("hitLabels")
        self.hit_list.setMaximumHeight(90)
        self.evidence_list = QListWidget()
        self.evidence_list.setObjectName("evidenceList")
        self.evidence_list.setMaximumHeight(80)
        add_evidence = QPushButton("Add selected lines as evidence  (e)")
        add_evidence.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        add_evidence.clicked.connect(self.evidence_requested.emit)
        hits_box = QGroupBox("Hits and evidence")
        hits_layout = QVBoxLayout(hits_box)
        hits_layout.addWidget(self.hit_label)
        hits_layout.addWidget(self.hit_details)
        x_help = plain_label("x: confirm → dismiss → clear")
        x_help.setToolTip("x confirms the current hit, x again dismisses it, a third x clears")
        x_help.setWordWrap(True)
        hits_layout.addWidget(x_help)
        hits_layout.addWidget(self.hit_list)
        hits_layout.addWidget(add_evidence)
        hits_layout.addWidget(self.evidence_list)

        self.others_label = plain_label("")
        self.others_label.setWordWrap(True)
        self.others_label.setObjectName("otherReviewers")
        others_box = QGroupBox("Other reviewers")
        QVBoxLayout(others_box).addWidget(self.others_label)

        self.undo_button = QPushButton("Undo last decision or skip  (Ctrl+Z)")
        self.undo_button.setIcon(icon("undo"))
        self.undo_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.undo_button.clicked.connect(self.undo_requested.emit)
        self.auto_advance = QCheckBox("Advance to the next undecided item below")
        self.auto_advance.setChecked(True)
        self.timer_label = plain_label("")
        self.timer_label.setObjectName("secondsSpent")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.item_label)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        layout.addLayout(presets)
        layout.addLayout(form)
        layout.addWidget(self.keep_action)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(hits_box)
        layout.addWidget(others_box)
        layout.addWidget(self.auto_advance)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.timer_label)
        layout.addStretch(1)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_timer)
        self._tick.start()
        self._refresh_lists()

    # ------------------------------------------------------------------ item

    def start_item(self, item, others: list, current: Decision | None) -> None:
        """A new item was selected: keep the form of the one left as its draft, bring back
        the new one's draft (or a clear form), and restart the clock."""
        same = self.item is not None and item is not None and self.item.id == item.id
        if not same:
            self.save_draft()
            self.pending = None
            self.item = item
            self._selected, self._selected_iso = time.monotonic(), now_iso()
            self._started = self._started_iso = None
            self._load_draft(self.drafts.get(item.id) if item is not None else None)
            self.error_label.setText("")
            self.set_current_hit(None)
        self.item = item
        if item is None:
            self.item_label.setText("No item selected")
            self.status_label.setText("")
            self.others_label.setText("")  # not another item's reviewers
            return
        self.item_label.setText(
            f"{safe_text.one_line(item.project, 120)} "
            f"{safe_text.one_line(', '.join(item.versions), 60)}"
        )
        self.show_status(item, current)
        self.show_others(others)
        self._update_timer()
        if not self.hit_labels and current is not None and current.hit_labels:
            # A decided item's stored hit labels are drawn too (read-only: the form stays
            # clear for a new decision, and labelling a hit there starts a fresh draft).
            self.hit_labels_changed.emit(
                {(h.capability, h.path, h.line, h.match): h.label for h in current.hit_labels}
            )

    # ------------------------------------------------------------------ drafts

    def _form(self) -> dict:
        return {
            "reason": self.reason_edit.toPlainText(),
            "action": self.action_combo.currentText(),
            "kind": self.kind_combo.currentText(),
            "confidence": self.confidence_combo.currentText(),
            "hit_labels": [[list(k), h.to_json()] for k, h in self.hit_labels.items()],
            "evidence": [e.to_json() for e in self.evidence],
        }

    def save_draft(self) -> None:
        """Keep what was typed and marked for the item on screen (dropped when decided)."""
        if self.item is None:
            return
        form = self._form()
        blank = not (form["reason"].strip() or form["hit_labels"] or form["evidence"])
        if blank and form["kind"] == DEFAULT and form["confidence"] == "medium":
            self.drafts.pop(self.item.id, None)
        else:
            self.drafts[self.item.id] = form

    def drafts_json(self) -> str:
        """Every item's draft (the one on screen too), for the settings: kept across restarts."""
        self.save_draft()
        return json.dumps({str(k): v for k, v in self.drafts.items()})

    def restore_drafts(self, text: str) -> None:
        try:
            drafts = json.loads(text) if text else {}
            self.drafts = {int(k): dict(v) for k, v in drafts.items()}
        except (ValueError, TypeError, AttributeError):
            self.drafts = {}  # an unreadable settings value loses drafts, never the window

    def drop_draft(self, item_id: int) -> None:
        self.drafts.pop(item_id, None)

    def forget_form(self) -> None:
        """After a decision: the decided item's form is spent (the action stays when "keep
        the action" is ticked), so no draft of it lingers."""
        action = self.action_combo.currentText() if self.keep_action.isChecked() else DEFAULT
        self._load_draft({"action": action})
        self.pending = None

    def draft_from_decision(self, item_id: int, d: Decision) -> None:
        """An undone decision comes back as the item's draft, so the form is as it was."""
        self.drafts[item_id] = {
            "reason": d.reason,
            "action": d.action or DEFAULT,
            "kind": d.kind or DEFAULT,
            "confidence": d.confidence,
            "hit_labels": [
                [[h.capability, h.path, h.line, h.match], h.to_json()] for h in d.hit_labels
            ],
            "evidence": [e.to_json() for e in d.evidence],
        }

    def _load_draft(self, draft: dict | None) -> None:
        keep = self.action_combo.currentText() if self.keep_action.isChecked() else DEFAULT
        draft = draft or {}
        self.reason_edit.setPlainText(draft.get("reason", ""))
        self.action_combo.setCurrentText(draft.get("action", keep))
        self.kind_combo.setCurrentText(draft.get("kind", DEFAULT))
        self.confidence_combo.setCurrentText(draft.get("confidence", "medium"))
        self.hit_labels.clear()
        self.evidence.clear()
        try:
            for key, label in draft.get("hit_labels", ()):
                self.hit_labels[tuple(key)] = HitLabel.from_json(label)
            self.evidence.extend(Evidence.from_json(e) for e in draft.get("evidence", ()))
        except (DecisionError, ValueError, TypeError):
            pass  # a damaged saved draft keeps what it could; the form still opens
        self._refresh_lists()

    def show_status(self, item, current: Decision | None) -> None:
        text = f"Status: {item.status.replace('_', ' ')}"
        if current is not None:
            text += (
                f" — {describe(current.verdict, current.action)} by "
                f"{safe_text.one_line(current.reviewer, 40)}"
            )
        self.status_label.setText(text)

    def show_others(self, labels: list) -> None:
        lines = []
        for lab in labels:
            body = lab.label if isinstance(lab.label, dict) else {}
            if body.get("withdrawn"):
                continue
            line = f"{safe_text.one_line(lab.reviewer, 40)}: {body.get('verdict', '?')}"
            if body.get("action"):
                line += f" / {safe_text.one_line(str(body['action']), 40)}"
            if body.get("reason"):
                line += f" — {safe_text.one_line(str(body['reason']), 120)}"
            lines.append(f"{line}  ({safe_text.one_line(lab.version, 30)})")
        self.others_label.setText(
            "\n".join(lines) if lines else "No other reviewer has labelled it."
        )

    def start_clock(self) -> None:
        """The item's diff is painted: its clock starts (once per item visit)."""
        if self.item is not None and self._started is None:
            self._started, self._started_iso = time.monotonic(), now_iso()
            self._update_timer()

    def clock_started(self) -> bool:
        return self._started is not None

    def seconds_spent(self) -> float:
        """Time on the item since its diff was painted; decided before any paint (a release
        without files, a key pressed while loading), since it was selected."""
        start = self._started if self._started is not None else self._selected
        return round(time.monotonic() - start, 1)

    def _update_timer(self) -> None:
        if self.item is None:
            return
        if self._started is None:
            self.timer_label.setText("The clock starts when the diff is shown")
        else:
            self.timer_label.setText(f"{int(self.seconds_spent())} s on this item")

    # ------------------------------------------------------------------ hits and evidence

    def set_bundle(self, bundle) -> None:
        """The release on screen (None while one loads): the hit panel names its threats."""
        self.bundle = bundle
        if self.current_hit is not None:
            self.set_current_hit(self.current_hit)

    def set_current_hit(self, hit) -> None:
        self.current_hit = hit
        if hit is None:
            self.hit_label.setText("No current hit — ] / [ to move between hits")
            self.hit_details.clear()
            self.hit_details.hide()
        else:
            state = self.hit_labels.get(label_key(hit))
            label = f"  [{state.label}]" if state else ""
            self.hit_label.setText(
                f"Current hit: {hit.capability} ({hit.severity}) at "
                f"{safe_text.one_line(hit.path, 100)}:{hit.line}{label}"
            )
            threats = self.bundle.threats_of(hit) if self.bundle is not None else []
            self.hit_details.setPlainText(hit_details_text(hit, threats))
            self.hit_details.show()
            self._fit_hit_details()

    def _fit_hit_details(self) -> None:
        """The current hit's box as tall as its text, between 3 and :data:`HIT_DETAIL_LINES`
        lines (it scrolls beyond)."""
        box = self.hit_details
        metrics = box.fontMetrics()
        width = max(60, box.viewport().width() - 8)
        flags = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextWrapAnywhere
        needed = metrics.boundingRect(QRect(0, 0, width, 100_000), flags, box.toPlainText())
        line = metrics.lineSpacing()
        lines = min(HIT_DETAIL_LINES, max(3, -(-needed.height() // line)))
        if box.height() != line * lines + 12 or box.minimumHeight() != line * lines + 12:
            box.setFixedHeight(line * lines + 12)
            for widget in (box.parentWidget(), self):  # the labels below move down at once
                if widget is not None and widget.layout() is not None:
                    widget.layout().activate()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_hit_details()

    def cycle_current_hit(self) -> str | None:
        """``x``: unlabelled → confirmed → dismissed → unlabelled. Returns the new label."""
        hit = self.current_hit
        if hit is None:
            return None
        key = label_key(hit)
        before = self.hit_labels.get(key)
        after = {None: "confirmed", "confirmed": "dismissed", "dismissed": None}[
            before.label if before else None
        ]
        if after is None:
            self.hit_labels.pop(key, None)
        else:
            self.hit_labels[key] = HitLabel(
                hit.capability, hit.path, hit.line, after, safe_text.one_line(hit.match, 200)
            )
        self.set_current_hit(hit)
        self._refresh_lists()
        return after

    def add_evidence(self, evidence: Evidence) -> None:
        if evidence not in self.evidence:
            self.evidence.append(evidence)
            self._refresh_lists()

    def _refresh_lists(self) -> None:
        # Empty lists take no room: at 1280×720 the current hit's explanation, threat chain
        # and decoded payload need it more.
        self.hit_list.setVisible(bool(self.hit_labels))
        self.evidence_list.setVisible(bool(self.evidence))
        self.hit_list.clear()
        for lab in self.hit_labels.values():
            self.hit_list.addItem(
                QListWidgetItem(
                    f"{GLYPHS.get(lab.label, '')} {lab.label}: {lab.capability}  "
                    f"{safe_text.one_line(lab.path, 80)}:{lab.line}"
                )
            )
        self.evidence_list.clear()
        for ev in self.evidence:
            rng = (
                f"{ev.line_start}-{ev.line_end}"
                if ev.line_end != ev.line_start
                else f"{ev.line_start}"
            )
            caps = f"  [{', '.join(ev.capabilities)}]" if ev.capabilities else ""
            self.evidence_list.addItem(
                QListWidgetItem(f"{safe_text.one_line(ev.path, 80)}:{rng}{caps}")
            )
        self.hit_labels_changed.emit({k: h.label for k, h in self.hit_labels.items()})

    # ------------------------------------------------------------------ building

    def build_decision(
        self, verdict: str, reviewer: str, action: str | None = None
    ) -> Decision | None:
        """The decision the form describes (``action`` from a preset replaces the form's), or
        ``None`` with the reason shown: a pair the core refuses, or a removal without a written
        reason, in which case the reason field takes focus and Ctrl+Enter records."""
        if action is not None:
            self.action_combo.setCurrentText(action)
        chosen = self.action_combo.currentText()
        chosen = None if chosen == DEFAULT else chosen
        kind = self.kind_combo.currentText()
        kind = None if kind == DEFAULT else kind
        reason = self.reason_edit.toPlainText().strip()
        if chosen in REMOVING_ACTIONS and not reason and verdict == "malicious":
            self.pending = (verdict, chosen)
            self.error_label.setText(
                f"Write the reason for {chosen.replace('_', ' ')}, then Ctrl+Enter records "
                f"{describe(verdict, chosen)} (Esc goes back)."
            )
            self.reason_edit.setFocus()
            return None
        try:
            check_verdict_action(verdict, chosen, reason)
        except DecisionError as exc:
            self.error_label.setText(f"Not recorded: {exc}.")
            return None
        if verdict == "benign" and kind == "is_malware":
            kind = None
        self.pending = None
        self.error_label.setText("")
        return Decision(
            verdict=verdict,
            action=chosen,
            kind=kind,
            reason=reason,
            confidence=self.confidence_combo.currentText(),
            evidence=tuple(self.evidence),
            hit_labels=tuple(self.hit_labels.values()),
            reviewer=reviewer,
            started_at=self._started_iso or self._selected_iso,
            seconds_spent=self.seconds_spent(),
        )

    def _commit_pending(self) -> None:
        if self.pending is not None:
            self.commit_requested.emit(*self.pending)
        else:
            self.commit_requested.emit("", "")

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)


HIT_DETAIL_LINES = 14  # the current hit's box at most; it scrolls beyond

_PLACES = {
    "install": "Runs at install time (setup.py, a .pth file, a build backend).",
    "import": "Runs as soon as the package is imported.",
}


def hit_details_text(hit, threats=()) -> str:
    """The current hit in plain words: its explanation, each threat it is a step of as a
    chain (step → step → step; the hit itself in brackets), for a hit found in decoded data
    ``decoded →`` the decoded text and the layers peeled off, and where it runs. Package text is
    escaped by :func:`app.core.text.terminal_text` (controls, bidi, invisibles as ``\\u202e``)
    and the widget shows plain text only."""
    lines = [safe_text.one_line(hit.explanation, 400)]
    for threat in threats:
        steps = []
        for step in threat.steps:
            where = f":{step.line}" if step.path == hit.path else f" {step.path}:{step.line}"
            text = f"{step.capability}{safe_text.one_line(where, 100)}"
            if (step.capability, step.path, step.line) == (hit.capability, hit.path, hit.line):
                text = f"[{text}]"
            steps.append(text)
        lines.append(f"Threat {threat.id} ({threat.severity}): {' → '.join(steps)}")
    if not threats:
        lines.append("Part of no threat: information on its own.")
    if hit.decoded:
        layers = f" ({terminal_text(hit.layers, one_line=True)})" if hit.layers else ""
        lines.append(f"decoded{layers} →")
        lines.append(terminal_text(hit.decoded))
    if hit.place in _PLACES:
        lines.append(_PLACES[hit.place])
    return "\n".join(lines)
