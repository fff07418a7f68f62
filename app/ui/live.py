"""Live updates: inbox reports and other reviewers' labels appear without a restart.

The watchers (Qt-free, in :mod:`app.core.intake.inbox` and :mod:`app.sync.watch`) call back on
their own threads; :class:`LiveUpdates` hops to the GUI thread with a queued signal carrying a
store Change record, which the window applies like any other change. A slow poll of the
action log also catches writes by other processes (``vetbench queue add``, a sync run).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.store.records import Change

log = logging.getLogger(__name__)
POLL_MS = 3000


class LiveUpdates(QObject):
    changed = Signal(object, str)  # Change, message for the status bar
    problem = Signal(str, str)  # message, details

    def __init__(
        self, store, *, inbox_dir: Path | None, dataset_dir: Path | None, reviewer: str, parent=None
    ):
        super().__init__(parent)
        self._store = store
        self._watchers = []
        self.startup_problems: list[tuple[str, str]] = []  # shown by the window once built
        self._last_log_id = self._newest_log_id()
        if inbox_dir is not None:
            try:
                from app.core.intake.inbox import watch_inbox

                self._watchers.append(
                    watch_inbox(lambda: store, inbox_dir, on_import=self._on_inbox, debounce=0.2)
                )
            except Exception as exc:  # noqa: BLE001 - the app works without live inbox
                self.startup_problems.append((f"Inbox watcher not started: {exc}", repr(exc)))
        if dataset_dir is not None:
            try:
                from app.sync.watch import watch_dataset

                self._watchers.append(
                    watch_dataset(
                        dataset_dir, self._on_labels, store=store, local_reviewers={reviewer}
                    )
                )
            except Exception as exc:  # noqa: BLE001
                self.startup_problems.append((f"Dataset watcher not started: {exc}", repr(exc)))
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.poll)
        self._poll.start()

    # ------------------------------------------------------------------ watcher threads

    def _on_inbox(self, result) -> None:
        msg = ""
        if result.imported:
            msg = f"{len(result.imported)} inbox file(s) imported: {len(result.item_ids)} item(s)"
        for name, error in result.rejected:
            self.problem.emit(f"Inbox file rejected: {name}", error)
        if result.change:
            self._last_log_id = max(self._last_log_id, self._newest_log_id())
            self.changed.emit(result.change, msg)

    def _on_labels(self, change) -> None:
        for problem in change.problems:
            self.problem.emit(f"Dataset label skipped: {problem.path}", problem.error)
        if change.labels or change.removed:
            self.changed.emit(
                Change(frozenset({"external_labels", "queue"})),
                f"{len(change.labels)} reviewer label(s) updated",
            )

    # ------------------------------------------------------------------ GUI thread

    def _newest_log_id(self) -> int:
        try:
            entries = self._store.log(limit=1)
        except Exception:  # noqa: BLE001 - a busy store is retried at the next poll
            return 0
        return entries[0].id if entries else 0

    def note_own_write(self) -> None:
        """The window wrote itself; the poll should not report it as foreign."""
        self._last_log_id = max(self._last_log_id, self._newest_log_id())

    def poll(self) -> None:
        newest = self._newest_log_id()
        if newest > self._last_log_id:
            self._last_log_id = newest
            self.changed.emit(Change(frozenset({"queue", "external_labels"})), "")

    def stop(self) -> None:
        self._poll.stop()
        for watcher in self._watchers:
            try:
                watcher.stop()
            except Exception:
                log.exception("stopping a watcher failed")
        self._watchers.clear()
