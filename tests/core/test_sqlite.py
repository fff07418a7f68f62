"""Switching a new file to WAL while another process writes to it must wait, not fail."""

import sqlite3
import threading
import time

import pytest

from app.core.sqlite import enable_wal


def _writer_holding(path, seconds):
    """Another connection in the middle of a write (a RESERVED lock on a rollback-journal
    file), as a second process creating the same store is."""
    started = threading.Event()

    def hold():
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (1)")
        started.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    t = threading.Thread(target=hold)
    t.start()
    started.wait(5)
    return t


def _new_file(tmp_path):
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    return path


def test_plain_pragma_fails_at_once_while_another_connection_writes(tmp_path):
    path = _new_file(tmp_path)
    t = _writer_holding(path, 0.5)
    conn = sqlite3.connect(path, timeout=5)
    start = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        conn.execute("PRAGMA journal_mode = WAL")
    assert time.monotonic() - start < 0.4  # SQLite did not wait its 5 s busy timeout
    t.join()


def test_enable_wal_waits_for_the_writer_and_switches(tmp_path):
    path = _new_file(tmp_path)
    t = _writer_holding(path, 0.3)
    conn = sqlite3.connect(path, timeout=5)
    enable_wal(conn, timeout=5)
    t.join()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_enable_wal_gives_up_after_its_timeout(tmp_path):
    path = _new_file(tmp_path)
    t = _writer_holding(path, 1.5)
    conn = sqlite3.connect(path, timeout=5)
    start = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        enable_wal(conn, timeout=0.3)
    assert time.monotonic() - start < 1.2
    t.join()
