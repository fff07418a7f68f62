"""FolderWatcher: file-system storms become one debounced batch; the inbox fills live."""

from __future__ import annotations

import json
import os
import threading
import time

from app.core.intake.inbox import watch_inbox
from app.core.intake.watch import FolderWatcher
from app.core.store.db import Store


class Batches:
    """Collects callback batches; ``wait`` blocks until ``n`` arrived (or times out)."""

    def __init__(self):
        self.batches: list[list] = []
        self.cond = threading.Condition()

    def __call__(self, paths):
        with self.cond:
            self.batches.append(paths)
            self.cond.notify_all()

    def wait(self, n=1, timeout=5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.batches) >= n, timeout)


def test_a_burst_of_files_arrives_as_one_batch(tmp_path):
    got = Batches()
    with FolderWatcher(tmp_path, got, debounce=0.5):
        for n in range(10):
            (tmp_path / f"r{n}.json").write_text("{}")
        (tmp_path / "ignored.txt").write_text("x")
        (tmp_path / ".hidden.json").write_text("{}")
        assert got.wait(1)
        time.sleep(0.5)
    assert len(got.batches) == 1
    assert [p.name for p in got.batches[0]] == [f"r{n}.json" for n in range(10)]


def test_renamed_in_files_are_reported_under_their_new_name(tmp_path):
    got = Batches()
    with FolderWatcher(tmp_path, got, debounce=0.1):
        tmp = tmp_path / "r.json.part"
        tmp.write_text("{}")
        os.replace(tmp, tmp_path / "r.json")
        assert got.wait(1)
    assert [p.name for p in got.batches[0]] == ["r.json"]


def test_existing_files_are_delivered_on_start_when_asked(tmp_path):
    (tmp_path / "old.json").write_text("{}")
    got = Batches()
    watcher = FolderWatcher(tmp_path, got, debounce=0.1, emit_existing=True).start()
    try:
        assert got.wait(1)
        assert [p.name for p in got.batches[0]] == ["old.json"]
    finally:
        watcher.stop()
    assert not watcher.running


def test_a_failing_callback_does_not_stop_the_watcher(tmp_path):
    calls = []

    def flaky(paths):
        calls.append(paths)
        if len(calls) == 1:
            raise RuntimeError("consumer bug")

    with FolderWatcher(tmp_path, flaky, debounce=0.1):
        (tmp_path / "a.json").write_text("{}")
        deadline = time.monotonic() + 5
        while len(calls) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        (tmp_path / "b.json").write_text("{}")
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [p.name for batch in calls for p in batch][-1] == "b.json"


def test_stop_with_flush_delivers_what_is_pending(tmp_path):
    got = Batches()
    watcher = FolderWatcher(tmp_path, got, debounce=30).start()
    (tmp_path / "late.json").write_text("{}")
    deadline = time.monotonic() + 5
    while not watcher._pending and time.monotonic() < deadline:
        time.sleep(0.02)
    watcher.stop(flush=True)
    assert [p.name for p in got.batches[0]] == ["late.json"]


def test_inbox_watcher_fills_the_queue_live(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "before.json").write_text(
        json.dumps({"ecosystem": "pypi", "name": "early", "version": "1"})
    )
    store = Store.open(tmp_path / "s.sqlite3")
    results = Batches()
    watcher = watch_inbox(lambda: store, inbox, on_import=results, debounce=0.1)
    try:
        assert results.wait(1)
        tmp = inbox / "live.json.tmp"
        tmp.write_text(json.dumps({"ecosystem": "npm", "name": "live", "version": "2.0.0"}))
        os.replace(tmp, inbox / "live.json")
        assert results.wait(2)
        changes = [r.change for r in results.batches]
        assert any(c.touches("queue") for c in changes)
    finally:
        watcher.stop()
    assert sorted(i.project for i in store.list_items()) == ["early", "live"]
    assert sorted(p.name for p in (inbox / "imported").iterdir()) == ["before.json", "live.json"]
    store.close()
