"""The local store: one SQLite file holding the review queue, decisions and the action log.

Why it is shaped this way:

* **Embedded, one file** (default in the user data dir, see :mod:`app.config`); several
  processes (two app windows, the inbox watcher, the CLI) may write at once. WAL mode, a busy
  timeout and ``BEGIN IMMEDIATE`` with a retry make writers queue up instead of failing, and
  ``synchronous=FULL`` means an acknowledged decision is on disk, not just in a cache.
* **Never damage what is not ours**: an existing file is checked (SQLite header, application
  id, schema version) before anything is written; a corrupt, foreign or newer-version file
  raises :class:`StoreError` and stays byte-for-byte untouched.
* **Every operation returns a** :class:`~app.core.store.records.Change` saying what it touched,
  so a view refreshes only that (Anki's pattern). Undo lives here, not in widgets.
* **History is append-only**: the action log refuses UPDATE/DELETE (SQLite triggers), decisions
  are never deleted; undo appends an ``undone`` entry.

One :class:`Store` object wraps one connection guarded by a lock, so it may be shared between
threads; the UI should still funnel writes through one worker thread (single writer).
Decisions, undo, the log and external labels live in :mod:`app.core.store.decisions`, the
campaign tables in :mod:`app.core.store.campaigns`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from app import config
from app.config import resolve_db_path
from app.core.capabilities.model import SEVERITIES
from app.core.decisions import now_iso
from app.core.sqlite import enable_wal, execute_when_free
from app.core.store.campaigns import CampaignOps, like_escape
from app.core.store.decisions import DecisionOps
from app.core.store.errors import ItemNotFound, StoreError
from app.core.store.health import damaged, integrity_problems, is_disk_or_damage, store_error
from app.core.store.records import (
    ECOSYSTEMS,
    OPEN_STATUSES,
    SOURCES,
    ArtifactRef,
    Change,
    QueueItem,
    Report,
    normalise_project,
)
from app.core.store.schema import APPLICATION_ID, LATEST_VERSION, STATUSES, apply_migrations

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables other tools may create in the same file before the store first opens it.
CO_TENANT_TABLES = frozenset({"findings_cache"})
ORDERS = {
    "risk": "risk_score DESC, id",  # triage: most dangerous first, oldest first among equals
    "newest": "id DESC",
    "oldest": "id",
    "project": "norm_project, id",
}
DEFAULT_PAGE = 100
__all__ = ["Store", "StoreError", "ItemNotFound", "Change", "QueueItem", "ORDERS"]


def _check_existing_file(path: Path) -> None:
    """Refuse, before opening, anything that is not an SQLite file (reads only)."""
    if path.is_dir():
        raise StoreError(f"store path {path} is a folder, not a database file")
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_HEADER))
    if head != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not a Vetbench store (not an SQLite database); it was left untouched"
        )


class Store(DecisionOps, CampaignOps):
    """The review queue, decisions and action log in one SQLite file. Use :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout: float = 30.0):
        self._conn = conn
        self.path = path
        self._timeout = timeout
        self._lock = threading.RLock()
        self._tx_depth = 0

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 30.0,
        synchronous: str | None = None,
    ) -> Store:
        """Open (creating if missing) the store at ``path``; None means ``default_db_path()``.

        ``timeout``: how long a write waits for other writers before :class:`StoreError`.
        ``synchronous``: ``FULL`` (default) fsyncs every commit, so an acknowledged decision
        survives even a power cut; ``NORMAL`` survives a killed process but may lose the last
        commits on power loss, for slow disks. None reads ``$VETBENCH_SYNCHRONOUS``.

        Raises :class:`StoreError` for a corrupt or foreign file, or one written by a newer
        Vetbench; such a file is never modified.
        """
        if synchronous is None:
            synchronous = config.synchronous()
        if synchronous not in ("FULL", "NORMAL"):
            raise StoreError(f"synchronous is FULL or NORMAL (got {synchronous!r})")
        p = resolve_db_path(path)
        _check_existing_file(p)
        existing = p.is_file() and p.stat().st_size > 0
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise store_error(exc, p, "create the folder for") from None
        try:
            conn = sqlite3.connect(
                str(p), timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {p}: {exc}") from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cls._check_identity(conn, p)
            problems = integrity_problems(conn, full=False) if existing else []
            if problems:  # before anything is written: a damaged file stays as it is
                raise damaged(p, f"quick_check: {problems[0]}")
            enable_wal(conn, timeout)
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            apply_migrations(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise store_error(exc, p, "open") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, p, timeout)

    @staticmethod
    def _check_identity(conn: sqlite3.Connection, p: Path) -> None:
        """Read-only checks: whose file is this, and can this version use it?

        The three reads share one read transaction: another process may be creating the same
        new store right now, and a mixed view (its tables, but not yet its application id)
        would look like a foreign database.
        """
        conn.execute("BEGIN")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                r[0]
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not r[0].startswith("sqlite_")
            }
        finally:
            conn.execute("COMMIT")
        if app_id == APPLICATION_ID:
            if version > LATEST_VERSION:
                raise StoreError(
                    f"{p} was written by a newer Vetbench (schema v{version}; this one knows "
                    f"up to v{LATEST_VERSION}); upgrade Vetbench to open it"
                )
            return
        if app_id == 0 and version == 0 and tables <= CO_TENANT_TABLES:
            return  # a new file (possibly holding only the capability cache)
        raise StoreError(
            f"{p} is an SQLite database of another application, not a Vetbench store; "
            "it was left untouched (choose another --db path)"
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # ------------------------------------------------------------------ transactions

    def _begin(self) -> None:
        """BEGIN IMMEDIATE takes the write lock up front (no deadlock on upgrade); the busy
        timeout waits for other writers, and a retry covers the rare immediate BUSY."""
        try:
            execute_when_free(self._conn, "BEGIN IMMEDIATE", self._timeout)
        except sqlite3.OperationalError as exc:
            if is_disk_or_damage(exc):  # read-only or full, not busy
                raise store_error(exc, self.path, "write to") from None
            raise StoreError(
                f"store {self.path} stayed busy for {self._timeout:g} s (another "
                f"Vetbench is writing): {exc}"
            ) from None

    @contextmanager
    def batch(self) -> Iterator[Store]:
        """Group several operations into one transaction: all of them land, or none.

        Re-entrant: operations inside call it again and simply join the open transaction.
        """
        with self._lock:
            if self._tx_depth:
                self._tx_depth += 1
                try:
                    yield self
                finally:
                    self._tx_depth -= 1
                return
            self._begin()
            self._tx_depth = 1
            try:
                yield self
            except BaseException:
                self._tx_depth = 0
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._tx_depth = 0
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise store_error(exc, self.path, "save to") from None

    def _x(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            if is_disk_or_damage(exc):  # a full/read-only disk or malformed pages, said so
                raise store_error(exc, self.path, "write to") from None
            raise

    def _append_log(
        self,
        action: str,
        *,
        actor: str | None = None,
        item_id: int | None = None,
        decision_id: int | None = None,
        detail: dict | None = None,
    ) -> int:
        cur = self._x(
            "INSERT INTO action_log (at, actor, action, item_id, decision_id, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (now_iso(), actor, action, item_id, decision_id, json.dumps(detail or {})),
        )
        return int(cast(int, cur.lastrowid))

    # ------------------------------------------------------------------ queue items

    def add_item(
        self,
        ecosystem: str,
        project: str,
        versions: Sequence[str] | str = (),
        *,
        baseline: str | None = None,
        source: str = "manual",
        reporter: str | None = None,
        report_text: str | None = None,
        artifact_path: str | None = None,
        artifact_sha256: str | None = None,
        artifact_url: str | None = None,
        risk_level: str | None = None,
        risk_score: float | None = None,
    ) -> tuple[QueueItem, Change]:
        """Queue a report on ``project``; a further report on a project already waiting folds
        into its item (versions merged, reporter added, report count +1) as PyPI's admin
        queue does. A report about releases already decided is counted on the decided item
        without reopening it; one about new releases opens a new item."""
        if isinstance(versions, str):
            versions = [versions]
        versions = [str(v).strip() for v in versions if str(v).strip()]
        if ecosystem not in ECOSYSTEMS:
            raise StoreError(
                f"ecosystem must be one of {', '.join(ECOSYSTEMS)} (got {ecosystem!r})"
            )
        if not project or not project.strip():
            raise StoreError("a queue item needs a project name")
        if source not in SOURCES:
            raise StoreError(f"source must be one of {', '.join(SOURCES)} (got {source!r})")
        if risk_level is not None and risk_level not in SEVERITIES:
            raise StoreError(f"risk level must be one of {', '.join(SEVERITIES)}")
        project = project.strip()
        norm = normalise_project(ecosystem, project)
        now = now_iso()
        with self.batch():
            row = self._x(
                "SELECT * FROM items WHERE ecosystem = ? AND norm_project = ?"
                " ORDER BY id DESC LIMIT 1",
                (ecosystem, norm),
            ).fetchone()
            target = None
            if row is not None:
                known = json.loads(row["versions"])
                if row["status"] in OPEN_STATUSES or row["status"] == "skipped":
                    target = row
                elif row["status"] == "decided" and versions and set(versions) <= set(known):
                    target = row
            if target is None:
                cur = self._x(
                    "INSERT INTO items (ecosystem, project, norm_project, versions, baseline,"
                    " source, status, risk_level, risk_score, report_count, reporters,"
                    " received_at, updated_at) VALUES (?,?,?,?,?,?,'new',?,?,1,?,?,?)",
                    (
                        ecosystem,
                        project,
                        norm,
                        json.dumps(versions),
                        baseline,
                        source,
                        risk_level,
                        risk_score,
                        json.dumps([reporter] if reporter else []),
                        now,
                        now,
                    ),
                )
                item_id = int(cast(int, cur.lastrowid))
                self._append_log(
                    "queue_add",
                    actor=reporter,
                    item_id=item_id,
                    detail={"project": project, "versions": versions, "source": source},
                )
            else:
                item_id = int(target["id"])
                merged = list(json.loads(target["versions"]))
                merged += [v for v in versions if v not in merged]
                reporters = list(json.loads(target["reporters"]))
                if reporter and reporter not in reporters:
                    reporters.append(reporter)
                status = "new" if target["status"] == "skipped" else target["status"]
                level, score = target["risk_level"], target["risk_score"]
                if risk_score is not None and (score is None or risk_score > score):
                    level, score = risk_level, risk_score
                self._x(
                    "UPDATE items SET versions = ?, reporters = ?, report_count = report_count + 1,"
                    " baseline = COALESCE(baseline, ?), status = ?, risk_level = ?,"
                    " risk_score = ?, updated_at = ? WHERE id = ?",
                    (
                        json.dumps(merged),
                        json.dumps(reporters),
                        baseline,
                        status,
                        level,
                        score,
                        now,
                        item_id,
                    ),
                )
                self._append_log(
                    "report",
                    actor=reporter,
                    item_id=item_id,
                    detail={"versions": versions, "source": source, "folded": True},
                )
            self._x(
                "INSERT INTO reports (item_id, source, reporter, text, versions, received_at)"
                " VALUES (?,?,?,?,?,?)",
                (item_id, source, reporter, report_text, json.dumps(versions), now),
            )
            if artifact_path or artifact_sha256 or artifact_url:
                self._insert_artifact(
                    item_id,
                    "new",
                    versions[-1] if versions else None,
                    artifact_path,
                    artifact_url,
                    artifact_sha256,
                )
            item = self.get_item(item_id)
        return item, Change(frozenset({"queue", "item", "log"}), frozenset({item_id}))

    def _insert_artifact(self, item_id, role, version, path, url, sha256) -> int:
        cur = self._x(
            "INSERT INTO artifacts (item_id, role, version, path, url, sha256, added_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (item_id, role, version, None if path is None else str(path), url, sha256, now_iso()),
        )
        return int(cast(int, cur.lastrowid))

    def get_item(self, item_id: int) -> QueueItem:
        """The item with this id; :class:`ItemNotFound` if there is none."""
        with self._lock:
            row = self._x("SELECT * FROM items WHERE id = ?", (int(item_id),)).fetchone()
        if row is None:
            raise ItemNotFound(f"no queue item {item_id}")
        return QueueItem.from_row(row)

    def _where(self, status, text, min_risk, ecosystem, *, page: bool = False) -> tuple[str, list]:
        """SQL conditions for the list filters. ``page``: the query walks the risk index in
        order and stops after one page, so the level test must not steer SQLite onto the
        level index (the unary ``+`` keeps it off) — counting wants the index instead."""
        clauses: list[str] = []
        params: list = []
        if status:
            statuses = [status] if isinstance(status, str) else list(status)
            bad = [s for s in statuses if s not in STATUSES]
            if bad:
                raise StoreError(f"status must be among {', '.join(STATUSES)} (got {bad[0]!r})")
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params += statuses
        if ecosystem:
            clauses.append("ecosystem = ?")
            params.append(ecosystem)
        if text and text.strip():
            raw_text = text.strip()
            norm_text = normalise_project("pypi", raw_text)
            if len(raw_text) >= 3:
                # Trigram index: narrows 100k names to the few containing the text.
                phrases = {raw_text, norm_text}
                clauses.append("id IN (SELECT rowid FROM items_name WHERE items_name MATCH ?)")
                params.append(" OR ".join('"' + p.replace('"', '""') + '"' for p in phrases))
            raw, norm = (like_escape(t) for t in (raw_text, norm_text))
            clauses.append("(project LIKE ? ESCAPE '\\' OR norm_project LIKE ? ESCAPE '\\')")
            params += [f"%{raw}%", f"%{norm}%"]
        if min_risk is not None and min_risk != "":
            if isinstance(min_risk, str) and min_risk in SEVERITIES:
                levels = SEVERITIES[SEVERITIES.index(min_risk) :]
                column = "+risk_level" if page else "risk_level"
                clauses.append(f"{column} IN ({','.join('?' * len(levels))})")
                params += list(levels)
            else:
                try:
                    params.append(float(min_risk))
                except (TypeError, ValueError):
                    raise StoreError(
                        f"min risk is a level ({', '.join(SEVERITIES)}) or a score"
                    ) from None
                clauses.append("risk_score >= ?")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list_items(
        self,
        status: str | Sequence[str] | None = None,
        text: str | None = None,
        min_risk: str | float | None = None,
        offset: int = 0,
        limit: int = DEFAULT_PAGE,
        order: str = "risk",
        ecosystem: str | None = None,
    ) -> list[QueueItem]:
        """One page of the queue. ``text`` matches anywhere in the project name (case and
        PEP 503 separators ignored); ``min_risk`` is a level name (``high`` means high or
        critical) or a score; ``order`` is one of risk (default), newest, oldest, project."""
        if order not in ORDERS:
            raise StoreError(f"order must be one of {', '.join(ORDERS)}")
        where, params = self._where(status, text, min_risk, ecosystem, page=True)
        sql = f"SELECT * FROM items{where} ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._x(sql, [*params, int(limit), int(offset)]).fetchall()
        return [QueueItem.from_row(r) for r in rows]

    def count_items(
        self,
        status: str | Sequence[str] | None = None,
        text: str | None = None,
        min_risk: str | float | None = None,
        ecosystem: str | None = None,
    ) -> int:
        where, params = self._where(status, text, min_risk, ecosystem)
        with self._lock:
            return int(self._x(f"SELECT count(*) FROM items{where}", params).fetchone()[0])

    def status_counts(self) -> dict[str, int]:
        """How many items are in each status (every status present, zero if none)."""
        with self._lock:
            rows = self._x("SELECT status, count(*) FROM items GROUP BY status").fetchall()
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({r[0]: r[1] for r in rows})
        return counts

    def set_status(self, item_id: int, status: str, *, actor: str | None = None) -> Change:
        """Move an item to another status (e.g. in_review when a reviewer opens it)."""
        if status not in STATUSES:
            raise StoreError(f"status must be one of {', '.join(STATUSES)} (got {status!r})")
        with self.batch():
            item = self.get_item(item_id)
            if item.status == status:
                return Change()
            self._x(
                "UPDATE items SET status = ?, updated_at = ? WHERE id = ?",
                (status, now_iso(), item.id),
            )
            self._append_log(
                "status",
                actor=actor,
                item_id=item.id,
                detail={"from": item.status, "to": status},
            )
        return Change(frozenset({"item", "queue", "log"}), frozenset({item.id}))

    def set_risk(self, item_id: int, level: str | None, score: float | None) -> Change:
        """Store the scan's risk on the item (the list sorts by it)."""
        if level is not None and level not in SEVERITIES:
            raise StoreError(f"risk level must be one of {', '.join(SEVERITIES)}")
        with self.batch():
            item = self.get_item(item_id)
            self._x(
                "UPDATE items SET risk_level = ?, risk_score = ?, updated_at = ? WHERE id = ?",
                (level, score, now_iso(), item.id),
            )
            self._append_log("risk", item_id=item.id, detail={"level": level, "score": score})
        return Change(frozenset({"item", "queue", "log"}), frozenset({item.id}))

    def attach_artifact(
        self,
        item_id: int,
        role: str = "new",
        path: str | os.PathLike[str] | None = None,
        sha256: str | None = None,
        *,
        url: str | None = None,
        version: str | None = None,
    ) -> tuple[ArtifactRef, Change]:
        """Record where an item's artifact (``new``) or its predecessor (``baseline``) is."""
        if role not in ("new", "baseline"):
            raise StoreError("artifact role is new or baseline")
        if path is None and url is None:
            raise StoreError("an artifact needs a path or a URL")
        with self.batch():
            item = self.get_item(item_id)
            if version is None and role == "new" and item.versions:
                version = item.versions[-1]
            if version is None and role == "baseline":
                version = item.baseline
            art_id = self._insert_artifact(item.id, role, version, path, url, sha256)
            self._append_log(
                "artifact",
                item_id=item.id,
                detail={
                    "role": role,
                    "path": None if path is None else str(path),
                    "url": url,
                    "sha256": sha256,
                },
            )
            row = self._x("SELECT * FROM artifacts WHERE id = ?", (art_id,)).fetchone()
        ref = ArtifactRef(**{k: row[k] for k in row.keys()})  # noqa: SIM118 - a Row iterates values
        return ref, Change(frozenset({"artifact", "item", "log"}), frozenset({item.id}))

    def artifacts_for(self, item_id: int) -> list[ArtifactRef]:
        with self._lock:
            rows = self._x(
                "SELECT * FROM artifacts WHERE item_id = ? ORDER BY id", (int(item_id),)
            ).fetchall()
        return [ArtifactRef(**{k: r[k] for k in r.keys()}) for r in rows]  # noqa: SIM118 - as above

    def reports_for(self, item_id: int) -> list[Report]:
        with self._lock:
            rows = self._x(
                "SELECT * FROM reports WHERE item_id = ? ORDER BY id", (int(item_id),)
            ).fetchall()
        return [
            Report(
                id=r["id"],
                item_id=r["item_id"],
                source=r["source"],
                reporter=r["reporter"],
                text=r["text"],
                versions=tuple(json.loads(r["versions"])),
                received_at=r["received_at"],
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ inbox bookkeeping

    def inbox_file_imported(self, sha256: str) -> bool:
        """Was an inbox file with this content already imported (exactly-once guard)?"""
        with self._lock:
            row = self._x("SELECT 1 FROM inbox_files WHERE sha256 = ?", (sha256,)).fetchone()
        return row is not None

    def record_inbox_file(self, sha256: str, name: str, item_ids: Sequence[int]) -> None:
        """Call inside :meth:`batch` together with the items the file created."""
        with self.batch():
            self._x(
                "INSERT INTO inbox_files (sha256, name, imported_at, item_ids) VALUES (?,?,?,?)",
                (sha256, name, now_iso(), json.dumps(sorted(set(item_ids)))),
            )
            self._append_log(
                "inbox_import",
                detail={"file": name, "sha256": sha256, "item_ids": sorted(set(item_ids))},
            )
