"""Is the store file sound, and when SQLite fails, whose fault is it: the file or the disk?

Why: a store with a damaged page still opens, and writing into it spreads the damage (SQLite
may reuse a broken free-list page for a new decision). So opening an existing store runs
``PRAGMA quick_check`` (it reads every page but skips the index cross-checks: well under a
second for a store of 100,000 items) and refuses a failing file before anything is written;
``vetbench store check`` runs the full ``integrity_check`` on demand.

The opposite mistake matters as much: a full disk or a read-only mount is not damage, and a
moderator told "your store is damaged" may delete a sound file. :func:`store_error` names
the cause from SQLite's result code (``disk full``, ``read-only``, ``disk I/O error``,
``busy``), and only ``SQLITE_CORRUPT``/``SQLITE_NOTADB`` are called damage.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from app.core.store.errors import StoreError

MAX_PROBLEMS = 20
# SQLite primary result codes (the low byte of an extended code).
_FULL, _READONLY, _IOERR, _CANTOPEN, _PERM = 13, 8, 10, 14, 3
_BUSY, _LOCKED = 5, 6
_CORRUPT, _NOTADB = 11, 26


def store_error(exc: BaseException, path: Path, doing: str) -> StoreError:
    """A one-line :class:`StoreError` naming the real cause of ``exc`` while ``doing``."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return StoreError(f"disk full: could not {doing} store {path}")
        if exc.errno == errno.EROFS:
            return StoreError(f"read-only: could not {doing} store {path} (read-only file system)")
        return StoreError(f"could not {doing} store {path}: {exc.strerror or exc}")
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == _FULL:
        return StoreError(f"disk full: could not {doing} store {path}; free space and retry")
    if primary in (_READONLY, _PERM):
        return StoreError(f"read-only: could not {doing} store {path} ({exc})")
    if primary == _IOERR:
        return StoreError(f"disk I/O error: could not {doing} store {path} ({exc})")
    if primary == _CANTOPEN:
        return StoreError(f"cannot open store {path}: {exc}")
    if primary in (_BUSY, _LOCKED):
        return StoreError(f"store {path} is busy (another Vetbench is writing): {exc}")
    if primary in (_CORRUPT, _NOTADB) or type(exc) is sqlite3.DatabaseError:
        return damaged(path, str(exc))
    return StoreError(f"could not {doing} store {path}: {exc}")


def is_disk_or_damage(exc: sqlite3.DatabaseError) -> bool:
    """True for a full or read-only disk, an I/O error or a damaged file; False for what the
    caller handles itself (constraints, a busy lock)."""
    if type(exc) is sqlite3.DatabaseError:
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (
        _FULL,
        _READONLY,
        _PERM,
        _IOERR,
        _CORRUPT,
        _NOTADB,
    )


def damaged(path: Path, why: str) -> StoreError:
    return StoreError(
        f"store {path} is damaged ({why}); it was left untouched: keep a copy, run "
        f"`vetbench store check --db {path}`, restore a backup or open another --db"
    )


def integrity_problems(conn: sqlite3.Connection, *, full: bool) -> list[str]:
    """What ``PRAGMA quick_check`` (or ``integrity_check`` when ``full``) reports; [] if ok.
    Reads only. A page too broken to even read is itself the one problem returned."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})").fetchall()
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in (_CORRUPT, _NOTADB) or type(exc) is sqlite3.DatabaseError:
            return [str(exc)]
        raise
    found = [str(r[0]) for r in rows]
    return [] if found == ["ok"] else found


def check_store_file(path: Path) -> list[str]:
    """The full integrity check of the store file at ``path``, opened read-only (nothing is
    written, not even a journal mode); [] when it passes. Raises :class:`StoreError` when
    the file cannot be opened at all."""
    if not path.is_file():
        raise StoreError(f"no store file at {path}")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise store_error(exc, path, "open") from None
    try:
        return integrity_problems(conn, full=True)
    except sqlite3.Error as exc:
        raise store_error(exc, path, "check") from None
    finally:
        conn.close()
