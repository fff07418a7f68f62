"""The sync's small memory of a dataset: which label files it has seen, and what they said.

One SQLite file per (store, dataset) pair, beside the store (``<db>.sync-<hash>.sqlite3``), so
the dataset itself stays clean and two stores syncing through one folder keep separate
memories. A row per label file holds its stat signature (mtime_ns, size, inode) and a summary of
the label (enough for conflicts, the manifest and the OSV records), so a sync reads and parses
only files whose signature changed.

The state is a cache, never the truth: losing it (or a crash before it is saved) costs a full
re-read, and every step it guards is idempotent, so nothing is lost or duplicated.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_VERSION = 2
SUMMARY_KEYS = (
    "ecosystem",
    "name",
    "version",
    "reviewer",
    "verdict",
    "action",
    "withdrawn",
    "reason",
    "decided_at",
    "kind",
)


@dataclass(frozen=True)
class FileSig:
    mtime_ns: int
    size: int
    ino: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileSig:
        return cls(st.st_mtime_ns, st.st_size, st.st_ino)


def state_path_for(db_path: Path, dataset: Path) -> Path:
    key = hashlib.sha256(str(Path(dataset).resolve()).encode()).hexdigest()[:12]
    return Path(str(db_path) + f".sync-{key}.sqlite3")


class SyncState:
    """Per-file signatures and label summaries; see the module docstring."""

    def __init__(self, path: Path | str):
        self.path = Path(path) if path != ":memory:" else path
        self.conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version != STATE_VERSION:
            # A cache: an unknown layout is simply rebuilt.
            self.conn.executescript(
                """
                DROP TABLE IF EXISTS files;
                DROP TABLE IF EXISTS meta;
                DROP TABLE IF EXISTS dirty;
                DROP TABLE IF EXISTS conflicts;
                CREATE TABLE files (
                    path TEXT PRIMARY KEY,
                    mtime_ns INTEGER, size INTEGER, ino INTEGER,
                    error TEXT,
                    ecosystem TEXT, name TEXT, version TEXT, reviewer TEXT,
                    summary TEXT
                );
                CREATE INDEX files_pkg ON files (ecosystem, name);
                CREATE INDEX files_ver ON files (ecosystem, name, version);
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
                -- Versions whose labels changed but whose consequences (conflict check,
                -- OSV record, manifest) are not done yet: survives a crash, cleared at the end.
                CREATE TABLE dirty (ecosystem TEXT, name TEXT, version TEXT,
                                    PRIMARY KEY (ecosystem, name, version));
                -- Conflicts already acted on (queue re-opened), with their label signature.
                CREATE TABLE conflicts (key TEXT PRIMARY KEY, sig TEXT);
                """
            )
            self.conn.execute(f"PRAGMA user_version={STATE_VERSION}")

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------ transactions

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def reset(self) -> None:
        """Forget everything (the next pull re-reads the whole dataset)."""
        self.conn.executescript("DELETE FROM files; DELETE FROM dirty; DELETE FROM conflicts;")

    def foreign_count(self, mine: set[str]) -> int:
        """How many indexed labels are other reviewers' (each must be in the store)."""
        marks = ",".join("?" * len(mine)) or "''"
        return int(
            self.conn.execute(
                f"SELECT count(*) FROM files WHERE summary IS NOT NULL AND reviewer NOT IN ({marks})",
                list(mine),
            ).fetchone()[0]
        )

    # ------------------------------------------------------------------ files

    def signatures(self) -> dict[str, tuple[FileSig, str | None]]:
        return {
            r["path"]: (FileSig(r["mtime_ns"], r["size"], r["ino"]), r["error"])
            for r in self.conn.execute("SELECT path, mtime_ns, size, ino, error FROM files")
        }

    def put_label(self, path: str, sig: FileSig, label: dict[str, Any]) -> None:
        summary = {k: label.get(k) for k in SUMMARY_KEYS}
        self.conn.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,NULL,?,?,?,?,?)",
            (
                path,
                sig.mtime_ns,
                sig.size,
                sig.ino,
                label["ecosystem"],
                label["name"],
                label["version"],
                label["reviewer"],
                json.dumps(summary, sort_keys=True),
            ),
        )

    def put_error(self, path: str, sig: FileSig, error: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,NULL,NULL,NULL,NULL,NULL)",
            (path, sig.mtime_ns, sig.size, sig.ino, error),
        )

    def drop(self, path: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT summary FROM files WHERE path=?", (path,)).fetchone()
        self.conn.execute("DELETE FROM files WHERE path=?", (path,))
        return json.loads(row["summary"]) if row and row["summary"] else None

    def summary(self, path: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT summary FROM files WHERE path=?", (path,)).fetchone()
        return json.loads(row["summary"]) if row and row["summary"] else None

    def labels_of_package(self, ecosystem: str, name: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT summary FROM files WHERE ecosystem=? AND name=? AND summary IS NOT NULL",
            (ecosystem, name),
        )
        return [json.loads(r["summary"]) for r in rows]

    def labels_of_version(self, ecosystem: str, name: str, version: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT summary FROM files WHERE ecosystem=? AND name=? AND version=?"
            " AND summary IS NOT NULL",
            (ecosystem, name, version),
        )
        return [json.loads(r["summary"]) for r in rows]

    def all_labels(self) -> Iterable[dict[str, Any]]:
        for r in self.conn.execute("SELECT summary FROM files WHERE summary IS NOT NULL"):
            yield json.loads(r["summary"])

    def errors(self) -> list[tuple[str, str]]:
        return [
            (r["path"], r["error"])
            for r in self.conn.execute("SELECT path, error FROM files WHERE error IS NOT NULL")
        ]

    # ------------------------------------------------------------------ dirty versions

    def mark_dirty(self, key: tuple[str, str, str]) -> None:
        self.conn.execute("INSERT OR IGNORE INTO dirty VALUES (?,?,?)", key)

    def dirty(self) -> set[tuple[str, str, str]]:
        return {tuple(r) for r in self.conn.execute("SELECT ecosystem, name, version FROM dirty")}

    def clear_dirty(self, keys: Iterable[tuple[str, str, str]]) -> None:
        self.conn.executemany(
            "DELETE FROM dirty WHERE ecosystem=? AND name=? AND version=?", list(keys)
        )

    # ------------------------------------------------------------------ meta

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.conn.execute("DELETE FROM meta WHERE key=?", (key,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))

    # ------------------------------------------------------------------ conflicts

    def conflict_signature(self, key: str) -> str | None:
        """The reviewers and verdicts of a conflict as last seen (None: no conflict known)."""
        row = self.conn.execute("SELECT sig FROM conflicts WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_conflict(self, key: str, sig: str | None) -> None:
        """Remember a conflict's signature, or forget it (None) once it is resolved."""
        if sig is None:
            self.conn.execute("DELETE FROM conflicts WHERE key=?", (key,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO conflicts VALUES (?,?)", (key, sig))
