"""Watch a folder and deliver its changes as debounced batches (Qt-free).

A scanner dropping fifty reports, or a ``git pull`` rewriting a dataset folder, produces a storm
of file-system events; consumers want one call with the set of files that changed once the
storm settles. :class:`FolderWatcher` turns watchdog events into such batches and calls
``callback(paths)`` on its own timer thread. The UI wraps the callback to hop onto the Qt
thread; the inbox importer and the dataset sync call it directly.

The batch lists paths that were created, modified, moved in or deleted: a consumer checks what
is still there. Paths moved *out* of the folder are reported under their old name.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

Callback = Callable[[list[Path]], None]


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher):
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path]
        dest = getattr(event, "dest_path", "")
        if dest:
            paths.append(dest)
        for p in paths:
            self._watcher._note(os.fsdecode(p))


class FolderWatcher:
    """Call ``callback(sorted paths)`` after ``debounce`` seconds without new events.

    ``patterns`` are fnmatch patterns on the file name (hidden files and ``*.tmp``/``*.part``
    files are always ignored, so writers can write-then-rename). ``emit_existing`` delivers the
    files already present as a first batch on :meth:`start` (work dropped while we were not
    running). ``recursive`` watches sub-folders too. Callback errors are logged, never fatal.
    """

    IGNORED = (".*", "*.tmp", "*.part", "*~")

    def __init__(
        self,
        path: str | os.PathLike[str],
        callback: Callback,
        debounce: float = 0.3,
        patterns: Iterable[str] = ("*.json",),
        *,
        recursive: bool = False,
        emit_existing: bool = False,
    ):
        self.path = Path(path)
        self.callback = callback
        self.debounce = float(debounce)
        self.patterns = tuple(patterns)
        self.recursive = recursive
        self.emit_existing = emit_existing
        self._pending: set[Path] = set()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._observer: BaseObserver | None = None  # Observer is the platform's subclass
        self._deliver_lock = threading.Lock()  # one callback at a time, in order

    def matches(self, path: Path) -> bool:
        name = path.name
        if any(fnmatch.fnmatch(name, pat) for pat in self.IGNORED):
            return False
        return any(fnmatch.fnmatch(name, pat) for pat in self.patterns)

    def _note(self, raw: str) -> None:
        p = Path(raw)
        if not self.matches(p):
            return
        with self._lock:
            self._pending.add(p)
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.debounce, self.flush)
            self._timer.daemon = True
            self._timer.start()

    def flush(self) -> None:
        """Deliver what is pending now (also called by the debounce timer)."""
        with self._deliver_lock:
            with self._lock:
                batch = sorted(self._pending)
                self._pending.clear()
                self._timer = None
            if not batch:
                return
            try:
                self.callback(batch)
            except Exception:  # a consumer bug must not kill the watcher thread
                log.exception("folder watcher callback failed for %s", self.path)

    def existing(self) -> list[Path]:
        it = self.path.rglob("*") if self.recursive else self.path.glob("*")
        return sorted(p for p in it if p.is_file() and self.matches(p))

    def start(self) -> FolderWatcher:
        """Start watching (creates the folder if missing). Returns self."""
        self.path.mkdir(parents=True, exist_ok=True)
        observer = Observer()
        observer.schedule(_Handler(self), str(self.path), recursive=self.recursive)
        observer.daemon = True
        observer.start()
        self._observer = observer
        if self.emit_existing:
            with self._lock:
                self._pending.update(self.existing())
            threading.Thread(target=self.flush, daemon=True).start()
        return self

    def stop(self, *, flush: bool = False) -> None:
        """Stop watching; pending changes are delivered first if ``flush``, else dropped."""
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if flush:
            self.flush()
        else:
            with self._lock:
                self._pending.clear()

    @property
    def running(self) -> bool:
        return self._observer is not None

    def __enter__(self) -> FolderWatcher:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
