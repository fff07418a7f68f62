"""Switching an SQLite file to WAL safely when several processes open it at once."""

from __future__ import annotations

import sqlite3
import time


def enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """``PRAGMA journal_mode = WAL``, retried while another process holds the file.

    Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is
    locked" at once instead of waiting its busy timeout when another connection is reading
    it: several processes opening the same new store together (``scan --jobs``, two app
    windows) hit this. The switch is retried until ``timeout``.
    """
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
