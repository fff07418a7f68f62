"""An item without release files gets a way to fetch them, not just advice.

Items reported by name (the inbox, a feed, ``queue add NAME==VERSION --no-fetch``, or any item
while offline) have no file to read. Instead of "try vetbench fetch", the diff area shows what
is missing and a button (Alt+G, or File → Fetch the release files) that runs
:func:`app.workflows.fetching.fetch_for_item` on a background lane: the release's files and
its baseline are downloaded into the verified cache, attached to the item and scanned, and the
item opens again with them. A registry that does not have the release says so on the page and
in the banner.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from app.core.store.records import Change
from app.ui import safe_text
from app.ui.diff_view import plain_label


class MissingFilesPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("missingFilesPage")
        self.text = plain_label("")
        self.text.setWordWrap(True)
        self.text.setObjectName("missingFilesText")
        self.button = QPushButton("&Get the release files from the registry  (Alt+G)")
        self.button.setObjectName("fetchReleaseFiles")
        self.button.setAccessibleName("Fetch and attach the release files")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.text)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)


class ReleaseFetcher(QObject):
    """Offers and runs the fetch for the item on screen (the page lives in the diff's stack,
    so opening any file or message replaces it)."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.page = MissingFilesPage()
        window.release.diff.stack.addWidget(self.page)
        self.page.button.clicked.connect(self.fetch)

    def offer(self, item, bundle) -> bool:
        """Show the page when ``bundle`` has no release file to read; True if shown."""
        if not bundle.error or bundle.release_files:
            return False
        label = safe_text.one_line(item.label, 120)
        self.page.text.setText(
            f"{label} has no release file here (reported by name, or fetched while offline).\n\n"
            f"Get the release files of {item.ecosystem} {label} and of the release before it "
            "(the baseline) from the registry: they are checked against the registry's hashes, "
            "attached to this item and scanned, never run."
        )
        self.page.button.setEnabled(True)
        self.w.release.diff.stack.setCurrentWidget(self.page)
        return True

    def fetch(self) -> None:
        w = self.w
        item = w.item
        if item is None:
            w.statusBar().showMessage("No item on screen: select one (j / k) first", 5000)
            return
        store = w.store
        self.page.button.setEnabled(False)
        self.page.text.setText(f"Fetching {safe_text.one_line(item.label, 120)}…")

        def work(cancel, progress):
            from app.workflows.fetching import fetch_for_item  # loads the HTTP client

            def step(name: str, done: int, total: int | None) -> None:
                progress(done, total or 0, f"fetching {name}")

            return fetch_for_item(store, item, cancel=cancel, progress=step)

        def done(results):
            files = sum(len(r.files) for r in results)
            w.live.note_own_write()
            w.apply_change(Change(frozenset({"item", "artifact", "queue"}), frozenset({item.id})))
            w.statusBar().showMessage(
                f"Fetched {files} release file(s) of {safe_text.one_line(item.label, 80)}", 6000
            )
            if w.item is not None and w.item.id == item.id:
                w.open_item(item.id)

        def failed(message, details):
            text = message.split(": ", 2)[-1]
            self.page.text.setText(f"Could not fetch {item.label}: {text}")
            self.page.button.setEnabled(True)
            w.banner.show_error(f"Fetching {item.label}: {text}", details)

        w.runner.submit(
            "io", f"fetch-{item.id}", work, done, failed, label=f"Fetching {item.label}"
        )
