"""The inbox: reports dropped by scanners become queue items, exactly once, never lost."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from app.core.intake import inbox as inbox_mod
from app.core.intake.inbox import InboxFormatError, import_inbox, parse_reports
from app.core.store.db import Store

SHA = "a" * 64


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


@pytest.fixture
def inbox(tmp_path):
    d = tmp_path / "inbox"
    d.mkdir()
    return d


def drop(inbox, name, payload, *, age=60.0):
    """Write a report file as a scanner would; ``age`` seconds old (settled) by default."""
    path = inbox / name
    data = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    path.write_text(data) if isinstance(data, str) else path.write_bytes(data)
    old = time.time() - age
    os.utime(path, (old, old))
    return path


def report(**kw):
    base = {
        "ecosystem": "pypi",
        "name": "requests2",
        "version": "1.0.1",
        "reason": "posts env to 203.0.113.7",
        "reporter": "scanner-a",
    }
    base.update(kw)
    return base


def test_a_report_and_a_list_become_queue_items(store, inbox):
    drop(
        inbox,
        "one.json",
        report(artifact={"url": "https://files.example.invalid/r.tgz", "sha256": SHA}),
    )
    drop(
        inbox,
        "many.json",
        [
            report(name="Requests2", version="1.0.2", reporter="feed-b"),
            {
                "ecosystem": "npm",
                "name": "lodahs",
                "versions": ["1.0.0", "1.0.1"],
                "source": "feed",
            },
        ],
    )
    result = import_inbox(store, inbox)
    assert sorted(result.imported) == ["many.json", "one.json"]
    assert result.rejected == [] and result.change.touches("queue")
    items = {i.project.lower(): i for i in store.list_items()}
    assert items["requests2"].versions == ("1.0.2", "1.0.1")  # many.json sorts first
    assert items["requests2"].report_count == 2
    assert items["lodahs"].versions == ("1.0.0", "1.0.1") and items["lodahs"].source == "feed"
    arts = store.artifacts_for(items["requests2"].id)
    assert [(a.url, a.sha256) for a in arts] == [("https://files.example.invalid/r.tgz", SHA)]
    assert sorted(p.name for p in (inbox / "imported").iterdir()) == ["many.json", "one.json"]
    assert not list(inbox.glob("*.json"))


@pytest.mark.parametrize(
    "payload, problem",
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8|not valid JSON"),
        ([], "empty list"),
        (report(ecosystem="cargo"), "ecosystem"),
        (report(name="two words"), "name"),
        ({"ecosystem": "pypi", "name": "x"}, "version or versions is required"),
        (report(versions=[]), "versions must be"),
        (report(artifact={"url": "https://files.example.invalid/x.tgz"}), "sha256 is required"),
        (report(artifact={"url": "ftp://example.invalid/x", "sha256": SHA}), "http"),
        (report(artifact={"path": "x.tgz", "sha256": "123"}), "64 hex"),
        (report(source="rumour"), "source"),
        ([report(), "just a string"], "report 2"),
    ],
)
def test_malformed_file_is_rejected_with_the_reason_beside_it(store, inbox, payload, problem):
    drop(inbox, "bad.json", payload)
    original = (inbox / "bad.json").read_bytes()
    result = import_inbox(store, inbox)
    assert [name for name, _ in result.rejected] == ["bad.json"]
    rejected = inbox / "rejected" / "bad.json"
    assert rejected.read_bytes() == original  # never lost, never altered
    note = (inbox / "rejected" / "bad.json.error.txt").read_text()
    assert re.search(problem, note), note
    assert store.count_items() == 0  # a list with one bad report imports nothing


def test_parse_reports_lists_every_problem():
    with pytest.raises(InboxFormatError) as info:
        parse_reports(json.dumps([report(ecosystem="x"), report(name="")]).encode())
    assert len(info.value.problems) == 2


def test_relative_artifact_path_resolves_against_the_inbox(store, inbox):
    drop(inbox, "r.json", report(artifact={"path": "samples/r-1.0.1.tar.gz"}))
    import_inbox(store, inbox)
    (item,) = store.list_items()
    (art,) = store.artifacts_for(item.id)
    assert art.path == str((inbox / "samples" / "r-1.0.1.tar.gz").resolve())


def test_each_file_is_imported_exactly_once_even_after_a_crash_before_the_move(
    store, inbox, monkeypatch
):
    drop(inbox, "r.json", report())

    def crash(*_a, **_k):
        raise KeyboardInterrupt("power cut after the commit, before the move")

    monkeypatch.setattr(inbox_mod, "_move_aside", crash)
    with pytest.raises(KeyboardInterrupt):
        import_inbox(store, inbox)
    assert (inbox / "r.json").exists() and store.count_items() == 1
    monkeypatch.undo()
    result = import_inbox(store, inbox)
    assert result.already_imported == ["r.json"] and result.imported == []
    (item,) = store.list_items()
    assert item.report_count == 1
    assert (inbox / "imported" / "r.json").exists()


def test_crash_inside_the_transaction_leaves_the_file_for_next_time(store, inbox, monkeypatch):
    drop(inbox, "r.json", [report(), report(name="second")])
    real = store.add_item
    calls = []

    def dying_add(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed mid-import")
        return real(*a, **k)

    monkeypatch.setattr(store, "add_item", dying_add)
    with pytest.raises(KeyboardInterrupt):
        import_inbox(store, inbox)
    assert store.count_items() == 0 and (inbox / "r.json").exists()
    monkeypatch.undo()
    assert import_inbox(store, inbox).imported == ["r.json"]
    assert store.count_items() == 2


def test_same_content_dropped_again_is_not_counted_twice(store, inbox):
    drop(inbox, "a.json", report())
    import_inbox(store, inbox)
    drop(inbox, "a.json", report())
    result = import_inbox(store, inbox)
    assert result.already_imported == ["a.json"]
    assert store.list_items()[0].report_count == 1
    assert sorted(p.name for p in (inbox / "imported").iterdir()) == ["a.1.json", "a.json"]


def test_a_file_still_being_written_is_left_for_later(store, inbox):
    drop(inbox, "half.json", '[{"ecosystem": "pypi", "na', age=0)
    result = import_inbox(store, inbox)
    assert result.deferred == ["half.json"] and (inbox / "half.json").exists()
    assert not (inbox / "rejected").exists()


def test_hidden_and_temporary_files_are_ignored(store, inbox):
    drop(inbox, ".partial.json", report())
    drop(inbox, "x.json.tmp", report())
    drop(inbox, "notes.txt", "hello")
    result = import_inbox(store, inbox)
    assert result.imported == [] and result.rejected == []
    assert store.count_items() == 0


def test_two_importers_at_once_import_once(tmp_path, inbox):
    for n in range(20):
        drop(inbox, f"r{n:02}.json", report(name=f"pkg{n}"))
    a = Store.open(tmp_path / "shared.sqlite3")
    b = Store.open(tmp_path / "shared.sqlite3")
    results = []
    threads = [
        threading.Thread(target=lambda s=s: results.append(import_inbox(s, inbox))) for s in (a, b)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(len(r.imported) for r in results) == 20
    assert a.count_items() == 20 and all(i.report_count == 1 for i in a.list_items())
    a.close()
    b.close()


IMPORT_SCRIPT = """
import sys
from app.core.store.db import Store
from app.core.intake.inbox import import_inbox
with Store.open(sys.argv[1]) as store:
    import_inbox(store, sys.argv[2])
