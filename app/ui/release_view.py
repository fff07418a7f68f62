"""The centre: what the selected item's release changes, and the diff of one file.

Top: a title line naming the file under review, the release-file picker (sdist, each wheel,
the npm tarball, each with its own risk; the riskiest is opened first), the baseline picker
(previous release, last reviewed, last benign, any release at hand, none); a warning banner
when the files of the release disagree in code; the context (why it was reported and by
whom, what was decided, what the project's earlier releases were judged) — on top, not behind
a tab; then the file list and the delta tabs. Bottom: the side-by-side :class:`DiffView`.
The view only shows data handed to it; the window runs the loading in workers and calls
:meth:`show_bundle` / :meth:`show_file` with results that are still current.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.ui import safe_text
from app.ui.delta_panel import DeltaPanel
from app.ui.diff_view import DiffView, plain_label
from app.ui.file_tree import FileTree
from app.ui.release_search import ReleaseSearch
from app.workflows.history import decision_lines

CONTEXT_LINES = 4  # the context pane's height in text lines (it scrolls beyond)


def release_file_label(rf) -> str:
    risk = f"{rf.risk_level} {rf.risk_score:.1f}" if rf.risk_score is not None else "not scanned"
    return f"{rf.kind} · {safe_text.one_line(rf.filename, 90)} · {risk}"


class ReleaseView(QWidget):
    file_requested = Signal(int, bool)  # index into bundle.files, force ("show anyway")
    baseline_changed = Signal(object)  # baseline path or None
    artifact_changed = Signal(str)  # path of the release file to review
    bundle_shown = Signal(object)  # the ReleaseBundle shown (None while loading): its threats

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bundle = None
        self.title = plain_label("")
        self.title.setObjectName("releaseTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.baseline_combo = QComboBox()
        self.baseline_combo.setToolTip("Baseline: the release this one is compared against")
        self.baseline_combo.setMinimumContentsLength(18)
        self.baseline_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.artifact_combo = QComboBox()
        self.artifact_combo.setObjectName("releaseFiles")
        self.artifact_combo.setToolTip("The file of the release under review (its own risk)")
        self.artifact_combo.setMinimumContentsLength(24)
        self.artifact_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.mismatch = plain_label("")
        self.mismatch.setObjectName("releaseMismatch")
        self.mismatch.setWordWrap(True)
        self.mismatch.setStyleSheet(
            "QLabel#releaseMismatch { background: #fff3cd; color: #5c4400;"
            " border: 1px solid #e0b000; padding: 3px 6px; }"
        )
        self.mismatch.hide()
        self.context = QPlainTextEdit()
        self.context.setObjectName("releaseContext")
        self.context.setReadOnly(True)
        self.context.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.context.setPlaceholderText("No report text.")
        line = self.context.fontMetrics().lineSpacing()
        self.context.setFixedHeight(line * CONTEXT_LINES + 10)
        self._context_parts: dict[str, list[str]] = {}
        self.files = FileTree()
        self.delta = DeltaPanel()
        self.diff = DiffView()
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.files)
        top.addWidget(self.delta)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 1)
        self.top_split = top
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(top)
        self.split.addWidget(self.diff)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 5)
        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 6, 0)
        header.addWidget(self.title, 1)
        pickers = QHBoxLayout()
        pickers.setContentsMargins(6, 0, 6, 0)
        pickers.addWidget(plain_label("File"))
        pickers.addWidget(self.artifact_combo, 3)
        pickers.addWidget(plain_label("against"))
        pickers.addWidget(self.baseline_combo, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addLayout(pickers)
        layout.addWidget(self.mismatch)
        layout.addWidget(self.context)
        layout.addWidget(self.split, 1)
        self.files.file_selected.connect(lambda i: self.file_requested.emit(i, False))
        self.diff.show_anyway.connect(self._on_show_anyway)
        self.baseline_combo.activated.connect(self._on_baseline)
        self.artifact_combo.activated.connect(self._on_artifact)
        self.delta.jump.connect(self.jump_to)
        self._pending_jump: tuple[str, int, bool, str] | None = None
        self._search: ReleaseSearch | None = None

    # ------------------------------------------------------------------ showing

    def show_loading(self, item) -> None:
        self.bundle = None
        self.title.setText(
            f"{safe_text.one_line(item.project, 120)} "
            f"{safe_text.one_line(', '.join(item.versions), 60)} — loading…"
        )
        self.files.clear()
        self.delta.clear_all()
        self.mismatch.hide()
        self.diff.show_message("Loading the release…")
        self.bundle_shown.emit(None)

    # ------------------------------------------------------------------ context

    def show_context(self, reports=(), decision=None, history=()) -> None:
        """Why the item is here and what was judged: reports, this item's decision and the
        project's earlier verdicts (shown at once, before the release has loaded)."""
        lines = []
        for rep in reports:
            who = rep.reporter or "unknown reporter"
            lines.append(f"Reported {rep.received_at} by {who} [{rep.source}]")
            if rep.text:
                lines.append(f"    {rep.text}")
        if decision is not None:
            lines += decision_lines(decision)
        if history:
            lines.append("Earlier releases:")
            for past in history:
                action = f"/{past.action}" if past.action else ""
                reason = f" — {past.reason}" if past.reason else ""
                where = " (dataset)" if past.source == "dataset" else ""
                lines.append(
                    f"  {past.version}: {past.verdict}{action} by {past.reviewer}{where}{reason}"
                )
        self._context_parts["item"] = lines
        self._render_context()

    def _render_context(self) -> None:
        lines = self._context_parts.get("item", []) + [
            f"note: {n}" for n in self._context_parts.get("notes", [])
        ]
        self.context.setPlainText(safe_text.visible("\n".join(lines)))

    def context_text(self) -> str:
        return self.context.toPlainText()

    def show_error(self, text: str) -> None:
        self.diff.show_message(text)

    def show_bundle(self, bundle, item, reports=()) -> int | None:
        """Show a loaded release; returns the index of the file to open first (or None)."""
        self.bundle = bundle
        new = bundle.new
        name = safe_text.one_line(item.project, 120)
        version = safe_text.one_line(
            new.version if new and new.version else ", ".join(item.versions), 40
        )
        risk = f"   risk {bundle.risk.score:.1f} {bundle.risk.level}" if bundle.risk else ""
        shown = f" · {safe_text.one_line(bundle.file.filename, 90)}" if bundle.file else ""
        self.title.setText(f"{item.ecosystem} · {name} {version}{shown}{risk}")
        self.artifact_combo.blockSignals(True)
        self.artifact_combo.clear()
        for rf in bundle.release_files:
            self.artifact_combo.addItem(release_file_label(rf), rf.path)
        if bundle.file is not None:
            self.artifact_combo.setCurrentIndex(bundle.release_files.index(bundle.file))
        self.artifact_combo.setEnabled(len(bundle.release_files) > 1)
        self.artifact_combo.blockSignals(False)
        if bundle.mismatches:
            shown_lines = bundle.mismatches[:3] + (
                [f"… and {len(bundle.mismatches) - 3} more"] if len(bundle.mismatches) > 3 else []
            )
            self.mismatch.setText(
                "⚠ The files of this release differ in code — a finding in itself:\n"
                + "\n".join(safe_text.one_line(m, 200) for m in shown_lines)
            )
            self.mismatch.show()
        else:
            self.mismatch.hide()
        self.baseline_combo.blockSignals(True)
        self.baseline_combo.clear()
        for choice in bundle.baselines:
            self.baseline_combo.addItem(choice.label, choice.path)
        chosen = (
            bundle.baselines.index(bundle.baseline) if bundle.baseline in bundle.baselines else 0
        )
        self.baseline_combo.setCurrentIndex(chosen)
        self.baseline_combo.blockSignals(False)
        self.files.show_bundle(bundle)
        self.delta.show_bundle(bundle)
        self.bundle_shown.emit(bundle)
        self._context_parts["notes"] = list(bundle.notes)
        self._render_context()
        if bundle.error:
            self.diff.show_message(bundle.error)
            return None
        first = next((i for i, f in enumerate(bundle.files) if f.status != "unchanged"), None)
        if first is None and bundle.files:
            first = 0
        return first

    def show_file(self, view, documents: dict | None = None) -> None:
        self.diff.show_file(view, documents)
        if self._pending_jump and self._pending_jump[0] in (view.path, view.old_path):
            _, line, old, capability = self._pending_jump
            self._pending_jump = None
            self.diff.go_to_line(line, old_side=old, capability=capability)

    def select_file(self, index: int) -> None:
        self.files.blockSignals(True)
        self.files.select_index(index)
        self.files.blockSignals(False)

    # ------------------------------------------------------------------ jumps

    def jump_to(self, path: str, line: int, old_side: bool = False, capability: str = "") -> None:
        """Open ``path`` (a member path of the new, or old, artifact) at ``line``; with
        ``capability`` that hit of the line becomes the current one (``x`` labels it)."""
        if self.bundle is None:
            return
        for index, fd in enumerate(self.bundle.files):
            member = fd.old_member if old_side else fd.new_member
            if member is not None and member.path == path:
                view = self.diff.view
                if (
                    view is not None
                    and view.path == fd.path
                    and self.files.current_index() == index
                ):
                    self.diff.go_to_line(line, old_side=old_side, capability=capability)
                    return
                self._pending_jump = (fd.path, line, old_side, capability)
                self.select_file(index)
                self.file_requested.emit(index, False)
                return

    def _on_show_anyway(self, _path: str) -> None:
        index = self.files.current_index()
        if index is not None:
            self.file_requested.emit(index, True)

    # ------------------------------------------------------------------ keyboard

    def choose_file(self) -> None:
        """``a``: open the release-file picker (arrows, then Enter reviews that file)."""
        self.artifact_combo.setFocus()
        if self.artifact_combo.count() > 1:
            self.artifact_combo.showPopup()

    def search_release(self) -> None:
        """Ctrl+Shift+F: search every file of the release; a match opens its line."""
        if self._search is None:
            self._search = ReleaseSearch(self.window())
            self._search.jump.connect(self._on_search_jump)
        selected = self.diff.right.textCursor().selectedText()
        self._search.open_for(self.bundle, selected if "\u2029" not in selected else "")

    def _on_search_jump(self, path: str, line: int, old: bool, text: str) -> None:
        if text and not self._search.regex.isChecked():
            self.diff.find_bar.set_text(text)
        self.jump_to(path, line, old)

    def _on_artifact(self, combo_index: int) -> None:
        path = self.artifact_combo.itemData(combo_index)
        if path and (
            self.bundle is None or self.bundle.file is None or path != self.bundle.file.path
        ):
            self.artifact_changed.emit(path)

    def _on_baseline(self, combo_index: int) -> None:
        self.baseline_changed.emit(self.baseline_combo.itemData(combo_index))
