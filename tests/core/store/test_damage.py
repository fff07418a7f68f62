"""A damaged store is refused before anything is written; a full or read-only disk is said
to be one, never called damage."""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3

import pytest

from app.cli import main
from app.core.store.db import Store, StoreError

PAGE = 4096


@pytest.fixture
def sound(tmp_path):
    """A closed store of a few hundred pages (reports long enough to fill many)."""
    path = tmp_path / "sound.sqlite3"
    with Store.open(path) as store, store.batch():
        for i in range(300):
            store.add_item(
                "pypi", f"pkg-{i}", ["1.0"], report_text="posts env to 203.0.113.7 " * 40
            )
    return path


def damaged_copy(sound, tmp_path):
    """A copy with one page in the middle overwritten, as a bad sector or a torn copy does."""
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(sound, copy)
    data = bytearray(copy.read_bytes())
    middle = (len(data) // PAGE // 2) * PAGE
    data[middle : middle + PAGE] = bytes((i * 37 + 11) % 256 for i in range(PAGE))
    copy.write_bytes(bytes(data))
    return copy


def test_a_damaged_page_is_refused_on_open_and_the_file_left_byte_identical(sound, tmp_path):
    copy = damaged_copy(sound, tmp_path)
    before = copy.read_bytes()
    with pytest.raises(StoreError, match=r"is damaged \(quick_check: ") as info:
        Store.open(copy)
    assert "\n" not in str(info.value) and "vetbench store check" in str(info.value)
    assert copy.read_bytes() == before
    assert not copy.with_name(copy.name + "-wal").exists()
    with Store.open(sound) as store:  # the sound original still opens and reads
        assert store.count_items() == 300


def test_commands_refuse_a_damaged_store_with_one_line(sound, tmp_path, capsys):
    copy = damaged_copy(sound, tmp_path)
    before = copy.read_bytes()
    code = main(["queue", "add", "evil==1.0", "--db", str(copy)])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "damaged" in err
    assert copy.read_bytes() == before  # nothing was written into it


def test_store_check_runs_the_full_check_read_only(sound, tmp_path, capsys):
    assert main(["store", "check", "--db", str(sound)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    copy = damaged_copy(sound, tmp_path)
    before = copy.read_bytes()
    assert main(["store", "check", "--db", str(copy), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["problems"] and doc["path"] == str(copy)
    assert copy.read_bytes() == before


def test_a_full_disk_is_reported_as_disk_full_not_damage(sound):
    with Store.open(sound) as store:
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL on growth
        with pytest.raises(StoreError, match="^disk full: ") as info, store.batch():
            for i in range(200):
                store.add_item("pypi", f"more-{i}", ["1.0"], report_text="x" * 4000)
        assert "damaged" not in str(info.value)


def test_a_read_only_store_is_reported_as_read_only_not_damage(sound):
    with Store.open(sound) as store:
        store._conn.execute("PRAGMA query_only = ON")  # SQLite answers SQLITE_READONLY
        with pytest.raises(StoreError, match="^read-only: ") as info:
            store.add_item("pypi", "one-more", ["1.0"])
        assert "damaged" not in str(info.value)


def test_a_read_only_file_system_is_said_to_be_one(tmp_path, monkeypatch):
    """Tests run as root, whom chmod does not stop: the EROFS the kernel would give is
    injected where the store creates its folder."""

    def erofs(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("pathlib.Path.mkdir", erofs)
    with pytest.raises(StoreError, match="^read-only: "):
        Store.open(tmp_path / "ro" / "store.sqlite3")


def test_an_sqlite_full_error_is_not_called_damage():
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13  # type: ignore[attr-defined]
    from app.core.store.health import store_error

    assert str(store_error(exc, "s.db", "save to")).startswith("disk full")
