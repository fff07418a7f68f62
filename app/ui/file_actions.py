"""The File and Help menus' work: add to the queue, open the demo, export the evidence page,
sync the dataset, report to PyPI, about.

Each runs the same use case as its command (``vetbench queue add``, ``--demo``,
``vetbench report ITEM --html``, ``vetbench sync``, ``vetbench observation``) on a background
lane, so the window never waits on a scan, a download or a dataset; the result refreshes what
it changed and says so in the status line, a failure goes to the banner. Dialogs are Qt's own
(not the platform's) so they work the same under every desktop and by keyboard alone.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.core.store.records import ECOSYSTEMS, Change
from app.errors import VetbenchError
from app.ui import safe_text
from app.ui.diff_view import plain_label
from app.ui.observation_dialog import ObservationDialog

ARTIFACT_FILTER = "Release files (*.whl *.tar.gz *.tgz *.zip *.tar.bz2 *.egg);;All files (*)"


def qt_file_dialog(parent, title: str, *, save: bool, start: str = "") -> QFileDialog:
    """Qt's own file dialog (same everywhere, keyboard friendly, testable)."""
    dialog = QFileDialog(parent, title, start)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("html")
        dialog.setNameFilter("HTML page (*.html)")
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(ARTIFACT_FILTER)
    return dialog


