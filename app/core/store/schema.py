"""The store's schema as an ordered list of forward migrations.

``PRAGMA user_version`` holds the schema version; ``PRAGMA application_id`` marks the file as
a Vetbench store so a foreign SQLite file is recognised and never written to.

Rules for editing this file: a released migration is FROZEN — never edit an entry of
:data:`MIGRATIONS`; append a new one. Tests rebuild a store at every earlier version from these
very lists and migrate it forward, so a changed entry would make them lie.
Each entry is a list of single SQL statements (triggers contain ``;`` inside BEGIN…END, so
statements are not split on semicolons) applied in one transaction with the version bump.
"""

from __future__ import annotations

import sqlite3

# "VtBn" — identifies a Vetbench store among SQLite files.
APPLICATION_ID = 0x5674426E

STATUSES = ("new", "in_review", "decided", "skipped", "needs_second_review")

_V1 = [
    """CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        ecosystem TEXT NOT NULL CHECK (ecosystem IN ('pypi', 'npm')),
        project TEXT NOT NULL,
        norm_project TEXT NOT NULL,
        versions TEXT NOT NULL DEFAULT '[]',
        baseline TEXT,
        source TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'new'
            CHECK (status IN ('new', 'in_review', 'decided', 'skipped', 'needs_second_review')),
        risk_level TEXT,
        risk_score REAL,
        report_count INTEGER NOT NULL DEFAULT 0,
        reporters TEXT NOT NULL DEFAULT '[]',
        received_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        decision_id INTEGER
    )""",
    "CREATE INDEX items_project ON items (ecosystem, norm_project)",
    """CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items (id),
        source TEXT NOT NULL,
        reporter TEXT,
        text TEXT,
        versions TEXT NOT NULL DEFAULT '[]',
        received_at TEXT NOT NULL
    )""",
    "CREATE INDEX reports_item ON reports (item_id)",
    """CREATE TABLE artifacts (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items (id),
        role TEXT NOT NULL CHECK (role IN ('new', 'baseline')),
        version TEXT,
        path TEXT,
        url TEXT,
        sha256 TEXT,
        added_at TEXT NOT NULL
    )""",
    "CREATE INDEX artifacts_item ON artifacts (item_id)",
    "CREATE INDEX artifacts_sha256 ON artifacts (sha256)",
    """CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items (id),
        verdict TEXT NOT NULL CHECK (verdict IN ('malicious', 'benign', 'indeterminate')),
        kind TEXT,
        action TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        confidence TEXT NOT NULL,
        outcome TEXT NOT NULL,
        evidence TEXT NOT NULL DEFAULT '[]',
        hit_labels TEXT NOT NULL DEFAULT '[]',
        reviewer TEXT NOT NULL,
        started_at TEXT,
        decided_at TEXT NOT NULL,
        seconds_spent REAL,
        undone_at TEXT,
        synced_at TEXT,
        sync_ref TEXT
    )""",
    "CREATE INDEX decisions_item ON decisions (item_id)",
    """CREATE TABLE action_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT,
        action TEXT NOT NULL,
        item_id INTEGER,
        decision_id INTEGER,
        detail TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TRIGGER action_log_no_update BEFORE UPDATE ON action_log
        BEGIN SELECT RAISE(ABORT, 'action_log is append-only'); END""",
    """CREATE TRIGGER action_log_no_delete BEFORE DELETE ON action_log
        BEGIN SELECT RAISE(ABORT, 'action_log is append-only'); END""",
]

