"""Background work for the window: lanes of workers that hand results back by signal.

Why this shape (habits from Anki and git-cola):

* Each *lane* is a one-thread pool, so the work of one kind (store writes, release loading,
  file diffs) runs in order and never races with itself.
* Every request carries a *token*. Submitting a new request for the same *key* cancels the
  previous one (its :class:`CancelFlag` is set, which core functions poll) and makes its token
  stale: a stale result is dropped, never painted onto the item the user has since left.
* Progress is reported by the work through a callback; the window shows a progress bar only
  when the work is still running after :data:`PROGRESS_DELAY_MS`, so quick work never flickers.
* Exceptions become a ``failed`` signal with a one-line message and the details, shown in the
  error banner — never a traceback in the user's face.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QRunnable, QThreadPool, Signal

from app.errors import Cancelled

PROGRESS_DELAY_MS = 600


class CancelFlag(threading.Event):
    """A cancel hook that core functions can poll: ``cancel()`` or ``cancel.is_set()``."""

    def __call__(self) -> bool:
        return self.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` when set (for work that prefers exceptions)."""
        if self.is_set():
            raise Cancelled()


@dataclass
class Request:
    """One unit of background work (what the window sees of it)."""

    lane: str
    key: str
    token: int
    label: str
    cancel: CancelFlag = field(default_factory=CancelFlag)
    started: float = field(default_factory=time.monotonic)


class _Signals(QObject):
    # Lives on the GUI thread; emitted from the worker, so delivery is queued to the GUI.
    done = Signal(object, object)  # Request, result
    error = Signal(object, str, str)  # Request, message, details
    progress = Signal(object, int, int, str)  # Request, done, total, text


class _Job(QRunnable):
    def __init__(self, runner: Runner, request: Request, fn: Callable[..., Any]):
        super().__init__()
        self.setAutoDelete(True)
        self._runner = runner
        self._request = request
        self._fn = fn

    def run(self) -> None:  # worker thread
        try:
            self._run()
        except RuntimeError as exc:
            # The window closed while this job ran on (shutdown waits 3 s, a big release's
            # grouping takes longer): its signals are gone and nobody waits for the result.
            if "deleted" not in str(exc):
                raise

    def _run(self) -> None:
        req = self._request
        signals = self._runner._signals
        if req.cancel.is_set():
            signals.done.emit(req, _SKIPPED)
            return

        def progress(done: int, total: int = 0, text: str = "") -> None:
            if not req.cancel.is_set():
                signals.progress.emit(req, int(done), int(total), str(text))

        try:
            result = self._fn(req.cancel, progress)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the banner
            if isinstance(exc, Cancelled):
                signals.done.emit(req, _SKIPPED)
                return
            message = f"{req.label}: {type(exc).__name__}: {exc}"
            signals.error.emit(req, message.splitlines()[0][:300], traceback.format_exc())
            return
        signals.done.emit(req, _Box(result))


