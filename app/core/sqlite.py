"""SQLite statements that must wait for other processes, not fail at once.

SQLite's busy timeout does not cover every case: ``BEGIN IMMEDIATE`` can meet an immediate
SQLITE_BUSY, and switching a new file to WAL answers "database is locked" at once when another
connection is mid-write (several processes opening the same new store together: ``scan
--jobs``, two app windows). Both are retried here until a deadline.
"""

from __future__ import annotations

import sqlite3
import time


def execute_when_free(conn: sqlite3.Connection, sql: str, timeout: float) -> None:
    """Run ``sql``, retrying with a growing pause while the file is locked or busy; the last
    :class:`sqlite3.OperationalError` is raised once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            conn.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            msg = str(exc).lower()
            if ("locked" not in msg and "busy" not in msg) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """``PRAGMA journal_mode = WAL``, waiting while another process holds the file."""
    execute_when_free(conn, "PRAGMA journal_mode = WAL", timeout)
