"""The main window: queue left, release centre, decision right; keyboard first.

The window is the only place that wires widgets to work. Widgets ask (signals), the window
runs the work on a :class:`Runner` lane (store writes on one single-worker lane, release
loading and file diffs on their own), and results come back only if still current. Store
writes return a Change record; :meth:`apply_change` refreshes only what it names.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.campaigns import grouping as campaigns
from app.core.decisions import Evidence
from app.core.store.records import Change
from app.ui import safe_text
from app.ui.accessibility import name_window
from app.ui.banner import Banner
from app.ui.campaign_dialog import CampaignDialog
from app.ui.decision_panel import DecisionPanel
from app.ui.fetch_page import ReleaseFetcher
from app.ui.file_actions import FileActions
from app.ui.file_views import file_syntax_for, file_view_for
from app.ui.first_run import FirstRun
from app.ui.live import LiveUpdates
from app.ui.menus import build_menus, window_handlers
from app.ui.queue_model import QueueModel
from app.ui.queue_view import QueueView
from app.ui.release_view import ReleaseView
from app.ui.runner import PROGRESS_DELAY_MS, Runner
from app.ui.shortcuts import ShortcutOverlay, TypingGuard, back_to_queue_keys
from app.ui.text_docs import documents_for
from app.ui.theme import ThemeManager
from app.ui.triage import Triage
from app.workflows.history import project_history
from app.workflows.release import ReleaseCache, load_release

COLOUR_DELAY_MS = 120


class MainWindow(QMainWindow):
    def __init__(
        self,
        store,
        *,
        reviewer: str,
        settings: QSettings | None = None,
        inbox_dir: Path | None = None,
        dataset_dir: Path | None = None,
        theme_mode: str | None = None,
        fetch_missing: bool = False,
    ):
        super().__init__()
        self.setWindowTitle("Vetbench")
        self.setObjectName("vetbenchMain")
        self.store = store
        self.reviewer = reviewer
        self.settings = settings or QSettings("vetbench", "Vetbench")
        self.runner = Runner(parent=self)
        self.cache = ReleaseCache(findings_path=getattr(store, "path", None))
        self.themes = ThemeManager(theme_mode or str(self.settings.value("theme", "system")), self)
        self.item = None
        self.bundle = None
        self._file_index: int | None = None
        self._writes = 0
        self._hit_after_open = 0  # ]/[ crossed into another file: land on its first/last hit
        self.fetch_missing = fetch_missing  # fetch releases reported without a file
        self.inbox_dir, self.dataset_dir = inbox_dir, dataset_dir

        self.banner = Banner()
        self.queue_model = QueueModel(store, self)
        self.queue = QueueView(self.queue_model)
        self.release = ReleaseView()
        self.decision = DecisionPanel()
        self.split = QSplitter(Qt.Orientation.Horizontal)
        decision_scroll = QScrollArea()  # the form scrolls rather than force a tall window
        decision_scroll.setWidget(self.decision)
        decision_scroll.setWidgetResizable(True)
        decision_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        decision_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        decision_scroll.setMinimumWidth(
            self.decision.minimumSizeHint().width()
            + decision_scroll.verticalScrollBar().sizeHint().width()
        )
        for widget in (self.queue, self.release, decision_scroll):
            self.split.addWidget(widget)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 8)
        self.split.setStretchFactor(2, 2)
        self.split.setSizes([500, 1000, 300])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        self.setCentralWidget(central)
        self.overlay = ShortcutOverlay(central)
        self.triage = Triage(self)
        self.file_actions = FileActions(self)
        self.fetcher = ReleaseFetcher(self)
        self.typing_guard = TypingGuard(self)
        self.typing_guard.install()
        self._build_status_bar()
        handlers = window_handlers(self) | {"fetch_item": self.fetcher.fetch}
        self.actions = build_menus(self, handlers)
        self.actions["sync"].setEnabled(dataset_dir is not None)
        self.first_run = FirstRun(self, self.split, inbox=inbox_dir)
        layout.addWidget(self.first_run.stack, 1)
        self._connect()
        self._apply_theme(self.themes.theme)
        self._restore_state()
        self.live = LiveUpdates(
            store, inbox_dir=inbox_dir, dataset_dir=dataset_dir, reviewer=reviewer, parent=self
        )
        self.live.changed.connect(self._on_live_change)
        self.live.problem.connect(self.banner.show_error)
        for message, details in self.live.startup_problems:
            self.banner.show_error(message, details)
        self.queue_model.reload(keep=0)
        self.refresh_campaigns()
        name_window(self)

    # ------------------------------------------------------------------ building

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.counts_label = QLabel()
        self.counts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.position_label = QLabel()
        self.position_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setFlat(True)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_work)
        bar.addPermanentWidget(self.position_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.counts_label)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_DELAY_MS)
        self._progress_timer.timeout.connect(self._show_progress)

    def _connect(self) -> None:
        back_to_queue_keys(self)
        self.queue.item_selected.connect(self.open_item)
        self.queue.current_hidden.connect(self.triage.show_hidden)
        self.queue_model.counts_changed.connect(self._update_counts)
        self.release.file_requested.connect(self.open_file)
        self.release.baseline_changed.connect(self._on_baseline)
        self.release.artifact_changed.connect(self._on_artifact)
        self.release.diff.current_hit_changed.connect(self.decision.set_current_hit)
        self.release.bundle_shown.connect(self.decision.set_bundle)
        self.release.diff.position_changed.connect(self.position_label.setText)
        self.release.diff.content_painted.connect(self.decision.start_clock)
        self.decision.verdict_requested.connect(self.triage.decide)
        self.decision.preset_requested.connect(self.triage.preset)
        self.decision.commit_requested.connect(self.triage.commit)
        self.decision.skip_requested.connect(self.triage.skip)
        self.decision.undo_requested.connect(self.triage.undo)
        self.decision.evidence_requested.connect(self.add_evidence)
        self.decision.hit_labels_changed.connect(self.release.diff.set_hit_labels)
        self.decision.hit_labels_changed.connect(self.release.delta.set_hit_labels)
        self.runner.busy_changed.connect(self._on_busy)
        self.runner.progress.connect(self._on_progress)
        self.runner.failed.connect(self.banner.show_error)
        self.themes.changed.connect(self._apply_theme)

    # ------------------------------------------------------------------ items and files

    def open_item(
        self, item_id: int, baseline_path: str | None = "", artifact_path: str | None = None
    ) -> None:
        """Show ``item_id`` (``artifact_path``: which file of its release; default the
        riskiest): its release loads in the background; older loads are dropped."""
        try:
            item = self.store.get_item(item_id)
            others = self.store.external_labels_for(item_id)
            current = self.store.current_decision(item_id)
            reports = self.store.reports_for(item_id)
            history = project_history(self.store, item)
        except Exception as exc:  # noqa: BLE001
            self.banner.show_error(f"Cannot read item {item_id}: {exc}")
            return
        self.item, self.bundle, self._file_index = item, None, None
        self.triage.opened(item)
        self.setWindowTitle(
            f"{safe_text.one_line(item.project, 80)} "
            f"{safe_text.one_line(', '.join(item.versions), 40)} — Vetbench"
        )
        self.runner.cancel("file")
        self.runner.cancel("syntax")
        self.release.show_loading(item)
        self.decision.start_item(item, others, current)
        self.release.show_context(reports, current, history)
        cache, store = self.cache, self.store

        fetch = self.fetch_missing

        def work(cancel, progress):
            return load_release(
                store, item_id, cache, baseline_path, cancel, progress, fetch, artifact_path
            )

        def done(bundle):
            if bundle.fetched:  # new artifacts and a risk score landed in the store
                self.apply_change(Change(frozenset({"item", "artifact"}), frozenset({item_id})))
            if self.item is None or self.item.id != item_id:
                return
            self.bundle = bundle
            first = self.release.show_bundle(bundle, item, reports)
            if self.fetcher.offer(item, bundle):
                return
            if first is not None:
                self.release.select_file(first)
                self.open_file(first, False)

        def failed(message, details):
            self.release.show_error(message)
            self.banner.show_error(message, details)

        self.runner.submit(
            "release", "release", work, done, failed, label=f"Loading {item.project}"
        )

    def open_file(self, index: int, force: bool = False) -> None:
        bundle = self.bundle
        if bundle is None or not 0 <= index < len(bundle.files):
            return
        self._file_index = index
        fd = bundle.files[index]

        font, gui = self.release.diff.right.font(), self.thread()

        def work(cancel, _progress):
            view = file_view_for(bundle, fd, force=force, cancel=cancel)
            if cancel():
                return None
            return view, documents_for(view, font, gui)

        def done(result):
            if self.bundle is bundle and result is not None:
                view, documents = result
                self.release.show_file(view, documents)
                if self._hit_after_open:
                    self.release.diff.next_hit(self._hit_after_open)
                    self._hit_after_open = 0
                if view.syntax_pending:
                    self._colour_file(fd, view)

        self.runner.cancel("syntax")
        self.runner.submit("file", "file", work, done, label=f"Diffing {fd.path}")

    def _colour_file(self, fd, view) -> None:
        """Big files are shown first and coloured when pygments is done (a second step).

        The step starts a moment after the first paint: pygments is pure Python and would
        otherwise compete with the painting for the interpreter."""
        QTimer.singleShot(COLOUR_DELAY_MS, lambda: self._start_colouring(fd, view))

    def _start_colouring(self, fd, view) -> None:
        if self.release.diff.view is not view:
            return  # the user moved on; nothing to colour
        self.runner.submit(
            "syntax",
            "syntax",
            lambda cancel, _p: file_syntax_for(fd, view, cancel),
            lambda spans: self.release.diff.apply_syntax(view, *spans),
            label=f"Colouring {fd.path}",
        )

    def step_hit(self, step: int) -> None:
        """]/[: the next hit in this file, then the first hit of the next file with hits."""
        diff = self.release.diff
        if diff.next_hit(step, wrap=False):
            return
        bundle, current = self.bundle, self._file_index
        if bundle is not None and current is not None:
            count = len(bundle.files)
            for offset in range(1, count):
                index = (current + step * offset) % count
                fd = bundle.files[index]
                if self._file_hits(fd):
                    self._hit_after_open = step
                    self.release.select_file(index)
                    self.open_file(index)
                    return
        diff.next_hit(step)  # no other file has hits: wrap within this one

    def _file_hits(self, fd) -> int:
        bundle = self.bundle
        new = len(bundle.new_hits.get(fd.new_member.path, ())) if fd.new_member else 0
        old = len(bundle.old_hits.get(fd.old_member.path, ())) if fd.old_member else 0
        return new + old

    def step_file(self, step: int) -> None:
        index = self.release.files.current_index()
        count = self.release.files.topLevelItemCount()
        if count:
            row = 0 if index is None else max(0, min(count - 1, index + step))
            self.release.select_file(row)
            self.open_file(row)

    def _on_baseline(self, path) -> None:
        if self.item is not None:
            shown = self.bundle.file if self.bundle is not None else None
            self.open_item(self.item.id, path, shown.path if shown is not None else None)

    def _on_artifact(self, path: str) -> None:
        """Another file of the release: review it against its own default baseline."""
        if self.item is not None:
            self.open_item(self.item.id, "", path)

    def is_settled(self) -> bool:
        """No background work, no pending selection, no colours still to come."""
        view = self.release.diff.view
        return not (
            self.runner.busy
            or self.queue.selection_pending()
            or (view is not None and view.syntax_pending)
        )

    def cancel_work(self) -> None:
        loading = self.runner.pending("release") or self.runner.pending("file")
        # Store writes are never cancelled: they are short, and their result refreshes views.
        self.runner.cancel_all(keep=lambda key: key.startswith("write-"))
        if loading:
            self.release.show_error("Cancelled. Select the item again to reload it.")

    # ------------------------------------------------------------------ decisions

    def write(
        self,
        fn,
        message: str,
        *,
        advance=None,
        before_advance=None,
        after=None,
        empty: str = "",
        failed=None,
    ) -> None:
        """Run a store write on the single store lane; refresh from its Change.

        ``advance`` is ``(decided item id, ids below it)``: with auto-advance on, the next
        undecided of those is selected once the write is in."""
        self._writes += 1
        key = f"write-{self._writes}"  # unique: a write is never superseded or dropped

        def done(change):
            self.live.note_own_write()
            if not change:
                self.statusBar().showMessage(empty or message, 4000)
                return
            self.apply_change(change)
            self.triage.own_change(change)
            self.statusBar().showMessage(message, 4000)
            if before_advance is not None:
                before_advance(change)
            if advance is not None and self.decision.auto_advance.isChecked():
                self.triage.advance(*advance)
            if after is not None:
                after(change)

        on_error = failed or self.write_failed
        self.runner.submit("store", key, lambda _c, _p: fn(), done, on_error, label="Saving")

    def write_failed(self, msg: str, details: str) -> None:
        self.decision.show_error(msg.split(": ", 1)[-1])
        self.banner.show_error(msg, details)

    def apply_change(self, change) -> None:
        """Refresh what a store Change touches (queue rows, the open item's status)."""
        self.queue_model.apply_change(change)
        if self.item is not None and self.item.id in change.item_ids:
            try:
                self.item = self.store.get_item(self.item.id)
                self.decision.show_status(self.item, self.store.current_decision(self.item.id))
                if change.touches("external_labels"):
                    self.decision.show_others(self.store.external_labels_for(self.item.id))
            except Exception as exc:  # noqa: BLE001
                self.banner.show_error(f"Cannot refresh item: {exc}")

    def _on_live_change(self, change, message: str) -> None:
        self.apply_change(change)
        if change.touches("queue") or change.touches("inbox"):
            self.refresh_campaigns()
        if self.item is not None and change.touches("external_labels"):
            self.decision.show_others(self.store.external_labels_for(self.item.id))
        if message:
            self.statusBar().showMessage(message, 5000)

    # ------------------------------------------------------------------ campaigns

    def refresh_campaigns(self) -> None:
        """Fingerprint new items and regroup campaigns in the background. Not on the store
        lane: scanning a large queue must not hold up decisions (its writes are short)."""
        store = self.store
        self.runner.submit(
            "io",
            "write-campaigns",
            lambda _c, p: campaigns.refresh(store),
            self.apply_change,
            lambda msg, details: self.banner.show_error(msg, details),
            label="Grouping campaigns",
        )

    def show_campaign(self) -> None:
        if self.item is None:
            return
        membership = self.queue_model.campaign_of(self.item.id)
        if membership is None:
            self.statusBar().showMessage(
                f"{self.item.project} shares its payload with no other queue item", 4000
            )
            return
        campaign = campaigns.get_campaign(self.store, membership[0])
        if campaign is None:
            return
        dialog = CampaignDialog(campaign.to_json(self.store), self)
        dialog.decide_requested.connect(self.decide_campaign)
        dialog.undo_requested.connect(self.undo_campaign)
        dialog.item_requested.connect(self.queue.select_item)
        self.campaign_dialog = dialog
        back = QApplication.focusWidget()
        dialog.finished.connect(lambda _r: self.return_focus(back))
        dialog.open()

    def return_focus(self, widget) -> None:
        """A dialog closed: the keyboard goes back to the window, where it was."""
        self.activateWindow()
        (widget or self.queue.table).setFocus(Qt.FocusReason.OtherFocusReason)

    def decide_campaign(self, campaign_id: int, verdict: str) -> None:
        self.triage.decide_campaign(campaign_id, verdict)

    def undo_campaign(self, campaign_id: int) -> None:
        store = self.store
        self.write(
            lambda: campaigns.undo_campaign(store, campaign_id),
            f"Undid the last decision of campaign C{campaign_id}",
            empty=f"Campaign C{campaign_id} has no campaign decision to undo",
        )

    def label_current_hit(self) -> None:
        label = self.decision.cycle_current_hit()
        hit = self.decision.current_hit
        if hit is None:
            self.statusBar().showMessage("No current hit: press ] to go to one", 3000)
        else:
            self.statusBar().showMessage(f"{hit.capability}: {label or 'label cleared'}", 3000)

    def add_evidence(self) -> None:
        ev = self.release.diff.selected_evidence()
        view = self.release.diff.view
        if ev is None or view is None or self.bundle is None:
            self.statusBar().showMessage("Select lines in the diff first", 3000)
            return
        fd = self.bundle.files[self._file_index] if self._file_index is not None else None
        member = None
        if fd is not None:
            member = fd.old_member if ev["side"] == "left" else fd.new_member
        side = view.left if ev["side"] == "left" else view.right
        caps = sorted(
            {
                h.capability
                for hits in (side.hits.values() if side else ())
                for h in hits
                if ev["line_start"] <= h.line <= ev["line_end"]
            }
        )
        self.decision.add_evidence(
            Evidence(
                path=member.path if member is not None else ev["path"],
                sha256=member.sha256 if member is not None else None,
                line_start=ev["line_start"],
                line_end=ev["line_end"],
                capabilities=tuple(caps),
            )
        )

    # ------------------------------------------------------------------ status and progress

    def _update_counts(self, shown: int, loaded: int) -> None:
        try:
            counts = self.store.status_counts()
        except Exception:  # noqa: BLE001
            counts = {}
        open_n = sum(counts.get(s, 0) for s in ("new", "in_review", "needs_second_review"))
        self.counts_label.setText(
            f"{shown:,} shown ({loaded:,} loaded) · {open_n:,} open · "
            f"{counts.get('decided', 0):,} decided"
        )

    def _on_busy(self, busy: bool) -> None:
        if busy:
            self._progress_timer.start()
        else:
            self._progress_timer.stop()
            self.progress.hide()
            self.cancel_button.hide()

    def _show_progress(self) -> None:
        if self.runner.busy:
            req = self.runner.oldest_running()
            self.progress.setRange(0, 0)
            self.progress.setFormat(req.label if req else "Working…")
            self.progress.show()
            self.cancel_button.show()

    def _on_progress(self, text: str, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress.setFormat(text)

    # ------------------------------------------------------------------ theme and state

    def cycle_theme(self) -> None:
        order = ("system", "light", "dark")
        mode = order[(order.index(self.themes.mode) + 1) % 3]
        self.themes.set_mode(mode)
        self.settings.setValue("theme", mode)
        self.statusBar().showMessage(f"Theme: {mode}", 2000)

    def _apply_theme(self, theme) -> None:
        self.release.diff.set_theme(theme)
        self.banner.set_theme(theme)
        for widget in (self.queue_model, self.release.files, self.release.delta):
            widget.theme = theme
        if self.bundle is not None and self.item is not None:
            self.release.files.show_bundle(self.bundle)
            self.release.delta.show_bundle(self.bundle)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._layout_restored:
            self._layout_restored = True
            width = max(self.width(), 900)
            self.split.setSizes([int(width * 0.3), int(width * 0.52), int(width * 0.18)])

    def _restore_state(self) -> None:
        s = self.settings
        try:  # the diff's text size (zoom) is the font-size setting
            size = float(s.value("diff_point_size", 0) or 0)
        except (TypeError, ValueError):
            size = 0.0
        if size:
            self.release.diff.set_point_size(size)
        self._layout_restored = s.value("split") is not None
        for key, restore in (
            ("geometry", self.restoreGeometry),
            ("state", self.restoreState),
            ("split", self.split.restoreState),
            ("release_split", self.release.split.restoreState),
            ("release_top", self.release.top_split.restoreState),
            ("diff_split", self.release.diff.split.restoreState),
            ("queue_header", self.queue.restore_header_state),
        ):
            value = s.value(key)
            if isinstance(value, QByteArray | bytes):
                restore(QByteArray(value))
        self.decision.restore_drafts(str(s.value("drafts", "") or ""))

    def save_state(self) -> None:
        s = self.settings
        s.setValue("diff_point_size", self.release.diff.point_size())
        s.setValue("geometry", self.saveGeometry())
        s.setValue("state", self.saveState())
        s.setValue("split", self.split.saveState())
        s.setValue("release_split", self.release.split.saveState())
        s.setValue("release_top", self.release.top_split.saveState())
        s.setValue("diff_split", self.release.diff.split.saveState())
        s.setValue("queue_header", self.queue.header_state())
        s.setValue("drafts", self.decision.drafts_json())
        s.sync()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.save_state()
        self.typing_guard.remove()
        self.live.stop()
        self.runner.shutdown()
        self.cache.close()
        super().closeEvent(event)
