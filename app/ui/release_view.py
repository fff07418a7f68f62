"""The centre: what the selected item's release changes, and the diff of one file.

Top: a title line, the baseline picker (previous release, last benign, any release at hand,
none), the file list and the delta tabs. Bottom: the side-by-side :class:`DiffView`. The view
only shows data handed to it; the window runs the loading in workers and calls
:meth:`show_bundle` / :meth:`show_file` with results that are still current.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from app.ui import safe_text
from app.ui.delta_panel import DeltaPanel
from app.ui.diff_view import DiffView, plain_label
from app.ui.file_tree import FileTree


class ReleaseView(QWidget):
    file_requested = Signal(int, bool)  # index into bundle.files, force ("show anyway")
    baseline_changed = Signal(object)  # baseline path or None

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
        header.addWidget(plain_label("against"))
        header.addWidget(self.baseline_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.split, 1)
        self.files.file_selected.connect(lambda i: self.file_requested.emit(i, False))
        self.diff.show_anyway.connect(self._on_show_anyway)
        self.baseline_combo.activated.connect(self._on_baseline)
        self.delta.jump.connect(self.jump_to)
        self._pending_jump: tuple[str, int, bool] | None = None

    # ------------------------------------------------------------------ showing

    def show_loading(self, item) -> None:
        self.bundle = None
        self.title.setText(
            f"{safe_text.one_line(item.project, 120)} "
            f"{safe_text.one_line(', '.join(item.versions), 60)} — loading…"
        )
        self.files.clear()
        self.delta.clear_all()
        self.diff.show_message("Loading the release…")

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
        self.title.setText(f"{item.ecosystem} · {name} {version}{risk}")
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
        self.delta.show_reports(reports, bundle.notes)
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
            _, line, old = self._pending_jump
            self._pending_jump = None
            self.diff.go_to_line(line, old_side=old)

    def select_file(self, index: int) -> None:
        self.files.blockSignals(True)
        self.files.select_index(index)
        self.files.blockSignals(False)

    # ------------------------------------------------------------------ jumps

    def jump_to(self, path: str, line: int, old_side: bool = False) -> None:
        """Open ``path`` (a member path of the new, or old, artifact) at ``line``."""
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
                    self.diff.go_to_line(line, old_side=old_side)
                    return
                self._pending_jump = (fd.path, line, old_side)
                self.select_file(index)
                self.file_requested.emit(index, False)
                return

    def _on_show_anyway(self, _path: str) -> None:
        index = self.files.current_index()
        if index is not None:
            self.file_requested.emit(index, True)

    def _on_baseline(self, combo_index: int) -> None:
        self.baseline_changed.emit(self.baseline_combo.itemData(combo_index))
