"""When yara-x cannot run the pattern rules, say so: once in the log, and in every scan result.

yara-x is the engine (measured ~25x faster than ``re`` on the same rules). If it fails to
import (a platform without a wheel, a broken install) or refuses a rule (a yara-x upgrade that
changed its regex dialect), the scan still runs with Python's ``re`` and finds the same things,
only slower. That used to happen silently, so a 25x slowdown looked like a slow package. Now
:func:`yara_unavailable` logs a warning once per reason per process and keeps the reason, and
:func:`notes` hands it to each :class:`~app.core.capabilities.model.ScanResult` (the ``notes``
of the JSON, the window's release notes, one stderr line of ``vetbench scan``).

``VETBENCH_PATTERN_ENGINE=re`` is a choice, not a failure: it records nothing.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)
_lock = threading.Lock()
_NOTES: list[str] = []


def yara_unavailable(exc: BaseException) -> str:
    """Record that yara-x failed with ``exc`` and the ``re`` engine runs instead; the first
    time a reason is seen in this process it is also logged as a warning. Returns the note."""
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    note = f"yara-x unavailable ({reason}), using the slower re engine"
    with _lock:
        if note in _NOTES:
            return note
        _NOTES.append(note)
    log.warning("%s", note)
    return note


def notes() -> list[str]:
    """Every fallback recorded in this process so far (empty when yara-x runs everything)."""
    with _lock:
        return list(_NOTES)


def shown_by_caller() -> None:
    """The caller prints :func:`notes` itself (``vetbench scan`` does, once per run even with
    worker processes): keep the logging module's last-resort handler from printing each
    warning a second time. Handlers an application configured still get the record."""
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())
