"""A findings cache in SQLite: the hits of one file content under one rules version.

Keyed by (file sha256, rules version, context). The context is what changes a file's hits
besides its bytes: its role (setup.py, .pth, test, plain code) and the kind of scan. Hits are
stored without their path and get the member's path back on read, so the same file under a
new release folder (the unchanged files of the next release) is also a cache hit.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from app import config
from app.core.capabilities.model import Hit
from app.core.sqlite import enable_wal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS findings_cache (
    sha256 TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    context TEXT NOT NULL,
    hits TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (sha256, rules_version, context)
)
"""


def default_cache_path() -> Path:
    """``$VETBENCH_CACHE_DIR/findings.sqlite`` or the user cache dir (see :mod:`app.config`)."""
    return config.findings_cache_path()


class FindingsCache:
    """``get``/``put`` of one file's hits; safe to share between threads of one process."""

    def __init__(self, db_path: str | Path | None = None):
        self.path = Path(db_path) if db_path else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        enable_wal(self._conn, 30)
        self._conn.execute(_SCHEMA)
        self._conn.commit()
        self.hits = 0
        self.misses = 0
        self._pending: dict[tuple[str, str, str], tuple[str, str | None]] = {}

    def get(
        self, sha256: str, rules_version: str, context: str, path: str
    ) -> tuple[list[Hit], str | None] | None:
        with self._lock:
            row = (
                self._pending.get((sha256, rules_version, context))
                or self._conn.execute(
                    "SELECT hits, note FROM findings_cache WHERE sha256=? AND rules_version=? AND context=?",
                    (sha256, rules_version, context),
                ).fetchone()
            )
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return [Hit.from_json({**h, "path": path}) for h in json.loads(row[0])], row[1]

    def put(
        self,
        sha256: str,
        rules_version: str,
        context: str,
        hits: list[Hit],
        note: str | None = None,
    ) -> None:
        payload = json.dumps([{k: v for k, v in h.to_json().items() if k != "path"} for h in hits])
        with self._lock:
            self._pending[(sha256, rules_version, context)] = (payload, note)
            if len(self._pending) >= 500:
                self._write_pending()

    def flush(self) -> None:
        """Write pending puts (``scan_artifact`` calls this once per artifact)."""
        with self._lock:
            self._write_pending()

    def _write_pending(self) -> None:
        """Puts are kept in memory and written in one short transaction: a write transaction
        left open while files are analysed would hold SQLite's write lock, and another
        process scanning with the same cache (``scan --jobs``) would wait on it."""
        if not self._pending:
            return
        rows = [(*key, payload, note) for key, (payload, note) in self._pending.items()]
        self._pending = {}
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO findings_cache (sha256, rules_version, context, hits, note) VALUES (?,?,?,?,?)",
                rows,
            )

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._conn.close()

    def __enter__(self) -> FindingsCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