class AddDialog(QDialog):
    """File → Add: one line, a local release file or ``NAME==VERSION`` (fetched)."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("addDialog")
        self.setWindowTitle("Add to the queue")
        self.target = QLineEdit()
        self.target.setObjectName("addTarget")
        self.target.setAccessibleName("Release file or NAME==VERSION")
        self.target.setPlaceholderText("path/to/file.whl  or  NAME==VERSION")
        self.target.setMinimumWidth(420)
        browse = QPushButton("&Browse…")
        browse.setAccessibleName("Browse for a release file")
        browse.clicked.connect(self._browse)
        self.ecosystem = QComboBox()
        self.ecosystem.setAccessibleName("Ecosystem of NAME==VERSION")
        self.ecosystem.addItems(list(ECOSYSTEMS))
        self.error = plain_label("")
        self.error.setObjectName("addError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        help_text = plain_label(
            "A local file (.whl, .tar.gz, .tgz, .zip) is opened as data and scanned, never run "
            "or installed. NAME==VERSION is fetched from the registry with the release before "
            "it as the baseline (as: vetbench queue add NAME==VERSION)."
        )
        help_text.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("File or NAME==VERSION", row)
        form.addRow("Ecosystem", self.ecosystem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(help_text)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.request: tuple = ()

    def _browse(self) -> None:
        dialog = qt_file_dialog(self, "Choose a release file", save=False)
        dialog.fileSelected.connect(self.target.setText)
        dialog.open()

    def accept(self) -> None:
        """Keep the dialog open with a reason when the line is neither a file nor a spec."""
        text = self.target.text().strip()
        path = Path(text).expanduser()
        if text and path.is_file():
            self.request = ("file", path)
        elif "==" in text:
            name, _, version = text.partition("==")
            if not name.strip() or not version.strip():
                self.error.setText(f"{text!r}: write NAME==VERSION")
                return
            self.request = ("spec", self.ecosystem.currentText(), name.strip(), version.strip())
        else:
            self.error.setText(
                f"{text!r} is neither an existing file nor NAME==VERSION"
                if text
                else "Give a release file or NAME==VERSION"
            )
            return
        super().accept()


class FileActions(QObject):
    """Handlers of the File menu, Decide → Report to PyPI and Help → About."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.dialog: QDialog | None = None  # the open one (tests drive it by keyboard)

    def handlers(self) -> dict:
        return {
            "add": self.add,
            "open_demo": self.open_demo,
            "export_evidence": self.export_evidence,
            "sync": self.sync,
            "quit": self.w.close,
            "report_pypi": self.report_pypi,
            "about": self.about,
        }

    def _open(self, dialog: QDialog) -> None:
        """Open ``dialog`` window-modal; the keyboard goes back where it was when it closes."""
        back = QApplication.focusWidget()
        self.dialog = dialog

        def closed(_result):
            if self.dialog is dialog:
                self.dialog = None
            self.w.return_focus(back)

        dialog.finished.connect(closed)
        dialog.open()

    def _focus_queue(self) -> None:
        """Work started from a menu is done: the keyboard is in the window's queue again."""
        self.w.activateWindow()
        self.w.queue.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _no_item(self) -> bool:
        if self.w.item is None:
            self.w.statusBar().showMessage("No item on screen: select one (j / k) first", 5000)
            return True
        return False

    # ------------------------------------------------------------------ add

    def add(self) -> None:
        dialog = AddDialog(self.w)
        dialog.accepted.connect(lambda: self.queue(dialog.request))
        self._open(dialog)

    def queue(self, request: tuple) -> None:
        """Queue a local file (scanned) or NAME==VERSION (fetched) in the background."""
        w, store, reviewer = self.w, self.w.store, self.w.reviewer

        def work(cancel, _progress):
            if request[0] == "file":
                from app.workflows.queueing import queue_artifact  # loads the scanner

                item, as_baseline = queue_artifact(store, request[1], reporter=reviewer)
                note = (
                    " (an older release: attached as a baseline candidate)" if as_baseline else ""
                )
                return item, note
            _, ecosystem, name, version = request
            item, _ = store.add_item(ecosystem, name, [version], reporter=reviewer)
            from app.workflows.fetching import fetch_for_item  # loads the HTTP client

            try:
                fetch_for_item(store, item, cancel=cancel)
            except VetbenchError as exc:
                return store.get_item(item.id), f" but could not fetch it: {exc}"
            return store.get_item(item.id), ""

        def done(result):
            item, note = result
            w.live.note_own_write()
            w.apply_change(Change(frozenset({"queue", "item", "artifact"}), frozenset({item.id})))
            w.refresh_campaigns()
            w.queue.select_item(item.id)
            self._focus_queue()
            w.statusBar().showMessage(
                f"Queued #{item.id} {safe_text.one_line(item.label, 80)}{note}", 8000
            )

        what = request[1].name if request[0] == "file" else f"{request[2]}=={request[3]}"
        w.runner.submit(
            "io", f"write-add-{what}", work, done, w.banner.show_error, label=f"Adding {what}"
        )

    # ------------------------------------------------------------------ demo

    def open_demo(self) -> None:
        """File → Open demo: the bundled demo queue, loaded once into this store."""
        w, store = self.w, self.w.store

        def work(_cancel, _progress):
            from app.workflows.demo import load_demo  # builds archives and scans: only here

            return load_demo(store)

        def done(ids):
            w.live.note_own_write()
            w.apply_change(Change(frozenset({"queue"}), frozenset(ids)))
            w.refresh_campaigns()
            if w.queue_model.rowCount():
                w.queue.select_row(0)
            self._focus_queue()
            w.statusBar().showMessage(
                f"Demo queue: {len(ids)} items added" if ids else "The demo queue is already here",
                6000,
            )

        w.runner.submit(
            "io", "write-demo", work, done, w.banner.show_error, label="Loading the demo"
        )

    # ------------------------------------------------------------------ evidence

    def export_evidence(self) -> None:
        """File → Export evidence report: ``vetbench report ITEM --html FILE`` for the item on
        screen, to a file the moderator names."""
        if self._no_item():
            return
        item = self.w.item
        start = str(Path.home() / f"{item.project}-{'-'.join(item.versions)}-evidence.html")
        dialog = qt_file_dialog(self.w, "Export the evidence report", save=True, start=start)
        dialog.setObjectName("exportDialog")
        dialog.fileSelected.connect(lambda path: self.write_evidence(item, path))
        self._open(dialog)

    def write_evidence(self, item, path: str) -> None:
        w, store = self.w, self.w.store

        def work(_cancel, _progress):
            from app.workflows.evidence import write_evidence_report

            return write_evidence_report(store, item.id, path)

        def done(out):
            w.statusBar().showMessage(
                f"Evidence report of {safe_text.one_line(item.label, 80)} written to {out}", 8000
            )

        w.runner.submit(
            "io", "export", work, done, w.banner.show_error, label="Writing the evidence report"
        )

    # ------------------------------------------------------------------ dataset

    def sync(self) -> None:
        """File → Sync the dataset: ``vetbench sync --dataset DIR`` on its own connection."""
        w = self.w
        if w.dataset_dir is None:
            w.statusBar().showMessage("No dataset: start Vetbench with --dataset DIR", 6000)
            return
        db, dataset = w.store.path, w.dataset_dir

        def work(_cancel, _progress):
            from app.core.store.db import Store
            from app.sync.engine import sync_dataset

            with Store.open(db) as own:
                return sync_dataset(own, dataset)

        def done(report):
            w.live.note_own_write()
            w.apply_change(Change(frozenset({"queue", "external_labels"})))
            w.statusBar().showMessage(
                f"Synced {dataset}: pushed {len(report.pushed)} label(s), pulled "
                f"{len(report.pulled)}; {len(report.conflicts)} conflict(s)",
                8000,
            )
            if report.tampered:  # as loud as the CLI's WARNING lines and its exit 1
                restored = [
                    f"{r['reviewer']} for {r['name']} {r['version']}" for r in report.restored
                ]
                forged = [f"{f['path']} ({f['why']})" for f in report.forged]
                w.banner.show_error(
                    f"Someone else wrote in a reviewer's name: {len(restored)} label(s) of yours "
                    f"restored, {len(forged)} label(s) not counted as forged",
                    "\n".join(
                        [f"restored: label of {x}" for x in restored]
                        + [f"not counted: {x}" for x in forged]
                    ),
                )

        w.runner.submit("io", "sync", work, done, w.banner.show_error, label="Syncing the dataset")

    # ------------------------------------------------------------------ PyPI, about

    def report_pypi(self) -> None:
        """Decide → Report to PyPI: the dry-run Observation in a dialog, Send with a token."""
        if self._no_item():
            return
        self._open(ObservationDialog(self.w, self.w.item))

    def about(self) -> None:
        box = QMessageBox(self.w)
        box.setObjectName("aboutBox")
        box.setWindowTitle("About Vetbench")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"Vetbench {__version__}\n\n"
            "A review bench for package-registry moderators: it reads PyPI and npm releases "
            "as data (never installs, imports or runs them), shows what a release adds, and "
            "records decisions.\n\nKeyboard shortcuts: ? or F1."
        )
        self._open(box)