class _Box:
    """Carries a result through a Qt signal untouched (PySide would convert a bare tuple,
    list or dict into a Qt container on the way)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


_SKIPPED = object()


class Runner(QObject):
    """All background lanes of one window.

    ``submit(lane, key, fn, on_done)`` runs ``fn(cancel, progress)`` on the lane's worker and
    calls ``on_done(result)`` on the GUI thread — only if no newer request for ``key`` was
    submitted meanwhile.
    """

    busy_changed = Signal(bool)
    progress = Signal(str, int, int)  # text, done, total (only for work older than the delay)
    failed = Signal(str, str)  # message, details
    dropped = Signal(str)  # key of a result that arrived stale (for tests and the log)

    def __init__(
        self, lanes: tuple[str, ...] = ("store", "release", "file", "syntax", "io"), parent=None
    ):
        super().__init__(parent)
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._signals.error.connect(self._on_error)
        self._signals.progress.connect(self._on_progress)
        self._pools: dict[str, QThreadPool] = {}
        for name in lanes:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(1)
            pool.setExpiryTimeout(-1)
            self._pools[name] = pool
        self._token = 0
        self._current: dict[str, Request] = {}
        self._pending: dict[int, tuple[Request, Callable | None, Callable | None]] = {}

    # ------------------------------------------------------------------ submit / cancel

    def submit(
        self,
        lane: str,
        key: str,
        fn: Callable[[CancelFlag, Callable], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str, str], None] | None = None,
        label: str = "",
    ) -> Request:
        """Queue ``fn`` on ``lane``; a newer submit with the same ``key`` supersedes it."""
        self._token += 1
        old = self._current.get(key)
        if old is not None:
            old.cancel.set()
        req = Request(lane, key, self._token, label or key)
        was_idle = not self._pending
        self._current[key] = req
        self._pending[req.token] = (req, on_done, on_error)
        self._pools[lane].start(_Job(self, req, fn))
        if was_idle:
            self.busy_changed.emit(True)
        return req

    def cancel(self, key: str) -> None:
        """Cancel the current request for ``key``; its result will be dropped."""
        req = self._current.pop(key, None)
        if req is not None:
            req.cancel.set()

    def cancel_all(self, keep: Callable[[str], bool] | None = None) -> None:
        """Cancel every current request, except those whose key ``keep(key)`` protects."""
        for key in list(self._current):
            if keep is None or not keep(key):
                self.cancel(key)

    def is_current(self, req: Request) -> bool:
        cur = self._current.get(req.key)
        return cur is not None and cur.token == req.token and not req.cancel.is_set()

    def pending(self, key: str) -> bool:
        """Is a request for ``key`` queued or running (and not superseded)?"""
        return any(r.key == key and not r.cancel.is_set() for r, _, _ in self._pending.values())

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def describe_pending(self) -> list[str]:
        """Labels of the queued or running work, superseded ones marked (for a stuck-wait
        message in tests and the log)."""
        return [
            f"{r.lane}/{r.label}" + (" (cancelled)" if r.cancel.is_set() else "")
            for r, _, _ in self._pending.values()
        ]

    def oldest_running(self) -> Request | None:
        live = [r for r, _, _ in self._pending.values() if not r.cancel.is_set()]
        return min(live, key=lambda r: r.started) if live else None

    # ------------------------------------------------------------------ results (GUI thread)

    def _finish(self, req: Request) -> tuple[Callable | None, Callable | None, bool]:
        _, on_done, on_error = self._pending.pop(req.token, (req, None, None))
        current = self.is_current(req)
        if current:
            self._current.pop(req.key, None)
        if not self._pending:
            self.busy_changed.emit(False)
        return on_done, on_error, current

    def _on_done(self, req: Request, result: Any) -> None:
        result = result.value if isinstance(result, _Box) else result
        on_done, _, current = self._finish(req)
        if not current or result is _SKIPPED:
            self.dropped.emit(req.key)
            return
        if on_done is not None:
            on_done(result)

    def _on_error(self, req: Request, message: str, details: str) -> None:
        _, on_error, current = self._finish(req)
        if not current:
            self.dropped.emit(req.key)
            return
        if on_error is not None:
            on_error(message, details)
        else:
            self.failed.emit(message, details)

    def _on_progress(self, req: Request, done: int, total: int, text: str) -> None:
        if self.is_current(req):
            self.progress.emit(text or req.label, done, total)

    # ------------------------------------------------------------------ waiting

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Spin the event loop until no work is pending (for --screenshot and tests)."""
        deadline = time.monotonic() + timeout_ms / 1000
        app = QCoreApplication.instance()
        while self._pending and time.monotonic() < deadline:
            for pool in self._pools.values():
                pool.waitForDone(10)
            if app is not None:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        return not self._pending

    def shutdown(self) -> None:
        """Cancel everything and wait for the workers (at window close)."""
        self.cancel_all()
        for pool in self._pools.values():
            pool.clear()
            pool.waitForDone(3000)
