"""The store file: forward migrations from every earlier schema, and files that are not ours."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.config import default_db_path
from app.core.decisions import Decision
from app.core.store.db import Store, StoreError
from app.core.store.schema import APPLICATION_ID, LATEST_VERSION, MIGRATIONS, schema_version


def build_store_at_version(path, version: int) -> None:
    """A store exactly as version ``version`` of Vetbench left it (from the frozen DDL)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statements in MIGRATIONS[:version]:
        for sql in statements:
            conn.execute(sql)
    if version:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def seed_v1_rows(path) -> None:
    """Rows the way schema v1 code wrote them: an item, a report, a decision, log entries."""
    conn = sqlite3.connect(path, isolation_level=None)
    t = "2026-01-01T00:00:00.000Z"
    conn.execute(
        "INSERT INTO items (id, ecosystem, project, norm_project, versions, source, status,"
        " risk_level, risk_score, report_count, reporters, received_at, updated_at, decision_id)"
        " VALUES (1, 'pypi', 'Old_Pkg', 'old-pkg', '[\"0.1\"]', 'manual', 'decided', 'high',"
        " 8.0, 1, '[\"ana\"]', ?, ?, 1)",
        (t, t),
    )
    conn.execute(
        "INSERT INTO reports (item_id, source, reporter, text, received_at)"
        " VALUES (1, 'manual', 'ana', 'steals tokens', ?)",
        (t,),
    )
    conn.execute(
        "INSERT INTO decisions (id, item_id, verdict, kind, action, reason, confidence, outcome,"
        " reviewer, started_at, decided_at, seconds_spent) VALUES (1, 1, 'malicious',"
        " 'is_malware', 'remove_project', 'token theft', 'high', 'true_positive', 'ana', ?, ?, 5)",
        (t, t),
    )
    conn.execute(
        "INSERT INTO action_log (at, actor, action, item_id, decision_id, detail)"
        " VALUES (?, 'ana', 'decide', 1, 1, ?)",
        (t, json.dumps({"previous_status": "new"})),
    )
    conn.close()


@pytest.mark.parametrize("version", range(0, LATEST_VERSION))
def test_migrates_forward_from_every_earlier_version(tmp_path, version):
    path = tmp_path / "old.sqlite3"
    build_store_at_version(path, version)
    if version >= 1:
        seed_v1_rows(path)
    with Store.open(path) as store:
        assert store.schema_version == LATEST_VERSION
        if version >= 1:
            item = store.get_item(1)
            assert item.project == "Old_Pkg" and item.risk_level == "high"
            assert store.current_decision(1).reason == "token theft"
            assert [r.text for r in store.reports_for(1)] == ["steals tokens"]
            assert [i.id for i in store.list_items(text="old-pkg")] == [1]  # name index filled
            # What later schemas added works on migrated data.
            store.upsert_external_label("pypi", "old-pkg", "0.1", "zoe", {"verdict": "benign"})
            assert len(store.external_labels_for(1)) == 1
            assert store.undo_last() is not None
            assert store.get_item(1).status == "new"
        new, _ = store.add_item("pypi", "fresh", ["1"])
        store.record_decision(new.id, Decision(verdict="benign", reviewer="bo"))
    conn = sqlite3.connect(path)
    assert schema_version(conn) == LATEST_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


def test_opening_twice_does_not_migrate_twice(tmp_path):
    path = tmp_path / "s.sqlite3"
    Store.open(path).close()
    with Store.open(path) as store:
        assert store.schema_version == LATEST_VERSION


def _assert_refused_and_untouched(path, message):
    before = path.read_bytes()
    with pytest.raises(StoreError, match=message) as info:
        Store.open(path)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == before
    assert not path.with_name(path.name + "-wal").exists()


def test_non_sqlite_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"my precious notes, not a database\n" * 100)
    _assert_refused_and_untouched(path, "not an SQLite database")


def test_corrupt_sqlite_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "broken.sqlite3"
    Store.open(path).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # smash the schema page after the header
    path.write_bytes(bytes(data))
    _assert_refused_and_untouched(path, "damaged|not a Vetbench store")


def test_foreign_sqlite_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "firefox.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.invalid/')")
    conn.commit()
    conn.close()
    _assert_refused_and_untouched(path, "another application")


def test_store_from_a_newer_vetbench_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    _assert_refused_and_untouched(path, "newer Vetbench")


def test_file_that_holds_only_the_capability_cache_is_adopted(tmp_path):
    path = tmp_path / "shared.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE findings_cache (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO findings_cache VALUES ('k', 'v')")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        store.add_item("pypi", "x", ["1"])
        assert store._conn.execute("SELECT value FROM findings_cache").fetchone()[0] == "v"


def test_folder_as_store_path_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="folder"):
        Store.open(tmp_path)


def test_default_location_honours_env(tmp_path, monkeypatch):
    monkeypatch.setenv("VETBENCH_DB", str(tmp_path / "env.sqlite3"))
    assert default_db_path() == tmp_path / "env.sqlite3"
    with Store.open() as store:
        assert store.path == tmp_path / "env.sqlite3"
    monkeypatch.delenv("VETBENCH_DB")
    monkeypatch.setenv("VETBENCH_DATA_DIR", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "vetbench.sqlite3"


def test_synchronous_mode_is_full_unless_asked(tmp_path, monkeypatch):
    with Store.open(tmp_path / "a.sqlite3") as store:
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    monkeypatch.setenv("VETBENCH_SYNCHRONOUS", "normal")
    with Store.open(tmp_path / "a.sqlite3") as store:
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with pytest.raises(StoreError, match="FULL or NORMAL"):
        Store.open(tmp_path / "a.sqlite3", synchronous="OFF")