_V2 = [
    # Each inbox file is imported exactly once: its sha256 is recorded in the same
    # transaction as the items it created.
    """CREATE TABLE inbox_files (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        item_ids TEXT NOT NULL DEFAULT '[]'
    )""",
    # Read-only records of other reviewers' labels, filled by the dataset sync.
    """CREATE TABLE external_labels (
        ecosystem TEXT NOT NULL,
        norm_project TEXT NOT NULL,
        project TEXT NOT NULL,
        version TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        label TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (ecosystem, norm_project, version, reviewer)
    )""",
    # The triage list pages: highest risk first, optionally within one status.
    "CREATE INDEX items_status_risk ON items (status, risk_score DESC, id)",
    "CREATE INDEX items_risk ON items (risk_score DESC, id)",
    "CREATE INDEX items_level ON items (risk_level)",
    "CREATE INDEX decisions_reviewer ON decisions (reviewer, id)",
    "CREATE INDEX action_log_item ON action_log (item_id)",
    # Deleting a decision would silently rewrite history: forbid it like the log.
    """CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are never deleted; undo appends instead'); END""",
]

_V3 = [
    # Substring search on project names over 100k items: a trigram full-text index kept in
    # step with items by triggers (external content: the names are not stored twice).
    """CREATE VIRTUAL TABLE items_name USING fts5(
        project, norm_project, content='items', content_rowid='id', tokenize='trigram'
    )""",
    "INSERT INTO items_name (items_name) VALUES ('rebuild')",
    """CREATE TRIGGER items_name_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_name (rowid, project, norm_project)
        VALUES (new.id, new.project, new.norm_project);
    END""",
    """CREATE TRIGGER items_name_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_name (items_name, rowid, project, norm_project)
        VALUES ('delete', old.id, old.project, old.norm_project);
    END""",
    """CREATE TRIGGER items_name_update AFTER UPDATE OF project, norm_project ON items BEGIN
        INSERT INTO items_name (items_name, rowid, project, norm_project)
        VALUES ('delete', old.id, old.project, old.norm_project);
        INSERT INTO items_name (rowid, project, norm_project)
        VALUES (new.id, new.project, new.norm_project);
    END""",
    # Undo looks up the log entry of one decision.
    "CREATE INDEX action_log_decision ON action_log (decision_id)",
]

_V4 = [
    # Campaigns (app.core.campaigns): payload fingerprints, IOCs, groups and bulk decisions.
    # Until v3 the campaign code created these tables itself on first use, so a v3 store may
    # hold them already, with exactly this DDL: IF NOT EXISTS keeps their rows.
    """CREATE TABLE IF NOT EXISTS campaign_fingerprints (
        item_id INTEGER NOT NULL,
        path TEXT NOT NULL,
        exact TEXT NOT NULL,
        fuzzy TEXT,
        size INTEGER NOT NULL,
        capabilities TEXT NOT NULL DEFAULT '[]',
        iocs TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (item_id, path)
    )""",
    "CREATE INDEX IF NOT EXISTS campaign_fingerprints_exact ON campaign_fingerprints (exact)",
    # Which release files an item was fingerprinted from (re-indexed when they change).
    """CREATE TABLE IF NOT EXISTS campaign_indexed (
        item_id INTEGER PRIMARY KEY,
        artifact_sha256 TEXT,
        indexed_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS item_iocs (
        item_id INTEGER NOT NULL,
        value TEXT NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (item_id, value)
    )""",
    "CREATE INDEX IF NOT EXISTS item_iocs_value ON item_iocs (value)",
    """CREATE TABLE IF NOT EXISTS campaigns (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS campaign_members (
        item_id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL,
        joined_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS campaign_members_campaign ON campaign_members (campaign_id)",
    # One row per decision a bulk campaign decision made, so it can be undone as one.
    """CREATE TABLE IF NOT EXISTS campaign_decisions (
        decision_id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL,
        bulk_id TEXT NOT NULL
    )""",
]

# MIGRATIONS[i] brings a store from version i to version i + 1.
MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4]
LATEST_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> int:
    """Bring the store to ``target`` inside one write transaction; return the old version.

    Safe when several processes open a fresh store at once: the version is re-read after the
    write lock is taken, so only the first one migrates.
    """
    if schema_version(conn) >= target:
        return target  # the common case: no write lock needed just to open
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)
        for version in range(current, target):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        if current < target:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current
