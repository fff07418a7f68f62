"""The campaign tables come from a versioned migration, also on stores that had them already.

Before schema v4 the campaign code created its tables itself (``CREATE TABLE IF NOT EXISTS``)
the first time it ran, so a v3 store may or may not hold them. Both kinds must open, keep
their rows and end up with the same tables. The old ad-hoc DDL is copied here, frozen, the way
earlier releases ran it.
"""

from __future__ import annotations

import sqlite3

import pytest

from app.core.campaigns import grouping as camp
from app.core.store.db import Store
from app.core.store.schema import APPLICATION_ID, LATEST_VERSION, MIGRATIONS

PREVIOUS = 3  # the last schema without the campaign tables
CAMPAIGN_TABLES = {
    "campaign_fingerprints",
    "campaign_indexed",
    "item_iocs",
    "campaigns",
    "campaign_members",
    "campaign_decisions",
}
OLD_AD_HOC_DDL = [
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
    """CREATE TABLE IF NOT EXISTS campaign_decisions (
    decision_id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL,
    bulk_id TEXT NOT NULL
)""",
]
T = "2026-01-01T00:00:00.000Z"


def v3_store(path, *, with_campaign_tables: bool) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for statements in MIGRATIONS[:PREVIOUS]:
        for sql in statements:
            conn.execute(sql)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {PREVIOUS}")
    for n in (1, 2):
        conn.execute(
            "INSERT INTO items (id, ecosystem, project, norm_project, versions, source, status,"
            " report_count, reporters, received_at, updated_at) VALUES"
            " (?, 'pypi', ?, ?, '[\"1.0\"]', 'manual', 'new', 1, '[]', ?, ?)",
            (n, f"copy-{n}", f"copy-{n}", T, T),
        )
    if with_campaign_tables:
        for sql in OLD_AD_HOC_DDL:
            conn.execute(sql)
        conn.execute("INSERT INTO campaigns (id, created_at) VALUES (7, ?)", (T,))
        for n in (1, 2):
            conn.execute("INSERT INTO campaign_members VALUES (?, 7, ?)", (n, T))
            conn.execute(
                "INSERT INTO campaign_fingerprints VALUES (?, 'pkg/__init__.py', 'abc', NULL, 10,"
                ' \'["network"]\', \'{"domains": ["evil.example.invalid"]}\')',
                (n,),
            )
            conn.execute(
                "INSERT INTO item_iocs VALUES (?, 'evil.example.invalid', 'domains')", (n,)
            )
            conn.execute("INSERT INTO campaign_indexed VALUES (?, 'sha', ?)", (n, T))
    conn.close()


def tables(path) -> set[str]:
    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    return names


def test_a_new_store_has_the_campaign_tables_from_its_migrations(tmp_path):
    path = tmp_path / "new.sqlite3"
    Store.open(path).close()
    assert tables(path) >= CAMPAIGN_TABLES


@pytest.mark.parametrize("with_campaign_tables", [False, True])
def test_a_v3_store_upgrades_with_or_without_ad_hoc_campaign_tables(tmp_path, with_campaign_tables):
    path = tmp_path / "v3.sqlite3"
    v3_store(path, with_campaign_tables=with_campaign_tables)
    with Store.open(path) as store:
        assert store.schema_version == LATEST_VERSION > PREVIOUS
        assert tables(path) >= CAMPAIGN_TABLES
        assert {
            "campaign_fingerprints_exact",
            "item_iocs_value",
            "campaign_members_campaign",
        } <= tables(path)
        if with_campaign_tables:
            assert camp.memberships(store) == {1: (7, 2), 2: (7, 2)}
            (campaign,) = camp.regroup(store)  # the id survives a recomputation
            assert campaign.id == 7 and campaign.capabilities == ["network"]
            assert [i["id"] for i in camp.search_iocs(store, "example.invalid")["items"]] == [1, 2]
        else:
            assert camp.memberships(store) == {}
            assert camp.list_campaigns(store) == []
            assert camp.undo_campaign(store, 1) is None