"""


def test_kill_9_in_the_middle_of_an_import_loses_and_doubles_nothing(tmp_path, inbox):
    root = Path(__file__).resolve().parents[3]
    n = 60
    for i in range(n):
        drop(inbox, f"r{i:03}.json", report(name=f"pkg{i}", reporter=f"feed{i}"))
    db = tmp_path / "killed.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORT_SCRIPT, str(db), str(inbox)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    deadline = time.monotonic() + 30
    imported = inbox / "imported"
    while time.monotonic() < deadline and proc.poll() is None:
        if imported.exists() and len(list(imported.iterdir())) >= 5:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL  # it was killed, not finished
    assert len(list(imported.iterdir())) < n
    with Store.open(db) as store:
        import_inbox(store, inbox)
        items = store.list_items(limit=1000)
        assert len(items) == n
        assert all(i.report_count == 1 for i in items)
    assert len(list(imported.iterdir())) == n and not list(inbox.glob("*.json"))


def test_a_file_that_cannot_be_moved_is_reported_left_in_place_and_not_reimported(store, inbox):
    path = drop(inbox, "r.json", report())
    (inbox / "imported").write_text("a file where the folder should be")
    result = import_inbox(store, inbox)
    assert [name for name, _ in result.failed] == ["r.json"] and path.exists()
    assert result.imported == ["r.json"] and result.change.touches("queue")
    (inbox / "imported").unlink()
    again = import_inbox(store, inbox)
    assert again.already_imported == ["r.json"]
    assert store.list_items()[0].report_count == 1


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (DEEP, "nested deeper than 64 levels"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nested deeper than 64 levels"),
        (report(reason={"details": 5}), "reason must be a string"),
        (report(version=5), "version must be"),
        (report(versions=[5]), "versions must be"),
        (report(version="1.0\x1b[2J"), "version must be"),
        (report(artifact=5), "artifact must be an object"),
        (report(artifact={"path": 5}), "artifact.path must be a string"),
        (report(artifact={"url": [], "sha256": SHA}), "artifact.url"),
        (report(reporter=["x"]), "reporter must be a string"),
        (report(source={}), "source must be one of"),
    ],
    ids=[
        "deep-list",
        "deep-object",
        "reason-object",
        "version-int",
        "versions-int",
        "version-escape",
        "artifact-int",
        "path-int",
        "url-list",
        "reporter-list",
        "source-object",
    ],
)
def test_hostile_reports_are_quarantined_one_by_one_and_never_block_the_next(
    store, inbox, payload, problem
):
    drop(inbox, "a-bad.json", payload)
    drop(inbox, "b-good.json", report())
    result = import_inbox(store, inbox)  # no RecursionError, no TypeError
    assert [name for name, _ in result.rejected] == ["a-bad.json"]
    assert re.search(problem, (inbox / "rejected" / "a-bad.json.error.txt").read_text())
    assert result.imported == ["b-good.json"]
    assert [i.project for i in store.list_items()] == ["requests2"]


def test_a_3_gb_inbox_file_is_rejected_unread(store, inbox):
    big = inbox / "a-huge.json"
    with open(big, "wb") as fh:
        fh.truncate(3 * 2**30)  # sparse: no 3 GB written
    drop(inbox, "b-good.json", report())
    tracemalloc.start()
    try:
        result = import_inbox(store, inbox)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20  # the size was checked before anything was read
    assert [name for name, _ in result.rejected] == ["a-huge.json"]
    assert "larger than" in (inbox / "rejected" / "a-huge.json.error.txt").read_text()
    assert (inbox / "rejected" / "a-huge.json").stat().st_size == 3 * 2**30  # moved, intact
    assert result.imported == ["b-good.json"]
